"""Step 5, vanishing: how fast ‖∂h_T/∂h_k‖ shrinks (or grows) with the distance T − k, and what clipping does.

Two live answers, both on a seeded RNN whose W_hh has the chosen spectral radius ρ (an orthogonal matrix scaled
by ρ, so that in the linear regime ‖W_hhⁿ‖₂ = ρⁿ exactly):

- ``/decay``: the exact Jacobian-product norms ‖∂h_T/∂h_k‖₂ (``suffix_product_norms`` of ``state_jacobians``: the
  numbers of ``jacobian_norms``, faster) beside ρ^(T−k) (``rho_bound``), and the constant 0.9¹⁰⁰;
- ``/clipping``: a short run of SGD steps on a "remember the first input" task, with the global gradient norm
  before and after ``elman.optim.clip_grad_norm_`` at every step and the number of steps it clipped;
- ``/bounds``: the settings both accept, from which the page sets its sliders' ends.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from fastapi import Query

from elman.analysis.gradient_flow import rho_bound, state_jacobians, suffix_product_norms
from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_SEED
from elman.nn import init
from elman.nn.layers import Linear
from elman.nn.losses import mse
from elman.nn.rnn import RNN
from elman.nn.rnn_step import NONLINEARITIES
from elman.optim import SGD, clip_grad_norm_

HIDDEN = 8
RHO_MIN, RHO_MAX = 0.5, 1.5
T_MIN, T_MAX = 2, 200
INPUT_SCALE = 0.5               # standard deviation of the seeded inputs
CLIP_T_MAX = 30                 # the training run reads at most this many steps (it must answer in milliseconds)
CLIP_STEPS, CLIP_BATCH, CLIP_LR = 12, 8, 0.05
MAX_NORM_MIN, MAX_NORM_MAX = 0.01, 100.0

STEP = Step(
    key="vanishing", icon="warning", label="Vanishing",
    title="The vanishing gradient problem",
    subtitle="Why a plain RNN forgets what it read long ago",
    heading="Hochreiter's analysis (1991)",
    explanation="""
