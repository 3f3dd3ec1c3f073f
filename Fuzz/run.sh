#!/usr/bin/env bash
# Builds and runs the libFuzzer targets for Loupe's PNG and JPEG decoders.
#
#   Fuzz/run.sh                 # both targets, FUZZ_SECONDS (default 60) each
#   FUZZ_SECONDS=300 Fuzz/run.sh png
#   Fuzz/run.sh jpeg -- -runs=0 Fuzz/crashes/crash-…   # replay one input
#
# SwiftPM cannot build libFuzzer binaries, so this compiles the pieces by hand:
#   C shim      clang  -fsanitize=fuzzer-no-link,address
#   LoupeTensor swiftc -sanitize=fuzzer,address (a separate module, as in the package)
#   LoupeImaging + Fuzz/<Target>DecoderFuzz.swift + FuzzChecks.swift
#               swiftc -sanitize=fuzzer,address -parse-as-library → one executable
# -DLOUPE_FUZZING makes the PNG shim ignore CRC/Adler-32 mismatches so mutations reach
# the parsers (release builds always verify them).
# libpng/libjpeg/zlib are the system libraries, not instrumented: coverage guidance
# covers Loupe's shim and Swift code; the libraries are reached by mutation alone.
#
# Corpora go to Fuzz/corpus-<target>/ and findings to Fuzz/crashes/ (both git-ignored);
# the corpus is seeded from valid files written by Fuzz/MakeSeeds.swift.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SWIFT_BIN="${SWIFT_BIN:-/opt/swift/usr/bin}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
BUILD="$ROOT/Fuzz/.build"
TARGETS=()
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --) shift; EXTRA=("$@"); break ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(png jpeg)

# C targets compiled in: the codec shim and the C targets LoupeTensor depends on.
C_MODULES="${C_MODULES:-CImageCodecs CLoupeSystem}"
rm -rf "$BUILD"
mkdir -p "$BUILD/modules" "$ROOT/Fuzz/crashes"
: > "$BUILD/modules/module.modulemap"
for module in $C_MODULES; do
    [ -d "$ROOT/Sources/$module/include" ] || continue
    cat >> "$BUILD/modules/module.modulemap" <<MAP
module $module {
    umbrella "$ROOT/Sources/$module/include"
    export *
}
MAP
done

build() { # $1 = sanitizer flags for swiftc, $2 = clang flags, $3 = output dir
    local out="$3"
    mkdir -p "$out"
    for module in $C_MODULES; do
        for c in "$ROOT/Sources/$module"/*.c; do
            [ -f "$c" ] || continue
            "$SWIFT_BIN/clang" -c -O1 -g $2 -I"$ROOT/Sources/$module/include" "$c" -o "$out/$module-$(basename "$c" .c).o"
        done
    done
    "$SWIFT_BIN/swiftc" -O -g $1 -parse-as-library -wmo -module-name LoupeTensor \
        -I "$BUILD/modules" -emit-module -emit-module-path "$out/LoupeTensor.swiftmodule" -emit-object -o "$out/LoupeTensor.o" \
        "$ROOT"/Sources/LoupeTensor/*.swift
}

echo "== building instrumented objects"
build "-sanitize=fuzzer,address" "-fsanitize=fuzzer-no-link,address -DLOUPE_FUZZING" "$BUILD/asan"
echo "== building the seed writer"
build "" "" "$BUILD/plain"
"$SWIFT_BIN/swiftc" -O -parse-as-library -module-name LoupeImaging -I "$BUILD/plain" -I "$BUILD/modules" \
    "$ROOT"/Sources/LoupeImaging/*.swift "$ROOT/Fuzz/MakeSeeds.swift" "$BUILD/plain"/*.o \
    -lpng16 -ljpeg -lz -o "$BUILD/make-seeds"
mkdir -p "$ROOT/Fuzz/corpus-png" "$ROOT/Fuzz/corpus-jpeg"
"$BUILD/make-seeds" "$ROOT/Fuzz/corpus-png" "$ROOT/Fuzz/corpus-jpeg"

for target in "${TARGETS[@]}"; do
    case "$target" in
        png) entry="PNGDecoderFuzz.swift"; dict="png.dict" ;;
        jpeg) entry="JPEGDecoderFuzz.swift"; dict="jpeg.dict" ;;
        *) echo "unknown target '$target' (png or jpeg)"; exit 2 ;;
    esac
    echo "== building fuzz-$target"
    "$SWIFT_BIN/swiftc" -O -g -sanitize=fuzzer,address -parse-as-library -module-name LoupeImaging \
        -I "$BUILD/asan" -I "$BUILD/modules" \
        "$ROOT"/Sources/LoupeImaging/*.swift "$ROOT/Fuzz/$entry" "$ROOT/Fuzz/FuzzChecks.swift" \
        "$BUILD/asan"/*.o -lpng16 -ljpeg -lz -o "$BUILD/fuzz-$target"
    echo "== running fuzz-$target for ${FUZZ_SECONDS}s"
    if [ ${#EXTRA[@]} -gt 0 ]; then
        "$BUILD/fuzz-$target" "${EXTRA[@]}"
    else
        "$BUILD/fuzz-$target" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -max_total_time="$FUZZ_SECONDS" \
            -print_final_stats=1 -dict="$ROOT/Fuzz/$dict" -artifact_prefix="$ROOT/Fuzz/crashes/$target-" \
            "$ROOT/Fuzz/corpus-$target"
    fi
done
