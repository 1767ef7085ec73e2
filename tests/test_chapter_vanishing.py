"""Step 5, vanishing: measured Jacobian-product norms against ρ^(T−k), the tanh' factors that explain the gap,
0.9¹⁰⁰, and two training runs on the same batches, without and with clipping."""

import math

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.analysis.gradient_flow import jacobian_norms, rho_bound, spectrum  # noqa: E402
from elman.chapter.steps.vanishing import (  # noqa: E402
    CLIP_STEPS,
    HIDDEN,
    PRESETS,
    TAIL,
    bounds,
    clipping,
    decay,
    network,
    train,
)
from elman.nn.rnn_step import activation_grad  # noqa: E402


def inputs(seed, T):
    return 0.5 * np.random.default_rng([seed, 1]).standard_normal((T, 1, 1))


def test_the_decay_endpoint_answers_the_library_numbers(client):
    r = client.get("/api/vanishing/decay", params={"rho": 0.9, "T": 100, "seed": 3})
    assert r.status_code == 200
    assert r.json() == decay(0.9, 100, 3)
    assert r.json()["tanh"] != decay(0.9, 100, 4)["tanh"]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("rho", [0.5, 0.9, 1.0, 1.3])
def test_measured_norms_are_exact_jacobian_products(rho, nonlinearity):
    r = decay(rho, 40, 1)
    rnn = network(rho, nonlinearity, 1)
    assert spectrum(rnn.params["weight_hh_l0"])["spectral_radius"] == pytest.approx(rho, rel=1e-12)
    assert r[nonlinearity] == jacobian_norms(rnn, inputs(1, 40))[::-1].tolist()
    assert r["rho_power"] == rho_bound(rho, 40).tolist()
    assert r[nonlinearity][0] == pytest.approx(1.0)
    # ‖W_hhⁿ‖ = ρⁿ for both networks and |f'| ≤ 1, so ρⁿ bounds the measured norm at every distance n
    assert all(m <= p * (1 + 1e-9) for m, p in zip(r[nonlinearity], r["rho_power"]))
    assert r["first"][nonlinearity] == r[nonlinearity][-1] and r["first"]["distance"] == 39


def test_the_relu_network_keeps_every_unit_active_and_the_tanh_network_does_not_saturate_for_free():
    r = decay(1.5, 100, 0)
    assert r["relu"] == pytest.approx(r["rho_power"], rel=1e-9) and r["first"]["relu_verdict"] == "exploded"
    rnn = network(1.5, "relu", 0)
    assert np.array_equal(rnn.params["weight_hh_l0"], 1.5 * np.eye(HIDDEN)) and np.all(rnn.params["bias_ih_l0"] == 1)
    saturated = decay(1.5, 100, 0)["tanh"]  # tanh saturates: tanh' ≈ 0 pulls it far below ρⁿ
    assert max(saturated) < 10 < r["rho_power"][-1]


def test_the_tanh_gap_is_measured_from_the_tanh_derivatives():
    r = decay(0.9, 100, 0)
    gap, n = r["tanh_gap"], 99
    assert gap["steps"] == n
    assert gap["factor"] == pytest.approx(r["first"]["tanh"] / 0.9**n, rel=1e-12)
    assert gap["per_step"] == pytest.approx(gap["factor"] ** (1 / n), rel=1e-12)
    rnn = network(0.9, "tanh", 0)
    rnn.eval()
    h, _ = rnn(inputs(0, 100))
    slopes = activation_grad(h[1:, 0], "tanh")  # the factors in ∂h_T/∂h_1
    assert gap["mean_slope"] == pytest.approx(float(np.mean(1 - h[1:, 0] ** 2)), rel=1e-12)
    assert gap["mean_slope"] == pytest.approx(float(slopes.mean()), rel=1e-12)
    assert gap["slope_power"] == pytest.approx(gap["mean_slope"] ** n, rel=1e-9)
    assert gap["mean_abs_h"] == pytest.approx(float(np.abs(h[1:, 0]).mean()), rel=1e-9)
    # the measurement, now explained: 8.4e-13 against ρ⁹⁹ = 2.95e-5, a factor 2.9e-8, 0.84 per step
    assert f"{r['first']['tanh']:.2g}" == "8.4e-13" and f"{gap['per_step']:.2f}" == "0.84"


