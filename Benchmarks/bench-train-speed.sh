#!/usr/bin/env bash
# Training-step throughput: Loupe against PyTorch (CPU) on ElpvNet-ref, batch 32, 2 threads, in one run.
#
#   Benchmarks/bench-train-speed.sh        (~6 minutes)      QUICK=1 Benchmarks/bench-train-speed.sh   (~2 minutes)
#
# Each side runs SGD-momentum steps (forward in training mode, softmax cross-entropy, backward,
# update) on a fixed seeded batch and reports the median step time as images/s. The engines
# alternate, REPEATS times per input size (300 px, the reference, and 150 px, the ELPV training
# size), so machine drift hits both alike; the medians of the repeats go into
# Benchmarks/results/train-speed.json with their ratio:
#   loupe_train_img_s, torch_train_img_s, ratio            (300 px)
#   loupe_train_img_s_150, torch_train_img_s_150, ratio_150 (150 px)
# plus every repeat and Loupe's per-layer forward/backward times (one extra run per size).
# Loupe runs once per kernel variant this CPU has (`loupe-bench variants`); the top-level
# figures are the best variant's, `variants` holds each, with `kernel_variant` and `cpu_model`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=Benchmarks/results
TMP=$OUT/tmp/train-speed
mkdir -p "$TMP"
if [ "${QUICK:-0}" = 1 ]; then SECS=4; REPEATS=3; else SECS=12; REPEATS=5; fi
THREADS=${THREADS:-2}
SCRATCH=${SCRATCH:-.build}

[ -x "$PY" ] || scripts/setup-venv.sh
swift build -c release --scratch-path "$SCRATCH" --product loupe-bench
BENCH=$SCRATCH/release/loupe-bench
VARIANTS=$($BENCH variants)
echo "kernel variants to time: $(echo $VARIANTS)"

for size in 300 150; do
    for r in $(seq 1 "$REPEATS"); do
        echo "== size $size, repeat $r/$REPEATS"
        for v in $VARIANTS; do
            LOUPE_KERNELS=$v $BENCH train --model Models/ElpvNet-ref --size "$size" --batch 32 --threads "$THREADS" --seconds "$SECS" \
                --json "$TMP/loupe-$v-$size-$r.json" > /dev/null
        done
        $PY Benchmarks/scripts/train_torch.py Models/ElpvNet-ref --size "$size" --batch 32 --threads "$THREADS" --seconds "$SECS" \
            --json "$TMP/torch-$size-$r.json" > /dev/null
    done
    echo "== size $size, Loupe per-layer times"
    $BENCH train --model Models/ElpvNet-ref --size "$size" --batch 32 --threads "$THREADS" --seconds "$SECS" --layers 1 \
        --json "$TMP/loupe-layers-$size.json" > /dev/null
done

$PY - "$TMP" "$OUT/train-speed.json" "$REPEATS" "$SECS" "$THREADS" $VARIANTS <<'EOF'
import json, statistics, sys
tmp, out, repeats, secs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
variants = sys.argv[6:]
result = {"model": "ElpvNet-ref", "batch": 32, "threads": threads, "repeats": repeats, "seconds_per_run": secs,
          "statistic": "median over repeats of each run's median step time, as images/s",
          "command": "Benchmarks/bench-train-speed.sh", "variants": {}}
for v in variants:
    figures = {"kernel_variant": v}
    for size in (300, 150):
        suffix = "" if size == 300 else "_150"
        runs = [json.load(open(f"{tmp}/loupe-{v}-{size}-{r}.json")) for r in range(1, repeats + 1)]
        assert all(run["kernel_variant"] == v for run in runs), f"a {v} run reported another kernel variant"
        figures["cpu_model"] = runs[0]["cpu_model"]
        loupe = [run["images_per_s"] for run in runs]
        torch = [json.load(open(f"{tmp}/torch-{size}-{r}.json"))["images_per_s"] for r in range(1, repeats + 1)]
        l, t = statistics.median(loupe), statistics.median(torch)
        figures[f"loupe_train_img_s{suffix}"] = round(l, 2)
        figures[f"torch_train_img_s{suffix}"] = round(t, 2)
        figures[f"ratio{suffix}"] = round(l / t, 3)
        figures[f"repeats_loupe_img_s{suffix}"] = [round(x, 2) for x in loupe]
        figures[f"repeats_torch_img_s{suffix}"] = [round(x, 2) for x in torch]
        print(f"{v}, size {size}: Loupe {l:.1f} img/s, PyTorch {t:.1f} img/s, ratio {l / t:.2f}  "
              f"(repeats Loupe {[round(x, 1) for x in loupe]}, PyTorch {[round(x, 1) for x in torch]})")
    result["variants"][v] = figures
result.update(result["variants"][variants[-1]])
for size in (300, 150):
    suffix = "" if size == 300 else "_150"
    result[f"loupe_layers_ms{suffix}"] = json.load(open(f"{tmp}/loupe-layers-{size}.json")).get("layers", [])
print(f"CPU: {result['cpu_model']}")
json.dump(result, open(out, "w"), indent=2, sort_keys=True)
open(out, "a").write("\n")
print(f"wrote {out}")
EOF
