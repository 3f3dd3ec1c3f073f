"""Merge the per-engine JSON of bench-inference.sh into Benchmarks/results/inference.json.

    python merge_inference.py TMP_DIR OUT.json --variants avx2 [avx512] [--quick 0|1] [--seconds S]

The top-level figures are the last (best) kernel variant's; `variants` holds each one's.

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


def variant_figures(load, v):
    """Loupe against ORT (measured alternately in the same run) with kernel variant `v`."""
    gemm = load(f"gemm-{v}.json")
    res = {
        "kernel_variant": v,
        "cpu_model": gemm["cpu_model"],
        "gemm_512_gflops_1t": gemm["gemm_gflops_1t"],
        "fma_peak_gflops_1t": gemm["fma_peak_gflops_1t"],
        "gemm_fraction_of_peak": gemm["gemm_fraction_of_peak"],
    }
    for t in (1, 2):
        suffix = "" if t == 2 else "_1t"
        lo, ort = load(f"loupe-{v}-t{t}.json"), load(f"ort-t{t}.json")
        if lo["kernel_variant"] != v:
            raise SystemExit(f"loupe-{v}-t{t}.json ran kernel variant {lo['kernel_variant']}, not {v}")
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
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tmp")
    p.add_argument("out")
    p.add_argument("--variants", nargs="+", required=True)
    p.add_argument("--quick", default="0")
    p.add_argument("--seconds", type=float)
    a = p.parse_args()
    load = lambda name: json.load(open(os.path.join(a.tmp, name)))
    ort_out = np.fromfile(os.path.join(a.tmp, "agree-ort.bin"), dtype="<f4")
    loupe_out = np.fromfile(os.path.join(a.tmp, "agree-loupe.bin"), dtype="<f4")
    if ort_out.shape != loupe_out.shape:
        raise SystemExit(f"output sizes differ: ORT {ort_out.size}, Loupe {loupe_out.size}")
    max_abs = float(np.max(np.abs(ort_out - loupe_out)))
    res = {
        "model": "ElpvNet-ref (1x300x300, 0.689 GFLOP/image), exported to ONNX and run by both engines",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "onnxruntime_version": onnxruntime.__version__,
        "quick": a.quick == "1",
        "seconds_per_case": a.seconds,
        "max_abs_diff_vs_ort": max_abs,
        "variants": {},
    }
    for v in a.variants:
        res["variants"][v] = variant_figures(load, v)
    best = a.variants[-1]
    res.update(res["variants"][best])
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"\nLoupe vs ONNX Runtime {onnxruntime.__version__} (ElpvNet-ref, medians; ratio = Loupe / ORT)")
    print(f"  CPU: {res['cpu_model']}")
    print(f"  outputs agree: max abs diff {max_abs:.2e}")
    for v in a.variants:
        r = res["variants"][v]
        print(f"  kernel variant {v}:")
        for t, s in ((1, "_1t"), (2, "")):
            print(f"    {t} thread(s): batch 1 {r['loupe_b1_ms' + s]:.2f} ms vs {r['ort_b1_ms' + s]:.2f} ms "
                  f"(latency ratio {r['b1_latency_ratio' + s]:.2f}x, p99 {r['loupe_b1_p99_ms' + s]:.2f} vs {r['ort_b1_p99_ms' + s]:.2f}); "
                  f"batch 32 {r['loupe_b32_img_s' + s]:.0f} vs {r['ort_b32_img_s' + s]:.0f} img/s "
                  f"(throughput ratio {r['b32_throughput_ratio' + s]:.2f}x)")
        print(f"    GEMM 512^3 one core: {r['gemm_512_gflops_1t']:.1f} GFLOPS = {100 * r['gemm_fraction_of_peak']:.0f} % "
              f"of the measured {v} FMA peak {r['fma_peak_gflops_1t']:.1f}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
