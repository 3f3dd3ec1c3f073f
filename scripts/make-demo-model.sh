#!/usr/bin/env bash
# Rebuilds Models/demo: synthetic cells -> PyTorch training -> ONNX -> `loupe import-onnx`.
# Takes a few minutes on 2 cores. Output is committed; this script documents and reproduces it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/setup-venv.sh
swift build -c release --product loupe
LOUPE=.build/release/loupe
WORK=.cache/demo-model
rm -rf "$WORK" && mkdir -p "$WORK"
$LOUPE synth --count 2400 --seed 101 --out "$WORK/train"
$LOUPE synth --count 600 --seed 202 --out "$WORK/val"
.venv/bin/python scripts/train_demo_model.py "$WORK/train" "$WORK/val" "$WORK/demo.onnx" --epochs 12 --size 128
$LOUPE import-onnx "$WORK/demo.onnx" --out Models/demo --name demo --classes good,defective --mean 0.5 --std 0.25
acc=$(cat "$WORK/demo.onnx.accuracy")
# Provenance in the spec's metadata (the checksum covers weights.bin only).
.venv/bin/python - "$acc" <<'PY'
import json, sys
p = "Models/demo/model.json"
spec = json.load(open(p))
spec["description"] = "Demo classifier for synthetic EL solar cells (1x128x128; images are resized). Trained with PyTorch on 2,400 cells from `loupe synth --seed 101`, imported from ONNX."
spec["metadata"].update({"trainedOn": "loupe synth --count 2400 --seed 101 (synthetic, redistributable)",
                         "validationAccuracy": sys.argv[1], "validationSet": "loupe synth --count 600 --seed 202",
                         "recipe": "scripts/make-demo-model.sh"})
json.dump(spec, open(p, "w"), indent=2, sort_keys=True)
open(p, "a").write("\n")
PY
$LOUPE model info Models/demo | head -5
