"""elman's optimiser state in torch's optimisers, and back: a run changes engine without losing its moments.

elman keeps one flat dict (``"<param>.<kind>"`` arrays such as Adam's ``exp_avg``, the step count under
``"step"``, hyper-parameters under ``"hyper.<name>"``); torch keeps a state per parameter tensor under the same
kind names, with its own ``step``. Both follow torch's single-tensor update rules, so after the hand-over the
next step is the same to rounding (``foreach=False`` keeps torch on that implementation).
"""

from __future__ import annotations

import numpy as np
import torch

# elman's optimiser names (TrainConfig.optimizer) -> the torch class with the same update rule
OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def torch_optimizer(name: str, params, elman_state: dict) -> torch.optim.Optimizer:
    """The torch optimiser for elman's ``name`` with the hyper-parameters of its state dict."""
    hyper = {key[len("hyper.") :]: float(value) for key, value in elman_state.items() if key.startswith("hyper.")}
    flags = {k: bool(hyper.pop(k)) for k in ("amsgrad", "maximize", "nesterov", "centered") if k in hyper}
    if "beta1" in hyper:
        hyper["betas"] = (hyper.pop("beta1"), hyper.pop("beta2"))
    return OPTIMIZERS[name](params, **hyper, **flags, foreach=False)


def load_optimizer_state(optimizer, named_params: dict, elman_state: dict) -> None:
    """elman's flat optimiser state ("<param>.<kind>", "step") into torch's per-parameter state."""
    step = int(elman_state["step"])
    for name, p in named_params.items():
        kinds = {key[len(name) + 1 :]: value for key, value in elman_state.items() if key.startswith(name + ".")}
        state = {kind: torch.as_tensor(value, device=p.device).clone() for kind, value in kinds.items()}
        if step == 0:  # nothing learnt yet: torch's fresh state is elman's zeros
            continue
        if not isinstance(optimizer, torch.optim.SGD):
            state["step"] = torch.tensor(float(step))
        if state:
            optimizer.state[p] = state


def optimizer_state(optimizer, named_params: dict, elman_state: dict, steps: int) -> dict:
    """torch's optimiser state, ``steps`` updates in, as elman's flat state dict (the keys and dtypes of
    ``elman_state``)."""
    out = {}
    for name, p in named_params.items():
        state = optimizer.state.get(p, {})
        for key in elman_state:
            if key.startswith(name + ".") and not key.startswith("hyper."):
                kind = key[len(name) + 1 :]
                out[key] = (
                    state[kind].detach().cpu().numpy().astype(elman_state[key].dtype)
                    if kind in state
                    else elman_state[key]
                )
    out["step"] = np.array(steps, dtype=np.int64)
    group = optimizer.param_groups[0]
    for key in elman_state:
        if key.startswith("hyper."):
            name = key[len("hyper.") :]
            value = group["betas"][name == "beta2"] if name in ("beta1", "beta2") else group[name]
            out[key] = np.array(float(value), dtype=np.float64)
    return out
