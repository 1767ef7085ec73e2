"""Step 3, hidden state: what a trained language model carries from word to word.

Two live readings by the chapter's shipped word-level language model (Brown corpus, one tanh RNN layer;
``elman.chapter.models.word_lm``) through ``elman.models.language_model.read``, and the character model's single
units (``hidden_units``, mounted on this step's router):

* ``/read``: the state h_t after every typed word (a heat map of the units the words move most, as h_t or as the
  change h_t − h_{t−1}), its size and how far each word moves it, and the most likely next words after every
  prefix, over real words only: ``<unk>``, ``<eos>`` and punctuation are left out and the rest renormalised,
  the mass left out reported beside them.
* ``/agreement``: P(was) against P(were) after "the cat …" and "the cats …" as the words between the subject
  and its verb grow, the chapter's own sentence by default: how long the state keeps the subject's number.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np
from fastapi import Query

from elman.chapter.admission import LANES
from elman.chapter.models import word_lm
from elman.chapter.step import Callout, Step
from elman.chapter.steps import hidden_units
from elman.chapter.validation import MAX_TEXT, MAX_WORDS
from elman.data.text import word_tokenize
from elman.errors import InvalidInput
from elman.models.language_model import read, softmax

DEFAULT_TEXT = "the cat sat on the"
DEFAULT_LOOK = "mat"
MAX_TOP = 20
SHOWS = ("state", "change")
# The chapter's own long-range example: "The cat, which sat on the mat near the window overlooking the garden,
# was sleeping". The clause between the subject and its verb names no number of its own ("sat" is the same for
# cat and cats), so only the state can carry it from the subject to the verb.
ALL = "all"  # the mean over every pair
DEFAULT_PAIR = ALL  # cat/cats alone is too rare in the training text (see the text)
DEFAULT_FILLER = ", which sat on the mat near the window overlooking the garden ,"
PAIRS = (
    "cat/cats",
    "dog/dogs",
    "man/men",
    "woman/women",
    "child/children",
    "boy/boys",
    "girl/girls",
    "officer/officers",
)
VERBS = ("was", "were")
WORDLIKE = re.compile(r"[^\W_]")  # a real word holds a letter or a digit; "``", ",", "--" do not

STEP = Step(
    key="hidden_state",
    icon="data_object",
    label="Hidden state",
    title="The hidden state as memory",
    subtitle="What the network carries from one word to the next",
    heading="One fixed-size vector stands for everything read so far",
    explanation="""
After each word the network keeps one vector $h_t$ of fixed size, in the chapter's example 256 or 512
numbers. Nothing else is passed from one step to the next, so whatever the model will need later (the subject
of the sentence, whether a quote is open, which word is likely next) must be written into those numbers. The
model in the live panel is smaller: 128 numbers, one layer, trained here on the Brown corpus.

Give it "the cat sat on the" and its only basis for the next word is $h_5$. The panel lists the words it
finds most likely, over real words only: what it puts on the unknown-word token, on the end of the sentence and
on punctuation is left out and the rest scaled back to sum to 1, and the panel says how much was left out. The
chapter hopes for "mat"; this model ranks it thousands down, because its training text has "mat" four times in a
million words. A model predicts well only what its data showed it often.

The vector does not grow with the text: 5 words and 40 words are squeezed into the same 128 numbers, so each
new word partly overwrites what was there. The heat map shows the units the words move most, grouped by the
word that moves each one most; switch it to the change $h_t - h_{t-1}$ to see what each word writes.

