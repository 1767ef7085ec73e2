"""An elman run directory read into its torch twin, and a twin's weights written back where every elman command
reads them.

    model = load_twin("runs/lm")             # TorchLanguageModel with the run's best weights
    ...                                      # train it with any torch tooling
    save_twin(model, "runs/lm")              # model.safetensors in elman's format: `elman sample runs/lm` reads it

The weights travel through elman's own model (``to_elman``), so the file is exactly what elman writes, with its
config and sha256; a twin of another shape than the run's is refused before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import torch

from elman.errors import MissingFile, RunError
from elman.io.checkpoint import load_model, save_model
from elman.io.interop import from_torch_state_dict, to_torch_state_dict
from elman.models.classifier import SequenceClassifier
from elman.models.language_model import LanguageModel
from elman.tasks.runs import read_run, run_task
from elman.torch.models import TorchLanguageModel, TorchSequenceClassifier

# the run's task: (elman model, its torch twin); both are built from the model's config() (config.json's "model")
KINDS = {"lm": (LanguageModel, TorchLanguageModel), "sentiment": (SequenceClassifier, TorchSequenceClassifier)}


def _model_config(run_dir) -> tuple[Path, str, dict]:
    run, config = read_run(run_dir)
    task = run_task(config)
    if task not in KINDS:
        raise RunError(f"{run} is a {task or 'unknown'} run; the torch twins exist for {' and '.join(KINDS)} runs")
    return run, task, dict(config["model"])


def elman_model(run_dir):
    """The run's elman model with its best weights (model.safetensors)."""
    run, task, config = _model_config(run_dir)
    if not (run / "model.safetensors").is_file():
        raise MissingFile(f"{run} has no model.safetensors yet (it is saved at the first evaluation)")
    elman_class, _ = KINDS[task]
    return load_model(run / "model.safetensors", elman_class(**config))


def twin_of(model) -> torch.nn.Module:
    """The torch twin of an elman model, holding copies of its weights."""
    for elman_class, torch_class in KINDS.values():
        if isinstance(model, elman_class):
            twin = torch_class(**model.config())
            twin.load_state_dict(to_torch_state_dict(model))
            return twin
    raise TypeError(
        f"no torch twin for {type(model).__name__}: expected one of {[c.__name__ for c, _ in KINDS.values()]}"
    )


def load_twin(run_dir) -> torch.nn.Module:
    """The torch twin of a run's model, with the run's best weights."""
    return twin_of(elman_model(run_dir))


def to_elman(twin: torch.nn.Module, model) -> None:
    """Copy a twin's weights into the elman ``model`` of the same shape, in place."""
    model.load_state_dict(from_torch_state_dict(twin.state_dict()))


def save_twin(twin: torch.nn.Module, run_dir) -> Path:
    """Write a twin's weights to the run's model.safetensors in elman's format; returns the path."""
    run, task, config = _model_config(run_dir)
    elman_class, _ = KINDS[task]
    model = elman_class(**config)
    try:
        to_elman(twin, model)
    except ValueError as err:
        raise RunError(f"the torch model does not fit the {task} run in {run}: {err}") from None
    save_model(run / "model.safetensors", model)
    return run / "model.safetensors"
