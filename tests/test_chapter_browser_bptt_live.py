"""Step 4, train it here, in a real browser: the records arrive while the server trains and are drawn as they
come, stop ends the run on both sides, and a whole run ends with a sentence built from the streamed numbers."""

import math
import time

import pytest

from chapter_browser import screenshot
from elman.chapter.steps import bptt_live

expect = pytest.importorskip("playwright.sync_api").expect


def line(chart, series):
    return f'#bptt-live svg[data-chart="{chart}"] polyline[data-series="{series}"]'


def count(page, series, chart="loss"):
    return int(page.get_attribute(line(chart, series), "data-count") or 0)


def test_start_draws_the_updates_as_they_arrive_and_stop_ends_the_run(page, server_url, monkeypatch):
    runs, fast = [], bptt_live.Run.advance

    def advance(self, n):  # 80 ms a slice: the run lasts seconds, not one
        runs.append(self)
        time.sleep(0.08)
        return fast(self, n)

    monkeypatch.setattr(bptt_live.Run, "advance", advance)
    page.goto(f"{server_url}/#step=4&seed=1")
    page.wait_for_selector('body[data-ready="4"]', state="attached")
    expect(page.locator("#bptt-live-status")).to_contain_text("Not started")
    page.focus("#bptt-live-start")
    page.keyboard.press("Enter")  # keyboard reachable
    expect(page.locator("#bptt-live-status")).to_have_attribute("data-state", "running")
    # drawn while the server is still training: the chunks arrive one slice at a time, not buffered to the end
    page.wait_for_function(
        "(s) => Number(document.querySelector(s)?.dataset.count ?? 0) >= 20", arg=line("loss", "full")
    )
    assert page.get_attribute("#bptt-live-status", "data-state") == "running"
    drawn = count(page, "full")
    assert 20 <= drawn < bptt_live.DEFAULTS["updates"]
    assert page.get_attribute(line("loss", "full"), "points").count(",") == drawn
    page.click("#bptt-live-start")  # now "stop"
    expect(page.locator("#bptt-live-status")).to_have_attribute("data-state", "stopped")
    expect(page.locator("#bptt-live-status")).to_contain_text(f"of {bptt_live.DEFAULTS['updates']} updates")
    time.sleep(0.5)
    step = runs[-1].step
    time.sleep(0.5)
    assert runs[-1].step == step < bptt_live.DEFAULTS["updates"], "the server kept training after stop"
    expect(page.locator("#bptt-live-result")).to_be_visible()
    assert page.get_attribute("#bptt-live-start", "aria-pressed") == "false"


def test_a_whole_run_ends_with_the_result_stated_from_its_numbers(tab_at, server_url):
    expected = bptt_live.train(seed=0)
    for width, height in ((1400, 900), (390, 844)):
        page = tab_at(width, height)
        page.goto(f"{server_url}/#step=4&seed=0")
        page.wait_for_selector('body[data-ready="4"]', state="attached")
        page.click("#bptt-live-start")
        expect(page.locator("#bptt-live-status")).to_have_attribute("data-state", "done", timeout=60_000)
        for v in bptt_live.VARIANTS:
            value = float(page.get_attribute(f'[data-key="bptt-live-loss-{v}"]', "data-value"))
            assert value == pytest.approx(expected["loss"][v][-1], rel=1e-9)
            assert int(page.get_attribute(f'[data-key="bptt-live-clips-{v}"]', "data-value")) == expected["clips"][v]
        result = page.inner_text("#bptt-live-result")
        assert "stays at" in result and "beyond the window" in result
        assert f"{expected['end']['full']:.3f}" in result and f"{expected['end']['truncated']:.3f}" in result
        assert count(page, "full") == count(page, "full_clip", "norm") == 200
        assert count(page, "truncated", "profile") == 30
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        screenshot(page, f"step-4-live-{width}")


STROKE = "(node) => getComputedStyle(node).stroke"


def rgb(css: str) -> tuple:
    """'rgb(213, 94, 0)' → (213, 94, 0)."""
    return tuple(int(n) for n in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


def test_on_a_phone_the_threshold_line_is_told_apart_from_the_curves(tab_at, server_url):
    page = tab_at(390, 844)
    page.goto(f"{server_url}/#step=4&seed=0")
    page.wait_for_selector('body[data-ready="4"]', state="attached")
    page.click("#bptt-live-start")
    tau = page.locator('#bptt-live svg[data-chart="norm"] line.bptt-live-tau')
    expect(tau).to_be_attached()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        threshold = rgb(tau.evaluate(STROKE))
        for series in ("full", "full_clip"):  # ‖g‖ without and with clipping, the two curves τ is read against
            curve = rgb(page.locator(line("norm", series)).evaluate(STROKE))
            assert math.dist(threshold, curve) >= 100, (scheme, series, threshold, curve)  # orange on vermillion: 67
