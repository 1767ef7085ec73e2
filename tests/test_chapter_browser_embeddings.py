"""Step 7 in a real browser: every control reaches the library, and the page shows the library's numbers."""

import re

import numpy as np
import pytest

from chapter_browser import screenshot
from elman.chapter.steps import embeddings
from elman.embeddings.projection import pca_2d

expect = pytest.importorskip("playwright.sync_api").expect


def values(page, prefix, n):
    return [float(page.get_attribute(f'[data-key="{prefix}-{i}"]', "data-value")) for i in range(n)]


def words(page, prefix, n):
    return [page.inner_text(f'[data-key="{prefix}-word-{i}"]') for i in range(n)]


def check_analogy(page, a, b, c, exclude, source):
    expected = embeddings.analogy(a, b, c, exclude, source)["answers"]
    expect(page.locator("#emb-analogy-out p").first).to_contain_text(f"{a} − {b} + {c} ≈ {expected[0]['word']}")
    assert words(page, "analogy", 10) == [x["word"] for x in expected]
    assert values(page, "analogy", 10) == pytest.approx([x["cosine"] for x in expected], rel=1e-9)


def check_neighbours(page, word, source):
    expected = embeddings.neighbours(word, source)["neighbours"]
    expect(page.locator("#emb-neighbours-out")).to_contain_text(f"closest to “{word}”")
    assert words(page, "neighbour", 10) == [x["word"] for x in expected]
    assert values(page, "neighbour", 10) == pytest.approx([x["cosine"] for x in expected], rel=1e-9)


def check_words(page, text, source):
    vectors, _ = embeddings.vectors_for(source)
    chosen = text.split()
    last = page.locator(f'#emb-map circle[data-key="map-{len(chosen) - 1}"]')
    expect(last).to_have_attribute("data-word", chosen[-1])
    points = pca_2d(np.stack([vectors.vector(w) for w in chosen]))
    for i, word in enumerate(chosen):
        dot = page.locator(f'#emb-map circle[data-key="map-{i}"]')
        assert dot.get_attribute("data-word") == word
        assert [float(dot.get_attribute("data-x")), float(dot.get_attribute("data-y"))] == pytest.approx(
            points[i].tolist(), rel=1e-9, abs=1e-12)
    expected = embeddings.similarity(text, source)
    expect(page.locator("#emb-sim-out")).to_contain_text(f"cos({chosen[0]}, {chosen[1]})")
    assert float(page.get_attribute('[data-key="dense-01"]', "data-value")) == pytest.approx(expected["dense"][0][1],
                                                                                            rel=1e-9)
    assert float(page.get_attribute('[data-key="onehot-01"]', "data-value")) == 0.0


