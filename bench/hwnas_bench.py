"""What the Python benchmarks over the hwnas CLI share: running a command into a log, the built-in
search's baseline, and the per-epoch held-out metric that `hwnas train` prints.

    from hwnas_bench import BASELINE_KEY, BASELINE_SPACE, epoch_metrics, run
"""
import re
import subprocess
import sys

BASELINE_SPACE = "fashion_mnist_uncurated"  # the baseline's space (MobileNetV2's own channel counts)
# The built-in search's baseline (src/search/config.cpp, `baseline.architecture`): copied, as the
# CLI cannot print a built-in config; a change of the space makes its decode fail loudly.
BASELINE_KEY = ("resolution=32;depth_multiplier=1.0;stem.channels=32;stage1.block=ibn;stage1.kernel=3;"
                "stage1.expansion=1;stage1.depth=1;stage1.channels=16;stage2.block=ibn;stage2.kernel=3;"
                "stage2.expansion=6;stage2.depth=2;stage2.channels=24;stage3.block=ibn;stage3.kernel=3;"
                "stage3.expansion=6;stage3.depth=3;stage3.channels=32;stage4.block=ibn;stage4.kernel=3;"
                "stage4.expansion=6;stage4.depth=4;stage4.channels=64;stage5.block=ibn;stage5.kernel=3;"
                "stage5.expansion=6;stage5.depth=3;stage5.channels=96")


def run(who, cmd, log, cwd=None):
    """Runs `cmd` with its output (and the command line) in `log`; exits naming both when it fails."""
    with open(log, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
        f.write(proc.stdout)
    if proc.returncode != 0:
        sys.exit(f"{who}: {' '.join(cmd)} failed (exit {proc.returncode}); see {log}")
    return proc.stdout


def epoch_metrics(train_output):
    """The held-out metric after each epoch, from the "epoch 3/15  loss 0.2817  held-out top1 91.23%" lines of `hwnas train`."""
    return [float(v) for v in re.findall(r"epoch \d+/\d+ .*?held-out \S+ ([0-9.]+)%", train_output)]
