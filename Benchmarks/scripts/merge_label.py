#!/usr/bin/env python3
"""Helpers of bench-label.sh: compare two label files, and merge the run into label.json.

    merge_label.py agree LOUPE.jsonl PEER.jsonl [--json agreement.json]
    merge_label.py merge --tmp DIR --out label.json --runs 3 [--quick 0|1] [settings...]

agree
    Matches the two JSONL files (one object per image: path, verdict, score, class; lines
    with "error" are not labels) by os.path.realpath of `path`. verdict_agreement is the
    share of images, over the union of both files' labelled paths, whose verdicts are equal
    (an image labelled by one side only counts as a disagreement); also class agreement
    and the max / mean |score difference| over the common images. `ok` is
    verdict_agreement >= 0.99. A `defectScore` key is accepted for `score`.

merge
    Reads, from --tmp: loupe-label-stats-R.json and peer-label-stats-R.json (R = 1..runs),
    label-agreement.json, elpv-recall.json and synth-recall.json, and writes the result
    (medians of each engine's img/s over the runs, their ratio, every run, agreement,
    label-error recall at the top 10 % on ELPV and on synthetic cells, the find-errors settings
    and minutes, CPU, date), then prints the ratios against the targets:
    throughput >= 1.5x Python, recall >= 0.70 synthetic and >= 0.50 ELPV.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

TARGETS = {"ratio": 1.5, "synthetic_label_error_recall_top10": 0.70, "label_error_recall_top10": 0.50,
           "verdict_agreement": 0.99}


def read_labels(path):
    labels, errors = {}, 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if "error" in obj or "verdict" not in obj:
                errors += 1
                continue
            score = obj.get("score", obj.get("defectScore"))
            if score is None:
                sys.exit(f"merge_label.py: {path}:{number}: no score")
            labels[os.path.realpath(obj["path"])] = (str(obj["verdict"]).lower(), float(score), obj.get("class"))
    return labels, errors


def agree(args):
    loupe, loupe_errors = read_labels(args.loupe)
    peer, peer_errors = read_labels(args.peer)
    common = sorted(set(loupe) & set(peer))
    union = set(loupe) | set(peer)
    diffs = [abs(loupe[p][1] - peer[p][1]) for p in common]
    verdict_equal = sum(loupe[p][0] == peer[p][0] for p in common)
    class_equal = sum(loupe[p][2] == peer[p][2] for p in common)
    worst = max(common, key=lambda p: abs(loupe[p][1] - peer[p][1])) if common else None
    result = {
        "images_loupe": len(loupe), "images_python": len(peer), "images_common": len(common),
        "errors_loupe": loupe_errors, "errors_python": peer_errors,
        "verdict_agreement": verdict_equal / len(union) if union else 0.0,
        "verdict_disagreements": len(union) - verdict_equal,
        "class_agreement": class_equal / len(union) if union else 0.0,
        "max_abs_score_diff": max(diffs) if diffs else None,
        "mean_abs_score_diff": statistics.fmean(diffs) if diffs else None,
        "max_abs_score_diff_path": worst,
        "rejects_loupe": sum(v[0] == "reject" for v in loupe.values()),
        "rejects_python": sum(v[0] == "reject" for v in peer.values()),
    }
    result["ok"] = bool(union) and result["verdict_agreement"] >= TARGETS["verdict_agreement"]
    print(json.dumps(result, indent=2))
    if args.json:
        write_json(args.json, result)


def cpu_description():
    info = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                info[key.strip()] = value.strip()
    except OSError:
        pass
    number = lambda key: int(info[key]) if info.get(key, "").isdigit() else None  # noqa: E731
    flags = info.get("flags", "").split()
    cpu = {
        "model_name": info.get("model name", platform.processor() or platform.machine()),
        "family": number("cpu family"), "model": number("model"), "stepping": number("stepping"),
        "avx512f": "avx512f" in flags, "avx2": "avx2" in flags, "cores": os.cpu_count(),
    }
    cpu["summary"] = (f"{cpu['model_name']} (family {cpu['family']} model {cpu['model']} stepping {cpu['stepping']}; "
                      f"{'avx512f' if cpu['avx512f'] else 'no avx512f'})")
    return cpu


def img_s(stats):
    if "img_s" in stats:
        return float(stats["img_s"])
    return stats["images"] / stats["seconds"]


def merge(args):
    load = lambda name: json.load(open(os.path.join(args.tmp, name), encoding="utf-8"))  # noqa: E731
    runs = []
    for r in range(1, args.runs + 1):
        lo, py = load(f"loupe-label-stats-{r}.json"), load(f"peer-label-stats-{r}.json")
        runs.append({"run": r, "first": "python" if r % 2 else "loupe",
                     "loupe_img_s": round(img_s(lo), 2), "python_img_s": round(img_s(py), 2),
                     "loupe_seconds": round(lo["seconds"], 3), "python_seconds": round(py["seconds"], 3),
                     "loupe_images": lo.get("images"), "python_images": py.get("images"),
                     "loupe_failed": lo.get("failed"), "python_failed": py.get("failed")})
    loupe_img_s = statistics.median(r["loupe_img_s"] for r in runs)
    python_img_s = statistics.median(r["python_img_s"] for r in runs)
    agreement = load("label-agreement.json")
    elpv, synth = load("elpv-recall.json"), load("synth-recall.json")
    peer_last = load(f"peer-label-stats-{args.runs}.json")
    cpu = cpu_description()
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": args.quick == "1",
        "cpu_model": cpu["summary"],
        "cpu": cpu,
        "model": "Models/demo (1x128x128 input, ElpvNet-ref layers), exported to ONNX for the Python peer",
        "throughput_folder": args.folder,
        "throughput_images": runs[-1]["loupe_images"],
        "threads": args.threads,
        "python_batch": args.batch,
        "python_peer": "Pillow decode + numpy half-pixel bilinear resize + onnxruntime, ThreadPoolExecutor decode overlapped with inference",
        "onnxruntime_version": peer_last.get("onnxruntime_version"),
        "pillow_version": peer_last.get("pillow_version"),
        "loupe_img_s": round(loupe_img_s, 2),
        "python_img_s": round(python_img_s, 2),
        "ratio": round(loupe_img_s / python_img_s, 3),
        "statistic": "median img/s over the runs (engines alternate, the first engine swaps each run)",
        "runs": runs,
        "agreement": agreement,
        "verdict_agreement": agreement["verdict_agreement"],
        "max_abs_score_diff": agreement["max_abs_score_diff"],
        "label_error_recall_top10": elpv["recall"],
        "label_error_precision_top10": elpv["precision"],
        "elpv_label_errors": elpv,
        "synthetic_label_error_recall_top10": synth["recall"],
        "synthetic_label_error_precision_top10": synth["precision"],
        "synthetic_label_errors": synth,
        "find_errors": {
            "arch": "Models/ElpvNet-ref", "size": args.size, "epochs": args.epochs, "folds": args.folds,
            "threads": args.threads, "flip_fraction": 0.05, "flip_seed": 0,
            "elpv_data": "ELPV standard split (elpv_split.py --seed 0), train split, binary labels (p > 0.5)",
            "synthetic_data": f"loupe synth --count {args.synth_count} --seed {args.synth_seed}, binary labels (p > 0.5); fold models fine-tuned from Models/demo (trained on synthetic seeds 101/202), 3 epochs, lr 5e-4, batch 16",
            "elpv_minutes": round(args.elpv_seconds / 60, 2),
            "synthetic_minutes": round(args.synth_seconds / 60, 2),
        },
        "targets": {"ratio": TARGETS["ratio"], "label_error_recall_top10": TARGETS["label_error_recall_top10"],
                    "synthetic_label_error_recall_top10": TARGETS["synthetic_label_error_recall_top10"],
                    "verdict_agreement": TARGETS["verdict_agreement"]},
    }
    write_json(args.out, result)
    mark = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    print(f"throughput: Loupe {loupe_img_s:.1f} img/s, Python {python_img_s:.1f} img/s, "
          f"ratio {result['ratio']:.2f}x (target >= {TARGETS['ratio']}x: {mark(result['ratio'] >= TARGETS['ratio'])})")
    print(f"agreement: verdicts equal on {agreement['verdict_agreement']:.2%} (target >= 99%: "
          f"{mark(agreement['verdict_agreement'] >= TARGETS['verdict_agreement'])}), max |score diff| {agreement['max_abs_score_diff']}")
    print(f"label-error recall @10%: synthetic {synth['recall']:.1%} (target >= 70%: "
          f"{mark(synth['recall'] >= TARGETS['synthetic_label_error_recall_top10'])}), "
          f"ELPV {elpv['recall']:.1%} (target >= 50%: {mark(elpv['recall'] >= TARGETS['label_error_recall_top10'])})")
    print(f"find-errors: {args.size} px, {args.epochs} epochs, {args.folds} folds; "
          f"ELPV {args.elpv_seconds / 60:.1f} min, synthetic {args.synth_seconds / 60:.1f} min")
    print(f"wrote {args.out}")


def write_json(path, obj):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("agree", help="compare two label JSONL files by path")
    a.add_argument("loupe")
    a.add_argument("peer")
    a.add_argument("--json")
    a.set_defaults(run=agree)
    m = sub.add_parser("merge", help="write Benchmarks/results/label.json")
    m.add_argument("--tmp", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--runs", type=int, default=3)
    m.add_argument("--quick", default="0")
    m.add_argument("--folder", default="")
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--batch", type=int, default=32)
    m.add_argument("--size", type=int, required=True)
    m.add_argument("--epochs", type=int, required=True)
    m.add_argument("--folds", type=int, required=True)
    m.add_argument("--synth-count", type=int, default=1200)
    m.add_argument("--synth-seed", type=int, default=404)
    m.add_argument("--elpv-seconds", type=float, required=True)
    m.add_argument("--synth-seconds", type=float, required=True)
    m.set_defaults(run=merge)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
