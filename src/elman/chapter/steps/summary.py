"""Step 8, summary: what the chapter showed (a live thumbnail per step), the timeline on a year axis, the claims
with the lab's command for each (and a run here for the quick ones), and where vanilla RNNs stop."""

from __future__ import annotations

from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.step import Callout, Step
from elman.chapter.steps import summary_claims, summary_recap
from elman.chapter.validation import MAX_SEED
from elman.errors import InvalidInput
from elman.nn.rnn_step import rnn_step_forward

# (year, who, what): the milestones the chapter lists, from backpropagation to the Transformer.
TIMELINE = (
    (1986, "Rumelhart, Hinton & Williams", "backpropagation of errors"),
    (1990, "Elman", "simple recurrent networks: the hidden state fed back as context"),
    (1991, "Hochreiter", "the vanishing gradient, analysed"),
    (1994, "Bengio, Simard & Frasconi", "long-term dependencies shown hard for gradient descent"),
    (1997, "Hochreiter & Schmidhuber", "LSTM: gated memory cells"),
    (2013, "Mikolov et al.", "word2vec embeddings"),
    (2014, "Cho et al.", "the GRU, a lighter gated unit"),
    (2014, "Sutskever, Vinyals & Le", "sequence-to-sequence translation"),
    (2015, "Bahdanau, Cho & Bengio", "attention"),
    (2017, "Vaswani et al.", "the Transformer: attention without recurrence"),
)

STEP = Step(
    key="summary",
    icon="school",
    label="Summary",
    title="Summary and what comes next",
    subtitle="What a vanilla RNN can do, and where it runs out",
    heading="One loop, shared weights, a memory that fades",
    explanation="""
A recurrent network reads a sequence of any length with one set of weights, folding each new element into a
fixed-size hidden state. That state is its only memory, and training it means backpropagating through every
step the state passed through.

The same loop is also its weakness. The gradient from a late loss to an early state is a product of one
Jacobian per step; with a spectral radius below one it shrinks geometrically, so a plain RNN struggles to learn
anything that spans many steps. Clipping tames the opposite failure, explosion, but does nothing for decay.

Every number on the previous pages came from elman's engine while you watched: the same kernels, the same
backward pass, the same trained weights you can load in Python. The live panel shows one small figure from each
step, computed again as it scrolls into view, and lists the chapter's claims beside the lab experiment that
measures each one: the command to run it yourself, and for the quick ones a button that runs it here.""",
    formula=r"""
\htmlData{term=grad}{\frac{\partial h_T}{\partial h_1}} = \prod_{k=1}^{T-1} \mathrm{diag}\big(\tanh'(z_k)\big)\,
\htmlData{term=W_hh}{W_{hh}},
\qquad \lVert\cdot\rVert \lesssim \htmlData{term=W_hh}{\rho(W_{hh})^{T-1}}""",
    torch_code="""
# what replaced the vanilla cell
nn.RNN(100, 256)    # h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)
nn.LSTM(100, 256)   # gates decide what to keep, write and show
nn.GRU(100, 256)    # two gates, no separate cell
nn.TransformerEncoderLayer(d_model=256, nhead=4)   # attention, no recurrence""",
    callout=Callout(
        "The connection",
        "Deep feedforward networks hit the same wall before ReLU and residual "
        "connections; recurrent networks got over it with gates (LSTM, GRU), which give the "
        "gradient an additive path through time. That is the next chapter.",
    ),
    functions=(rnn_step_forward,),
)


@STEP.router.get("/timeline")
async def timeline() -> list[dict]:
    return [{"year": year, "who": who, "what": what} for year, who, what in TIMELINE]


def _seed(seed: int) -> int:
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"The seed must be a whole number from 0 to {MAX_SEED}; got {seed}.")
    return seed


@STEP.router.get("/recap/{key}")
async def recap_endpoint(key: str, seed: int = Query(0)) -> dict:
    if key not in summary_recap.RECAPS:
        raise InvalidInput(f"There is no step called {key!r}; expected one of {', '.join(summary_recap.RECAPS)}.")
    return await LANES[summary_recap.RECAPS[key][1]].run(summary_recap.recap, key, _seed(seed))


@STEP.router.get("/claims")
async def claims_endpoint() -> list[dict]:
    from elman.chapter.steps import STEPS

    return summary_claims.listing({s.key: n for n, s in enumerate(STEPS, 1)})


@STEP.router.get("/claims/{name}")
async def measure_endpoint(name: str, seed: int = Query(0)) -> dict:
    return await summary_claims.LANE.run(summary_claims.measure, name, _seed(seed))
