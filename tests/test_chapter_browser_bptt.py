"""Step 4 in a real browser: every control reaches the library, and the page shows the library's numbers."""

import re

import pytest

from chapter_browser import screenshot
from chapter_page_checks import open_step, raw_notation
from elman.chapter.steps.bptt import backward_pass

expect = pytest.importorskip("playwright.sync_api").expect


def value(page, key):
    return float(page.get_attribute(f'[data-key="{key}"]', "data-value"))


def test_bptt_controls_norms_truncation_and_play(page, server_url):
    page.goto(f"{server_url}/#step=4&seed=2")
    page.wait_for_selector('body[data-ready="4"]')
    start = backward_pass(30, 10, 15, 0.9, 2)
    expect(page.locator('[data-cut="21"]')).to_have_count(1)
    assert value(page, "bptt-full-1") == pytest.approx(start["full_norms"][0], rel=1e-9)
    assert value(page, "bptt-truncated-1") == 0 and value(page, "bptt-truncated-30") > 0

    page.fill("#bptt-rho", "1.3")
    page.fill("#bptt-T", "20")
    page.fill("#bptt-L", "8")
    page.fill("#bptt-K", "5")
    expect(page.locator('[data-cut="16"]')).to_have_count(1)
    expect(page.locator('[data-key="bptt-full-21"]')).to_have_count(0)
    expected = backward_pass(20, 5, 8, 1.3, 2)
    expect(page).to_have_url(re.compile(r"L=8"))
    for t in range(1, 21):
        assert value(page, f"bptt-full-{t}") == pytest.approx(expected["full_norms"][t - 1], rel=1e-9)
        assert value(page, f"bptt-truncated-{t}") == pytest.approx(expected["truncated_norms"][t - 1], rel=1e-9)
    for name in ("weight_ih_l0", "weight_hh_l0"):
        g = expected["gradients"][name]
        assert value(page, f"bptt-rel-{name}") == pytest.approx(g["relative_error"], rel=1e-9)
        assert value(page, f"bptt-cos-{name}") == pytest.approx(g["cosine"], rel=1e-9)
        assert value(page, f"bptt-full-{name}") == pytest.approx(g["full_norm"], rel=1e-9)
    assert value(page, "bptt-loss-value") == pytest.approx(expected["loss_value"], rel=1e-9)
    assert value(page, "bptt-radius") == pytest.approx(1.3, rel=1e-9)
    assert value(page, "bptt-reach-full") == pytest.approx(expected["marked_gradient"]["full"], rel=1e-9)
    assert value(page, "bptt-reach-truncated") == 0

    page.click("#bptt-play")  # t from T down to 1
    expect(page.locator("#bptt-readout")).to_have_attribute("data-step", "1", timeout=20_000)
    assert value(page, "bptt-cur-full") == pytest.approx(expected["full_norms"][0], rel=1e-9)
    assert value(page, "bptt-cur-truncated") == pytest.approx(expected["truncated_norms"][0], rel=1e-9)
    screenshot(page, "step-4-bptt")

    page.reload()  # every control comes back from the hash
    page.wait_for_selector('body[data-ready="4"]')
    assert [page.input_value(s) for s in ("#bptt-T", "#bptt-L", "#bptt-K", "#bptt-rho")] == ["20", "8", "5", "1.3"]
    page.fill("#bptt-K", "20")  # K = T: full BPTT, no cut, no error
    expect(page.locator("[data-cut]")).to_have_count(0)
    assert value(page, "bptt-rel-weight_ih_l0") == 0


