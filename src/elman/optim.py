"""Optimisers and gradient clipping over ``dict[str, np.ndarray]`` parameters, step for step like ``torch.optim``.

An optimiser is built over a model's ``params`` dict and stepped with the matching ``grads`` dict. Every
parameter (and every state array) is updated in place, so the arrays a model holds stay the arrays it holds.
Each update rule follows torch's single-tensor (for-loop) implementation, so results agree with torch to
rounding. ``state_dict()`` is a flat ``dict[str, np.ndarray]`` (safetensors-ready): per-parameter state under
``"<param>.<kind>"``, the step counter under ``"step"`` and hyper-parameters under ``"hyper.<name>"``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from elman.errors import InvalidInput, InvalidState, InvalidType
from elman.nn.checks import check_array, check_float, check_shape

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "clip_grad_norm_", "clip_grad_value_"]

# Hyper-parameters that must be >= 0, with the words torch uses in its error messages.
_NON_NEGATIVE = dict(
    lr="learning rate",
    eps="epsilon value",
    momentum="momentum value",
    alpha="alpha value",
    weight_decay="weight_decay value",
    lr_decay="lr_decay value",
    initial_accumulator_value="initial_accumulator_value value",
)


class Optimizer:
    """Holds ``params`` (the caller's arrays, not copies), hyper-parameters as attributes, and per-parameter state."""

    def __init__(self, params: dict[str, np.ndarray], **hyper):
        if not isinstance(params, dict):
            raise InvalidType(f"params must be a dict of name -> numpy.ndarray, got {type(params).__name__}")
        if not params:
            raise InvalidInput("optimizer got an empty parameter list")
        for name, p in params.items():
            check_float(f"params[{name!r}]", p)
            if not p.flags.writeable:
                raise InvalidInput(f"params[{name!r}] is read-only; the optimiser updates parameters in place")
        _check_numbers(hyper)
        # bool stays bool (amsgrad, nesterov, ...); numbers become Python floats so float32 arrays stay float32.
        hyper = {k: v if isinstance(v, bool) else float(v) for k, v in hyper.items()}
        self._check_hyper(hyper)
        self.__dict__.update(hyper)
        self._hyper_names = tuple(hyper)
        self._flags = {k for k, v in hyper.items() if isinstance(v, bool)}  # saved as 0./1., restored as bool
        self.params = dict(params)  # a new dict of the same arrays: later additions to the caller's dict don't leak in
        self.step_count = 0
        self._kinds = self._state_kinds(hyper)
        self.state = {n: {k: np.zeros_like(p) for k in self._kinds} for n, p in self.params.items()}
        self._buffers: dict = {}  # scratch for the update rules' intermediates (see _scratch)

    # --- what subclasses provide ---------------------------------------------------------------------------
    def _state_kinds(self, hyper: dict) -> tuple[str, ...]:
        """Names of the per-parameter state arrays these hyper-parameters need (fixed after construction)."""
        return ()

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _scratch(self, p: np.ndarray) -> np.ndarray:
        """A buffer shaped like ``p`` for a rule's intermediates, kept between steps (one per shape and dtype:
        parameters are updated one after another)."""
        key = (p.shape, p.dtype)
        if key not in self._buffers:
            self._buffers[key] = np.empty_like(p)
        return self._buffers[key]

    def _grad(self, p: np.ndarray, g: np.ndarray, weight_decay: float) -> np.ndarray:
        """The gradient a rule follows: negated to maximise, plus λ p (L2 decay). New arrays: grads stay untouched."""
        g = -g if self.maximize else g
        return g + weight_decay * p if weight_decay != 0 else g

    def _check_hyper(self, hyper: dict) -> None:
        _check_numbers(hyper)  # again: a scheduler may have set one since
        for name, words in _NON_NEGATIVE.items():
            if name in hyper and not 0.0 <= hyper[name]:  # written so that nan fails too
                raise InvalidInput(f"Invalid {words}: {hyper[name]}")

    # --- stepping ------------------------------------------------------------------------------------------
    def _current_hyper(self) -> dict:
        return {name: getattr(self, name) for name in self._hyper_names}

    def _check_consistent(self, hyper: dict) -> None:
        self._check_hyper(hyper)
        if self._state_kinds(hyper) != self._kinds:
            raise InvalidInput(
                f"{type(self).__name__} was built keeping state {list(self._kinds)}; these hyper-parameters need "
                f"{list(self._state_kinds(hyper))}. Turning momentum/amsgrad/centered on or off needs a new optimiser"
            )

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """Update every parameter in place from ``grads`` (same names, shapes and dtypes). All checks run first."""
        if not isinstance(grads, dict):
            raise InvalidType(f"grads must be a dict of name -> numpy.ndarray, got {type(grads).__name__}")
        missing = [n for n in self.params if n not in grads]
        unexpected = [n for n in grads if n not in self.params]
        if missing or unexpected:
            raise InvalidInput(f"grads do not match params: missing {missing}, unexpected {unexpected}")
        for name, p in self.params.items():
            g = check_array(f"grads[{name!r}]", grads[name])
            if g.dtype != p.dtype:
                raise InvalidType(f"Expected grads[{name!r}] dtype {p.dtype}, got {g.dtype}")
            check_shape(f"grads[{name!r}]", g, p.shape)
        # Hyper-parameters may have been changed since the last step (a scheduler sets lr): re-check them.
        self._check_consistent(self._current_hyper())
        self.step_count += 1
        for name, p in self.params.items():
            self._update(p, grads[name], self.state[name])

    # --- state dicts ---------------------------------------------------------------------------------------
    def _flat_state(self) -> dict[str, np.ndarray]:
        """The live state arrays by their state_dict keys (no copies)."""
        return {f"{n}.{k}": a for n, s in self.state.items() for k, a in s.items()}

    def state_dict(self) -> dict[str, np.ndarray]:
        out = {key: a.copy() for key, a in self._flat_state().items()}
        out["step"] = np.array(self.step_count, dtype=np.int64)
        out.update({f"hyper.{n}": np.array(v, dtype=np.float64) for n, v in self._current_hyper().items()})
        return out

    def load_state_dict(self, state: dict) -> None:
        """Restore from ``state_dict()`` output, in place. All problems are listed before anything changes."""
        live = self._flat_state()
        scalars = {"step": np.dtype(np.int64), **{f"hyper.{n}": np.dtype(np.float64) for n in self._hyper_names}}
        wanted = {**{k: (a.shape, a.dtype) for k, a in live.items()}, **{k: ((), d) for k, d in scalars.items()}}
        problems = []
        missing = [k for k in wanted if k not in state]
        unexpected = [k for k in state if k not in wanted]
        if missing:
            problems.append(f"Missing key(s): {', '.join(missing)}")
        if unexpected:
            problems.append(f"Unexpected key(s): {', '.join(unexpected)}")
        for key, (shape, dtype) in wanted.items():
            if key not in state:
                continue
            value = state[key]
            if not isinstance(value, np.ndarray):
                problems.append(f"{key}: expected numpy.ndarray, got {type(value).__name__}")
            elif value.shape != shape or value.dtype != dtype:
                problems.append(f"{key}: expected shape {shape} dtype {dtype}, got shape {value.shape} {value.dtype}")
        if not problems:
            hyper = {}
            for name in self._hyper_names:
                value = float(state[f"hyper.{name}"])
                if name in self._flags:
                    if value not in (0.0, 1.0):
                        problems.append(f"hyper.{name}: expected 0 or 1 (a flag), got {value}")
                    value = bool(value)
                hyper[name] = value
            if int(state["step"]) < 0:
                problems.append(f"step: expected a count >= 0, got {int(state['step'])}")
            try:
                self._check_consistent(hyper)
            except ValueError as err:
                problems.append(str(err))
        if problems:
            raise InvalidInput(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        for key, target in live.items():
            target[...] = state[key]
        self.step_count = int(state["step"])
        self.__dict__.update(hyper)


class SGD(Optimizer):
    """b ← μ b + (1−τ) g (b = g at step 1); p ← p − lr·(g + μ b if nesterov else b); g includes λ p."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False):
        super().__init__(
            params,
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            nesterov=bool(nesterov),
            weight_decay=weight_decay,
            maximize=bool(maximize),
        )

    def _check_hyper(self, hyper):
        super()._check_hyper(hyper)
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise InvalidInput("Nesterov momentum requires a momentum and zero dampening")

    def _state_kinds(self, hyper):
        return ("momentum_buffer",) if hyper["momentum"] != 0 else ()

    def _update(self, p, g, state):
        g = self._grad(p, g, self.weight_decay)
        if self.momentum != 0:
            buf = state["momentum_buffer"]
            if self.step_count == 1:  # torch starts the buffer at the first gradient, undamped
                buf[...] = g
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g


class Adam(Optimizer):
    """m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)."""

    _decoupled = False  # AdamW: weight decay shrinks p directly instead of joining the gradient

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False):
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise InvalidType(f"betas must be a pair of numbers (beta1, beta2), got {betas!r:.60}")
        beta1, beta2 = betas
        super().__init__(
            params,
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=bool(amsgrad),
            maximize=bool(maximize),
        )

    @property
    def betas(self) -> tuple[float, float]:
        return (self.beta1, self.beta2)

    def _check_hyper(self, hyper):
        super()._check_hyper(hyper)
        for i, name in enumerate(("beta1", "beta2")):
            if not 0.0 <= hyper[name] < 1.0:
                raise InvalidInput(f"Invalid beta parameter at index {i}: {hyper[name]}")

    def _state_kinds(self, hyper):
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if hyper["amsgrad"] else ())

    def _update(self, p, g, state):
        if self._decoupled and self.weight_decay != 0:
            p *= 1 - self.lr * self.weight_decay
        g = self._grad(p, g, 0.0 if self._decoupled else self.weight_decay)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._scratch(p)  # every intermediate goes through one buffer: no fresh arrays per step
        np.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta1
        m += tmp  # the lerp form of β1 m + (1−β1) g, as torch computes it
        v *= self.beta2
        np.multiply(g, 1 - self.beta2, out=tmp)
        tmp *= g
        v += tmp  # β2 v + (1−β2) g²
        if self.amsgrad:  # normalise by the largest second moment seen so far
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        t = self.step_count
        np.sqrt(v, out=tmp)
        tmp /= (1 - self.beta2**t) ** 0.5
        tmp += self.eps  # the denominator √v̂ + eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - self.beta1**t)
        p -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← p (1 − lr λ) before the Adam step."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


class RMSprop(Optimizer):
    """s ← α s + (1−α) g²; p ← p − lr·g/(√(s − ḡ²) + eps) (ḡ only if centered; with momentum via a buffer)."""

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
    ):
        super().__init__(
            params,
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=bool(centered),
            maximize=bool(maximize),
        )

    def _state_kinds(self, hyper):
        return (
            ("square_avg",)
            + (("momentum_buffer",) if hyper["momentum"] > 0 else ())
            + (("grad_avg",) if hyper["centered"] else ())
        )

    def _update(self, p, g, state):
        g = self._grad(p, g, self.weight_decay)
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * g * g
        if self.centered:  # subtract the squared mean gradient: a variance estimate instead of a raw second moment
            grad_avg = state["grad_avg"]
            grad_avg += (1 - self.alpha) * (g - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            p -= self.lr * buf
        else:
            p -= self.lr * g / avg


class Adagrad(Optimizer):
    """S ← S + g²; p ← p − lr/(1 + (t−1)·lr_decay) · g/(√S + eps)."""

    def __init__(
        self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, maximize=False
    ):
        super().__init__(
            params,
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=bool(maximize),
        )
        for state in self.state.values():
            state["sum"].fill(self.initial_accumulator_value)

    def _state_kinds(self, hyper):
        return ("sum",)

    def _update(self, p, g, state):
        g = self._grad(p, g, self.weight_decay)
        clr = self.lr / (1 + (self.step_count - 1) * self.lr_decay)
        state["sum"] += g * g
        p -= clr * g / (np.sqrt(state["sum"]) + self.eps)


def _check_numbers(hyper: dict) -> None:
    """Hyper-parameters are numbers (bool included, for flags); a string such as "0.1" is not cast."""
    for name, value in hyper.items():
        if not isinstance(value, numbers.Real):
            raise InvalidType(f"{name} must be a number, got {type(value).__name__} {value!r:.40}")


def _real(name: str, value) -> float:
    """A number as a float; an integer beyond float range becomes ±inf (what it would round to) instead of failing."""
    _check_numbers({name: value})
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _grad_list(grads) -> list[np.ndarray]:
    """A dict's values, one array, or any iterable of arrays, as a list of float arrays."""
    grads = grads.values() if isinstance(grads, dict) else grads
    if not isinstance(grads, Iterable) or isinstance(grads, (str, bytes)):
        raise InvalidType(f"grads must be an array, a dict or a list of arrays, got {type(grads).__name__}")
    arrays = [grads] if isinstance(grads, np.ndarray) else list(grads)
    for i, g in enumerate(arrays):
        check_float(f"grads[{i}]", g)
    return arrays


def _p_norm(x: np.ndarray, p: float) -> float:
    """‖x‖_p of a 1-D array. For p = 1, 2 and inf NumPy's norm, as torch computes it; for any other p the scaled
    form m·‖x/m‖_p (m = max|x|), since |x|^p over- or underflows for large p (p = 1e300 would give 0 or inf)."""
    if p in (1.0, 2.0, float("inf")):
        return np.linalg.norm(x, ord=p)
    a = np.abs(x.astype(np.float64))
    m = a.max()
    if not np.isfinite(m) or m == 0:  # inf, nan or all zeros: that is the norm, whatever p
        return m
    return m * np.sum((a / m) ** p) ** (1.0 / p)


def clip_grad_norm_(grads, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together, in place, so their joint norm is at most ``max_norm``; return the norm before.

    The norm is taken over every gradient as one vector (``norm_type`` p > 0, or ``inf`` for the largest
    magnitude). When ‖g‖ > max_norm, every gradient becomes g · max_norm / ‖g‖, so the clipped norm is exactly
    ``max_norm``; otherwise nothing changes. This is the textbook formula. torch instead always multiplies by
    min(1, max_norm / (‖g‖ + 1e-6)), which lands slightly below ``max_norm``: our clipped gradients equal
    torch's times (‖g‖ + 1e-6) / ‖g‖. A nan norm makes every gradient nan (as in torch), unless
    ``error_if_nonfinite`` is set: then a non-finite norm raises InvalidState (a RuntimeError) and nothing is changed.
    """
    arrays = _grad_list(grads)
    max_norm, norm_type = _real("max_norm", max_norm), _real("norm_type", norm_type)
    if not norm_type > 0:
        raise InvalidInput(f"norm_type must be > 0 or inf, got {norm_type}")
    if np.isnan(max_norm) or max_norm < 0:
        raise InvalidInput(f"max_norm must be >= 0, got {max_norm!r}")
    # Norm of the per-array norms = norm of everything concatenated, without building the concatenation.
    per_array = np.array([_p_norm(g.ravel(), norm_type) for g in arrays if g.size], dtype=np.float64)
    if not per_array.size:
        return 0.0
    total = float(_p_norm(per_array, norm_type))
    if not np.isfinite(total) and error_if_nonfinite:
        raise InvalidState(
            f"The total norm of order {norm_type} for gradients is {total}, non-finite, so it cannot be clipped. "
            "To scale the gradients by the non-finite norm anyway, set error_if_nonfinite=False"
        )
    if total > max_norm or np.isnan(total):
        scale = max_norm / total
        for g in arrays:
            g *= scale
    return total


def clip_grad_value_(grads, clip_value: float) -> None:
    """Clamp every gradient, in place, to [−clip_value, clip_value]."""
    arrays = _grad_list(grads)
    clip_value = _real("clip_value", clip_value)
    if not 0 <= clip_value:
        raise InvalidInput(f"clip_value must be >= 0, got {clip_value!r}")
    for g in arrays:
        np.clip(g, -clip_value, clip_value, out=g)
