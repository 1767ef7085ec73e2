"""Step 6, tasks: the four shapes a recurrent network is wired into, each with a small trained model, and the
layer × time gradient map of a stacked RNN.

Many-to-one: a typed sentence's P(positive) from the shipped SST-2 classifier (and from its bag-of-words
baseline), for the sentence and for its words reversed. One-to-many: surnames drawn for one of 18 languages.
Aligned many-to-many: a UPOS tag under each typed word. Unaligned many-to-many: German → English with the
shipped encoder-decoder (greedy or beam). Stacked: ‖∂L/∂h_t^l‖ for every layer and step of a seeded RNN.
Everything is computed by the library (``elman.tasks``, ``elman.models``, ``elman.analysis``); this module reads
the request, checks the words against the models' vocabularies and shapes the answer.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
from fastapi import Query

from elman.analysis.gradient_flow import layer_time_map
from elman.chapter.admission import LANES
from elman.chapter.models import names as names_model
from elman.chapter.models import pos as pos_model
from elman.chapter.models import sentiment as sentiment_model
from elman.chapter.models import translate as translate_model
from elman.chapter.step import Callout, Step
from elman.chapter.steps import tasks_probes
from elman.chapter.validation import MAX_SEED, words_of
from elman.errors import InvalidInput
from elman.models.generator import ConditionedGenerator
from elman.models.tagger import SequenceTagger
from elman.nn.rnn import RNN
from elman.tasks import pos as pos_task
from elman.tasks import sentiment as sentiment_task
from elman.tasks import translate as translate_task

MAX_NAMES, MAX_TEMPERATURE, NAME_LENGTH = 12, 2.0, 20
MAX_LAYERS, MAX_STEPS, GRAD_INPUT, GRAD_HIDDEN = 6, 60, 8, 32
MAX_BEAM, MAX_SOURCE_WORDS = 3, 20  # beam search costs ~beam × target length decoder steps: kept live
SHIPPED = {"sentiment": sentiment_model, "names": names_model, "pos": pos_model, "translate": translate_model}

STEP = Step(
    key="tasks",
    icon="apps",
    label="Tasks",
    title="One recurrence, four shapes of problem",
    subtitle="Where the inputs enter and where the outputs are read decides the task",
    heading="Many-to-one, one-to-many, aligned and unaligned many-to-many, and stacks of layers",
    explanation="""
The same cell, $h_t = \\tanh(W_{hh} h_{t-1} + W_{xh} x_t + b)$, serves very different problems. What changes is
which steps receive an input and which steps produce an output that the loss looks at.

Many-to-one reads a whole sequence and answers once, from the final state or from a pooling of all states:
sentence sentiment is the classic case, and the live panel's probes show what reading the order buys it.
One-to-many starts from a single input (an image, or here a language) and keeps emitting, feeding each output
back as the next input: captioning, or generating names. Aligned
many-to-many answers at every step, one label per input, as in part-of-speech tagging or named-entity
recognition. Unaligned many-to-many lets the output have its own length: an encoder reads the source
sentence into a state, a decoder writes the target from it, as in machine translation.

Stacking puts several recurrent layers on top of each other: layer $l$ reads layer $l-1$'s state at the same
step as its input. The network is then deep in two directions at once, across layers at every step and
across time in every layer. A gradient from the top layer's last step must travel down and back to reach
an early input in the first layer, and it can fade along either axis; this is why two or three layers is
the usual choice for plain RNNs.

Each shape in the live panel is drawn with the words the model is reading right now under its inputs and its
answers over its outputs, and each runs a small model trained by this project on public data. Reading order is
what an RNN adds over a bag of words, and the sentiment panel tests whether that pays: pairs of sentences where a
negation or the order decides, each marked passed or failed from the model's live answer, failures included. On
the SST-2 test set as a whole the RNN and a bag of words tie, because most sentences are settled by which words
they contain; the panel shows the groups of sentences where order helps and where it does not. A word the
translator never saw is marked in the input, and the translation is flagged, since the decoder still writes a
fluent sentence around the gap. At temperature 0 the name generator is greedy: the most likely letter at every
step, so every draw is the same name. Further down, a stacked RNN's gradient map shows how much signal each layer
and step receives.""",
    formula=r"""
\text{many-to-one: } \htmlData{term=y}{\hat y} = \mathrm{softmax}(\htmlData{term=W_hy}{W_y} \htmlData{term=h}{h_T})
\qquad \text{aligned: } \htmlData{term=y}{\hat y_t} = \mathrm{softmax}(\htmlData{term=W_hy}{W_y} \htmlData{term=h}{h_t})

