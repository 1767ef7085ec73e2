"""Step 1 in a real browser: the three readers' verdicts at the defaults, typed sentences reaching the library,
a sentence of another length refused in words, every control given bad input answered in one plain sentence
(never a validation message), and the list of sequence tasks with its try-it button."""

import re

import pytest

from chapter_browser import screenshot
from elman.chapter.steps.sequences import compare

expect = pytest.importorskip("playwright.sync_api").expect

RAW = re.compile(
    r"String should|Input should|input\.size|must be equal|in_features|Expected \d+, got|"
    r"Field required|value_error|\bquery\b|\bloc\b|Traceback",
    re.IGNORECASE,
)


def open_step(page, server_url, extra=""):
    page.goto(f"{server_url}/#step=1&seed=4{extra}")
    page.wait_for_selector('body[data-ready="1"]')


def forget_refusals(page):
    """Chromium logs each 400 answer as a console error; the refusals were the point, nothing else may be logged."""
    answered = [m for m in page.console if "status of 400" in m[1]]
    assert answered
    page.console[:] = [m for m in page.console if m not in answered]


def outcomes(page):
    return page.locator("#seq-summary li").evaluate_all("(ns) => ns.map((n) => n.dataset.outcome)")


def test_at_the_defaults_only_the_bag_of_words_reads_the_reordering_as_the_same(page, server_url):
    open_step(page, server_url)
    expected = compare("the dog bit the man", "the man bit the dog", 4)
    expect(page.locator('[data-key="rnn-cosine"]')).to_have_attribute("data-value", repr(expected["rnn"]["cosine"]))
    assert outcomes(page) == ["same", "different", "different"]
    ff = page.locator('[data-key="ff-cosine"]')
    expect(ff).to_have_attribute("data-value", repr(expected["feedforward"]["cosine"]))
    expect(page.locator('[data-key="ff-verdict"]')).to_contain_text("sees the order, at this one length")
    expect(page.locator(".seq-ff .seq-strip")).to_have_count(2)  # both outputs, as strips
    assert page.locator(".seq-ff .seq-unit").count() == 2 * expected["feedforward"]["output_size"]


def test_typing_a_sentence_updates_the_numbers_from_the_library(page, server_url):
    open_step(page, server_url)
    page.fill("#seq-a", "not good at all")
    page.fill("#seq-b", "good not at all")
    expected = compare("not good at all", "good not at all", 4)
    expect(page.locator('[data-key="rnn-cosine"]')).to_have_attribute("data-value", repr(expected["rnn"]["cosine"]))
    assert float(page.get_attribute('[data-key="bow-cosine"]', "data-value")) == pytest.approx(1.0)
    assert "b=good+not+at+all" in page.url
    page.click("#seq-longer")
    expect(page.locator('[data-key="ff-b"]')).to_have_text(
        compare("not good at all", "good not at all today", 4)["feedforward"]["sentences"][1]["message"]
    )
    assert outcomes(page) == ["different", "different", "refused"]
    expect(page.locator("#seq-summary")).to_contain_text("cannot read B")
    assert not RAW.search(page.inner_text("#seq-out"))
    screenshot(page, "step-1-sequences")


# (how the bad input is given, the plain sentence the page shows)
BAD = [
    ("empty A", lambda p: p.fill("#seq-a", ""), "Expected sentence A of at least one word, got none."),
    ("blank B", lambda p: p.fill("#seq-b", "   "), "Expected sentence B of at least one word, got none."),
    ("41 words in A", lambda p: p.fill("#seq-a", "w " * 41), "Expected sentence A of at most 40 words, got 41."),
    (
        "reversed empty A",
        lambda p: (p.fill("#seq-a", " "), p.click("#seq-swap")),
        "Expected sentence A of at least one word, got none.",
    ),
    (
        "one word more than 40",
        lambda p: (p.fill("#seq-a", "w " * 40), p.click("#seq-longer")),
        "Expected sentence B of at most 40 words, got 41.",
    ),
]


@pytest.mark.parametrize("how, give, said", BAD, ids=[b[0] for b in BAD])
def test_every_control_answers_bad_input_in_one_plain_sentence(page, server_url, how, give, said):
    open_step(page, server_url)
    give(page)
    alert = page.locator("#seq-out [role=alert]")
    expect(alert).to_contain_text(said)
    assert not RAW.search(page.inner_text("#widget"))
    forget_refusals(page)


@pytest.mark.parametrize(
    "extra, said",
    [
        ("&a=" + "x" * 230, "Expected sentence A of at most 200 characters, got 230."),
        ("&seed=99999999999", "The seed must be a whole number from 0 to 2147483647"),
    ],
)
def test_a_bad_address_is_answered_in_words_too(page, server_url, extra, said):
    page.goto(f"{server_url}/#step=1{extra}")
    page.wait_for_selector('body[data-ready="1"]')
    expect(page.locator("#seq-out [role=alert]")).to_contain_text(said)
    assert not RAW.search(page.inner_text("#widget"))
    forget_refusals(page)


def test_the_task_list_shows_the_four_shapes_and_tries_not_good(page, server_url):
    open_step(page, server_url)
    tasks = page.locator("#seq-tasks > li")
    expect(tasks).to_have_count(4)
    names = tasks.locator(".seq-task-name").all_inner_texts()
    for shape, example in [
        ("one-to-many", "image → caption"),
        ("many-to-one", "sentence → sentiment"),
        ("many-to-many", "English → French"),
        ("many-to-many", "video → frame labels"),
    ]:
        assert any(shape in n and example in n for n in names), names
    asks = page.inner_text("#seq-asks")
    assert "Any length" in asks and "“not good” is not “good not”" in asks and "far back" in asks
    # inputs in the input colour, outputs in the output colour
    colours = page.evaluate("""() => ['x', 'y'].map((r) => { const c = document.querySelector(`.seq-chip.c-${r}`);
      const s = document.createElement('span'); s.style.color = `var(--c-${r})`; document.body.append(s);
      const want = getComputedStyle(s).color; s.remove(); return [getComputedStyle(c).borderTopColor, want]; })""")
    assert all(got == want for got, want in colours)
    page.click("#seq-try-order")
    expect(page.locator("#seq-a")).to_have_value("not good")
    expect(page.locator("#seq-b")).to_have_value("good not")
    expected = compare("not good", "good not", 4)
    expect(page.locator('[data-key="rnn-cosine"]')).to_have_attribute("data-value", repr(expected["rnn"]["cosine"]))
    assert outcomes(page) == ["same", "different", "different"]


def test_the_output_strips_recolour_the_moment_the_theme_changes(page, server_url):
    open_step(page, server_url)
    units = page.locator(".seq-ff .seq-unit")
    fills = "(nodes) => nodes.map((n) => getComputedStyle(n).fill)"
    light = units.evaluate_all(fills)
    page.emulate_media(color_scheme="dark")  # the system switches theme; nothing on the page is touched
    page.wait_for_timeout(500)  # the units' fill glides (--dur is 320 ms)
    dark = units.evaluate_all(fills)
    assert len(dark) == len(light) > 0 and all(a != b for a, b in zip(light, dark))
