"""elman.analysis.gradient_flow.truncated_bptt: window by window from a constant state, as torch's h.detach()."""

import numpy as np
import pytest

import elman
from elman.analysis.gradient_flow import hidden_grad_norms, truncated_bptt


def _setup(T=11, B=3, I=2, H=5, L=1, seed=0, **kw):
    rnn = elman.RNN(I, H, L, dtype="float64", rng=np.random.default_rng(seed), **kw)
    r = np.random.default_rng(seed + 1)
    x = r.standard_normal((T, B, I))
    d_output = r.standard_normal((T, B, H))
    return rnn, x, d_output


def _torch_truncated(rnn, x, d_output, window):
    """Gradients of L = Σ_t <y_t, d_output_t> with the state detached every ``window`` steps, and ‖∂L/∂h_t‖,
    from an explicit torch loop over steps (single layer)."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    p = {k: torch.tensor(v, requires_grad=True) for k, v in rnn.params.items()}
    xs, ds = torch.tensor(x), torch.tensor(d_output)
    h, states, loss = torch.zeros(x.shape[1], rnn.hidden_size, dtype=torch.float64), [], 0
    for t in range(x.shape[0]):
        if t % window == 0:
            h = h.detach()
        h = torch.tanh(xs[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"])
        h.retain_grad()
        states.append(h)
        loss = loss + (h * ds[t]).sum()
    loss.backward()
    return ({k: v.grad.numpy() for k, v in p.items()}, np.array([float(torch.linalg.norm(s.grad)) for s in states]))


@pytest.mark.parametrize("window", [1, 3, 4, 11, 50])
def test_truncated_gradients_and_norms_equal_torch_with_detach(window):
    rnn, x, d_output = _setup()
    grads, norms = truncated_bptt(rnn, x, d_output, window)
    expected, expected_norms = _torch_truncated(rnn, x, d_output, window)
    for name, g in expected.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-12, err_msg=name)
    assert norms.shape == (1, 1, 11)
    np.testing.assert_allclose(norms[0, 0], expected_norms, rtol=1e-10, atol=1e-12)


def test_a_window_as_long_as_the_sequence_is_full_bptt():
    rnn, x, d_output = _setup(L=2)
    grads, norms = truncated_bptt(rnn, x, d_output, 11)
    rnn.zero_grad()
    rnn(x)
    rnn.backward(d_output)
    for name, g in rnn.grads.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-12, atol=1e-14, err_msg=name)
    np.testing.assert_allclose(norms, hidden_grad_norms(rnn, x, d_output=d_output), rtol=1e-12)


def test_truncation_changes_the_recurrent_gradient_and_cuts_the_flow_at_window_starts():
    rnn, x, _ = _setup(T=12)
    d_output = np.zeros((12, 3, 5))
    d_output[-1] = 1.0  # loss at the last step only
    full, full_norms = truncated_bptt(rnn, x, d_output, 12)
    cut, cut_norms = truncated_bptt(rnn, x, d_output, 4)  # windows [0,4) [4,8) [8,12)
    assert not np.allclose(full["weight_hh_l0"], cut["weight_hh_l0"])
    assert np.all(cut_norms[0, 0, :8] == 0) and np.all(full_norms[0, 0, :8] > 0)
    np.testing.assert_allclose(cut_norms[0, 0, 8:], full_norms[0, 0, 8:], rtol=1e-12)


def test_the_rnn_is_left_as_it_was_and_batch_first_works():
    rnn, x, d_output = _setup()
    rnn.grads["weight_hh_l0"][...] = 7.0
    grads, _ = truncated_bptt(rnn, x, d_output, 3)
    assert np.all(rnn.grads["weight_hh_l0"] == 7.0) and rnn.training
    bf = elman.RNN(2, 5, dtype="float64", batch_first=True, rng=np.random.default_rng(0))
    bf_grads, _ = truncated_bptt(bf, x.transpose(1, 0, 2), d_output.transpose(1, 0, 2), 3)
    for name, g in grads.items():
        np.testing.assert_allclose(bf_grads[name], g, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    "window, fragment", [(0, "window must be an integer >= 1"), (2.5, "window must be an integer >= 1")]
)
def test_bad_windows_are_refused(window, fragment):
    rnn, x, d_output = _setup()
    with pytest.raises(ValueError, match=fragment):
        truncated_bptt(rnn, x, d_output, window)


def test_bidirectional_and_mismatched_gradients_are_refused():
    rnn, x, d_output = _setup(bidirectional=True)
    with pytest.raises(ValueError, match="unidirectional"):
        truncated_bptt(rnn, x, d_output, 3)
    rnn, x, d_output = _setup()
    with pytest.raises(ValueError, match="time steps"):
        truncated_bptt(rnn, x, d_output[:5], 3)
