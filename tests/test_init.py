import numpy as np
import pytest

from elman.nn import init


def test_uniform_is_bounded_and_typed():
    w = init.uniform((300, 40), 0.1, np.random.default_rng(0))
    assert w.dtype == np.float32 and np.abs(w).max() <= 0.1 and abs(w.mean()) < 0.005


def test_normal_has_the_requested_std():
    w = init.normal((400, 400), 0.5, np.random.default_rng(0), dtype="float64")
    assert w.dtype == np.float64 and abs(w.std() - 0.5) < 0.005


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    q = init.orthogonal(shape, np.random.default_rng(1), gain=2.0, dtype="float64")
    small = min(shape)
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)


def test_orthogonal_square_has_unit_spectral_radius():
    q = init.orthogonal((50, 50), np.random.default_rng(2), dtype="float64")
    assert abs(init.spectral_radius(q) - 1.0) < 1e-10


def test_identity_and_spectral_rescaling():
    np.testing.assert_array_equal(init.identity((3, 3), gain=0.5), 0.5 * np.eye(3, dtype=np.float32))
    w = init.normal((30, 30), 1.0, np.random.default_rng(3), dtype="float64")
    for rho in (0.5, 0.9, 1.5):
        assert abs(init.spectral_radius(init.with_spectral_radius(w, rho)) - rho) < 1e-10


def test_randomness_is_explicit_and_reproducible():
    a = init.orthogonal((5, 5), np.random.default_rng(7))
    b = init.orthogonal((5, 5), np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: init.identity((3,)), "Expected a 2-D shape (rows, cols), got (3,)"),
        (lambda: init.orthogonal((2, 3, 4), np.random.default_rng()), "Expected a 2-D shape"),
        (lambda: init.uniform((-1, 2), 0.1, np.random.default_rng()), "Expected non-negative sizes, got (-1, 2)"),
        (lambda: init.spectral_radius(np.zeros((2, 3))), "Expected a square matrix, got (2, 3)"),
        (lambda: init.with_spectral_radius(np.zeros((2, 2)), 1.0), "spectral radius is 0"),
        (lambda: init.normal((2, 2), 1.0, np.random.default_rng(), dtype="int32"), "dtype must be float32 or float64"),
    ],
)
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
