"""Step 5's charts in a real browser: fixed domains (x from 0 to T − 1 or over the training steps, every y a
fixed log domain with 10ⁿ ticks that stay put as the settings change), what leaves a chart marked at its edge
and said in words, and typeset symbols, never "1e-13"."""

import re

import pytest

from elman.chapter.steps.vanishing import CLIP_STEPS

expect = pytest.importorskip("playwright.sync_api").expect

TICKS = """(svg) => { const texts = [...svg.querySelectorAll("text")];     // 10ⁿ ticks have a raised exponent
  return { x: texts.filter((t) => !t.querySelector("tspan.exponent") && /^\\d+$/.test(t.textContent))
                .map((t) => t.textContent),
           y: texts.filter((t) => t.querySelector("tspan.exponent")).map((t) => t.textContent) }; }"""


def ticks(page, box: str) -> dict:
    return page.locator(f"{box} figure.chart-figure svg.fig").evaluate(TICKS)


def powers(top: int, bottom: int, step: int) -> list:
    return sorted(f"10{n}".replace("-", "−") for n in range(top, bottom - 1, -step))


def settle(page, **shown):
    for key, value in shown.items():
        expect(page.locator(f'[data-key="van-decay-{key}"]')).to_have_attribute("data-value", value)
    page.wait_for_timeout(700)  # the curves glide to the new answer (--dur is 320 ms)


def test_the_charts_keep_their_domains_as_the_settings_change(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="0.9")
    decay_ticks, loss_ticks, norm_ticks = ticks(page, "#van-decay"), ticks(page, "#van-loss"), ticks(page, "#van-norms")
    assert sorted(decay_ticks["y"]) == powers(20, -20, 5)  # 10²⁰ … 10⁻²⁰
    assert decay_ticks["x"][0] == "0" and int(decay_ticks["x"][-1]) <= 99  # distance 0 … T − 1
    assert sorted(loss_ticks["y"]) == powers(32, 0, 4)  # 10³² … 10⁰
    assert sorted(norm_ticks["y"]) == powers(30, -18, 6)
    assert int(loss_ticks["x"][-1]) == CLIP_STEPS and norm_ticks["x"] == loss_ticks["x"]
    page.goto(f"{server_url}/#step=5&seed=0&preset=explodes")  # an exploding run
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="1.5")
    assert ticks(page, "#van-decay") == decay_ticks
    assert ticks(page, "#van-loss") == loss_ticks and ticks(page, "#van-norms") == norm_ticks


def test_what_leaves_a_chart_is_marked_at_its_edge_and_said(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0&rho=0.5&T=200&nl=tanh&max=0.5")  # 0.5¹⁹⁹ ≈ 10⁻⁶⁰
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="0.5", T="200")
    expect(page.locator("#van-decay .van-off")).to_contain_text("drops below")
    expect(page.locator("#van-decay .van-off")).to_contain_text("ReLU")
    assert page.locator("#van-decay svg text", has_text="▼").count() == 2  # ReLU and tanh, at the floor
    page.goto(f"{server_url}/#step=5&seed=0&preset=rescue")
    page.wait_for_selector('body[data-ready="5"]')
    expect(page.locator("#van-clipping .van-off")).to_contain_text("overflow")
    assert page.locator("#van-loss svg text", has_text="✕").count() == 1  # where the unclipped run overflowed
    assert page.locator("#van-loss svg text", has_text="●").count() >= 1  # its last finite loss, as a dot


def test_symbols_are_typeset_and_numbers_have_real_exponents(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    text = page.locator("#widget").inner_text()
    assert not re.search(r"\de[-+]?\d", text)  # no 1e-13
    assert "ρ^(" not in text and "W_hh" not in text and "‖g‖" not in text
    for where in (
        'label[for="van-rho"]',
        "#van-rho-label",
        '[data-term="rho"] .muted',
        ".fig-legend",
        ".axis-label",
        "#van-why",
    ):
        assert page.locator(f"#widget {where} .katex").count() > 0, where
    for key in ("van-relu-first", "van-tanh-first", "van-tanh-factor"):
        expect(page.locator(f'[data-key="{key}"] sup.exponent')).to_have_count(1)


def test_a_formula_term_lights_its_curve_and_back(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    page.locator('#tab-formula [data-term="rho"]').first.hover()
    expect(page.locator('#van-decay svg g[data-term="rho"].term-active')).to_have_count(1)
    expect(page.locator("#van-rho.term-active")).to_have_count(1)
    page.locator('#tab-formula [data-term="fprime"]').first.hover()  # diag(f'(z_t)): the tanh curve
    expect(page.locator('#van-decay svg g[data-term="fprime"].term-active')).to_have_count(1)
    page.locator('#van-decay .fig-legend [data-term="grad"]').hover()
    expect(page.locator('#tab-formula [data-term="grad"].term-active').first).to_be_visible()
    expect(page.locator('#van-decay svg g[data-term="rho"].term-active')).to_have_count(0)
