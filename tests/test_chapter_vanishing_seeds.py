"""Step 5's headline demonstrations hold on every seed 0–9, at the defaults and in each preset, with a margin.

How each was checked to fail when its effect is removed (a pytest plugin patching the step module, one change
at a time): the ReLU network given ρ × a random orthogonal W_hh and random biases, as before (units switch off:
the growth, the exact ρⁿ, the rescue and the overflow tests fail); the vanishing preset at ρ = 1 (no vanishing);
the tanh inputs scaled to 10⁻⁶ (no saturation: no gap below ρⁿ); the default threshold raised to 5 (no clip
event) or lowered to 0.01 (the clipped run ends worse); clip_grad_norm_ replaced by one that measures but never
clips (no rescue) or by one that also shrinks the clipped run's steps tenfold (it ends worse); the "cannot rescue
vanishing" preset at ρ = 1.2 (the gradient reaches the first step).
"""

import numpy as np
import pytest

pytest.importorskip("fastapi")

from elman.chapter.steps.vanishing import DEFAULT, PRESETS, clipping, decay  # noqa: E402

SEEDS = range(10)


def runs(preset: str):
    p = PRESETS[preset]
    return [clipping(p["rho"], p["T"], p["nonlinearity"], p["max_norm"], seed) for seed in SEEDS]


def firsts(preset: str, network: str):
    p = PRESETS[preset]
    return [decay(p["rho"], p["T"], seed)["first"][network] for seed in SEEDS]


def test_the_default_is_the_vanishing_preset():
    assert DEFAULT is PRESETS["vanishes"] and next(iter(PRESETS)) == "vanishes"


def test_the_exploding_preset_grows_by_far_more_than_a_thousand_on_every_seed():
    p = PRESETS["explodes"]
    assert (p["rho"], p["T"]) == (1.5, 100)
    assert min(firsts("explodes", "relu")) >= 1e6  # the bar is 10³; a margin of 10³ on it


def test_the_vanishing_preset_vanishes_on_every_seed():
    relu, tanh = firsts("vanishes", "relu"), firsts("vanishes", "tanh")
    assert max(relu) <= 1e-4  # the bar is 10⁻³; ρ⁹⁹ = 2.95e-5
    assert all(t < r for t, r in zip(tanh, relu))  # tanh's own factors pull it further down


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_relu_network_is_the_spectral_story_exactly_on_every_seed(preset):
    p = PRESETS[preset]
    for seed in SEEDS:
        r = decay(p["rho"], p["T"], seed)
        assert r["relu_active"] == 1.0  # every unit on at every step of the product
        np.testing.assert_allclose(r["relu"], r["rho_power"], rtol=1e-9)


@pytest.mark.parametrize("preset", ["vanishes", "explodes"])
def test_tanh_lies_below_rho_power_by_its_measured_factor_on_every_seed(preset):
    p = PRESETS[preset]
    for seed in SEEDS:
        gap = decay(p["rho"], p["T"], seed)["tanh_gap"]
        assert gap["factor"] <= 1e-2  # clearly below ρ⁹⁹ (worst seed: 4.7e-3 and 2.2e-14)
        assert gap["mean_slope"] < 0.95 and gap["per_step"] < 0.95


def test_at_the_defaults_clipping_fires_on_every_seed_and_costs_nothing():
    for r in runs("vanishes"):
        assert r["clip_events"] >= 5  # the bar is one event; the fewest is 16
        assert r["with"]["end"] <= 1.03 * r["without"]["end"]


def test_clipping_rescues_the_explosion_on_every_seed():
    for r in runs("rescue"):
        w, wo = r["with"], r["without"]
        assert wo["end"] is None and wo["overflow_step"] <= 3  # unclipped: the weights overflow at once
        assert w["overflow_step"] is None and w["end"] <= 2 * w["baseline"]
        assert w["end"] <= 1e-6 * w["loss"][0]  # from ~10¹⁰ back to the target's scale


def test_the_exploding_preset_overflows_without_clipping_on_every_seed():
    for r in runs("explodes"):
        assert r["without"]["end"] is None and r["with"]["end"] is not None


def test_clipping_cannot_rescue_vanishing_on_every_seed():
    for r in runs("no_rescue"):
        w = r["with"]
        assert r["clip_events"] >= 20
        assert max(w["first_after"]) <= 1e-9 * float(np.median(w["after"]))  # the first step gets nothing
        assert w["end"] >= 0.8 * w["baseline"]  # so the first input is never learned
        assert w["end"] <= 1.03 * r["without"]["end"]
