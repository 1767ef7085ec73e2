"""Finite-difference gradient checks: the test every hand-written backward pass has to pass.

The central difference

    ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / 2ε

has truncation error O(ε²) and round-off error about u·|f|/ε (u = 2⁻⁵³ in float64), so with ε = 1e-6 it
agrees with an exact gradient to roughly 1e-8 relative. In float32 (u = 2⁻²⁴) the round-off alone is
larger than the gradient, which is why only float64 inputs are accepted.

Example:
    >>> import numpy as np
    >>> from elman.gradcheck import gradcheck
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> f = lambda: float(np.sum(W ** 3))                  # reads W, which gradcheck perturbs in place
    >>> errors = gradcheck(f, {"W": W}, {"W": 3 * W ** 2})
    >>> errors["W"] < 1e-8
    True
"""

from __future__ import annotations

import numpy as np

from elman.nn.checks import check_finite_positive


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the finite-difference one."""


def _check_float64(name: str, x) -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} must have dtype float64 for a finite-difference check (float32 round-off "
            f"swamps central differences), got {x.dtype}"
        )
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable: it is perturbed in place (and restored)")


def _evaluate(f) -> float:
    value = f()
    if np.ndim(value) != 0:
        raise TypeError(f"f must return a scalar loss, got an array of shape {np.shape(value)}")
    return float(value)


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, shape and dtype of ``x``.

    ``f`` takes no arguments and computes a scalar from ``x`` itself: each element of ``x`` is perturbed in
    place by ±eps and then set back to its saved value, so ``x`` ends bit-for-bit as it started, also when
    ``f`` raises.
    """
    _check_float64("x", x)
    check_finite_positive("eps", eps)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        try:
            x[index] = saved + eps
            f_plus = _evaluate(f)
            x[index] = saved - eps
            f_minus = _evaluate(f)
        finally:
            x[index] = saved  # the saved value itself, not (saved + eps) - eps, which may differ in the last bit
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def gradcheck(
    f, inputs: dict[str, np.ndarray], analytic: dict[str, np.ndarray], *, eps=1e-6, rtol=1e-5, atol=1e-8
) -> dict[str, float]:
    """Compare ``analytic[name]`` with the numerical ∂f/∂``inputs[name]`` for every name.

    Element-wise relative error e = |a − n| / max(|a|, |n|, atol/rtol): the floor atol/rtol stops gradients
    that are zero up to round-off from counting as large relative errors. The check passes when every
    e ≤ rtol, i.e. |a − n| ≤ max(rtol·max(|a|, |n|), atol). Returns the largest e of each input; raises
    ``GradcheckError`` naming each failing input, its worst index and both values. The inputs must be
    float64 arrays that ``f`` (no arguments, returns a scalar) reads; they are restored exactly.
    """
    if set(inputs) != set(analytic):
        raise ValueError(
            f"inputs and analytic must name the same arrays: expected {sorted(inputs)}, got {sorted(analytic)}"
        )
    check_finite_positive("eps", eps)
    check_finite_positive("rtol", rtol)
    check_finite_positive("atol", atol, allow_zero=True)
    expected = {}
    for name, x in inputs.items():
        _check_float64(f"inputs[{name!r}]", x)
        a = analytic[name]
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.floating):
            raise TypeError(
                f"analytic[{name!r}] must be a float numpy.ndarray, got {getattr(a, 'dtype', type(a).__name__)}"
            )
        if a.shape != x.shape:
            raise ValueError(f"Expected analytic[{name!r}] size {x.shape} (the input's), got {a.shape}")
        expected[name] = np.array(a, dtype=np.float64)  # a copy: f may well run a backward that changes grads

    errors, failures = {}, []
    for name, x in inputs.items():
        a, n = expected[name], numerical_gradient(f, x, eps)
        diff = np.abs(a - n)
        scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), atol / rtol)
        with np.errstate(invalid="ignore"):
            e = np.where(diff == 0, 0.0, diff / scale)  # diff == 0 also covers two equal infinities
        e = np.where(np.isnan(e), np.inf, e)  # a nan anywhere is a failure, and the worst one
        errors[name] = float(e.max()) if e.size else 0.0
        if errors[name] > rtol:
            worst = np.unravel_index(int(np.argmax(e)), e.shape)
            failures.append(
                f"input {name!r}: worst at index {tuple(int(i) for i in worst)}: analytic "
                f"{float(a[worst])!r}, numerical {float(n[worst])!r} "
                f"(relative error {e[worst]:.3g} > rtol {rtol:g})"
            )
    if failures:
        raise GradcheckError("gradient check failed for " + "; ".join(failures))
    return errors
