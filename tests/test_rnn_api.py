"""elman.RNN as a user meets it: options, state, and clear errors that change nothing."""

import re
import weakref

import numpy as np
import pytest

import elman


def make(**kw):
    kw.setdefault("rng", np.random.default_rng(0))
    return elman.RNN(4, 3, **kw)


def x32(*shape):
    return np.random.default_rng(1).standard_normal(shape).astype(np.float32)


def snapshot(rnn):
    return {k: v.copy() for k, v in rnn.params.items()}, {k: v.copy() for k, v in rnn.grads.items()}


def assert_unchanged(rnn, before):
    params, grads = before
    for k in params:
        np.testing.assert_array_equal(rnn.params[k], params[k])
        np.testing.assert_array_equal(rnn.grads[k], grads[k])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r(x32(5, 2, 7)), "input.size(-1) must be equal to input_size. Expected 4, got 7"),
        (lambda r: r(x32(5, 2, 2, 4)), "input must be 2-D or 3-D, got 4-D"),
        (lambda r: r(x32(5, 2, 4).astype(np.float64)), "input must have dtype float32, got float64"),
        (lambda r: r([[0.0] * 4]), "input must be a numpy.ndarray, got list"),
        (lambda r: r(x32(5, 2, 4), x32(2, 2, 3)), "Expected hidden size (1, 2, 3), got (2, 2, 3)"),
        (lambda r: r(x32(5, 2, 4), x32(1, 2, 3).astype(np.float64)), "hx must have dtype float32, got float64"),
        (
            lambda r: r(x32(5, 2, 4), lengths=[5, 5, 5]),
            "len(lengths) must be equal to the batch size. Expected 2, got 3",
        ),
        (lambda r: r(x32(5, 2, 4), lengths=[0, 5]), "lengths must lie in [1, 5]"),
        (lambda r: r(x32(5, 2, 4), lengths=[6, 5]), "lengths must lie in [1, 5]"),
        (lambda r: r(x32(5, 2, 4), lengths=[2.5, 5]), "lengths must be a 1-D sequence of integers"),
        (lambda r: r(x32(0, 2, 4)), "at least one time step"),
    ],
)
def test_bad_forward_input_is_a_clear_error_and_changes_nothing(call, message):
    rnn = make()
    rnn(x32(5, 2, 4))
    before, saved = snapshot(rnn), rnn.saved
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        call(rnn)
    assert_unchanged(rnn, before)
    assert rnn.saved is saved  # the previous forward can still be backpropagated


