#!/usr/bin/env bash
# Inference benchmark: Loupe against ONNX Runtime on the same ONNX file, in one run.
#
#   make bench-inference          (~6 minutes)      QUICK=1 make bench-inference   (~2 minutes)
#
# 1. exports Models/ElpvNet-ref to ONNX with PyTorch (the file both engines run; Loupe imports it);
# 2. checks the outputs agree on a seeded batch (max abs difference printed);
# 3. times batch 1 (median, p99) and batch 32 (images/s) with 1 and 2 threads, alternating the
#    engines so that machine drift hits both alike, once per kernel variant this CPU runs
#    (`loupe-bench variants`: avx2 and avx512 on an AVX-512 machine, avx2 on an AVX2 one);
# 4. measures single-core GEMM GFLOPS against the measured FMA peak of each variant's ISA;
# 5. writes Benchmarks/results/inference.json (top level: the best variant; `variants`: each)
#    with the CPU model, and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=Benchmarks/results
TMP=$OUT/tmp
mkdir -p "$TMP"
if [ "${QUICK:-0}" = 1 ]; then SECS=1.5; else SECS=5; fi

SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product loupe-bench
BENCH=$SCRATCH/release/loupe-bench
ONNX=$TMP/elpvnet-ref.onnx

$PY Benchmarks/scripts/export_onnx.py Models/ElpvNet-ref "$ONNX"

echo "== agreement (seeded batch of 4)"
$PY -c "import numpy as np; np.random.default_rng(42).standard_normal((4, 1, 300, 300)).astype('<f4').tofile('$TMP/agree-input.bin')"
$PY Benchmarks/scripts/bench_ort.py "$ONNX" --threads 2 --dump-output "$TMP/agree-input.bin" "$TMP/agree-ort.bin" --shape 4 1 300 300
VARIANTS=$($BENCH variants)
echo "kernel variants to time: $(echo $VARIANTS)"
$BENCH dump --onnx "$ONNX" --input "$TMP/agree-input.bin" --output "$TMP/agree-loupe.bin" --batch 4

echo "== timing ($SECS s per case)"
for t in 1 2; do
    $PY Benchmarks/scripts/bench_ort.py "$ONNX" --threads $t --batch 1 32 --seconds "$SECS" --json "$TMP/ort-t$t.json" > /dev/null
    for v in $VARIANTS; do
        LOUPE_KERNELS=$v $BENCH inference --onnx "$ONNX" --threads $t --batch 1,32 --seconds "$SECS" --json "$TMP/loupe-$v-t$t.json" > /dev/null
    done
done

echo "== GEMM"
for v in $VARIANTS; do
    LOUPE_KERNELS=$v $BENCH gemm --size 512 --seconds "$SECS" --json "$TMP/gemm-$v.json" > /dev/null
done

echo "== per-layer (Loupe, batch 1)"
for t in 1 2; do echo "threads $t:"; $BENCH layers --onnx "$ONNX" --threads $t; done | tee "$TMP/layers.txt"

$PY Benchmarks/scripts/merge_inference.py "$TMP" "$OUT/inference.json" --variants $VARIANTS --quick "${QUICK:-0}" --seconds "$SECS"
