"""Step 4, BPTT: per-step gradient norms from the engine, full against truncated BPTT on the same batch."""

import time

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.analysis.gradient_flow import truncated_bptt  # noqa: E402
from elman.chapter.steps.bptt import backward_pass  # noqa: E402


def test_the_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/bptt/backward", params={"T": 20, "K": 6, "loss": "all", "rho": 1.2, "seed": 3})
    assert r.status_code == 200
    assert r.json() == backward_pass(20, 6, "all", 1.2, 3)
    assert r.json() != backward_pass(20, 6, "all", 1.2, 4)


def test_defaults_and_shape(client):
    r = client.get("/api/bptt/backward").json()
    assert (r["T"], r["K"], r["loss"], r["rho"], r["seed"]) == (30, 10, "last", 1.0, 0)
    assert len(r["full_norms"]) == len(r["truncated_norms"]) == 30 and r["steps"] == list(range(1, 31))
    assert r["cuts"] == [11, 21] and r["windows"] == 3 and r["truncated"]
    assert r["spectral_radius"] == pytest.approx(1.0)


def test_a_loss_at_the_last_step_reaches_only_the_last_window_when_truncated():
    r = backward_pass(30, 10, "last", 1.0, 0)
    full, cut = np.array(r["full_norms"]), np.array(r["truncated_norms"])
    assert np.all(cut[:20] == 0) and np.all(full[:20] > 0)
    np.testing.assert_allclose(cut[20:], full[20:], rtol=1e-12)


def test_with_a_loss_at_every_step_each_window_has_its_own_gradient():
    r = backward_pass(30, 10, "all", 1.0, 0)
    cut = np.array(r["truncated_norms"])
    assert np.all(cut > 0)
    assert r["gradients"]["weight_hh_l0"]["relative_error"] > 0


def test_k_at_least_t_is_full_bptt():
    r = backward_pass(12, 12, "all", 1.0, 5)
    assert r["full_norms"] == r["truncated_norms"] and r["cuts"] == [] and not r["truncated"]
    g = r["gradients"]["weight_hh_l0"]
    assert g["relative_error"] == 0 and g["cosine"] == pytest.approx(1.0)


def test_a_larger_k_loses_less_of_the_recurrent_gradient():
    errors = [backward_pass(40, k, "last", 1.3, 2)["gradients"]["weight_hh_l0"]["relative_error"] for k in (2, 8, 40)]
    assert errors[0] > errors[1] > errors[2] == 0


def test_the_comparison_is_the_library_truncated_bptt_on_the_same_batch():
    """Rebuild the seeded model and batch as the step does; the norms are truncated_bptt's."""
    from elman.data.synthetic import adding_problem
    from elman.nn.init import with_spectral_radius
    from elman.nn.layers import Linear
    from elman.nn.losses import mse
    from elman.nn.rnn import RNN

    rng = np.random.default_rng(9)
    rnn, head = RNN(2, 16, dtype="float64", rng=rng), Linear(16, 1, dtype="float64", rng=rng)
    rnn.params["weight_hh_l0"][...] = with_spectral_radius(rnn.params["weight_hh_l0"], 0.8)
    x, y = adding_problem(rng, 15, 8)
    x = x.astype(np.float64)
    pred = head(rnn(x)[0])
    _, d_pred = mse(pred, np.broadcast_to(y.astype(np.float64)[None, :, None], pred.shape).copy())
    grads, norms = truncated_bptt(rnn, x, head.backward(d_pred), 4)
    r = backward_pass(15, 4, "all", 0.8, 9)
    np.testing.assert_allclose(r["truncated_norms"], norms[0, 0], rtol=1e-12)
    assert r["gradients"]["weight_hh_l0"]["truncated_norm"] == pytest.approx(np.linalg.norm(grads["weight_hh_l0"]),
                                                                              rel=1e-12)


@pytest.mark.parametrize("params, fragment", [
    ({"T": 1}, "T"), ({"T": 65}, "less than or equal to 64"), ({"T": "long"}, "valid integer"),
    ({"K": 0}, "K"), ({"K": 65}, "K"), ({"K": 2.5}, "valid integer"),
    ({"loss": "middle"}, "loss"), ({"rho": 0}, "rho"), ({"rho": 2.5}, "rho"), ({"rho": "x"}, "rho"),
    ({"seed": -1}, "seed"), ({"seed": 2**31}, "seed"),
])
def test_bad_input_is_a_4xx_that_says_what_was_expected(client, params, fragment):
    response = client.get("/api/bptt/backward", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert fragment in detail and "got" in detail


def test_library_checks_answer_with_their_message():
    with pytest.raises(ValueError, match=r"T: expected an integer in \[2, 64\]"):
        backward_pass(100, 5, "last", 1.0, 0)
    with pytest.raises(ValueError, match="loss: expected one of"):
        backward_pass(10, 5, "first", 1.0, 0)


def test_answers_are_fast(client):
    backward_pass.cache_clear()
    times = []
    for T, K in ((64, 1), (64, 64), (50, 3), (30, 10)):
        start = time.perf_counter()
        assert client.get("/api/bptt/backward", params={"T": T, "K": K, "loss": "all", "seed": 11}).status_code == 200
        times.append(time.perf_counter() - start)
    assert max(times) < 0.5, times   # generous: CI machines are shared; the report measures p95 separately
