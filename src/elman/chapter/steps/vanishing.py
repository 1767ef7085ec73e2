"""Step 5, vanishing: how fast ‖∂h_T/∂h_k‖ shrinks (or grows) with the distance T − k, and what clipping does.

Two live answers, for a chosen spectral radius ρ of W_hh:

- ``/decay``: the exact Jacobian-product norms ‖∂h_T/∂h_k‖₂ (``suffix_product_norms`` of ``state_jacobians``) of
  two seeded RNNs beside ρ^(T−k) (``rho_bound``). A ReLU network with W_hh = ρI and a positive input bias keeps
  every unit active (relu' = 1), so its product is W_hh^(T−k) and its norm is ρ^(T−k) exactly, for every seed:
  the spectral story where it holds. A tanh network with W_hh = ρ × an orthogonal matrix has the same
  ‖W_hhⁿ‖ = ρⁿ, and falls below it by the product of its tanh' = 1 − h² factors: measured, with the mean tanh'.
- ``/clipping``: the same network trained twice on "output the first input at the last step", on the same
  batches from the same start, with the library's ``train_step``, without and with clipping
  (``elman.optim.clip_grad_norm_``): the loss of both runs, the
  global gradient norm before and after clipping, the clip events, and ‖∂L/∂h₁‖ (the gradient reaching the first
  step) scaled as clipping scales every gradient.
- ``/bounds``: the settings both accept and the four presets, from which the page builds its controls.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from fastapi import Query

from elman.analysis.gradient_flow import rho_bound, state_jacobians, suffix_product_norms
from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_SEED
from elman.errors import InvalidInput
from elman.nn import init
from elman.nn.layers import Linear
from elman.nn.losses import mse
from elman.nn.module import Module
from elman.nn.rnn import RNN
from elman.nn.rnn_step import NONLINEARITIES, activation_grad
from elman.optim import SGD, clip_grad_norm_
from elman.train.step import train_step

HIDDEN = 8
RHO_MIN, RHO_MAX = 0.5, 1.5
T_MIN, T_MAX = 2, 200
INPUT_SCALE = 0.5  # standard deviation of the seeded inputs of /decay
RELU_BIAS = 1.0  # the ReLU network's input bias: with W_hh = ρI ≥ 0 it keeps every unit active
CLIP_T_MAX = 60  # the training runs read at most this many steps (they must answer in milliseconds)
CLIP_STEPS, CLIP_BATCH, CLIP_LR = 30, 32, 0.1
TAIL = 10  # a run "ends" at the geometric mean of its last TAIL losses (one batch is noisy)
MAX_NORM_MIN, MAX_NORM_MAX = 0.01, 100.0

# The four regimes the page offers as buttons; the first is the page's default. Each must show its point on every
# seed (tests/test_chapter_vanishing_seeds.py runs seeds 0–9 on each).
PRESETS = {
    "vanishes": {"label": "vanishes", "rho": 0.9, "T": 100, "nonlinearity": "tanh", "max_norm": 0.5},
    "explodes": {"label": "explodes", "rho": 1.5, "T": 100, "nonlinearity": "relu", "max_norm": 5.0},
    "rescue": {"label": "clipping rescues an explosion", "rho": 1.5, "T": 30, "nonlinearity": "relu", "max_norm": 10.0},
    "no_rescue": {
        "label": "clipping cannot rescue vanishing",
        "rho": 0.7,
        "T": 60,
        "nonlinearity": "tanh",
        "max_norm": 0.2,
    },
}
DEFAULT = PRESETS["vanishes"]

STEP = Step(
    key="vanishing",
    icon="warning",
    label="Vanishing",
    title="The vanishing gradient problem",
    subtitle="Why a plain RNN forgets what it read long ago",
    heading="Hochreiter's analysis (1991)",
    explanation="""
