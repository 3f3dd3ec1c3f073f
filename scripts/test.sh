#!/usr/bin/env bash
# Builds and runs every test in release mode (the SIMD paths are what ships), then prints
# one plain summary line "tests: N passed, M failed". Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -enable-testing: some tests use @testable imports, which release builds refuse otherwise.
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
set +e
swift test "${flags[@]}" --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# XCTest prints "Executed N tests, [with S tests skipped and] F failures" per suite; the last one is the total.
summary=$(grep -E "Executed [0-9]+ tests?, with" "$log" | tail -1 || true)
number_before() { grep -oE "[0-9]+ $1" <<<"$summary" | head -1 | grep -oE "^[0-9]+" || echo 0; }
executed=$(grep -oE "Executed [0-9]+" <<<"$summary" | grep -oE "[0-9]+" || echo 0)
skipped=$(number_before "tests? skipped")
failed=$(number_before "failures?")
if [ -z "$summary" ] || [ "$executed" -eq 0 ]; then
    echo "tests: no tests ran (swift test exit status $status)"
    exit 1
fi
echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
