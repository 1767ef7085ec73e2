"""Where one training update of the character language model spends its time, piece by piece.

    python benchmarks/lm_breakdown.py [--updates 30]

The model and update of ``elman bench --lm`` (vocabulary 65, embedding 64, 2 × 512 tanh units, batch 64,
window 100, clipping at 5, Adam), timed with ``perf_counter`` around each call; medians over the updates after
the first five. It also counts the minor page faults per update (``getrusage``): fresh pages taken from the
kernel are time spent outside the arithmetic.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from elman.bench import LM_CONFIG
from elman.models import LanguageModel
from elman.nn.losses import cross_entropy
from elman.optim import Adam, clip_grad_norm_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30)
    args = parser.parse_args()
    V, E, H, L, B, T = LM_CONFIG
    model = LanguageModel(V, E, H, L, rng=np.random.default_rng(0))
    opt = Adam(model.params, lr=2e-3)
    windows = np.random.default_rng(0).integers(0, V, size=(8, T + 1, B))
    times, faults, h = {}, [], None

    def timed(name, fn, *args):
        before = time.perf_counter()
        result = fn(*args)
        times.setdefault(name, []).append((time.perf_counter() - before) * 1e3)
        return result

    for i in range(args.updates):
        w = windows[i % len(windows)]
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        embedded = timed("embedding forward", model.embed, w[:-1])
        output, h = timed("RNN forward", model.rnn, embedded, h)
        logits = timed("head forward", model.head, output)
        _, d_logits = timed("cross-entropy", cross_entropy, logits, w[1:])
        d_output = timed("head backward", model.head.backward, d_logits)
        d_embedded, _ = timed("RNN backward (BPTT)", model.rnn.backward, d_output)
        timed("embedding backward", model.embed.backward, d_embedded)
        timed("clipping", clip_grad_norm_, model.grads, 5.0)
        timed("Adam", opt.step, model.grads)
        timed("zero_grad", model.zero_grad)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
    total = 0.0
    for name, ms in times.items():
        median = float(np.median(ms[5:]))
        total += median
        print(f"{name:22s} {median:8.2f} ms")
    print(f"{'sum of medians':22s} {total:8.2f} ms, {np.median(faults[5:]):.0f} minor page faults per update")


if __name__ == "__main__":
    main()
