"""The steps' words point at the page's parts by name, never by a side: one column on a phone has no right or left."""

import re

import pytest

from elman.chapter.steps import STEPS

SIDE = re.compile(r"\b(on|to) the (right|left)\b|\b(at|in) the (right|left)\b|\b(right|left)-hand\b", re.IGNORECASE)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.key)
def test_no_words_point_to_a_side_of_the_page(step):
    words = [step.explanation, step.callout.text, step.subtitle, step.heading]
    assert not [m.group(0) for text in words for m in SIDE.finditer(text)]


def test_the_words_name_the_live_panel_the_page_labels():
    from elman.chapter.app import STATIC

    assert 'id="live-label" class="live-label">Live panel' in (STATIC / "index.html").read_text()
    assert sum("live panel" in s.explanation + s.callout.text for s in STEPS) >= 7
