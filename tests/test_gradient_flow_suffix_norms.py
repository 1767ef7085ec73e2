"""elman.analysis.gradient_flow.suffix_product_norms: the numbers of jacobian_norms, taken in batched chunks."""

import numpy as np
import pytest

import elman
from elman.analysis.gradient_flow import jacobian_norms, state_jacobians, suffix_product_norms


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("ord", [2, "fro", 1, np.inf])
@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_equals_jacobian_norms(nonlinearity, ord, chunk):
    rnn = elman.RNN(2, 6, nonlinearity=nonlinearity, dtype="float64", rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((23, 3, 2))
    expected = jacobian_norms(rnn, x, ord=ord)
    got = suffix_product_norms(state_jacobians(rnn, x), ord=ord, chunk=chunk)
    assert got.shape == (23,) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def test_unbatched_jacobians_and_the_identity_at_the_last_step():
    W = np.array([[0.5, 0.1], [0.0, 0.4]])
    norms = suffix_product_norms([W, W, W])  # ‖W²‖, ‖W‖, ‖I‖
    np.testing.assert_allclose(norms, [np.linalg.norm(W @ W, 2), np.linalg.norm(W, 2), 1.0], rtol=1e-14)


def test_orthogonal_times_rho_decays_exactly_like_rho_to_the_n():
    Q = np.linalg.qr(np.random.default_rng(2).standard_normal((5, 5)))[0]
    norms = suffix_product_norms([0.9 * Q] * 101)
    assert norms[0] == pytest.approx(0.9**100, rel=1e-10)


@pytest.mark.parametrize(
    "jacobians, chunk, message",
    [
        ([], 8, "at least one Jacobian"),
        ([np.eye(2), np.eye(3)], 8, "of one shape"),
        ([np.ones((2, 3))], 8, "square"),
        ([np.eye(2)], 0, "chunk must be a positive integer"),
        ([np.eye(2)], 2.5, "chunk must be a positive integer"),
    ],
)
def test_bad_arguments_say_what_was_expected(jacobians, chunk, message):
    with pytest.raises(ValueError, match=message):
        suffix_product_norms(jacobians, chunk=chunk)
