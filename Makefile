# Loupe — the two commands of the README's quick start are `make demo` and `make test`.
# Every target installs what it needs (idempotently) first.
SWIFT ?= swift
LOUPE := .build/release/loupe
PY := .venv/bin/python

.PHONY: demo test deps build venv bench-inference bench-capture bench-mes bench-station bench-process bench-train bench-train-speed bench-label fuzz clean

## Main job on embedded defaults: the station replays the bundled sample images through the
## bundled model, results to the local outbox (.loupe/), dashboard on http://127.0.0.1:8080/.
demo: build
	@mkdir -p .loupe
	$(LOUPE) station --config docs/examples/station-demo.yaml

## All tests: XCTest suites (release build) and the vivid capture test in qemu,
## closing with one line "tests: N passed, M failed".
test: deps
	@scripts/install-deps.sh chromium prometheus  # the real-browser test of the evaluation report; the real Prometheus scraping the station
	scripts/setup-test-venv.sh
	scripts/test-all.sh

deps:
	@scripts/install-deps.sh mosquitto libmosquitto-dev libsqlite3-dev openssl libopenblas-dev liblapacke-dev libxgboost-dev libssl-dev

build: deps
	$(SWIFT) build -c release --product loupe

venv:
	@scripts/setup-venv.sh

## Inference benchmark against ONNX Runtime (QUICK=1 for a short run).
bench-inference: deps venv
	Benchmarks/bench-inference.sh

## Capture conversion cost vs memcpy (host) -> Benchmarks/results/capture.json
bench-capture: deps
	Benchmarks/bench-capture.sh

## MES adapter: PUBACK latency, reject round trip, outbox throughput, long chaos run (QUICK=1 short)
bench-mes: deps
	Benchmarks/bench-mes.sh

## Station: frame → decision → reject confirmed at a real PLC at 25 parts/s (QUICK=1 short).
bench-station: deps
	Benchmarks/bench-station.sh

## Process models on real data (CCPP, Tennessee Eastman, raw-material lots) and a synthetic plant,
## beside numpy, scikit-learn, SciPy SLSQP and PLS -> Benchmarks/results/process.json (QUICK=1 short).
bench-process: deps
	Benchmarks/bench-process.sh

## ELPV training benchmark: accuracy on the 656 test cells, minutes, img/s vs PyTorch (QUICK=1 short).
bench-train: deps venv
	Benchmarks/bench-train.sh

## Training-step throughput only, Loupe vs PyTorch (QUICK=1 short).
bench-train-speed: deps venv
	Benchmarks/bench-train-speed.sh

## Folder labelling, loupe label vs Python (Pillow + ONNX Runtime) img/s, and label-error recall (QUICK=1 short).
bench-label: deps venv
	Benchmarks/bench-label.sh

## Fuzz the PNG and JPEG decoders (FUZZ_SECONDS per target, default 60).
fuzz: deps
	Fuzz/run.sh

clean:
	rm -rf .build
