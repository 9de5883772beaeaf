#!/usr/bin/python3
"""Checks that a model written by `ingot train` is an ONNX model other tools
load and that they predict what ingot predicts, on Fashion-MNIST test images.

  1. onnx.checker accepts the file (Debian's python3-onnx, if installed).
  2. ingot: `ingot run MODEL --input x=images.npy --output-dir ...`.
  3. PyTorch: the ONNX graph evaluated with torch ops (the ops `ingot init`
     writes: Gemm, MatMul, Add, Mul, Div, Sub, Relu, Sigmoid, Tanh, Erf,
     Softmax, Identity, Flatten), weights read from the file's initializers.
  4. ONNX Runtime (CPU), through its Node.js package, when --ort-dir names a
     folder where `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`
     was run.
It prints the largest output difference and the fraction of equal argmax
predictions for each, and exits 1 if predictions differ on more than
--max-disagreement of the images or outputs differ by more than --atol.

usage: scripts/check_trained_model.py MODEL.onnx [--ingot build/tools/ingot]
         [--ort-dir DIR] [--samples 1000] [--atol 1e-4] [--max-disagreement 0.001]
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_outputs(model_path, x):
    import onnx
    import onnx.numpy_helper
    import torch

    m = onnx.load(model_path)
    env = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    env[m.graph.input[0].name] = torch.from_numpy(x)

    def attr(node, name, default):
        for a in node.attribute:
            if a.name == name:
                return onnx.helper.get_attribute_value(a)
        return default

    for node in m.graph.node:
        ins = [env[n] for n in node.input if n]
        op = node.op_type
        if op == "Gemm":
            a, b = ins[0], ins[1]
            if attr(node, "transA", 0):
                a = a.t()
            if attr(node, "transB", 0):
                b = b.t()
            out = attr(node, "alpha", 1.0) * (a @ b)
            if len(ins) > 2:
                out = out + attr(node, "beta", 1.0) * ins[2]
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        elif op in ("Add", "Sub", "Mul", "Div"):
            out = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}[op](ins[0], ins[1])
        elif op in ("Relu", "Sigmoid", "Tanh", "Erf"):
            out = {"Relu": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "Erf": torch.erf}[op](ins[0])
        elif op == "Softmax":
            out = torch.softmax(ins[0], dim=attr(node, "axis", -1))
        elif op == "Identity":
            out = ins[0]
        elif op == "Flatten":
            out = torch.flatten(ins[0], start_dim=attr(node, "axis", 1))
        elif op == "Constant":
            out = torch.from_numpy(onnx.numpy_helper.to_array(attr(node, "value", None)).copy())
        else:
            raise SystemExit(f"check_trained_model.py: op {op} is not in this script's small evaluator")
        env[node.output[0]] = out
    return env[m.graph.output[0].name].numpy()


ORT_SCRIPT = r"""
const ort = require(process.argv[2]);
const fs = require('fs');
(async () => {
  const [model, xfile, n, d, outfile] = process.argv.slice(3);
  const buf = fs.readFileSync(xfile);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const s = await ort.InferenceSession.create(model);
  const feeds = {}; feeds[s.inputNames[0]] = new ort.Tensor('float32', x, [Number(n), Number(d)]);
  const r = await s.run(feeds);
  const y = r[s.outputNames[0]].data;
  fs.writeFileSync(outfile, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
})().catch(e => { console.error(e); process.exit(1); });
"""


def ort_outputs(ort_dir, model_path, x, work):
    xfile, outfile, script = (os.path.join(work, n) for n in ("x.f32", "y.f32", "ort.js"))
    x.astype(np.float32).tofile(xfile)
    with open(script, "w") as f:
        f.write(ORT_SCRIPT)
    module = os.path.join(os.path.abspath(ort_dir), "node_modules", "onnxruntime-node")
    subprocess.run(["node", script, module, model_path, xfile, str(x.shape[0]), str(x.shape[1]), outfile], check=True)
    return np.fromfile(outfile, dtype=np.float32).reshape(x.shape[0], -1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--ingot", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "tools", "ingot"))
    p.add_argument("--ort-dir")
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--atol", type=float, default=1e-4)
    p.add_argument("--max-disagreement", type=float, default=0.001)
    a = p.parse_args()
    try:
        import onnx
        onnx.checker.check_model(onnx.load(a.model))
        print("onnx.checker: ok")
    except ImportError:
        print("onnx.checker: skipped (python3-onnx is not installed)")
    images = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))[:a.samples]
    x = (images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0))
    failed = False
    with tempfile.TemporaryDirectory() as work:
        np.save(os.path.join(work, "x.npy"), x)
        subprocess.run([a.ingot, "run", a.model, "--input", f"x={work}/x.npy", "--output-dir", work], check=True,
                       stdout=subprocess.DEVNULL)
        outs = [f for f in os.listdir(work) if f.endswith(".npy") and f != "x.npy"]
        ours = np.load(os.path.join(work, outs[0]))
        others = {"PyTorch": torch_outputs(a.model, x)}
        if a.ort_dir:
            others["ONNX Runtime"] = ort_outputs(a.ort_dir, a.model, x, work)
        for name, theirs in others.items():
            diff = float(np.abs(theirs - ours).max())
            agree = float((theirs.argmax(1) == ours.argmax(1)).mean())
            ok = diff <= a.atol and 1 - agree <= a.max_disagreement
            failed |= not ok
            print(f"{name}: max |{name} - ingot| = {diff:.3g}, same prediction on {100 * agree:.2f}% of "
                  f"{len(x)} test images: {'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