def test_the_reference_constant_is_computed():
    ref = decay(0.7, 10, 0)["reference"]
    assert ref["value"] == pytest.approx(0.9**100, rel=1e-12)
    assert f"{ref['value']:.3g}" == "2.66e-05"


def test_the_clipping_endpoint_answers_the_library_numbers(client):
    params = {"rho": 1.4, "T": 50, "nonlinearity": "tanh", "max_norm": 2.0, "seed": 2}
    r = client.get("/api/vanishing/clipping", params=params)
    assert r.status_code == 200
    assert r.json() == clipping(1.4, 50, "tanh", 2.0, 2)


def test_clipping_caps_every_step_at_the_threshold_and_counts_the_clips():
    r = clipping(0.9, 60, "tanh", 0.5, 0)["with"]
    assert r["clip_events"] == sum(b > 0.5 for b in r["before"]) > 0
    for before, after, clipped, first, first_after in zip(
        r["before"], r["after"], r["clipped"], r["first"], r["first_after"]
    ):
        assert clipped == (before > 0.5)
        assert after == (pytest.approx(0.5, rel=1e-12) if clipped else pytest.approx(before, rel=1e-12))
        # ‖∂L/∂h₁‖ is scaled as every gradient is: by τ/‖g‖ when the step clipped
        assert first_after == pytest.approx(first * (0.5 / before if clipped else 1.0), rel=1e-12)


def test_both_runs_start_alike_on_the_same_batches_and_part_once_a_clip_is_taken():
    r = clipping(0.9, 60, "tanh", 0.5, 0)
    w, wo = r["with"], r["without"]
    assert wo["after"] == wo["before"] and wo["clip_events"] == 0 and not any(wo["clipped"])
    assert wo["first_after"] == wo["first"]
    assert w["loss"][0] == wo["loss"][0] and w["before"][0] == wo["before"][0]  # same start, same first batch
    assert w["baseline"] == wo["baseline"]  # same batches throughout
    assert w["loss"][5] != wo["loss"][5]
    assert wo is train(0.9, 60, "tanh", None, 0)  # one unclipped run serves every threshold


def test_the_end_of_a_run_is_the_geometric_mean_of_its_last_losses_or_none_after_an_overflow():
    r = clipping(1.5, 30, "relu", 10.0, 0)
    assert r["with"]["end"] == pytest.approx(math.exp(np.mean(np.log(r["with"]["loss"][-TAIL:]))), rel=1e-12)
    assert r["without"]["end"] is None and r["without"]["loss"][r["without"]["overflow_step"] - 1] is None
    assert all(v is None for v in r["without"]["loss"][r["without"]["overflow_step"] - 1 :])


def test_the_training_run_reads_a_bounded_length():
    r = clipping(0.9, 200, "relu", 1.0, 0)
    assert r["length"] == 60 and len(r["with"]["before"]) == len(r["steps"]) == CLIP_STEPS == 30
    assert r["T"] == 200 and HIDDEN == 8


