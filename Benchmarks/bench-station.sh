#!/usr/bin/env bash
# The station at a line rate and at its limits, with a real PLC: frame → decision, the pipeline's
# own overhead, frame → reject confirmed at the pymodbus PLC peer and CPU use for the demo model
# and ElpvNet-ref at 25 parts/s, beside the engine alone; the highest rate sustained for 60 s;
# an overload at twice that rate (parts lost, bad parts passed); resident memory over a 30-minute
# soak. Writes Benchmarks/results/station.json.
#   make bench-station  (~40 minutes: the soak is 30)      QUICK=1 make bench-station  (~3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-venv.sh
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product loupe-station-bench
if [ "${QUICK:-0}" = 1 ]; then
    timing=(--seconds 8 --trial-seconds 4 --sustain-seconds 15 --overload-seconds 10 --soak-minutes 1)
else
    timing=(--seconds 25 --trial-seconds 10 --sustain-seconds 60 --overload-seconds 30 --soak-minutes 30)
fi
"$SCRATCH/release/loupe-station-bench" --repo "$PWD" --rate 25 "${timing[@]}"
