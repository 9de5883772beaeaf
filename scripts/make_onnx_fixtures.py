#!/usr/bin/python3
"""Writes the PyTorch-exported ONNX fixtures under tests/data/models/.

For each model: <name>.onnx (torch.onnx.export, opset 13, batch axis "N"),
<name>.input.npy (seeded random input) and <name>.expected.npy (PyTorch's
float32 output on it), so C++ tests compare against PyTorch without it.

Run with Debian's python (PyTorch 1.13, ONNX 1.12):
    /usr/bin/python3 scripts/make_onnx_fixtures.py [out_dir]
It prints the ONNX op types of each model and fails if one falls outside
the set ingot's op registry is meant to hold.
"""
import collections
import math
import os
import sys

import numpy as np
import onnx
import torch
from torch import nn

OPSET = 13

# Ops the fixtures may contain: the ones ingot's registry is planned to have.
ALLOWED_OPS = {
    "MatMul", "Add", "Mul", "Div", "Transpose", "Softmax", "LogSoftmax", "Reshape", "Concat",
    "Unsqueeze", "Squeeze", "Gather", "Shape", "ReduceMean", "Sqrt", "Pow", "Sub", "Erf", "Tanh",
    "Relu", "Sigmoid", "Constant", "Flatten", "Gemm", "Cast", "Slice", "Expand", "Where", "Equal",
}


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)


class GeluMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 64)
        self.fc2 = nn.Linear(64, 64)
        self.fc3 = nn.Linear(64, 16)

    def forward(self, x):
        h = torch.tanh(self.fc2(nn.functional.gelu(self.fc1(x))))
        return torch.log_softmax(torch.sigmoid(self.fc3(h)) * 4.0, dim=-1)


class Attention(nn.Module):
    """Single-head self-attention over [N, T, D] with a residual and a
    mean over the features: [N, T, D] -> [N, T, 1]."""

    def __init__(self, d=16):
        super().__init__()
        self.d = d
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)

    def forward(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        scores = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(self.d)
        attn = torch.softmax(scores, dim=-1)
        y = torch.matmul(attn, v) + x
        # Flatten the batch's tokens and back, as real blocks do before a
        # per-token layer: a Shape -> Gather -> Concat -> Reshape chain that
        # the importer must fold with the batch bound.
        n, t, d = y.shape
        y = y.reshape(n * t, d).reshape(n, t, d)
        return y.mean(dim=-1, keepdim=True)


MODELS = [
    # name, module, input shape, seed
    ("mlp", Mlp, (3, 784), 1),
    ("gelu_mlp", GeluMlp, (3, 32), 2),
    ("attention", Attention, (2, 8, 16), 3),
]


def export(name, make, shape, seed, out_dir):
    torch.manual_seed(seed)
    model = make().eval()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy().astype(np.float32)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(
        model, torch.from_numpy(x), path, opset_version=OPSET, input_names=["x"],
        output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}}, do_constant_folding=True)
    np.save(os.path.join(out_dir, name + ".input.npy"), x)
    np.save(os.path.join(out_dir, name + ".expected.npy"), expected)

    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = collections.Counter(n.op_type for n in m.graph.node)
    print(f"{name}: opset {m.opset_import[0].version}, input {list(shape)}, output {list(expected.shape)}")
    print("  ops: " + ", ".join(f"{op} x{c}" for op, c in sorted(ops.items())))
    size = os.path.getsize(path)
    print(f"  {size} bytes")
    bad = set(ops) - ALLOWED_OPS
    if bad:
        raise SystemExit(f"{name}: ops outside the planned registry: {sorted(bad)}")
    if size > 500_000:
        raise SystemExit(f"{name}: {size} bytes is over the 500 KB fixture budget")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "models")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name, make, shape, seed in MODELS:
        export(name, make, shape, seed, out_dir)


if __name__ == "__main__":
    main()
