"""One supervised update, written once: zero the gradients, forward, loss, backward, clip, optimiser step.

The model is any ``elman`` Module that also has ``backward(d_outputs)``; ``loss_fn(outputs, targets)`` returns
``(loss, d_outputs)`` (``elman.nn.losses.cross_entropy``, ``mse``, or a task's own). The update is

    g ← ∇_θ loss(model(*inputs), targets)        (after zeroing: two calls never add up)
    ‖g‖ > τ  ⇒  g ← τ · g / ‖g‖                  (clip_grad_norm_, over every optimised gradient as one vector)
    θ ← optimizer.step(g)

and :class:`StepResult` reports the loss and ‖g‖ before and after clipping. ``clip=None`` only measures the norm.
The gradients are those of the optimiser's parameters (``optimizer.params`` names inside ``model.grads``), so a
model with frozen or separately optimised parts is clipped over what this optimiser moves.

    >>> # step = train_step(model, Adam(model.params, lr=1e-3), cross_entropy, (x,), y, clip=5.0)
    >>> # step.loss, step.grad_norm, step.grad_norm_after, step.clipped
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from elman.optim import clip_grad_norm_

__all__ = ["StepResult", "clip_norm", "compute_gradients", "train_step"]


@dataclass(frozen=True)
class StepResult:
    loss: float
    grad_norm: float  # ‖g‖₂ before clipping
    grad_norm_after: float  # ‖g‖₂ after clipping, measured (= grad_norm when nothing was clipped)
    clipped: bool  # ‖g‖ > clip
    stepped: bool = False  # whether the optimiser moved the parameters
    backward: Any = None  # what model.backward returned (∂L/∂inputs for a layer; some models return norms)

    @property
    def finite(self) -> bool:
        return math.isfinite(self.loss) and math.isfinite(self.grad_norm)


def clip_norm(grads: dict, clip: float | None) -> tuple[float, float, bool]:
    """Clip ``grads`` in place to global norm ``clip`` (None: measure only); (‖g‖ before, ‖g‖ after, clipped).

    The norm after is measured rather than taken as ``clip``: rescaling lands on τ only up to rounding, and a
    non-finite norm turns the gradients non-finite (clip_grad_norm_ follows torch there), which a caller plotting
    the norm must see.
    """
    if clip is None:
        norm = clip_grad_norm_(grads, math.inf)  # nothing is above ∞: this only measures
        return norm, norm, False
    norm = clip_grad_norm_(grads, clip)
    clipped = norm > clip  # False for nan, as no threshold is crossed by it
    return norm, (clip_grad_norm_(grads, math.inf) if clipped else norm), clipped


def compute_gradients(model, loss_fn, inputs: tuple, targets, *, clip: float | None = None, names=None) -> StepResult:
    """Zero ``model``'s gradients, run forward and backward, clip the gradients named in ``names`` (all of
    ``model.grads`` by default) to ``clip``: everything of an update but the update (``stepped`` is False)."""
    model.zero_grad()
    outputs = model(*inputs)
    loss, d_outputs = loss_fn(outputs, targets)
    returned = model.backward(d_outputs)
    grads = model.grads if names is None else {n: model.grads[n] for n in names}
    norm, after, clipped = clip_norm(grads, clip)
    return StepResult(float(loss), float(norm), float(after), bool(clipped), False, returned)


def train_step(
    model, optimizer, loss_fn, inputs: tuple, targets, *, clip: float | None = None, skip_nonfinite: bool = False
) -> StepResult:
    """One update of ``optimizer``'s parameters on one batch: ``model(*inputs)`` against ``targets``.

    ``skip_nonfinite``: leave the parameters alone when the loss or the gradient norm is not finite (``stepped``
    False); otherwise the step is taken whatever the numbers, as an experiment that shows divergence needs.
    """
    step = compute_gradients(model, loss_fn, inputs, targets, clip=clip, names=optimizer.params)
    if skip_nonfinite and not step.finite:
        return step
    optimizer.step({n: model.grads[n] for n in optimizer.params})
    return replace(step, stepped=True)
