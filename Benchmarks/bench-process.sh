#!/usr/bin/env bash
# Process models on real data installed at run time (CCPP power plant, Tennessee Eastman,
# raw-material lots) and a synthetic plant with known drivers, beside numpy, scikit-learn,
# SciPy SLSQP and PLS run in the same run. Writes Benchmarks/results/process.json.
# Also streams a year of 1-minute data for 1,000 tags (525 M values, ~3.7 GB written to
# Benchmarks/results/tmp and deleted after) through `loupe process report`.
#   make bench-process  (~15 minutes)      QUICK=1 make bench-process  (~3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(Benchmarks/scripts/setup-process-data.sh)
PY=${VENV:-.venv}/bin/python
SCRATCH=${SCRATCH:-.build}
mkdir -p Benchmarks/results/tmp
quick=()
[ "${QUICK:-0}" = 1 ] && quick=(--quick)
echo "== peers: numpy, scikit-learn, PLS (single-threaded)"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" Benchmarks/scripts/process_peers.py --data "$DATA" --only ccpp,tpls --out Benchmarks/results/tmp/process-peers.json "${quick[@]}"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" Benchmarks/scripts/process_tep_peer.py --data "$DATA" --out Benchmarks/results/tmp/process-tep-peer.json
swift build -c release --scratch-path "$SCRATCH" --product loupe-process-bench
swift build -c release --scratch-path "$SCRATCH" --product loupe
"$SCRATCH/release/loupe-process-bench" --data "$DATA" --peers Benchmarks/results/tmp/process-peers.json \
    --tep-peer Benchmarks/results/tmp/process-tep-peer.json --python "$PY" --scripts Benchmarks/scripts --loupe "$SCRATCH/release/loupe" \
    --out Benchmarks/results/process.json "${quick[@]}"
