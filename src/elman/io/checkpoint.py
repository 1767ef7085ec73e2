"""Checkpoints: parameters, optimiser state and a JSON config in one safetensors file.

Tensors are stored as ``param/<name>`` and ``optim/<name>``; the metadata holds
``{"format": "elman.checkpoint", "format_version": "1", "config": <JSON>, "has_optimizer_state": "0"|"1"}``.

Example:
    >>> import numpy as np, elman, tempfile, os
    >>> from elman.io import save_model, load_model
    >>> path = os.path.join(tempfile.mkdtemp(), "rnn.safetensors")
    >>> save_model(path, elman.RNN(3, 4, rng=np.random.default_rng(0)))
    >>> model = load_model(path, elman.RNN(3, 4))
"""

from __future__ import annotations

import json
import os

import numpy as np

from elman.errors import CheckpointError, InvalidType
from elman.io.safetensors import load_file, read_metadata, save_file

FORMAT = "elman.checkpoint"
FORMAT_VERSION = 1


def save_checkpoint(
    path,
    params: dict[str, np.ndarray],
    optimizer_state: dict[str, np.ndarray] | None = None,
    config: dict | None = None,
) -> None:
    """Write ``params`` (name -> array), an optional flat optimiser state (name -> array) and a JSON-able config."""
    try:
        config_json = json.dumps(config, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        kinds = "str, int, float, bool, None, list, dict"
        raise InvalidType(f"config must be JSON-serialisable ({kinds}): {err}") from None
    tensors = {f"param/{k}": v for k, v in params.items()}
    tensors.update({f"optim/{k}": v for k, v in (optimizer_state or {}).items()})
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "config": config_json,
        "has_optimizer_state": "0" if optimizer_state is None else "1",
    }
    save_file(tensors, path, metadata)


def _check_format(path, metadata: dict[str, str]) -> None:
    if metadata.get("format") != FORMAT:
        raise CheckpointError(
            f"{os.fspath(path)!s}: not an elman checkpoint (metadata format is "
            f"{metadata.get('format')!r:.80}, expected {FORMAT!r})"
        )
    version = metadata.get("format_version", "")
    # isascii: str.isdigit also accepts digits such as "²", which int() refuses (as it refuses 5,000 digits)
    if not (version.isascii() and version.isdigit() and len(version) < 10) or int(version) > FORMAT_VERSION:
        raise CheckpointError(
            f"{os.fspath(path)!s}: unsupported elman checkpoint format_version {version!r:.80}; "
            f"this elman reads versions up to {FORMAT_VERSION}"
        )


def load_checkpoint(path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None, dict | None]:
    """Read ``(params, optimizer_state, config)``; ``optimizer_state`` is None when none was saved."""
    metadata = read_metadata(path)
    _check_format(path, metadata)  # before reading the data, so that a foreign file is rejected cheaply
    tensors = load_file(path)
    params, optim = {}, {}
    for key, value in tensors.items():
        group, _, name = key.partition("/")
        if group == "param" and name:
            params[name] = value
        elif group == "optim" and name:
            optim[name] = value
        else:
            raise CheckpointError(
                f"{os.fspath(path)!s}: unexpected tensor {key!r:.80} in an elman checkpoint "
                "(expected 'param/<name>' or 'optim/<name>')"
            )
    try:
        config = json.loads(metadata.get("config", "null"))
    except ValueError as err:
        raise CheckpointError(f"{os.fspath(path)!s}: the checkpoint's config is not valid JSON ({err})") from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise CheckpointError(f"{os.fspath(path)!s}: the checkpoint's config is nested too deeply") from None
    return params, (optim if metadata.get("has_optimizer_state") == "1" else None), config


def model_config(model) -> dict:
    """``{"class": name, **model.config()}``: the constructor's arguments (``Module.config``), checked to be JSON.

    For ``RNN``: input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout,
    bidirectional, dtype and learn_h0.
    """
    config = {"class": type(model).__name__, **model.config()}
    try:  # JSON round trip: tuples become lists, as they will be when read back from a file
        return json.loads(json.dumps(config, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise InvalidType(f"{type(model).__name__}'s config is not JSON-serialisable: {err}") from None


def save_model(path, model) -> None:
    """Save ``model.state_dict()`` with the model's config (see ``model_config``)."""
    save_checkpoint(path, model.state_dict(), config=model_config(model))


def load_model(path, model):
    """Load the parameters saved by ``save_model`` into ``model``, in place, and return it.

    The saved config must equal the model's; otherwise a CheckpointError (a ValueError) lists the differing
    fields and the model is left unchanged (as it is by ``load_state_dict`` on any error).
    """
    params, _, saved = load_checkpoint(path)
    if not isinstance(saved, dict):
        raise CheckpointError(
            f"{os.fspath(path)!s}: the checkpoint has no model config to check against "
            f"{type(model).__name__}; use load_checkpoint and load_state_dict instead"
        )
    expected = model_config(model)
    diffs = [
        f"{k}: checkpoint {saved.get(k, '<absent>')!r}, model {expected.get(k, '<absent>')!r}"
        for k in sorted(set(saved) | set(expected))
        if saved.get(k, ...) != expected.get(k, ...)
    ]
    if diffs:
        raise CheckpointError(
            f"{os.fspath(path)!s}: the checkpoint's config does not match the model:\n\t" + "\n\t".join(diffs)
        )
    try:
        model.load_state_dict(params)
    except ValueError as err:  # load_state_dict's own report: missing, unexpected or mismatched tensors
        raise CheckpointError(f"{os.fspath(path)!s}: {err}") from err
    return model