def test_every_control_shows_the_library_numbers(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    source = "auto"
    check_analogy(page, "king", "man", "woman", True, source)
    check_neighbours(page, "king", source)
    check_words(page, embeddings.DEFAULT_MAP, source)
    screenshot(page, "step-7-embeddings")

    page.fill("#emb-a", "paris")
    page.fill("#emb-b", "france")
    page.fill("#emb-c", "japan")
    check_analogy(page, "paris", "france", "japan", True, source)
    page.uncheck("#emb-exclude")
    expect(page.locator("#emb-analogy-out")).to_contain_text("query words allowed")
    check_analogy(page, "paris", "france", "japan", False, source)
    page.fill("#emb-word", "water")
    check_neighbours(page, "water", source)
    page.fill("#emb-words", "cat dog horse car truck boat")
    check_words(page, "cat dog horse car truck boat", source)
    for key in ("a=paris", "b=france", "c=japan", "exclude=0", "word=water", "words=cat+dog+horse+car+truck+boat"):
        assert key in page.url

    if page.locator("#emb-source").count():                      # both GloVe and the shipped vectors are here
        page.select_option("#emb-source", "shipped")
        expect(page.locator("#emb-info")).to_contain_text("word2vec")
        check_analogy(page, "paris", "france", "japan", False, "shipped")
        check_neighbours(page, "water", "shipped")
        check_words(page, "cat dog horse car truck boat", "shipped")
        assert "source=shipped" in page.url
    else:
        expect(page.locator("#emb-glove-absent")).to_contain_text("elman data fetch glove-6b-50d")

    # the view is shared through the address: a fresh page shows the same controls
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector('body[data-ready="7"]')
    assert page.input_value("#emb-a") == "paris" and not page.is_checked("#emb-exclude")
    assert page.input_value("#emb-words") == "cat dog horse car truck boat"


def test_an_unknown_word_is_shown_as_the_servers_message(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    page.fill("#emb-word", "qzxqzxq")
    expect(page.locator("#emb-neighbours-out .error")).to_contain_text("unknown word 'qzxqzxq'")
    page.fill("#emb-words", "king qzxqzxq")
    expect(page.locator("#emb-map-out .error")).to_contain_text("qzxqzxq")
    page.fill("#emb-word", "queen")
    check_neighbours(page, "queen", "auto")
    # Chromium logs each 400 answer as a console error; those two were the point of this test, nothing else may be.
    answered = [m for m in page.console if "status of 400" in m[1]]
    assert len(answered) >= 2
    page.console[:] = [m for m in page.console if m not in answered]


def test_play_shows_the_query_word_winning_then_left_out(page, server_url):
    page.goto(f"{server_url}/?dwell=60000#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    page.click("#play")
    expect(page.locator("#emb-analogy-out")).to_contain_text("query words allowed")
    assert page.inner_text('[data-key="analogy-word-0"]') == embeddings.analogy("king", "man", "woman", False)[
        "answers"][0]["word"]
    top = embeddings.analogy("king", "man", "woman", True)["answers"][0]["word"]
    expect(page.locator("#emb-neighbours-out")).to_contain_text(f"closest to “{top}”", timeout=10_000)
    check_neighbours(page, top, "auto")
    page.click("#play")


# ---- the drawn parts (issue 15): the map as a chart with the analogy's offsets, heat maps with a scale ----

ACTIVE = re.compile(r"\bterm-active\b")
ARROWS = """() => [...document.querySelectorAll('#emb-map line.emb-arrow')].map((l) => ({
  role: l.classList.contains('emb-arrow-x') ? 'x' : 'y',
  from: [Number(l.getAttribute('x1')), Number(l.getAttribute('y1'))], to: [Number(l.getAttribute('x2')), Number(l.getAttribute('y2'))],
  head: l.getAttribute('marker-end') }))"""
DOT = """(word) => { const c = document.querySelector(`#emb-map circle[data-word="${word}"]`);
  return [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]; }"""


def near(p, q, px):
    return np.hypot(p[0] - q[0], p[1] - q[1]) <= px


def test_the_map_draws_the_analogy_offsets_as_parallel_arrows(tab_at, server_url):
    tab = tab_at(1400, 900, reduced_motion="reduce")
    tab.goto(f"{server_url}/#step=7&seed=0")
    tab.wait_for_selector('body[data-ready="7"]')
    answer = embeddings.analogy("king", "man", "woman", True)["answers"][0]["word"]
    add = tab.locator("[data-add-words]")  # the shipped vectors' answer is not among the map's words
    if add.count():
        add.click()
    expect(tab.locator("#emb-map line.emb-arrow")).to_have_count(2, timeout=10_000)
    arrows = {a["role"]: a for a in tab.evaluate(ARROWS)}
    dot = {w: tab.evaluate(DOT, w) for w in ("king", "man", "woman", answer)}
    # b → c in the input's colour, a → answer in the output's, each from near its tail dot to near its head dot
    assert near(arrows["x"]["from"], dot["man"], 10) and near(arrows["x"]["to"], dot["woman"], 10)
    assert near(arrows["y"]["from"], dot["king"], 10) and near(arrows["y"]["to"], dot[answer], 10)
    assert all(a["head"] and a["head"].startswith("url(#") for a in arrows.values())
    colours = tab.evaluate("""() => [...document.querySelectorAll('#emb-map line.emb-arrow')].map((l) => getComputedStyle(l).stroke)""")
    palette = tab.evaluate("""() => ['--c-x', '--c-y'].map((v) => { const s = document.createElement('span');
      s.style.color = `var(${v})`; document.body.append(s); const c = getComputedStyle(s).color; s.remove(); return c; })""")
    assert colours == palette
    # the chart's frame: typeset axis titles, a text alternative naming both arrows, a legend of the two offsets
    assert tab.locator("#emb-map .axis-label.axis-x .katex").count() == 1
    assert tab.locator("#emb-map .axis-label.axis-y .katex").count() == 1
    label = tab.get_attribute("#emb-map svg", "aria-label")
    assert "arrows from man to woman" in label and f"from king to {answer}" in label
    expect(tab.locator("#emb-map .emb-map-legend")).to_contain_text(f"king → {answer}")

    # query words allowed: king itself is nearest, there is no offset to draw, and the map says so
    tab.uncheck("#emb-exclude")
    expect(tab.locator("#emb-map-out .emb-map-note")).to_contain_text("one of the query words")
    assert tab.locator("#emb-map line.emb-arrow").count() == 0
    # an analogy whose words are not on the map offers to add them; adding them draws the arrows
    tab.check("#emb-exclude")
    tab.fill("#emb-words", "king queen man woman")
    tab.fill("#emb-a", "paris")
    tab.fill("#emb-b", "france")
    tab.fill("#emb-c", "italy")
    expect(tab.locator("#emb-map-out [data-add-words]")).to_contain_text("paris")
    tab.click("#emb-map-out [data-add-words]")
    expect(tab.locator("#emb-map line.emb-arrow")).to_have_count(2)
    assert tab.input_value("#emb-words").startswith("king queen man woman paris france italy")


def test_labels_keep_their_size_and_mostly_their_distance(tab_at, server_url):
    for width, height in ((1400, 900), (390, 844)):
        tab = tab_at(width, height, reduced_motion="reduce")
        tab.goto(f"{server_url}/#step=7&seed=0")
        tab.wait_for_selector('body[data-ready="7"]')
        boxes = tab.evaluate("""() => [...document.querySelectorAll('#emb-map text.emb-label')].map((t) => {
          const r = t.getBoundingClientRect(); return { size: parseFloat(getComputedStyle(t).fontSize),
          box: [r.left, r.top, r.right, r.bottom] }; })""")
        assert len(boxes) == len(embeddings.DEFAULT_MAP.split()) and all(b["size"] >= 12 for b in boxes)
        overlaps = [(i, j) for i in range(len(boxes)) for j in range(i) if
                    min(boxes[i]["box"][2], boxes[j]["box"][2]) - max(boxes[i]["box"][0], boxes[j]["box"][0]) > 2
                    and min(boxes[i]["box"][3], boxes[j]["box"][3]) - max(boxes[i]["box"][1], boxes[j]["box"][1]) > 2]
        assert overlaps == []
        # both heat maps carry a colour bar on the same fixed scale, −1 to 1, and typeset titles
        bars = tab.locator("#emb-sim-out .colorbar")
        expect(bars).to_have_count(2)
        assert [bars.nth(k).locator(".num").all_inner_texts() for k in range(2)] == [["−1.000", "1.000"]] * 2
        assert tab.locator("#emb-sim-out figcaption .katex").count() >= 2
        # the ranking tables' cosine headers are typeset
        assert tab.locator("#emb-analogy-out th .katex").count() >= 1
        assert tab.locator("#emb-neighbours-out th .katex").count() >= 1
        screenshot(tab, f"step-7-embeddings-{width}")


def test_the_formula_and_the_widget_light_up_together(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    page.hover('#tab-formula [data-term="analogy"]')
    expect(page.locator('#emb-analogy-h')).to_have_class(ACTIVE)
    expect(page.locator("#emb-map g.emb-arrows")).to_have_class(ACTIVE)
    page.hover('#emb-sim-onehot svg')
    expect(page.locator('#tab-formula [data-term="onehot"]').first).to_have_class(ACTIVE)
    expect(page.locator('#emb-analogy-h')).not_to_have_class(ACTIVE)
