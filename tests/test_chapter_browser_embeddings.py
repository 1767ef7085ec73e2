"""Step 7 in a real browser: every control reaches the library, and the page shows the library's numbers."""

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