In his 1991 diploma thesis Sepp Hochreiter worked out why plain recurrent networks fail to learn long-range
dependencies. A loss at step $T$ reaches an earlier state $h_k$ only through the chain of step Jacobians
$\\partial h_{t}/\\partial h_{t-1} = \\mathrm{diag}(\\tanh'(z_t))\\,W_{hh}$: one factor per step in between,
and every factor contains the same matrix $W_{hh}$.

Because $|\\tanh'| \\le 1$, the size of that product is governed by powers of $W_{hh}$. If its largest
eigenvalue (in absolute value, the spectral radius $\\rho$) is below 1, the signal shrinks roughly like
$\\rho^{T-k}$: geometrically. Above 1 it can grow instead and explode, at least while the units stay out of
saturation (a saturated $\\tanh$ has a tiny derivative, which pulls the product back down). Even a harmless-looking
$\\rho = 0.9$ leaves a hundred-step dependency with a factor $0.9^{100} \\approx 2.7 \\times 10^{-5}$: the
early input barely moves the weights, so the network effectively forgets it.

Exploding gradients have a blunt but effective fix: clipping. When the gradient's global norm exceeds a
threshold, rescale it to that threshold, keeping its direction. Nothing comparable rescues a vanishing
gradient in a plain RNN; that took new architectures. In the live panel, move $\\rho$ and $T$ and compare the
measured norms with $\\rho^{T-k}$ (with $\\rho > 1$, switch to ReLU, which does not saturate, to see the
product explode), then switch clipping on and watch it cap a short training run.""",
    formula=r"""
\htmlData{term=grad}{\frac{\partial h_T}{\partial h_k}} = \prod_{t=k+1}^{T} \frac{\partial h_t}{\partial h_{t-1}}
= \prod_{t=k+1}^{T} \mathrm{diag}\big(\tanh'(z_t)\big)\, W_{hh}

\Big\lVert \htmlData{term=grad}{\frac{\partial h_T}{\partial h_k}} \Big\rVert
\lesssim \htmlData{term=rho}{\rho(W_{hh})^{\,T-k}},
\qquad \htmlData{term=rho_ref}{0.9^{100} \approx 2.66 \times 10^{-5}}

\text{clipping: } \htmlData{term=grad_norm}{\lVert g \rVert} > \htmlData{term=tau}{\tau} \;\Rightarrow\;
g \leftarrow \htmlData{term=tau}{\tau}\, \frac{g}{\lVert g \rVert}""",
    torch_code="""
import torch, torch.nn as nn
rnn = nn.RNN(1, 16)
with torch.no_grad():                           # give W_hh spectral radius 0.9
    W = rnn.weight_hh_l0
    W *= 0.9 / torch.linalg.eigvals(W).abs().max()
x = torch.randn(100, 1, 1)
h0 = torch.zeros(1, 1, 16, requires_grad=True)
out, _ = rnn(x, h0)
out[-1].sum().backward()
print(h0.grad.norm())                           # tiny: the signal from step 1 has faded
# the cure for the exploding side:
torch.nn.utils.clip_grad_norm_(rnn.parameters(), max_norm=1.0)
# if ||g|| > max_norm: g = max_norm * g / ||g||""",
    callout=Callout("Critical in AI", "Take \"The cat, which sat on the mat near the window overlooking the "
                    "garden, was sleeping\". Choosing \"was\" rather than \"were\" depends on \"cat\", about "
                    "fifteen words back. For a plain RNN that link passes through fifteen Jacobian factors, so "
                    "its training signal arrives scaled by something like ρ¹⁵, and the agreement is hard to "
                    "learn. Gated cells (LSTM, GRU) were designed to keep such paths open."),
    functions=(state_jacobians, suffix_product_norms, rho_bound, clip_grad_norm_),
)


def _check(rho: float, T: int, nonlinearity: str) -> None:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, got {nonlinearity!r}")
    if not RHO_MIN <= rho <= RHO_MAX:
        raise ValueError(f"rho: expected a number between {RHO_MIN} and {RHO_MAX}, got {rho!r}")
    if not T_MIN <= T <= T_MAX:
        raise ValueError(f"T: expected an integer between {T_MIN} and {T_MAX}, got {T!r}")


def network(rho: float, nonlinearity: str, seed: int) -> RNN:
    """A seeded one-input RNN (float64) whose W_hh is an orthogonal matrix scaled to spectral radius ρ."""
    rng = np.random.default_rng(seed)
    rnn = RNN(1, HIDDEN, nonlinearity=nonlinearity, dtype="float64", rng=rng)
    W = init.with_spectral_radius(init.orthogonal((HIDDEN, HIDDEN), rng, dtype="float64"), rho)
    np.copyto(rnn.params["weight_hh_l0"], W)
    return rnn


def _finite(values) -> list:
    """JSON has no inf or nan: those become None (the chart leaves them out)."""
    return [float(v) if np.isfinite(v) else None for v in np.ravel(values)]


@lru_cache(maxsize=256)
def decay(rho: float, T: int, nonlinearity: str, seed: int) -> dict:
    """Measured ‖∂h_T/∂h_k‖₂ and ρ^(T−k) against the distance n = T − k = 0..T−1, for one seeded sequence."""
    _check(rho, T, nonlinearity)
    rnn = network(rho, nonlinearity, seed)
    x = INPUT_SCALE * np.random.default_rng([seed, 1]).standard_normal((T, 1, 1))
    measured = suffix_product_norms(state_jacobians(rnn, x))[::-1]   # = jacobian_norms; index n = T − k
    geometric = rho_bound(rho, T)
    reference = float(rho_bound(0.9, 101)[100])
    return {
        "seed": seed, "rho": rho, "T": T, "nonlinearity": nonlinearity, "hidden_size": HIDDEN,
        "distance": list(range(T)), "measured": _finite(measured), "rho_power": _finite(geometric),
        "first": {"measured": _finite(measured[-1:])[0], "rho_power": _finite(geometric[-1:])[0],
                  "distance": T - 1},
        "reference": {"rho": 0.9, "n": 100, "value": reference},
    }


@lru_cache(maxsize=256)
def clipping(rho: float, T: int, nonlinearity: str, clip: bool, max_norm: float, seed: int) -> dict:
    """A short SGD run on "output the first input at the last step": per step, the global gradient norm
    before and after ``clip_grad_norm_`` (with clipping off, after = before) and whether it clipped."""
    _check(rho, T, nonlinearity)
    if not MAX_NORM_MIN <= max_norm <= MAX_NORM_MAX:
        raise ValueError(f"max_norm: expected a number between {MAX_NORM_MIN} and {MAX_NORM_MAX}, got {max_norm!r}")
    length = min(T, CLIP_T_MAX)
    rnn = network(rho, nonlinearity, seed)
    head = Linear(HIDDEN, 1, dtype="float64", rng=np.random.default_rng([seed, 2]))
    params = {**{f"rnn.{k}": v for k, v in rnn.params.items()}, **{f"head.{k}": v for k, v in head.params.items()}}
    grads = {**{f"rnn.{k}": v for k, v in rnn.grads.items()}, **{f"head.{k}": v for k, v in head.grads.items()}}
    optimizer = SGD(params, lr=CLIP_LR)
    data = np.random.default_rng([seed, 3])
    before, after, clipped, losses = [], [], [], []
    with np.errstate(all="ignore"):                 # an exploding run may overflow: it shows as a gap
        for _ in range(CLIP_STEPS):
            x = data.standard_normal((length, CLIP_BATCH, 1))
            _, h_n = rnn(x)
            loss, d_pred = mse(head(h_n[0]), x[0])
            rnn.zero_grad()
            head.zero_grad()
            d_h = head.backward(d_pred)
            rnn.backward(None, d_h[None])
            norm = clip_grad_norm_(grads, max_norm if clip else float("inf"))
            before.append(norm)
            after.append(clip_grad_norm_(grads, float("inf")))   # measures only: nothing is above ∞
            clipped.append(bool(clip and norm > max_norm))
            losses.append(float(loss))
            optimizer.step(grads)
    return {
        "seed": seed, "rho": rho, "T": T, "length": length, "nonlinearity": nonlinearity, "clip": clip,
        "max_norm": max_norm, "steps": list(range(1, CLIP_STEPS + 1)), "batch": CLIP_BATCH, "lr": CLIP_LR,
        "before": _finite(before), "after": _finite(after), "clipped": clipped, "loss": _finite(losses),
        "clip_events": int(sum(clipped)),
    }


@STEP.router.get("/decay")
async def decay_endpoint(rho: float = Query(0.9, ge=RHO_MIN, le=RHO_MAX), T: int = Query(100, ge=T_MIN, le=T_MAX),
                         nonlinearity: str = Query("tanh", pattern="^(tanh|relu)$"),
                         seed: int = Query(0, ge=0, le=MAX_SEED)) -> dict:
    return await LANES["compute"].run(decay, rho, T, nonlinearity, seed)


@STEP.router.get("/clipping")
async def clipping_endpoint(rho: float = Query(0.9, ge=RHO_MIN, le=RHO_MAX), T: int = Query(100, ge=T_MIN, le=T_MAX),
                            nonlinearity: str = Query("tanh", pattern="^(tanh|relu)$"), clip: bool = Query(False),
                            max_norm: float = Query(1.0, ge=MAX_NORM_MIN, le=MAX_NORM_MAX),
                            seed: int = Query(0, ge=0, le=MAX_SEED)) -> dict:
    return await LANES["compute"].run(clipping, rho, T, nonlinearity, clip, max_norm, seed)


def bounds() -> dict:
    """The settings the endpoints accept, [low, high] each: the page's sliders take their ends from here, so
    the page offers exactly what the server answers (the Query bounds above use the same constants)."""
    return {"rho": [RHO_MIN, RHO_MAX], "T": [T_MIN, T_MAX], "max_norm": [MAX_NORM_MIN, MAX_NORM_MAX],
            "nonlinearity": list(NONLINEARITIES), "clip_steps": CLIP_STEPS}


@STEP.router.get("/bounds")
def bounds_endpoint() -> dict:
    return bounds()
