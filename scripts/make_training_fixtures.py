#!/usr/bin/python3
"""Writes tests/data/training/: the PyTorch oracle for ingot's training step.

A small Keras-style MLP (8 -> 6 ReLU -> 3 Softmax, PyTorch Linear layout:
weight [out, in], y = x W^T + b) starts from fixed float32 weights and takes
20 steps over fixed batches of 16 (no shuffling) with each optimizer below.
The oracle runs in float64 from exactly the float32 initial weights and
inputs, so it is the exact math; ingot runs the same steps in float32 and
must land within 1e-4 relative (tests/unit/backends/training_fixture_test.cpp).
The loss is PyTorch's cross_entropy on the logits, which is the Keras
sparse categorical cross-entropy of the Softmax output.

Files (all .npy):
  x.npy            f32 [320, 8]   inputs, batch k = rows 16k .. 16k+15
  labels.npy       i64 [320]      class indices 0..2
  init_<p>.npy     f32            initial parameters p = fc1.weight, fc1.bias, fc2.weight, fc2.bias
  <opt>_<p>.npy    f64            parameters after 20 steps of optimizer <opt>
  <opt>_losses.npy f64 [20]       the loss of each step (before its update)
  <opt>_correct.npy i64 [20]      correct predictions of each step (before its update)

Run: /usr/bin/python3 scripts/make_training_fixtures.py  (PyTorch 1.13, numpy)
"""
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "training")
STEPS, BATCH, IN, HIDDEN, CLASSES = 20, 16, 8, 6, 3
PARAMS = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]

# name -> (torch optimizer class, keyword arguments)
OPTIMIZERS = {
    "adam": (torch.optim.Adam, dict(lr=1e-2)),
    "adam_l2": (torch.optim.Adam, dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    "adamw": (torch.optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
}


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(IN, HIDDEN)
        self.fc2 = torch.nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):  # logits; the Softmax is folded into the loss
        return self.fc2(torch.relu(self.fc1(x)))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(5)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((STEPS * BATCH, IN)).astype(np.float32)
    # Learnable labels (a fixed random linear rule), so the loss moves.
    rule = rng.standard_normal((IN, CLASSES))
    labels = np.argmax(x.astype(np.float64) @ rule, axis=1).astype(np.int64)
    init = Mlp()  # PyTorch's default initialization, float32
    init_values = {n: p.detach().numpy().astype(np.float32).copy() for n, p in init.named_parameters()}
    np.save(os.path.join(OUT, "x.npy"), x)
    np.save(os.path.join(OUT, "labels.npy"), labels)
    for n in PARAMS:
        np.save(os.path.join(OUT, f"init_{n}.npy"), init_values[n])

    for opt_name, (cls, kwargs) in OPTIMIZERS.items():
        model = Mlp().double()
        with torch.no_grad():
            for n, p in model.named_parameters():
                p.copy_(torch.from_numpy(init_values[n].astype(np.float64)))
        opt = cls(model.parameters(), **kwargs)
        losses, correct = [], []
        for step in range(STEPS):
            xb = torch.from_numpy(x[step * BATCH:(step + 1) * BATCH].astype(np.float64))
            yb = torch.from_numpy(labels[step * BATCH:(step + 1) * BATCH])
            opt.zero_grad()
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            correct.append(int((logits.argmax(dim=1) == yb).sum().item()))
        np.save(os.path.join(OUT, f"{opt_name}_losses.npy"), np.array(losses, dtype=np.float64))
        np.save(os.path.join(OUT, f"{opt_name}_correct.npy"), np.array(correct, dtype=np.int64))
        for n, p in model.named_parameters():
            final = p.detach().numpy()
            np.save(os.path.join(OUT, f"{opt_name}_{n}.npy"), final)
        moved = max(np.abs(p.detach().numpy() - init_values[n]).max() for n, p in model.named_parameters())
        print(f"{opt_name}: loss {losses[0]:.4f} -> {losses[-1]:.4f}, largest weight change {moved:.4f}")


if __name__ == "__main__":
    main()
