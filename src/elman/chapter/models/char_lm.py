"""The chapter's character-level language model: tinyshakespeare, one tanh RNN layer, trained here.

The step "Hidden state" colours text by single hidden units of this model, Karpathy-style. ``build`` trains
:class:`~elman.models.language_model.LanguageModel` (Embedding -> 1-layer tanh RNN -> Linear) with the library's
truncated-BPTT loop (:class:`~elman.train.loop.LMTrainer`) on the first 90 % of tinyshakespeare, the state
carried across windows; the last 10 % is held out. Then it *measures* which units track which property of the
text (:data:`FEATURES`: the position in the line, being inside a speaker's name, …): the held-out text is read
from a zero state, and for each feature the unit whose activation has the largest Pearson |r| with it is chosen
on the first part of the held-out text (``select``), and its r is measured again on the last
``MEASURE_CHARS`` characters (``measure``), which no choice has seen. That passage is stored in the JSON, so
the correlations can be recomputed offline (the tests do).

Storage (``char_lm.safetensors``, ~0.2 MB): every tensor float16; ``load`` casts back to float32. The
validation loss in ``char_lm.json`` (nats and bits per character) and the correlations are measured on these
stored weights.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import asdict
from functools import cache
from pathlib import Path

import numpy as np

from elman.chapter.models import WEIGHTS, files, write
from elman.chapter.models._ship import half, restore
from elman.data.text import Vocab, char_tokenize
from elman.models.language_model import LanguageModel
from elman.train.loop import LMTrainer, TrainConfig, evaluate

NAME = "char_lm"
SEED = 0
VAL_FRACTION = 0.1  # the last 10 % of the text is held out
MEASURE_CHARS = 20_000  # the held-out text's last characters: where the shown correlations are measured
DEFAULT_CHARS = 360  # the widget's default passage, taken from the measured part
FULL = {
    "embed": 32,
    "hidden": 256,
    "limit": None,
    "train": TrainConfig(
        batch_size=64,
        bptt=100,
        lr=3e-3,
        schedule="cosine",
        min_lr=2e-4,
        clip=5.0,
        max_steps=6000,
        max_minutes=9.5,
        eval_every=1000,
        checkpoint_every=10**9,
        seed=SEED,
        log_every=100,
        progress=False,
    ),
}
QUICK = {
    "embed": 8,
    "hidden": 24,
    "limit": 60_000,
    "train": TrainConfig(
        batch_size=16,
        bptt=32,
        lr=1e-2,
        clip=5.0,
        max_steps=30,
        eval_every=10**9,
        checkpoint_every=10**9,
        seed=SEED,
        progress=False,
    ),
}

# What a unit may track, measured per character: the value at character t is a property of the text read so far.
FEATURES = {
    "line_position": "position in the line (characters since the last line break)",
    "word_position": "position in the word (letters since the word began; 0 outside words)",
    "speaker": "inside a speaker's name (a line such as \u201cROMEO:\u201d that opens a speech)",
    "boundary": "at a word boundary (a space, a line break or punctuation)",
    "vowel": "on a vowel (a, e, i, o, u)",
    "sentence_end": "after the end of a sentence (from . ! or ? until the next letter)",
}
_SPEAKER = re.compile(r"(?:\A|(?<=\n\n))([A-Za-z][A-Za-z' ]*:)\n")  # after a blank line


def features(text: str) -> dict[str, np.ndarray]:
    """Each of :data:`FEATURES` as a float array over the characters of ``text`` (value at t: after reading t).

    >>> f = features("ROMEO:\\nGo on.")
    >>> f["line_position"].tolist()[:9], f["speaker"].tolist()[:7], f["word_position"].tolist()[7:10]
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0], [1.0, 2.0, 0.0])
    """
    n = len(text)
    line, word, since_end = np.zeros(n), np.zeros(n), np.zeros(n)
    column = letters = 0
    ended = False
    for t, c in enumerate(text):
        line[t] = column
        column = 0 if c == "\n" else column + 1
        letters = letters + 1 if c.isalpha() else 0
        word[t] = letters
        if c in ".!?":
            ended = True
        elif c.isalpha():
            ended = False
        since_end[t] = ended
    speaker = np.zeros(n)
    for match in _SPEAKER.finditer(text):
        speaker[match.start(1) : match.end(1)] = 1
    chars = np.array(list(text)) if n else np.array([], dtype="<U1")
    return {
        "line_position": line,
        "word_position": word,
        "speaker": speaker,
        "boundary": np.array([not c.isalpha() for c in text], dtype=float),
        "vowel": np.isin(np.char.lower(chars), list("aeiou")).astype(float),
        "sentence_end": since_end,
    }


def correlations(states: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson r of every unit's activation (column of ``states``, (T, H)) with ``feature`` (T,); 0 where
    either does not vary."""
    s = states - states.mean(axis=0)
    f = feature - feature.mean()
    denominator = np.sqrt((s * s).sum(axis=0) * (f * f).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (f @ s) / denominator
    return np.where(denominator > 0, r, 0.0)


def states_of(model: LanguageModel, vocab: Vocab, text: str) -> np.ndarray:
    """The hidden state after every character of ``text`` read from a zero state, (T, H) float64: the RNN of
    :func:`elman.models.language_model.read` without the output layer, which no unit needs. ``model`` in eval
    mode (as ``load`` gives it)."""
    ids = vocab.encode(char_tokenize(text))
    output, _ = model.rnn(model.embed(ids[:, None].astype(np.int64)))
    return output[:, 0].astype(np.float64)


def choose_units(states: np.ndarray, text: str) -> dict[str, tuple[int, float]]:
    """For each feature, the unit with the largest |r| over ``text`` (``states`` read from it), no unit twice:
    the strongest (feature, unit) pair is taken first. {feature: (unit, r)}."""
    table = features(text)
    r = np.stack([correlations(states, table[name]) for name in FEATURES])  # (F, H)
    chosen, used = {}, set()
    for _ in FEATURES:
        strength = np.abs(r.copy())
        strength[[i for i, name in enumerate(FEATURES) if name in chosen]] = -1
        strength[:, sorted(used)] = -1
        i, unit = np.unravel_index(np.argmax(strength), strength.shape)
        name = list(FEATURES)[i]
        chosen[name], _ = (int(unit), float(r[i, unit])), used.add(int(unit))
    return {name: chosen[name] for name in FEATURES}


def default_passage(text: str, chars: int = DEFAULT_CHARS) -> str:
    """A passage of about ``chars`` characters of ``text`` that opens with a speaker's name and ends at a line's
    end: the widget's default."""
    start = _SPEAKER.search(text).start(1)
    end = text.rfind("\n", start, start + chars)
    return text[start : end if end > start else start + chars]


def measure(model: LanguageModel, vocab: Vocab, held_out: str) -> dict:
    """The units that track :data:`FEATURES`, chosen on the first part of ``held_out`` and measured on its last
    ``MEASURE_CHARS`` characters; the JSON fields ``units``, ``units_note``, ``r_table`` (every unit's r with
    every feature on the measured part), ``default_text`` and ``measure_text``."""
    measure_chars = min(MEASURE_CHARS, len(held_out) // 2)
    select_text, measure_text = held_out[:-measure_chars], held_out[-measure_chars:]
    chosen = choose_units(states_of(model, vocab, select_text), select_text)
    states, table = states_of(model, vocab, measure_text), features(measure_text)
    r_table = {name: correlations(states, table[name]) for name in FEATURES}
    return {
        "units": [
            {
                "feature": name,
                "label": FEATURES[name],
                "unit": unit,
                "r_select": round(r_select, 4),
                "r": round(float(r_table[name][unit]), 4),
            }
            for name, (unit, r_select) in chosen.items()
        ],
        "units_note": f"each feature's unit chosen by the largest Pearson |r| over the held-out text's first "
        f"{len(select_text)} characters (r_select), no unit twice; r measured again on its last "
        f"{len(measure_text)} characters (measure_text), read from a zero state",
        "r_table": {name: np.round(r, 4).tolist() for name, r in r_table.items()},
        "default_text": default_passage(measure_text),
        "measure_text": measure_text,
    }


def split(text: str) -> tuple[str, str]:
    """(training text, held-out text): the last ``VAL_FRACTION`` is held out."""
    cut = len(text) - int(len(text) * VAL_FRACTION)
    return text[:cut], text[cut:]


def _model(tensors: dict, meta: dict) -> tuple[LanguageModel, Vocab]:
    vocab = Vocab(meta["vocab"], specials=())
    model = LanguageModel(len(vocab), meta["embed_dim"], meta["hidden_size"], 1, rng=np.random.default_rng(SEED))
    return restore(model, tensors, ""), vocab


def build(out_dir=WEIGHTS, *, quick: bool = False) -> dict:
    """Train on tinyshakespeare, measure the units, write ``char_lm.safetensors`` + ``char_lm.json``; returns
    the metadata written."""
    from elman.data.sources import open_text

    setting = QUICK if quick else FULL
    text = open_text("tinyshakespeare")[: setting["limit"]]
    train_text, held_out = split(text)
    vocab = Vocab.build([char_tokenize(text)], specials=())
    train_ids, val_ids = vocab.encode(char_tokenize(train_text)), vocab.encode(char_tokenize(held_out))
    config = setting["train"]
    model = LanguageModel(len(vocab), setting["embed"], setting["hidden"], 1, rng=np.random.default_rng(SEED))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = LMTrainer(model, train_ids, val_ids, config, Path(tmp)).run()
    seconds = time.perf_counter() - start

    def nll(m):
        return evaluate(m, val_ids, batch_size=config.eval_batch_size, bptt=config.bptt)

    trained_nll = nll(model)
    tensors = half(model.params, "")
    meta = {"name": NAME, "vocab": vocab.itos, "embed_dim": setting["embed"], "hidden_size": setting["hidden"]}
    stored, _ = _model(tensors, meta)
    stored_nll = nll(stored)

    measured = measure(stored, vocab, held_out)
    meta.update(
        {
            "kind": "character-level language model: Embedding -> 1-layer tanh RNN -> Linear "
            "(elman.models.LanguageModel)",
            "data": "tinyshakespeare (Karpathy's char-rnn collection of Shakespeare's plays, public domain; "
            "elman.data.sources.open_text('tinyshakespeare')), the last 10 % held out for validation, the "
            "state carried across windows" + (f"; first {setting['limit']} characters (quick)" if quick else ""),
            "chars": {"train": int(train_ids.size), "validation": int(val_ids.size)},
            "vocab_size": len(vocab),
            "seed": SEED,
            "quick": quick,
            "train_config": {k: v for k, v in asdict(config).items() if k not in ("progress",)},
            "threads": "1 (OMP/OpenBLAS/MKL_NUM_THREADS=1 when built for shipping)",
            "train_seconds": round(seconds, 1),
            "steps": result["steps"],
            "stopped": result["stopped"],
            "train_chars_seen": int(result["tokens"]),
            "storage": "every tensor float16; cast to float32 on load",
            "quality": {
                "validation_nll_nats": stored_nll,
                "validation_bpc": stored_nll / math.log(2),
                "validation_bpc_before_storage": trained_nll / math.log(2),
                "note": "measured on the stored (float16) weights over the held-out last 10 % of the text, "
                "read as 32 streams in windows of the training length with the state carried",
            },
            **measured,
            "rebuild": "python -m elman.chapter.models char_lm",
        }
    )
    write(NAME, tensors, meta, Path(out_dir))
    return meta


@cache
def load(out_dir=None) -> tuple[LanguageModel, Vocab, dict]:
    """(model in eval mode, its vocabulary, the metadata without the character list), from the shipped files
    or from ``out_dir`` (tests). Cached: callers only read it."""
    tensors, meta = files(NAME, out_dir)
    model, vocab = _model(tensors, meta)
    return model, vocab, {k: v for k, v in meta.items() if k != "vocab"}
