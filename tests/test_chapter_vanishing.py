"""Step 5, vanishing: measured Jacobian-product norms against ρ^(T−k), 0.9¹⁰⁰, and clipping on a short run."""

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.analysis.gradient_flow import jacobian_norms, rho_bound, spectrum  # noqa: E402
from elman.chapter.steps.vanishing import HIDDEN, clipping, decay, network  # noqa: E402


def test_the_decay_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/vanishing/decay", params={"rho": 0.9, "T": 100, "nonlinearity": "tanh", "seed": 3})
    assert r.status_code == 200
    assert r.json() == decay(0.9, 100, "tanh", 3)
    assert r.json()["measured"] != decay(0.9, 100, "tanh", 4)["measured"]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("rho", [0.5, 0.9, 1.0, 1.3])
def test_measured_norms_are_exact_jacobian_products(rho, nonlinearity):
    r = decay(rho, 40, nonlinearity, 1)
    rnn = network(rho, nonlinearity, 1)
    assert spectrum(rnn.params["weight_hh_l0"])["spectral_radius"] == pytest.approx(rho, rel=1e-12)
    x = 0.5 * np.random.default_rng([1, 1]).standard_normal((40, 1, 1))
    assert r["measured"] == jacobian_norms(rnn, x)[::-1].tolist()
    assert r["rho_power"] == rho_bound(rho, 40).tolist()
    assert r["measured"][0] == pytest.approx(1.0)
    # W_hh is ρ times an orthogonal matrix and |f'| ≤ 1, so ρⁿ bounds the measured norm at every distance n
    assert all(m <= p * (1 + 1e-9) for m, p in zip(r["measured"], r["rho_power"]))
    assert r["first"] == {"measured": r["measured"][-1], "rho_power": r["rho_power"][-1], "distance": 39}


def test_the_reference_constant_is_computed():
    ref = decay(0.7, 10, "tanh", 0)["reference"]
    assert ref["value"] == pytest.approx(0.9 ** 100, rel=1e-12)
    assert f"{ref['value']:.3g}" == "2.66e-05"


def test_below_one_the_gradient_vanishes_and_above_it_can_grow():
    assert decay(0.5, 100, "relu", 0)["first"]["measured"] < 1e-20
    exploded = decay(1.5, 100, "relu", 0)["measured"]     # ReLU does not saturate: the product grows
    assert max(exploded) > 100
    saturated = decay(1.5, 100, "tanh", 0)["measured"]    # tanh saturates: f' ≈ 0 pulls it far below ρⁿ
    assert max(saturated) < 10 < decay(1.5, 100, "tanh", 0)["rho_power"][-1]


def test_the_clipping_endpoint_answers_the_library_numbers(client):
    params = {"rho": 1.4, "T": 50, "nonlinearity": "tanh", "clip": True, "max_norm": 2.0, "seed": 2}
    r = client.get("/api/vanishing/clipping", params=params)
    assert r.status_code == 200
    assert r.json() == clipping(1.4, 50, "tanh", True, 2.0, 2)


def test_clipping_caps_every_step_at_the_threshold_and_counts_the_clips():
    r = clipping(1.5, 60, "tanh", True, 2.0, 0)
    assert r["clip_events"] == sum(b > 2.0 for b in r["before"]) > 0
    for before, after, clipped in zip(r["before"], r["after"], r["clipped"]):
        assert clipped == (before > 2.0)
        assert after == (pytest.approx(2.0, rel=1e-12) if clipped else pytest.approx(before, rel=1e-12))


def test_without_clipping_the_norm_after_is_the_norm_before():
    r = clipping(1.5, 60, "tanh", False, 2.0, 0)
    assert r["after"] == r["before"] and r["clip_events"] == 0 and not any(r["clipped"])
    # the first step has the same gradient either way; the runs part once a clipped update is taken
    assert r["before"][0] == clipping(1.5, 60, "tanh", True, 2.0, 0)["before"][0]


