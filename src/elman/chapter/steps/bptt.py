"""Step 4, BPTT: the backward pass of a small RNN, step by step, and what truncating it at K steps cuts.

The live backward pass: a seeded RNN with a linear read-out on a batch of a recall task, the latch
(``elman.data.synthetic.latch_task``): the target at the last step is the sign of a ±1 pulse L steps back, with
small noise at every other step. The engine's own BPTT reports ‖∂L/∂h_t‖ for every step
(``elman.analysis.gradient_flow.truncated_bptt``, which runs ``RNN.backward(..., return_dh_norms=True)`` window
by window); full BPTT is the case of one window, truncated BPTT cuts the sequence into windows of K steps (laid
back from the loss, so the loss's window holds exactly K) with the carried state a constant. When L > K no
gradient reaches the pulse and ∂L/∂W_xh loses the part that would teach the network to take it in; when L ≤ K
only noise is cut. ``bptt_influence`` measures the same cut on real text.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from fastapi import Query

from elman.analysis.gradient_flow import spectrum, truncated_bptt
from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.steps import bptt_influence
from elman.chapter.steps.bptt_influence import input_gradient
from elman.chapter.validation import MAX_SEED, MAX_TEXT, number_in
from elman.data.synthetic import latch_task
from elman.embeddings.projection import cosine
from elman.errors import InvalidInput
from elman.nn.init import with_spectral_radius
from elman.nn.layers import Linear
from elman.nn.losses import mse
from elman.nn.rnn import RNN

INPUT, HIDDEN, BATCH = 1, 16, 512
NOISE = 0.1  # the latch's noise between pulses (its default)
MAX_T = 64  # K = 1 runs T windows: this bounds the work of one answer
DEFAULTS = {"T": 30, "K": 10, "L": 15, "rho": 0.9}
PRESETS = {"longer": {"L": 15, "K": 10}, "shorter": {"L": 5, "K": 10}}  # dependency longer / shorter than K

STEP = Step(
    key="bptt",
    icon="history",
    label="BPTT",
    title="Backpropagation through time",
    subtitle="Training a loop by unrolling it",
    heading="The gradient travels backwards, one step at a time",
    explanation="""
To train a recurrent network we unroll it: a sequence of $T$ steps becomes a chain of $T$ copies of the same
cell, a feedforward network $T$ layers deep whose layers all share $W_{hh}$, $W_{xh}$ and $b$. Backpropagation
on that chain is called backpropagation through time (BPTT). The loss may sit at every step (a tagger, a
language model) or only at the last one (a sentence classifier).

Going backwards, the gradient reaching the state $h_t$ has two sources: the loss at step $t$ itself, and the
gradient already gathered at $h_{t+1}$, carried back through the step's Jacobian
$\\partial h_{t+1}/\\partial h_t = \\mathrm{diag}(1 - h_{t+1}^2)\\,W_{hh}$. A loss at step $T$ therefore reaches
$h_1$ only through a product of $T-1$ such matrices, and the shared weights collect one contribution from
every step on the way.

For long sequences the full chain is costly in memory (every state is kept for the backward pass) and the
products can shrink or blow up. Truncated BPTT cuts the sequence into windows of $K$ steps: each window starts
from the state the previous one ended in, treated as a constant, so no gradient crosses a cut. What that
costs shows when the answer depends on something far back. In the live panel the network must give, at the last
step, the sign of an input $L$ steps earlier, a pulse of $\\pm 1$ among small noise. At the start $L = 15$ and
$K = 10$: the pulse lies before the loss's window, nothing flows back to it, and the gradient of $W_{xh}$, the
weights that would learn to take the pulse in, is almost all gone. Put the pulse inside the window and the
truncated gradient matches the full one to within a percent, because only noise is cut.

Lower down, the same cut on real text: for one prediction of a language model, each earlier input is shaded by
how strongly the loss there pulls on it, $\\|\\partial L_t/\\partial x_k\\|$. Full BPTT reaches back many
tokens; truncated at $K$ it stops dead at the window's edge.

At the bottom, train it here: four copies of one small network learn the recall task on this server, on the
same batches, with full or truncated BPTT and with or without clipping, and the page draws each update as it
arrives.""",
    formula=r"""
\htmlData{term=grad_h}{\frac{\partial L}{\partial h_t}} = \htmlData{term=grad_loss}{\frac{\partial L_t}{\partial h_t}}
 + \Big(\frac{\partial h_{t+1}}{\partial h_t}\Big)^{\!\top}
 \htmlData{term=grad_next}{\frac{\partial L}{\partial h_{t+1}}},
 \qquad \frac{\partial h_{t+1}}{\partial h_t} = \mathrm{diag}\big(1 - h_{t+1}^2\big)\, \htmlData{term=W_hh}{W_{hh}}

