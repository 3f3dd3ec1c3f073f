#!/usr/bin/env bash
# Capture conversion benchmark (host CPU; the vivid guest is emulated, so not timed there):
# frame buffer -> network input (ROI + resize to 300x300 + normalise) at 640x480 and
# 1920x1080, GREY and YUYV, beside memcpy of the same frame. Writes Benchmarks/results/capture.json.
# ITERATIONS (default 300) per case; median reported.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --scratch-path .build-capture --product loupe-capture-bench
mkdir -p Benchmarks/results
.build-capture/release/loupe-capture-bench Benchmarks/results/capture.json "${ITERATIONS:-300}"
