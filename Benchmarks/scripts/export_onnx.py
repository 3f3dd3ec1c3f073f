"""Export a Loupe model directory to ONNX (opset 17, dynamic batch axis) via PyTorch.

    python export_onnx.py MODEL_DIR OUT.onnx [--no-softmax]

The graph input is "input" [N, C, H, W], the output "output" [N, classes] (probabilities,
or logits with --no-softmax). Uses the TorchScript exporter (dynamo=False), which needs no
onnxscript; eval-mode export folds BatchNorm into the preceding Conv.
"""
import argparse
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loupe_torch import load_loupe_model  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("out")
    parser.add_argument("--no-softmax", action="store_true", help="export logits (drop a final softmax layer)")
    args = parser.parse_args()

    net, spec = load_loupe_model(args.model_dir)
    if args.no_softmax:
        net.without_softmax()
    net.eval()
    i = spec["input"]
    example = torch.zeros(1, i["channels"], i["height"], i["width"])
    with torch.no_grad():
        torch.onnx.export(net, (example,), args.out, opset_version=17, dynamo=False,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    model = onnx.load(args.out)
    onnx.checker.check_model(model, full_check=True)
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"wrote {args.out}: {len(model.graph.node)} nodes ({', '.join(ops)}), opset 17, checker OK")


if __name__ == "__main__":
    main()
