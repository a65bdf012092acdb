#!/usr/bin/env python3
"""Scale-out of the trial queue (issue 18): throughput per worker count on SQLite and on a
loopback PostgreSQL, and fault tolerance under kill -9, over the real `hwnas search --workers`
and `hwnas worker` processes.

  /usr/bin/python3 bench/scale_out.py --build build/release                # both parts
  /usr/bin/python3 bench/scale_out.py --build build/release --part faults --kills 20

Throughput: a command evaluator that sleeps --sleep seconds per trial (then answers from
bench_tabular_evaluator), --trials trials, 1, 2, 4 and 8 workers; trials/s, the speedup over one
worker, and the store's time per trial as the workers report it. Goal: speedup >= 0.9 x N, store
overhead < 5 ms per trial.

ASHA (--part asha): the built-in Fashion-MNIST search (training with libtorch, latency from the
estimator) with synchronous rungs and with ASHA, the same candidates, seed and workers.

Faults: 4 workers, each in its own process group (a node: the worker and its evaluation); every
--kill-every seconds one at random is killed with SIGKILL (the whole group) and started again,
until --kills kills; then the study runs to completion. Reports trials finished vs requested,
lost (never finished), recorded twice (impossible by the schema: checked anyway), evaluations
that ran to completion more than once (from the evaluator's own log), and the time from a kill
to the restart of its trial on a live worker (grace period + the wait for a free worker).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_study_files(work, evaluator, sleep_s, log):
    space = os.path.join(work, "space.yaml")
    with open(space, "w") as f:
        f.write("name: nb201_like\nkind: custom\ndecisions:\n")
        for i in range(6):
            f.write(f"  - {{name: edge{i}, choices: [none, skip, conv1x1, conv3x3, avgpool]}}\n")
    # The evaluation: sleep, answer, and log that it ran to completion (trial seed + choices file).
    script = os.path.join(work, "evaluate.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nsleep {sleep_s}\nout=$({evaluator} \"$1\") || exit 1\n"
                f"echo \"$2 $(md5sum < \"$1\" | cut -c1-12)\" >> {log}\necho \"$out\"\n")
    os.chmod(script, 0o755)
    return space, script


def write_config(work, space, script, trials):
    config = os.path.join(work, "search.yaml")
    with open(config, "w") as f:
        f.write(f"space: {space}\nevaluators: [{{command: \"{script} {{arch}} {{seed}}\", required: [accuracy]}}]\n"
                f"objectives: [accuracy]\nalgorithm: {{name: evolution, population: 16, sample: 4}}\ntrials: {trials}\nseed: 0\n"
                f"output: {work}/out\n")
    return config


def store_overheads(stderr):
    return [float(m) for m in re.findall(r"store ([0-9.]+) ms per trial", stderr)]


def throughput(args, hwnas, evaluator, pg_url):
    rows = []
    for backend in ["sqlite", "postgresql"]:
        if backend == "postgresql" and not pg_url:
            continue
        base = None
        for n in args.workers:
            work = tempfile.mkdtemp(prefix="hwnas-scale-")
            log = os.path.join(work, "evaluations.log")
            space, script = write_study_files(work, evaluator, args.sleep, log)
            config = write_config(work, space, script, args.trials)
            study = f"tp_{backend}_{n}_{os.getpid()}"
            store = os.path.join(work, "store.db") if backend == "sqlite" else pg_url
            start = time.perf_counter()
            done = subprocess.run([hwnas, "search", config, "--store", store, "--study", study, "--workers", str(n), "--quiet", "--json"],
                                  capture_output=True, text=True)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                sys.exit(f"hwnas search failed ({backend}, {n} workers):\n{done.stderr}")
            summary = json.loads(done.stdout)
            finished = summary["counts"]["done"]
            rate = finished / wall
            base = base or rate
            overhead = store_overheads(done.stderr)
            rows.append((backend, n, finished, wall, rate, rate / base, statistics.mean(overhead) if overhead else float("nan")))
            print(f"  {backend:10s} {n} workers: {finished} trials in {wall:6.1f} s, {rate:5.2f} trials/s, speedup {rate / base:4.2f} "
                  f"({rate / base / n:4.2f} x N), store {rows[-1][6]:.2f} ms per trial", flush=True)
            shutil.rmtree(work, ignore_errors=True)
    return rows


def faults(args, hwnas, evaluator, pg_url):
    work = tempfile.mkdtemp(prefix="hwnas-faults-")
    log = os.path.join(work, "evaluations.log")
    space, script = write_study_files(work, evaluator, args.sleep, log)
    config = write_config(work, space, script, args.trials)
    backend = "postgresql" if pg_url else "sqlite"
    store = pg_url or os.path.join(work, "store.db")
    study = f"faults_{os.getpid()}"
    made = subprocess.run([hwnas, "search", config, "--store", store, "--study", study, "--workers", "0", "--grace", str(args.grace),
                           "--quiet"], capture_output=True, text=True)
    if made.returncode != 0:
        sys.exit(f"hwnas search --workers 0 failed:\n{made.stderr}")
    rng = random.Random(args.seed)
    logs = open(os.path.join(work, "workers.log"), "w")

    def start(name):
        return subprocess.Popen([hwnas, "worker", "--store", store, "--study", study, "--name", name, "--quiet",
                                 "--heartbeat", str(args.grace / 3)], stdout=logs, stderr=logs, start_new_session=True)

    workers = {f"w{i}": start(f"w{i}") for i in range(4)}
    kills = []  # (time, worker name)
    started = time.time()
    while len(kills) < args.kills:
        time.sleep(args.kill_every)
        alive = [n for n, p in workers.items() if p.poll() is None]
        if not alive:
            break
        victim = rng.choice(alive)
        running = json.loads(subprocess.run([hwnas, "trials", "export", store, "--study", study, "--format", "json"],
                                            capture_output=True, text=True, check=True).stdout)["trials"]
        held = [t["id"] for t in running if t["status"] == "running" and t["worker"] == victim]
        # A node lost: the worker and its running evaluation (its own process group) die at once.
        for pid in [workers[victim].pid] + descendants(workers[victim].pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        workers[victim].wait()
        kills.append((time.time(), victim, held))
        workers[victim] = start(victim)
    for p in workers.values():
        p.wait()
    wall = time.time() - started
    logs.close()
    # The outcome, from the store.
    trials = json.loads(subprocess.run([hwnas, "trials", "export", store, "--study", study, "--format", "json"],
                                       capture_output=True, text=True, check=True).stdout)["trials"]
    done = [t for t in trials if t["status"] == "done"]
    lost_flags = sum(t.get("lost", 0) for t in trials)
    # Kill -> restart of the trial the victim held (read from the store just before the kill): the
    # trial's last claim (started_at) follows the last kill that hit it.
    restarts = []
    by_id = {t["id"]: t for t in trials}
    last_kill = {}
    for when, _, held in kills:
        for i in held:
            last_kill[i] = when
    for i, when in last_kill.items():
        if by_id[i]["started_at"] > when:
            restarts.append(by_id[i]["started_at"] - when)
    with open(log) as f:
        completions = [line.split()[0] for line in f if line.strip()]
    repeated = len(completions) - len(set(completions))
    print(f"  {backend}: {len(kills)} kills of 4 workers (one every {args.kill_every} s, grace {args.grace} s) in {wall:.0f} s")
    print(f"  trials requested {args.trials}, finished {len(done)}, failed {sum(t['status'] == 'failed' for t in trials)}, "
          f"lost {args.trials - len(done)}, recorded twice {len(trials) - len({t['id'] for t in trials})}")
    print(f"  trials re-queued after a kill: {lost_flags}; evaluations that ran to completion twice (evaluator log): {repeated}")
    if restarts:
        print(f"  kill -> the trial restarted on a live worker: median {statistics.median(restarts):.1f} s, max {max(restarts):.1f} s")
    shutil.rmtree(work, ignore_errors=True)


FASHION_MNIST = """# The built-in fashion-mnist search (src/search/config.cpp) without its baseline, on the trial queue.
space: fashion_mnist_curated
target: ethos-u55-256
evaluators: [estimator, training]
estimator: {{file: {estimator}}}
training: {{data: fashion-mnist, epochs: 2, data_fraction: 0.1, batch_size: 32, learning_rate: 0.05, held_out_examples: 2000, threads: 1}}
objectives: [{{metric: accuracy, direction: maximize}}]
budgets:
  latency_us: {{max: 700}}
  memory_bytes: {{max: 1000000}}
