"""cross_entropy and mse: finite differences, torch parity, edge cases and input checks."""

import numpy as np
import pytest

from elman.gradcheck import gradcheck
from elman.nn.losses import cross_entropy, mse

REDUCTIONS = ["mean", "sum", "none"]


def _weighted(loss_fn, reduction, R):
    """A scalar to differentiate: the loss itself, or Σ R ⊙ loss for reduction="none"."""

    def f():
        loss, _ = loss_fn()
        return float(loss) if reduction != "none" else float(np.sum(loss * R))

    return f


def _analytic(loss_fn, reduction, R):
    _, grad = loss_fn()
    if reduction == "none":  # grad[i] = ∂loss_i/∂x_i, and each loss_i depends on row i only
        grad = grad * (R[..., None] if grad.ndim > R.ndim else R)
    return grad


# --- cross_entropy -----------------------------------------------------------------------------------------------


def test_cross_entropy_known_value():
    logits = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]]))
    loss, dlogits = cross_entropy(logits, np.array([1, 2]))
    assert loss == pytest.approx(-(np.log(0.25) + np.log(0.7)) / 2, rel=1e-14)
    np.testing.assert_allclose(dlogits, np.array([[0.5, -0.75, 0.25], [0.1, 0.2, -0.3]]) / 2, atol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "ignore_index", "mask", "smoothing", "everything"])
def test_cross_entropy_matches_finite_differences(reduction, case):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((3, 4, 5)) * 2
    targets = rng.integers(0, 5, size=(3, 4))
    kwargs = {"reduction": reduction}
    if case in ("ignore_index", "everything"):
        targets[0, 1] = targets[2, 3] = -1
        kwargs["ignore_index"] = -1
    if case in ("mask", "everything"):
        kwargs["mask"] = rng.random((3, 4)) > 0.3
    if case in ("smoothing", "everything"):
        kwargs["label_smoothing"] = 0.2
    R = rng.standard_normal((3, 4))
    loss_fn = lambda: cross_entropy(logits, targets, **kwargs)  # noqa: E731
    gradcheck(_weighted(loss_fn, reduction, R), {"logits": logits}, {"logits": _analytic(loss_fn, reduction, R)})


def _torch_ce(torch, logits, targets, **kwargs):
    """torch's loss and gradient for our (..., C) layout, moving the class axis to where torch wants it."""
    lt = torch.from_numpy(logits.copy()).requires_grad_()
    inp = lt if logits.ndim <= 2 else lt.movedim(-1, 1)  # (N, d1, C) -> (N, C, d1)
    loss = torch.nn.functional.cross_entropy(inp, torch.from_numpy(targets), **kwargs)
    loss.sum().backward()  # for "none" the sum's gradient is each position's own ∂loss_i/∂logits_i
    return loss.detach().numpy(), lt.grad.numpy()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore_index", [-100, 2])  # 2 is a real class: its targets are then ignored
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 5)])
def test_cross_entropy_matches_torch(reduction, ignore_index, label_smoothing, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logits = rng.standard_normal(shape) * 3
    targets = rng.integers(0, 5, size=shape[:-1])
    targets.flat[1] = ignore_index
    kwargs = {"reduction": reduction, "ignore_index": ignore_index, "label_smoothing": label_smoothing}
    loss, dlogits = cross_entropy(logits, targets, **kwargs)
    ref_loss, ref_grad = _torch_ce(torch, logits, targets, **kwargs)
    np.testing.assert_allclose(loss, ref_loss, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dlogits, ref_grad, rtol=0, atol=1e-12)
    assert np.shape(loss) == targets.shape if reduction == "none" else np.ndim(loss) == 0


def test_cross_entropy_mask_is_the_same_as_ignoring():
    rng = np.random.default_rng(2)
    logits, targets = rng.standard_normal((4, 6, 3)), rng.integers(0, 3, size=(4, 6))
    mask = rng.random((4, 6)) > 0.5
    by_mask = cross_entropy(logits, targets, mask=mask.astype(np.int8))
    by_ignore = cross_entropy(logits, np.where(mask, targets, -100))
    np.testing.assert_allclose(by_mask[0], by_ignore[0], rtol=1e-15)
    np.testing.assert_array_equal(by_mask[1], by_ignore[1])


def test_cross_entropy_masked_positions_may_hold_anything():
    logits = np.zeros((2, 3))
    logits[1] = np.nan  # e.g. a padded row: neither its target nor its logits may leak into the result
    loss, dlogits = cross_entropy(logits, np.array([0, 99]), mask=np.array([True, False]))
    assert loss == pytest.approx(np.log(3)) and np.all(dlogits[1] == 0)


def test_cross_entropy_all_ignored_is_nan_like_torch():
    targets = np.full(3, -100)
    logits = np.zeros((3, 4))
    loss, dlogits = cross_entropy(logits, targets)
    assert np.isnan(loss) and np.all(dlogits == 0)
    assert cross_entropy(logits, targets, reduction="sum")[0] == 0
    torch = pytest.importorskip("torch")
    ref_loss, ref_grad = _torch_ce(torch, logits, targets)
    assert np.isnan(ref_loss) and np.all(ref_grad == 0)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-5e4, 5e4, 0.0]])
    loss, dlogits = cross_entropy(logits, np.array([1, 1]), reduction="none")
    np.testing.assert_allclose(loss, [1000.0, 0.0])
    np.testing.assert_allclose(dlogits, [[1, -1, 0], [0, 0, 0]], atol=1e-300)
    loss32, d32 = cross_entropy(logits.astype(np.float32), np.array([1, 1]), reduction="none")
    assert np.all(np.isfinite(loss32)) and np.all(np.isfinite(d32))


