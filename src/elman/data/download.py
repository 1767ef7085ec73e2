"""Checked downloads: bytes are hashed on their way into a temporary file, which becomes the file only when its
sha256 is the expected one, so a failed, cut or tampered transfer never leaves a file behind.
"""

from __future__ import annotations

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

from elman.errors import ElmanError

__all__ = ["ChecksumError", "Unreachable", "download", "stream_into"]

_CHUNK = 1 << 20


class ChecksumError(ElmanError, ValueError):
    """A file's sha256 differs from the registry's: the message names the file, both hashes and what to do."""

    def __init__(
        self, dataset: str, file: str, expected: str, actual: str, source: str, *, remedy: str, found: str | None = None
    ):
        self.dataset, self.file, self.expected, self.actual, self.source = dataset, file, expected, actual, source
        found = found or f"has sha256 {actual}"
        super().__init__(
            f"dataset {dataset!r}: {source} {found}, but the registry expects sha256 {expected}.\n{remedy}"
        )


class Unreachable(Exception):
    """A download that could not happen (no connection, HTTP error, timeout); the data layer says what to do."""


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


def stream_into(
    read,
    dest: Path,
    *,
    dataset: str,
    file: str,
    sha256: str,
    size: int | None,
    source: str,
    remedy: str,
    total: int | None = None,
    progress: bool = False,
) -> None:
    """Copy ``read(n)`` chunks into ``dest`` atomically, hashing on the way; ChecksumError leaves nothing behind.

    ``size`` (when known) caps what is accepted, so a server that sends too much is cut short; ``source`` and
    ``remedy`` complete the ChecksumError's message.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        h, received, bar = hashlib.sha256(), 0, _Progress(total or size, f"{dataset}/{file}", progress)
        with os.fdopen(fd, "wb") as out:
            while chunk := read(_CHUNK):
                received += len(chunk)
                if size is not None and received > size:
                    raise ChecksumError(
                        dataset,
                        file,
                        sha256,
                        "",
                        source,
                        remedy=remedy,
                        found=f"sent more than the expected {size} bytes",
                    )
                h.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
        bar.close()
        if h.hexdigest() != sha256:
            raise ChecksumError(dataset, file, sha256, h.hexdigest(), source, remedy=remedy)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a cache file is an ordinary readable file
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def download(
    url: str, dest: Path, *, dataset: str, file: str, sha256: str, size: int | None, timeout: float, progress: bool
) -> None:
    """Fetch ``url`` into ``dest`` through :func:`stream_into`; Unreachable when no bytes can be had."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise Unreachable("only http and https URLs are downloaded")
    from elman import __version__

    request = Request(url, headers={"User-Agent": f"elman/{__version__} (urllib)"})
    remedy = (
        "Nothing was kept: the server sent other bytes than the registry's. Try again later, or get the file "
        "another way and check it with `elman data verify`."
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else size
            stream_into(
                response.read,
                dest,
                dataset=dataset,
                file=file,
                sha256=sha256,
                size=size,
                source=f"the download of {file!r} from {url}",
                remedy=remedy,
                total=total,
                progress=progress,
            )
    except (URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
        raise Unreachable(f"download failed: {getattr(e, 'reason', None) or e}") from e
