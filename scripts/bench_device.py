#!/usr/bin/python3
"""GEMM GFLOP/s and MLP throughput of ingot on one device of a GPU-style
backend (vulkan, opencl), with the device's name: the benchmark the Vulkan
and OpenCL issues ask for. On lavapipe and PoCL (CPU emulations) this is a
sanity check only; on a GPU it reports GEMM f32 GFLOP/s (compare with the
device's peak, given with --peak-gflops).

  GEMM   C = A B, f32, square sizes (--sizes, default 256,512,1024): a
         one-MatMul ONNX model with B as a weight, timed by `ingot bench`
         (each run is one Session::run with results visible to the host,
         so the time includes the submit and the fence wait).
  MLP    784 -> 128 ReLU -> 10 Softmax (`ingot init`) at --batches
         (default 1,64,1024): median latency and samples/s.
Also the llvm backend on the same shapes, for scale. Medians of repeated
runs after warm-up; the spread (min..max) is printed too.

usage: scripts/bench_device.py [--backend vulkan[:N|:NAME]] [--ingot build/tools/ingot]
         [--sizes 256,512,1024] [--batches 1,64,1024] [--seconds 1] [--peak-gflops G] [--json FILE]
Needs python3-onnx and python3-numpy.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_inference import matmul_model  # noqa: E402


def bench(ingot, model, backend, seconds, extra=()):
    out = subprocess.run([ingot, "bench", model, "--backend", backend, "--seconds", str(seconds), "--json", *extra],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or out.stdout.strip())
    return json.loads(out.stdout)


def device_line(ingot, backend):
    name = backend.split(":")[0]
    out = subprocess.run([ingot, "devices"], capture_output=True, text=True).stdout
    # Device lines are indented "NAME:INDEX  device name  (details)".
    lines = [l.strip() for l in out.splitlines() if l.startswith("  ") and l.strip().startswith(name + ":")]
    return lines[0] if lines else f"{backend} (no device line from `ingot devices`)"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", default="vulkan")
    p.add_argument("--ingot", default="build/tools/ingot")
    p.add_argument("--sizes", default="256,512,1024")
    p.add_argument("--batches", default="1,64,1024")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--peak-gflops", type=float, default=0)
    p.add_argument("--json")
    a = p.parse_args()
    results = {"backend": a.backend, "device": device_line(a.ingot, a.backend), "gemm": [], "mlp": []}
    print(f"device: {results['device']}")
    with tempfile.TemporaryDirectory() as work:
        print(f"{'GEMM':<14}{a.backend + ' GFLOP/s':>22}{'(median ms, min..max)':>28}{'llvm GFLOP/s':>16}")
        for n in [int(s) for s in a.sizes.split(",")]:
            model = os.path.join(work, f"gemm{n}.onnx")
            matmul_model(model, n, n, n)
            flops = 2.0 * n * n * n
            row = {"n": n}
            for backend in (a.backend, "llvm"):
                try:
                    r = bench(a.ingot, model, backend, a.seconds)
                    row[backend] = {"gflops": flops / (r["median_us"] * 1e3), "median_ms": r["median_us"] / 1e3,
                                    "min_ms": r["min_us"] / 1e3, "max_ms": r["max_us"] / 1e3}
                except RuntimeError as e:
                    row[backend] = {"error": str(e)}
            d, c = row[a.backend], row["llvm"]
            dev = (f"{d['gflops']:>10.1f}{'':>12}({d['median_ms']:.2f}, {d['min_ms']:.2f}..{d['max_ms']:.2f})"
                   if "gflops" in d else f"  error: {d['error']}")
            peak = f"  {100 * d['gflops'] / a.peak_gflops:.0f}% of peak" if a.peak_gflops and "gflops" in d else ""
            print(f"{n}^3{'':<{11 - len(str(n))}}{dev:>50}{c.get('gflops', float('nan')):>16.1f}{peak}")
            results["gemm"].append(row)

        model = os.path.join(work, "mlp.onnx")
        subprocess.run([a.ingot, "init", "mlp", "--input", "784", "--layers", "128:relu,10:softmax", "--seed", "0",
                        "-o", model], check=True, capture_output=True)
        print(f"\n{'MLP batch':<14}{a.backend + ' samples/s':>22}{'(median ms)':>16}{'llvm samples/s':>18}")
        for b in [int(s) for s in a.batches.split(",")]:
            row = {"batch": b}
            for backend in (a.backend, "llvm"):
                try:
                    r = bench(a.ingot, model, backend, a.seconds, ["--batch", str(b)])
                    row[backend] = {"samples_per_s": r["samples_per_s"], "median_ms": r["median_us"] / 1e3}
                except RuntimeError as e:
                    row[backend] = {"error": str(e)}
            d, c = row[a.backend], row["llvm"]
            dev = (f"{d['samples_per_s']:>12.0f}{d['median_ms']:>16.3f}" if "samples_per_s" in d
                   else f"  error: {d['error']}")
            print(f"{b:<14}{dev:>38}{c.get('samples_per_s', float('nan')):>18.0f}")
            results["mlp"].append(row)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
