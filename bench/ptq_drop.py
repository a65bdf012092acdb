#!/usr/bin/env python3
"""int8 post-training quantisation drop against float32, on fully trained networks (issue 20).

Each network (the demo search's best, from the curated Fashion-MNIST space, and the search's
MobileNetV2-style baseline, from the uncurated one) is decoded with `hwnas space`, trained on the whole Fashion-MNIST training set
with `hwnas train` until its held-out top-1 stops improving (a cosine schedule of --epochs; the
script reports the gain over the last three epochs so that the plateau can be judged), then
quantised with `hwnas quantize`: per-channel and per-tensor int8 weights, min-max and
percentile activation calibration. Prints a Markdown table and writes the same as JSON.

    /usr/bin/python3 bench/ptq_drop.py [--build build/release] [--epochs 15] [--seeds 0]
        [--best build/demo/fashion-mnist/best_arch.yaml] [--work build/ptq_drop]

Every figure is what the commands printed in this run; nothing is carried over.
"""
import argparse
import glob
import json
import os
import re
import sys
import time

from hwnas_bench import BASELINE_KEY, BASELINE_SPACE, epoch_metrics, run

SPACE = "fashion_mnist_curated"        # the searched network's space
TARGET = "ethos-u55-256"
VARIANTS = [("per_channel", "minmax"), ("per_tensor", "minmax"), ("per_channel", "percentile"),
            ("per_tensor", "percentile")]





def quantize_figures(output):
    fp32 = re.search(r"fp32: \S+ ([0-9.]+) %", output)
    int8 = re.search(r"int8 \(.*?\): \S+ ([0-9.]+) %, drop (-?[0-9.]+) points", output)
    if not fp32 or not int8:
        sys.exit("ptq_drop: could not read the figures of hwnas quantize:\n" + output)
    return float(fp32.group(1)), float(int8.group(1)), float(int8.group(2))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/release")
    p.add_argument("--best", default="build/demo/fashion-mnist/best_arch.yaml",
                   help="the searched network: a best_arch.yaml or an architecture key; 'none': the baseline only")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seeds", default="0", help="comma-separated training seeds")
    p.add_argument("--data-fraction", type=float, default=1.0, help="share of the training set (1: all; less only for a smoke run)")
    p.add_argument("--calibration-batches", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", default="build/ptq_drop")
    p.add_argument("--out", default=None, help="JSON results (default WORK/ptq_drop.json)")
    args = p.parse_args()
    hwnas = os.path.join(args.build, "src", "cli", "hwnas")
    os.makedirs(args.work, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    networks = [("searched best", "best", SPACE, args.best), ("baseline", "baseline", BASELINE_SPACE, BASELINE_KEY)]
    if args.best == "none":
        networks = networks[1:]
    rows = []
    for label, name, space, arch in networks:
        net = os.path.join(args.work, name + ".yaml")
        run("ptq_drop", [hwnas, "space", space, "--target", TARGET, "--arch", arch, "-o", net], os.path.join(args.work, name + ".decode.log"))
        for seed in seeds:
            out_dir = os.path.join(args.work, f"{name}-seed{seed}")
            start = time.time()
            train_out = run("ptq_drop", [hwnas, "train", net, "--epochs", str(args.epochs), "--seed", str(seed), "--threads",
                             str(args.threads), "--data-fraction", str(args.data_fraction), "--quiet", "-o", out_dir], os.path.join(args.work, f"{name}-seed{seed}.train.log"))
            train_s = time.time() - start
            curve = epoch_metrics(train_out)
            ckpts = sorted(glob.glob(os.path.join(out_dir, "*.ckpt")))
            if len(ckpts) != 1:
                sys.exit(f"ptq_drop: expected one checkpoint in {out_dir}, found {ckpts}")
            ckpt = ckpts[0]
            row = {"network": label, "seed": seed, "epochs": args.epochs, "data_fraction": args.data_fraction, "train_s": round(train_s, 1), "curve": curve,
                   "last3_gain": round(curve[-1] - curve[-4], 2) if len(curve) >= 4 else None, "variants": {}}
            for weights, calibration in VARIANTS:
                q_out = run("ptq_drop", [hwnas, "quantize", ckpt, "--weights", weights, "--calibration", calibration,
                             "--calibration-batches", str(args.calibration_batches), "--threads", str(args.threads)],
                            os.path.join(args.work, f"{name}-seed{seed}.{weights}.{calibration}.log"))
                row["fp32"], int8, drop = quantize_figures(q_out)
                row["variants"][f"{weights}/{calibration}"] = {"int8": int8, "drop": drop}
            rows.append(row)
            print(json.dumps(row), flush=True)
    with open(args.out or os.path.join(args.work, "ptq_drop.json"), "w") as f:
        json.dump(rows, f, indent=1)
    heads = [f"{w}/{c}" for w, c in VARIANTS]
    print("\n| network | seed | epochs | gain over last 3 epochs | fp32 top-1 % | " +
          " | ".join(f"int8 {h} (drop)" for h in heads) + " |")
    print("| --- " * (5 + len(heads)) + "|")
    for r in rows:
        cells = [f"{r['variants'][h]['int8']:.2f} ({r['variants'][h]['drop']:+.2f})" for h in heads]
        print(f"| {r['network']} | {r['seed']} | {r['epochs']} | {r['last3_gain']} | {r['fp32']:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
