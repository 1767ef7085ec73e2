"""Step 7 in a real browser: every control reaches the library, the page shows the library's numbers, the map draws
the analogy's offsets as arrows with labels that never overlap, and the near and far pairs read king–queen and
king–pizza."""

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


def check_pair(page, k, u, v, source):
    expected = embeddings.pair(u, v, source)
    expect(page.locator(f"#emb-pair-{k}-out")).to_contain_text(f"{v} is {u}'s")
    for key in ("cos", "dist", "rank"):
        shown = float(page.get_attribute(f'[data-key="pair-{k}-{key}"]', "data-value"))
        assert shown == pytest.approx(expected[{"cos": "cosine", "dist": "distance", "rank": "rank"}[key]], rel=1e-9)


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
            points[i].tolist(), rel=1e-9, abs=1e-12
        )
    expected = embeddings.similarity(text, source)
    expect(page.locator("#emb-sim-out")).to_contain_text(f"cos({chosen[0]}, {chosen[1]})")
    assert float(page.get_attribute('[data-key="dense-01"]', "data-value")) == pytest.approx(
        expected["dense"][0][1], rel=1e-9
    )
    assert float(page.get_attribute('[data-key="onehot-01"]', "data-value")) == 0.0


def test_every_control_shows_the_library_numbers(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    check_analogy(page, "king", "man", "woman", True, "glove")
    assert page.inner_text('[data-key="analogy-top"]') == "queen"
    check_neighbours(page, "king", "glove")
    check_pair(page, 0, "king", "queen", "glove")
    check_pair(page, 1, "king", "pizza", "glove")
    check_words(page, embeddings.DEFAULT_MAP, "glove")
    expect(page.locator("#emb-info")).to_contain_text("GloVe 6B 50d")

    page.fill("#emb-a", "paris")
    page.fill("#emb-b", "france")
    page.fill("#emb-c", "japan")
    check_analogy(page, "paris", "france", "japan", True, "glove")
    page.uncheck("#emb-exclude")
    expect(page.locator("#emb-analogy-out")).to_contain_text("query words allowed")
    check_analogy(page, "paris", "france", "japan", False, "glove")
    page.fill("#emb-word", "water")
    check_neighbours(page, "water", "glove")
    page.fill("#emb-pair-1-v", "car")
    check_pair(page, 1, "king", "car", "glove")
    page.fill("#emb-words", "cat dog horse car truck boat")
    check_words(page, "cat dog horse car truck boat", "glove")
    for key in (
        "a=paris",
        "b=france",
        "c=japan",
        "exclude=0",
        "word=water",
        "p1v=car",
        "words=cat+dog+horse+car+truck+boat",
    ):
        assert key in page.url

    # the word2vec vectors trained here answer the same questions, and the comparison marks them as answering
    page.select_option("#emb-source", "brown")
    expect(page.locator("#emb-info")).to_contain_text("word2vec")
    check_analogy(page, "paris", "france", "japan", False, "brown")
    check_neighbours(page, "water", "brown")
    check_words(page, "cat dog horse car truck boat", "brown")
    expect(page.locator("#emb-compare thead th.emb-current")).to_contain_text("Brown")
    assert "source=brown" in page.url

    # the view is shared through the address: a fresh page shows the same controls
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector('body[data-ready="7"]')
    assert page.input_value("#emb-a") == "paris" and not page.is_checked("#emb-exclude")
    assert page.input_value("#emb-words") == "cat dog horse car truck boat"
    assert page.input_value("#emb-source") == "brown" and page.input_value("#emb-pair-1-v") == "car"


def test_the_comparison_says_which_vectors_find_queen(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    summary = embeddings.sources()["sources"]
    cells = {s: page.inner_text(f'#emb-compare tbody tr:last-child td[data-source="{s}"]') for s in ("glove", "brown")}
    assert cells["glove"].startswith("queen")
    brown = summary["brown"]["headline"]
    assert cells["brown"].startswith(brown["top"]) and f"queen is {brown['rank']}th" in cells["brown"]
    expect(page.locator("#emb-compare thead th.emb-current")).to_contain_text("GloVe")


def test_an_unknown_word_is_shown_as_the_servers_message(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    page.fill("#emb-word", "qzxqzxq")
    expect(page.locator("#emb-neighbours-out .error")).to_contain_text("unknown word 'qzxqzxq'")
    page.fill("#emb-words", "king qzxqzxq")
    expect(page.locator("#emb-map-out .error")).to_contain_text("qzxqzxq")
    page.fill("#emb-pair-0-u", "")
    expect(page.locator("#emb-pair-0-out .error")).to_contain_text("expected a word, got an empty field")
    page.fill("#emb-word", "queen")
    check_neighbours(page, "queen", "glove")
    # Chromium logs each 400 answer as a console error; those were the point of this test, nothing else may be.
    answered = [m for m in page.console if "status of 400" in m[1]]
    assert len(answered) >= 3
    page.console[:] = [m for m in page.console if m not in answered]


def test_play_shows_the_query_word_winning_then_left_out(page, server_url):
    page.goto(f"{server_url}/?dwell=60000#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    page.click("#play")
    expect(page.locator("#emb-analogy-out")).to_contain_text("query words allowed")
    assert page.inner_text('[data-key="analogy-word-0"]') == "king"
    expect(page.locator("#emb-neighbours-out")).to_contain_text("closest to “queen”", timeout=10_000)
    check_neighbours(page, "queen", "glove")
    page.click("#play")


# ---- the drawn parts: the map as a chart with the analogy's offsets, labels apart, heat maps with a scale ----

ACTIVE = re.compile(r"\bterm-active\b")
ARROWS = """() => [...document.querySelectorAll('#emb-map line.emb-arrow')].map((l) => ({
  role: l.classList.contains('emb-arrow-moved') ? 'moved' : l.classList.contains('emb-arrow-x') ? 'x' : 'y',
  from: [Number(l.getAttribute('x1')), Number(l.getAttribute('y1'))],
  to: [Number(l.getAttribute('x2')), Number(l.getAttribute('y2'))],
  head: l.getAttribute('marker-end'), dash: l.getAttribute('stroke-dasharray') }))"""
DOT = """(word) => { const c = document.querySelector(`#emb-map circle[data-word="${word}"]`);
  return [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]; }"""
LABELS = """() => [...document.querySelectorAll('#emb-map text.emb-label')].map((t) => {
  const r = t.getBoundingClientRect(); return { word: t.textContent, size: parseFloat(getComputedStyle(t).fontSize),
  box: [r.left, r.top, r.right, r.bottom] }; })"""
# twenty words in tight clusters (royals, family, food): the hardest case for the labels
CROWD = (
    "king queen prince princess man woman boy girl father mother son daughter brother sister uncle aunt "
    "husband wife pizza pasta"
)


def opened(tab_at, server_url, width, height, extra=""):
    """A tab of that size on step 7 (motion reduced, so the map is drawn at once), ready."""
    tab = tab_at(width, height, reduced_motion="reduce")
    tab.goto(f"{server_url}/#step=7&seed=0{extra}")
    tab.wait_for_selector('body[data-ready="7"]')
    return tab


def near(p, q, px):
    return np.hypot(p[0] - q[0], p[1] - q[1]) <= px


def angle(u, v):
    u, v = np.asarray(u, float), np.asarray(v, float)
    return np.degrees(np.arccos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1, 1)))


def overlapping(labels):
    return [
        (labels[i]["word"], labels[j]["word"])
        for i in range(len(labels))
        for j in range(i)
        if min(labels[i]["box"][2], labels[j]["box"][2]) - max(labels[i]["box"][0], labels[j]["box"][0]) > 0
        and min(labels[i]["box"][3], labels[j]["box"][3]) - max(labels[i]["box"][1], labels[j]["box"][1]) > 0
    ]


@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
def test_the_default_map_draws_man_woman_and_king_queen_as_parallel_arrows(tab_at, server_url, width, height):
    tab = opened(tab_at, server_url, width, height)
    expect(tab.locator("#emb-map line.emb-arrow")).to_have_count(3, timeout=10_000)  # nothing to click first
    arrows = {a["role"]: a for a in tab.evaluate(ARROWS)}
    dot = {w: tab.evaluate(DOT, w) for w in ("king", "man", "woman", "queen")}
    # b → c in the input's colour, a → answer in the output's, each from near its tail dot to near its head dot
    assert near(arrows["x"]["from"], dot["man"], 10) and near(arrows["x"]["to"], dot["woman"], 10)
    assert near(arrows["y"]["from"], dot["king"], 10) and near(arrows["y"]["to"], dot["queen"], 10)
    # parallel as drawn on the screen, and long enough to see (measured 2° and over 60 px at both widths)
    vec = {k: np.subtract(a["to"], a["from"]) for k, a in arrows.items()}
    assert angle(vec["x"], vec["y"]) <= 15
    assert min(np.hypot(*vec["x"]), np.hypot(*vec["y"])) >= 40
    # the dashed copy of man → woman starts at king and runs the same way
    assert arrows["moved"]["dash"] and near(arrows["moved"]["from"], dot["king"], 10)
    assert angle(vec["moved"], vec["x"]) <= 1
    assert all(a["head"] and a["head"].startswith("url(#") for a in arrows.values())
    shown = float(tab.get_attribute('[data-key="map-angle"]', "data-value"))
    assert shown == pytest.approx(angle(vec["x"], vec["y"]), abs=1.0)  # the note measures what is drawn
    full = embeddings.analogy("king", "man", "woman")["offset_cosine"]
    assert float(tab.get_attribute('[data-key="offset-cosine"]', "data-value")) == pytest.approx(full, rel=1e-9)
    label = tab.get_attribute("#emb-map svg", "aria-label")
    assert "arrows from man to woman" in label and "from king to queen" in label
    expect(tab.locator("#emb-map .emb-map-legend")).to_contain_text("king → queen")
    assert overlapping(tab.evaluate(LABELS)) == []
    expect(tab.locator("#emb-pair-1-out")).to_contain_text("pizza is king's")
    screenshot(tab, f"step-7-embeddings-{width}")


def test_the_arrows_follow_the_analogy_and_the_pairs_put_pizza_on_the_map(tab_at, server_url):
    tab = opened(tab_at, server_url, 1400, 900)
    colours = tab.evaluate("""() => [...document.querySelectorAll('#emb-map line.emb-arrow')]
      .map((l) => getComputedStyle(l).stroke)""")
    palette = tab.evaluate("""() => ['--c-x', '--c-y'].map((v) => { const s = document.createElement('span');
      s.style.color = `var(${v})`; document.body.append(s); const c = getComputedStyle(s).color; s.remove();
      return c; })""")
    assert colours == [palette[0], palette[1], palette[0]]
    assert tab.locator("#emb-map .axis-label.axis-x .katex").count() == 1

    # king–pizza: the pair's button puts both words on the map, far from king and queen
    tab.click('#emb-pairs-h ~ .emb-pairs [data-pair="1"]')
    expect(tab.locator('#emb-map circle[data-word="pizza"]')).to_have_count(1)
    dot = {w: tab.evaluate(DOT, w) for w in ("king", "queen", "pizza")}
    assert np.hypot(*np.subtract(dot["pizza"], dot["king"])) > 3 * np.hypot(*np.subtract(dot["queen"], dot["king"]))

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
    expect(tab.locator("#emb-map line.emb-arrow")).to_have_count(3)
    assert tab.input_value("#emb-words").startswith("king queen man woman paris france italy")


@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
def test_labels_never_overlap_and_keep_their_size(tab_at, server_url, width, height):
    tab = opened(tab_at, server_url, width, height, f"&words={CROWD.replace(' ', '+')}")
    expect(tab.locator("#emb-map text.emb-label")).to_have_count(20)
    labels = tab.evaluate(LABELS)
    assert all(lab["size"] >= 12 for lab in labels)
    assert overlapping(labels) == []
    # every label stays inside the chart
    frame = tab.evaluate("""() => { const r = document.querySelector('#emb-map svg').getBoundingClientRect();
      return [r.left, r.top, r.right, r.bottom]; }""")
    assert all(lab["box"][0] >= frame[0] and lab["box"][2] <= frame[2] + 1 for lab in labels)
    # both heat maps carry a colour bar on the same fixed scale, −1 to 1, and typeset titles
    bars = tab.locator("#emb-sim-out .colorbar")
    expect(bars).to_have_count(2)
    assert [bars.nth(k).locator(".num").all_inner_texts() for k in range(2)] == [["−1.000", "1.000"]] * 2
    assert tab.locator("#emb-sim-out figcaption .katex").count() >= 2
    assert tab.locator("#emb-analogy-out th .katex").count() >= 1


def test_the_formula_and_the_widget_light_up_together(page, server_url):
    page.goto(f"{server_url}/#step=7&seed=0")
    page.wait_for_selector('body[data-ready="7"]')
    page.hover('#tab-formula [data-term="analogy"]')
    expect(page.locator("#emb-analogy-h")).to_have_class(ACTIVE)
    expect(page.locator("#emb-map g.emb-arrows")).to_have_class(ACTIVE)
    page.hover("#emb-sim-onehot svg")
    expect(page.locator('#tab-formula [data-term="onehot"]').first).to_have_class(ACTIVE)
    expect(page.locator("#emb-analogy-h")).not_to_have_class(ACTIVE)
