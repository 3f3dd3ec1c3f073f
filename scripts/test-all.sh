#!/usr/bin/env bash
# `make test`: every suite, then one closing line "tests: N passed, M failed" summing them.
#   1. scripts/test.sh       — all XCTest suites, release build (includes the real mosquitto
#                              broker and Modbus peer tests, which start their own servers)
#   2. scripts/test-vivid.sh — V4L2 capture against the kernel's vivid driver in a qemu guest
# Any failing suite makes the whole run fail (after the others have run, so one report shows all).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0 status=0
run_suite() {
    local name=$1 pattern=$2 log
    shift 2
    log=$(mktemp)
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E "$pattern" "$log" | tail -1 | tr -d '\r')
    rm -f "$log"
    if [ -n "$line" ]; then
        count() { grep -oE "[0-9]+ $1" <<<"$line" | head -1 | grep -oE "^[0-9]+" || echo 0; }
        passed=$((passed + $(count passed))); failed=$((failed + $(count failed))); skipped=$((skipped + $(count skipped)))
    else
        echo "test-all: $name printed no summary"
        failed=$((failed + 1))
    fi
    if [ "$rc" -ne 0 ]; then echo "test-all: $name FAILED (exit $rc)"; status=1; fi
}
run_suite "unit and integration tests" '^tests: [0-9]+ passed, [0-9]+ failed' scripts/test.sh
run_suite "vivid capture test" '^vivid: [0-9]+ passed, [0-9]+ failed' scripts/test-vivid.sh
[ "$failed" -ne 0 ] && status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
