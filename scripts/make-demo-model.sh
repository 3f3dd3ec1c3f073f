#!/usr/bin/env bash
# Rebuilds Models/demo with Loupe's own training loop: ElpvNet-ref's layers at 128 px, trained on
# 2,400 synthetic cells (`loupe synth`, redistributable) and selected on 600 others.
# About 5 minutes on 2 cores. Deterministic for a given CPU and thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product loupe
LOUPE=.build/release/loupe
WORK=.cache/demo-model
rm -rf "$WORK" && mkdir -p "$WORK"
$LOUPE synth --count 2400 --seed 101 --by-class --out "$WORK/train"
$LOUPE synth --count 600 --seed 202 --by-class --out "$WORK/val"
$LOUPE train "$WORK/train" --layout folders --val "$WORK/val" --arch Models/ElpvNet-ref --size 128 \
    --epochs 20 --lr 0.003 --seed 7 --name demo --out "$WORK/model" \
    --description "Demo classifier for synthetic EL solar cells (1x128x128; images are resized). Trained by loupe train on 2,400 cells from loupe synth --seed 101, best of 20 epochs on 600 cells from --seed 202."
$LOUPE eval "$WORK/val" --layout folders --model "$WORK/model" | tee "$WORK/eval.txt"
rm -rf Models/demo && mkdir -p Models/demo
cp "$WORK/model/model.json" "$WORK/model/weights.bin" "$WORK/model/history.json" Models/demo/
$LOUPE predict Images/samples --model Models/demo | tail -1