Sepp Hochreiter's 1991 diploma thesis worked out why plain recurrent networks fail to learn long-range
dependencies. A loss at step $T$ reaches an earlier state $h_k$ only through the chain of step Jacobians
$\\partial h_{t}/\\partial h_{t-1} = \\mathrm{diag}(f'(z_t))\\,W_{hh}$: one factor for every step in between, and
every factor holds the same matrix $W_{hh}$.

Where nothing squashes the signal the story is exact. A ReLU unit that stays active has $f' = 1$, so a ReLU
network whose units all stay on multiplies by $W_{hh}$ alone, $T-k$ times. If $W_{hh}$ is $\\rho$ times an
orthogonal matrix (the live panel uses $\\rho I$), the product has size exactly $\\rho^{T-k}$, where $\\rho$ is the
spectral radius, the largest eigenvalue in absolute value. Below 1 that is geometric decay: even $\\rho = 0.9$
leaves a hundred-step dependency with $0.9^{100} \\approx 2.7 \\times 10^{-5}$ of its signal, so the first
input barely moves the weights and the network in effect forgets it. Above 1 the same product grows just as
fast: the gradient explodes.

With $\\tanh$ every factor also carries $\\mathrm{diag}(\\tanh'(z_t))$, and $\\tanh' = 1 - h_t^2$ is below 1
whenever a unit is away from zero. A unit sitting at $|h| = 0.4$ contributes $0.84$ per step, and a hundred such
steps are another factor of about $10^{-8}$; a saturated unit ($|h|$ near 1) contributes almost 0. The panel
measures how far the $\\tanh$ curve falls below $\\rho^{T-k}$ and the mean $\\tanh'$ that explains it. This is why
a $\\tanh$ network need not explode even with $\\rho > 1$: saturation holds the product down.

Exploding gradients have a blunt fix: clipping. When the global norm of the gradient exceeds a threshold
$\\tau$, rescale the gradient to norm $\\tau$, keeping its direction. The panel trains the same network twice
on the same batches, without and with clipping. In "clipping rescues an explosion" the unclipped run
overflows within a few steps while the clipped one comes back down to the scale of its target. Clipping can
only shrink a gradient, though: in "clipping cannot rescue vanishing" it fires on nearly every step, and the
gradient that reaches the first step stays vanishingly small, so the first input is never learned. Rescuing
that took new architectures.""",
    formula=r"""
\htmlData{term=grad}{\frac{\partial h_T}{\partial h_k}} = \prod_{t=k+1}^{T} \frac{\partial h_t}{\partial h_{t-1}}
= \prod_{t=k+1}^{T} \htmlData{term=fprime}{\mathrm{diag}\big(f'(z_t)\big)}\, W_{hh}

f' = 1 \text{ (every unit active)},\quad W_{hh} = \rho\, Q,\ Q^\top Q = I:\qquad
\Big\lVert \htmlData{term=grad}{\frac{\partial h_T}{\partial h_k}} \Big\rVert
= \htmlData{term=rho}{\rho^{\,T-k}}

\htmlData{term=rho_ref}{0.9^{100} \approx 2.66 \times 10^{-5}}

\tanh:\ \Big\lVert \htmlData{term=grad}{\frac{\partial h_T}{\partial h_k}} \Big\rVert
\le \htmlData{term=rho}{\rho^{\,T-k}} \prod_{t=k+1}^{T} \max_i\, \htmlData{term=fprime}{\tanh'(z_{t,i})},
\qquad \tanh' = 1 - h^2

\text{clipping: } \htmlData{term=grad_norm}{\lVert g \rVert} > \htmlData{term=tau}{\tau} \;\Rightarrow\;
g \leftarrow \htmlData{term=tau}{\tau}\, \frac{g}{\lVert g \rVert}""",
    torch_code="""
import torch, torch.nn as nn
T, rho = 100, 0.9
relu = nn.RNN(1, 8, nonlinearity="relu")        # W_hh = rho*I and a positive bias: every unit stays active
tanh = nn.RNN(1, 8)                               # W_hh = rho * an orthogonal matrix
with torch.no_grad():
    relu.weight_hh_l0.copy_(rho * torch.eye(8)); relu.bias_ih_l0.fill_(1.0); relu.bias_hh_l0.zero_()
    nn.init.orthogonal_(tanh.weight_hh_l0); tanh.weight_hh_l0 *= rho
x = 0.5 * torch.randn(T, 1, 1)

def first_step_factor(rnn):                       # ||dh_T/dh_1||, the exact Jacobian product
    h1 = rnn(x[:1])[0][-1, 0].detach()
    last = lambda h: rnn(x[1:], h.view(1, 1, 8))[0][-1, 0]
    return torch.linalg.matrix_norm(torch.autograd.functional.jacobian(last, h1), 2)

print(first_step_factor(relu), rho ** (T - 1))   # equal: the spectral story holds exactly
print(first_step_factor(tanh))                   # far smaller: every step also multiplies by tanh' < 1
# the cure for the exploding side (it can only shrink a gradient):
torch.nn.utils.clip_grad_norm_(tanh.parameters(), max_norm=0.5)
# if ||g|| > max_norm: g = max_norm * g / ||g||""",
    callout=Callout(
        "Critical in AI",
        'Take "The cat, which sat on the mat near the window overlooking the '
        'garden, was sleeping". Choosing "was" rather than "were" depends on "cat", about '
        "fifteen words back. For a plain RNN that link passes through fifteen Jacobian factors, so "
        "its training signal arrives scaled by something like ρ¹⁵, and the agreement is hard to "
        "learn. Gated cells (LSTM, GRU) were designed to keep such paths open.",
    ),
    functions=(state_jacobians, suffix_product_norms, rho_bound, clip_grad_norm_),
)


def _check(rho: float, T: int, nonlinearity: str = "tanh") -> None:
    if nonlinearity not in NONLINEARITIES:
        raise InvalidInput(f"nonlinearity: expected one of {NONLINEARITIES}, got {nonlinearity!r}")
    if not RHO_MIN <= rho <= RHO_MAX:
        raise InvalidInput(f"rho: expected a number between {RHO_MIN} and {RHO_MAX}, got {rho!r}")
    if not T_MIN <= T <= T_MAX:
        raise InvalidInput(f"T: expected an integer between {T_MIN} and {T_MAX}, got {T!r}")


def network(rho: float, nonlinearity: str, seed: int) -> RNN:
    """A seeded one-input RNN (float64) whose W_hh has spectral radius ρ and ‖W_hhⁿ‖₂ = ρⁿ:

    - ReLU: W_hh = ρI (the identity initialisation), input bias 1 and hidden bias 0, so that with W_hh ≥ 0 every
      unit stays active on the page's inputs (relu' = 1) and ∂h_T/∂h_k = W_hh^(T−k) exactly;
    - tanh: W_hh = ρ × a seeded orthogonal matrix.
    """
    rng = np.random.default_rng(seed)
    rnn = RNN(1, HIDDEN, nonlinearity=nonlinearity, dtype="float64", rng=rng)
    if nonlinearity == "relu":
        W = init.identity((HIDDEN, HIDDEN), gain=rho, dtype="float64")
        rnn.params["bias_ih_l0"].fill(RELU_BIAS)
        rnn.params["bias_hh_l0"].fill(0.0)
    else:
        W = init.with_spectral_radius(init.orthogonal((HIDDEN, HIDDEN), rng, dtype="float64"), rho)
    np.copyto(rnn.params["weight_hh_l0"], W)
    return rnn


def _finite(values) -> list:
    """JSON has no inf or nan: those become None (the chart leaves them out)."""
    return [float(v) if np.isfinite(v) else None for v in np.ravel(values)]


def _one(value) -> float | None:
    return _finite([value])[0]


def _product_norms(rnn: RNN, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """‖∂h_T/∂h_k‖₂ for n = T − k = 0..T−1 (index n), and f'(z_t) for t = 1..T−1 (the steps in the longest
    product), (T−1, H)."""
    measured = suffix_product_norms(state_jacobians(rnn, x))[::-1]
    rnn.eval()
    output, _ = rnn(x)
    return measured, activation_grad(output[1:, 0], rnn.nonlinearity)


def _verdict(value: float | None) -> str:
    if value is None:
        return "overflowed"
    return "vanished" if value < 1e-3 else "exploded" if value > 1e3 else "survives"


@lru_cache(maxsize=256)
def decay(rho: float, T: int, seed: int) -> dict:
    """Measured ‖∂h_T/∂h_k‖₂ of the ReLU and the tanh network against ρ^(T−k), n = T − k = 0..T−1, on one seeded
    input sequence, and what the tanh' factors explain: the tanh curve's gap below ρ^(T−1), that gap per step,
    and the mean tanh' over the units and the T − 1 steps of the longest product."""
    _check(rho, T)
    x = INPUT_SCALE * np.random.default_rng([seed, 1]).standard_normal((T, 1, 1))
    relu, relu_slopes = _product_norms(network(rho, "relu", seed), x)
    tanh, tanh_slopes = _product_norms(network(rho, "tanh", seed), x)
    geometric = rho_bound(rho, T)
    n = T - 1
    factor = tanh[-1] / geometric[-1]
    mean_slope = float(tanh_slopes.mean()) if n else 1.0
    return {
        "seed": seed,
        "rho": rho,
        "T": T,
        "hidden_size": HIDDEN,
        "input_scale": INPUT_SCALE,
        "relu_bias": RELU_BIAS,
        "distance": list(range(T)),
        "rho_power": _finite(geometric),
        "relu": _finite(relu),
        "tanh": _finite(tanh),
        "first": {
            "distance": n,
            "rho_power": _one(geometric[-1]),
            "relu": _one(relu[-1]),
            "tanh": _one(tanh[-1]),
            "relu_verdict": _verdict(_one(relu[-1])),
            "tanh_verdict": _verdict(_one(tanh[-1])),
        },
        # every ReLU unit on at every step of the product: the condition under which relu = ρⁿ exactly
        "relu_active": float(relu_slopes.mean()) if n else 1.0,
        "tanh_gap": {
            "steps": n,
            "factor": _one(factor),
            "per_step": _one(factor ** (1 / n)) if n and factor > 0 else None,
            "mean_slope": mean_slope,
            "slope_power": _one(mean_slope**n),
            "mean_abs_h": float(np.sqrt(1 - tanh_slopes).mean()) if n else 0.0,
        },
        "reference": {"rho": 0.9, "n": 100, "value": float(rho_bound(0.9, 101)[100])},
    }


class Readout(Module):
    """The seeded ``network`` read out at its last step: x (T, B, 1) -> h_T -> Linear -> (B, 1).

    ``backward`` returns ‖∂L/∂h_t‖ (1, 1, T), the gradient reaching each step, which the page plots at t = 1.
    """

    def __init__(self, rho: float, nonlinearity: str, seed: int):
        super().__init__()
        self.rnn = self.add_module("rnn", network(rho, nonlinearity, seed))
        self.head = self.add_module("head", Linear(HIDDEN, 1, dtype="float64", rng=np.random.default_rng([seed, 2])))

    def forward(self, x):
        return self.head(self.rnn(x)[1][0])

    def backward(self, d_pred):
        return self.rnn.backward(None, self.head.backward(d_pred)[None], return_dh_norms=True)[2]


def _end(losses: list) -> float | None:
    """Where a run ends: the geometric mean of its last TAIL losses (None if any of them overflowed)."""
    tail = np.array([np.nan if v is None else v for v in losses[-TAIL:]])
    return float(np.exp(np.log(tail).mean())) if np.all(np.isfinite(tail)) and np.all(tail > 0) else None


@lru_cache(maxsize=256)
def train(rho: float, length: int, nonlinearity: str, max_norm: float | None, seed: int) -> dict:
    """SGD on "output the first input at the last step" (MSE), CLIP_STEPS steps, each on a fresh seeded batch of
    CLIP_BATCH sequences of ``length`` standard-normal inputs (the same batches whatever ``max_norm``), from the
    seeded ``network``. With ``max_norm`` every step clips the gradient with ``clip_grad_norm_``; None: no clipping.
    Per step: the loss, ‖g‖ before and after clipping, whether it clipped, ‖∂L/∂h₁‖ as backpropagated and as
    clipping scales it (every gradient is multiplied by the same τ/‖g‖), and the mean of the target's square
    (the loss of always answering 0)."""
    model = Readout(rho, nonlinearity, seed)
    optimizer = SGD(model.params, lr=CLIP_LR)
    data = np.random.default_rng([seed, 3])
    loss_, before, after, clipped, first, first_after, baseline = [], [], [], [], [], [], []
    with np.errstate(all="ignore"):  # an exploding run overflows: it shows as a gap (None)
        for _ in range(CLIP_STEPS):
            x = data.standard_normal((length, CLIP_BATCH, 1))
            step = train_step(model, optimizer, mse, (x,), x[0], clip=max_norm)
            dh_first = float(step.backward[0, 0, 0])
            loss_.append(step.loss)
            before.append(step.grad_norm)
            after.append(step.grad_norm_after)
            clipped.append(step.clipped)
            first.append(dh_first)
            first_after.append(dh_first * (max_norm / step.grad_norm if step.clipped else 1.0))
            baseline.append(float(np.mean(x[0] ** 2)))
    loss_ = _finite(loss_)
    overflow = next((i + 1 for i, (a, b) in enumerate(zip(loss_, _finite(before))) if a is None or b is None), None)
    return {
        "loss": loss_,
        "before": _finite(before),
        "after": _finite(after),
        "clipped": clipped,
        "first": _finite(first),
        "first_after": _finite(first_after),
        "clip_events": int(sum(clipped)),
        "overflow_step": overflow,
        "end": _end(loss_),
        "baseline": float(np.mean(baseline)),
    }


@lru_cache(maxsize=256)
def clipping(rho: float, T: int, nonlinearity: str, max_norm: float, seed: int) -> dict:
    """The same network trained twice on the same batches: ``without`` clipping and ``with`` it at threshold τ =
    ``max_norm``. The run reads the first min(T, CLIP_T_MAX) steps of each sequence."""
    _check(rho, T, nonlinearity)
    if not MAX_NORM_MIN <= max_norm <= MAX_NORM_MAX:
        raise InvalidInput(f"max_norm: expected a number between {MAX_NORM_MIN} and {MAX_NORM_MAX}, got {max_norm!r}")
    length = min(T, CLIP_T_MAX)
    with_ = train(rho, length, nonlinearity, float(max_norm), seed)
    return {
        "seed": seed,
        "rho": rho,
        "T": T,
        "length": length,
        "nonlinearity": nonlinearity,
        "max_norm": max_norm,
        "steps": list(range(1, CLIP_STEPS + 1)),
        "batch": CLIP_BATCH,
        "lr": CLIP_LR,
        "tail": TAIL,
        "without": train(rho, length, nonlinearity, None, seed),
        "with": with_,
        "clip_events": with_["clip_events"],
    }


@STEP.router.get("/decay")
async def decay_endpoint(
    rho: float = Query(DEFAULT["rho"], ge=RHO_MIN, le=RHO_MAX),
    T: int = Query(DEFAULT["T"], ge=T_MIN, le=T_MAX),
    seed: int = Query(0, ge=0, le=MAX_SEED),
) -> dict:
    return await LANES["compute"].run(decay, rho, T, seed)


@STEP.router.get("/clipping")
async def clipping_endpoint(
    rho: float = Query(DEFAULT["rho"], ge=RHO_MIN, le=RHO_MAX),
    T: int = Query(DEFAULT["T"], ge=T_MIN, le=T_MAX),
    nonlinearity: str = Query(DEFAULT["nonlinearity"], pattern="^(tanh|relu)$"),
    max_norm: float = Query(DEFAULT["max_norm"], ge=MAX_NORM_MIN, le=MAX_NORM_MAX),
    seed: int = Query(0, ge=0, le=MAX_SEED),
) -> dict:
    return await LANES["compute"].run(clipping, rho, T, nonlinearity, max_norm, seed)


def bounds() -> dict:
    """The settings the endpoints accept, [low, high] each, and the presets (the first is the default): the
    page builds its sliders and buttons from here, so it offers exactly what the server answers (the Query
    bounds above use the same constants)."""
    return {
        "rho": [RHO_MIN, RHO_MAX],
        "T": [T_MIN, T_MAX],
        "max_norm": [MAX_NORM_MIN, MAX_NORM_MAX],
        "nonlinearity": list(NONLINEARITIES),
        "clip_steps": CLIP_STEPS,
        "clip_length": CLIP_T_MAX,
        "presets": [{"key": key, **preset} for key, preset in PRESETS.items()],
    }


@STEP.router.get("/bounds")
def bounds_endpoint() -> dict:
    return bounds()
