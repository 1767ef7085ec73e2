"""Step 3, hidden state: what a trained language model carries from word to word.

The live reading: typed text goes through the chapter's shipped word-level language model (Brown corpus, one
tanh RNN layer; ``elman.chapter.models.word_lm``) with ``elman.models.language_model.read``: the state h_t after
every word (shown as a heat map of the units that vary most over the text), its size and how far each word moves
it, and the model's most likely next words after every prefix.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.models import word_lm
from elman.chapter.step import Callout, Step
from elman.chapter.validation import MAX_TEXT, MAX_WORDS
from elman.data.text import word_tokenize
from elman.models.language_model import read

DEFAULT_TEXT = "the cat sat on the"
MAX_TOP = 20

STEP = Step(
    key="hidden_state", icon="data_object", label="Hidden state",
    title="The hidden state as memory",
    subtitle="What the network carries from one word to the next",
    heading="One fixed-size vector stands for everything read so far",
    explanation="""
After each word the network holds a single vector $h_t$: here 128 numbers. Nothing else survives from
one step to the next, so whatever the model needs later (the subject of the sentence, whether a quote is
open, which word is likely next) has to be written into those numbers.

Feed a trained language model "the cat sat on the" and the only thing it can base its guess for the next
word on is $h_5$. A good model puts probability on nouns that fit after "on the"; what this small one
actually predicts is in the live panel, straight from the model.

The vector does not grow with the text. A sentence of 5 words and one of 40 are both squeezed into the same
128 numbers, so the state is a lossy summary: each new word partly overwrites what was there. The heat map
shows the units that change most over your text, and below it how far each word moves the state. A plain
RNN is poor at deciding what to keep, which is what the gates of LSTMs and GRUs were later added for.""",
    formula=r"""
\htmlData{term=h}{h_t} = \tanh(\htmlData{term=W_hh}{W_{hh}}\, \htmlData{term=h_prev}{h_{t-1}}
 + \htmlData{term=W_xh}{W_{xh}}\, \htmlData{term=x}{e_{x_t}} + \htmlData{term=b_h}{b_h}) \in \mathbb{R}^{H},
 \qquad h_0 = 0

\htmlData{term=y}{P(x_{t+1} = w \mid x_1, \dots, x_t)}
 = \mathrm{softmax}(\htmlData{term=W_hy}{W_{hy}}\, \htmlData{term=h}{h_t} + \htmlData{term=b_y}{b_y})_w

\htmlData{term=h}{h_t} = F(x_1, \dots, x_t) \text{ with } H \text{ fixed: a lossy summary of any length of text}""",
    torch_code="""
import torch.nn as nn
rnn = nn.RNN(
    input_size=64,      # word embedding size
    hidden_size=128,    # the memory: 128 numbers, whatever the length
    num_layers=1,
    batch_first=True,
)
x = embed(ids)                      # (batch, seq_len, 64)
output, h_n = rnn(x, h_0)           # output: h_t for every t, (batch, seq_len, 128)
                                    # h_n: the last state, (1, batch, 128)
next_word = head(output[:, -1]).softmax(-1)""",
    callout=Callout("Key insight", "Everything the network will ever know about the words behind it must fit in "
                    "these few numbers, so training decides what stays and what is overwritten. A plain tanh cell "
                    "is clumsy at that choice; LSTM and GRU gates were designed to make it explicit."),
    functions=(read,),
)


def _top(probs: np.ndarray, words: list[str], k: int) -> list[list[dict]]:
    """The k most likely words of each row of ``probs`` (T, V), most likely first (ties: lower id first)."""
    rows = np.arange(len(probs))[:, None]
    candidates = np.sort(np.argpartition(-probs, k - 1, axis=1)[:, :k], axis=1)    # a partition, then k to order
    best = np.take_along_axis(candidates, np.argsort(-probs[rows, candidates], axis=1, kind="stable"), axis=1)
    return [[{"word": words[i], "p": float(p[i])} for i in row] for p, row in zip(probs, best)]


@lru_cache(maxsize=256)
def _model_reads(tokens: tuple[str, ...]) -> tuple:
    """(ids, states (T, H), the MAX_TOP most likely next words after each prefix): the model's part, per text."""
    model, vocab, _ = word_lm.load()
    ids = vocab.encode(list(tokens))
    states, probs = read(model, ids)                                  # (T, H), (T, V)
    return ids, states, _top(probs, vocab.itos, MAX_TOP)


def reading(text: str, units: int = 24, top: int = 10) -> dict:
    """The shipped model's hidden states and next-word predictions for ``text``."""
    model, vocab, meta = word_lm.load()
    tokens = word_tokenize(text, lower=True)
    if not tokens:
        raise ValueError("text: expected at least one word, got an empty text")
    if len(tokens) > MAX_WORDS:
        raise ValueError(f"text: expected at most {MAX_WORDS} words and punctuation marks, got {len(tokens)}")
    hidden = model.hidden_size
    if not 1 <= units <= hidden:
        raise ValueError(f"units: expected an integer in [1, {hidden}], got {units}")
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"top: expected an integer in [1, {MAX_TOP}], got {top}")
    ids, states, predictions = _model_reads(tuple(tokens))
    spread = states.std(axis=0)
    shown = np.sort(np.argsort(-spread, kind="stable")[:units])       # the units that vary most over the text
    previous = np.vstack([np.zeros((1, hidden)), states[:-1]])
    unknown = [w for w in dict.fromkeys(tokens) if w not in vocab]
    return {
        "text": text, "tokens": tokens, "ids": ids.tolist(), "unknown": unknown,
        "read_as": [vocab.itos[i] for i in ids.tolist()],
        "hidden_size": hidden, "units": shown.tolist(),
        "matrix": states[:, shown].T.tolist(),                        # rows: units, columns: tokens
        "state_norms": np.linalg.norm(states, axis=1).tolist(),       # ‖h_t‖
        "changes": np.linalg.norm(states - previous, axis=1).tolist(),  # ‖h_t − h_{t−1}‖
        "predictions": [row[:top] for row in predictions],             # after tokens[:t+1]
        "model": {"vocab_size": len(vocab), "embed_dim": meta["embed_dim"], "hidden_size": hidden,
                  "validation_perplexity": meta["quality"]["validation_perplexity"], "data": meta["data"],
                  "quick": meta["quick"]},
    }


@STEP.router.get("/read")
async def read_endpoint(text: str = Query(DEFAULT_TEXT, min_length=1, max_length=MAX_TEXT),
                        units: int = Query(24, ge=1, le=512), top: int = Query(10, ge=1, le=MAX_TOP)) -> dict:
    return await LANES["word_lm"].run(reading, text, units, top)
