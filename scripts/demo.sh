#!/usr/bin/env bash
# The main job: set up and build, then run a small ONNX model shipped in the
# repository (a PyTorch-exported MLP, 784 -> 128 ReLU -> 10 Softmax) with
# `ingot run` and print its outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BUILD_DIR=${INGOT_BUILD_DIR:-build}
INGOT="$BUILD_DIR/tools/ingot"
MODEL=tests/data/models/mlp.onnx

echo "== ingot devices"
"$INGOT" devices
echo "== ingot inspect $MODEL"
"$INGOT" inspect "$MODEL"
echo "== ingot run $MODEL (3 images from the committed fixture)"
mkdir -p out/demo
"$INGOT" run "$MODEL" --input x=tests/data/models/mlp.input.npy --output-dir out/demo
/usr/bin/python3 - <<'PY'
import numpy as np
got = np.load("out/demo/y.npy")
want = np.load("tests/data/models/mlp.expected.npy")
print("max |ingot - PyTorch| =", float(np.abs(got - want).max()))
print("predicted classes:", got.argmax(axis=1).tolist())
PY
