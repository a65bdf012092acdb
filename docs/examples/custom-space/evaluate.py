#!/usr/bin/env python3
"""Evaluator of the worked custom space (docs/search.md): trains a softmax-regression classifier
of Fashion-MNIST with the knobs of one architecture and prints its metrics as one JSON line.

    evaluate.py ARCH_FILE SEED FIDELITY

ARCH_FILE is hwnas's {arch} file (space, space_version, key, then `choices:` with one
"  name: label" line per decision). The data are Debian's dataset-fashion-mnist test split:
8,000 images to train on, the other 2,000 held out. Metrics: accuracy (a fraction in [0, 1]),
params (count) and train_seconds.
"""
import gzip
import json
import sys
import time

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def read_choices(path):
    choices, inside = {}, False
    with open(path) as f:
        for line in f:
            if line.rstrip() == "choices:":
                inside = True
            elif inside and line.startswith("  "):
                name, label = line.strip().split(": ", 1)
                choices[name] = label
    return choices


def load(resolution):
    with gzip.open(f"{DATA}/t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28).astype(np.float32) / 255.0
    with gzip.open(f"{DATA}/t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    k = 28 // resolution  # average pooling k x k
    images = images.reshape(-1, resolution, k, resolution, k).mean(axis=(2, 4)).reshape(len(images), -1)
    return images[:8000], labels[:8000], images[8000:], labels[8000:]


def main():
    arch, seed, fidelity = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    c = read_choices(arch)
    resolution, lr, epochs, l2 = int(c["resolution"]), float(c["learning_rate"]), int(c["epochs"]), float(c["l2"])
    x, y, x_val, y_val = load(resolution)
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.01, (x.shape[1], 10)).astype(np.float32)
    b = np.zeros(10, np.float32)
    start = time.perf_counter()
    steps = max(1, round(epochs * fidelity * len(x) / 64))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(steps * 64 // len(x) + 1)])
    for step in range(steps):
        batch = order[step * 64:(step + 1) * 64]
        logits = x[batch] @ w + b
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(batch)), y[batch]] -= 1.0
        w -= lr * (x[batch].T @ p / len(batch) + l2 * w)
        b -= lr * p.mean(axis=0)
    accuracy = float(((x_val @ w + b).argmax(axis=1) == y_val).mean())
    print(json.dumps({"accuracy": accuracy, "params": int(w.size + b.size), "train_seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
