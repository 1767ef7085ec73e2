"""Step 5's charts in a real browser: the decay chart on fixed domains (x from 0 to T − 1, y a fixed log domain
with 10ⁿ ticks that stay put as the settings change), the two training charts on the whole decades their numbers
span, what leaves a chart marked at its edge and said in words, and typeset symbols, never "1e-13"."""

import math
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


def exponents(labels: list) -> list:
    """["10²", "10−1"] as drawn (the exponent raised in a tspan) → [2, -1]."""
    return [int(label[2:].replace("−", "-")) for label in labels]


def plotted(page, *keys: str) -> list:
    """The finite values of the "every step" table's columns (data-key prefixes), as the charts drew them."""
    values = [page.get_attribute(f'[data-key="{key}-{i}"]', "data-value") for key in keys for i in range(CLIP_STEPS)]
    return [float(v) for v in values if v not in (None, "null")]


def test_the_decay_chart_keeps_its_domain_as_the_settings_change(page, server_url):
    page.goto(f"{server_url}/#step=5&seed=0")
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="0.9")
    decay_ticks = ticks(page, "#van-decay")
    assert sorted(decay_ticks["y"]) == powers(20, -20, 5)  # 10²⁰ … 10⁻²⁰
    assert decay_ticks["x"][0] == "0" and int(decay_ticks["x"][-1]) <= 99  # distance 0 … T − 1
    page.goto(f"{server_url}/#step=5&seed=0&preset=explodes")  # an exploding run
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="1.5")
    assert ticks(page, "#van-decay") == decay_ticks


def test_the_training_charts_fit_the_decades_their_numbers_span(page, server_url):
    def assert_fits(box, values):
        y = sorted(exponents(ticks(page, box)["y"]))
        every = y[1] - y[0]  # decades between ticks: thinned to at most 9, counted down from the top
        top, bottom = math.log10(max(values)), math.log10(min(values))
        assert top <= y[-1] <= top + 2, (box, y, max(values))  # was 10³² over losses near 1
        assert bottom - 2 <= y[0] <= bottom + every, (box, y, min(values))  # was 10⁻¹⁸ under norms of 10⁻⁹

    page.goto(f"{server_url}/#step=5&seed=0")  # the default: losses and ‖g‖ near 1
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="0.9")
    losses = plotted(page, "van-loss-without", "van-loss-with")
    assert max(losses) < 10  # the default's numbers, which the axis must not squash against its floor
    assert_fits("#van-loss", losses)
    tau = float(page.get_attribute('[data-key="van-clip-tau"]', "data-value"))
    assert_fits("#van-norms", plotted(page, "van-before", "van-after", "van-first") + [tau])
    loss_ticks, norm_ticks = ticks(page, "#van-loss"), ticks(page, "#van-norms")
    assert int(loss_ticks["x"][-1]) == CLIP_STEPS and norm_ticks["x"] == loss_ticks["x"]

    page.goto(f"{server_url}/#step=5&seed=0&preset=explodes")  # a loss of 10²¹ before the unclipped run overflows
    page.wait_for_selector('body[data-ready="5"]')
    settle(page, rho="1.5")
    page.wait_for_selector("#van-loss svg text >> text=✕")  # the overflow is still marked, at the top
    losses = plotted(page, "van-loss-without", "van-loss-with")
    assert max(losses) > 1e15
    assert_fits("#van-loss", losses)
    assert_fits("#van-norms", plotted(page, "van-before", "van-after", "van-first"))


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
