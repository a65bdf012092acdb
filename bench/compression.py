#!/usr/bin/env python3
"""Channel pruning and weight clustering of a trained network: weight bytes saved and accuracy lost (issue 20).

The network (by default the built-in search's MobileNetV2-style baseline, from the uncurated
Fashion-MNIST space; or any architecture key of a space with --space/--key) is decoded with
`hwnas space`, trained with `hwnas train`, then compressed with `hwnas compress` in several
variants: pruning alone (L1, widths kept at multiples of the target's P), clustering alone (16 and
32 values per layer), and both, each fine-tuned for --fine-tune-epochs. Prints a Markdown table
of parameters, conv/linear weight bytes (int8, palettised where a layer has at most 256 values),
their cut, and the held-out top-1 before and after, beside the article's 47 % memory cut; writes
WORK/compression.json.

    /usr/bin/python3 bench/compression.py [--build build/release] [--epochs 5] [--fine-tune-epochs 2]
        [--work build/compression]

Every figure is what the commands printed in this run; nothing is carried over.
"""
import argparse
import json
import os
import re
import sys
import time

from hwnas_bench import BASELINE_KEY, BASELINE_SPACE, epoch_metrics, run

TARGET = "ethos-u55-256"
P = 32  # its channel multiple




def figure(pattern, text, what):
    m = re.search(pattern, text)
    if not m:
        sys.exit(f"compression: could not read {what} from:\n{text}")
    return m.groups()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/release")
    p.add_argument("--space", default=BASELINE_SPACE)
    p.add_argument("--key", default=BASELINE_KEY)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--fine-tune-epochs", type=int, default=2)
    p.add_argument("--data-fraction", type=float, default=1.0, help="of the training set, for training and fine-tuning")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", default="build/compression")
    args = p.parse_args()
    hwnas = os.path.join(args.build, "src", "cli", "hwnas")
    os.makedirs(args.work, exist_ok=True)
    model = os.path.join(args.work, "network.yaml")
    run("compression", [hwnas, "space", args.space, "--target", TARGET, "--arch", args.key, "-o", model],
        os.path.join(args.work, "decode.log"))
    ckpt = os.path.join(args.work, "network.ckpt")
    start = time.time()
    trained = run("compression", [hwnas, "train", model, "--epochs", str(args.epochs), "--seed", str(args.seed), "--threads", str(args.threads),
                   "--data-fraction", str(args.data_fraction), "--checkpoint", ckpt, "--quiet"], os.path.join(args.work, "train.log"))
    train_seconds = time.time() - start
    curve = epoch_metrics(trained)
    variants = [
        ("control: fine-tuning alone", []),  # the same fine-tuning, nothing compressed: what the extra epochs give by themselves
        ("prune 25 % (l1)", ["--prune", "0.25", "--channel-multiple", str(P)]),
        ("prune 50 % (l1)", ["--prune", "0.5", "--channel-multiple", str(P)]),
        ("cluster 32", ["--cluster", "32"]),
        ("cluster 16", ["--cluster", "16"]),
        ("prune 25 % + cluster 16", ["--prune", "0.25", "--channel-multiple", str(P), "--cluster", "16"]),
    ]
    rows = []
    for label, options in variants:
        name = re.sub(r"[^a-z0-9]+", "_", label).strip("_")
        t0 = time.time()
        out = run("compression", [hwnas, "compress", ckpt, *options, "--fine-tune-epochs", str(args.fine_tune_epochs), "--threads", str(args.threads),
                   "--data-fraction", str(args.data_fraction), "--seed", str(args.seed), "-o", os.path.join(args.work, name + ".ckpt")],
                  os.path.join(args.work, name + ".log"))
        (before,) = figure(r"as trained: \S+ ([0-9.]+) %", out, "the trained metric")
        after, drop = figure(r"result: \S+ ([0-9.]+) %, drop (-?[0-9.]+) points", out, "the result")
        p0, p1, pc = figure(r"result: .*?params ([0-9]+) -> ([0-9]+) \((-?[0-9.]+) %\)", out, "the parameters")
        b0, b1, bc = figure(r"weight bytes \([^)]*\) ([0-9]+) -> ([0-9]+) \((-?[0-9.]+) %\)", out, "the weight bytes")
        untuned = re.findall(r"([0-9.]+) % before fine-tuning", out)
        rows.append({"variant": label, "top1_trained": float(before), "top1_before_fine_tuning": float(untuned[-1]) if untuned else None,
                     "top1": float(after), "drop_points": float(drop), "params": [int(p0), int(p1)], "params_change_pct": float(pc),
                     "weight_bytes": [int(b0), int(b1)], "weight_bytes_change_pct": float(bc), "seconds": round(time.time() - t0, 1)})

    print(f"# Pruning and clustering: {args.space} network trained {args.epochs} epoch(s) on {args.data_fraction:g} of "
          f"Fashion-MNIST ({train_seconds:.0f} s; held-out curve {', '.join(f'{v:.2f}' for v in curve)}), each variant "
          f"fine-tuned {args.fine_tune_epochs} epoch(s)\n")
    print("| variant | params | weight bytes | cut | top-1 % before fine-tuning | top-1 % after | drop (points) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        untuned = "" if r["top1_before_fine_tuning"] is None else f"{r['top1_before_fine_tuning']:.2f}"
        print(f"| {r['variant']} | {r['params'][0]} -> {r['params'][1]} | {r['weight_bytes'][0]} -> {r['weight_bytes'][1]} | "
              f"{r['weight_bytes_change_pct']:.1f} % | {untuned} | {r['top1']:.2f} | {r['drop_points']:.2f} |")
    print("\nThe article's memory cut: 47 % (parameters and intermediate memory, by expert changes).")
    out = os.path.join(args.work, "compression.json")
    with open(out, "w") as f:
        json.dump({"space": args.space, "key": args.key, "epochs": args.epochs, "fine_tune_epochs": args.fine_tune_epochs,
                   "data_fraction": args.data_fraction, "train_seconds": round(train_seconds, 1), "curve": curve, "variants": rows}, f, indent=2)
    print(f"written: {out}")


if __name__ == "__main__":
    main()
