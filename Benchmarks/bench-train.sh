#!/usr/bin/env bash
# ELPV solar-cell benchmark: train with Loupe on the standard split, evaluate on the 656 test
# cells, and measure training throughput against PyTorch (CPU) in the same run.
#
#   make bench-train            (~25 minutes)        QUICK=1 make bench-train   (~5 minutes)
#
# Steps:
#   1. installs `elpv-dataset` into .venv (Benchmarks/scripts/setup-elpv.sh; CC BY-NC-SA data,
#      installed at run time, never committed);
#   2. writes the seeded 75/25 split stratified by probability and cell type (1,968 / 656 cells)
#      to Benchmarks/results/tmp/elpv/{train,test}.csv (Benchmarks/scripts/elpv_split.py);
#   3. `loupe train` on train.csv: the 4 label levels (p = 0, 1/3, 2/3, 1) as classes, defects
#      p > 0.5, ElpvNet-ref's layers at $SIZE px, $EPOCHS epochs;
#   4. `loupe eval` on test.csv (JSON + HTML report in Benchmarks/results/tmp/elpv/);
#   5. Benchmarks/bench-train-speed.sh (Loupe vs PyTorch images/s, ElpvNet-ref, batch 32, 2 threads);
#   6. merges everything into Benchmarks/results/train.json.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=Benchmarks/results
WORK=$OUT/tmp/elpv
mkdir -p "$WORK"
if [ "${QUICK:-0}" = 1 ]; then EPOCHS=${EPOCHS:-4}; else EPOCHS=${EPOCHS:-100}; fi
SIZE=${SIZE:-150}
LR=${LR:-0.003}
# Extra `loupe train` options, e.g. TRAIN_ARGS="--no-class-weights". SKIP_SPEED=1 reuses
# Benchmarks/results/train-speed.json instead of measuring the throughput again.
TRAIN_ARGS=${TRAIN_ARGS:-}

scripts/setup-venv.sh
DATA=$(Benchmarks/scripts/setup-elpv.sh)
.venv/bin/python Benchmarks/scripts/elpv_split.py --data "$DATA" --out "$WORK" --seed 0
swift build -c release --product loupe
LOUPE=.build/release/loupe

start=$(date +%s)
$LOUPE train "$WORK/train.csv" --arch Models/ElpvNet-ref --size "$SIZE" --epochs "$EPOCHS" --lr "$LR" \
    --val-fraction 0 --seed 1 --threads 2 $TRAIN_ARGS --out "$WORK/model" 2>&1 | tee "$WORK/train.log"
end=$(date +%s)
$LOUPE eval "$WORK/test.csv" --model "$WORK/model" --json --report "$WORK/report.html" > "$WORK/eval.json"
$LOUPE eval "$WORK/test.csv" --model "$WORK/model" | tee "$WORK/eval.txt"

[ "${SKIP_SPEED:-0}" = 1 ] || QUICK=1 Benchmarks/bench-train-speed.sh

.venv/bin/python - "$WORK" "$start" "$end" "$EPOCHS" "$SIZE" "$LR" "$TRAIN_ARGS" <<'PY'
import json, sys, hashlib
work, start, end, epochs, size, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
train_args = sys.argv[7]
ev = json.load(open(f"{work}/eval.json"))
speed = json.load(open("Benchmarks/results/train-speed.json"))
split = {n: hashlib.sha256(open(f"{work}/{n}.csv", "rb").read()).hexdigest()[:16] for n in ("train", "test")}
rows = {n: sum(1 for _ in open(f"{work}/{n}.csv")) - 1 for n in ("train", "test")}
result = {
    "elpv_binary_accuracy": ev["accuracy"],
    "elpv_4class_accuracy": ev.get("multiClassAccuracy"),
    "elpv_auc": ev.get("auc"),
    "elpv_precision": ev.get("precision"), "elpv_recall": ev.get("recall"), "elpv_f1": ev.get("f1"),
    "elpv_escape_rate": ev.get("escapeRate"), "elpv_overkill": ev.get("overkill"),
    "elpv_per_group": {g["group"]: {"accuracy": g.get("accuracy"), "auc": g.get("auc")} for g in ev.get("perGroup", [])},
    "elpv_calibration": ev.get("calibration"),
    "train_minutes": round((end - start) / 60, 2),
    "train_images": rows["train"], "test_images": rows["test"], "split_sha256_16": split,
    "epochs": epochs, "input_size": size, "learning_rate": lr, "train_args": train_args, "architecture": "ElpvNet-ref layers, 4 outputs",
    "loupe_train_img_s": speed["loupe_train_img_s"], "torch_train_img_s": speed["torch_train_img_s"],
    "train_speed_ratio": speed["ratio"],
    "loupe_train_img_s_150": speed.get("loupe_train_img_s_150"), "torch_train_img_s_150": speed.get("torch_train_img_s_150"),
    "targets": {"elpv_binary_accuracy": 0.92, "elpv_4class_accuracy": 0.85, "train_minutes": 30, "train_speed_ratio": 1.5},
}
json.dump(result, open("Benchmarks/results/train.json", "w"), indent=2, sort_keys=True)
print(json.dumps({k: result[k] for k in ("elpv_binary_accuracy", "elpv_4class_accuracy", "elpv_auc", "train_minutes",
                                         "loupe_train_img_s", "torch_train_img_s", "train_speed_ratio")}, indent=2))
PY