def test_bad_backward_input_is_a_clear_error_and_changes_nothing():
    rnn = make(num_layers=2)
    with pytest.raises(RuntimeError, match="needs a forward"):
        rnn.backward(x32(5, 2, 3))
    out, hn = rnn(x32(5, 2, 4))
    before = snapshot(rnn)
    with pytest.raises(ValueError, match=re.escape("Expected d_output size (5, 2, 3), got (5, 2, 4)")):
        rnn.backward(x32(5, 2, 4))
    with pytest.raises(TypeError, match="d_output must have dtype float32, got float64"):
        rnn.backward(np.ones((5, 2, 3)))
    with pytest.raises(ValueError, match=re.escape("Expected d_h_n size (2, 2, 3), got (1, 2, 3)")):
        rnn.backward(np.ones_like(out), x32(1, 2, 3))
    assert_unchanged(rnn, before)
    rnn.backward(np.ones_like(out))  # the cache survived the failed calls
    with pytest.raises(RuntimeError, match="freed by backward"):
        rnn.backward(np.ones_like(out))


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(nonlinearity="sigmoid"), "Unknown nonlinearity 'sigmoid'"),
        (dict(dropout=1.0), "dropout should be a number in range [0, 1)"),
        (dict(num_layers=0), "num_layers must be a positive integer, got 0"),
        (dict(dtype="float16"), "dtype must be float32 or float64, got float16"),
    ],
)
def test_bad_constructor_arguments(kw, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        make(**kw)


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    rnn = make(num_layers=2)
    before = snapshot(rnn)
    state = rnn.state_dict()
    del state["bias_hh_l1"]
    state["weight_hh_l0"] = np.zeros((4, 4), np.float32)
    state["weight_ih_l1"] = state["weight_ih_l1"].astype(np.float64)
    state["extra"] = np.zeros(1, np.float32)
    with pytest.raises(ValueError) as err:
        rnn.load_state_dict(state)
    text = str(err.value)
    for fragment in (
        "Missing key(s): bias_hh_l1",
        "Unexpected key(s): extra",
        "size mismatch for weight_hh_l0",
        "dtype mismatch for weight_ih_l1",
    ):
        assert fragment in text
    assert_unchanged(rnn, before)
    other = make(num_layers=2, rng=np.random.default_rng(9))
    other.load_state_dict(rnn.state_dict())
    for k, v in rnn.params.items():
        np.testing.assert_array_equal(other.params[k], v)


def test_repr_names_non_default_options():
    assert repr(make()) == "RNN(4, 3)"
    assert repr(make(num_layers=2, bidirectional=True)) == "RNN(4, 3, num_layers=2, bidirectional=True)"


def test_batch_first_is_the_transpose_of_time_major():
    a, b = make(), make(batch_first=True)
    x = x32(6, 2, 4)
    out_a, hn_a = a(x)
    out_b, hn_b = b(np.ascontiguousarray(x.transpose(1, 0, 2)))
    np.testing.assert_array_equal(out_b, out_a.transpose(1, 0, 2))
    np.testing.assert_array_equal(hn_b, hn_a)


def test_output_is_read_only_because_backward_reads_it():
    out, _ = make()(x32(5, 2, 4))
    with pytest.raises(ValueError, match="read-only"):
        out *= 2


def test_padded_steps_keep_the_state_and_output_zero():
    rnn = make(bidirectional=True)
    x = x32(6, 3, 4)
    out, hn = rnn(x, lengths=[6, 2, 4])
    assert np.all(out[2:, 1] == 0) and np.all(out[4:, 2] == 0)
    short, short_hn = rnn(np.ascontiguousarray(x[:2, 1:2]))
    np.testing.assert_allclose(out[:2, 1:2], short, rtol=1e-6)
    np.testing.assert_allclose(hn[:, 1], short_hn[:, 0], rtol=1e-6)


def test_zero_rows_of_h0_reset_those_samples_only():
    rnn = make()
    x, h0 = x32(4, 3, 4), x32(1, 3, 3)
    h0[:, 1] = 0
    out, _ = rnn(x, h0)
    fresh, _ = rnn(np.ascontiguousarray(x[:, 1:2]))
    np.testing.assert_allclose(out[:, 1:2], fresh, rtol=1e-6, atol=1e-7)  # BLAS may sum in another order
    assert not np.allclose(out[:, 0], rnn(np.ascontiguousarray(x[:, 0:1]))[0][:, 0])


def test_learned_h0_gets_the_batch_summed_gradient():
    rnn = make(num_layers=2, learn_h0=True, dtype="float64")
    assert rnn.params["h0"].shape == (2, 3)
    rnn.params["h0"][...] = np.arange(6).reshape(2, 3) / 10
    x = np.random.default_rng(2).standard_normal((5, 4, 4))
    out, _ = rnn(x)
    dx, dh0 = rnn.backward(np.ones_like(out))
    np.testing.assert_allclose(rnn.grads["h0"], dh0.sum(axis=1))
    explicit = np.broadcast_to(rnn.params["h0"][:, None], (2, 4, 3)).copy()
    np.testing.assert_array_equal(rnn(x, explicit)[0], out)  # the learned state is the default h0


def test_dropout_only_between_layers_and_only_in_training():
    rnn = make(num_layers=2, dropout=0.5, dtype="float64")
    x = np.random.default_rng(3).standard_normal((5, 2, 4))
    rnn.eval()
    a, b = rnn(x)[0].copy(), rnn(x)[0].copy()
    np.testing.assert_array_equal(a, b)
    rnn.train()
    c = rnn(x)[0]
    assert not np.allclose(a, c)
    single = make(dropout=0.5, dtype="float64")  # one layer: nothing to drop between
    np.testing.assert_array_equal(single(x)[0], single.eval()(x)[0])


def test_randomness_is_explicit():
    state = np.random.get_state()
    a = elman.RNN(4, 3, num_layers=2, dropout=0.3, rng=np.random.default_rng(11))
    b = elman.RNN(4, 3, num_layers=2, dropout=0.3, rng=np.random.default_rng(11))
    x = x32(5, 2, 4)
    np.testing.assert_array_equal(a(x)[0], b(x)[0])
    assert np.all(np.random.get_state()[1] == state[1])


def test_parameter_count_does_not_depend_on_sequence_length():
    rnn = make(num_layers=2)
    n = rnn.num_parameters()
    assert n == 2 * (3 * 4 + 3 * 3 + 6) - 3 * 4 + 3 * 3
    assert rnn(x32(5, 1, 4))[0].shape == (5, 1, 3) and rnn(x32(500, 1, 4))[0].shape == (500, 1, 3)
    assert rnn.num_parameters() == n


def test_gradients_accumulate_and_zero_grad_clears_them():
    rnn = make(dtype="float64")
    x = np.random.default_rng(4).standard_normal((5, 2, 4))
    out, _ = rnn(x)
    rnn.backward(np.ones_like(out))
    once = rnn.grads["weight_hh_l0"].copy()
    out, _ = rnn(x)
    rnn.backward(np.ones_like(out))
    np.testing.assert_allclose(rnn.grads["weight_hh_l0"], 2 * once)
    rnn.zero_grad()
    assert all(np.all(g == 0) for g in rnn.grads.values())


def test_rnn_cell_records_nothing_in_eval_mode():
    cell = elman.RNNCell(4, 3, rng=np.random.default_rng(0)).eval()
    h = None
    for _ in range(10):
        h = cell(x32(2, 4), h)
    assert cell.tape == []
    with pytest.raises(RuntimeError, match="eval mode"):
        cell.backward(h)


def test_gradients_at_padded_steps_are_ignored_as_with_packed_sequences():
    rnn = make(bidirectional=True, batch_first=True, dtype="float64")
    x = np.random.default_rng(5).standard_normal((3, 6, 4))
    out, _ = rnn(x, lengths=[6, 2, 4])
    dy = np.random.default_rng(6).standard_normal(out.shape)
    dx, _ = rnn.backward(dy, retain_cache=True)
    dy[1, 2:] = 1e3  # padded steps of the second sequence
    dy[2, 4:] = -1e3
    dx_noisy, _ = rnn.backward(dy)
    np.testing.assert_array_equal(dx, dx_noisy)
    assert np.all(dx[1, 2:] == 0)


def test_non_contiguous_arrays_are_accepted():
    rnn = make(batch_first=True, dtype="float64")
    big = np.random.default_rng(7).standard_normal((4, 10, 8))
    out, hn = rnn(big[:, ::2, ::2])
    out_c, hn_c = rnn(np.ascontiguousarray(big[:, ::2, ::2]))
    np.testing.assert_array_equal(out, out_c)
    dx, _ = rnn.backward(np.asfortranarray(np.ones(out.shape)))
    assert dx.shape == (4, 5, 4)


def test_shape_errors_speak_in_the_callers_layout():
    rnn = make(batch_first=True)
    rnn(x32(2, 5, 4))
    with pytest.raises(ValueError, match=re.escape("Expected d_output size (2, 5, 3), got (5, 2, 3)")):
        rnn.backward(x32(5, 2, 3))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_states_at_equals_h_n_of_the_shorter_forward(bidirectional):
    rnn = make(num_layers=2, bidirectional=bidirectional, dtype="float64")
    x = np.random.default_rng(8).standard_normal((7, 3, 4))
    h0 = np.random.default_rng(9).standard_normal((4 if bidirectional else 2, 3, 3))
    rnn(x, h0)
    at4 = rnn.states_at(4)
    _, hn = rnn(np.ascontiguousarray(x[:5]), h0)
    if bidirectional:  # the reverse direction sees the future, and so does every layer above the first
        np.testing.assert_allclose(at4[0], hn[0], rtol=1e-12)
    else:
        np.testing.assert_allclose(at4, hn, rtol=1e-12)
    with pytest.raises(IndexError, match=r"\[-7, 7\)"):
        rnn(x, h0) and rnn.states_at(7)


def test_states_at_with_lengths_keeps_each_sequences_last_state():
    rnn = make(dtype="float64")
    x = np.random.default_rng(10).standard_normal((6, 3, 4))
    _, hn = rnn(x, lengths=[6, 2, 4])
    np.testing.assert_array_equal(rnn.states_at(5), hn)


def test_resets_restart_a_sequence_mid_window_from_zero():
    rnn = make(num_layers=2, dropout=0.0, dtype="float64")
    rng = np.random.default_rng(11)
    x, h0 = rng.standard_normal((7, 2, 4)), rng.standard_normal((2, 2, 3))
    resets = np.zeros((7, 2), dtype=bool)
    resets[3, 0] = resets[5, 1] = True
    out, hn = rnn(x, h0, resets=resets)
    first, _ = rnn(np.ascontiguousarray(x[:3, :1]), np.ascontiguousarray(h0[:, :1]))
    second, hn0 = rnn(np.ascontiguousarray(x[3:, :1]))
    np.testing.assert_allclose(out[:3, :1], first, rtol=1e-12)
    np.testing.assert_allclose(out[3:, :1], second, rtol=1e-12)
    np.testing.assert_allclose(hn[:, 0], hn0[:, 0], rtol=1e-12)
    with pytest.raises(ValueError, match="unidirectional RNN, without lengths"):
        make(bidirectional=True, dtype="float64")(x, resets=resets)
    with pytest.raises(TypeError, match="resets must be a bool array"):
        rnn(x, resets=resets.astype(int))


def test_resets_backward_matches_finite_differences():
    from elman.gradcheck import gradcheck

    rnn = make(num_layers=2, dtype="float64", rng=np.random.default_rng(12))
    rng = np.random.default_rng(13)
    x, h0 = rng.standard_normal((6, 3, 4)), rng.standard_normal((2, 3, 3))
    resets = rng.random((6, 3)) < 0.3
    r1, r2 = rng.standard_normal((6, 3, 3)), rng.standard_normal((2, 3, 3))

    def loss():
        out, hn = rnn(x, h0, resets=resets)
        return float(np.sum(out * r1) + np.sum(hn * r2))

    rnn.zero_grad()
    rnn(x, h0, resets=resets)
    dx, dh0 = rnn.backward(r1, r2)
    gradcheck(loss, {"x": x, "h0": h0, **rnn.params}, {"x": dx, "h0": dh0, **rnn.grads}, rtol=1e-6)


@pytest.mark.parametrize("B", [3, 1])
def test_dropout_between_layers_backward_matches_finite_differences(B):
    from elman.gradcheck import gradcheck

    rnn = make(num_layers=3, dropout=0.4, bidirectional=True, dtype="float64", rng=np.random.default_rng(14))
    rng = np.random.default_rng(15)
    x, h0 = rng.standard_normal((5, B, 4)), rng.standard_normal((6, B, 3))
    r1, r2 = rng.standard_normal((5, B, 6)), rng.standard_normal((6, B, 3))

    def forward():
        rnn.rng = np.random.default_rng(16)  # the same dropout masks in every forward
        return rnn(x, h0)

    def loss():
        out, hn = forward()
        return float(np.sum(out * r1) + np.sum(hn * r2))

    rnn.zero_grad()
    forward()
    dx, dh0 = rnn.backward(r1, r2)
    gradcheck(loss, {"x": x, "h0": h0, **rnn.params}, {"x": dx, "h0": dh0, **rnn.grads}, rtol=1e-6)


def test_state_memory_is_reused_only_once_nothing_holds_it():
    rnn = elman.RNN(3, 5, num_layers=2, rng=np.random.default_rng(0))
    x1, x2 = np.random.default_rng(1).standard_normal((2, 4, 2, 3)).astype(np.float32)
    out1, _ = rnn(x1)
    kept = out1.copy()
    out2, _ = rnn(x2)  # out1 is still held: the second forward must write elsewhere
    np.testing.assert_array_equal(out1, kept)
    assert not np.shares_memory(out1, out2)
    # The training loop's pattern: backward frees the cache, the caller drops the output, and the next
    # forward writes its states into the same array (a weak reference does not hold it).
    memory = weakref.ref(out2.base)
    rnn.backward(np.ones_like(out2))
    del out1, out2
    out3, _ = rnn(x1)
    assert out3.base is memory()
    np.testing.assert_array_equal(out3, kept)


def test_saved_is_what_backward_reads_and_can_be_put_back():
    from elman.nn.rnn import SavedForward

    rnn = make(num_layers=2, dtype="float64")
    assert rnn.saved is None
    rng = np.random.default_rng(17)
    x, other, dy = rng.standard_normal((5, 2, 4)), rng.standard_normal((5, 2, 4)), rng.standard_normal((5, 2, 3))
    out, hn = rnn(x)
    saved = rnn.saved
    assert isinstance(saved, SavedForward) and saved.batched and saved.output_shape == out.shape
    np.testing.assert_array_equal(saved.cache.layers[-1].h[:, -1].T, hn[-1])  # the top layer's states, (H, T, B)
    first, _ = rnn.backward(dy, retain_cache=True)
    rnn(other)  # replaces what backward would read, in fresh memory while ``saved`` holds the old
    assert rnn.saved is not saved
    rnn.saved = saved
    again, _ = rnn.backward(dy)
    np.testing.assert_array_equal(again, first)
    assert rnn.saved is None  # backward freed it
    with pytest.raises(TypeError, match="saved must be a SavedForward read from RNN.saved, or None, got tuple"):
        rnn.saved = tuple(saved)
