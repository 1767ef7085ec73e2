"""Step 2, recurrence: the unrolled numbers are the library's reference step, and elman.RNN agrees with them."""

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.steps.recurrence import ALPHABET, network, unroll  # noqa: E402
from elman.nn.rnn_step import rnn_step_forward  # noqa: E402


def test_the_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/recurrence/unroll", params={"text": "cat", "mode": "chars", "seed": 7})
    assert r.status_code == 200
    assert r.json() == unroll("cat", "chars", 7)
    assert r.json() != unroll("cat", "chars", 8)


@pytest.mark.parametrize(
    "text, mode, seed",
    [("hello", "chars", 0), ("the cat sat.", "chars", 3), ("1, 0, 0, 0", "numbers", 5), ("0.5 -2 3.25", "numbers", 0)],
)
def test_every_step_equals_rnn_step_forward_and_elman_rnn(client, text, mode, seed):
    r = client.get("/api/recurrence/unroll", params={"text": text, "mode": mode, "seed": seed}).json()
    embed, rnn, head = network(mode, seed)
    W_ih, W_hh = rnn.params["weight_ih_l0"], rnn.params["weight_hh_l0"]
    b_ih, b_hh = rnn.params["bias_ih_l0"], rnn.params["bias_hh_l0"]
    if mode == "chars":
        x = embed(np.array([ALPHABET.index(c) for c in text]))
    else:
        x = np.array([float(v) for v in text.replace(",", " ").split()])[:, None]
    output, h_n = rnn(x)
    h = np.zeros((1, 4))
    assert r["T"] == len(x) == len(r["steps"])
    for t, step in enumerate(r["steps"]):
        assert step["x"] == x[t].tolist() and step["h_prev"] == h[0].tolist()
        h, _ = rnn_step_forward(x[t][None], h, W_ih, W_hh, b_ih, b_hh)
        assert step["h"] == h[0].tolist()  # exactly the reference kernel
        assert step["h"] == pytest.approx(output[t].tolist(), rel=1e-12, abs=1e-15)  # and elman.RNN
        assert step["Wx"] == pytest.approx((W_ih @ x[t]).tolist(), rel=1e-12, abs=1e-15)
        assert step["Wh"] == pytest.approx((W_hh @ step["h_prev"]).tolist(), rel=1e-12, abs=1e-15)
        assert step["z"] == pytest.approx((np.array(step["Wx"]) + step["Wh"] + step["b"]).tolist(), rel=1e-12)
        assert np.tanh(step["z"]).tolist() == step["h"]
        assert step["y"] == pytest.approx((head.params["weight"] @ h[0] + head.params["bias"]).tolist(), rel=1e-12)
    assert r["rnn"]["h_n"] == pytest.approx(h_n.ravel().tolist(), rel=1e-12, abs=1e-15)
    assert r["rnn"]["output"] == output.tolist()


def test_the_weights_are_shared_so_the_parameter_count_does_not_grow():
    short, long = unroll("ab", "chars", 1), unroll("abcdefghijkl", "chars", 1)
    assert short["weights"] == long["weights"]
    assert short["parameters"]["shared"] == long["parameters"]["shared"] == 4 * 3 + 4 * 4 + 4 + 4 + 2 * 4 + 2
    assert long["parameters"]["unshared"] == 12 * long["parameters"]["shared"]
    assert short["weights"]["b"] == (np.array(short["weights"]["b_ih"]) + short["weights"]["b_hh"]).tolist()


def test_a_longer_prefix_leaves_the_earlier_steps_unchanged():
    a, b = unroll("cat", "chars", 2), unroll("cats", "chars", 2)
    assert b["steps"][:3] == a["steps"]


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"text": "abcdefghijklm"}, "at most 12 characters"),
        ({"text": "1 2 3 4 5 6 7 8 9 10 11 12 13", "mode": "numbers"}, "at most 12 numbers"),
        ({"text": "x" * 81}, "at most 80 characters"),
        ({"text": ""}, "text"),
        ({"text": "héllo"}, "expected letters, spaces"),
        ({"text": "1, two", "mode": "numbers"}, "expected numbers separated by commas"),
        ({"text": "1, 11", "mode": "numbers"}, "between -10 and 10"),
        ({"text": "1, nan", "mode": "numbers"}, "between -10 and 10"),
        ({"text": " , ", "mode": "numbers"}, "expected at least one number"),
        ({"mode": "words"}, "mode"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_was_expected(client, params, fragment):
    response = client.get("/api/recurrence/unroll", params=params)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["detail"]


def test_the_step_shows_the_reference_kernel(client):
    step = client.get("/api/steps/2").json()
    assert step["key"] == "recurrence" and step["icon"] == "replay"
    assert any(s["name"] == "elman.nn.rnn_step.rnn_step_forward" for s in step["sources"])
