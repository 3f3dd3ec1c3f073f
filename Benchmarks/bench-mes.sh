#!/usr/bin/env bash
# MES adapter benchmark: outbox throughput, result -> PUBACK latency, reject round trip at 25 and
# 100 parts/s (vs pymodbus's own client), and a long chaos run (10,000 results, 20 broker
# restarts, 5 station kills). Writes Benchmarks/results/mes.json. QUICK=1 for a short run.
# Peers on 127.0.0.1 only: mosquitto (Debian) and pymodbus (pinned, .venv-test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh mosquitto libmosquitto-dev libsqlite3-dev
scripts/setup-test-venv.sh
swift build -c release --product loupe-mes-sim
swift build -c release --product loupe-mes-bench
bin=$(swift build -c release --show-bin-path)/loupe-mes-bench
mkdir -p Benchmarks/results
args=(--repo "$PWD" --out Benchmarks/results/mes.json)
[ "${QUICK:-0}" = "1" ] && args+=(--quick)
"$bin" "${args[@]}"
