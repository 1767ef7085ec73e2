"""``elman bench``: a training step (forward + full BPTT) and inference, elman.RNN against torch.nn.RNN.

Each engine runs in its own worker process (NumPy's and torch's thread pools fight when they share one),
both limited to the same number of threads. The parent asks the workers in turn for a few timed
repetitions at a time, so the two engines alternate and see the same machine noise; every number
reported is a median over warm repetitions. Between turns the parent pauses, so that the threads of
the engine that just ran (OpenBLAS and OpenMP workers spin for a while after each call) are asleep
before the other engine is timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

# (input_size, hidden_size, num_layers, batch, T)
CONFIGS = [(100, 256, 2, 32, 100), (128, 128, 1, 64, 50), (256, 512, 1, 32, 200), (64, 1024, 1, 16, 100),
           (100, 256, 1, 1, 100)]
MODES = ("train", "infer")
PAUSE_S = 0.2  # longer than OpenBLAS's and libgomp's spin-wait before their threads sleep


# The character language model of `elman train lm`: (vocab, embed, hidden, layers, batch, bptt)
LM_CONFIG = (65, 64, 512, 2, 64, 100)
LM_TARGET = 1.3  # the goal for elman's training tokens per second over torch's


def _build_lm(engine: str, config):
    """One training update of the language model: embedding, RNN, linear head, cross-entropy, BPTT over
    the window, clipping at 5, Adam; the hidden state carried from window to window without gradient."""
    import numpy as np

    V, E, H, L, B, T = config
    windows = np.random.default_rng(0).integers(0, V, size=(8, T + 1, B))
    step = {"i": 0, "h": None}
    if engine == "elman":
        from elman.models import LanguageModel
        from elman.nn.losses import cross_entropy
        from elman.optim import Adam, clip_grad_norm_

        model = LanguageModel(V, E, H, L, rng=np.random.default_rng(0))
        opt = Adam(model.params, lr=2e-3)

        def train():
            w = windows[step["i"] % len(windows)]
            logits, step["h"] = model(w[:-1], step["h"])
            _, d_logits = cross_entropy(logits, w[1:])
            model.backward(d_logits)
            clip_grad_norm_(model.grads, 5.0)
            opt.step(model.grads)
            model.zero_grad()
            step["i"] += 1

        return {"train": train}
    import torch

    embed, rnn, head = torch.nn.Embedding(V, E), torch.nn.RNN(E, H, L), torch.nn.Linear(H, V)
    params = [*embed.parameters(), *rnn.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=2e-3)
    data = torch.from_numpy(windows)

    def train():
        w = data[step["i"] % len(windows)]
        out, h = rnn(embed(w[:-1]), step["h"])
        loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), w[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        step["h"] = h.detach()
        step["i"] += 1

    return {"train": train}


def _build(engine: str, config):
    """Return {mode: zero-argument callable} for one engine and configuration (float32, random data)."""
    import numpy as np

    if config[0] == "lm":
        return _build_lm(engine, config[1:])
    I, H, L, B, T = config
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    dy = rng.standard_normal((T, B, H)).astype(np.float32)
    if engine == "elman":
        from elman import RNN

        rnn = RNN(I, H, L, rng=rng)

        def train():
            rnn(x)
            rnn.backward(dy)

        def infer():
            rnn(x)

        return {"train": train, "infer": infer}
    import torch

    rnn = torch.nn.RNN(I, H, L)
    xt, dyt = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(dy)

    def train():
        out, _ = rnn(xt)
        out.backward(dyt)

    def infer():
        with torch.inference_mode():
            rnn(xt)

    return {"train": train, "infer": infer}


def worker(engine: str) -> None:
    """Serve timing requests: one JSON line in ({"config", "mode", "reps"}), one JSON line out."""
    if engine == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("ELMAN_BENCH_THREADS", "2")))
    built = {}
    for line in sys.stdin:
        request = json.loads(line)
        key = tuple(request["config"])
        if key not in built:
            built[key] = _build(engine, key)
            for fn in built[key].values():  # warm: allocator, BLAS buffers, torch's dispatch caches
                fn()
                fn()
        fn = built[key][request["mode"]]
        times = []
        for _ in range(request["reps"]):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
        print(json.dumps(times), flush=True)


def _spawn(engine: str, threads: int) -> subprocess.Popen:
    env = dict(os.environ, ELMAN_BENCH_THREADS=str(threads))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return subprocess.Popen([sys.executable, "-m", "elman.bench", "--worker", engine], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)


def _ask(proc: subprocess.Popen, config, mode: str, reps: int) -> list[float]:
    try:
        proc.stdin.write(json.dumps({"config": list(config), "mode": mode, "reps": reps}) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
    except BrokenPipeError:
        line = ""
    if not line:
        raise RuntimeError(f"benchmark worker {proc.args[-1]} exited with code {proc.wait()}")
    return json.loads(line)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run(quick: bool = False, threads: int = 2, configs=CONFIGS, with_torch: bool | None = None, pause=PAUSE_S):
    """Time every configuration; returns a list of rows {config, mode, elman_ms, torch_ms, ratio}."""
    import numpy as np

    with_torch = torch_available() if with_torch is None else with_torch
    rounds, per_round = (4, 5) if quick else (10, 5)
    engines = ["elman", "torch"] if with_torch else ["elman"]
    procs = {engine: _spawn(engine, threads) for engine in engines}
    rows = []
    try:
        for config in configs:
            for mode in MODES:
                samples = {engine: [] for engine in engines}
                for _ in range(rounds):
                    for engine in engines:
                        time.sleep(pause)
                        samples[engine] += _ask(procs[engine], config, mode, per_round)
                row = {"config": list(config), "mode": mode, "reps": rounds * per_round,
                       "elman_ms": float(np.median(samples["elman"]))}
                if with_torch:
                    row["torch_ms"] = float(np.median(samples["torch"]))
                    row["ratio"] = row["elman_ms"] / row["torch_ms"]
                rows.append(row)
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    return rows


def run_lm(quick: bool = False, threads: int = 2, pause=PAUSE_S, config=LM_CONFIG) -> dict:
    """Training tokens per second of the language model ``config`` (vocab, embed, hidden, layers, batch, bptt) in
    both engines (torch required)."""
    import numpy as np

    rounds, per_round = (4, 3) if quick else (8, 5)
    procs = {engine: _spawn(engine, threads) for engine in ("elman", "torch")}
    samples = {engine: [] for engine in procs}
    try:
        for _ in range(rounds):
            for engine, proc in procs.items():
                time.sleep(pause)
                samples[engine] += _ask(proc, ("lm", *config), "train", per_round)
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    V, E, H, L, B, T = config
    row = {"config": dict(vocab=V, embed=E, hidden=H, layers=L, batch=B, bptt=T), "reps": rounds * per_round}
    for engine, times in samples.items():
        row[f"{engine}_ms"] = float(np.median(times))
        row[f"{engine}_tokens_per_s"] = B * T / (row[f"{engine}_ms"] / 1e3)
    row["speedup"] = row["elman_tokens_per_s"] / row["torch_tokens_per_s"]
    return row


def target(row) -> float:
    """The engine's goal for a row, as a ratio of torch's time: a training step at most 0.8 (0.3 with a single
    sequence, where per-step overheads dominate and elman's are smaller), inference at most 1.0."""
    if row["mode"] == "infer":
        return 1.0
    return 0.3 if row["config"][3] == 1 else 0.8


def format_table(rows) -> str:
    with_torch = "torch_ms" in rows[0]
    head = "input hidden layers batch   T  mode    elman ms"
    head += "    torch ms  elman/torch  target" if with_torch else ""
    lines = [head, "-" * len(head)]
    for row in rows:
        I, H, L, B, T = row["config"]
        line = f"{I:5d} {H:6d} {L:6d} {B:5d} {T:3d}  {row['mode']:<6} {row['elman_ms']:10.2f}"
        if with_torch:
            goal = target(row)
            verdict = "met" if row["ratio"] <= goal else "missed"
            line += f"  {row['torch_ms']:10.2f}  {row['ratio']:10.2f}x  ≤ {goal:.1f} {verdict}"
        lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    worker(sys.argv[2])
