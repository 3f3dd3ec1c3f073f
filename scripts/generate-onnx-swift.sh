#!/usr/bin/env bash
# Regenerates Sources/LoupeONNX/Generated/onnx.pb.swift from onnx.proto.
#
# Inputs, pinned so the output is reproducible:
#   - onnx.proto from the onnx Python package (1.23) in the venv (.venv, or $PYTHON);
#   - protoc from Debian's protobuf-compiler (apt-get install protobuf-compiler);
#   - protoc-gen-swift built from swift-protobuf 1.39.0, the version Package.resolved pins
#     (the generated code must match the SwiftProtobuf runtime it links against).
#
# Usage: scripts/generate-onnx-swift.sh [OUT_DIR]     (default: Sources/LoupeONNX/Generated)
# Env:   SWIFT_PROTOBUF_REPO  (default /opt/swift-packages/apple/swift-protobuf.git,
#                              or https://github.com/apple/swift-protobuf.git)
#        PYTHON               (default .venv/bin/python)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$(realpath -m "${1:-$ROOT/Sources/LoupeONNX/Generated}")"
SWIFT_PROTOBUF_VERSION=1.39.0
SWIFT_PROTOBUF_REPO="${SWIFT_PROTOBUF_REPO:-/opt/swift-packages/apple/swift-protobuf.git}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
PROTO_DIR="$("$PYTHON" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')"
ONNX_VERSION="$("$PYTHON" -c 'import onnx; print(onnx.__version__)')"
[ -f "$PROTO_DIR/onnx.proto" ] || { echo "no onnx.proto in $PROTO_DIR" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "building protoc-gen-swift $SWIFT_PROTOBUF_VERSION from $SWIFT_PROTOBUF_REPO" >&2
git clone --quiet --depth 1 --branch "$SWIFT_PROTOBUF_VERSION" "$SWIFT_PROTOBUF_REPO" "$WORK/swift-protobuf"
(cd "$WORK/swift-protobuf" && swift build -c release --product protoc-gen-swift >&2)
PLUGIN="$(cd "$WORK/swift-protobuf" && swift build -c release --show-bin-path)/protoc-gen-swift"

echo "generating from onnx $ONNX_VERSION ($PROTO_DIR/onnx.proto) with $(protoc --version)" >&2
mkdir -p "$OUT_DIR"
protoc --plugin=protoc-gen-swift="$PLUGIN" \
       --proto_path="$PROTO_DIR" \
       --swift_opt=Visibility=Public \
       --swift_out="$OUT_DIR" \
       "$PROTO_DIR/onnx.proto"
echo "wrote $OUT_DIR/onnx.pb.swift" >&2