def test_cross_entropy_keeps_float32():
    logits = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    for reduction in REDUCTIONS:
        loss, dlogits = cross_entropy(logits, np.array([0, 1, 2, 0]), reduction=reduction, label_smoothing=0.1)
        assert np.asarray(loss).dtype == np.float32 and dlogits.dtype == np.float32


def test_cross_entropy_single_unbatched_row():
    loss, dlogits = cross_entropy(np.zeros(4), np.array(2))
    assert loss == pytest.approx(np.log(4)) and dlogits.shape == (4,)


@pytest.mark.parametrize(
    ("logits", "targets", "kwargs", "error", "pattern"),
    [
        (np.zeros((2, 3), np.int64), np.zeros(2, np.int64), {}, TypeError, "logits must have dtype .*got int64"),
        (np.zeros((2, 3), np.float16), np.zeros(2, np.int64), {}, TypeError, "got float16"),
        (np.zeros((2, 3)), np.zeros(2), {}, TypeError, "integer dtype .*got float64"),
        (np.zeros((2, 3)), np.zeros(3, np.int64), {}, ValueError, r"Expected targets size \(2,\).*got \(3,\)"),
        (np.zeros((2, 3)), np.array([0, 3]), {}, IndexError, r"Target 3 is out of bounds.*\[0, 3\)"),
        (np.zeros((2, 3)), np.array([-1, 0]), {}, IndexError, r"Target -1 is out of bounds.*ignore_index=-100"),
        (np.zeros((2, 3)), np.array([0, 1]), {"reduction": "avg"}, ValueError, "reduction must be one of.*'avg'"),
        (np.zeros((2, 3)), np.array([0, 1]), {"label_smoothing": 1.5}, ValueError, "between 0.0 and 1.0, got 1.5"),
        (np.zeros((2, 3)), np.array([0, 1]), {"mask": np.array([2, 0])}, ValueError, "only 0 and 1, got 2"),
        (np.zeros((2, 3)), np.array([0, 1]), {"mask": np.ones(3, bool)}, ValueError, r"mask size \(2,\).*got \(3,\)"),
        (np.zeros((2, 0)), np.array([0, 1]), {}, ValueError, "non-empty class axis"),
        ([[0.0, 1.0]], np.array([0]), {}, TypeError, "numpy.ndarray, got list"),
    ],
)
def test_cross_entropy_rejects_bad_input_and_changes_nothing(logits, targets, kwargs, error, pattern):
    before = [np.array(logits, copy=True), targets.copy()]
    with pytest.raises(error, match=pattern):
        cross_entropy(logits, targets, **kwargs)
    np.testing.assert_array_equal(logits, before[0])
    np.testing.assert_array_equal(targets, before[1])


def test_cross_entropy_does_not_modify_its_inputs():
    rng = np.random.default_rng(4)
    logits, targets, mask = rng.standard_normal((5, 3)), np.array([0, 1, 2, -100, 1]), np.ones(5, bool)
    copies = [a.copy() for a in (logits, targets, mask)]
    cross_entropy(logits, targets, mask=mask, label_smoothing=0.3)
    for a, b in zip((logits, targets, mask), copies, strict=True):
        np.testing.assert_array_equal(a, b)


# --- mse ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("mask_shape", [None, (3, 4, 2), (3, 4)])
def test_mse_matches_finite_differences(reduction, mask_shape):
    rng = np.random.default_rng(5)
    pred, target, R = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    mask = None if mask_shape is None else rng.random(mask_shape) > 0.4
    loss_fn = lambda: mse(pred, target, reduction=reduction, mask=mask)  # noqa: E731
    gradcheck(_weighted(loss_fn, reduction, R), {"pred": pred}, {"pred": _analytic(loss_fn, reduction, R)})


def test_mse_leading_mask_means_over_the_selected_elements():
    rng = np.random.default_rng(6)
    pred, target = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    mask = np.array([[1, 0, 1]] * 4)
    loss, dpred = mse(pred, target, mask=mask)
    selected = (pred - target)[:, [0, 2]]
    assert loss == pytest.approx(np.mean(selected**2), rel=1e-14)
    assert np.all(dpred[:, 1] == 0)
    assert np.isnan(mse(pred, target, mask=np.zeros((4, 3), bool))[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    pred, target = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 5, 2))
    pt = torch.from_numpy(pred.copy()).requires_grad_()
    ref = torch.nn.functional.mse_loss(pt, torch.from_numpy(target), reduction=reduction)
    ref.sum().backward()
    loss, dpred = mse(pred, target, reduction=reduction)
    np.testing.assert_allclose(loss, ref.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dpred, pt.grad.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("pred", "target", "kwargs", "error", "pattern"),
    [
        (np.zeros(3), np.zeros(3, np.float32), {}, TypeError, "target must have dtype float64, got float32"),
        (np.zeros(3, np.int32), np.zeros(3, np.int32), {}, TypeError, "pred must have dtype .*got int32"),
        (np.zeros(3), np.zeros((3, 1)), {}, ValueError, r"Expected target size \(3,\), got \(3, 1\)"),
        (np.zeros((2, 3)), np.zeros((2, 3)), {"mask": np.ones(3, bool)}, ValueError, r"Expected mask size \(2,\)"),
        (np.zeros(3), np.zeros(3), {"reduction": None}, ValueError, "reduction must be one of"),
    ],
)
def test_mse_rejects_bad_input_and_changes_nothing(pred, target, kwargs, error, pattern):
    before = [pred.copy(), target.copy()]
    with pytest.raises(error, match=pattern):
        mse(pred, target, **kwargs)
    np.testing.assert_array_equal(pred, before[0])
    np.testing.assert_array_equal(target, before[1])
