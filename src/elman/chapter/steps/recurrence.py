"""Step 2, recurrence: one small RNN unrolled over a typed input, with every number of every step.

The live unrolling: a short word (one character per step, through a small seeded embedding) or a few numbers
(one per step) go through h_t = tanh(W_hh h_{t-1} + W_xh x_t + b), one call of the library's reference step
kernel ``rnn_step_forward`` per step, and the same weights give ``elman.RNN``'s output for the whole sequence.
"""

from __future__ import annotations

import re

import numpy as np
from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_SEED
from elman.errors import InvalidInput
from elman.nn.layers import Embedding, Linear
from elman.nn.rnn import RNN
from elman.nn.rnn_step import activate, rnn_step_forward

EMBED, HIDDEN, OUTPUT = 3, 4, 2
MAX_STEPS = 12  # time steps of the unrolled picture
MAX_INPUT = 80  # characters of the typed input (numbers take more than one each)
MAX_ABS = 10.0  # bound on a typed number
ALPHABET = " abcdefghijklmnopqrstuvwxyz.,!?'"
MODES = ("chars", "numbers")


def _term(name: str, tex: str, role: str | None = None) -> str:
    """A formula symbol linked to the widget's parts of the same name (js/terms.js), in its role's colour."""
    body = rf"\htmlClass{{c-{role}}}{{{tex}}}" if role else tex
    return rf"\htmlData{{term={name}}}{{{body}}}"


_X, _H = _term("x", "x_t", "x"), _term("h", "h_t", "h")
_HP, _Y = _term("h_prev", "h_{t-1}", "h"), _term("y", "y_t", "y")
_WXH, _WHH, _WHY = _term("W_xh", "W_{xh}", "w"), _term("W_hh", "W_{hh}", "w"), _term("W_hy", "W_{hy}", "w")
_BH, _BY, _Z = _term("b_h", "b_h", "w"), _term("b_y", "b_y", "w"), _term("z", "z_t")
FORMULA = (
    rf"{_Z} = {_WHH}\, {_HP} + {_WXH}\, {_X} + {_BH}, \qquad {_H} = \tanh({_Z}), \qquad h_0 = 0"
    "\n\n"
    rf"{_Y} = {_WHY}\, {_H} + {_BY}"
    "\n\n"
    rf"\text{{the same }} {_WXH},\ {_WHH},\ {_BH},\ {_WHY},\ {_BY} \text{{ at every step }} t = 1, \dots, T"
)

STEP = Step(
    key="recurrence",
    icon="replay",
    label="Recurrence",
    title="The recurrent neuron",
    subtitle="One cell, applied again and again",
    heading="How recurrence works",
    explanation="""
A recurrent network reads a sequence one element per time step. At step $t$ it combines two things: the new
input $x_t$ and its own previous state $h_{t-1}$. Out comes a new state $h_t$, which is fed back in at the
next step. That loop is the whole trick: $h_t$ is a running, fixed-size summary of $x_1, \\dots, x_t$.

The weights do not depend on $t$. The same input matrix $W_{xh}$, the same recurrent matrix $W_{hh}$ and the
same bias are used at the first step and at the hundredth, just as a convolution reuses one kernel at every
position of an image. So the number of parameters is fixed, whatever the length of the input.

Drawn out step by step ("unrolled"), the loop becomes a chain of identical cells, one per input element.
In the live panel, type a short word (or a few numbers) and walk along the chain: for the highlighted step you see
each product, the pre-activation $z_t$, the new state $h_t$ and the read-out $y_t$, all computed by the
library's one-step kernel, with the shared matrices shown once.""",
    formula=FORMULA,
    torch_code="""
import torch, torch.nn as nn
rnn = nn.RNN(input_size=3, hidden_size=4)      # W_ih (4,3), W_hh (4,4), b_ih, b_hh
head = nn.Linear(4, 2)                          # W_hy, b_y
x = torch.randn(5, 1, 3)                        # (T, batch, input)
h = torch.zeros(1, 4)
for t in range(5):                              # the loop nn.RNN runs for us
    h = torch.tanh(x[t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0
                   + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
    y = head(h)
output, h_n = rnn(x)                            # same h at every step""",
    callout=Callout(
        "Key insight",
        "Unrolled over T steps, an RNN is a T-layer feedforward network whose layers "
        "all share one set of weights. A 100-word sentence is a 100-layer-deep computation, which "
        "is why gradients that travel back through it can fade away (step 5).",
    ),
    functions=(rnn_step_forward, activate),
)


