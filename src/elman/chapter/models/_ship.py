"""What the task models share when they are shipped: float16 storage, cast back on load, and reading the files
either from the package (cached, through ``read``) or from a folder a test or a rebuild wrote."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from elman.chapter.models import read
from elman.io.safetensors import load_file


def half(state: dict, prefix: str) -> dict:
    """``state`` (a model's state_dict) as float16 arrays under ``prefix``."""
    return {f"{prefix}{name}": np.asarray(value, dtype=np.float16) for name, value in state.items()}


def restore(model, tensors: dict, prefix: str):
    """Load the ``prefix``ed float16 arrays of ``tensors`` into ``model`` (cast to its dtype); eval mode."""
    state = {name[len(prefix):]: value.astype(model.dtype)
             for name, value in tensors.items() if name.startswith(prefix)}
    model.load_state_dict(state)
    return model.eval()


def files(name: str, directory=None) -> tuple[dict, dict]:
    """(tensors, meta) of model ``name``: the shipped files, or those written to ``directory``."""
    if directory is None:
        return read(name)
    folder = Path(directory)
    return load_file(folder / f"{name}.safetensors"), json.loads((folder / f"{name}.json").read_text())
