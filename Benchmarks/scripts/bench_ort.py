"""Time an ONNX model on ONNX Runtime (CPU), the peer Loupe's benchmarks compare against.

    python bench_ort.py MODEL.onnx --threads 1 2 --batch 1 32 --seconds 5 --json OUT.json
    python bench_ort.py MODEL.onnx --dump-output INPUT.bin OUTPUT.bin --shape N C H W

Sessions use intra_op_num_threads = T, inter_op_num_threads = 1, sequential execution and
graph optimisation level ALL. Each (threads, batch) pair is warmed up, then run repeatedly
for --seconds: batch 1 reports median and p99 latency in ms; larger batches report median
images/s. Results are printed as JSON (and written to --json).

--dump-output runs one raw float32 little-endian input [N, C, H, W] and writes the raw
float32 output: the reference for Loupe's numeric agreement checks.
"""
import argparse
import json
import platform
import sys
import time

import numpy as np
import onnxruntime as ort


def make_session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def input_shape(session, batch):
    dims = session.get_inputs()[0].shape
    if len(dims) != 4 or not all(isinstance(d, int) for d in dims[1:]):
        sys.exit(f"input shape {dims}: expected [N, C, H, W] with fixed C, H, W")
    return [batch] + list(dims[1:])


def time_runs(session, x, seconds, warmup_seconds=0.5, min_runs=10):
    """Per-run wall times in seconds after a warm-up."""
    name = session.get_inputs()[0].name
    feed = {name: x}
    end = time.perf_counter() + warmup_seconds
    while True:
        session.run(None, feed)
        if time.perf_counter() >= end:
            break
    times = []
    end = time.perf_counter() + seconds
    while len(times) < min_runs or time.perf_counter() < end:
        t0 = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - t0)
    return np.array(times)


def bench(args):
    results = []
    rng = np.random.default_rng(0)
    for threads in args.threads:
        session = make_session(args.onnx, threads)
        for batch in args.batch:
            x = rng.standard_normal(input_shape(session, batch)).astype(np.float32)
            t = time_runs(session, x, args.seconds)
            median = float(np.median(t))
            row = {"threads": threads, "batch": batch, "runs": int(len(t)), "median_ms": median * 1e3}
            if batch == 1:
                row["p99_ms"] = float(np.percentile(t, 99)) * 1e3
            else:
                row["images_per_s"] = batch / median
            results.append(row)
            print(f"ort threads={threads} batch={batch}: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                                  for k, v in row.items() if k not in ("threads", "batch")),
                  file=sys.stderr)
    report = {"engine": "onnxruntime", "version": ort.__version__, "model": args.onnx,
              "machine": platform.machine(), "seconds": args.seconds, "results": results}
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


def dump_output(args):
    input_path, output_path = args.dump_output
    if not args.shape:
        sys.exit("--dump-output needs --shape N C H W")
    x = np.fromfile(input_path, dtype="<f4")
    if x.size != int(np.prod(args.shape)):
        sys.exit(f"{input_path}: {x.size} floats, --shape {args.shape} needs {int(np.prod(args.shape))}")
    session = make_session(args.onnx, args.threads[0])
    y = session.run(None, {session.get_inputs()[0].name: x.reshape(args.shape).astype(np.float32)})[0]
    y.astype("<f4").tofile(output_path)
    print(f"wrote {output_path}: output shape {list(y.shape)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("onnx")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per (threads, batch)")
    parser.add_argument("--json", help="also write the JSON report here")
    parser.add_argument("--dump-output", nargs=2, metavar=("INPUT.bin", "OUTPUT.bin"))
    parser.add_argument("--shape", type=int, nargs=4, metavar=("N", "C", "H", "W"))
    args = parser.parse_args()
    if args.dump_output:
        dump_output(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
