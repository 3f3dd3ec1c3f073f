"""Build a PyTorch module equivalent to a Loupe model directory (model.json + weights.bin).

The module is built generically from the spec's layer list, so any Loupe model (ElpvNet-ref
or an imported one) can be run by PyTorch or exported to ONNX for ONNX Runtime.

    from loupe_torch import load_loupe_model
    net, spec = load_loupe_model("Models/ElpvNet-ref")   # eval() mode, float32
    probs = net(torch.zeros(1, 1, 300, 300))
"""
import hashlib
import json
import os
import struct

import numpy as np
import torch
from torch import nn

WEIGHTS_MAGIC = b"LOUPEWTS"
WEIGHTS_HEADER_SIZE = 24


def read_weights(path, expected_sha256=""):
    """Read weights.bin: 8-byte magic, u32 version, u32 header size, u64 count, float32 LE."""
    data = open(path, "rb").read()
    if len(data) < WEIGHTS_HEADER_SIZE or data[:8] != WEIGHTS_MAGIC:
        raise ValueError(f"{path}: not a Loupe weights file (bad magic)")
    version, header, count = struct.unpack_from("<IIQ", data, 8)
    if version != 1 or header != WEIGHTS_HEADER_SIZE:
        raise ValueError(f"{path}: unsupported version {version} / header size {header}")
    if len(data) != header + 4 * count:
        raise ValueError(f"{path}: {len(data)} bytes, header says {count} floats")
    if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256.lower():
        raise ValueError(f"{path}: SHA-256 mismatch")
    return np.frombuffer(data, dtype="<f4", offset=header, count=count).astype(np.float32)


def _layer_parameters(layer, in_shape):
    """(output shape, [(name, shape)]) for one layer, mirroring LoupeModel's ModelGraph."""
    op = layer["op"]
    if op == "conv":
        c, h, w = in_shape
        k, s, p = layer["kernel"], layer.get("stride", 1), layer.get("padding", 0)
        g, cout = layer.get("groups", 1), layer["outChannels"]
        params = [("weight", [cout, c // g, k, k])] + ([("bias", [cout])] if layer.get("bias", False) else [])
        return [cout, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1], params
    if op == "batchnorm":
        return in_shape, [(n, [in_shape[0]]) for n in ("gamma", "beta", "mean", "var")]
    if op in ("maxpool", "avgpool"):
        c, h, w = in_shape
        k = layer["kernel"]
        s, p = layer.get("stride", k), layer.get("padding", 0)
        return [c, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1], []
    if op == "globalavgpool":
        return [in_shape[0]], []
    if op == "flatten":
        return [int(np.prod(in_shape))], []
    if op == "dense":
        out = layer["outFeatures"]
        params = [("weight", [out, int(np.prod(in_shape))])] + ([("bias", [out])] if layer.get("bias", True) else [])
        return [out], params
    if op in ("relu", "softmax", "add"):
        return in_shape, []
    raise ValueError(f"layer '{layer['name']}': unknown op '{op}'")


class LoupeNet(nn.Module):
    """A Loupe layer list as a torch module; forward takes [N, C, H, W] normalised floats."""

    def __init__(self, spec, weights):
        super().__init__()
        self.steps = []  # (module index or None, op, input names, output name)
        self.ops = nn.ModuleList()
        inp = spec["input"]
        shapes = {"input": [inp["channels"], inp["height"], inp["width"]]}
        previous, offset = "input", 0
        for layer in spec["layers"]:
            inputs = layer.get("inputs") or [previous]
            in_shape = shapes[inputs[0]]
            out_shape, params = _layer_parameters(layer, in_shape)
            tensors = {}
            for name, shape in params:
                n = int(np.prod(shape))
                tensors[name] = torch.from_numpy(weights[offset:offset + n].copy()).reshape(shape)
                offset += n
            module = self._module(layer, in_shape, out_shape, tensors)
            if module is not None:
                self.ops.append(module)
            self.steps.append((len(self.ops) - 1 if module is not None else None, layer["op"], inputs, layer["name"]))
            shapes[layer["name"]] = out_shape
            previous = layer["name"]
        if offset != len(weights):
            raise ValueError(f"the spec needs {offset} weights, the file has {len(weights)}")

    @staticmethod
    def _module(layer, in_shape, out_shape, t):
        op = layer["op"]
        if op == "conv":
            m = nn.Conv2d(in_shape[0], out_shape[0], layer["kernel"], layer.get("stride", 1), layer.get("padding", 0),
                          groups=layer.get("groups", 1), bias="bias" in t)
        elif op == "batchnorm":
            bn = nn.BatchNorm2d if len(in_shape) == 3 else nn.BatchNorm1d
            m = bn(in_shape[0], eps=layer.get("epsilon", 1e-5))
            m.weight.data.copy_(t["gamma"]); m.bias.data.copy_(t["beta"])
            m.running_mean.copy_(t["mean"]); m.running_var.copy_(t["var"])
            return m
        elif op == "relu":
            return nn.ReLU()
        elif op == "maxpool":
            return nn.MaxPool2d(layer["kernel"], layer.get("stride", layer["kernel"]), layer.get("padding", 0))
        elif op == "avgpool":
            return nn.AvgPool2d(layer["kernel"], layer.get("stride", layer["kernel"]), layer.get("padding", 0),
                                count_include_pad=layer.get("countIncludePad", False))
        elif op == "globalavgpool":
            # AdaptiveAvgPool2d(1) + Flatten exports as ONNX GlobalAveragePool + Flatten.
            return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
        elif op == "flatten":
            return nn.Flatten(1)
        elif op == "dense":
            m = nn.Sequential(nn.Flatten(1), nn.Linear(t["weight"].shape[1], t["weight"].shape[0], bias="bias" in t))
            m[1].weight.data.copy_(t["weight"])
            if "bias" in t:
                m[1].bias.data.copy_(t["bias"])
            return m
        elif op == "softmax":
            return nn.Softmax(dim=1)
        elif op == "add":
            return None
        else:
            raise ValueError(f"unknown op {op}")
        m.weight.data.copy_(t["weight"])
        if "bias" in t:
            m.bias.data.copy_(t["bias"])
        return m

    def without_softmax(self):
        """Drop a final softmax step (to export raw logits)."""
        if self.steps and self.steps[-1][1] == "softmax":
            index = self.steps[-1][0]
            self.steps = self.steps[:-1]
            self.ops[index] = nn.Identity()
        return self

    def forward(self, x):
        values = {"input": x}
        for index, op, inputs, name in self.steps:
            if op == "add":
                values[name] = values[inputs[0]] + values[inputs[1]]
            else:
                values[name] = self.ops[index](values[inputs[0]])
        return values[self.steps[-1][3]]


def load_loupe_model(directory):
    """Read a Loupe model directory; returns (LoupeNet in eval mode, spec dict)."""
    spec = json.load(open(os.path.join(directory, "model.json")))
    ref = spec["weights"]
    weights = read_weights(os.path.join(directory, ref.get("file", "weights.bin")), ref.get("sha256", ""))
    return LoupeNet(spec, weights).eval(), spec
