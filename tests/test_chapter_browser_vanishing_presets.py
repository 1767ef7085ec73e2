"""Step 5's presets and its loss chart in a real browser: the defaults show the vanishing gradient and clip events
before any touch; each preset button (reachable by keyboard) sets the controls and the address and shows its
point; a preset link fills the settings; on a phone the slider values stay beside their sliders."""

import pytest

from elman.chapter.steps.vanishing import PRESETS, clipping, decay

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    raw = page.get_attribute(f'[data-key="{key}"]', "data-value")
    return None if raw == "null" else float(raw)


def pressed(page, key):
    expect(page.locator(f'.van-preset[data-preset="{key}"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('.van-preset[aria-pressed="true"]')).to_have_count(1)


def test_the_defaults_show_the_vanishing_gradient_and_clip_events_before_any_touch(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    pressed(page, "vanishes")
    d, p = decay(0.9, 100, 0), PRESETS["vanishes"]
    run = clipping(p["rho"], p["T"], p["nonlinearity"], p["max_norm"], 0)
    expect(page.locator('[data-key="van-relu-first"] + span')).to_have_text("vanished")
    assert value(page, "van-relu-first") == pytest.approx(0.9**99, rel=1e-9) and 0.9**99 < 1e-3
    # why tanh lies lower, in numbers: the measured factor below ρ⁹⁹ and the mean tanh'
    why = page.locator("#van-why")
    expect(why).to_contain_text("Why tanh lies lower")
    assert value(page, "van-tanh-factor") == pytest.approx(d["tanh_gap"]["factor"], rel=1e-9)
    assert value(page, "van-tanh-per-step") == pytest.approx(d["tanh_gap"]["per_step"], rel=1e-9)
    assert value(page, "van-tanh-slope") == pytest.approx(d["tanh_gap"]["mean_slope"], rel=1e-9)
    # the clipping run: events at the defaults, both losses drawn, the ends shown
    assert value(page, "van-clip-events") == run["clip_events"] >= 1
    expect(page.locator("#van-loss svg g[data-series]")).to_have_count(3)  # without, with, answering 0
    legend = page.locator("#van-loss .fig-legend").inner_text()
    assert "without clipping" in legend and "with clipping" in legend
    assert value(page, "van-end-with") == pytest.approx(run["with"]["end"], rel=1e-9)
    assert value(page, "van-end-without") == pytest.approx(run["without"]["end"], rel=1e-9)
    expect(page.locator("#van-clip-verdict")).to_contain_text("changed almost nothing")
    expect(page.locator("#van-norms svg g[data-series]")).to_have_count(4)  # before, after, τ, ‖∂L/∂h₁‖
    expect(page.locator("#van-norms svg circle")).to_have_count(run["clip_events"])  # a dot on every clip event


def test_each_preset_button_sets_the_controls_the_address_and_shows_its_point(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=1")
    page.wait_for_selector('body[data-ready="5"]')
    shows = lambda key, text: expect(page.locator(f'[data-key="{key}"]')).to_have_attribute("data-value", text)  # noqa: E731

    page.locator('.van-preset[data-preset="vanishes"]').focus()  # by keyboard: Tab order, then Enter
    page.keyboard.press("Tab")
    expect(page.locator('.van-preset[data-preset="explodes"]')).to_be_focused()
    page.keyboard.press("Enter")
    pressed(page, "explodes")
    shows("van-decay-rho", "1.5")
    assert page.input_value("#van-rho") == "1.5" and page.input_value("#van-T") == "100"
    assert page.input_value("#van-nl") == "relu"
    for part in ("preset=explodes", "rho=1.5", "T=100", "nl=relu", "max=5"):
        assert part in page.url
    expect(page.locator('[data-key="van-relu-first"] + span')).to_have_text("exploded")
    assert value(page, "van-relu-first") >= 1e3

    page.click('.van-preset[data-preset="rescue"]')
    pressed(page, "rescue")
    shows("van-decay-T", "30")
    shows("van-clip-tau", "10")
    run = clipping(1.5, 30, "relu", 10.0, 1)
    expect(page.locator('[data-key="van-end-with"]')).to_have_attribute("data-value", str(run["with"]["end"]))
    expect(page.locator(".van-ends .bad")).to_have_text("overflowed")
    expect(page.locator("#van-clip-verdict")).to_contain_text("Clipping rescued the run")
    assert run["without"]["end"] is None and run["with"]["end"] <= 2

    page.click('.van-preset[data-preset="no_rescue"]')
    pressed(page, "no_rescue")
    shows("van-clip-tau", "0.2")
    run = clipping(0.7, 60, "tanh", 0.2, 1)
    expect(page.locator("#van-clip-verdict")).to_contain_text("never learned")
    assert value(page, "van-first-max") == pytest.approx(max(run["with"]["first_after"]), rel=1e-9)
    assert value(page, "van-first-max") < 1e-9
    assert value(page, "van-clip-events") == run["clip_events"] >= 20

    page.click('.van-preset[data-preset="vanishes"]')
    pressed(page, "vanishes")
    assert "preset=vanishes" in page.url


def test_a_preset_link_fills_what_the_address_leaves_out(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=4&preset=rescue")
    page.wait_for_selector('body[data-ready="5"]')
    pressed(page, "rescue")
    expect(page.locator('[data-key="van-decay-T"]')).to_have_attribute("data-value", "30")
    assert page.input_value("#van-nl") == "relu"
    assert "rho=1.5" in page.url and "max=10" in page.url


def test_on_a_phone_the_slider_values_stay_beside_their_sliders(tab_at, server_url):
    tab = tab_at(390, 844)
    tab.goto(f"{server_url}/#step=5&seed=0")
    tab.wait_for_selector('body[data-ready="5"]')
    for slider in ("van-rho", "van-T", "van-max"):
        s, v = tab.locator(f"#{slider}").bounding_box(), tab.locator(f"#{slider}-label").bounding_box()
        assert v["x"] >= s["x"] + s["width"] - 1, slider  # to the right of the slider …
        assert abs((v["y"] + v["height"] / 2) - (s["y"] + s["height"] / 2)) < 12, slider  # … on its line
        assert v["x"] + v["width"] <= 390, slider