@pytest.mark.parametrize(
    "path, params, fragment",
    [
        ("decay", {"rho": 1.6}, "rho: Input should be less than or equal to 1.5"),
        ("decay", {"rho": 0.4}, "rho: Input should be greater than or equal to 0.5"),
        ("decay", {"rho": "nan"}, "rho"),
        ("decay", {"rho": "big"}, "rho: Input should be a valid number"),
        ("decay", {"T": 201}, "T: Input should be less than or equal to 200"),
        ("decay", {"T": 1}, "T: Input should be greater than or equal to 2"),
        ("decay", {"T": 2.5}, "T: Input should be a valid integer"),
        ("decay", {"seed": -1}, "seed"),
        ("clipping", {"nonlinearity": "sigmoid"}, "nonlinearity"),
        ("clipping", {"max_norm": 0}, "max_norm: Input should be greater than or equal to 0.01"),
        ("clipping", {"max_norm": 1000}, "max_norm"),
        ("clipping", {"rho": 2}, "rho"),
        ("clipping", {"T": "ten"}, "T"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_was_expected(client, path, params, fragment):
    response = client.get(f"/api/vanishing/{path}", params=params)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["detail"]


def test_the_library_checks_the_same_bounds():
    with pytest.raises(ValueError, match="rho: expected a number between 0.5 and 1.5"):
        decay(2.0, 10, 0)
    with pytest.raises(ValueError, match="nonlinearity: expected one of"):
        clipping(0.9, 10, "sigmoid", 1.0, 0)
    with pytest.raises(ValueError, match="max_norm: expected"):
        clipping(0.9, 10, "tanh", 0.0, 0)


def test_the_step_text_carries_the_chapters_facts(client):
    step = client.get("/api/steps/5").json()
    assert step["key"] == "vanishing" and step["icon"] == "warning"
    assert step["callout"]["kind"] == "Critical in AI" and "was sleeping" in step["callout"]["text"]
    text = " ".join(step["paragraphs"])
    for fact in (
        "1991",
        "0.9^{100} \\approx 2.7 \\times 10^{-5}",
        "keeping its direction",
        "clipping rescues an explosion",
        "clipping cannot rescue vanishing",
    ):
        assert fact in text, fact
    assert {p["label"] for p in PRESETS.values()} >= {"vanishes", "explodes"}
    assert {s["name"] for s in step["sources"]} >= {
        "elman.analysis.gradient_flow.suffix_product_norms",
        "elman.optim.clip_grad_norm_",
    }


def test_the_bounds_the_page_reads_are_the_endpoints_query_bounds(client):
    """The sliders take their ends from /bounds; they must be what the endpoints accept (their OpenAPI bounds)."""
    limits = client.get("/api/vanishing/bounds").json()
    assert limits == bounds()
    schema = client.get("/openapi.json").json()["paths"]
    for path, names in (("/api/vanishing/decay", ("rho", "T")), ("/api/vanishing/clipping", ("rho", "T", "max_norm"))):
        params = {p["name"]: p["schema"] for p in schema[path]["get"]["parameters"]}
        for name in names:
            assert [params[name]["minimum"], params[name]["maximum"]] == limits[name], (path, name)
    clip_params = {p["name"]: p["schema"] for p in schema["/api/vanishing/clipping"]["get"]["parameters"]}
    assert clip_params["nonlinearity"]["pattern"] == f"^({'|'.join(limits['nonlinearity'])})$"
    assert limits["clip_steps"] == len(clipping(0.9, 10, "tanh", 1.0, 0)["steps"])
    low = {"rho": limits["rho"][0], "T": limits["T"][0], "nonlinearity": "tanh", "max_norm": limits["max_norm"][0]}
    assert client.get("/api/vanishing/clipping", params=low).status_code == 200  # the ends are accepted
    assert client.get("/api/vanishing/clipping", params={**low, "T": limits["T"][0] - 1}).status_code == 422


def test_every_preset_is_a_setting_the_page_can_reach():
    limits = bounds()
    ladder = {round(m * 10.0**n, 10) for n in range(-2, 3) for m in (1, 2, 5)}  # the page's τ slider
    assert [p["key"] for p in limits["presets"]] == list(PRESETS) and len(PRESETS) == 4
    for p in limits["presets"]:
        assert limits["rho"][0] <= p["rho"] <= limits["rho"][1] and round(p["rho"], 2) == p["rho"]
        assert limits["T"][0] <= p["T"] <= limits["T"][1] and isinstance(p["T"], int)
        assert p["nonlinearity"] in limits["nonlinearity"] and p["max_norm"] in ladder
