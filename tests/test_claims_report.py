"""The report's notation: ``^`` and ``_`` in the claims' plain text become <sup> and <sub>, identifiers stay.

The last test reads every string the claim modules write (their source, through ``ast``), so a new sentence
with an identifier the rule would mangle fails here rather than on the page.
"""

import ast
import re
from pathlib import Path

import pytest

from elman.analysis.claims import report
from elman.analysis.claims.report import math_html

CLAIMS = Path(report.__file__).parent


@pytest.mark.parametrize(
    "text, html",
    [
        ("0.9^100", "0.9<sup>100</sup>"),
        ("h_{T−100}", "h<sub>T−100</sub>"),
        ("x_t", "x<sub>t</sub>"),
        ("W_hh).", "W<sub>hh</sub>)."),
        ("‖∂h_T/∂h_{T−100}‖", "‖∂h<sub>T</sub>/∂h<sub>T−100</sub>‖"),
        ("‖dW_hh‖", "‖dW<sub>hh</sub>‖"),  # the differential of W_hh
        ("W_hh^(t)", "W<sub>hh</sub><sup>(t)</sup>"),  # parentheses are the text's, kept
        ("ρ^{n_k}", "ρ<sup>n<sub>k</sub></sup>"),
        ("10^-3 and σ_t.", "10<sup>-3</sup> and σ<sub>t</sub>."),
        ("a < b & c_1", "a &lt; b &amp; c<sub>1</sub>"),  # escaped first: the tags are the only markup
        ("<sup>x_t</sup>", "&lt;sup&gt;x<sub>t</sub>&lt;/sup&gt;"),
    ],
)
def test_notation_becomes_superscripts_and_subscripts(text, html):
    assert math_html(text) == html


@pytest.mark.parametrize(
    "name",
    [
        "clip_grad_norm_(10)",
        "rnn_step_forward",
        "grad_weight_hh_l0",
        "runs/claims_out",
        "a_b_c",
        "x_t.y",  # a dotted name, not x sub t
        "do_x",  # two letters: a word, not a differential
        "in_features.",
        "a/b_c",  # a path
        "x^",  # nothing to raise
        "n_items",  # a long unbraced subscript is a name (TeX, too, would take one character)
        "N_SEEDS",
    ],
)
def test_identifiers_and_paths_are_left_as_written(name):
    assert math_html(name) == name.replace("<", "&lt;")


def test_the_page_renders_the_prose_and_only_escapes_the_command():
    record = {
        "id": 1,
        "name": "vanishing",
        "claim": "shrinks like 0.9^100 <fast>",
        "measured": "‖∂h_T/∂h_{T−100}‖ with clip_grad_norm_",
        "verdict": "reproduced",
        "headline": "log10 ratio at W_hh",
        "reason": "x_t decays",
        "command": "elman experiment a_b --seed 0",
        "sources": ["h_{t} in a title"],
    }
    page = report.render([record])
    assert page.count("0.9<sup>100</sup> &lt;fast&gt;") == 2  # the table row and the section
    assert "‖∂h<sub>T</sub>/∂h<sub>T−100</sub>‖ with clip_grad_norm_" in page
    assert "W<sub>hh</sub>" in page and "x<sub>t</sub> decays" in page
    assert "<code>elman experiment a_b --seed 0</code>" in page and "<li>h_{t} in a title</li>" in page


def _claim_strings() -> list[str]:
    """Every string literal of the claim modules, f-strings' literal parts included ({{ }} already undoubled)."""
    strings = []
    for path in sorted(CLAIMS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.append(node.value)
    return strings


def _bare(text: str) -> str:
    return re.sub(r"[_^{}]", "", text)


def test_every_claim_sentence_keeps_its_identifiers_and_renders_its_notation():
    strings = _claim_strings()
    rendered = [math_html(s) for s in strings]
    # An identifier (by a definition of its own, not the renderer's): a snake_case word with a part of three or
    # more letters, or with two underscores: n_items, clip_grad_norm_, weight_hh_l0, runs/claims_out.
    ident = re.compile(r"\w*[A-Za-z]{3}\w*_\w*|\w*_\w*[A-Za-z]{3}\w*|\w*_\w*_\w*")
    for text, html in zip(strings, rendered):
        for name in ident.findall(text):
            assert name in html, (name, text, html)
        # the only change is markup: without the tags, and without the markers and braces it consumed, the
        # escaped text is back character for character
        assert _bare(re.sub(r"</?su[bp]>", "", html)) == _bare(report.html.escape(text)), text
    page = "\n".join(rendered)
    for shown in ("0.9<sup>100</sup>", "h<sub>T−100</sub>", "W<sub>hh</sub>", "h<sub>T−1</sub>", "clip_grad_norm_"):
        assert shown in page
