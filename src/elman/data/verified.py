"""The sha256 of dataset files, remembered so that checking a file before each use costs one hash per change.

The record is one JSON file in the cache directory (``<cache_dir>/verified.json``; the data directory may be
read-only) mapping a file's absolute path to the ``size``, ``mtime_ns`` and ``sha256`` it had when it was hashed.
:func:`sha256_of` answers from the record while size and mtime still match and hashes the file again otherwise.
A change that keeps both size and mtime (``touch`` back to the old time after an edit of equal length) goes
unnoticed until ``elman data verify``, which always hashes. The record is rewritten atomically (a temporary file,
then ``os.replace``); when it cannot be written (a read-only cache) files are simply hashed on every use.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

__all__ = ["RECORD_NAME", "remember", "sha256_file", "sha256_of"]

RECORD_NAME = "verified.json"
_FORMAT, _VERSION = "elman.verified", 1
_CHUNK = 1 << 20


def sha256_file(p: str | os.PathLike) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _load(record: Path) -> dict[str, list]:
    """The record's entries; an unreadable or foreign record counts as empty (it is only a cache of hashes)."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not (
        isinstance(data, dict)
        and data.get("format") == _FORMAT
        and data.get("version") == _VERSION
        and isinstance(data.get("files"), dict)
    ):
        return {}
    return data["files"]


def _save(record: Path, files: dict[str, list]) -> None:
    files = {key: entry for key, entry in files.items() if os.path.isfile(key)}  # forget files that are gone
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=record.parent, prefix=f".{record.name}.", suffix=".tmp")
    except OSError:
        return  # a read-only cache: nothing is remembered, every use hashes
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"format": _FORMAT, "version": _VERSION, "files": files}, out, indent=1, sort_keys=True)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the record is an ordinary cache file
        os.replace(tmp, record)
    except OSError:  # a full disk: the record is only an optimisation
        Path(tmp).unlink(missing_ok=True)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _key_and_stamp(p: Path) -> tuple[str, list[int]]:
    st = p.stat()
    return str(p.resolve()), [st.st_size, st.st_mtime_ns]


def remember(record: Path, p: Path, sha256: str) -> None:
    """Note that ``p``, as it is now, has ``sha256`` (after a download that hashed it on the way)."""
    key, stamp = _key_and_stamp(p)
    files = _load(record)
    files[key] = stamp + [sha256]
    _save(record, files)


def sha256_of(record: Path, p: Path, *, trust_record: bool = True) -> str:
    """The sha256 of file ``p``: from ``record`` when its size and mtime are unchanged, else hashed (and recorded).

    ``trust_record=False`` always hashes (``elman data verify``) and refreshes the record.
    """
    key, stamp = _key_and_stamp(p)
    files = _load(record)
    entry = files.get(key)
    if trust_record and isinstance(entry, list) and entry[:2] == stamp and len(entry) == 3:
        return entry[2]
    digest = sha256_file(p)
    if _key_and_stamp(p)[1] == stamp:  # unchanged while it was read: the hash belongs to this size and mtime
        files[key] = stamp + [digest]
        _save(record, files)
    return digest