\text{one-to-many: } \htmlData{term=h}{h_0} = g(\htmlData{term=x}{\text{input}}),\quad
\htmlData{term=x}{x_{t+1}} = \htmlData{term=y}{\hat y_t}

\text{unaligned: } \htmlData{term=h}{c} = \htmlData{term=h}{h^{\mathrm{enc}}_{T}},\quad \htmlData{term=h}{s_0} = c,\quad
\htmlData{term=y}{\hat y_t} = \mathrm{softmax}(\htmlData{term=W_hy}{W_y} \htmlData{term=h}{s_t})

\text{translator here: } \bar c = \tfrac{1}{S}\textstyle\sum_{s} h^{\mathrm{enc}}_s,
\quad s_t = \tanh\!\big(V\,[\,s_{t-1};\ y_{t-1};\ \bar c\,] + b\big)

\htmlData{term=h}{h^{l}_t} = \tanh\!\big(W^{l}\,[\,h^{l}_{t-1};\ h^{l-1}_t\,] + b^{l}\big),\quad
 h^{0}_t = \htmlData{term=x}{x_t},\qquad
\htmlData{term=y}{y_t} = \htmlData{term=W_hy}{W_y} h^{L}_t""",
    torch_code="""
# many-to-one: classify from the final state
out, h_n = nn.RNN(100, 128, batch_first=True)(x)      # x: (B, T, 100)
logits = nn.Linear(128, 2)(h_n[-1])                    # (B, 2)

# aligned many-to-many: a label at every step
tags = nn.Linear(128, 17)(out)                         # (B, T, 17)

# one-to-many / decoder: feed each output back in
h = h0
for t in range(max_len):
    y, h = rnn(embed(token), h); token = y.argmax(-1)