def test_bptt_opens_on_the_cut_and_the_presets_switch_between_cut_and_intact(page, server_url):
    page.goto(f"{server_url}/#step=4&seed=0")
    page.wait_for_selector('body[data-ready="4"]')
    cut = backward_pass(30, 10, 15, 0.9, 0)
    expect(page.locator("#bptt-preset-longer")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#bptt-verdict")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#bptt-verdict")).to_contain_text("No gradient reaches it")
    shown = value(page, "bptt-rel-weight_ih_l0")
    assert shown == pytest.approx(cut["gradients"]["weight_ih_l0"]["relative_error"], rel=1e-9)
    assert value(page, "bptt-rel-weight_ih_l0") >= 0.3
    diagram = page.locator("#bptt-diagram svg.bptt-chains")
    expect(diagram.locator("circle.bptt-marked")).to_have_count(2)  # the marked input in each chain
    expect(diagram.locator('[data-reach="full"]')).to_have_count(1)  # the gradient arrives under full BPTT
    expect(diagram.locator('[data-noreach="truncated"]')).to_have_count(1)  # and is stopped under truncation
    expect(diagram.locator('[data-window="21-30"]')).to_have_count(1)  # the loss's window of K steps
    grad = page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--c-grad').trim()")
    assert diagram.locator('[data-reach="full"] path').get_attribute("stroke") == grad  # drawn as a gradient

    page.focus("#bptt-preset-shorter")  # keyboard: the preset is a button
    page.keyboard.press("Enter")
    expect(page.locator("#bptt-preset-shorter")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#bptt-preset-longer")).to_have_attribute("aria-pressed", "false")
    expect(page).to_have_url(re.compile(r"preset=shorter"))
    expect(page.locator("#bptt-verdict")).to_have_class(re.compile(r"\bgood\b"))
    kept = backward_pass(30, 10, 5, 0.9, 0)
    expect(page.locator('[data-key="bptt-rel-weight_ih_l0"]')).to_have_attribute(
        "data-value", str(kept["gradients"]["weight_ih_l0"]["relative_error"])
    )
    assert value(page, "bptt-rel-weight_ih_l0") <= 0.05
    expect(diagram.locator('[data-reach="truncated"]')).to_have_count(1)
    expect(diagram.locator("[data-noreach]")).to_have_count(0)
    assert page.input_value("#bptt-L") == "5" and page.input_value("#bptt-K") == "10"

    page.goto(f"{server_url}/#step=4&seed=0&preset=shorter")  # a link to a preset opens it
    page.reload()
    page.wait_for_selector('body[data-ready="4"]')
    expect(page.locator("#bptt-preset-shorter")).to_have_attribute("aria-pressed", "true")
    page.fill("#bptt-L", "12")  # off the presets: neither is pressed
    expect(page).to_have_url(re.compile(r"preset=custom"))
    expect(page.locator('.bptt-preset[aria-pressed="true"]')).to_have_count(0)


def test_bptt_presets_match_the_server(page, server_url):
    from elman.chapter.steps.bptt import DEFAULTS, PRESETS

    page.goto(f"{server_url}/#step=4&seed=0")
    page.wait_for_selector('body[data-ready="4"]')
    for name, preset in PRESETS.items():
        page.click(f"#bptt-preset-{name}")
        want = {**DEFAULTS, **preset}
        expect(page.locator("#bptt-L")).to_have_value(str(want["L"]))
        assert [page.input_value(f"#bptt-{k}") for k in ("T", "K", "rho")] == [str(want[k]) for k in ("T", "K", "rho")]


# ---- step 4 on real text: each character's pull on one prediction ----


def test_influence_rows_show_the_library_numbers_and_the_cut(page, server_url):
    from elman.chapter.steps.bptt_influence import DEFAULT_K, DEFAULT_TEXT, connectivity

    page.goto(f"{server_url}/#step=4&seed=0")
    page.wait_for_selector('body[data-ready="4"]')
    r = connectivity(DEFAULT_TEXT, None, DEFAULT_K)
    t, start = r["position"], r["window_start"]
    assert page.input_value("#bptt-text") == DEFAULT_TEXT and page.input_value("#bptt-pos") == str(t)
    for k in range(1, t + 1):
        assert value(page, f"bptt-inf-full-{k}") == pytest.approx(r["full"][k - 1], rel=1e-9)
        assert value(page, f"bptt-inf-truncated-{k}") == pytest.approx(r["truncated"][k - 1], rel=1e-9)
    expect(page.locator('#bptt-rows [data-row="truncated"] .bptt-tok.zero')).to_have_count(start - 1)
    expect(page.locator('#bptt-rows [data-row="full"] .bptt-tok.zero')).to_have_count(0)
    expect(page.locator("#bptt-rows .bptt-tok.now")).to_have_count(2)
    assert value(page, "bptt-beyond") == pytest.approx(r["beyond_share"], rel=1e-9)
    expect(page.locator(".bptt-target")).to_contain_text("line break")

    page.fill("#bptt-textK", "12")  # a longer window: fewer characters cut
    r12 = connectivity(DEFAULT_TEXT, t, 12)
    expect(page.locator('[data-key="bptt-beyond"]')).to_have_attribute("data-value", str(r12["beyond_share"]))
    expect(page.locator('#bptt-rows [data-row="truncated"] .bptt-tok.zero')).to_have_count(r12["window_start"] - 1)

    page.click('#bptt-rows [data-row="full"] [data-k="20"]')  # a click picks the prediction's position
    expect(page.locator("#bptt-pos")).to_have_value("20")
    expect(page).to_have_url(re.compile(r"pos=20"))
    r20 = connectivity(DEFAULT_TEXT, 20, 12)
    expect(page.locator('[data-key="bptt-inf-full-20"]')).to_have_attribute("data-value", str(r20["full"][19]))
    expect(page.locator('#bptt-rows [data-key="bptt-inf-full-21"]')).to_have_count(0)

    page.select_option("#bptt-line", "1")  # an example line, opened on its own position
    expect(page.locator("#bptt-pos")).to_have_value("71")
    page.fill("#bptt-text", "Caf\u00e9 au lait")  # a character the model never read
    page.dispatch_event("#bptt-text", "change")
    expect(page.locator("#bptt-influence-out .error")).to_contain_text("expected the characters of the model's plays")
    assert page.locator("#bptt-influence-out .error").inner_text().count(".") <= 2
    answered = [m for m in page.console if "status of 400" in m[1]]  # Chromium logs the 400 that was the point
    assert len(answered) == 1
    page.console[:] = [m for m in page.console if m not in answered]
    page.fill("#bptt-text", "Now is the winter of our discontent")
    page.dispatch_event("#bptt-text", "change")
    expect(page.locator("#bptt-pos")).to_have_value("34")  # the last character with a next one
    expect(page.locator("#bptt-influence-out .error")).to_have_count(0)
    page.reload()  # the text, position and K come back from the hash
    page.wait_for_selector('body[data-ready="4"]')
    assert page.input_value("#bptt-text") == "Now is the winter of our discontent"
    assert page.input_value("#bptt-textK") == "12" and page.input_value("#bptt-pos") == "34"


# ---- the visual language of Steps 3 and 4 (issue 15) ----


def log_ticks(page) -> list[str]:
    return sorted(
        page.evaluate(
            "() => [...document.querySelectorAll('#bptt-chart svg.fig text')]"
            ".filter((t) => t.querySelector('tspan.exponent')).map((t) => t.textContent)"
        )
    )


def test_bptt_log_axis_stays_fixed_across_settings_with_titled_axes(page, server_url):
    open_step(page, server_url, 4)
    before = log_ticks(page)
    assert before == sorted(["104", "101", "10−2", "10−5", "10−8", "10−11", "10−14"])  # 10⁴ … 10⁻¹⁴, raised
    page.fill("#bptt-rho", "0.3")
    page.fill("#bptt-K", "3")
    expect(page.locator('[data-cut="4"]')).to_have_count(1)
    assert log_ticks(page) == before  # was 1e-6…1e0, then 1e-3…1e-2
    expect(page.locator("#bptt-chart .axis-label.axis-y .katex")).to_have_count(1)
    expect(page.locator("#bptt-chart .axis-label.axis-x .katex")).to_have_count(1)
    assert raw_notation(page) == []


def test_bptt_draws_the_gradient_flowing_back_and_cuts_clear_of_the_row_titles(page, server_url):
    open_step(page, server_url, 4, "&T=30&K=10")
    diagram = page.locator("#bptt-diagram svg.bptt-chains")
    back = diagram.locator("g.dg-arrow.backward")
    # every link of the full chain and its arrow into the marked input; truncated, only the loss's window (21-30)
    expect(back).to_have_count(29 + 1 + 9)
    grad = page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--c-grad').trim()")
    strokes = set(
        page.evaluate(
            "() => [...document.querySelectorAll('#bptt-diagram g.dg-arrow.backward path')]"
            ".map((p) => p.getAttribute('stroke'))"
        )
    )
    assert strokes == {grad}
    expect(diagram.locator("g.dg-arrow:not(.backward)")).to_have_count(2)  # the loss enters at t = T, in each chain
    overlaps = page.evaluate("""() => {
      const titles = [...document.querySelectorAll('#bptt-diagram foreignObject')]
        .filter((f) => /BPTT|truncated/.test(f.textContent))
        .map((f) => f.querySelector('.tex-label').getBoundingClientRect());
      return [...document.querySelectorAll('#bptt-diagram [data-cut]')].flatMap((c) => {
        const r = c.getBoundingClientRect();
        return titles.filter((t) => r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top)
          .map(() => c.dataset.cut);
      });
    }""")
    assert overlaps == []
    page.hover('#tab-formula [data-term="cut"]')  # the formula's truncation lights the cuts
    expect(page.locator('#bptt-diagram [data-cut="11"]')).to_have_class(re.compile(r"\bterm-active\b"))
    page.hover('#bptt-diagram [data-key="bptt-full-5"]')  # a state's gradient lights ∂L/∂h_t in the formula
    expect(page.locator('#tab-formula [data-term="grad_h"]').first).to_have_class(re.compile(r"\bterm-active\b"))
    page.hover('#tab-formula [data-term="grad_x"]')  # the formula's input gradient lights the arrow into x
    expect(page.locator('#bptt-diagram [data-reach="full"]')).to_have_class(re.compile(r"\bterm-active\b"))

    page.click("#bptt-play")  # a gradient dot travels back along the chain
    expect(diagram.locator("circle.flow-dot").first).to_be_attached()
    expect(diagram.locator("circle.bptt-node.is-now")).to_have_count(2)
    page.click("#bptt-play")  # stop


def test_bptt_under_reduced_motion_plays_without_moving_dots(page, server_url):
    page.emulate_media(reduced_motion="reduce")
    open_step(page, server_url, 4, "&T=8&K=3")
    page.evaluate("""() => { window.__dots = 0; new MutationObserver((records) => { for (const r of records)
      for (const n of r.addedNodes) if (n.classList?.contains('flow-dot')) window.__dots++; })
      .observe(document.getElementById('bptt-diagram'), { childList: true, subtree: true }); }""")
    page.click("#bptt-play")
    expect(page.locator("#bptt-readout")).to_have_attribute("data-step", "1", timeout=10_000)
    assert page.evaluate("() => window.__dots") == 0


def test_bptt_on_a_phone_values_stay_beside_their_sliders_and_the_table_scrolls(tab_at, server_url):
    tab = tab_at(390, 844)
    open_step(tab, server_url, 4)
    for name in ("T", "L", "K", "rho"):
        slider = tab.locator(f"#bptt-{name}").bounding_box()
        value = tab.locator(f'output[for="bptt-{name}"]').bounding_box()
        middle = value["y"] + value["height"] / 2
        assert slider["y"] <= middle <= slider["y"] + slider["height"]  # on the slider's line
        assert 0 <= value["x"] - (slider["x"] + slider["width"]) <= 24  # right beside it
    box = tab.locator("#bptt-out .figure-scroll")
    sizes = box.evaluate(
        "(b) => [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX, b.getBoundingClientRect().right]"
    )
    assert sizes[2] == "auto" and sizes[3] <= 390  # it scrolls inside the panel
    if sizes[0] > sizes[1]:
        expect(box).to_have_attribute("tabindex", "0")  # and the keyboard can scroll it
    screenshot(tab, "step-4-bptt-phone")
