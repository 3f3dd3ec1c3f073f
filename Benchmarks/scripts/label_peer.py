#!/usr/bin/env python3
"""Python peer of `loupe label`: label a folder of PNG/JPEG images with ONNX Runtime + Pillow.

    python label_peer.py FOLDER MODEL.onnx --model-json MODEL_DIR/model.json --out peer.jsonl
                         [--threads 2] [--batch 32] [--json stats.json]

MODEL.onnx is the Loupe model exported by export_onnx.py (input "input" [N, C, H, W],
output probabilities [N, classes]); model.json gives the input size, channels, mean/std,
class names, defect classes and threshold.

Pipeline (what a competent Python engineer would write):
  * files: every *.png / *.jpg / *.jpeg under FOLDER (extension case-insensitive), recursively,
    sorted by the path relative to FOLDER; each written as FOLDER joined with that path
    (as `loupe label` / ImageFiles.expand name them);
  * a ThreadPoolExecutor(--threads) reads each file once, hashes the bytes (hashlib releases
    the GIL), decodes with Pillow (releases the GIL) and preprocesses with numpy, while the main
    thread runs ONNX Runtime on the previous batch (two batches are kept in flight);
  * ONNX Runtime: CPUExecutionProvider, intra_op_num_threads = --threads, inter_op 1,
    sequential execution, graph optimisation ALL, and intra-op spin-waiting off (the decode
    threads share the cores; --ort-spinning restores ORT's default);
  * one JSON line per image: path, sha256, verdict, score, class, probabilities, model
    (Loupe's id: NAME@ the first 12 hex digits of the weights' SHA-256), threshold, time.
    An image that cannot be read gives a line {"path", "sha256", "error", "time"}.

Preprocessing replicates Loupe's (docs/imaging.md, Image+NetworkInput.swift, ResizePlan.swift):
  1. samples scaled to [0, 1] (/255, or /65535 for 16-bit gray) and normalised
     (x - mean[c]) / std[c] at the source size, as one float32 multiply-add
     x * (scale/std) + (-mean/std);
  2. RGB -> gray with luma 0.299 R + 0.587 G + 0.114 B (float, not Pillow's rounded
     convert("L")); gray -> RGB repeats the plane; alpha dropped; palette -> RGB;
     1-bit -> 0/255; CMYK refused (Loupe refuses CMYK JPEGs);
  3. bilinear resize with half-pixel centres and no antialiasing (PyTorch
     interpolate(align_corners=False, antialias=False), OpenCV INTER_LINEAR):
     src = max((dst + 0.5) * src_size / dst_size - 0.5, 0), right/bottom neighbour clamped,
     separable: each needed source row resized horizontally, then two rows blended
     vertically, `a + (b - a) * w` like Loupe's kernel. Pillow's resize(BILINEAR) is NOT
     used: it widens its filter when downscaling (antialias), which is a different image.
Known gap: Pillow reads 16-bit RGB(A) PNGs as 8-bit, so for those the peer sees the high
byte only (Loupe keeps 16 bits); 8-bit images and 16-bit gray are treated alike.

Stats (printed and written to --json): images, labelled, failed, seconds (wall clock from
the start, file discovery included, to the last line flushed; Python and module imports
excluded), img_s = images / seconds.
"""
import argparse
import collections
import concurrent.futures
import datetime
import hashlib
import io
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

EXTENSIONS = {".png", ".jpg", ".jpeg"}
LUMA = (np.float32(0.299), np.float32(0.587), np.float32(0.114))


def find_images(folder):
    """FOLDER joined with each image's path relative to FOLDER, sorted by that relative path."""
    relative = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        rel_root = os.path.relpath(root, folder)
        for name in files:
            if os.path.splitext(name)[1].lower() in EXTENSIONS:
                relative.append(name if rel_root == "." else os.path.join(rel_root, name))
    relative.sort()
    return [os.path.join(folder, r) for r in relative]


def axis_plan(source, destination):
    """Loupe's ResizePlan.sourceSample along one axis: low index, high index, float32 weight."""
    index = np.arange(destination, dtype=np.float64)
    position = np.maximum((index + 0.5) * (source / destination) - 0.5, 0.0)
    low = np.minimum(position.astype(np.int64), source - 1)
    high = np.minimum(low + 1, source - 1)
    weight = (position - low).astype(np.float32)
    weight[low == high] = 0
    return low, high, weight


