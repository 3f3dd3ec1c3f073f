#!/usr/bin/env bash
# Station latency at a line rate with a real PLC: frame → decision, the pipeline's own overhead,
# frame → reject confirmed at the pymodbus PLC peer, for the demo model and ElpvNet-ref, beside the
# engine's own batch-1 latency in the same run. Writes Benchmarks/results/station.json.
#   make bench-station  (~1 minute)      QUICK=1 make bench-station  (~20 s)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-venv.sh
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product loupe-station-bench
if [ "${QUICK:-0}" = 1 ]; then SECONDS_PER_MODEL=8; else SECONDS_PER_MODEL=25; fi
"$SCRATCH/release/loupe-station-bench" --repo "$PWD" --seconds "$SECONDS_PER_MODEL" --rate 25
