#!/usr/bin/env bash
# The main job: set up and build, then the workflow a user reads about first,
# with no Python: `ingot init` a Keras-style MLP (784 -> 128 ReLU -> 10
# Softmax), `ingot train` it for 5 epochs on Fashion-MNIST (Adam, lr 1e-3,
# batch 32, sparse categorical cross-entropy) on the fastest backend,
# `ingot eval` the trained ONNX it wrote. (scripts/check_trained_model.py
# checks that PyTorch and ONNX Runtime predict as ingot does with that file.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BUILD_DIR=${INGOT_BUILD_DIR:-build}
INGOT="$BUILD_DIR/tools/ingot"
OUT=out/demo
mkdir -p "$OUT"

echo "== ingot devices"
"$INGOT" devices
echo "== ingot init: a freshly initialized MLP (Glorot uniform, zero bias, seed 0)"
"$INGOT" init mlp --input 784 --layers 128:relu,10:softmax --seed 0 -o "$OUT/mlp.onnx"
echo "== ingot train: 5 epochs on Fashion-MNIST"
"$INGOT" train "$OUT/mlp.onnx" --data fashion-mnist --loss cross-entropy --optimizer adam --lr 1e-3 \
  --batch 32 --epochs 5 --seed 0 --json "$OUT/train.json" --plot "$OUT/train.svg" -o "$OUT/trained.onnx"
echo "== ingot eval: the written model on the 10000 test images"
"$INGOT" eval "$OUT/trained.onnx" --data fashion-mnist
echo "== outputs: $OUT/trained.onnx (ONNX), $OUT/train.json (per-epoch metrics), $OUT/train.svg (plot)"
