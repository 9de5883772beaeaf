#!/usr/bin/python3
"""Writes tests/data/training/cli/: small data sets for the `ingot train` and
`ingot eval` CLI tests (numpy only, seeded, so the files are reproducible).

  blobs_x.npy, blobs_y.npy   f32 [240, 8], i64 [240]: three well-separated
                             Gaussian blobs (a model that learns reaches
                             accuracy near 1; one that does not stays near 1/3)
  blobs_y_range.npy          i64 [240]: the labels with sample 17 set to 7
                             (out of range for a 3-class model)
  blobs_y_short.npy          i64 [200]: fewer labels than samples
  reg_x.npy, reg_y.npy       f32 [200, 8], f32 [200, 2]: a regression,
                             y = x A + c + N(0, 0.05^2) noise (the best mean
                             squared error is about 0.0025)
  idx/                       4x4 u8 "images" of three classes (a bright
                             quadrant per class, noise elsewhere) as IDX files:
                             train-* (150 samples, plain) and t10k-* (45
                             samples, gzip), the layout of (Fashion-)MNIST

Run: /usr/bin/python3 scripts/make_cli_training_data.py
"""
import gzip
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "training", "cli")


def idx_bytes(a):
    codes = {np.uint8: 0x08}
    header = struct.pack(">BBBB", 0, 0, codes[a.dtype.type], a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape)
    return header + a.astype(">" + a.dtype.char).tobytes()


def images(rng, n):
    labels = rng.integers(0, 3, size=n).astype(np.uint8)
    x = rng.integers(0, 60, size=(n, 4, 4)).astype(np.uint8)
    for i, c in enumerate(labels):
        r, q = divmod(int(c), 2)
        x[i, 2 * r:2 * r + 2, 2 * q:2 * q + 2] = rng.integers(180, 256, size=(2, 2))
    return x, labels


def main():
    rng = np.random.default_rng(20261129)
    os.makedirs(os.path.join(OUT, "idx"), exist_ok=True)
    centers = rng.normal(0, 3, size=(3, 8))
    y = rng.integers(0, 3, size=240).astype(np.int64)
    x = (centers[y] + rng.normal(0, 0.5, size=(240, 8))).astype(np.float32)
    np.save(os.path.join(OUT, "blobs_x.npy"), x)
    np.save(os.path.join(OUT, "blobs_y.npy"), y)
    bad = y.copy()
    bad[17] = 7
    np.save(os.path.join(OUT, "blobs_y_range.npy"), bad)
    np.save(os.path.join(OUT, "blobs_y_short.npy"), y[:200])

    tx, ty = images(rng, 150)
    vx, vy = images(rng, 45)
    with open(os.path.join(OUT, "idx", "train-images-idx3-ubyte"), "wb") as f:
        f.write(idx_bytes(tx))
    with open(os.path.join(OUT, "idx", "train-labels-idx1-ubyte"), "wb") as f:
        f.write(idx_bytes(ty))
    with gzip.GzipFile(os.path.join(OUT, "idx", "t10k-images-idx3-ubyte.gz"), "wb", mtime=0) as f:
        f.write(idx_bytes(vx))
    with gzip.GzipFile(os.path.join(OUT, "idx", "t10k-labels-idx1-ubyte.gz"), "wb", mtime=0) as f:
        f.write(idx_bytes(vy))

    # Drawn last, so the files above stay byte-identical.
    rx = rng.normal(0, 1, size=(200, 8)).astype(np.float32)
    a = rng.normal(0, 1, size=(8, 2))
    c = rng.normal(0, 1, size=2)
    ry = (rx @ a + c + rng.normal(0, 0.05, size=(200, 2))).astype(np.float32)
    np.save(os.path.join(OUT, "reg_x.npy"), rx)
    np.save(os.path.join(OUT, "reg_y.npy"), ry)


if __name__ == "__main__":
    main()