algorithm: {{name: evolution, population: 10, sample: 3}}
multi_fidelity: {{candidates: {candidates}, eta: 3, min_fidelity: 0.111, schedule: {schedule}}}
seed: {seed}
output: {work}/out
"""


def asha(args, hwnas):
    """ASHA against synchronous successive halving: the same study (candidates, rungs, seed), the
    same workers; the worker time each used, the share of it spent waiting, and the best
    full-fidelity accuracy (with its predicted latency) each found."""
    estimator = os.path.abspath(args.estimator)
    if not os.path.exists(estimator):
        sys.exit(f"{estimator}: no estimator file (scripts/demo builds ethos-u55-256.estimator.json; or --estimator FILE)")
    def run(seed, schedule, candidates, worker_time=None):
        work = tempfile.mkdtemp(prefix="hwnas-asha-")
        config = os.path.join(work, "search.yaml")
        with open(config, "w") as f:
            f.write(FASHION_MNIST.format(estimator=estimator, candidates=candidates, schedule=schedule, seed=seed, work=work))
        command = [hwnas, "search", config, "--store", os.path.join(work, "s.db"), "--workers", str(args.asha_workers), "--quiet", "--json"]
        if worker_time:
            command += ["--worker-time", f"{worker_time:.3f}"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        shutil.rmtree(work, ignore_errors=True)
        if done.returncode != 0:
            sys.exit(f"hwnas search ({schedule}) failed:\n{done.stderr}")
        summary = json.loads(done.stdout)
        busy = sum(float(x) for x in re.findall(r"busy ([0-9.]+) s", done.stderr))
        idle = sum(float(x) for x in re.findall(r"waiting ([0-9.]+) s", done.stderr))
        return summary, wall, busy, idle

    results = {}
    for seed in args.seeds:
        sync = run(seed, "synchronous", args.candidates)
        rows = [("synchronous", sync),
                ("ASHA, same candidates", run(seed, "asynchronous", args.candidates)),
                # ASHA as it is meant to run: an open-ended first rung, stopped at SHA's worker time.
                ("ASHA, equal worker time", run(seed, "asynchronous", 100000, worker_time=sync[2]))]
        for name, (summary, wall, busy, idle) in rows:
            best = summary["best"]
            accuracy = best["metrics"]["accuracy"] if best else float("nan")
            latency = best["metrics"].get("latency_us", float("nan")) if best else float("nan")
            results.setdefault(name, []).append((accuracy, latency, busy, idle / max(busy + idle, 1e-9), wall))
            print(f"  seed {seed} {name:24s}: {summary['counts']['trials']:3d} trials in {wall:6.1f} s wall, evaluating {busy:6.1f} s, "
                  f"waiting {100 * idle / max(busy + idle, 1e-9):4.1f} % of worker time; best accuracy {100 * accuracy:.2f} % at "
                  f"{latency:.0f} us", flush=True)
    if len(args.seeds) > 1:
        print(f"  mean over seeds {','.join(map(str, args.seeds))} (accuracy after the search's short training: a search signal):")
        for name, values in results.items():
            acc = [v[0] for v in values]
            print(f"    {name:24s}: best accuracy {100 * statistics.mean(acc):.2f} +- {100 * statistics.stdev(acc):.2f} %, latency "
                  f"{statistics.mean(v[1] for v in values):.0f} us, evaluating {statistics.mean(v[2] for v in values):.1f} s, waiting "
                  f"{100 * statistics.mean(v[3] for v in values):.1f} %, wall {statistics.mean(v[4] for v in values):.1f} s")


def descendants(pid):
    """Every process below `pid` (the worker's evaluation runs in a process group of its own)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--part", choices=["throughput", "faults", "asha", "all"], default="all")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--sleep", type=float, default=1.0)
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=2.5)
    parser.add_argument("--grace", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--estimator", default=os.path.join(ROOT, "build", "demo", "ethos-u55-256.estimator.json"))
    parser.add_argument("--candidates", type=int, default=27)
    parser.add_argument("--asha-workers", type=int, default=2)
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0])
    args = parser.parse_args()
    hwnas = os.path.join(args.build, "src", "cli", "hwnas")
    evaluator = os.path.join(args.build, "bench", "bench_tabular_evaluator")
    for path in (hwnas, evaluator):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path}: not built (cmake --build {args.build})")
    cluster = None
    pg_url = ""
    if "postgresql" in args.backends:
        cluster = tempfile.mkdtemp(prefix="hwnas-bench-pg-")
        started = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", cluster], capture_output=True, text=True)
        if started.returncode != 0:
            sys.exit(f"scripts/pg-cluster start failed:\n{started.stderr}")
        pg_url = started.stdout.strip().splitlines()[-1]
    try:
        print(f"machine: {os.cpu_count()} cores; evaluator: sleep {args.sleep} s + bench_tabular_evaluator; {args.trials} trials")
        if args.part in ("throughput", "all"):
            print("throughput:")
            throughput(args, hwnas, evaluator, pg_url)
        if args.part in ("faults", "all"):
            print("fault tolerance:")
            faults(args, hwnas, evaluator, pg_url)
        if args.part in ("asha", "all"):
            print(f"ASHA vs synchronous successive halving, built-in Fashion-MNIST search, {args.asha_workers} workers:")
            asha(args, hwnas)
    finally:
        if cluster:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", cluster])


if __name__ == "__main__":
    main()
