"""Training throughput of one language-model run continued by elman and by ``elman.torch.train_lm`` on 1 and 2
processes (DistributedDataParallel, gloo on CPU).

    python benchmarks/ddp.py [--hidden 256] [--layers 2] [--batch 32] [--bptt 64] [--steps 40] [--repeats 3]

Builds one run at step 0 (``elman train lm`` on tinyshakespeare, from ELMAN_DATA_DIR or the cache), then, for
each repeat, continues a fresh copy of it to ``--steps`` with every engine in turn (elman, DDP×1, DDP×2: separate
processes, interleaved). A run's summary gives its tokens and its training seconds (the updates only: start-up,
data loading and process launch are not counted); the table shows each engine's median tokens/s and its ratio
to elman's. Every process gets one thread (OMP_NUM_THREADS=1), so DDP×2 uses two cores where elman uses one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ENGINES = {
    "elman": lambda run, steps: [
        sys.executable,
        "-m",
        "elman",
        "train",
        "lm",
        "--out",
        run,
        "--resume",
        "--steps",
        str(steps),
        "--no-progress",
    ],
    "ddp x1": lambda run, steps: [
        sys.executable,
        "-m",
        "elman.torch.train_lm",
        run,
        "--nproc-per-node",
        "1",
        "--steps",
        str(steps),
    ],
    "ddp x2": lambda run, steps: [
        sys.executable,
        "-m",
        "elman.torch.train_lm",
        run,
        "--nproc-per-node",
        "2",
        "--steps",
        str(steps),
    ],
}


def tokens_per_second(command: list[str]) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return summary["tokens"] / summary["elapsed"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--bptt", type=int, default=64)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "elman",
                "train",
                "lm",
                "--out",
                str(base),
                "--hidden",
                str(args.hidden),
                "--layers",
                str(args.layers),
                "--batch",
                str(args.batch),
                "--bptt",
                str(args.bptt),
                "--steps",
                "0",
                "--eval-every",
                str(10 * args.steps),
                "--no-progress",
            ],
            check=True,
            capture_output=True,
        )
        rates = {name: [] for name in ENGINES}
        for repeat in range(args.repeats):
            for name, command in ENGINES.items():
                run = Path(tmp) / f"{name.replace(' ', '')}-{repeat}"
                shutil.copytree(base, run)
                rates[name].append(tokens_per_second(command(str(run), args.steps)))
                shutil.rmtree(run)
    print(
        f"char LM, {args.layers}×{args.hidden} tanh, batch {args.batch}, bptt {args.bptt}, {args.steps} updates, "
        f"median of {args.repeats}, {os.cpu_count()} CPUs"
    )
    reference = statistics.median(rates["elman"])
    print(f"{'engine':8} {'tokens/s':>10} {'vs elman':>9}   runs")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:8} {median:10.0f} {median / reference:8.2f}×   {', '.join(f'{v:.0f}' for v in values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
