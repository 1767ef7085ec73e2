"""The small base class every layer shares: named parameters, their gradients, train/eval, state dicts.

Parameters live in ``self.params`` and their gradients, same names and shapes, in ``self.grads``.
A model made of layers registers each child with ``add_module``: the child's arrays appear in the
parent's dicts under ``"child.name"`` (the same arrays, not copies), so an optimiser built over
``model.params`` updates every layer. Arrays are only ever changed in place.
"""

from __future__ import annotations

import inspect

import numpy as np

from elman.errors import InvalidInput, InvalidState, InvalidType


class Module:
    # constructor arguments that only decide the starting weights (a random generator, pretrained vectors), so
    # they are not part of the configuration that rebuilds the model
    START_ONLY = ("rng", "embedding", "recurrent_init")

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True
        self._modules: dict[str, Module] = {}
        self.frozen: dict[str, np.ndarray] = {}  # parameters kept out of training, still saved and loaded

    def register_parameter(self, name: str, value: np.ndarray) -> None:
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)

    def freeze(self, name: str) -> None:
        """Move parameter ``name`` out of ``params`` and ``grads`` (what optimisers and clipping see) into
        ``frozen``; state dicts still save and load it."""
        if name not in self.params:
            raise KeyError(f"no trainable parameter named {name!r}; expected one of {sorted(self.params)}")
        self.frozen[name] = self.params.pop(name)
        del self.grads[name]

    def add_module(self, name: str, module: Module) -> Module:
        self._modules[name] = module
        for key, value in module.params.items():
            self.params[f"{name}.{key}"] = value
            self.grads[f"{name}.{key}"] = module.grads[key]
        for key, value in module.frozen.items():  # a child frozen before it joins stays frozen in the parent
            self.frozen[f"{name}.{key}"] = value
        return module

    def config(self) -> dict:
        """The constructor's arguments, read from the attributes of the same names, as plain Python values:
        ``type(model)(**model.config())`` builds a model of the same shape. Arguments in ``START_ONLY`` and those
        the model does not keep are left out."""
        config = {}
        for name, p in inspect.signature(type(self).__init__).parameters.items():
            if (
                name == "self"
                or name in self.START_ONLY
                or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                or not hasattr(self, name)
            ):
                continue
            value = getattr(self, name)
            config[name] = (
                str(value) if isinstance(value, np.dtype) else value.item() if isinstance(value, np.generic) else value
            )
        return config

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def zero_grad(self) -> None:
        for grad in self.grads.values():
            grad.fill(0)

    def train(self, mode: bool = True) -> Module:
        self.training = bool(mode)
        for module in self._modules.values():
            module.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def num_parameters(self) -> int:
        return sum(p.size for p in self.params.values())

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, frozen ones included, by torch's names."""
        return {name: value.copy() for name, value in {**self.params, **self.frozen}.items()}

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy ``state`` into the parameters (frozen ones included), in place. All problems are listed
        before anything changes."""
        if not isinstance(state, dict):
            raise InvalidType(f"state must be a dict of name -> numpy.ndarray, got {type(state).__name__}")
        targets = {**self.params, **self.frozen}
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        problems = []
        if strict and missing:
            problems.append(f"Missing key(s): {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"Unexpected key(s): {', '.join(map(str, unexpected))}")
        for name, value in state.items():
            if name not in targets:
                continue
            target = targets[name]
            try:
                value = np.asarray(value)
            except ValueError:  # a ragged nested list
                problems.append(f"{name}: expected an array, got a {type(value).__name__} NumPy cannot read as one")
                continue
            if value.shape != target.shape:
                problems.append(f"size mismatch for {name}: expected {target.shape}, got {value.shape}")
            elif value.dtype != target.dtype:
                problems.append(f"dtype mismatch for {name}: expected {target.dtype}, got {value.dtype}")
            elif not np.all(np.isfinite(value)):
                problems.append(f"non-finite values in {name}")
        if problems:
            raise InvalidInput(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        for name, value in state.items():
            if name in targets:
                targets[name][...] = value


class CachedModule(Module):
    """A module whose ``backward`` consumes what its latest ``forward`` left in ``self._cache``."""

    def __init__(self):
        super().__init__()
        self._cache = None

    def _take_cache(self):
        if self._cache is None:
            raise InvalidState(
                f"{type(self).__name__}.backward() needs a forward() first (the cache of a forward "
                "is freed by backward unless retain_cache=True)"
            )
        return self._cache