def _parse(text: str, mode: str) -> tuple[list[str], np.ndarray | None, np.ndarray | None]:
    """The tokens of the typed input and either their alphabet ids (chars) or their values (numbers)."""
    if mode not in MODES:
        raise InvalidInput(f"mode: expected one of {MODES}, got {mode!r}")
    if mode == "chars":
        chars = list(text.lower())
        if not chars:
            raise InvalidInput("text: expected at least one character, got an empty text")
        if len(chars) > MAX_STEPS:
            raise InvalidInput(f"text: expected at most {MAX_STEPS} characters (one per time step), got {len(chars)}")
        unknown = [c for c in chars if c not in ALPHABET]
        if unknown:
            raise InvalidInput(f"text: expected letters, spaces or {' '.join(ALPHABET[27:])}, got {unknown[0]!r}")
        return chars, np.array([ALPHABET.index(c) for c in chars]), None
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not parts:
        raise InvalidInput("text: expected at least one number, got an empty text")
    if len(parts) > MAX_STEPS:
        raise InvalidInput(f"text: expected at most {MAX_STEPS} numbers (one per time step), got {len(parts)}")
    values = []
    for p in parts:
        try:
            v = float(p)
        except ValueError:
            raise InvalidInput(f"text: expected numbers separated by commas or spaces, got {p!r}") from None
        if not (np.isfinite(v) and abs(v) <= MAX_ABS):
            raise InvalidInput(f"text: expected numbers between {-MAX_ABS:g} and {MAX_ABS:g}, got {p!r}")
        values.append(v)
    return parts, None, np.array(values)


def network(mode: str, seed: int) -> tuple[Embedding | None, RNN, Linear]:
    """The seeded embedding (chars only), RNN and read-out of the unrolled picture, in float64."""
    rng = np.random.default_rng(seed)
    embed = Embedding(len(ALPHABET), EMBED, dtype="float64", rng=rng) if mode == "chars" else None
    rnn = RNN(EMBED if mode == "chars" else 1, HIDDEN, dtype="float64", rng=rng)
    head = Linear(HIDDEN, OUTPUT, dtype="float64", rng=rng)
    return embed, rnn, head


def _vec(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.ravel(a)]


def unroll(text: str, mode: str, seed: int) -> dict:
    """Every quantity of every time step, from ``rnn_step_forward``, and ``elman.RNN``'s states for comparison."""
    tokens, ids, values = _parse(text, mode)
    embed, rnn, head = network(mode, seed)
    x = embed(ids) if mode == "chars" else values[:, None]  # (T, I)
    W_ih, W_hh = rnn.params["weight_ih_l0"], rnn.params["weight_hh_l0"]
    b_ih, b_hh = rnn.params["bias_ih_l0"], rnn.params["bias_hh_l0"]
    h_prev = np.zeros((1, HIDDEN))
    steps = []
    for t, token in enumerate(tokens):
        x_t = x[t][None, :]
        h_t, _ = rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)  # the library's reference step
        wx, wh = x_t @ W_ih.T, h_prev @ W_hh.T  # its two products, shown apart
        y_t = head(h_t)
        steps.append(
            {
                "t": t + 1,
                "token": token,
                "x": _vec(x_t),
                "h_prev": _vec(h_prev),
                "Wx": _vec(wx),
                "Wh": _vec(wh),
                "b": _vec(b_ih + b_hh),
                "z": _vec(wx + wh + b_ih + b_hh),
                "h": _vec(h_t),
                "y": _vec(y_t),
            }
        )
        h_prev = h_t
    output, h_n = rnn(x)  # the whole sequence at once
    sizes = {"input": int(x.shape[1]), "hidden": HIDDEN, "output": OUTPUT}
    per_step = rnn.num_parameters() + head.num_parameters()
    return {
        "seed": seed,
        "mode": mode,
        "tokens": tokens,
        "T": len(tokens),
        "sizes": sizes,
        "weights": {
            "W_xh": W_ih.tolist(),
            "W_hh": W_hh.tolist(),
            "b_ih": _vec(b_ih),
            "b_hh": _vec(b_hh),
            "b": _vec(b_ih + b_hh),
            "W_hy": head.params["weight"].tolist(),
            "b_y": _vec(head.params["bias"]),
        },
        "steps": steps,
        "rnn": {"output": output.tolist(), "h_n": _vec(h_n)},
        "parameters": {"shared": per_step, "unshared": per_step * len(tokens)},
    }


@STEP.router.get("/unroll")
async def unroll_endpoint(
    text: str = Query("hello", min_length=1, max_length=MAX_INPUT),
    mode: str = Query("chars", pattern="^(chars|numbers)$"),
    seed: int = Query(0, ge=0, le=MAX_SEED),
) -> dict:
    return await LANES["compute"].run(unroll, text, mode, seed)
