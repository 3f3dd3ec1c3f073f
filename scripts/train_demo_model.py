"""Train the small demo classifier on synthetic EL cells with PyTorch and export it to ONNX.

    python scripts/train_demo_model.py TRAIN_DIR VAL_DIR OUT.onnx [--epochs 12] [--size 128] [--seed 7]

TRAIN_DIR / VAL_DIR come from `loupe synth` (PNG cells + labels.csv; defective when p > 0.5).
Preprocessing is exactly Loupe's: gray pixels / 255, bilinear resize with half-pixel centres
and no antialias (F.interpolate(align_corners=False, antialias=False)), then (x - 0.5) / 0.25 —
so the imported model sees at inference what it saw in training. Prints validation accuracy.
This is a stand-in until Loupe trains its own models (`loupe train`); the weights are made
only from generated images, so they may be redistributed.
"""
import argparse
import csv
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image


def load(folder, size):
    rows = list(csv.DictReader(open(os.path.join(folder, "labels.csv"))))
    x = np.stack([np.asarray(Image.open(os.path.join(folder, r["path"])).convert("L"), dtype=np.float32) / 255 for r in rows])
    t = torch.from_numpy(x)[:, None]
    t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    y = torch.tensor([1 if float(r["probability"]) > 0.5 else 0 for r in rows])
    return (t - 0.5) / 0.25, y


def demo_net():
    def block(cin, cout, stride):
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*block(1, 16, 2), *block(16, 16, 1), *block(16, 32, 2), *block(32, 32, 1),
                         *block(32, 64, 2), *block(64, 64, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2))


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        return float((net(x).argmax(1) == y).float().mean())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("train")
    p.add_argument("val")
    p.add_argument("out")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    xt, yt = load(a.train, a.size)
    xv, yv = load(a.val, a.size)
    net = demo_net()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = a.epochs * ((len(xt) + 31) // 32)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    weight = torch.tensor([1.0, float((yt == 0).sum()) / max(1, int((yt == 1).sum()))])
    for epoch in range(a.epochs):
        net.train()
        perm = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            xb = xt[idx]
            # flips and 90-degree rotations: cells have no preferred orientation
            if torch.rand(1) < 0.5:
                xb = xb.flip(3)
            xb = torch.rot90(xb, int(torch.randint(0, 4, (1,))), (2, 3))
            loss = F.cross_entropy(net(xb), yt[idx], weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(f"epoch {epoch + 1}/{a.epochs}: loss {total / len(xt):.4f}, val accuracy {accuracy(net, xv, yv):.4f}", flush=True)
    net.eval()
    acc = accuracy(net, xv, yv)
    torch.onnx.export(nn.Sequential(net, nn.Softmax(1)), (torch.zeros(1, 1, a.size, a.size),), a.out, opset_version=17,
                      dynamo=False, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    print(f"validation accuracy {acc:.4f} on {len(xv)} cells; wrote {a.out}")
    with open(a.out + ".accuracy", "w") as f:
        f.write(f"{acc:.4f}\n")


if __name__ == "__main__":
    main()
