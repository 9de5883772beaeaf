#!/usr/bin/python3
"""Writes the malformed inputs under tests/data/bad/ that the CLI tests feed to
`ingot` to check that bad input gives a clear error and exit code 2.
Run from the repository root after tests/data/models/mlp.onnx exists:
    /usr/bin/python3 scripts/make_bad_inputs.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

out = "tests/data/bad"
os.makedirs(out, exist_ok=True)

# An ONNX file cut in the middle of its weights.
data = open("tests/data/models/mlp.onnx", "rb").read()
open(f"{out}/truncated.onnx", "wb").write(data[: len(data) // 2])

# Bytes that are not a protobuf message at all.
rng = np.random.default_rng(0)
open(f"{out}/garbage.onnx", "wb").write(b"\xff\xfe not onnx \x00" + rng.bytes(200))

# A valid model with two ops ingot does not know, used at two nodes each:
# the importer must list all of them at once.
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
nodes = [
    helper.make_node("FancyOp", ["x"], ["a"], name="fancy_1", domain="com.example"),
    helper.make_node("Relu", ["a"], ["b"], name="relu"),
    helper.make_node("OtherOp", ["b"], ["c"], name="other_1", domain="com.example"),
    helper.make_node("FancyOp", ["c"], ["y"], name="fancy_2", domain="com.example"),
]
graph = helper.make_graph(nodes, "unknown_ops", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
onnx.save(model, f"{out}/unknown_ops.onnx")

# .npy files: a broken header, and valid files of the wrong shape and dtype
# for the MLP's input f32[N,784].
open(f"{out}/bad_header.npy", "wb").write(b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'shape': (2,  \n")
np.save(f"{out}/wrong_shape.npy", np.zeros((2, 785), dtype=np.float32))
np.save(f"{out}/wrong_dtype.npy", np.zeros((2, 784), dtype=np.float64))

# Text IR with an error on line 3.
open(f"{out}/bad_ir.ingot.txt", "w").write(
    "graph @bad {\n  input %x : f32[2]\n  %y = Relu(%x, %nope) : f32[2]\n  output %y\n}\n")
print("wrote", sorted(os.listdir(out)))
