"""Find, download and verify dataset files: local data directory first, then a checksummed cache, then the web.

Every file has a sha256 in :mod:`elman.data.registry`. Files in ``$ELMAN_DATA_DIR`` (a directory laid out like the
project's shared data folder: one folder per dataset) are trusted as they are, so loading them costs nothing;
:func:`verify` checks them on request. Cached files are hashed once and then remembered by a small
``<file>.sha256-ok`` marker (hash, size and mtime), so a file changed behind our back is hashed again.
Downloads stream into a temporary file in the cache folder while hashing, and are moved into place with
``os.replace`` only when the hash matches: a failed or tampered download never leaves a file behind.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from elman.data.registry import DATASETS, DatasetSpec, FileSpec, get

__all__ = ["DEFAULT_TIMEOUT", "ChecksumError", "DataUnavailableError", "cache_dir", "data_dir", "fetch", "locate",
           "open_binary", "open_text", "path", "sha256_file", "verify"]

DEFAULT_TIMEOUT = 60.0  # seconds a connection attempt or a single read may block before the download is abandoned
_CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A file's sha256 differs from the registry's; the message names dataset, file, expected and actual hash."""

    def __init__(self, dataset: str, file: str, expected: str, actual: str, source: str):
        self.dataset, self.file, self.expected, self.actual, self.source = dataset, file, expected, actual, source
        super().__init__(f"checksum mismatch for dataset {dataset!r}, file {file!r} from {source}: expected sha256 "
                         f"{expected}, got {actual}")


class DataUnavailableError(RuntimeError):
    """A file is neither local nor downloadable (offline, unreachable URL, or no direct download exists)."""


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


def sha256_file(p: str | os.PathLike) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


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


def _stamp(p: Path, fs: FileSpec) -> str:
    st = p.stat()
    return f"{fs.sha256} {st.st_size} {st.st_mtime_ns}\n"


def _cache_ok(p: Path, fs: FileSpec) -> bool:
    """True when the cached file matches the registry hash; hashes only when the marker is missing or stale."""
    marker = p.with_name(p.name + ".sha256-ok")
    try:
        if marker.read_text() == _stamp(p, fs):
            return True
    except OSError:
        pass
    if sha256_file(p) != fs.sha256:
        return False
    marker.write_text(_stamp(p, fs))
    return True