A few single numbers of a state can be read on their own. The second panel colours text by one unit of a
character-level model trained here on Shakespeare: the units offered are the ones whose value tracks a simple
property of the text (inside a speaker's name, at a word boundary, the position in the line) most closely on
held-out text, with that correlation shown. Most units follow no such property alone.

The sharpest test of memory is agreement: "the cat … was" but "the cats … were". The last panel puts the
chapter's own clause (", which sat on the mat near the window overlooking the garden ,") between a subject and
its verb and measures, token by token, how strongly the model still prefers the right verb, averaged over eight
pairs of nouns. Right after the noun this small model knows the number for most pairs; a few words later the
difference is gone. That is the long-range weakness of a plain RNN that LSTM and GRU gates were introduced to fix.
The chapter's own cat / cats is a pair it never learned: "cats" is rare in its training text, and even right
after it the model leans no more towards "were" than after "cat".""",
    formula=r"""
\htmlData{term=h}{h_t} = \tanh(\htmlData{term=W_hh}{W_{hh}}\, \htmlData{term=h_prev}{h_{t-1}}
 + \htmlData{term=W_xh}{W_{xh}}\, \htmlData{term=x}{e_{x_t}} + \htmlData{term=b_h}{b_h}) \in \mathbb{R}^{H},
 \qquad h_0 = 0

\htmlData{term=y}{P(x_{t+1} = w \mid x_1, \dots, x_t)}
 = \mathrm{softmax}(\htmlData{term=W_hy}{W_{hy}}\, \htmlData{term=h}{h_t} + \htmlData{term=b_y}{b_y})_w

\text{shown: } \tilde P(w) = \frac{P(w)}{\sum_{v \in \text{real words}} P(v)}
 \qquad \text{agreement: } \frac{P(\text{was})}{P(\text{was}) + P(\text{were})}""",
    torch_code="""
import torch.nn as nn
rnn = nn.RNN(
    input_size=100,     # embedding dim
    hidden_size=256,    # hidden state dim: the memory
    num_layers=2,       # stacked RNN layers
    batch_first=True,
)
# the model in the live panel is smaller:
# input_size=64, hidden_size=128, num_layers=1
x = embed(ids)                      # (batch, seq_len, input_size)
output, h_n = rnn(x, h_0)           # output: h_t for every t, (batch, seq_len, hidden_size)
                                    # h_n: the last state, (num_layers, batch, hidden_size)
next_word = head(output[:, -1]).softmax(-1)""",
    callout=Callout(
        "Key insight",
        "Everything the network will ever know about the words behind it must fit in "
        "these few numbers, so training decides what stays and what is overwritten. A plain tanh cell "
        "is clumsy at that choice, as the agreement probe shows; LSTM and GRU gates were designed to "
        "make it explicit.",
    ),
    functions=(read,),
)


def is_word(token: str) -> bool:
    """A real word: not ``<unk>``/``<eos>`` and holding a letter or a digit (so not ",", "``", "--", "&")."""
    return token not in word_lm.SPECIALS and bool(WORDLIKE.search(token))


@cache
def _vocabulary() -> tuple:
    """(real-word mask (V,), punctuation mask (V,), ids of <unk>, <eos>) of the shipped vocabulary."""
    _, vocab, _ = word_lm.load()
    real = np.array([is_word(w) for w in vocab.itos])
    punctuation = ~real
    punctuation[[vocab.stoi[s] for s in word_lm.SPECIALS]] = False
    return real, punctuation, vocab.stoi["<unk>"], vocab.stoi["<eos>"]


def real_words(probs: np.ndarray, k: int, words: list[str]) -> tuple[list[list[dict]], list[dict]]:
    """For each row of ``probs`` (T, V): its k most likely real words, renormalised over the real words (``p``;
    ``raw`` is the model's own probability), most likely first; and what was left out (``unk``, ``eos``,
    ``punctuation``, ``total``)."""
    real, punctuation, unk, eos = _vocabulary()
    kept = np.where(real, probs, -1.0)
    mass = probs[:, real].sum(axis=1)
    candidates = np.sort(np.argpartition(-kept, k - 1, axis=1)[:, :k], axis=1)
    rows = np.arange(len(probs))[:, None]
    best = np.take_along_axis(candidates, np.argsort(-kept[rows, candidates], axis=1, kind="stable"), axis=1)
    top = [
        [{"word": words[i], "p": float(p[i] / m), "raw": float(p[i])} for i in row]
        for p, row, m in zip(probs, best, mass)
    ]
    removed = [
        {"unk": float(p[unk]), "eos": float(p[eos]), "punctuation": float(p[punctuation].sum()), "total": float(1 - m)}
        for p, m in zip(probs, mass)
    ]
    return top, removed


def _look_up(probs: np.ndarray, word: str, vocab) -> list[dict]:
    """Where ``word`` stands after each prefix: its renormalised probability and its rank among real words."""
    if word not in vocab or not is_word(word):
        return []
    real = _vocabulary()[0]
    i = vocab.stoi[word]
    q = probs[:, i] / probs[:, real].sum(axis=1)
    ranks = (np.where(real, probs, -1.0) > probs[:, i : i + 1]).sum(axis=1) + 1
    return [{"p": float(p), "rank": int(r)} for p, r in zip(q, ranks)]


@lru_cache(maxsize=256)
def _model_reads(tokens: tuple[str, ...], look: str) -> tuple:
    """(ids, states (T, H), the MAX_TOP most likely real words after each prefix, the mass left out, where
    ``look`` ranks): the model's part, per text."""
    model, vocab, _ = word_lm.load()
    ids = vocab.encode(list(tokens))
    states, probs = read(model, ids)  # (T, H), (T, V)
    top, removed = real_words(probs, MAX_TOP, vocab.itos)
    return ids, states, top, removed, _look_up(probs, look, vocab)


def shown_units(states: np.ndarray, units: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``units`` units the words move most in total (Σ_t |h_t − h_{t−1}|, h_0 = 0), ordered by the word that
    moves each one most, then by the sign of that move, then by its size: (units, that word's index per unit)."""
    changes = np.diff(np.vstack([np.zeros((1, states.shape[1])), states]), axis=0)  # (T, H)
    chosen = np.argsort(-np.abs(changes).sum(axis=0), kind="stable")[:units]
    peak = np.abs(changes[:, chosen]).argmax(axis=0)
    move = changes[peak, chosen]
    order = np.lexsort((-np.abs(move), -np.sign(move), peak))
    return chosen[order], peak[order]


def _integer(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name}: expected a whole number from {low} to {high}, got {raw[:20]!r}") from None
    if not low <= value <= high:
        raise InvalidInput(f"{name}: expected a whole number from {low} to {high}, got {value}")
    return value


def _tokens(text: str, name: str = "text", *, allow_empty: bool = False) -> list[str]:
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name}: expected at most {MAX_TEXT} characters, got {len(text)}")
    tokens = word_tokenize(text, lower=True)
    if not tokens and not allow_empty:
        raise InvalidInput(f"{name}: expected at least one word, got an empty text")
    if len(tokens) > MAX_WORDS:
        raise InvalidInput(f"{name}: expected at most {MAX_WORDS} words and punctuation marks, got {len(tokens)}")
    return tokens


def reading(text: str, units: int = 24, top: int = 10, show: str = "state", look: str = DEFAULT_LOOK) -> dict:
    """The shipped model's hidden states and next-word predictions (real words only) for ``text``."""
    model, vocab, meta = word_lm.load()
    tokens = _tokens(text)
    hidden = model.hidden_size
    if not 1 <= units <= hidden:
        raise InvalidInput(f"units: expected a whole number from 1 to {hidden}, got {units}")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top: expected a whole number from 1 to {MAX_TOP}, got {top}")
    if show not in SHOWS:
        raise InvalidInput(f"show: expected one of {', '.join(SHOWS)}, got {show[:20]!r}")
    look = look.strip().lower()
    if len(look.split()) > 1 or len(look) > 40:
        raise InvalidInput(f"word to look up: expected one word, got {look[:40]!r}")
    ids, states, predictions, removed, looked = _model_reads(tuple(tokens), look)
    shown, peak = shown_units(states, units)
    previous = np.vstack([np.zeros((1, hidden)), states[:-1]])
    values = states if show == "state" else states - previous
    unknown = [w for w in dict.fromkeys(tokens) if w not in vocab]
    return {
        "text": text,
        "tokens": tokens,
        "ids": ids.tolist(),
        "unknown": unknown,
        "read_as": [vocab.itos[i] for i in ids.tolist()],
        "hidden_size": hidden,
        "show": show,
        "units": shown.tolist(),
        "peak": peak.tolist(),
        "matrix": values[:, shown].T.tolist(),  # rows: units, columns: tokens
        "saturated": float(np.mean(np.abs(states) > 0.9)),  # share of |h_t[i]| > 0.9 over the text
        "state_norms": np.linalg.norm(states, axis=1).tolist(),  # ‖h_t‖
        "changes": np.linalg.norm(states - previous, axis=1).tolist(),  # ‖h_t − h_{t−1}‖
        "predictions": [row[:top] for row in predictions],  # after tokens[:t+1], real words only
        "removed": removed,  # the mass left out after each prefix
        "look": {
            "word": look,
            "in_vocab": look in vocab and is_word(look),
            "after": looked,
            "real_words": int(_vocabulary()[0].sum()),
        },
        "model": {
            "vocab_size": len(vocab),
            "embed_dim": meta["embed_dim"],
            "hidden_size": hidden,
            "validation_perplexity": meta["quality"]["validation_perplexity"],
            "data": meta["data"],
            "quick": meta["quick"],
        },
    }


def _pairs(pair: str) -> list[tuple[str, str]]:
    if pair == ALL:
        return [tuple(p.split("/")) for p in PAIRS]
    if pair not in PAIRS:
        raise InvalidInput(f"pair: expected {ALL} or one of {', '.join(PAIRS)}, got {pair[:30]!r}")
    return [tuple(pair.split("/"))]


def _verb_probs(subjects: list[str], tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """P(was), P(were) after "the SUBJECT" and after each further token, for every subject at once (one batch
    through the model, every sentence read from a zero state): two arrays (len(tokens) + 1, len(subjects))."""
    model, vocab, _ = word_lm.load()
    ids = np.stack([vocab.encode(["the", subject, *tokens]) for subject in subjects], axis=1)  # (T, B)
    logits, _ = model(ids.astype(np.int64))
    probs = softmax(logits[1:])  # after the subject, then after each token
    return probs[..., vocab.stoi["was"]], probs[..., vocab.stoi["were"]]


@lru_cache(maxsize=128)
def agreement(pair: str = DEFAULT_PAIR, filler: str = DEFAULT_FILLER) -> dict:
    """P(was) and P(were) after "the SINGULAR" and "the PLURAL", then after each further token of ``filler``:
    how strongly the state still holds the subject's number as the distance to the verb grows. ``pair`` "all":
    the mean over every pair of ``PAIRS`` (each pair's own gaps listed too)."""
    _, vocab, _ = word_lm.load()
    pairs = _pairs(pair)
    tokens = _tokens(filler, "words in between", allow_empty=True)
    if len(tokens) > MAX_WORDS - 2:
        raise InvalidInput(
            f"words in between: expected at most {MAX_WORDS - 2} words and punctuation marks, got {len(tokens)}"
        )
    was, were = _verb_probs([subject for subjects in pairs for subject in subjects], tokens)  # (T + 1, 2 · pairs)
    series, gaps = {"singular": [], "plural": []}, []
    for k, subjects in enumerate(pairs):
        shares = []
        for j, number in enumerate(("singular", "plural")):
            series[number].append((was[:, 2 * k + j], were[:, 2 * k + j]))
            shares.append(was[:, 2 * k + j] / (was[:, 2 * k + j] + were[:, 2 * k + j]))
        gaps.append({"pair": "/".join(subjects), "gap": (shares[0] - shares[1]).tolist()})

    def mean(number):
        was = np.mean([w for w, _ in series[number]], axis=0)
        were = np.mean([w for _, w in series[number]], axis=0)
        share = np.mean([w / (w + r) for w, r in series[number]], axis=0)
        return {
            "subject": pair_names(pairs, number),
            "was": was.tolist(),
            "were": were.tolist(),
            "share": share.tolist(),
        }

    singular, plural = mean("singular"), mean("plural")
    gap = np.array(singular["share"]) - np.array(plural["share"])
    return {
        "pair": [singular["subject"], plural["subject"]],
        "all": pair == ALL,
        "pairs": gaps,
        "tokens": tokens,
        "read_as": [vocab.itos[i] for i in vocab.encode(tokens)],
        "unknown": [w for w in dict.fromkeys(tokens) if w not in vocab],
        "words_between": sum(map(is_word, tokens)),
        "distance": list(range(len(tokens) + 1)),
        "singular": singular,
        "plural": plural,
        "gap": gap.tolist(),
        "kept": float(gap[-1] / gap[0]) if gap[0] > 0 else None,
    }


def pair_names(pairs: list, number: str) -> str:
    """The subject of one pair ("cat"), or how many nouns a mean is over ("8 singular nouns")."""
    if len(pairs) == 1:
        return pairs[0][number == "plural"]
    return f"{len(pairs)} {number} nouns"


STEP.router.include_router(hidden_units.router)  # /units: single units of the character model


@STEP.router.get("/read")
async def read_endpoint(
    text: str = Query(DEFAULT_TEXT),
    units: str = Query("24"),
    top: str = Query("10"),
    show: str = Query("state"),
    look: str = Query(DEFAULT_LOOK),
) -> dict:
    units_, top_ = _integer("units", units, 1, 512), _integer("top", top, 1, MAX_TOP)
    return await LANES["word_lm"].run(reading, text, units_, top_, show, look)


@STEP.router.get("/agreement")
async def agreement_endpoint(pair: str = Query(DEFAULT_PAIR), filler: str = Query(DEFAULT_FILLER)) -> dict:
    return await LANES["word_lm"].run(agreement, pair, filler)
