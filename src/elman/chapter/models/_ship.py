"""What the task models share when they are shipped: float16 storage, cast back on load."""

from __future__ import annotations

import numpy as np


def half(state: dict, prefix: str) -> dict:
    """``state`` (a model's state_dict) as float16 arrays under ``prefix``."""
    return {f"{prefix}{name}": np.asarray(value, dtype=np.float16) for name, value in state.items()}


def restore(model, tensors: dict, prefix: str):
    """Load the ``prefix``ed float16 arrays of ``tensors`` into ``model`` (cast to its dtype); eval mode."""
    state = {
        name[len(prefix) :]: value.astype(model.dtype) for name, value in tensors.items() if name.startswith(prefix)
    }
    model.load_state_dict(state)
    return model.eval()
