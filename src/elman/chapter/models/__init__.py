"""The small models the chapter ships: trained by this project (and a subset of GloVe), stored as safetensors
plus JSON beside this file.

Each model has one module here with ``build(out_dir, *, quick=False)`` (trains it from the registered data, or
for ``glove`` cuts it from the registered vectors, and writes ``NAME.safetensors`` and ``NAME.json``) and
``load()`` (reads the shipped files once; cached). Rebuild with ``python -m elman.chapter.models NAME [NAME ...]``;
the files are committed so the chapter works offline.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from elman.errors import MissingFile
from elman.io.safetensors import load_file, save_file

WEIGHTS = Path(__file__).parent / "weights"
MODELS = ("word_lm", "char_lm", "sentiment", "names", "pos", "translate", "vectors", "glove")  # a module each


def write(name: str, tensors: dict, meta: dict, out_dir: Path = WEIGHTS) -> None:
    """``NAME.safetensors`` (float arrays) and ``NAME.json`` (config, vocabularies, provenance) in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, out_dir / f"{name}.safetensors")
    (out_dir / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")


@cache
def read(name: str) -> tuple[dict, dict]:
    """(tensors, meta) of a shipped model; a clear error naming the rebuild command when the files are absent."""
    tensors, meta = WEIGHTS / f"{name}.safetensors", WEIGHTS / f"{name}.json"
    if not (tensors.is_file() and meta.is_file()):
        raise MissingFile(
            f"the chapter's model {name!r} is not shipped: expected {tensors.name} and "
            f"{meta.name} in {WEIGHTS}; rebuild it with: python -m elman.chapter.models {name}"
        )
    return load_file(tensors), json.loads(meta.read_text())


def files(name: str, directory=None) -> tuple[dict, dict]:
    """(tensors, meta) of model ``name``: the shipped files (cached), or those a test or a rebuild wrote to
    ``directory``."""
    if directory is None:
        return read(name)
    folder = Path(directory)
    return load_file(folder / f"{name}.safetensors"), json.loads((folder / f"{name}.json").read_text())