class Preprocessor:
    """Image -> normalised float32 (C, H, W), as Loupe's Inspector does it."""

    def __init__(self, spec):
        inp = spec["input"]
        self.channels, self.height, self.width = inp["channels"], inp["height"], inp["width"]
        if self.channels not in (1, 3):
            raise SystemExit(f"model input has {self.channels} channels; 1 or 3 supported")
        self.mean = [np.float32(m) for m in inp["mean"]]
        self.std = [np.float32(s) for s in inp["std"]]
        self.plans = {}  # (source width, source height) -> axis plans; built once per size

    def plan(self, width, height):
        key = (width, height)
        plan = self.plans.get(key)
        if plan is None:  # a benign race between threads only builds the same plan twice
            plan = (axis_plan(width, self.width), axis_plan(height, self.height))
            self.plans[key] = plan
        return plan

    @staticmethod
    def samples(image):
        """(H, W, C) or (H, W) integer array and the scale to [0, 1], following Loupe's decoder."""
        mode = image.mode
        if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
            return np.asarray(image).astype(np.uint16, copy=False), np.float32(1 / 65535)
        if mode == "I":  # 16-bit gray PNG on some Pillow versions
            return np.asarray(image).astype(np.uint16), np.float32(1 / 65535)
        if mode == "1":
            image = image.convert("L")
        elif mode == "P":
            image = image.convert("RGB")
        elif mode == "LA":
            return np.asarray(image)[:, :, 0], np.float32(1 / 255)
        elif mode not in ("L", "RGB", "RGBA"):
            raise ValueError(f"unsupported image mode {mode}")
        return np.asarray(image), np.float32(1 / 255)

    def planes(self, samples, scale):
        """Normalised float32 planes (C, h, w) at the source size."""
        gray_source = samples.ndim == 2
        out = []
        for c in range(self.channels):
            factor = scale / self.std[c]
            offset = -self.mean[c] / self.std[c]
            if gray_source:
                plane = samples.astype(np.float32) * factor + offset
            elif self.channels == 1:
                f = samples.astype(np.float32)
                plane = f[:, :, 0] * (LUMA[0] * factor) + f[:, :, 1] * (LUMA[1] * factor) + f[:, :, 2] * (LUMA[2] * factor) + offset
            else:
                plane = samples[:, :, c].astype(np.float32) * factor + offset
            out.append(plane.astype(np.float32, copy=False))
        return out

    def resize(self, plane):
        h, w = plane.shape
        if (w, h) == (self.width, self.height):
            return plane
        (left, right, wx), (top, bottom, wy) = self.plan(w, h)
        # horizontal pass over the needed source rows only, then the vertical blend
        rows_top, rows_bottom = plane[top], plane[bottom]
        a, b = rows_top[:, left], rows_top[:, right]
        upper = a + (b - a) * wx
        a, b = rows_bottom[:, left], rows_bottom[:, right]
        lower = a + (b - a) * wx
        return upper + (lower - upper) * wy[:, None]

    def __call__(self, image):
        samples, scale = self.samples(image)
        return np.stack([self.resize(p) for p in self.planes(samples, scale)])


