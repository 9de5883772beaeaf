#!/usr/bin/python3
"""Training speed: ingot (`ingot train`, CPU backend) against PyTorch on the
same machine in the same run, for the README's demo model (784 -> 128 ReLU ->
10 Softmax, sparse cross-entropy, Adam lr 1e-3) on Fashion-MNIST.

Both sides time the same loop: one epoch over the 60000 training images in
shuffled mini-batches (gathering each batch, forward, loss, backward,
optimizer update), data already in memory, no evaluation. A step's time is
the epoch's time divided by its steps. Each configuration runs --repeats
epochs; the report gives the median and the spread (min..max) and the ratio
PyTorch / ingot (above 1: ingot is faster).

usage: scripts/bench_training.py [--ingot build/tools/ingot] [--batches 32,128]
                                 [--threads 1,2] [--repeats 3] [--json FILE]
Needs python3-torch and python3-numpy (Debian) and dataset-fashion-mnist.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_epochs(batch, threads, repeats):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.from_numpy(read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()  # on logits: the Softmax model's sparse categorical cross-entropy
    n = x.shape[0]
    times = []
    for _ in range(repeats):
        order = torch.randperm(n)
        start = time.perf_counter()
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times, (n + batch - 1) // batch


def ingot_epochs(ingot, model, batch, threads, repeats, work):
    times, steps = [], 0
    report = os.path.join(work, "run.json")
    subprocess.run([ingot, "train", model, "--data", "fashion-mnist", "--batch", str(batch), "--epochs", str(repeats),
                    "--threads", str(threads), "--json", report], check=True, stdout=subprocess.DEVNULL)
    with open(report) as f:
        run = json.load(f)
    for e in run["epochs"]:
        times.append(e["seconds"])
    return times, run["steps_per_epoch"], run["compile_seconds"]


def spread(ts):
    return f"{statistics.median(ts):.3f} s ({min(ts):.3f}..{max(ts):.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ingot", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "tools", "ingot"))
    p.add_argument("--batches", default="32,128")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json")
    a = p.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"{DATA} is missing: apt-get install dataset-fashion-mnist")
    results = []
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "mlp.onnx")
        subprocess.run([a.ingot, "init", "mlp", "--input", "784", "--layers", "128:relu,10:softmax", "-o", model],
                       check=True, stdout=subprocess.DEVNULL)
        print(f"{'batch':>5} {'threads':>7} {'ingot epoch':>26} {'PyTorch epoch':>26} {'ingot step':>11} "
              f"{'torch step':>11} {'speedup':>8}")
        for threads in [int(t) for t in a.threads.split(",")]:
            for batch in [int(b) for b in a.batches.split(",")]:
                it, steps, compile_s = ingot_epochs(a.ingot, model, batch, threads, a.repeats, work)
                tt, _ = torch_epochs(batch, threads, a.repeats)
                mi, mt = statistics.median(it), statistics.median(tt)
                r = dict(batch=batch, threads=threads, steps=steps, ingot_epoch_s=it, torch_epoch_s=tt,
                         ingot_step_ms=1e3 * mi / steps, torch_step_ms=1e3 * mt / steps, speedup=mt / mi,
                         ingot_compile_s=compile_s)
                results.append(r)
                print(f"{batch:>5} {threads:>7} {spread(it):>26} {spread(tt):>26} {r['ingot_step_ms']:>8.3f} ms "
                      f"{r['torch_step_ms']:>8.3f} ms {r['speedup']:>7.2f}x", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
