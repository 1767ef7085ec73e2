"""Reading text files so that a wrong encoding is a sentence naming the file, not a UnicodeDecodeError.

>>> decode_text(b"ok\\n\\xff", "notes.txt")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
elman.errors.InvalidInput: notes.txt is not valid utf-8 text: byte 0xff at offset 3 (line 2) cannot be ...
"""

from __future__ import annotations

import gzip
import os

from elman.errors import InvalidInput, MissingFile

__all__ = ["decode_text", "read_text"]


def decode_text(data: bytes, source, encoding: str = "utf-8") -> str:
    """``data`` decoded; bytes that are not valid ``encoding`` raise InvalidInput naming ``source`` and the place."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InvalidInput(
            f"{os.fspath(source)} is not valid {encoding} text: byte 0x{data[err.start]:02x} at "
            f"offset {err.start} (line {line}) cannot be decoded; save the file as {encoding} "
            "(e.g. with iconv) and try again"
        ) from None


def read_text(path, encoding: str = "utf-8") -> str:
    """The text of a file (gunzipped when its name ends in ``.gz``): MissingFile when it is not there and
    InvalidInput when it is not valid ``encoding``, each naming the file."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            data = f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise MissingFile(f"{p} is not a readable file: expected a UTF-8 text file there") from None
    return decode_text(gzip.decompress(data) if p.endswith(".gz") else data, p, encoding)
