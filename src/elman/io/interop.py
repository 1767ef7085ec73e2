"""Moving weights between elman, PyTorch and Keras.

elman uses torch.nn.RNN's names and shapes (``weight_ih_l{k}`` (H, I), ``weight_hh_l{k}`` (H, H),
``bias_ih_l{k}``/``bias_hh_l{k}`` (H,), ``*_reverse`` for the backward direction), so the torch
conversions only change the array type. Keras' SimpleRNN computes
``h_t = tanh(x_t · kernel + h_{t-1} · recurrent_kernel + bias)`` with kernel (I, H) = W_ihᵀ,
recurrent_kernel (H, H) = W_hhᵀ and a single bias (H,) that stands for b_ih + b_hh.
"""

from __future__ import annotations

import numpy as np

from elman.errors import CheckpointError, InvalidInput, InvalidType


def _import_torch():
    # torch is optional: imported only here, so that elman itself needs NumPy alone.
    try:
        import torch
    except ImportError as err:
        raise ImportError(
            "This function needs PyTorch: pip install torch==2.13.0 (or the extra: pip install 'elman[torch]')"
        ) from err
    return torch


def to_torch_state_dict(model_or_state) -> dict:
    """An elman model (or its state dict of arrays) as ``{name: torch.Tensor}``, same names, copied.

    A model built with ``learn_h0=True`` has an ``h0`` entry that torch.nn.RNN does not; drop it before
    ``torch_rnn.load_state_dict`` (or pass ``strict=False``).
    """
    torch = _import_torch()
    state = model_or_state.state_dict() if hasattr(model_or_state, "state_dict") else model_or_state
    out = {}
    for name, value in state.items():
        arr = np.asarray(value)
        # torch accepts native byte order only; the copy also keeps the tensor independent of the model.
        out[name] = torch.from_numpy(arr.astype(arr.dtype.newbyteorder("="), order="C", copy=True))
    return out


def from_torch_state_dict(state: dict) -> dict[str, np.ndarray]:
    """``{name: torch.Tensor or ndarray}`` -> ``{name: ndarray}`` (copies, same names, same dtypes)."""
    out = {}
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            out[name] = value.copy()
            continue
        torch = _import_torch()
        if not isinstance(value, torch.Tensor):
            raise InvalidType(f"{name}: expected a torch.Tensor or numpy.ndarray, got {type(value).__name__}")
        if value.dtype == torch.bfloat16:
            raise InvalidType(f"{name}: bfloat16 has no NumPy dtype; convert it first, e.g. tensor.float()")
        out[name] = value.detach().cpu().numpy().copy()
    return out


def _matrix(what: str, value, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape:
        raise CheckpointError(f"Expected {what} of shape {shape}, got {arr.shape}")
    return arr


def from_keras_simple_rnn(layers) -> dict[str, np.ndarray]:
    """Stacked Keras SimpleRNN weights -> an elman/torch state dict for a unidirectional RNN.

    ``layers[k] = (kernel (I_k, H), recurrent_kernel (H, H), bias (H,) or None)``, with I_k = H for k > 0.
    Every layer must have the same H (an elman RNN has one hidden_size), and either all or none a bias.
    Keras' one bias becomes ``bias_ih`` and ``bias_hh`` is zero, so the sum is the same.
    """
    layers = list(layers)
    if not layers:
        raise CheckpointError("Expected at least one layer, got none")
    if any(not isinstance(w, (tuple, list)) or len(w) != 3 for w in layers):
        raise CheckpointError(
            f"Expected each layer as (kernel, recurrent_kernel, bias or None), got {[type(w).__name__ for w in layers]}"
        )
    if len({w[2] is None for w in layers}) != 1:
        raise CheckpointError(
            "Expected every layer to have a bias or none to have one (elman.RNN's bias flag is shared), got a mix"
        )
    first = np.asarray(layers[0][0])
    if first.ndim != 2:
        raise CheckpointError(f"Expected kernel of layer 0 to be 2-D (input_size, units), got shape {first.shape}")
    I, H = first.shape
    state = {}
    for k, (kernel, recurrent, bias) in enumerate(layers):
        # Layers above the first take the previous layer's output (H features) as input.
        kernel = _matrix(f"kernel of layer {k}", kernel, (I if k == 0 else H, H))
        state[f"weight_ih_l{k}"] = np.ascontiguousarray(kernel.T)
        state[f"weight_hh_l{k}"] = np.ascontiguousarray(_matrix(f"recurrent_kernel of layer {k}", recurrent, (H, H)).T)
        if bias is not None:
            bias = _matrix(f"bias of layer {k}", bias, (H,))
            state[f"bias_ih_l{k}"] = bias.copy()
            state[f"bias_hh_l{k}"] = np.zeros_like(bias)
    return state


def to_keras_simple_rnn(state_dict, num_layers: int) -> list[tuple]:
    """A unidirectional elman/torch state dict (or model) -> ``[(kernel, recurrent_kernel, bias or None)] * L``.

    Keras has one bias per layer, so it is ``bias_ih + bias_hh``; this is exact for the weights but
    the sum is rounded (and cannot be split again: ``from_keras_simple_rnn`` puts it all in ``bias_ih``).
    """
    state = state_dict.state_dict() if hasattr(state_dict, "state_dict") else state_dict
    if not isinstance(num_layers, int) or num_layers <= 0:
        raise InvalidInput(f"Expected num_layers to be a positive integer, got {num_layers!r}")
    has_bias = "bias_ih_l0" in state
    expected = {
        f"{kind}_l{k}"
        for k in range(num_layers)
        for kind in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if has_bias else ())
    }
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise CheckpointError(
            f"Expected the keys of a {num_layers}-layer unidirectional RNN (Keras SimpleRNN has no "
            f"reverse direction or learned h0), got missing {missing} and unexpected {unexpected}"
        )
    H = np.asarray(state["weight_hh_l0"]).shape[0]
    out = []
    for k in range(num_layers):
        w_ih = np.asarray(state[f"weight_ih_l{k}"])
        if w_ih.ndim != 2 or w_ih.shape[0] != H or (k > 0 and w_ih.shape[1] != H):
            raise CheckpointError(
                f"Expected weight_ih_l{k} of shape ({H}, {w_ih.shape[-1] if k == 0 else H}), got {w_ih.shape}"
            )
        w_hh = _matrix(f"weight_hh_l{k}", state[f"weight_hh_l{k}"], (H, H))
        bias = None
        if has_bias:
            bias = _matrix(f"bias_ih_l{k}", state[f"bias_ih_l{k}"], (H,)) + _matrix(
                f"bias_hh_l{k}", state[f"bias_hh_l{k}"], (H,)
            )
        out.append((np.ascontiguousarray(w_ih.T), np.ascontiguousarray(w_hh.T), bias))
    return out
