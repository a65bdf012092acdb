#!/usr/bin/env python3
"""Mixed-precision search against an int8-only search on the same budget (issue 20).

Two searches run with one config but the space: `fashion_mnist_curated` (every layer int8) and
`fashion_mnist_mixed` (the same, with a per-stage `precision: [int8, int16]` decision). Both use
NSGA-II over two objectives, accuracy_int8 (trained with `hwnas` on Fashion-MNIST, then quantised
as the accelerator computes: int16 stages on int16 grids) and latency on the simulated
Ethos-U55-256 (the simulator itself, per layer at its precision), within the same memory budget,
the same number of trials and the same seed. The script prints each search's Pareto front of
accuracy_int8 against latency, the hypervolume of each front against a common reference point,
and which stages the mixed search ran at int16 on its front. Writes WORK/mixed_precision.json.

    /usr/bin/python3 bench/mixed_precision.py [--build build/release] [--trials 24]
        [--epochs 1] [--data-fraction 0.05] [--work build/mixed_precision]

Accuracy here is a short-training search signal (a fraction of an epoch's data), not a fully
trained result. Every figure is what the commands printed in this run; nothing is carried over.
"""
import argparse
import json
import os
import sys
import time

from hwnas_bench import run

TARGET = "ethos-u55-256"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (label, space as the config names it, short name): the int8-only space is built in; the mixed one is spaces/*.yaml
SPACES = [("int8 only", "fashion_mnist_curated", "fashion_mnist_curated"),
          ("mixed int8/int16", os.path.join(ROOT, "spaces", "fashion_mnist_mixed.yaml"), "fashion_mnist_mixed")]




def config_text(space, args, store, output):
    return f"""# bench/mixed_precision.py: one of two searches that differ only in their space
space: {space}
target: {TARGET}
evaluators: [hardware, training]
training: {{data: fashion-mnist, epochs: {args.epochs}, data_fraction: {args.data_fraction}, batch_size: 32,
           learning_rate: 0.05, held_out_examples: 2000, int8: {{calibration_batches: 4, calibration: minmax, weights: per_channel}}}}
objectives: [{{metric: accuracy_int8, direction: maximize}}, {{metric: latency_us, direction: minimize}}]
budgets:
  memory_bytes: {{max: 1000000}}
algorithm: {{name: nsga2, population: {args.population}}}
trials: {args.trials}
seed: {args.seed}
store: {store}
output: {output}
"""


def front(points):
    """Indices of the non-dominated points of (accuracy to maximise, latency to minimise)."""
    keep = []
    for i, (a, l) in enumerate(points):
        dominated = any((a2 >= a and l2 <= l) and (a2 > a or l2 < l) for j, (a2, l2) in enumerate(points) if j != i)
        if not dominated:
            keep.append(i)
    return sorted(keep, key=lambda i: points[i][1])


def hypervolume(points, ref_accuracy, ref_latency):
    """Area dominated by the front (accuracy up, latency down) and bounded by the reference point."""
    area, best = 0.0, ref_accuracy
    for a, l in sorted(points, key=lambda p: p[1]):  # fastest first
        if l >= ref_latency or a <= best:
            continue
        area += (a - best) * (ref_latency - l)
        best = a
    return area


def int16_stages(key):
    return [item.split(".")[0] for item in key.split(";") if item.endswith(".precision=int16")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/release")
    p.add_argument("--trials", type=int, default=24)
    p.add_argument("--population", type=int, default=8)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--data-fraction", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", default="build/mixed_precision")
    args = p.parse_args()
    hwnas = os.path.abspath(os.path.join(args.build, "src", "cli", "hwnas"))
    os.makedirs(args.work, exist_ok=True)
    work = os.path.abspath(args.work)
    results = {"trials": args.trials, "epochs": args.epochs, "data_fraction": args.data_fraction, "seed": args.seed,
               "searches": []}
    for label, space, name in SPACES:
        store, output = os.path.join(work, name + ".db"), os.path.join(work, name)
        config = os.path.join(work, name + ".yaml")
        with open(config, "w") as f:
            f.write(config_text(space, args, store, output))
        start = time.time()
        run("mixed_precision", [hwnas, "search", config, "--resume"], os.path.join(work, name + ".search.log"), cwd=work)
        seconds = time.time() - start
        exported = json.loads(run("mixed_precision", [hwnas, "trials", "export", store, "--format", "json"],
                                  os.path.join(work, name + ".export.log")))
        trials = [t for t in exported["trials"] if t["status"] == "done" and t["feasible"]
                  and "accuracy_int8" in t["metrics"] and "latency_us" in t["metrics"]]
        # accuracy_int8 and int8_drop are fractions: shown in percent and points
        points = [(100 * t["metrics"]["accuracy_int8"], t["metrics"]["latency_us"]) for t in trials]
        on_front = front(points)
        results["searches"].append({
            "label": label, "space": name, "wall_s": round(seconds, 1), "feasible_trials": len(trials),
            "front": [{"accuracy_int8": points[i][0], "latency_us": points[i][1], "int8_drop": 100 * trials[i]["metrics"]["int8_drop"] if "int8_drop" in trials[i]["metrics"] else None,
                       "int16_stages": int16_stages(trials[i]["key"]), "key": trials[i]["key"]} for i in on_front],
            "all_int16_choices": sum(len(int16_stages(t["key"])) for t in trials)})

    all_points = [(f["accuracy_int8"], f["latency_us"]) for s in results["searches"] for f in s["front"]]
    if not all_points:
        sys.exit("mixed_precision: no feasible trial in either search")
    ref_accuracy = min(a for a, _ in all_points) - 1.0
    ref_latency = max(l for _, l in all_points) * 1.05
    results["reference_point"] = {"accuracy_int8": ref_accuracy, "latency_us": ref_latency}
    for s in results["searches"]:
        s["hypervolume"] = hypervolume([(f["accuracy_int8"], f["latency_us"]) for f in s["front"]], ref_accuracy, ref_latency)

    print(f"# Mixed-precision vs int8-only search: {args.trials} trials each, NSGA-II, seed {args.seed}, "
          f"{args.epochs} epoch(s) on {args.data_fraction:g} of Fashion-MNIST, {TARGET} (simulated)\n")
    for s in results["searches"]:
        print(f"## {s['label']} ({s['space']}): {s['feasible_trials']} feasible trials, {s['wall_s']:.0f} s, "
              f"hypervolume {s['hypervolume']:.1f} (points x us)\n")
        print("| latency us | accuracy_int8 % | int8 drop | int16 stages |")
        print("| --- | --- | --- | --- |")
        for f in s["front"]:
            drop = "" if f["int8_drop"] is None else f"{f['int8_drop']:.2f}"
            print(f"| {f['latency_us']:.1f} | {f['accuracy_int8']:.2f} | {drop} | {', '.join(f['int16_stages']) or '-'} |")
        print()
    out = os.path.join(work, "mixed_precision.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"written: {out}")


if __name__ == "__main__":
    main()
