"""Steps 3 and 4 in a real browser: every control reaches the library, and the page shows the library's numbers."""

import re

import pytest

from chapter_browser import screenshot
from elman.chapter.models import WEIGHTS
from elman.chapter.steps.bptt import backward_pass
from elman.chapter.steps.hidden_state import reading

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    return float(page.get_attribute(f'[data-key="{key}"]', "data-value"))


@pytest.mark.skipif(not (WEIGHTS / "word_lm.json").is_file(), reason="word_lm is not built")
def test_hidden_state_text_units_position_and_play(page, server_url):
    page.goto(f"{server_url}/#step=3&seed=0")
    page.wait_for_selector('body[data-ready="3"]')
    default = reading("the cat sat on the", 24, 10)
    expect(page.locator('[data-key="hs-word-0"]')).to_have_text(default["predictions"][-1][0]["word"])
    for i, p in enumerate(default["predictions"][-1]):
        assert page.inner_text(f'[data-key="hs-word-{i}"]') == p["word"]
        assert value(page, f"hs-p-{i}") == pytest.approx(p["p"], rel=1e-9)
    assert value(page, "hs-hidden") == 128

    text = "the old man walked to the river and sat on the"
    page.fill("#hs-text", text)
    page.wait_for_selector('[data-key="hs-token-11"]')
    expected = reading(text, 24, 10)
    expect(page.locator('[data-key="hs-word-0"]')).to_have_text(expected["predictions"][-1][0]["word"])
    assert value(page, "hs-p-0") == pytest.approx(expected["predictions"][-1][0]["p"], rel=1e-9)
    assert value(page, "hs-norm") == pytest.approx(expected["state_norms"][-1], rel=1e-9)
    assert value(page, "hs-change") == pytest.approx(expected["changes"][-1], rel=1e-9)

    page.fill("#hs-units", "8")                                  # 8 rows of 11 cells in the heat map
    expect(page.locator("#hs-map rect")).to_have_count(8 * 11)
    assert "units=8" in page.url

    page.fill("#hs-pos", "3")                                    # the predictions after "the old man"
    after3 = reading(text, 8, 10)["predictions"][2]
    expect(page.locator('[data-key="hs-word-0"]')).to_have_text(after3[0]["word"])
    assert value(page, "hs-p-1") == pytest.approx(after3[1]["p"], rel=1e-9)
    assert value(page, "hs-norm") == pytest.approx(expected["state_norms"][2], rel=1e-9)
    assert "pos=3" in page.url

    page.reload()                                                # the hash restores text, units and position
    page.wait_for_selector('body[data-ready="3"]')
    assert page.input_value("#hs-text") == text and page.input_value("#hs-units") == "8"
    expect(page.locator("#hs-pos-label")).to_have_text("3 of 11")

    page.click("#hs-play")                                       # walks the position from 1 to T
    expect(page.locator("#hs-pos-label")).to_have_text("11 of 11", timeout=20_000)
    screenshot(page, "step-3-hidden-state")

    page.fill("#hs-text", "the zorblax sat on the")
    expect(page.locator('[data-key="hs-unknown"]')).to_have_attribute("data-value", "zorblax")
    page.click("#hs-cat")
    expect(page.locator('[data-key="hs-unknown"]')).to_have_attribute("data-value", "")
    assert page.input_value("#hs-text") == "the cat sat on the"


def test_bptt_controls_norms_truncation_and_play(page, server_url):
    page.goto(f"{server_url}/#step=4&seed=2")
    page.wait_for_selector('body[data-ready="4"]')
    start = backward_pass(30, 10, "last", 1.0, 2)
    expect(page.locator('[data-cut="21"]')).to_have_count(1)
    assert value(page, "bptt-full-1") == pytest.approx(start["full_norms"][0], rel=1e-9)
    assert value(page, "bptt-truncated-1") == 0 and value(page, "bptt-truncated-30") > 0

    page.select_option("#bptt-loss", "all")
    page.fill("#bptt-rho", "1.3")
    page.fill("#bptt-T", "20")
    page.fill("#bptt-K", "5")
    expect(page.locator('[data-cut="16"]')).to_have_count(1)
    expect(page.locator('[data-key="bptt-full-21"]')).to_have_count(0)
    expected = backward_pass(20, 5, "all", 1.3, 2)
    expect(page).to_have_url(re.compile(r"loss=all"))
    for t in range(1, 21):
        assert value(page, f"bptt-full-{t}") == pytest.approx(expected["full_norms"][t - 1], rel=1e-9)
        assert value(page, f"bptt-truncated-{t}") == pytest.approx(expected["truncated_norms"][t - 1], rel=1e-9)
    for name in ("weight_hh_l0", "weight_ih_l0", "bias_hh_l0"):
        g = expected["gradients"][name]
        assert value(page, f"bptt-rel-{name}") == pytest.approx(g["relative_error"], rel=1e-9)
        assert value(page, f"bptt-cos-{name}") == pytest.approx(g["cosine"], rel=1e-9)
        assert value(page, f"bptt-full-{name}") == pytest.approx(g["full_norm"], rel=1e-9)
    assert value(page, "bptt-loss-value") == pytest.approx(expected["loss_value"], rel=1e-9)
    assert value(page, "bptt-radius") == pytest.approx(1.3, rel=1e-9)

    page.click("#bptt-play")                                     # t from T down to 1
    expect(page.locator("#bptt-readout")).to_have_attribute("data-step", "1", timeout=20_000)
    assert value(page, "bptt-cur-full") == pytest.approx(expected["full_norms"][0], rel=1e-9)
    assert value(page, "bptt-cur-truncated") == pytest.approx(expected["truncated_norms"][0], rel=1e-9)
    screenshot(page, "step-4-bptt")

    page.reload()                                                # every control comes back from the hash
    page.wait_for_selector('body[data-ready="4"]')
    assert [page.input_value(s) for s in ("#bptt-T", "#bptt-K", "#bptt-rho", "#bptt-loss")] == ["20", "5", "1.3", "all"]
    page.fill("#bptt-K", "20")                                   # K = T: full BPTT, no cut, no error
    expect(page.locator("[data-cut]")).to_have_count(0)
    assert value(page, "bptt-rel-weight_hh_l0") == 0
