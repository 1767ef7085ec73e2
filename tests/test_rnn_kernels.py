"""The fast sequence kernels equal the step-kernel oracle to rounding, in every arrangement."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import elman
from elman.nn import rnn_sequence
from rnn_reference import reference_rnn


def _random_case(rng, T, B, I, H, L, D, bias, lengths):
    rnn = elman.RNN(I, H, L, bias=bias, bidirectional=D == 2, dtype="float64", rng=rng)
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((L * D, B, H))
    lens = rng.integers(1, T + 1, size=B) if lengths else np.full(B, T)
    dy = rng.standard_normal((T, B, D * H))
    dhn = rng.standard_normal((L * D, B, H))
    return rnn, x, h0, lens, dy, dhn


def _check_against_reference(rnn, x, h0, lens, dy, dhn):
    out, hn = rnn(x, h0, lengths=lens)
    dx, dh0, norms = rnn.backward(dy, dhn, return_dh_norms=True)
    ref = reference_rnn(rnn.weights(), x, h0, lens, dy, dhn, rnn.nonlinearity)
    for got, want in zip((out, hn, dx, dh0, norms), (ref[0], ref[1], ref[2], ref[3], ref[5])):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)
    for l, per_direction in enumerate(ref[4]):
        for d, suffix in enumerate(rnn._suffixes(l)):
            names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
            for name, want in zip(names, per_direction[d]):
                if want is not None:
                    np.testing.assert_allclose(rnn.grads[name + suffix], want, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("L,D", [(1, 1), (2, 1), (1, 2), (3, 2)])
@pytest.mark.parametrize("lengths", [False, True])
@pytest.mark.parametrize("strided", [False, True], ids=["time-major dL/dz", "strided dL/dz"])
@pytest.mark.parametrize("B", [5, 1], ids=["states as columns", "one sequence: states as rows"])
def test_fast_path_equals_step_kernels(nonlinearity, L, D, lengths, strided, B, monkeypatch):
    # big layers keep dL/dz in y's layout during BPTT: the threshold sends these small ones down either path
    monkeypatch.setattr(rnn_sequence, "STRIDED_BPTT_BYTES", -1 if strided else 1 << 40)
    rng = np.random.default_rng(L * 10 + D)
    rnn, *case = _random_case(rng, T=7, B=B, I=4, H=6, L=L, D=D, bias=True, lengths=lengths)
    rnn.nonlinearity = nonlinearity
    _check_against_reference(rnn, *case)


@settings(max_examples=40, deadline=None)
@given(
    T=st.integers(1, 6),
    B=st.integers(1, 4),
    I=st.integers(1, 5),
    H=st.integers(1, 5),
    L=st.integers(1, 3),
    D=st.sampled_from([1, 2]),
    bias=st.booleans(),
    lengths=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_fast_path_equals_step_kernels_over_shapes(T, B, I, H, L, D, bias, lengths, seed):
    _check_against_reference(*_random_case(np.random.default_rng(seed), T, B, I, H, L, D, bias, lengths))


def test_dh_norms_are_stored_only_when_asked_and_change_no_gradient(monkeypatch):
    stores = []  # what each call of the time loop was given to store dh_t in
    loop = rnn_sequence.bptt_loop

    def spy(*args, **kwargs):
        stores.append(args[6] if len(args) > 6 else kwargs.get("dh_store"))
        return loop(*args, **kwargs)

    monkeypatch.setattr(rnn_sequence, "bptt_loop", spy)
    rng = np.random.default_rng(3)
    rnn, x, h0, lens, dy, dhn = _random_case(rng, 9, 3, 4, 5, 2, 2, True, True)
    rnn(x, h0, lengths=lens)
    plain = rnn.backward(dy, dhn, retain_cache=True)
    plain_grads = {name: g.copy() for name, g in rnn.grads.items()}
    assert len(plain) == 2 and len(stores) == 4 and all(s is None for s in stores)  # 2 layers x 2 directions
    rnn.zero_grad()
    dx, dh0, norms = rnn.backward(dy, dhn, return_dh_norms=True)
    assert len(stores) == 8 and all(s is not None for s in stores[4:])
    np.testing.assert_array_equal(plain[0], dx)
    np.testing.assert_array_equal(plain[1], dh0)
    for name, g in plain_grads.items():
        np.testing.assert_array_equal(rnn.grads[name], g)
    assert norms.shape == (2, 2, 9) and np.all(norms[:, :, 0] > 0)  # their values: the reference tests above
