"""Losses as pure functions: each returns ``(loss, gradient with respect to its first argument)``.

Nothing is cached and nothing is mutated, so a training step reads
``loss, dlogits = cross_entropy(head(h), y)`` followed by ``head.backward(dlogits)``.

Example:
    >>> import numpy as np
    >>> from elman.nn.losses import cross_entropy
    >>> logits = np.log(np.array([[0.5, 0.25, 0.25]]))     # (N, C): probabilities (1/2, 1/4, 1/4)
    >>> loss, dlogits = cross_entropy(logits, np.array([0]))
    >>> round(float(loss), 6), dlogits.round(3).tolist()   # −log ½ ;  softmax − onehot
    (0.693147, [[-0.5, 0.25, 0.25]])
"""

from __future__ import annotations

import numbers

import numpy as np

from elman.errors import InvalidIndex, InvalidInput, InvalidType
from elman.nn.checks import check_array, check_float, check_shape

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise InvalidInput(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_mask(mask, shape: tuple, what: str) -> np.ndarray:
    """A boolean copy of ``mask``: bool, or integers / floats holding only 0 and 1, of shape ``shape``."""
    check_array("mask", mask)
    if tuple(mask.shape) != tuple(shape):
        raise InvalidInput(f"Expected mask size {tuple(shape)} ({what}), got {tuple(mask.shape)}")
    if mask.dtype == np.bool_:
        return mask.copy()
    if not (np.issubdtype(mask.dtype, np.integer) or np.issubdtype(mask.dtype, np.floating)):
        raise InvalidType(f"mask must be boolean or hold 0/1 numbers, got dtype {mask.dtype}")
    invalid = (mask != 0) & (mask != 1)
    if invalid.any():
        raise InvalidInput(f"mask must hold only 0 and 1, got {mask[invalid].flat[0].item()!r}")
    return mask != 0


def _reduce(per_position: np.ndarray, grad: np.ndarray, count: int, reduction: str, dtype: np.dtype):
    """Apply the reduction to the per-position losses and scale their gradients to match."""
    if reduction == "none":
        return per_position, grad
    if reduction == "sum":
        return dtype.type(per_position.sum()), grad
    if count == 0:  # a mean over nothing: 0/0, as torch returns it; nothing was counted, so nothing gets a gradient
        return dtype.type(np.nan), grad
    grad /= count
    return dtype.type(per_position.sum() / count), grad


def cross_entropy(logits, targets, *, ignore_index=-100, mask=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy with integer targets and the class axis LAST.

    Shapes: logits (..., C) float32/float64, targets (...) integers, mask (...) or None. For a 2-D (N, C)
    input this is torch's ``F.cross_entropy`` exactly; for sequences pass (T, B, C) or (B, T, C) logits
    with (T, B) or (B, T) targets: the class axis is the last one, not axis 1 as in torch's (N, C, d1, ...).

    With q = (1 − ε)·onehot(y) + ε/C (ε = ``label_smoothing``) and p = softmax(z), each position gives

        ℓ = −Σ_c q_c log p_c = logsumexp(z) − Σ_c q_c z_c          ∂ℓ/∂z = p − q

    computed after subtracting max(z) from each row, so that exp never overflows. A position counts when
    its target differs from ``ignore_index`` and ``mask`` (if given) is true there; only counted targets
    must lie in [0, C). Uncounted positions get loss 0 and gradient 0. Reductions: "mean" divides by the
    number of counted positions (torch's mean over non-ignored targets; nan when none is counted, as in
    torch, with a zero gradient), "sum" adds them, "none" returns ℓ with the targets' shape and
    dlogits[i] = ∂ℓ_i/∂logits[i]. Returns ``(loss, dlogits)`` with dlogits shaped and typed like logits.
    """
    check_float("logits", logits)
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise InvalidInput(f"logits must have a non-empty class axis (the last one), got shape {logits.shape}")
    num_classes = logits.shape[-1]
    check_array("targets", targets)
    if not np.issubdtype(targets.dtype, np.integer):
        raise InvalidType(f"targets must have an integer dtype (class indices), got {targets.dtype}")
    if tuple(targets.shape) != logits.shape[:-1]:
        raise InvalidInput(
            f"Expected targets size {logits.shape[:-1]} (logits.shape[:-1]: the class axis is last), "
            f"got {tuple(targets.shape)}"
        )
    if not isinstance(ignore_index, numbers.Integral) or isinstance(ignore_index, bool):
        raise InvalidType(f"ignore_index must be an integer, got {ignore_index!r}")
    _check_reduction(reduction)
    if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise InvalidInput(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
    counted = targets != ignore_index
    if mask is not None:
        counted &= _check_mask(mask, targets.shape, "the shape of targets")
    out_of_range = counted & ((targets < 0) | (targets >= num_classes))
    if out_of_range.any():
        where = tuple(int(i) for i in np.argwhere(out_of_range)[0])
        raise InvalidIndex(
            f"Target {int(targets[where])} is out of bounds: expected class indices in "
            f"[0, {num_classes}) (or ignore_index={ignore_index}), got {int(targets[where])} "
            f"at position {where}"
        )

    eps = float(label_smoothing)
    shifted = logits - logits.max(axis=-1, keepdims=True)  # ℓ and p are unchanged by a shift of the row
    safe_targets = np.where(counted, targets, 0)  # any valid index, so that the gather below cannot fail
    z_target = np.take_along_axis(shifted, safe_targets[..., None], axis=-1)[..., 0]
    per_position = -(1.0 - eps) * z_target
    if eps > 0:  # guarded: 0 · (−inf) would turn a finite loss into nan when smoothing is off
        per_position -= eps * shifted.mean(axis=-1)
    grad = np.exp(shifted, out=shifted)  # shifted is not needed any more: its memory becomes p = softmax(z)
    sum_exp = grad.sum(axis=-1, keepdims=True)
    per_position += np.log(sum_exp)[..., 0]  # ℓ = logsumexp(z) − (1 − ε) z_y − ε mean(z)
    per_position = np.where(counted, per_position, 0)  # where, not a product: nan or inf in an ignored row stays out

    grad /= sum_exp
    grad_rows = grad.reshape(-1, num_classes)
    grad_rows[np.arange(grad_rows.shape[0]), safe_targets.reshape(-1)] -= 1.0 - eps
    if eps > 0:
        grad -= eps / num_classes
    if not counted.all():
        grad[~counted] = 0
    return _reduce(per_position, grad, int(counted.sum()), reduction, logits.dtype)


def mse(pred, target, *, reduction="mean", mask=None):
    """Mean squared error: ℓ_i = (pred_i − target_i)², ∂ℓ_i/∂pred_i = 2(pred_i − target_i).

    Shapes: pred and target alike (no broadcasting), same float dtype. ``mask`` (bool or 0/1) has pred's
    shape or a leading part of it, e.g. (T, B) for (T, B, D) predictions, and then covers the trailing
    axes. Unselected elements get loss 0 and gradient 0 (and may hold anything, nan included). Reductions:
    "mean" over the selected elements (nan when none is selected, with a zero gradient), "sum", or "none"
    (ℓ with pred's shape). Returns ``(loss, dpred)``.
    """
    check_float("pred", pred)
    check_array("target", target, dtype=pred.dtype)
    check_shape("target", target, pred.shape)
    _check_reduction(reduction)
    diff = pred - target
    count = diff.size
    if mask is not None:
        check_array("mask", mask)
        selected = _check_mask(mask, pred.shape[: mask.ndim], "pred's shape or a leading part of it")
        selected = np.broadcast_to(selected.reshape(selected.shape + (1,) * (pred.ndim - mask.ndim)), pred.shape)
        diff = np.where(selected, diff, 0).astype(pred.dtype, copy=False)
        count = int(selected.sum())
    return _reduce(diff * diff, 2 * diff, count, reduction, pred.dtype)