\htmlData{term=grad_W_hh}{\frac{\partial L}{\partial W_{hh}}} = \sum_{t=1}^{T}
 \Big(\htmlData{term=grad_h}{\frac{\partial L}{\partial h_t}} \odot (1 - h_t^2)\Big)\, h_{t-1}^{\top}

\htmlData{term=grad_x}{\frac{\partial L}{\partial x_t}} = W_{xh}^{\top}
 \Big(\htmlData{term=grad_h}{\frac{\partial L}{\partial h_t}} \odot (1 - h_t^2)\Big)

\htmlData{term=cut}{\text{truncated at } K: \text{ no term from } h_{t+1} \text{ for } t = T-K,\, T-2K, \dots}""",
    torch_code="""
import torch, torch.nn as nn
rnn, head = nn.RNN(2, 16), nn.Linear(16, 1)
x = torch.rand(60, 8, 2)                        # (T, batch, input)
y = torch.rand(8, 1)

# full BPTT: one graph through all 60 steps
out, _ = rnn(x)
nn.functional.mse_loss(head(out[-1]), y).backward()

# truncated BPTT, K = 20: the carried state is detached at every window
h, K = None, 20
for start in range(0, 60, K):
    out, h = rnn(x[start:start + K], h)
    h = h.detach()                              # no gradient flows into earlier windows
    # ... loss on this window's steps, loss.backward(), optimizer.step()""",
    callout=Callout(
        "Rule of thumb",
        "Truncating BPTT at K steps bounds the memory and keeps the gradient "
        "products short, but whatever lies more than K steps before a loss gets no gradient from it: the "
        "model picks such a dependency up only if the forward state happens to carry it. Choose K at "
        "least as long as the dependencies the model has to learn.",
    ),
    functions=(truncated_bptt, RNN.backward, latch_task),
)


def _relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    norm = float(np.linalg.norm(exact))
    return float(np.linalg.norm(approx - exact) / norm) if norm else 0.0


