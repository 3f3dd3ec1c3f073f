"""Merge the per-engine JSON of bench-inference.sh into Benchmarks/results/inference.json.

    python merge_inference.py TMP_DIR OUT.json [--quick 0|1] [--seconds S]

Ratios are Loupe relative to ONNX Runtime: throughput ratio > 1 and latency ratio < 1 mean
Loupe is faster.
"""
import argparse
import datetime
import json
import os
import platform

import numpy as np
import onnxruntime


def row(report, threads, batch):
    for r in report["results"]:
        if r["threads"] == threads and r["batch"] == batch:
            return r
    raise SystemExit(f"no result for threads={threads} batch={batch} in {report.get('engine')}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tmp")
    p.add_argument("out")
    p.add_argument("--quick", default="0")
    p.add_argument("--seconds", type=float)
    a = p.parse_args()
    load = lambda name: json.load(open(os.path.join(a.tmp, name)))
    ort_out = np.fromfile(os.path.join(a.tmp, "agree-ort.bin"), dtype="<f4")
    loupe_out = np.fromfile(os.path.join(a.tmp, "agree-loupe.bin"), dtype="<f4")
    if ort_out.shape != loupe_out.shape:
        raise SystemExit(f"output sizes differ: ORT {ort_out.size}, Loupe {loupe_out.size}")
    max_abs = float(np.max(np.abs(ort_out - loupe_out)))
    gemm = load("gemm.json")
    res = {
        "model": "ElpvNet-ref (1x300x300, 0.689 GFLOP/image), exported to ONNX and run by both engines",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "onnxruntime_version": onnxruntime.__version__,
        "quick": a.quick == "1",
        "seconds_per_case": a.seconds,
        "max_abs_diff_vs_ort": max_abs,
        "gemm_512_gflops_1t": gemm["gemm_gflops_1t"],
        "fma_peak_gflops_1t": gemm["fma_peak_gflops_1t"],
        "gemm_fraction_of_peak": gemm["gemm_fraction_of_peak"],
    }
    for t in (1, 2):
        suffix = "" if t == 2 else "_1t"
        lo, ort = load(f"loupe-t{t}.json"), load(f"ort-t{t}.json")
        lb1, ob1 = row(lo, t, 1), row(ort, t, 1)
        lb32, ob32 = row(lo, t, 32), row(ort, t, 32)
        res[f"loupe_b1_ms{suffix}"] = lb1["median_ms"]
        res[f"loupe_b1_p99_ms{suffix}"] = lb1["p99_ms"]
        res[f"ort_b1_ms{suffix}"] = ob1["median_ms"]
        res[f"ort_b1_p99_ms{suffix}"] = ob1["p99_ms"]
        res[f"loupe_b32_img_s{suffix}"] = lb32["images_per_s"]
        res[f"ort_b32_img_s{suffix}"] = ob32["images_per_s"]
        res[f"b1_latency_ratio{suffix}"] = lb1["median_ms"] / ob1["median_ms"]
        res[f"b32_throughput_ratio{suffix}"] = lb32["images_per_s"] / ob32["images_per_s"]
        res[f"loupe_heap_bytes_delta_20_runs_b1{suffix}"] = lb1["heap_bytes_delta_20_runs"]
        res[f"loupe_heap_bytes_delta_20_runs_b32{suffix}"] = lb32["heap_bytes_delta_20_runs"]
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"\nLoupe vs ONNX Runtime {onnxruntime.__version__} (ElpvNet-ref, medians; ratio = Loupe / ORT)")
    print(f"  outputs agree: max abs diff {max_abs:.2e}")
    for t, s in ((1, "_1t"), (2, "")):
        print(f"  {t} thread(s): batch 1 {res['loupe_b1_ms' + s]:.2f} ms vs {res['ort_b1_ms' + s]:.2f} ms "
              f"(latency ratio {res['b1_latency_ratio' + s]:.2f}x, p99 {res['loupe_b1_p99_ms' + s]:.2f} vs {res['ort_b1_p99_ms' + s]:.2f}); "
              f"batch 32 {res['loupe_b32_img_s' + s]:.0f} vs {res['ort_b32_img_s' + s]:.0f} img/s "
              f"(throughput ratio {res['b32_throughput_ratio' + s]:.2f}x)")
    print(f"  GEMM 512^3 one core: {res['gemm_512_gflops_1t']:.1f} GFLOPS = {100 * res['gemm_fraction_of_peak']:.0f} % "
          f"of the measured FMA peak {res['fma_peak_gflops_1t']:.1f}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
