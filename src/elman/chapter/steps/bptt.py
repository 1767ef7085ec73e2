"""Step 4, BPTT: the backward pass of a small RNN, step by step, and what truncating it at K steps gives up.

The live backward pass: a seeded RNN with a linear read-out on a batch of the adding problem
(``elman.data.synthetic.adding_problem``), the loss at the last step or at every step. The engine's own BPTT
reports ‖∂L/∂h_t‖ for every step (``elman.analysis.gradient_flow.truncated_bptt``, which runs
``RNN.backward(..., return_dh_norms=True)`` window by window); full BPTT is the case of one window, truncated
BPTT cuts the sequence into windows of K steps with the carried state a constant, as the language-model
trainer does. The widget compares the two on the same batch: per-step norms and the weight gradients.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from fastapi import Query

from elman.analysis.gradient_flow import spectrum, truncated_bptt
from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_SEED
from elman.data.synthetic import adding_problem
from elman.embeddings.projection import cosine
from elman.nn.init import with_spectral_radius
from elman.nn.layers import Linear
from elman.nn.losses import mse
from elman.nn.rnn import RNN

INPUT, HIDDEN, BATCH = 2, 16, 8
MAX_T = 64                           # K = 1 runs T windows: this bounds the work of one answer
LOSSES = ("last", "all")

STEP = Step(
    key="bptt", icon="history", label="BPTT",
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
from the state the previous one ended in, treated as a constant, so no gradient crosses a cut. In the
live panel, press play to walk the gradient from $t = T$ back to $t = 1$, move $K$, and see what the cuts remove from
$\\partial L/\\partial W_{hh}$ on the same batch.""",
    formula=r"""
\htmlData{term=grad_h}{\frac{\partial L}{\partial h_t}} = \htmlData{term=grad_loss}{\frac{\partial L_t}{\partial h_t}}
 + \Big(\frac{\partial h_{t+1}}{\partial h_t}\Big)^{\!\top} \htmlData{term=grad_next}{\frac{\partial L}{\partial h_{t+1}}},
 \qquad \frac{\partial h_{t+1}}{\partial h_t} = \mathrm{diag}\big(1 - h_{t+1}^2\big)\, \htmlData{term=W_hh}{W_{hh}}

\htmlData{term=grad_W_hh}{\frac{\partial L}{\partial W_{hh}}} = \sum_{t=1}^{T}
 \Big(\htmlData{term=grad_h}{\frac{\partial L}{\partial h_t}} \odot (1 - h_t^2)\Big)\, h_{t-1}^{\top}

\htmlData{term=cut}{\text{truncated at } K: \text{ no term from } h_{t+1} \text{ for } t = K, 2K, 3K, \dots}""",
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
    callout=Callout("Rule of thumb", "Truncating BPTT at K steps bounds the memory and keeps the gradient "
                    "products short, but a dependency longer than K steps leaves no trace in the gradient: the "
                    "model can only learn it by accident. Choose K at least as long as the dependencies that "
                    "matter."),
    functions=(truncated_bptt, RNN.backward),
)


def _relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    norm = float(np.linalg.norm(exact))
    return float(np.linalg.norm(approx - exact) / norm) if norm else 0.0


@lru_cache(maxsize=256)
def backward_pass(T: int, K: int, loss: str, rho: float, seed: int) -> dict:
    """Full and truncated BPTT on one seeded batch: ‖∂L/∂h_t‖ per step and the weight-gradient differences."""
    if not (isinstance(T, int) and 2 <= T <= MAX_T):
        raise ValueError(f"T: expected an integer in [2, {MAX_T}], got {T!r}")
    if not (isinstance(K, int) and K >= 1):
        raise ValueError(f"K: expected an integer >= 1, got {K!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {LOSSES}, got {loss!r}")
    rng = np.random.default_rng(seed)
    rnn = RNN(INPUT, HIDDEN, dtype="float64", rng=rng)
    head = Linear(HIDDEN, 1, dtype="float64", rng=rng)
    rnn.params["weight_hh_l0"][...] = with_spectral_radius(rnn.params["weight_hh_l0"], rho)
    x, y = adding_problem(rng, T, BATCH)
    x = x.astype(np.float64)
    output, _ = rnn(x)                                       # the forward states are the same under truncation
    pred = head(output)                                      # (T, B, 1): a read-out at every step
    target = np.broadcast_to(y.astype(np.float64)[None, :, None], pred.shape).copy()
    mask = np.zeros((T, BATCH), dtype=bool)
    mask[-1 if loss == "last" else slice(None)] = True
    value, d_pred = mse(pred, target, mask=mask)
    d_output = head.backward(d_pred)
    full, full_norms = truncated_bptt(rnn, x, d_output, T)
    cut, cut_norms = (full, full_norms) if K >= T else truncated_bptt(rnn, x, d_output, K)
    gradients = {name: {"full_norm": float(np.linalg.norm(full[name])),
                        "truncated_norm": float(np.linalg.norm(cut[name])),
                        "relative_error": _relative_error(cut[name], full[name]),
                        "cosine": cosine(cut[name], full[name])}
                 for name in ("weight_hh_l0", "weight_ih_l0", "bias_hh_l0")}
    return {
        "T": T, "K": K, "loss": loss, "rho": rho, "seed": seed, "hidden_size": HIDDEN, "batch": BATCH,
        "task": "adding problem: sum the two marked values (elman.data.synthetic.adding_problem)",
        "loss_value": float(value), "spectral_radius": spectrum(rnn.params["weight_hh_l0"])["spectral_radius"],
        "steps": list(range(1, T + 1)),
        "full_norms": full_norms[0, 0].tolist(), "truncated_norms": cut_norms[0, 0].tolist(),
        "cuts": list(range(K + 1, T + 1, K)),               # 1-based steps where a new window starts
        "windows": -(-T // K), "truncated": K < T,
        "gradients": gradients,
    }


@STEP.router.get("/backward")
async def backward_endpoint(T: int = Query(30, ge=2, le=MAX_T), K: int = Query(10, ge=1, le=MAX_T),
                            loss: str = Query("last", pattern="^(last|all)$"),
                            rho: float = Query(1.0, ge=0.1, le=2.0), seed: int = Query(0, ge=0, le=MAX_SEED)) -> dict:
    return await LANES["compute"].run(backward_pass, T, K, loss, rho, seed)
