"""One self-contained HTML page for a claims run: every claim, its number and interval, verdict, figure, command.

The page has no external reference at all (no CDN, no font, no script): the figures are embedded as base64 PNG
``data:`` URLs, the styles inline, so the file can be mailed or opened offline.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from elman.analysis.claims.runner import JSONL, _number, read_jsonl

COLOURS = {"reproduced": "#009E73", "nuanced": "#E69F00", "not reproduced": "#D55E00", "cited": "#777777"}

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;
vertical-align:top}th{background:#f4f4f4}.v{font-weight:600;white-space:nowrap}.p{color:#555;font-size:.85em}
section{border-top:2px solid #ddd;margin-top:2rem;padding-top:1rem}img{max-width:100%;height:auto}
code{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}.m{white-space:pre-wrap}
sup,sub{line-height:0}
"""


# The claims write notation in plain text: ``0.9^100``, ``W_hh``, ``∂h_{T−100}``. A superscript follows a number,
# a letter or a bracket: ``^`` then ``{...}`` (braces dropped), ``(...)`` (kept) or a signed run of letters and
# digits. A subscript is taken only where no identifier can be meant: its base is ONE letter standing alone (or
# ``d`` and a capital, the differential ``dW``), and it is either braced or short, as in TeX (one or two letters,
# or digits), and runs on into no word, ``.name`` or further ``_``. So ``clip_grad_norm_``, ``weight_hh_l0``,
# ``n_items`` and ``runs/claims_out`` stay as written.
_SUP = re.compile(r"(?<=[\w)\]}‖])\^(?:\{([^{}]*)\}|(\([^()]*\))|([−-]?[A-Za-z0-9]+))")
_SUB = re.compile(r"(?<![\w./])(d[A-Z]|[^\W\d_])_(?:\{([^{}]*)\}|([A-Za-z]{1,2}|[0-9]+))(?!\w|\.\w)")


def math_html(text: str) -> str:
    """``text`` escaped for HTML, its ``^`` and ``_`` notation as ``<sup>`` and ``<sub>``.

    >>> math_html("0.9^100 < h_{T−100}")
    '0.9<sup>100</sup> &lt; h<sub>T−100</sub>'
    """
    out = html.escape(text)
    out = _SUP.sub(lambda m: f"<sup>{next(g for g in m.groups() if g is not None)}</sup>", out)
    return _SUB.sub(lambda m: f"{m[1]}<sub>{m[2] if m[2] is not None else m[3]}</sub>", out)


def _figure(record: dict, folder: Path) -> str:
    fig = record.get("figure")
    if not fig:
        return ""
    path = Path(fig)
    if not path.is_file():
        path = folder / path.name  # the run folder moved: the figure sits beside claims.jsonl
    if not path.is_file():
        return f"<p class='p'>figure {html.escape(path.name)} missing</p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<img alt='figure for claim {record['id']}' src='data:image/png;base64,{data}'>"


def _verdict(record: dict) -> str:
    v = record["verdict"]
    mark = " <span class='p'>(provisional: quick mode)</span>" if record.get("provisional") else ""
    return f"<span class='v' style='color:{COLOURS.get(v, '#000')}'>{html.escape(v)}</span>{mark}"


def render(records: list[dict], folder: Path = Path(".")) -> str:
    """The page for ``records``; figures are looked up at their path, else in ``folder``.

    The prose (claim, headline, measurement, reason) goes through :func:`math_html`; seeds, commands and sources
    are only escaped, since they are names and citations, not notation.
    """
    esc = html.escape
    rows, sections = [], []
    for r in records:
        anchor = f"claim-{r['id']}-{esc(r.get('name', ''))}"
        number = _number(r)
        claim, headline = math_html(r["claim"]), math_html(r.get("headline", ""))
        rows.append(
            f"<tr><td><a href='#{anchor}'>{r['id']}</a></td><td>{claim}</td>"
            f"<td>{headline}</td><td>{esc(number)}</td><td>{_verdict(r)}</td></tr>"
        )
        sources = "".join(f"<li>{esc(s)}</li>" for s in r.get("sources", []))
        seeds = ", ".join(str(s) for s in r.get("seeds", [])) or "none (nothing random)"
        command = r.get("command", "")
        sections.append(
            f"<section id='{anchor}'><h2>Claim {r['id']}: {_verdict(r)}</h2><p><strong>{claim}</strong></p>"
            + (
                f"<p>{headline}: <strong>{esc(number)}</strong> (mean and 95 % t-interval over the seeds)</p>"
                if r.get("headline")
                else ""
            )
            + f"<p class='m'>{math_html(r['measured'])}</p>"
            + (f"<p>Why this verdict: {math_html(r['reason'])}</p>" if r.get("reason") else "")
            + f"<p class='p'>Seeds: {esc(seeds)}</p>"
            + (f"<p>Reproduce: <code>{esc(command)}</code></p>" if command else "")
            + (f"<p>Sources:</p><ul>{sources}</ul>" if sources else "")
            + _figure(r, folder)
            + "</section>"
        )
    counts = {v: sum(r["verdict"] == v for r in records) for v in COLOURS}
    tally = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
        "content='width=device-width,initial-scale=1'><title>elman: the chapter's claims, measured</title>"
        f"<style>{STYLE}</style></head><body><h1>The chapter's claims, measured</h1>"
        f"<p>{len(records)} rows: {esc(tally)}. Each number is the mean over the listed seeds with its 95 % "
        "Student-t interval; each verdict is decided on the interval by a function of the numbers kept in "
        "<code>claims.jsonl</code>.</p><table><thead><tr><th>#</th><th>claim</th><th>headline number</th>"
        "<th>mean [95 % interval]</th><th>verdict</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + "".join(sections)
        + "</body></html>"
    )


def write_report(folder: Path, dest: Path | None = None) -> Path:
    """``dest/claims.html`` (``dest`` defaults to ``folder``) from ``folder/claims.jsonl`` and its figures."""
    folder = Path(folder)
    if not (folder / JSONL).is_file():
        raise FileNotFoundError(f"expected {folder / JSONL} (run `elman claims --out {folder}` first)")
    page = render(read_jsonl(folder), folder)
    dest = Path(dest or folder)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "claims.html"
    path.write_text(page, encoding="utf-8")
    return path