def load(path, prep):
    """(path, sha256, (C, H, W) array or None, error or None); runs in a pool thread."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return path, None, None, f"cannot read: {e.strerror or e}"
    digest = hashlib.sha256(data).hexdigest()
    try:
        head = data[:3]
        if not (data[:4] == b"\x89PNG" or head == b"\xff\xd8\xff"):
            raise ValueError(f"not a PNG or JPEG (starts with {data[:4].hex()})")
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return path, digest, prep(image), None
    except Exception as e:  # noqa: BLE001 - any decode failure is reported per image
        return path, digest, None, f"{type(e).__name__}: {e}"


def model_id(spec, model_json):
    """Loupe's model id: NAME@ and the first 12 hex digits of the weights file's SHA-256."""
    name = spec.get("name", os.path.basename(os.path.dirname(os.path.abspath(model_json))))
    weights = spec.get("weights", {})
    digest = weights.get("sha256", "").lower()
    if not digest:
        path = os.path.join(os.path.dirname(os.path.abspath(model_json)), weights.get("file", "weights.bin"))
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    return f"{name}@{digest[:12]}"


def make_session(path, threads, spinning=False):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # ORT's pool threads spin-wait after each run by default, taking the cores the decode
    # threads need between batches; off measured ~7 % faster here (2 cores, 2,016 cells).
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("onnx")
    parser.add_argument("--model-json", required=True, help="the Loupe model.json the ONNX file was exported from")
    parser.add_argument("--out", required=True, help="JSONL output, one line per image")
    parser.add_argument("--threads", type=int, default=2, help="decode threads and ORT intra-op threads (default 2)")
    parser.add_argument("--batch", type=int, default=32, help="images per ORT run (default 32)")
    parser.add_argument("--json", help="write the stats here too")
    parser.add_argument("--ort-spinning", action="store_true", help="let ORT's threads spin-wait between runs (ORT's default)")
    args = parser.parse_args()
    if args.threads < 1 or args.batch < 1:
        parser.error("--threads and --batch must be at least 1")

    start = time.perf_counter()
    with open(args.model_json, encoding="utf-8") as f:
        spec = json.load(f)
    classes = spec["classes"]
    defect = spec.get("defectClasses", [])
    threshold = float(spec.get("threshold", 0.5))
    model_name = model_id(spec, args.model_json)
    prep = Preprocessor(spec)
    session = make_session(args.onnx, args.threads, args.ort_spinning)
    input_name = session.get_inputs()[0].name
    session_seconds = time.perf_counter() - start

    files = find_images(args.folder)
    if not files:
        print(f"label_peer.py: no PNG or JPEG images under {args.folder}", file=sys.stderr)
        sys.exit(1)
    batches = [files[i:i + args.batch] for i in range(0, len(files), args.batch)]

    labelled = failed = 0
    inference_seconds = 0.0
    shape = (prep.channels, prep.height, prep.width)
    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool, \
            open(args.out, "w", encoding="utf-8", buffering=1 << 20) as out:
        submit = lambda batch: [pool.submit(load, p, prep) for p in batch]  # noqa: E731
        pending = collections.deque(submit(b) for b in batches[:2])
        next_batch = 2
        while pending:
            futures = pending.popleft()
            if next_batch < len(batches):  # keep the pool busy while ORT runs this batch
                pending.append(submit(batches[next_batch]))
                next_batch += 1
            items = [f.result() for f in futures]
            good = [it for it in items if it[2] is not None]
            probabilities = None
            if good:
                x = np.empty((len(good),) + shape, dtype=np.float32)
                for i, it in enumerate(good):
                    x[i] = it[2]
                t0 = time.perf_counter()
                probabilities = session.run(None, {input_name: x})[0]
                inference_seconds += time.perf_counter() - t0
            now = utc_now()
            row = 0
            lines = []
            for path, digest, array, error in items:
                if array is None:
                    failed += 1
                    lines.append(json.dumps({"path": path, "sha256": digest, "error": error, "time": now}))
                    continue
                p = probabilities[row].astype(np.float64)
                row += 1
                score = float(sum(p[c] for c in defect))
                lines.append(json.dumps({
                    "path": path,
                    "sha256": digest,
                    "verdict": "reject" if score > threshold else "pass",
                    "score": score,
                    "class": classes[int(np.argmax(p))],
                    "probabilities": {name: float(v) for name, v in zip(classes, p)},
                    "model": model_name,
                    "threshold": threshold,
                    "time": now,
                }))
                labelled += 1
            out.write("\n".join(lines) + "\n")
        out.flush()
    seconds = time.perf_counter() - start

    stats = {
        "engine": "python: Pillow + numpy + onnxruntime",
        "images": len(files),
        "labelled": labelled,
        "failed": failed,
        "seconds": seconds,
        "img_s": len(files) / seconds,
        "session_seconds": session_seconds,
        "inference_seconds": inference_seconds,
        "threads": args.threads,
        "batch": args.batch,
        "ort_spinning": args.ort_spinning,
        "onnxruntime_version": ort.__version__,
        "pillow_version": Image.__version__,
        "numpy_version": np.__version__,
        "resize": "numpy bilinear, half-pixel centres, no antialias (Loupe's ResizePlan rule)",
    }
    print(json.dumps(stats, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(stats, f, indent=2)
            f.write("\n")
    if failed:
        print(f"label_peer.py: {failed} image(s) could not be labelled", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
