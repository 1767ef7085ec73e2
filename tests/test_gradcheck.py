"""The finite-difference checker itself, then the RNN engine's backward passes held to it."""

import numpy as np
import pytest

import elman
from elman.gradcheck import GradcheckError, gradcheck, numerical_gradient


def _cubic_problem(seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, 4))
    v = rng.standard_normal(4)
    f = lambda: float(np.sum((W @ v) ** 3))  # noqa: E731
    dW = 3 * np.outer((W @ v) ** 2, v)
    dv = W.T @ (3 * (W @ v) ** 2)
    return f, W, v, dW, dv


def test_numerical_gradient_matches_the_exact_one():
    f, W, _, dW, _ = _cubic_problem()
    np.testing.assert_allclose(numerical_gradient(f, W), dW, rtol=1e-7, atol=1e-9)


def test_gradcheck_passes_and_reports_the_error_of_each_input():
    f, W, v, dW, dv = _cubic_problem()
    errors = gradcheck(f, {"W": W, "v": v}, {"W": dW, "v": dv})
    assert set(errors) == {"W", "v"}
    assert all(0 <= e < 1e-7 for e in errors.values())


def test_gradcheck_catches_a_wrong_gradient_and_names_it():
    f, W, v, dW, dv = _cubic_problem()
    wrong = dv.copy()
    wrong[2] *= 1.01  # a 1 % error in one element
    with pytest.raises(GradcheckError) as info:
        gradcheck(f, {"W": W, "v": v}, {"W": dW, "v": wrong})
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert "'v'" in message and "index (2,)" in message and "'W'" not in message
    assert repr(float(wrong[2])) in message and "numerical" in message


def test_gradcheck_treats_nan_as_a_failure():
    f, W, _, dW, _ = _cubic_problem()
    dW = dW.copy()
    dW[1, 1] = np.nan
    with pytest.raises(GradcheckError, match=r"index \(1, 1\)"):
        gradcheck(f, {"W": W}, {"W": dW})


def test_inputs_are_restored_bit_for_bit():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3)) * 1e3 + 0.1  # values where (x + eps) - eps != x in general
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    assert x.tobytes() == before.tobytes()


def test_inputs_are_restored_when_f_raises():
    x = np.linspace(0.1, 1.0, 6)
    before = x.copy()
    calls = []

    def f():
        calls.append(1)
        if len(calls) == 4:  # in the middle of the second element's pair of evaluations
            raise RuntimeError("boom")
        return float(np.sum(x**2))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert x.tobytes() == before.tobytes()


def test_float32_inputs_are_rejected():
    x = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError, match="float64.*got float32"):
        numerical_gradient(lambda: float(x.sum()), x)
    with pytest.raises(TypeError, match=r"inputs\['x'\] must have dtype float64.*got float32"):
        gradcheck(lambda: float(x.sum()), {"x": x}, {"x": np.ones(3)})
    assert np.all(x == 1)


def test_bad_arguments_are_reported():
    x = np.ones(3)
    with pytest.raises(TypeError, match="scalar loss"):
        numerical_gradient(lambda: x * 2, x)
    with pytest.raises(ValueError, match=r"expected \['x'\], got \['y'\]"):
        gradcheck(lambda: float(x.sum()), {"x": x}, {"y": np.ones(3)})
    with pytest.raises(ValueError, match=r"Expected analytic\['x'\] size \(3,\).*got \(2,\)"):
        gradcheck(lambda: float(x.sum()), {"x": x}, {"x": np.ones(2)})
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda: float(x.sum()), x, eps=0.0)
    assert np.all(x == 1)


# --- the RNN engine -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn_backward_matches_finite_differences(nonlinearity, batch_first):
    """Loss = Σ output ⊙ R1 + Σ h_n ⊙ R2 for a 2-layer bidirectional RNN with unsorted lengths."""
    rng = np.random.default_rng(3)
    T, B, I, H, L = 5, 3, 3, 4, 2
    rnn = elman.RNN(
        I,
        H,
        num_layers=L,
        nonlinearity=nonlinearity,
        bidirectional=True,
        batch_first=batch_first,
        dtype="float64",
        rng=rng,
    )
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    h0 = rng.standard_normal((2 * L, B, H)) * 0.5
    lengths = np.array([5, 2, 4])
    output, h_n = rnn(x, h0, lengths=lengths)
    R1, R2 = rng.standard_normal(output.shape), rng.standard_normal(h_n.shape)

    def loss():
        out, hn = rnn(x, h0, lengths=lengths)
        return float(np.sum(out * R1) + np.sum(hn * R2))

    rnn.zero_grad()
    rnn(x, h0, lengths=lengths)
    dx, dh0 = rnn.backward(R1, R2)
    analytic = {"x": dx, "h0": dh0, **{name: grad.copy() for name, grad in rnn.grads.items()}}
    inputs = {"x": x, "h0": h0, **rnn.params}
    assert len(rnn.params) == 2 * L * 4
    gradcheck(loss, inputs, analytic)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_backward_matches_finite_differences(nonlinearity):
    """BPTT by hand: a loop of cell calls, undone by backward calls in reverse order."""
    rng = np.random.default_rng(4)
    T, B, I, H = 4, 2, 3, 5
    cell = elman.RNNCell(I, H, nonlinearity=nonlinearity, dtype="float64", rng=rng)
    x, h0, R = rng.standard_normal((T, B, I)), rng.standard_normal((B, H)), rng.standard_normal((T, B, H))

    def loss():
        h, total = h0, 0.0
        for t in range(T):
            h = cell(x[t], h)
            total += float(np.sum(h * R[t]))
        cell.tape.clear()  # the checker's many forwards must not pile up on the tape
        return total

    loss()
    cell.zero_grad()
    h = h0
    for t in range(T):
        h = cell(x[t], h)
    dx, dh = np.zeros_like(x), np.zeros_like(h0)
    for t in reversed(range(T)):
        dx[t], dh = cell.backward(dh + R[t])  # dL/dh_t = the loss's own term + what flows back from t + 1
    assert not cell.tape
    analytic = {"x": dx, "h0": dh, **{name: grad.copy() for name, grad in cell.grads.items()}}
    gradcheck(loss, {"x": x, "h0": h0, **cell.params}, analytic)
