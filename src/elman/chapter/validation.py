"""The bounds every live request is held to, and the words a bad request gets back."""

from __future__ import annotations

import math

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from elman.chapter.admission import RETRY_AFTER
from elman.errors import ElmanError, InvalidInput, MissingFile

MAX_TEXT = 200  # characters of typed text
MAX_WORDS = 40  # words of a typed sentence
MAX_SEED = 2**31 - 1


def words_of(
    text: str, *, name: str = "a sentence", max_words: int = MAX_WORDS, max_chars: int = MAX_TEXT
) -> list[str]:
    """The whitespace-separated, lower-cased words of typed ``text``.

    Text too long, empty or of too many words is an ``InvalidInput`` in one plain sentence, what was expected and
    what came ("Expected sentence A of at most 40 words, got 41."), which the page shows as it is. ``name`` is
    what the reader calls the box: "a sentence", "sentence B", "a word list". The characters are counted first,
    so that a pasted page is refused before it is split.
    """
    if len(text) > max_chars:
        raise InvalidInput(f"Expected {name} of at most {max_chars} characters, got {len(text)}.")
    words = text.lower().split()
    if not words:
        raise InvalidInput(f"Expected {name} of at least one word, got none.")
    if len(words) > max_words:
        raise InvalidInput(f"Expected {name} of at most {max_words} words, got {len(words)}.")
    return words


def number_in(name: str, raw: str, low, high, kind=int):
    """A query parameter read as ``kind`` (int or float) within [low, high]; one plain sentence otherwise (the
    endpoints take parameters as text, so that FastAPI's own messages never reach the page)."""
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidInput(f"{name}: expected {what} from {low} to {high}, got {raw[:20]!r}") from None
    if not (low <= value <= high) or (kind is float and not math.isfinite(value)):
        raise InvalidInput(f"{name}: expected {what} from {low} to {high}, got {raw[:20]}")
    return value


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path"))
    received = error.get("input")
    got = "" if received is None or isinstance(received, dict) else f" (got {str(received)[:40]!r})"
    return f"{where}: {error.get('msg', 'invalid value')}{got}"


async def on_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one readable sentence per wrong parameter, e.g. "rho: Input should be less than or equal to 3"."""
    return JSONResponse(status_code=422, content={"detail": "; ".join(_describe(e) for e in exc.errors())})


async def on_expected_error(request: Request, exc: ElmanError) -> JSONResponse:
    """An expected failure, raised as one of the library's own errors: a shipped model or a dataset that is not
    there answers 503 with what is missing and how to get it; anything else the request asked wrongly (an
    unknown word, an empty sentence, …) answers 400 with its sentence. Every other exception is the server's
    own bug: a 500, with its traceback in the server's log."""
    return JSONResponse(status_code=503 if isinstance(exc, MissingFile) else 400, content={"detail": str(exc)})


async def on_busy(request: Request, exc: Exception) -> JSONResponse:
    """A full queue (``elman.chapter.admission``): 503, when to retry, and why."""
    return JSONResponse(
        status_code=503,
        content={"detail": str(exc)},
        headers={"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"},
    )
