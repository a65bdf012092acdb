#!/usr/bin/env python3
"""The search loop's own cost per trial, beside Optuna's (issue 22).

Both run the same 1,000-trial random search over the same NB201-like cell space (six edges, five
operations) through the same outside command, bench_tabular_evaluator, which reads the
architecture file and answers in about a millisecond. The command is also run alone, the same
number of times, so that each tool's overhead per trial is its wall time minus the command's.

    /usr/bin/python3 bench/search_overhead.py [--build build/release] [--trials 1000]

Needs Debian's python3-optuna (scripts/deps installs it). Prints trials/s of each, the overhead
per trial, hwnas's start-up (torch-free hwnas and hwnas-torch), and the ratios.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

EDGES = 6
OPS = ["none", "skip", "conv1x1", "conv3x3", "avgpool"]


def write_arch(path, ops):
    with open(path, "w") as f:
        f.write("space: nb201_like\nkey: \"\"\nchoices:\n")
        for i, op in enumerate(ops):
            f.write(f"  edge{i}: {op}\n")


def run_evaluator(evaluator, arch_file):
    out = subprocess.run([evaluator, arch_file], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def time_direct(evaluator, trials, work):
    arch = os.path.join(work, "direct.yaml")
    write_arch(arch, ["conv3x3"] * EDGES)
    start = time.perf_counter()
    for _ in range(trials):
        run_evaluator(evaluator, arch)
    return time.perf_counter() - start


def time_hwnas(hwnas, evaluator, trials, work):
    space = os.path.join(work, "nb201_like.yaml")
    with open(space, "w") as f:
        f.write("name: nb201_like\nkind: custom\ndecisions:\n")
        for i in range(EDGES):
            f.write(f"  - {{name: edge{i}, choices: [{', '.join(OPS)}]}}\n")
    config = os.path.join(work, "search.yaml")
    with open(config, "w") as f:
        f.write(f"space: {space}\nevaluators: [{{command: \"{evaluator} {{arch}}\", required: [accuracy]}}]\n"
                f"objectives: [accuracy]\nalgorithm: random\ntrials: {trials}\nseed: 0\n"
                f"store: {work}/hwnas.db\noutput: {work}/hwnas-out\n")
    start = time.perf_counter()
    done = subprocess.run([hwnas, "search", config, "--quiet", "--json"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"hwnas search failed ({done.returncode}):\n{done.stderr}")
    summary = json.loads(done.stdout)
    return elapsed, summary


def time_optuna(evaluator, trials, work):
    start = time.perf_counter()
    import optuna  # its import is part of its start-up, as libtorch's load is of hwnas-torch's
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    arch = os.path.join(work, "optuna.yaml")

    def objective(trial):
        ops = [trial.suggest_categorical(f"edge{i}", OPS) for i in range(EDGES)]
        write_arch(arch, ops)
        return run_evaluator(evaluator, arch)["accuracy"]

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=trials)
    return time.perf_counter() - start, study.best_value


def start_up(binary, repeats=10):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([binary, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build/release", help="the hwnas build folder")
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    hwnas = os.path.join(args.build, "src/cli/hwnas")
    evaluator = os.path.abspath(os.path.join(args.build, "bench/bench_tabular_evaluator"))
    for path in (hwnas, evaluator):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path}: not built (ninja -C {args.build} hwnas bench_tabular_evaluator)")
    with tempfile.TemporaryDirectory(prefix="hwnas-overhead-") as work:
        direct = time_direct(evaluator, args.trials, work)
        hwnas_s, summary = time_hwnas(hwnas, evaluator, args.trials, work)
        optuna_s, optuna_best = time_optuna(evaluator, args.trials, work)
    hwnas_start = start_up(hwnas)
    torch_binary = os.path.join(args.build, "src/cli/hwnas-torch")
    torch_start = start_up(torch_binary, 3) if os.access(torch_binary, os.X_OK) else float("nan")
    n = args.trials
    print(f"{n}-trial random search, NB201-like space (5^6 cells), command: bench_tabular_evaluator {{arch}}")
    print(f"  command alone       {direct:7.2f} s  {n / direct:8.1f} calls/s  {1000 * direct / n:6.2f} ms per call")
    print(f"  hwnas search        {hwnas_s:7.2f} s  {n / hwnas_s:8.1f} trials/s  overhead {1000 * (hwnas_s - direct) / n:6.2f} ms per trial"
          f"  (best accuracy {summary['best']['metrics']['accuracy']:.4f}, {summary['counts']['cache_hits']} duplicates from the cache)")
    print(f"  Optuna {__import__('optuna').__version__:<12} {optuna_s:7.2f} s  {n / optuna_s:8.1f} trials/s  overhead {1000 * (optuna_s - direct) / n:6.2f} ms per trial"
          f"  (best accuracy {optuna_best:.4f})")
    print(f"  start-up: hwnas {1000 * hwnas_start:.0f} ms, hwnas-torch (libtorch loaded) {1000 * torch_start:.0f} ms")
    print(f"ratios: hwnas trials/s / Optuna trials/s = {optuna_s / hwnas_s:.2f}; "
          f"overhead per trial hwnas / Optuna = {(hwnas_s - direct) / (optuna_s - direct):.2f}")


if __name__ == "__main__":
    main()
