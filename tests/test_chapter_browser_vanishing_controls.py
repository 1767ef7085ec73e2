"""Step 5's controls in a real browser: every control moves, its ends are the server's, and the numbers on the
page are the library's."""

import pytest

from chapter_browser import screenshot
from elman.chapter.steps.vanishing import CLIP_STEPS, bounds, clipping, decay

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    raw = page.get_attribute(f'[data-key="{key}"]', "data-value")
    return None if raw == "null" else float(raw)


def values(page, prefix):
    return [value(page, f"{prefix}-{i}") for i in range(CLIP_STEPS)]


def test_vanishing_sliders_select_and_threshold(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=3")
    page.wait_for_selector('body[data-ready="5"]')
    first = decay(0.9, 100, 3)
    assert value(page, "van-ref") == pytest.approx(0.9**100, rel=1e-9)
    assert value(page, "van-relu-first") == pytest.approx(first["first"]["relu"], rel=1e-9)
    assert value(page, "van-tanh-first") == pytest.approx(first["first"]["tanh"], rel=1e-9)
    assert value(page, "van-rho-first") == pytest.approx(0.9**99, rel=1e-9)
    assert value(page, "van-tanh-slope") == pytest.approx(first["tanh_gap"]["mean_slope"], rel=1e-9)

    # the sliders reach exactly what the server accepts
    limits = bounds()
    assert [page.get_attribute("#van-rho", a) for a in ("min", "max")] == [str(v) for v in limits["rho"]]
    assert [page.get_attribute("#van-T", a) for a in ("min", "max")] == [str(v) for v in limits["T"]]

    page.focus("#van-rho")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    shows = lambda key, text: expect(page.locator(f'[data-key="{key}"]')).to_have_attribute("data-value", text)  # noqa: E731
    shows("van-decay-rho", "0.95")
    shows("van-decay-T", "100")
    expect(page.locator("#van-rho-label .num")).to_have_text("0.95")
    expect(page.locator('.van-preset[aria-pressed="true"]')).to_have_count(0)  # no preset matches any more
    page.focus("#van-T")
    page.keyboard.press("Home")
    T_low = limits["T"][0]
    shows("van-decay-T", str(T_low))
    expected = decay(0.95, T_low, 3)
    assert value(page, "van-relu-first") == pytest.approx(expected["first"]["relu"], rel=1e-9)
    assert value(page, "van-rho-first") == pytest.approx(0.95 ** (T_low - 1), rel=1e-9)
    for term in ("grad", "rho", "fprime"):  # ReLU, ρ^(T−k), tanh
        assert page.locator(f'#van-decay svg g[data-term="{term}"] path').count() == 1, term

    page.select_option("#van-nl", "relu")
    expect(page.locator("#van-clipping h4")).to_contain_text("ReLU")
    run = clipping(0.95, T_low, "relu", 0.5, 3)
    expect(page.locator('[data-key="van-before-0"]')).to_have_attribute("data-value", str(run["with"]["before"][0]))
    assert values(page, "van-before") == pytest.approx(run["with"]["before"], rel=1e-9)
    assert values(page, "van-loss-without") == pytest.approx(run["without"]["loss"], rel=1e-9)
    assert values(page, "van-loss-with") == pytest.approx(run["with"]["loss"], rel=1e-9)
    assert value(page, "van-clip-events") == run["clip_events"]

    page.focus("#van-max")
    page.keyboard.press("Home")  # the server's lowest threshold
    tau_low = limits["max_norm"][0]
    shows("van-clip-tau", f"{tau_low:g}")
    on = clipping(0.95, T_low, "relu", tau_low, 3)
    assert value(page, "van-clip-events") == on["clip_events"] > 0
    assert values(page, "van-after") == pytest.approx(on["with"]["after"], rel=1e-9)
    assert max(on["with"]["after"]) == pytest.approx(tau_low, rel=1e-9)
    page.keyboard.press("End")
    shows("van-clip-tau", f"{limits['max_norm'][1]:g}")
    for part in ("preset=custom", "rho=0.95", f"T={T_low}", "nl=relu", f"max={limits['max_norm'][1]:g}"):
        assert part in page.url
    screenshot(page, "step-5-vanishing")


def test_a_shared_vanishing_view_comes_back_from_the_hash(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=2&rho=1.3&T=40&nl=tanh&max=2")
    page.wait_for_selector('body[data-ready="5"]')
    expect(page.locator('[data-key="van-decay-rho"]')).to_have_attribute("data-value", "1.3")
    expect(page.locator('[data-key="van-decay-T"]')).to_have_attribute("data-value", "40")
    expect(page.locator('[data-key="van-clip-tau"]')).to_have_attribute("data-value", "2")
    assert page.input_value("#van-rho") == "1.3" and page.input_value("#van-nl") == "tanh"
    on = clipping(1.3, 40, "tanh", 2.0, 2)
    assert value(page, "van-clip-events") == on["clip_events"]
    assert value(page, "van-tanh-first") == pytest.approx(decay(1.3, 40, 2)["first"]["tanh"], rel=1e-9)


def test_the_page_play_button_sweeps_rho_and_pauses(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    page.click("#play")
    expect(page.locator("#van-rho-label .num")).to_have_text("0.85", timeout=10_000)
    expect(page.locator('[data-key="van-decay-rho"]')).to_have_attribute("data-value", "0.85")
    page.click("#play")  # pause: the sweep stops where it is
    expect(page.locator("body")).to_have_attribute("data-playing", "false")
    assert value(page, "van-relu-first") is not None
    assert "rho=0.8" in page.url or "rho=0.9" in page.url  # 0.85, or 0.9 if a step slipped in before the pause