def window_starts(T: int, K: int) -> list[int]:
    """0-based first steps of the windows, laid back from the last step: the loss's window holds exactly K steps
    (the first window takes what is left)."""
    return sorted({max(0, T - j * K) for j in range(1, -(-T // K) + 1)})


def truncated_at_the_loss(rnn, x: np.ndarray, d_output: np.ndarray, K: int) -> tuple[dict, np.ndarray]:
    """The library's truncated BPTT (``truncated_bptt``) with windows laid back from the last step: the first,
    shorter window runs on its own, the rest of the sequence in windows of K from the state it ended in."""
    T = x.shape[0]
    first = T % K if K < T else 0
    if not first:
        return truncated_bptt(rnn, x, d_output, min(K, T))
    head, head_norms = truncated_bptt(rnn, x[:first], d_output[:first], first)
    carried = rnn(x[:first])[1].copy()  # a constant for the windows after it
    rest, rest_norms = truncated_bptt(rnn, x[first:], d_output[first:], K, h0=carried)
    return {name: head[name] + rest[name] for name in head}, np.concatenate([head_norms, rest_norms], axis=2)


def recall_batch(rng: np.random.Generator, T: int, L: int, batch: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
    """The latch (``elman.data.synthetic.latch_task``) with its pulse L steps before the end of T steps: noise
    before it too. x (T, batch, 1) float64, y (batch,) float64 in {-1, +1}."""
    latch, y = latch_task(rng, L, batch, noise_std=NOISE)
    lead = NOISE * rng.standard_normal((T - L, batch, 1))
    return np.concatenate([lead, latch.astype(np.float64)]), y.astype(np.float64)


def _check(T, K, L, rho) -> None:
    if not (isinstance(T, int) and 2 <= T <= MAX_T):
        raise InvalidInput(f"T: expected a whole number from 2 to {MAX_T}, got {T!r}")
    if not (isinstance(K, int) and 1 <= K <= MAX_T):
        raise InvalidInput(f"K: expected a whole number from 1 to {MAX_T}, got {K!r}")
    if not (isinstance(L, int) and 1 <= L <= T):
        raise InvalidInput(f"L: expected a whole number from 1 to T = {T}, got {L!r}")
    if not (isinstance(rho, (int, float)) and 0.1 <= rho <= 2.0):
        raise InvalidInput(f"rho: expected a number from 0.1 to 2, got {rho!r}")


@lru_cache(maxsize=256)
def backward_pass(T: int, K: int, L: int, rho: float, seed: int) -> dict:
    """Full and truncated BPTT on one seeded batch of the recall task: ‖∂L/∂h_t‖ per step, the gradient reaching
    the marked input, and what the cuts change in the weight gradients."""
    _check(T, K, L, rho)
    rng = np.random.default_rng(seed)
    rnn = RNN(INPUT, HIDDEN, dtype="float64", rng=rng)
    head = Linear(HIDDEN, 1, dtype="float64", rng=rng)
    rnn.params["weight_hh_l0"][...] = with_spectral_radius(rnn.params["weight_hh_l0"], rho)
    for bias in (rnn.params["bias_ih_l0"], rnn.params["bias_hh_l0"], head.params["bias"]):
        bias[...] = 0  # a quiet state until the marked input arrives
    x, y = recall_batch(rng, T, L)
    output, _ = rnn(x)  # the forward states are the same under truncation
    pred = head(output)  # (T, B, 1): a read-out at every step, the loss at T
    target = np.broadcast_to(y[None, :, None], pred.shape).copy()
    mask = np.zeros((T, BATCH), dtype=bool)
    mask[-1] = True
    value, d_pred = mse(pred, target, mask=mask)
    d_output = head.backward(d_pred)
    full, full_norms = truncated_bptt(rnn, x, d_output, T)
    cut, cut_norms = (full, full_norms) if K >= T else truncated_at_the_loss(rnn, x, d_output, K)
    marked = T - L  # 0-based step of the marked input
    starts = window_starts(T, K) if K < T else [0]
    bounds = starts + [T]
    i = max(j for j, start in enumerate(starts) if start <= marked)  # the window holding the marked input
    reach_full = input_gradient(rnn, x, d_output)[marked]
    reach_cut = input_gradient(rnn, x[: bounds[i + 1]], d_output[: bounds[i + 1]], bounds[i])[marked]
    gradients = {
        name: {
            "full_norm": float(np.linalg.norm(full[name])),
            "truncated_norm": float(np.linalg.norm(cut[name])),
            "relative_error": _relative_error(cut[name], full[name]),
            "cosine": cosine(cut[name], full[name]),
        }
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_hh_l0")
    }
    return {
        "T": T,
        "K": K,
        "L": L,
        "rho": rho,
        "seed": seed,
        "hidden_size": HIDDEN,
        "batch": BATCH,
        "noise": NOISE,
        "task": "recall the sign of the marked input L steps back (elman.data.synthetic.latch_task)",
        "loss_value": float(value),
        "spectral_radius": spectrum(rnn.params["weight_hh_l0"])["spectral_radius"],
        "steps": list(range(1, T + 1)),
        "marked": marked + 1,
        "full_norms": full_norms[0, 0].tolist(),
        "truncated_norms": cut_norms[0, 0].tolist(),
        "cuts": [s + 1 for s in starts[1:]],  # 1-based steps where a new window starts
        "window": [T - min(K, T) + 1, T],  # the loss's window, 1-based, inclusive
        "windows": len(starts),
        "truncated": K < T,
        "reached": L <= K,
        "marked_gradient": {"full": float(np.linalg.norm(reach_full)), "truncated": float(np.linalg.norm(reach_cut))},
        "gradients": gradients,
    }


# imported here: bptt_live uses this module's recall task and truncation
from elman.chapter.steps import bptt_live  # noqa: E402

STEP.router.include_router(bptt_live.router)  # /live: a small RNN trained here, streamed


@STEP.router.get("/backward")
async def backward_endpoint(
    T: str = Query(str(DEFAULTS["T"])),
    K: str = Query(str(DEFAULTS["K"])),
    L: str = Query(str(DEFAULTS["L"])),
    rho: str = Query(str(DEFAULTS["rho"])),
    seed: str = Query("0"),
) -> dict:
    T_ = number_in("T", T, 2, MAX_T)
    args = (
        T_,
        number_in("K", K, 1, MAX_T),
        number_in("L", L, 1, T_),
        number_in("rho", rho, 0.1, 2.0, float),
        number_in("seed", seed, 0, MAX_SEED),
    )
    return await LANES["compute"].run(backward_pass, *args)


@STEP.router.get("/influence")
async def influence_endpoint(
    text: str = Query(bptt_influence.DEFAULT_TEXT),
    position: str = Query(""),
    K: str = Query(str(bptt_influence.DEFAULT_K)),
) -> dict:
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"text: expected at most {MAX_TEXT} characters, got {len(text)}")
    at = None if position == "" else number_in("position", position, 1, bptt_influence.MAX_TOKENS)
    window = number_in("K", K, 1, bptt_influence.MAX_TOKENS)
    return await LANES[bptt_influence.MODEL].run(bptt_influence.connectivity, text, at, window)
