#!/usr/bin/python3
"""Inference speed of ingot's CPU backend against OpenBLAS, ONNX Runtime and
PyTorch, on this machine, in one run; prints times and ratios.

  GEMM   C = A B (f32, row-major) at 256^3, 512^3, 1024^3 and the MLP's
         first-layer shapes (M = 1, 64, 1024; K = 784; N = 128): ingot runs a
         one-MatMul ONNX model (`ingot bench`, B a weight), OpenBLAS runs
         cblas_sgemm through ctypes. GFLOP/s, and ingot / OpenBLAS.
  MLP    784 -> 128 ReLU -> 10 Softmax (`ingot init`) at batch 1, 64, 1024:
         ingot (`ingot bench`), ONNX Runtime (CPU, its Node.js package) and
         PyTorch (torch.no_grad, same weights read from the ONNX file).
         Median latency; ratios > 1 mean ingot is faster.
Each measurement is a median over repeated runs after warm-up (spread shown
as min..max); 1 and 2 threads.

usage: scripts/bench_inference.py [--ingot build/tools/ingot] [--ort-dir DIR]
         [--threads 1,2] [--seconds 1] [--json FILE] [--skip-gemm] [--skip-mlp]
Needs: python3-onnx python3-numpy python3-torch libopenblas0 (Debian), and for
ONNX Runtime: `mkdir DIR && cd DIR && ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`.
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

OPENBLAS_CANDIDATES = ["/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                       "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "libopenblas.so.0"]


def timed(fn, seconds, min_runs=20, warmup=5):
    for _ in range(warmup):
        fn()
    ts = []
    start = time.perf_counter()
    while len(ts) < min_runs or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e6)
    ts.sort()
    return dict(median_us=ts[len(ts) // 2], min_us=ts[0], max_us=ts[-1])


def ingot_bench(ingot, model, threads, seconds, extra=()):
    out = subprocess.run([ingot, "bench", model, "--backend", "llvm", "--threads", str(threads), "--seconds",
                          str(seconds), "--json", *extra], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def matmul_model(path, m, k, n):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    b = numpy_helper.from_array(rng.uniform(-1, 1, (k, n)).astype(np.float32), "B")
    g = helper.make_graph([helper.make_node("MatMul", ["A", "B"], ["C"])], "gemm",
                          [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])],
                          [helper.make_tensor_value_info("C", TensorProto.FLOAT, [m, n])], [b])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


class OpenBlas:
    def __init__(self):
        for c in OPENBLAS_CANDIDATES:
            try:
                self.lib = ctypes.CDLL(c)
                self.path = c
                return
            except OSError:
                continue
        sys.exit("OpenBLAS not found: apt-get install libopenblas0")

    def sgemm(self, a, b, c):
        m, k = a.shape
        n = b.shape[1]
        f = ctypes.c_float
        p = lambda x: x.ctypes.data_as(ctypes.POINTER(f))  # noqa: E731
        # CblasRowMajor = 101, CblasNoTrans = 111
        self.lib.cblas_sgemm(101, 111, 111, m, n, k, f(1.0), p(a), k, p(b), n, f(0.0), p(c), n)

    def threads(self, t):
        self.lib.openblas_set_num_threads(t)


def bench_gemm(a, work, ob):
    rows = []
    shapes = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (1, 784, 128), (64, 784, 128), (1024, 784, 128)]
    print("GEMM (f32, C = A B)")
    print(f"{'M x K x N':>18} {'thr':>3} {'ingot GFLOP/s':>14} {'OpenBLAS GFLOP/s':>17} {'ingot/OpenBLAS':>15}")
    for t in a.threads:
        ob.threads(t)
        for m, k, n in shapes:
            model = os.path.join(work, f"gemm_{m}_{k}_{n}.onnx")
            if not os.path.exists(model):
                matmul_model(model, m, k, n)
            flops = 2.0 * m * k * n
            ours = ingot_bench(a.ingot, model, t, a.seconds)
            rng = np.random.default_rng(1)
            A = rng.uniform(-1, 1, (m, k)).astype(np.float32)
            B = rng.uniform(-1, 1, (k, n)).astype(np.float32)
            C = np.empty((m, n), np.float32)
            theirs = timed(lambda: ob.sgemm(A, B, C), a.seconds)
            g_ours, g_theirs = flops / ours["median_us"] / 1e3, flops / theirs["median_us"] / 1e3
            rows.append(dict(kind="gemm", m=m, k=k, n=n, threads=t, ingot=ours, openblas=theirs,
                             ingot_gflops=g_ours, openblas_gflops=g_theirs, ratio=g_ours / g_theirs))
            print(f"{f'{m}x{k}x{n}':>18} {t:>3} {g_ours:>14.1f} {g_theirs:>17.1f} {g_ours / g_theirs:>14.2f}x", flush=True)
    return rows


ORT_SCRIPT = r"""
const ort = require(process.argv[2]);
(async () => {
  const [model, batch, threads, seconds] = process.argv.slice(3).map((v, i) => i === 0 ? v : Number(v));
  const s = await ort.InferenceSession.create(model, {intraOpNumThreads: threads, interOpNumThreads: 1,
                                                      executionMode: 'sequential'});
  const x = new Float32Array(batch * 784).map((_, i) => ((i * 7919) % 1000) / 1000);
  const feeds = {}; feeds[s.inputNames[0]] = new ort.Tensor('float32', x, [batch, 784]);
  for (let i = 0; i < 20; ++i) await s.run(feeds);
  const ts = []; const start = process.hrtime.bigint();
  while (ts.length < 50 || Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
    const t0 = process.hrtime.bigint(); await s.run(feeds); ts.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  ts.sort((a, b) => a - b);
  console.log(JSON.stringify({median_us: ts[ts.length >> 1], min_us: ts[0], max_us: ts[ts.length - 1]}));
})().catch(e => { console.error(e); process.exit(1); });
"""


def torch_mlp(model_path, batch, threads, seconds):
    import onnx
    import onnx.numpy_helper
    import torch
    torch.set_num_threads(threads)
    w = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in onnx.load(model_path).graph.initializer}
    net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10), torch.nn.Softmax(1))
    with torch.no_grad():
        net[0].weight.copy_(w["fc1.weight"]), net[0].bias.copy_(w["fc1.bias"])
        net[2].weight.copy_(w["fc2.weight"]), net[2].bias.copy_(w["fc2.bias"])
    x = torch.rand(batch, 784)
    with torch.no_grad():
        return timed(lambda: net(x), seconds)


def bench_mlp(a, work):
    rows = []
    model = os.path.join(work, "mlp.onnx")
    subprocess.run([a.ingot, "init", "mlp", "--input", "784", "--layers", "128:relu,10:softmax", "-o", model],
                   check=True, stdout=subprocess.DEVNULL)
    script = os.path.join(work, "ort_bench.js")
    with open(script, "w") as f:
        f.write(ORT_SCRIPT)
    print("\nMLP 784-128-10 inference, median latency (min..max)")
    print(f"{'batch':>5} {'thr':>3} {'ingot':>24} {'ONNX Runtime':>24} {'PyTorch':>24} {'ORT/ingot':>9} "
          f"{'torch/ingot':>11} {'ingot JIT':>9}")
    fmt = lambda r: f"{r['median_us']:.1f} us ({r['min_us']:.0f}..{r['max_us']:.0f})" if r else "-"  # noqa: E731
    for t in a.threads:
        for batch in (1, 64, 1024):
            ours = ingot_bench(a.ingot, model, t, a.seconds, ["--batch", str(batch)])
            ort = None
            if a.ort_dir:
                module = os.path.join(os.path.abspath(a.ort_dir), "node_modules", "onnxruntime-node")
                out = subprocess.run(["node", script, module, model, str(batch), str(t), str(a.seconds)], check=True,
                                     capture_output=True, text=True).stdout
                ort = json.loads(out)
            th = torch_mlp(model, batch, t, a.seconds)
            r_ort = ort["median_us"] / ours["median_us"] if ort else None
            r_torch = th["median_us"] / ours["median_us"]
            rows.append(dict(kind="mlp", batch=batch, threads=t, ingot=ours, ort=ort, torch=th, ort_over_ingot=r_ort,
                             torch_over_ingot=r_torch, ingot_compile_ms=ours["compile_ms"]))
            print(f"{batch:>5} {t:>3} {fmt(ours):>24} {fmt(ort):>24} {fmt(th):>24} "
                  f"{(f'{r_ort:.2f}x' if r_ort else '-'):>9} {r_torch:>10.2f}x {ours['compile_ms']:>6.0f} ms", flush=True)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ingot", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "tools", "ingot"))
    p.add_argument("--ort-dir")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--json")
    p.add_argument("--skip-gemm", action="store_true")
    p.add_argument("--skip-mlp", action="store_true")
    a = p.parse_args()
    a.threads = [int(t) for t in a.threads.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        if not a.skip_gemm:
            rows += bench_gemm(a, work, OpenBlas())
        if not a.skip_mlp:
            rows += bench_mlp(a, work)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