class _Progress:
    """A progress bar: tqdm when installed, else one self-overwriting stderr line (at most 4 updates a second)."""

    def __init__(self, total: int | None, desc: str, enabled: bool):
        self.total, self.desc, self.done, self.last, self.bar = total, desc, 0, 0.0, None
        self.enabled = enabled
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled and time.monotonic() - self.last > 0.25:
            self.last = time.monotonic()
            of = f" / {self.total / 1e6:.1f}" if self.total else ""
            print(f"\rdownloading {self.desc}: {self.done / 1e6:.1f}{of} MB", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            print(f"\rdownloaded {self.desc}: {self.done / 1e6:.1f} MB", file=sys.stderr, flush=True)


def _stream_into(read, dest: Path, spec: DatasetSpec, fs: FileSpec, source: str, total: int | None, progress: bool):
    """Copy ``read(n)`` chunks into ``dest`` atomically, hashing on the way; ChecksumError leaves nothing behind."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        h, received, bar = hashlib.sha256(), 0, _Progress(total, f"{spec.name}/{fs.name}", progress)
        with os.fdopen(fd, "wb") as out:
            while chunk := read(_CHUNK):
                received += len(chunk)
                if fs.size is not None and received > fs.size:
                    raise ChecksumError(spec.name, fs.name, fs.sha256, f"more than the expected {fs.size} bytes",
                                        source)
                h.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
        bar.close()
        if h.hexdigest() != fs.sha256:
            raise ChecksumError(spec.name, fs.name, fs.sha256, h.hexdigest(), source)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a cache file is an ordinary readable file
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dest.with_name(dest.name + ".sha256-ok").write_text(_stamp(dest, fs))


def _unavailable(spec: DatasetSpec, fs: FileSpec, reason: str) -> DataUnavailableError:
    return DataUnavailableError(
        f"dataset {spec.name!r}: file {fs.name!r} is not available locally and was not downloaded from {fs.url} "
        f"({reason}). Set ELMAN_DATA_DIR to a directory laid out like shared/data (one folder per dataset), "
        f"so that $ELMAN_DATA_DIR/{spec.folder}/{fs.name} exists.")


def _download(spec: DatasetSpec, fs: FileSpec, dest: Path, timeout: float, progress: bool) -> None:
    if urlsplit(fs.url).scheme not in ("http", "https"):
        raise _unavailable(spec, fs, "only http and https URLs are downloaded")
    from elman import __version__

    request = Request(fs.url, headers={"User-Agent": f"elman/{__version__} (urllib)"})
    try:
        with urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else fs.size
            _stream_into(response.read, dest, spec, fs, fs.url, total, progress)
    except (URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
        raise _unavailable(spec, fs, f"download failed: {getattr(e, 'reason', None) or e}") from e


def path(name: str, file: str | None = None, *, download: bool = True, timeout: float = DEFAULT_TIMEOUT,
         progress: bool = True) -> Path:
    """The local path of one file of dataset ``name`` (``file`` may be omitted when the dataset has one file).

    Looks in ``$ELMAN_DATA_DIR/<folder>/<file>`` (trusted as is), then in ``<cache_dir()>/<folder>/<file>``
    (sha256-checked), then downloads into the cache. Raises DataUnavailableError when none of that works and
    ChecksumError when a cached or downloaded file has the wrong hash.
    """
    spec = get(name)
    fs = spec.file(file)
    local = data_dir()
    if local is not None and (local / spec.folder / fs.name).is_file():
        return local / spec.folder / fs.name
    cached = cache_dir() / spec.folder / fs.name
    if cached.is_file():
        if _cache_ok(cached, fs):
            return cached
        if not (download and fs.direct):
            raise ChecksumError(spec.name, fs.name, fs.sha256, sha256_file(cached), str(cached))
    if not download:
        raise _unavailable(spec, fs, "downloading was disabled")
    if not fs.direct:
        raise _unavailable(spec, fs, f"no direct download: {fs.note}")
    _download(spec, fs, cached, timeout, progress)
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
        if p != dest and not (dest.is_file() and _cache_ok(dest, fs)):
            with open(p, "rb") as src:
                _stream_into(src.read, dest, spec, fs, str(p), fs.size, progress=False)
    return folder


def verify(name: str | None = None) -> list[tuple[str, str, str]]:
    """Hash every local copy (data dir and cache) of every file: ``(dataset, file, "ok" | "missing" | "mismatch")``.

    A file is "mismatch" when any of its local copies has the wrong sha256, "missing" when it has none.
    """
    rows = []
    for spec in [get(name)] if name is not None else list(DATASETS.values()):
        for fs in spec.files:
            copies = [p for _, p in _candidates(spec, fs) if p.is_file()]
            status = "missing" if not copies else "ok"
            if any(sha256_file(p) != fs.sha256 for p in copies):
                status = "mismatch"
            rows.append((spec.name, fs.name, status))
    return rows


def open_binary(name: str, file: str | None = None, *, download: bool = True) -> bytes:
    """The bytes of a dataset file, gunzipped when its name ends in ``.gz``."""
    p = path(name, file, download=download)
    data = p.read_bytes()
    return gzip.decompress(data) if p.name.endswith(".gz") else data


def open_text(name: str, file: str | None = None, encoding: str = "utf-8", *, download: bool = True) -> str:
    """The text of a dataset file, gunzipped when its name ends in ``.gz``; line endings are kept as stored."""
    return open_binary(name, file, download=download).decode(encoding)
