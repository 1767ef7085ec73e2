"""Step 5's charts in a real browser: fixed domains (the clipping chart's x from 1 to the run's length, both y axes
fixed log domains with 10ⁿ ticks that stay put as the settings change) and typeset symbols, never "1e-13"."""

import re

import pytest

from elman.chapter.steps.vanishing import clipping

expect = pytest.importorskip("playwright.sync_api").expect

TICKS = """(svg) => { const texts = [...svg.querySelectorAll("text")];     // 10ⁿ ticks have a raised exponent
  return { x: texts.filter((t) => !t.querySelector("tspan.exponent")).map((t) => t.textContent),
           y: texts.filter((t) => t.querySelector("tspan.exponent")).map((t) => t.textContent) }; }"""


def ticks(page, box: str) -> dict:
    return page.locator(f"{box} figure.chart-figure svg.fig").evaluate(TICKS)


def settle(page, **shown):
    for key, value in shown.items():
        expect(page.locator(f'[data-key="van-decay-{key}"]')).to_have_attribute("data-value", value)
    page.wait_for_timeout(600)                      # the curves glide to the new answer (--dur is 320 ms)


def test_the_charts_keep_their_domains_as_the_settings_change(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0&rho=0.9&T=100&nl=tanh&clip=true&max=1")
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="0.9")
    steps = len(clipping(0.9, 100, "tanh", True, 1.0, 0)["steps"])
    clip_ticks = ticks(page, "#van-clipping")
    assert clip_ticks["x"] == [str(s) for s in range(1, steps + 1)]                # x: 1 … the run's length
    assert sorted(clip_ticks["y"]) == sorted(f"10{n}".replace("-", "−") for n in range(-2, 13, 2))   # 10⁻² … 10¹²
    decay_ticks = ticks(page, "#van-decay")
    assert sorted(decay_ticks["y"]) == sorted(f"10{n}".replace("-", "−") for n in range(-30, 11, 5))
    assert decay_ticks["x"][0] == "0" and int(decay_ticks["x"][-1]) <= 99           # distance 0 … T − 1
    page.goto(f"{server_url}/#step=5&seed=0&rho=1.5&T=100&nl=relu&clip=true&max=1")  # an exploding run
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="1.5", nl="relu")
    assert ticks(page, "#van-clipping") == clip_ticks
    assert ticks(page, "#van-decay") == decay_ticks
    expect(page.locator("#van-decay .van-off")).to_contain_text("run off the chart")


def test_symbols_are_typeset_and_numbers_have_real_exponents(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    text = page.locator("#widget").inner_text()
    assert not re.search(r"\de[-+]?\d", text)                     # no 1e-13
    assert "ρ^(" not in text and "W_hh" not in text and "‖g‖" not in text
    for where in ('label[for="van-rho"]', "#van-rho-label", '[data-term="rho"] .muted', ".fig-legend", ".axis-label"):
        assert page.locator(f"#widget {where} .katex").count() > 0, where
    expect(page.locator('[data-key="van-measured-first"] sup.exponent')).to_have_count(1)


def test_a_formula_term_lights_its_curve_and_back(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    page.locator('#tab-formula [data-term="rho"]').first.hover()
    expect(page.locator('#van-decay svg g[data-term="rho"].term-active')).to_have_count(1)
    expect(page.locator("#van-rho.term-active")).to_have_count(1)
    page.locator('#van-decay .fig-legend [data-term="grad"]').hover()
    expect(page.locator('#tab-formula [data-term="grad"].term-active').first).to_be_visible()
    expect(page.locator('#van-decay svg g[data-term="rho"].term-active')).to_have_count(0)
