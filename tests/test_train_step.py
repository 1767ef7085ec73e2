"""elman.train.step: one update (zero, forward, loss, backward, clip, step), checked against numbers made by hand."""

from __future__ import annotations

import numpy as np
import pytest

from elman.nn.layers import Linear
from elman.nn.losses import mse
from elman.nn.module import Module
from elman.nn.rnn import RNN
from elman.optim import SGD, Adam
from elman.train.step import clip_norm, compute_gradients, train_step


def regression(seed=0, n=16):
    """A float64 Linear(3 → 1) and a batch whose targets a linear map explains exactly."""
    rng = np.random.default_rng(seed)
    layer = Linear(3, 1, dtype="float64", rng=rng)
    x = rng.standard_normal((n, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    return layer, x, y


def loss_at(layer, x, y):
    return float(mse(layer(x), y)[0])


def test_the_loss_falls_on_a_problem_sgd_can_solve():
    layer, x, y = regression()
    opt = SGD(layer.params, lr=0.1)
    losses = [train_step(layer, opt, mse, (x,), y).loss for _ in range(100)]
    assert losses[-1] < 1e-3 * losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:]))  # a small enough step on a quadratic never goes up


def test_one_sgd_update_is_theta_minus_lr_times_the_central_difference_gradient():
    layer, x, y = regression(seed=1)
    before = {k: v.copy() for k, v in layer.params.items()}
    eps, lr = 1e-6, 0.05
    expected = {}
    for name, p in layer.params.items():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            keep = p[i]
            p[i] = keep + eps
            up = loss_at(layer, x, y)
            p[i] = keep - eps
            down = loss_at(layer, x, y)
            p[i] = keep
            g[i] = (up - down) / (2 * eps)
        expected[name] = before[name] - lr * g
    step = train_step(layer, SGD(layer.params, lr=lr), mse, (x,), y)
    assert step.stepped and step.loss == pytest.approx(float(mse(x @ before["weight"].T + before["bias"], y)[0]))
    for name in expected:
        np.testing.assert_allclose(layer.params[name], expected[name], rtol=1e-7, atol=1e-9)


def test_gradients_are_zeroed_before_backward_so_two_calls_do_not_add_up():
    layer, x, y = regression(seed=2)
    opt = SGD(layer.params, lr=0.0)  # lr 0: the same weights, so the same gradient twice
    first = compute_gradients(layer, mse, (x,), y)
    g1 = {k: v.copy() for k, v in layer.grads.items()}
    second = train_step(layer, opt, mse, (x,), y)
    assert second.grad_norm == first.grad_norm
    for name in g1:
        np.testing.assert_array_equal(layer.grads[name], g1[name])


def test_the_norm_before_and_after_clipping():
    layer, x, y = regression(seed=3)
    free = compute_gradients(layer, mse, (x,), y)
    by_hand = np.sqrt(sum(float(np.sum(g**2)) for g in layer.grads.values()))
    assert free.grad_norm == pytest.approx(by_hand, rel=1e-12)
    assert free.grad_norm_after == free.grad_norm and not free.clipped
    direction = {k: v / by_hand for k, v in layer.grads.items()}

    tau = 0.25 * by_hand
    clipped = compute_gradients(layer, mse, (x,), y, clip=tau)
    assert clipped.clipped and clipped.grad_norm == pytest.approx(by_hand, rel=1e-12)
    assert clipped.grad_norm_after == pytest.approx(tau, rel=1e-12)
    for name, g in layer.grads.items():  # the same direction, the length τ
        np.testing.assert_allclose(g, tau * direction[name], rtol=1e-12)

    loose = compute_gradients(layer, mse, (x,), y, clip=2 * by_hand)
    assert not loose.clipped and loose.grad_norm_after == loose.grad_norm


def test_clipping_covers_only_what_the_optimiser_moves():
    class Two(Module):
        def __init__(self, rng):
            super().__init__()
            self.a = self.add_module("a", Linear(3, 4, dtype="float64", rng=rng))
            self.b = self.add_module("b", Linear(4, 1, dtype="float64", rng=rng))

        def forward(self, x):
            return self.b(self.a(x))

        def backward(self, d):
            return self.a.backward(self.b.backward(d))

    _, x, y = regression(seed=4)
    model = Two(np.random.default_rng(4))
    compute_gradients(model, mse, (x,), y)
    a_grads = {k: v.copy() for k, v in model.grads.items() if k.startswith("a.")}
    b_norm = np.sqrt(sum(float(np.sum(v**2)) for k, v in model.grads.items() if k.startswith("b.")))
    opt = SGD({k: v for k, v in model.params.items() if k.startswith("b.")}, lr=0.0)
    step = train_step(model, opt, mse, (x,), y, clip=1e-3)
    assert step.grad_norm == pytest.approx(b_norm, rel=1e-12)
    for name, g in a_grads.items():  # outside the optimiser: neither clipped nor counted
        np.testing.assert_array_equal(model.grads[name], g)


def test_a_nonfinite_batch_is_skipped_only_when_asked():
    layer, x, y = regression(seed=5)
    y[0] = np.nan
    before = {k: v.copy() for k, v in layer.params.items()}
    held = train_step(layer, SGD(layer.params, lr=0.1), mse, (x,), y, clip=1.0, skip_nonfinite=True)
    assert not held.finite and not held.stepped
    for name in before:
        np.testing.assert_array_equal(layer.params[name], before[name])
    taken = train_step(layer, SGD(layer.params, lr=0.1), mse, (x,), y, clip=1.0)
    assert taken.stepped and np.isnan(layer.params["weight"]).all()  # a nan norm makes every gradient nan


def test_what_backward_returns_comes_back_and_adam_on_a_module_matches_the_loop_written_out():
    """The helper against the loop it replaces, on an RNN with a read-out: the same numbers to the bit."""

    class Last(Module):
        def __init__(self, rng):
            super().__init__()
            self.rnn = self.add_module("rnn", RNN(2, 5, dtype="float64", rng=rng))
            self.head = self.add_module("head", Linear(5, 1, dtype="float64", rng=rng))

        def forward(self, x):
            return self.head(self.rnn(x)[1][0])

        def backward(self, d):
            return self.rnn.backward(None, self.head.backward(d)[None], return_dh_norms=True)[2]

    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((7, 4, 2)), rng.standard_normal((4, 1))
    helped, by_hand = Last(np.random.default_rng(7)), Last(np.random.default_rng(7))
    opt_a, opt_b = Adam(helped.params, lr=0.01), Adam(by_hand.params, lr=0.01)
    for _ in range(3):
        step = train_step(helped, opt_a, mse, (x,), y, clip=0.05)
        by_hand.zero_grad()
        loss, d = mse(by_hand(x), y)
        norms = by_hand.backward(d)
        norm, after, _ = clip_norm(by_hand.grads, 0.05)
        opt_b.step(by_hand.grads)
        assert (step.loss, step.grad_norm, step.grad_norm_after) == (float(loss), norm, after)
        np.testing.assert_array_equal(step.backward, norms)
        assert step.backward.shape == (1, 1, 7)  # ‖∂L/∂h_t‖ for t = 1..T
    for name in helped.params:
        np.testing.assert_array_equal(helped.params[name], by_hand.params[name])
