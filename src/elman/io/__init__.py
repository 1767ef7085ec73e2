"""Saving, loading and converting weights: safetensors (written in NumPy, no pickle), checkpoints, torch and Keras."""

from elman.io.checkpoint import load_checkpoint, load_model, model_config, save_checkpoint, save_model
from elman.io.interop import from_keras_simple_rnn, from_torch_state_dict, to_keras_simple_rnn, to_torch_state_dict
from elman.io.safetensors import load_file, read_metadata, save_file

__all__ = [
    "from_keras_simple_rnn",
    "from_torch_state_dict",
    "load_checkpoint",
    "load_file",
    "load_model",
    "model_config",
    "read_metadata",
    "save_checkpoint",
    "save_file",
    "save_model",
    "to_keras_simple_rnn",
    "to_torch_state_dict",
]