# stacked: each layer reads the one below at the same step
deep = nn.RNN(100, 128, num_layers=3, batch_first=True)""",
    callout=Callout(
        "Key insight",
        "A stacked RNN is deep twice: through its layers at every step and through "
        "time in every layer. The gradient has to survive both paths: in the live panel's map it fades "
        "by orders of magnitude back through time, and loses more on the way down the layers.",
    ),
    functions=(
        sentiment_task.predict_proba,
        ConditionedGenerator.sample,
        pos_task.predict,
        SequenceTagger.forward,
        translate_task.translate_details,
        layer_time_map,
    ),
)


# --- the shipped models, loaded on first use ------------------------------------------------------------------
# The models keep per-call caches and scratch buffers on themselves: one request at a time per model.
_RUNNING = {name: threading.Lock() for name in ("sentiment", "names", "pos", "translate")}


def _model(name: str):
    return SHIPPED[name].load()


def _unknown(words: list[str], vocab) -> list[str]:
    """The distinct words outside ``vocab``: the model reads each as ``<unk>`` and the answer lists them."""
    return list(dict.fromkeys(w for w in words if w not in vocab))


def sentiment(text: str) -> dict:
    """P(positive) of ``text`` and of its words reversed, by the shipped RNN classifier and its bag of words."""
    shipped = _model("sentiment")
    words = words_of(text)
    unknown = _unknown(words, shipped.vocab)
    order = [words, words[::-1]]
    seqs = sentiment_task.encode(shipped.vocab, order)
    with _RUNNING["sentiment"]:
        rnn = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.model, seqs))
        bag = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.bag, seqs))
    quality = shipped.meta["quality"]
    return {
        "words": words,
        "reversed": order[1],
        "unknown": unknown,
        "rnn": {"p_positive": float(rnn[0]), "p_positive_reversed": float(rnn[1])},
        "bow": {"p_positive": float(bag[0]), "p_positive_reversed": float(bag[1])},
        "model": {
            "test_accuracy": quality["test_accuracy"],
            "bow_test_accuracy": quality["bow_test_accuracy"],
            "test_sentences": quality["test_sentences"],
            "vocab_size": len(shipped.vocab),
            "hidden_size": shipped.model.hidden_size,
            "bidirectional": shipped.model.bidirectional,
            "pooling": shipped.model.pooling,
        },
    }


@lru_cache(maxsize=1)
def probes() -> dict:
    """Every probe pair judged passed or failed from the shipped RNN's and bag of words' live P(positive), the
    models' SST-2 test accuracies (from the shipped json) and, where stored, the accuracies by sentence group.
    The probes are fixed and the model too: computed on the first request, kept (``probes.__wrapped__`` runs it
    afresh)."""
    shipped = _model("sentiment")
    seqs = sentiment_task.encode(shipped.vocab, [s.split() for s in tasks_probes.sentences()])
    with _RUNNING["sentiment"]:
        rnn = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.model, seqs))
        bag = sentiment_task.p_positive(sentiment_task.predict_proba(shipped.bag, seqs))
    quality = shipped.meta["quality"]
    return {
        **tasks_probes.judge(rnn, bag),
        "sst2": {
            "test_sentences": quality["test_sentences"],
            "rnn_accuracy": quality["test_accuracy"],
            "bow_accuracy": quality["bow_test_accuracy"],
            "full_vocab_rnn_accuracy": quality["full_vocab_test_accuracy"],
            "full_vocab_bow_accuracy": quality["full_vocab_bow_test_accuracy"],
            "full_vocab_size": shipped.meta["full_vocab_size"],
            "vocab_size": len(shipped.vocab),
        },
        "split": tasks_probes.split(),
    }


def examples() -> dict:
    """Sentence pairs for the many-to-one panel (the task's order and negation probes) and the 18 languages."""
    return {"probes": [[p.a, p.b] for p in tasks_probes.PROBES], "languages": list(_model("names").languages)}


def names(language: str, count: int, temperature: float, seed: int) -> dict:
    """``count`` surnames drawn by the shipped generator for ``language`` (rng seeded by ``seed``): the first
    ``count`` of the same seeded stream, so a larger count only adds names."""
    shipped = _model("names")
    if language not in shipped.languages:
        raise InvalidInput(
            f"Expected a language from the list ({', '.join(shipped.languages)}); got {language[:40]!r}."
        )
    if not 1 <= count <= MAX_NAMES:
        raise InvalidInput(f"Expected 1 to {MAX_NAMES} names; got {count}.")
    drawn = list(_drawn(language, float(temperature), seed)[:count])
    tally = {n: drawn.count(n) for n in dict.fromkeys(drawn)}
    quality = shipped.meta["quality"]
    return {
        "language": language,
        "count": count,
        "temperature": temperature,
        "seed": seed,
        "greedy": temperature == 0,
        "names": drawn,
        "distinct": [[n, k] for n, k in tally.items()],
        "model": {
            "hidden_size": shipped.model.hidden_size,
            "test_nll_per_char": quality["test_nll_per_char"],
            "trigram_test_nll_per_char": quality["trigram_test_nll_per_char"],
        },
    }


@lru_cache(maxsize=512)
def _drawn(language: str, temperature: float, seed: int) -> tuple[str, ...]:
    shipped = _model("names")
    rng = np.random.default_rng(seed)
    lang = shipped.languages.index(language)
    with _RUNNING["names"]:
        return tuple(
            "".join(
                shipped.vocab.decode(
                    shipped.model.sample(lang, rng, temperature, NAME_LENGTH, banned=(shipped.vocab.unk_id,))
                )
            )
            for _ in range(MAX_NAMES)
        )


def tag(text: str) -> dict:
    """A UPOS tag for every whitespace-separated word of ``text`` from the shipped tagger."""
    shipped = _model("pos")
    words_of(text)  # empty / too long → ValueError in plain words
    words = text.split()  # the tagger reads case through its word-shape features
    unknown = [w for w in dict.fromkeys(words) if pos_task.normalise(w, shipped.lower) not in shipped.vocab]
    data = pos_task.encode(shipped.vocab, [words], shipped.lower)
    with _RUNNING["pos"]:
        ids = pos_task.predict(shipped.model, data)[0]
    quality = shipped.meta["quality"]
    return {
        "words": words,
        "tags": [shipped.tags[i] for i in ids.tolist()],
        "unknown": unknown,
        "model": {
            "test_accuracy": quality["test_token_accuracy"],
            "test_tokens": quality["test_tokens"],
            "vocab_size": len(shipped.vocab),
            "hidden_size": shipped.model.hidden_size,
            "bidirectional": shipped.model.bidirectional,
        },
    }


def translate(text: str, beam: int) -> dict:
    """The shipped encoder-decoder's English for a German ``text`` (greedy when ``beam`` is 1); when the model
    is not shipped, ``{"shipped": False}`` with the command that builds it."""
    try:
        _model("translate")
    except FileNotFoundError as error:
        return {
            "shipped": False,
            "detail": "The translation model is not shipped yet.",
            "reason": str(error),
            "command": "python -m elman.chapter.models translate",
        }
    words_of(text, max_words=MAX_SOURCE_WORDS)  # empty / too long → ValueError in plain words
    return _translated(text, beam)


@lru_cache(maxsize=256)
def _translated(text: str, beam: int) -> dict:
    shipped = _model("translate")
    with _RUNNING["translate"]:
        details = translate_task.translate_details(shipped.model, shipped.vocabs, text, beam=beam)
    quality = shipped.meta["quality"]
    return {
        "shipped": True,
        "beam": beam,
        "tokens": details["tokens"],
        "words": details["words"],
        "unknown": list(dict.fromkeys(details["unknown"])),
        "known": [t not in details["unknown"] for t in details["tokens"]],
        "trusted": not details["unknown"],
        "translation": details["translation"],
        "model": {
            "test_bleu": quality["test_bleu_greedy" if beam == 1 else "test_bleu_beam"],
            "bleu_decoder": "greedy" if beam == 1 else f"beam {quality['beam']}",
            "test_pairs": quality["test_pairs"],
            "hidden_size": shipped.model.hidden_size,
            "source_vocab_size": len(shipped.vocabs.source),
            "target_vocab_size": len(shipped.vocabs.target),
        },
    }


@lru_cache(maxsize=64)
def gradients(layers: int, steps: int, seed: int) -> dict:
    """‖∂L/∂h_t^l‖ for a seeded stacked tanh RNN, L = the top layer's output at the last step."""
    rng = np.random.default_rng(seed)
    rnn = RNN(GRAD_INPUT, GRAD_HIDDEN, layers, "tanh", dtype="float64", rng=rng)
    x = rng.standard_normal((steps, 1, GRAD_INPUT))
    grid = layer_time_map(rnn, x)  # (layers, steps), row 0 = the first layer
    with np.errstate(divide="ignore"):
        log10 = np.log10(grid)
    return {
        "layers": layers,
        "steps": steps,
        "seed": seed,
        "hidden_size": GRAD_HIDDEN,
        "input_size": GRAD_INPUT,
        "norms": grid.tolist(),
        "log10": np.where(np.isfinite(log10), log10, None).tolist(),
        "top_last": float(grid[-1, -1]),
        "bottom_first": float(grid[0, 0]),
        "top_first": float(grid[-1, 0]),
        "bottom_last": float(grid[0, -1]),
        "time_ratio": float(grid[-1, 0] / grid[-1, -1]),
        "depth_ratio": float(grid[0, -1] / grid[-1, -1]),
    }


# --- endpoints ------------------------------------------------------------------------------------------------
@STEP.router.get("/examples")
def examples_endpoint() -> dict:
    return examples()


@STEP.router.get("/probes")
async def probes_endpoint() -> dict:
    return await LANES["sentiment"].run(probes)


# Typed text has no length bounds here: words_of refuses an empty or over-long one in a plain sentence.
@STEP.router.get("/sentiment")
async def sentiment_endpoint(text: str = Query("the movie was not bad")) -> dict:
    return await LANES["sentiment"].run(sentiment, text)


@STEP.router.get("/names")
async def names_endpoint(
    language: str = Query("Italian"),
    count: int = Query(8, ge=1, le=MAX_NAMES),
    temperature: float = Query(0.8, ge=0.0, le=MAX_TEMPERATURE),
    seed: int = Query(0, ge=0, le=MAX_SEED),
) -> dict:
    return await LANES["names"].run(names, language, count, temperature, seed)


@STEP.router.get("/pos")
async def pos_endpoint(text: str = Query("The old man saw a dog in the park .")) -> dict:
    return await LANES["pos"].run(tag, text)


@STEP.router.get("/translate")
async def translate_endpoint(
    text: str = Query("ein kleines mädchen spielt im wasser ."), beam: int = Query(1, ge=1, le=MAX_BEAM)
) -> dict:
    return await LANES["translate"].run(translate, text, beam)


@STEP.router.get("/gradients")
async def gradients_endpoint(
    layers: int = Query(3, ge=1, le=MAX_LAYERS),
    steps: int = Query(30, ge=2, le=MAX_STEPS),
    seed: int = Query(0, ge=0, le=MAX_SEED),
) -> dict:
    return await LANES["compute"].run(gradients, layers, steps, seed)
