"""PyTorch peer of `loupe-bench train`: SGD-momentum training steps of a Loupe model in PyTorch (CPU).

The same work per step as Loupe's side: forward in training mode (batch-norm batch statistics),
softmax cross-entropy, zeroed gradients, backward, `torch.optim.SGD(momentum=0.9)` update, on a
fixed seeded batch; warm-up, then the median wall time of timed steps, reported as images/s.

    .venv/bin/python Benchmarks/scripts/train_torch.py Models/ElpvNet-ref --threads 2 --batch 32 --size 300 --seconds 10 --json out.json
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loupe_torch import LoupeNet, read_weights  # noqa: E402


def build(model_dir, size):
    spec = json.load(open(os.path.join(model_dir, "model.json")))
    spec["input"]["height"] = spec["input"]["width"] = size
    ref = spec["weights"]
    weights = read_weights(os.path.join(model_dir, ref.get("file", "weights.bin")), ref.get("sha256", ""))
    # Logits out: the loss head is CrossEntropyLoss (softmax fused into it), as in Loupe.
    return LoupeNet(spec, weights).without_softmax().train(), spec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    net, spec = build(args.model, args.size)
    c = spec["input"]["channels"]
    classes = len(spec["classes"])
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.standard_normal((args.batch, c, args.size, args.size)).astype(np.float32))
    y = torch.arange(args.batch) % classes
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    end = time.perf_counter() + args.warmup
    while True:
        step()
        if time.perf_counter() > end:
            break
    times = []
    end = time.perf_counter() + args.seconds
    while len(times) < 5 or time.perf_counter() < end:
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    median = float(np.median(times))
    row = {"engine": "torch", "torch": torch.__version__, "model": spec["name"], "size": args.size, "batch": args.batch,
           "threads": args.threads, "steps": len(times), "median_step_ms": median * 1e3,
           "images_per_s": args.batch / median, "last_loss": loss}
    print(f"torch train size={args.size} batch={args.batch} threads={args.threads}: {args.batch / median:.1f} img/s "
          f"(median step {median * 1e3:.1f} ms, {len(times)} steps)", file=sys.stderr)
    text = json.dumps(row, indent=2, sort_keys=True)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
