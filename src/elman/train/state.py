"""The complete state of a training run in one safetensors file, so that ``--resume`` continues exactly.

Tensors: ``param/<name>`` (the model), ``optim/<name>`` (the optimiser), ``carry/<name>`` (the hidden state
carried across truncated-BPTT windows, and the tokens kept for the next window). Metadata: the format
name and a JSON object with everything else (counters, data position, random generator states, the
schedule's state, the configuration). Written atomically: a crash leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os

import numpy as np

from elman.errors import CheckpointError
from elman.io.safetensors import load_file, read_metadata, save_file

FORMAT = "elman.training-state"
GROUPS = ("param", "optim", "carry")


def model_generators(model) -> dict[str, np.random.Generator]:
    """Every ``numpy.random.Generator`` the model and its children hold (dropout masks, word dropout), each once,
    by the attribute path where it is first met (``"rng"``, ``"drop.rng"``, …)."""
    found, seen = {}, set()

    def walk(module, path):
        for name, value in vars(module).items():
            if isinstance(value, np.random.Generator) and id(value) not in seen:
                seen.add(id(value))
                found[path + name] = value
        for name, child in module._modules.items():
            walk(child, f"{path}{name}.")

    walk(model, "")
    return found


def rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


def set_rng_state(rng: np.random.Generator, state: dict) -> None:
    rng.bit_generator.state = state


def save_training_state(path, params: dict, optim: dict, carry: dict, info: dict) -> None:
    tensors = {
        f"{group}/{name}": value
        for group, arrays in zip(GROUPS, (params, optim, carry))
        for name, value in arrays.items()
    }
    save_file(tensors, path, {"format": FORMAT, "state": json.dumps(info)})


def load_training_state(path) -> tuple[dict, dict, dict, dict]:
    """(params, optimiser state, carried arrays, info) as written by ``save_training_state``."""
    metadata = read_metadata(path)
    if metadata.get("format") != FORMAT or "state" not in metadata:
        raise CheckpointError(
            f"{os.fspath(path)}: not an elman training state (format {metadata.get('format')!r}, "
            f"expected {FORMAT!r} with its state)"
        )
    groups = {group: {} for group in GROUPS}
    for key, value in load_file(path).items():
        group, _, name = key.partition("/")
        if group not in groups or not name:
            raise CheckpointError(f"{os.fspath(path)}: unexpected tensor {key!r} in a training state")
        groups[group][name] = value
    try:
        info = json.loads(metadata["state"])
    except (json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"{os.fspath(path)}: the training state in its metadata is not JSON ({err})") from None
    return groups["param"], groups["optim"], groups["carry"], info
