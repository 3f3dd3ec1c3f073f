"""Generate the ONNX test fixtures in Tests/Fixtures/onnx/ (deterministic; re-run to refresh).

    .venv/bin/python Benchmarks/scripts/make_onnx_fixtures.py [OUT_DIR]

Writes, for each model, NAME.onnx; for the importable ones also NAME.input.bin (seeded
float32 LE [N, C, H, W]) and NAME.ort-output.bin (ONNX Runtime's output for it, float32 LE):
- tiny_cnn: Conv(bias)+BatchNorm+Relu+MaxPool, Conv stride 2, AveragePool, a residual Add
  block, GlobalAveragePool+Flatten+Gemm+Softmax; input 3x20x20, batch 3. Exported with
  TrainingMode.PRESERVE in eval mode so BatchNormalization stays a node (EVAL would fold it).
- matmul_depthwise: depthwise (grouped) conv, padded AveragePool counting the padding, x @ W + b (MatMul + Add), no softmax
  (Loupe appends one; the reference output here is softmax(ORT logits)); input 2x12x12, batch 2.
- unsupported_sigmoid: a Conv followed by a Sigmoid.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def randomize_batchnorm(module, generator):
    """Non-trivial running statistics and affine parameters, so BN folding is exercised."""
    for m in module.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=generator)
            m.bias.data = 0.4 * (torch.rand(c, generator=generator) - 0.5)
            m.running_mean.copy_(0.6 * (torch.rand(c, generator=generator) - 0.5))
            m.running_var.copy_(0.5 + 1.5 * torch.rand(c, generator=generator))


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=True)
        self.bn1 = nn.BatchNorm2d(8, eps=1e-3)
        self.pool1 = nn.MaxPool2d(2)                                   # 20 -> 10
        self.conv2 = nn.Conv2d(8, 12, 3, stride=2, padding=1, bias=False)  # 10 -> 5
        self.bn2 = nn.BatchNorm2d(12)
        self.pool2 = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)  # 5 -> 5
        self.res_conv1 = nn.Conv2d(12, 12, 3, padding=1, bias=False)
        self.res_bn1 = nn.BatchNorm2d(12)
        self.res_conv2 = nn.Conv2d(12, 12, 3, padding=1, bias=True)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        x = self.pool1(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.pool2(x)
        y = self.res_conv2(torch.relu(self.res_bn1(self.res_conv1(x))))
        x = torch.relu(x + y)
        x = torch.flatten(self.gap(x), 1)
        return torch.softmax(self.fc(x), dim=1)


class MatMulDepthwise(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 6, 3, padding=1)
        self.depthwise = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6)  # 12 -> 6
        self.pool = nn.AvgPool2d(2, padding=1, count_include_pad=True)      # 6 -> 4
        self.w = nn.Parameter(torch.randn(6 * 4 * 4, 3) * 0.2)
        self.b = nn.Parameter(torch.randn(3) * 0.1)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.relu(self.depthwise(x))
        x = torch.flatten(self.pool(x), 1)
        return x @ self.w + self.b


class UnsupportedSigmoid(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(2 * 4 * 4, 2)

    def forward(self, x):
        return self.fc(torch.flatten(torch.sigmoid(self.conv(x)), 1))


def export(module, shape, path):
    module.eval()
    example = torch.zeros(1, *shape[1:])
    with torch.no_grad():
        torch.onnx.export(module, (example,), path, opset_version=17, dynamo=False,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    return model


def reference_output(path, x, softmax):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    y = session.run(None, {"input": x})[0].astype(np.float64)
    if softmax:
        y = np.exp(y - y.max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
    return y.astype(np.float32)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "Fixtures", "onnx")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)
    generator = torch.Generator().manual_seed(99)
    fixtures = [
        ("tiny_cnn", TinyCNN(), (3, 3, 20, 20), False),
        ("matmul_depthwise", MatMulDepthwise(), (2, 2, 12, 12), True),
        ("unsupported_sigmoid", UnsupportedSigmoid(), (1, 1, 6, 6), None),
    ]
    for name, module, shape, append_softmax in fixtures:
        randomize_batchnorm(module, generator)
        path = os.path.join(out, name + ".onnx")
        model = export(module, shape, path)
        ops = [n.op_type for n in model.graph.node]
        print(f"{name}.onnx: {os.path.getsize(path)} bytes, ops {ops}")
        if append_softmax is None:
            continue
        x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
        x.astype("<f4").tofile(os.path.join(out, name + ".input.bin"))
        y = reference_output(path, x, append_softmax)
        y.astype("<f4").tofile(os.path.join(out, name + ".ort-output.bin"))
        with torch.no_grad():
            torch_y = module(torch.from_numpy(x))
            if append_softmax:
                torch_y = torch.softmax(torch_y, dim=1)
        print(f"  output {list(y.shape)}, |ORT - torch| max {np.abs(torch_y.numpy() - y).max():.2e}")


if __name__ == "__main__":
    main()
