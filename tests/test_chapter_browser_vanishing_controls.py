"""Step 5's controls in a real browser: every control moves, and the numbers on the page are the library's."""

import pytest

from chapter_browser import screenshot
from elman.chapter.steps.vanishing import bounds, clipping, decay

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    raw = page.get_attribute(f'[data-key="{key}"]', "data-value")
    return None if raw == "null" else float(raw)


def test_vanishing_sliders_switches_and_clipping(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=3")
    page.wait_for_selector('body[data-ready="5"]')
    first = decay(0.9, 100, "tanh", 3)
    assert value(page, "van-ref") == pytest.approx(0.9 ** 100, rel=1e-9)
    assert value(page, "van-measured-first") == pytest.approx(first["first"]["measured"], rel=1e-9)
    assert value(page, "van-rho-first") == pytest.approx(0.9 ** 99, rel=1e-9)

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
    page.focus("#van-T")
    page.keyboard.press("Home")
    T_low = limits["T"][0]
    shows("van-decay-T", str(T_low))
    page.select_option("#van-nl", "relu")
    shows("van-decay-nl", "relu")
    expected = decay(0.95, T_low, "relu", 3)
    assert value(page, "van-measured-first") == pytest.approx(expected["first"]["measured"], rel=1e-9)
    assert value(page, "van-rho-first") == pytest.approx(0.95 ** (T_low - 1), rel=1e-9)
    assert page.locator('#van-decay svg g[data-term="grad"] path').count() == 1        # measured
    assert page.locator('#van-decay svg g[data-term="rho"] path').count() == 1         # ρ^(T−k)

    expect(page.locator("#van-clipping h4")).to_contain_text("clipping off")
    off = clipping(0.95, T_low, "relu", False, 5.0, 3)
    assert [value(page, f"van-before-{i}") for i in range(12)] == pytest.approx(off["before"], rel=1e-9)
    assert [value(page, f"van-after-{i}") for i in range(12)] == pytest.approx(off["before"], rel=1e-9)
    assert value(page, "van-clip-events") == 0

    page.check("#van-clip")
    expect(page.locator("#van-clipping h4")).to_contain_text("clipping on")
    page.focus("#van-max")
    page.keyboard.press("Home")                            # the server's lowest threshold
    tau_low = limits["max_norm"][0]
    shows("van-clip-tau", f"{tau_low:g}")
    on = clipping(0.95, T_low, "relu", True, tau_low, 3)
    assert value(page, "van-clip-events") == on["clip_events"] > 0
    assert [value(page, f"van-before-{i}") for i in range(12)] == pytest.approx(on["before"], rel=1e-9)
    assert [value(page, f"van-after-{i}") for i in range(12)] == pytest.approx(on["after"], rel=1e-9)
    assert max(on["after"]) == pytest.approx(tau_low, rel=1e-9)
    page.keyboard.press("End")
    shows("van-clip-tau", f"{limits['max_norm'][1]:g}")
    for part in ("rho=0.95", f"T={T_low}", "nl=relu", "clip=true", f"max={limits['max_norm'][1]:g}"):
        assert part in page.url
    screenshot(page, "step-5-vanishing")


def test_a_shared_vanishing_view_comes_back_from_the_hash(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=2&rho=1.3&T=40&nl=tanh&clip=true&max=2")
    page.wait_for_selector('body[data-ready="5"]')
    expect(page.locator('[data-key="van-decay-rho"]')).to_have_attribute("data-value", "1.3")
    expect(page.locator('[data-key="van-decay-T"]')).to_have_attribute("data-value", "40")
    assert page.input_value("#van-rho") == "1.3" and page.is_checked("#van-clip")
    on = clipping(1.3, 40, "tanh", True, 2.0, 2)
    assert value(page, "van-clip-events") == on["clip_events"]
    assert value(page, "van-measured-first") == pytest.approx(decay(1.3, 40, "tanh", 2)["first"]["measured"],
                                                               rel=1e-9)


def test_the_page_play_button_sweeps_rho_and_pauses(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    page.click("#play")
    expect(page.locator("#van-rho-label .num")).to_have_text("0.85", timeout=10_000)
    expect(page.locator('[data-key="van-decay-rho"]')).to_have_attribute("data-value", "0.85")
    page.click("#play")                                    # pause: the sweep stops where it is
    expect(page.locator("body")).to_have_attribute("data-playing", "false")
    assert value(page, "van-measured-first") is not None
    assert "rho=0.8" in page.url or "rho=0.9" in page.url  # 0.85, or 0.9 if a step slipped in before the pause
