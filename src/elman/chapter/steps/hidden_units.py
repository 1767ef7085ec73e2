"""Step 3, the hidden state you can read: text coloured by single hidden units of the shipped character model.

The chapter's character-level model (tinyshakespeare, one tanh RNN layer of 256 units;
``elman.chapter.models.char_lm``) reads the learner's text from a zero state. Its build measured which single
units track a property of the text (the position in the line, being inside a speaker's name, …): the unit with
the largest Pearson |r| on one part of the held-out text, its r measured again on another. This module answers
one request with every character's value of those units (and of any unit asked for by number), and each unit's
r on the learner's own text beside the measured one. Mounted on step 3's router (``/api/hidden_state/units``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from fastapi import APIRouter, Query

from elman.chapter.admission import LANES
from elman.chapter.models import char_lm
from elman.data.text import char_tokenize
from elman.errors import InvalidInput

MAX_CHARS = 600  # characters of typed text: a few lines of verse

router = APIRouter()


@lru_cache(maxsize=128)
def _states(text: str) -> np.ndarray:
    """The state after every character of ``text`` read from a zero state, (T, H)."""
    model, vocab, _ = char_lm.load()
    return char_lm.states_of(model, vocab, text)


def _r(values: np.ndarray, feature: np.ndarray) -> float | None:
    """Pearson r of one unit with one feature over the text; None when the feature does not vary in it."""
    if np.ptp(feature) == 0 or np.ptp(values) == 0:
        return None
    return float(char_lm.correlations(values[:, None], feature)[0])


def _strongest(unit: int, meta: dict) -> dict:
    """The feature whose measured r with ``unit`` is largest in size, from the build's table."""
    name = max(meta["r_table"], key=lambda f: abs(meta["r_table"][f][unit]))
    return {"feature": name, "label": char_lm.FEATURES[name], "r": meta["r_table"][name][unit]}


def units(text: str | None = None, unit: int | None = None) -> dict:
    """Every character's value of the measured units (and of ``unit``, when given) over ``text`` (default: a
    held-out passage), with each unit's measured r and its r on this text."""
    model, vocab, meta = char_lm.load()
    hidden = model.hidden_size
    text = meta["default_text"] if text is None else text
    if not text:
        raise InvalidInput("text: expected at least one character, got an empty text")
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"text: expected at most {MAX_CHARS} characters, got {len(text)}")
    unknown = sorted({c for c in text if c not in vocab})
    if unknown:
        shown = " ".join(repr(c) for c in unknown[:8])
        raise InvalidInput(
            f"text: expected the characters of Shakespeare's plays (letters, digits, punctuation, "
            f"spaces, line breaks); the model has never seen {shown}"
        )
    if unit is not None and not 0 <= unit < hidden:
        raise InvalidInput(f"unit: expected a unit number from 0 to {hidden - 1}, got {unit}")
    states = _states(text)
    table = char_lm.features(text)

    def row(number: int, about: dict) -> dict:
        values = states[:, number]
        return {
            **about,
            "unit": number,
            "values": np.round(values, 3).tolist(),
            "r_text": None if "feature" not in about else _r(values, table[about["feature"]]),
        }

    measured = [row(u["unit"], {k: u[k] for k in ("feature", "label", "r", "r_select")}) for u in meta["units"]]
    extra = None
    if unit is not None:
        strongest = _strongest(unit, meta)
        extra = {
            **row(unit, {"strongest": strongest}),
            "r_text_strongest": _r(states[:, unit], table[strongest["feature"]]),
        }
    return {
        "text": text,
        "chars": char_tokenize(text),
        "hidden_size": hidden,
        "units": measured,
        "unit": extra,
        "is_default": text == meta["default_text"],
        "model": {
            "validation_bpc": meta["quality"]["validation_bpc"],
            "data": meta["data"],
            "quick": meta["quick"],
            "vocab_size": meta["vocab_size"],
            "measured_chars": len(meta["measure_text"]),
            "note": meta["units_note"],
        },
    }


def unit_number(value: str | None) -> int | None:
    """The ``unit`` query parameter as a number; a plain sentence when it is not a whole number."""
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"unit: expected a unit number (a whole number such as 17), got {value[:20]!r}") from None


@router.get("/units")
async def units_endpoint(text: str | None = Query(None), unit: str | None = Query(None)) -> dict:
    """Checked here, not by FastAPI, so a bad value is answered with one plain sentence."""
    return await LANES["char_lm"].run(units, text, unit_number(unit))