def test_the_training_run_reads_a_bounded_length():
    r = clipping(0.9, 200, "relu", False, 1.0, 0)
    assert r["length"] == 30 and len(r["before"]) == len(r["steps"]) == 12
    assert r["T"] == 200 and HIDDEN == 8


@pytest.mark.parametrize("path, params, fragment", [
    ("decay", {"rho": 1.6}, "rho: Input should be less than or equal to 1.5"),
    ("decay", {"rho": 0.4}, "rho: Input should be greater than or equal to 0.5"),
    ("decay", {"rho": "nan"}, "rho"),
    ("decay", {"rho": "big"}, "rho: Input should be a valid number"),
    ("decay", {"T": 201}, "T: Input should be less than or equal to 200"),
    ("decay", {"T": 1}, "T: Input should be greater than or equal to 2"),
    ("decay", {"T": 2.5}, "T: Input should be a valid integer"),
    ("decay", {"nonlinearity": "sigmoid"}, "nonlinearity"),
    ("decay", {"seed": -1}, "seed"),
    ("clipping", {"max_norm": 0}, "max_norm: Input should be greater than or equal to 0.01"),
    ("clipping", {"max_norm": 1000}, "max_norm"),
    ("clipping", {"clip": "maybe"}, "clip: Input should be a valid boolean"),
    ("clipping", {"rho": 2}, "rho"),
    ("clipping", {"T": "ten"}, "T"),
])
def test_bad_input_is_a_4xx_that_says_what_was_expected(client, path, params, fragment):
    response = client.get(f"/api/vanishing/{path}", params=params)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["detail"]


def test_the_library_checks_the_same_bounds():
    with pytest.raises(ValueError, match="rho: expected a number between 0.5 and 1.5"):
        decay(2.0, 10, "tanh", 0)
    with pytest.raises(ValueError, match="nonlinearity: expected one of"):
        decay(0.9, 10, "sigmoid", 0)
    with pytest.raises(ValueError, match="max_norm: expected"):
        clipping(0.9, 10, "tanh", True, 0.0, 0)


def test_the_step_text_carries_the_example_sentence(client):
    step = client.get("/api/steps/5").json()
    assert step["key"] == "vanishing" and step["icon"] == "warning"
    assert step["callout"]["kind"] == "Critical in AI" and "was sleeping" in step["callout"]["text"]
    assert {s["name"] for s in step["sources"]} >= {"elman.analysis.gradient_flow.suffix_product_norms",
                                                     "elman.optim.clip_grad_norm_"}


def test_the_bounds_the_page_reads_are_the_endpoints_query_bounds(client):
    """The sliders take their ends from /bounds; they must be what the endpoints accept (their OpenAPI bounds)."""
    bounds = client.get("/api/vanishing/bounds").json()
    schema = client.get("/openapi.json").json()["paths"]
    for path, names in (("/api/vanishing/decay", ("rho", "T")), ("/api/vanishing/clipping", ("rho", "T", "max_norm"))):
        params = {p["name"]: p["schema"] for p in schema[path]["get"]["parameters"]}
        for name in names:
            assert [params[name]["minimum"], params[name]["maximum"]] == bounds[name], (path, name)
        assert params["nonlinearity"]["pattern"] == f"^({'|'.join(bounds['nonlinearity'])})$"
    assert bounds["clip_steps"] == len(clipping(0.9, 10, "tanh", False, 1.0, 0)["steps"])
    low = {"rho": bounds["rho"][0], "T": bounds["T"][0], "nonlinearity": "tanh", "clip": True,
           "max_norm": bounds["max_norm"][0]}
    assert client.get("/api/vanishing/clipping", params=low).status_code == 200         # the ends are accepted
    assert client.get("/api/vanishing/clipping", params={**low, "T": bounds["T"][0] - 1}).status_code == 422
