#!/usr/bin/env bash
# Creates .venv with the Python peers used by benchmarks (ONNX Runtime, CPU PyTorch, numpy).
# Idempotent: re-running only installs what is missing. Never used by the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
want="numpy pillow onnx==1.23.2 onnxruntime==1.32.0 torch==2.13.0+cpu"
if ! "$VENV/bin/python" -c "import numpy, PIL, onnx, onnxruntime, torch" 2>/dev/null; then
    # torch's CPU build: pip on this kind of machine also looks in a local wheel folder
    # (PIP_FIND_LINKS); elsewhere add --index-url https://download.pytorch.org/whl/cpu.
    "$VENV/bin/pip" install -q $want
fi
