"""Step 4, BPTT: per-step gradient norms from the engine, full against truncated BPTT on the same batch of the
recall task (the marked input L steps back)."""

import time

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.analysis.gradient_flow import truncated_bptt  # noqa: E402
from elman.chapter.steps.bptt import DEFAULTS, backward_pass, recall_batch, window_starts  # noqa: E402


def test_the_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/bptt/backward", params={"T": 20, "K": 6, "L": 9, "rho": 1.2, "seed": 3})
    assert r.status_code == 200
    assert r.json() == backward_pass(20, 6, 9, 1.2, 3)
    assert r.json() != backward_pass(20, 6, 9, 1.2, 4)


def test_defaults_and_shape(client):
    r = client.get("/api/bptt/backward").json()
    assert (r["T"], r["K"], r["L"], r["rho"], r["seed"]) == (30, 10, 15, 0.9, 0) == (*DEFAULTS.values(), 0)
    assert len(r["full_norms"]) == len(r["truncated_norms"]) == 30 and r["steps"] == list(range(1, 31))
    assert r["cuts"] == [11, 21] and r["windows"] == 3 and r["truncated"] and r["window"] == [21, 30]
    assert r["marked"] == 16 and not r["reached"]
    assert r["spectral_radius"] == pytest.approx(0.9)


def test_the_marked_input_is_the_pulse_l_steps_back():
    x, y = recall_batch(np.random.default_rng(0), 30, 15)
    assert x.shape == (30, 512, 1)
    np.testing.assert_array_equal(x[15, :, 0], y)  # step 16 of 30: L = 15 steps before the end
    assert np.abs(np.delete(x[:, :, 0], 15, axis=0)).max() < 1  # the rest is noise of size 0.1


def test_a_loss_at_the_last_step_reaches_only_the_last_window_when_truncated():
    r = backward_pass(30, 10, 15, 0.9, 0)
    full, cut = np.array(r["full_norms"]), np.array(r["truncated_norms"])
    assert np.all(cut[:20] == 0) and np.all(full[:20] > 0)
    np.testing.assert_allclose(cut[20:], full[20:], rtol=1e-12)


def test_windows_are_laid_back_from_the_loss_so_its_window_holds_k_steps():
    assert window_starts(30, 7) == [0, 2, 9, 16, 23] and window_starts(30, 10) == [0, 10, 20]
    r = backward_pass(30, 7, 7, 0.9, 1)
    assert r["cuts"] == [3, 10, 17, 24] and r["window"] == [24, 30] and r["reached"]
    full, cut = np.array(r["full_norms"]), np.array(r["truncated_norms"])
    np.testing.assert_allclose(cut[23:], full[23:], rtol=1e-12)
    assert np.all(cut[:23] == 0)


def test_the_gradient_reaches_the_marked_input_exactly_when_it_lies_in_the_window():
    cut_off = backward_pass(30, 10, 11, 0.9, 2)["marked_gradient"]  # one step beyond the window
    assert cut_off["full"] > 0 and cut_off["truncated"] == 0
    inside = backward_pass(30, 10, 10, 0.9, 2)["marked_gradient"]  # the window's first step
    assert inside["truncated"] == pytest.approx(inside["full"], rel=1e-12) and inside["full"] > 0


def test_k_at_least_t_is_full_bptt():
    r = backward_pass(12, 12, 6, 1.0, 5)
    assert r["full_norms"] == r["truncated_norms"] and r["cuts"] == [] and not r["truncated"]
    g = r["gradients"]["weight_ih_l0"]
    assert g["relative_error"] == 0 and g["cosine"] == pytest.approx(1.0)


def test_the_comparison_is_the_library_truncated_bptt_on_the_same_batch():
    """Rebuild the seeded model and batch as the step does; with T a multiple of K the windows are the library's."""
    from elman.nn.init import with_spectral_radius
    from elman.nn.layers import Linear
    from elman.nn.losses import mse
    from elman.nn.rnn import RNN

    rng = np.random.default_rng(9)
    rnn, head = RNN(1, 16, dtype="float64", rng=rng), Linear(16, 1, dtype="float64", rng=rng)
    rnn.params["weight_hh_l0"][...] = with_spectral_radius(rnn.params["weight_hh_l0"], 0.8)
    for bias in (rnn.params["bias_ih_l0"], rnn.params["bias_hh_l0"], head.params["bias"]):
        bias[...] = 0
    x, y = recall_batch(rng, 16, 6)
    pred = head(rnn(x)[0])
    mask = np.zeros((16, 512), dtype=bool)
    mask[-1] = True
    _, d_pred = mse(pred, np.broadcast_to(y[None, :, None], pred.shape).copy(), mask=mask)
    grads, norms = truncated_bptt(rnn, x, head.backward(d_pred), 4)
    r = backward_pass(16, 4, 6, 0.8, 9)
    np.testing.assert_allclose(r["truncated_norms"], norms[0, 0], rtol=1e-12)
    assert r["gradients"]["weight_ih_l0"]["truncated_norm"] == pytest.approx(
        np.linalg.norm(grads["weight_ih_l0"]), rel=1e-12
    )


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"T": 1}, "T: expected a whole number from 2 to 64, got 1"),
        ({"T": 65}, "T: expected a whole number"),
        ({"T": "long"}, "T: expected a whole number from 2 to 64, got 'long'"),
        ({"K": 0}, "K: expected"),
        ({"K": 65}, "K: expected"),
        ({"K": 2.5}, "K: expected a whole number"),
        ({"L": 0}, "L: expected a whole number from 1 to 30"),
        ({"T": 10, "L": 11}, "L: expected a whole number from 1 to 10"),
        ({"rho": 0}, "rho: expected a number from 0.1 to 2"),
        ({"rho": 2.5}, "rho: expected"),
        ({"rho": "x"}, "rho"),
        ({"rho": "nan"}, "rho: expected"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
    ],
)
def test_bad_input_is_one_plain_sentence_that_says_what_was_expected(client, params, fragment):
    response = client.get("/api/bptt/backward", params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert fragment in detail and "got" in detail and "Input should" not in detail


def test_library_checks_answer_with_their_message():
    with pytest.raises(ValueError, match=r"T: expected a whole number from 2 to 64"):
        backward_pass(100, 5, 5, 1.0, 0)
    with pytest.raises(ValueError, match="L: expected a whole number from 1 to T = 10"):
        backward_pass(10, 5, 12, 1.0, 0)


def test_answers_are_fast(client):
    backward_pass.cache_clear()
    times = []
    for T, K, L in ((64, 1, 64), (64, 64, 30), (50, 3, 20), (30, 10, 15)):
        start = time.perf_counter()
        assert client.get("/api/bptt/backward", params={"T": T, "K": K, "L": L, "seed": 11}).status_code == 200
        times.append(time.perf_counter() - start)
    assert max(times) < 1.0, times  # generous: CI machines are shared; the report measures p95 separately
