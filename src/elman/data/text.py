"""Tokenisers and the token <-> id vocabulary.

>>> from elman.data.text import Vocab, char_tokenize, word_tokenize
>>> word_tokenize("Don't stop -- it's state-of-the-art!")
["Don't", 'stop', '-', '-', "it's", 'state-of-the-art', '!']
>>> vocab = Vocab.build([char_tokenize("hello")], specials=())
>>> vocab.itos, vocab.encode(char_tokenize("hole")).tolist()
(['l', 'e', 'h', 'o'], [2, 3, 0, 1])
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

from elman.errors import CheckpointError, MissingFile

DEFAULT_SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
FORMAT, VERSION = "elman.vocab", 1

# A word is a run of letters/digits (Unicode-aware; "_" is not part of it), with single inner apostrophes
# (' or ’) or hyphens joining runs: "don't", "state-of-the-art". Any other non-space character (punctuation,
# symbols, "_", a lone combining mark: normalise text to NFC first) is a token by itself; whitespace is dropped.
WORD_PATTERN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|\S")


def _check_text(text) -> str:
    if not isinstance(text, str):
        hint = " (decode bytes first, e.g. data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"text must be a str, got {type(text).__name__}{hint}")
    return text


def char_tokenize(text: str) -> list[str]:
    """One token per Unicode code point (a combining accent is its own token: normalise to NFC first)."""
    return list(_check_text(text))


def word_tokenize(text: str, lower: bool = False) -> list[str]:
    """Words, and each punctuation mark on its own, per ``WORD_PATTERN``; whitespace is dropped."""
    text = _check_text(text)
    return WORD_PATTERN.findall(text.lower() if lower else text)


def _token_list(name: str, tokens) -> list:
    """``tokens`` as a list, refusing a bare string (whose characters would silently become the tokens)."""
    if isinstance(tokens, str):
        raise TypeError(
            f"{name} must be a sequence of string tokens, got a str {tokens[:20]!r}; "
            "tokenise it first with char_tokenize(text) or word_tokenize(text)"
        )
    if not isinstance(tokens, Iterable):
        raise TypeError(f"{name} must be a sequence of string tokens, got {type(tokens).__name__}")
    return tokens if isinstance(tokens, list) else list(tokens)


def _check_tokens(name: str, tokens: list) -> None:
    for i, tok in enumerate(tokens):
        if not isinstance(tok, str):
            raise TypeError(f"{name}[{i}] must be a str token, got {type(tok).__name__} {tok!r}")


class Vocab:
    """An ordered token list: id ``i`` is ``itos[i]``. Build one with :meth:`Vocab.build`.

    ``specials`` are reserved tokens; ``pad_id`` / ``unk_id`` / ``bos_id`` / ``eos_id`` are the ids of
    ``"<pad>"`` / ``"<unk>"`` / ``"<bos>"`` / ``"<eos>"`` when they are among the specials, else None.
    ``itos`` and ``stoi`` are the vocabulary's own list and dict: read them, do not modify them.
    """

    def __init__(self, itos, *, specials=()):
        itos, specials = _token_list("itos", itos), tuple(_token_list("specials", specials))
        _check_tokens("itos", itos)
        _check_tokens("specials", list(specials))
        stoi: dict[str, int] = {}
        for i, tok in enumerate(itos):
            if tok in stoi:
                raise ValueError(f"itos must not repeat a token, got {tok!r} at ids {stoi[tok]} and {i}")
            stoi[tok] = i
        missing = [s for s in specials if s not in stoi]
        if missing or len(set(specials)) != len(specials):
            raise ValueError(f"specials must be distinct tokens of itos, got {list(specials)} (missing: {missing})")
        self._itos, self._stoi, self._specials = list(itos), stoi, specials

    @classmethod
    def build(cls, sequences, *, min_freq: int = 1, max_size: int | None = None, specials=DEFAULT_SPECIALS) -> Vocab:
        """Specials first (in the order given), then the tokens seen at least ``min_freq`` times by decreasing
        count, ties by the token itself, so the result is deterministic. ``max_size`` caps the non-special
        tokens. ``sequences``: an iterable of token lists, e.g. ``[char_tokenize(text)]``."""
        if not isinstance(min_freq, (int, np.integer)) or isinstance(min_freq, bool) or min_freq < 1:
            raise ValueError(f"min_freq must be a positive integer, got {min_freq!r}")
        if max_size is not None and (
            not isinstance(max_size, (int, np.integer)) or isinstance(max_size, bool) or max_size < 0
        ):
            raise ValueError(f"max_size must be None or an integer >= 0, got {max_size!r}")
        specials = tuple(_token_list("specials", specials))
        _check_tokens("specials", list(specials))
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must be distinct, got {list(specials)}")
        counts: Counter = Counter()
        for s, seq in enumerate(_token_list("sequences", sequences)):
            seq = _token_list(f"sequences[{s}]", seq)
            _check_tokens(f"sequences[{s}]", seq)
            counts.update(seq)
        reserved = set(specials)
        ranked = sorted(
            (c for c in counts.items() if c[1] >= min_freq and c[0] not in reserved), key=lambda c: (-c[1], c[0])
        )
        tokens = [tok for tok, _ in ranked[:max_size]]
        return cls(list(specials) + tokens, specials=specials)

    # --- lookups ----------------------------------------------------------------------------------------------
    @property
    def itos(self) -> list[str]:
        return self._itos

    @property
    def stoi(self) -> dict[str, int]:
        return self._stoi

    @property
    def specials(self) -> tuple[str, ...]:
        return self._specials

    def _special_id(self, token: str) -> int | None:
        return self._stoi[token] if token in self._specials else None

    pad_id = property(lambda self: self._special_id("<pad>"))
    unk_id = property(lambda self: self._special_id("<unk>"))
    bos_id = property(lambda self: self._special_id("<bos>"))
    eos_id = property(lambda self: self._special_id("<eos>"))

    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token) -> bool:
        return isinstance(token, str) and token in self._stoi

    def __eq__(self, other) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self._itos == other._itos and self._specials == other._specials

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, specials={list(self._specials)})"

    # --- encoding ---------------------------------------------------------------------------------------------
    def encode(self, tokens, *, add_bos: bool = False, add_eos: bool = False) -> np.ndarray:
        """Token ids, shape ``(len(tokens) [+1 for <bos>] [+1 for <eos>],)``, int64. Tokens not in the vocabulary
        become ``<unk>``; without an ``<unk>`` special they are an error."""
        tokens = _token_list("tokens", tokens)
        for flag, tok, tid in ((add_bos, "<bos>", self.bos_id), (add_eos, "<eos>", self.eos_id)):
            if flag and tid is None:
                raise ValueError(f"add_{tok[1:-1]}=True needs a {tok!r} special, got specials {list(self._specials)}")
        stoi = self._stoi
        ids = np.fromiter((stoi.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
        misses = np.flatnonzero(ids < 0)
        if misses.size:
            for i in misses.tolist():
                if not isinstance(tokens[i], str):
                    raise TypeError(f"tokens[{i}] must be a str token, got {type(tokens[i]).__name__} {tokens[i]!r}")
            if self.unk_id is None:
                i = int(misses[0])
                raise ValueError(
                    f"token {tokens[i]!r} (tokens[{i}]) is not in the vocabulary, which has no '<unk>' "
                    f"special to map it to ({misses.size} unknown token(s) in all)"
                )
            ids[misses] = self.unk_id
        if add_bos or add_eos:
            ids = np.concatenate(
                [
                    np.array([self.bos_id] if add_bos else [], dtype=np.int64),
                    ids,
                    np.array([self.eos_id] if add_eos else [], dtype=np.int64),
                ]
            )
        return ids

    def decode(self, ids) -> list[str]:
        """The tokens of 1-D integer ids (an array or a list), each in ``[0, len(self))``."""
        arr = np.asarray(ids)
        if arr.size == 0 and arr.ndim == 1:
            return []
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
        if arr.ndim != 1:
            raise ValueError(f"ids must be 1-D, got {arr.ndim}-D input of shape {arr.shape}")
        if arr.min() < 0 or arr.max() >= len(self):
            bad = arr.min() if arr.min() < 0 else arr.max()
            raise IndexError(f"ids out of range: expected ids in [0, {len(self)}), got {int(bad)}")
        itos = self._itos
        return [itos[i] for i in arr.tolist()]

    # --- persistence ------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """``{"format": "elman.vocab", "version": 1, "itos": [...], "specials": [...]}``, ASCII-escaped so that
        any string (even a lone surrogate) round-trips exactly."""
        return json.dumps({"format": FORMAT, "version": VERSION, "itos": self._itos, "specials": list(self._specials)})

    @classmethod
    def from_json(cls, s: str) -> Vocab:
        try:
            data = json.loads(s, object_pairs_hook=_no_duplicate_keys)
        except (TypeError, json.JSONDecodeError) as err:
            raise ValueError(f"not a vocabulary: expected a JSON string, got {err}") from err
        expected = {"format", "version", "itos", "specials"}
        if not isinstance(data, dict) or set(data) != expected:
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"not a vocabulary: expected a JSON object with keys {sorted(expected)}, got {got}")
        if data["format"] != FORMAT or data["version"] != VERSION:
            raise ValueError(
                f"not a vocabulary: expected format {FORMAT!r} version {VERSION}, "
                f"got {data['format']!r} version {data['version']!r}"
            )
        for key in ("itos", "specials"):
            if not isinstance(data[key], list) or not all(isinstance(t, str) for t in data[key]):
                raise ValueError(f"not a vocabulary: {key!r} must be a list of strings, got {data[key]!r:.80}")
        return cls(data["itos"], specials=data["specials"])

    def save(self, path) -> None:
        """Write :meth:`to_json` to ``path`` atomically (a temporary file beside it, then ``os.replace``)."""
        path = os.fspath(path)
        tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            with open(tmp, "x", encoding="utf-8") as f:
                f.write(self.to_json())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path) -> Vocab:
        """The vocabulary :meth:`save` wrote to ``path``; a missing, damaged or foreign file is an ElmanError."""
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise MissingFile(f"{os.fspath(path)}: no such file; expected a vocabulary written by elman") from None
        except IsADirectoryError:
            raise CheckpointError(f"{os.fspath(path)}: is a directory; expected a vocabulary file") from None
        try:
            return cls.from_json(raw.decode("utf-8"))
        except ValueError as err:  # UnicodeDecodeError included; from_json's own errors say what is wrong
            raise CheckpointError(f"{os.fspath(path)}: {str(err):.300}") from err
        except RecursionError:  # the JSON parser recurses once per level of nesting; a vocabulary has two
            raise CheckpointError(f"{os.fspath(path)}: not a vocabulary: the JSON is nested too deeply") from None


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"not a vocabulary: a JSON object repeats a key, got keys {keys}")
    return dict(pairs)
