"""The gradient-flow measurements run forwards of their own and put back what the caller's forward saved."""

import numpy as np
import pytest

import elman
from elman.analysis.gradient_flow import hidden_grad_norms, jacobian_norms, truncated_bptt


@pytest.mark.parametrize(
    "measure",
    [
        lambda rnn, x: hidden_grad_norms(rnn, x),
        lambda rnn, x: jacobian_norms(rnn, x),
        lambda rnn, x: truncated_bptt(rnn, x, np.ones((6, 2, 3)), window=2),
    ],
    ids=["hidden_grad_norms", "jacobian_norms", "truncated_bptt"],
)
def test_a_measurement_leaves_the_callers_pending_backward(measure):
    rnn = elman.RNN(4, 3, dtype="float64", rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((6, 2, 4))
    out, _ = rnn(x)
    saved = rnn.saved
    measure(rnn, x)
    assert rnn.saved is saved
    dx, _ = rnn.backward(np.ones_like(out))
    rnn(x)
    np.testing.assert_array_equal(dx, rnn.backward(np.ones_like(out))[0])
