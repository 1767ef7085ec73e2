"""What the browser tests measure on a chapter page, one function per check, each returning the offending
elements (empty when the page passes) so that a failure names what to fix.

- ``overflow(tab)``: how far the page is wider than the window (0 when nothing scrolls sideways);
- ``small_text(tab)``: visible text (HTML or SVG, form controls included) drawn smaller than 12 px, the SVG
  size being its font-size times the scale of the SVG on screen;
- ``axe_violations(tab, server_url)``: axe-core's serious and critical findings;
- ``unreachable_controls(tab)``: visible controls that Tab never focuses;
- ``raw_notation(page)``: text in the widget, outside KaTeX, written as plain notation that must be typeset;
- ``open_step(page, server_url, number)``: a step opened at seed 0 and waited for.

axe is loaded from tests/vendor/axe-core through a route on the page's own origin, so the page's
Content-Security-Policy stays on (an inline script, as ``add_script_tag(path=…)`` makes, would be refused).
"""

from __future__ import annotations

import re
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_PATH = "/__tests__/axe.min.js"  # answered by the test's route, never by the chapter's server
MIN_PX = 12


def overflow(tab) -> int:
    return tab.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


SMALL_TEXT = """([minPx, within]) => {
  const hiddenByClip = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.clip && cs.clip !== "auto") return true;
      if (cs.clipPath && cs.clipPath.startsWith("inset(50%")) return true;
      if (cs.overflow !== "visible") {
        const r = e.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
    }
    return false;
  };
  const scaleOf = (el) => {             // an SVG element's scale on screen; an HTML one inside a foreignObject
    const g = el instanceof SVGGraphicsElement ? el : el.closest("foreignObject");
    const m = g?.getScreenCTM?.();
    return m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 1;
  };
  const where = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      const id = e.id ? `#${e.id}` : "";
      const cls = (e.getAttribute("class") || "").trim().split(/\\s+/).filter(Boolean).slice(0, 2)
        .map((c) => `.${c}`).join("");
      parts.unshift(`${e.tagName.toLowerCase()}${id}${cls}`);
      if (e.id) break;
    }
    return parts.join(" > ");
  };
  const out = [];
  const check = (el, text) => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || hiddenByClip(el)) return;
    const px = parseFloat(getComputedStyle(el).fontSize) * scaleOf(el);
    if (px < minPx - 0.01) out.push({ px: Math.round(px * 100) / 100, where: where(el), text: text.slice(0, 40) });
  };
  const seen = new Set();
  const root = within ? document.querySelector(within) : document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const el = node.parentElement;
    if (!text || !el || seen.has(el) || el.closest("script, style, title, desc, option")) continue;
    seen.add(el);
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    check(el, text);
  }
  const fields = "select, textarea, input:not([type=range]):not([type=checkbox]):not([type=radio]):not([type=hidden])";
  for (const el of root.querySelectorAll(fields)) check(el, el.value || el.placeholder || el.tagName);
  return out;
}"""


def small_text(tab, min_px: float = MIN_PX, within: str | None = None) -> list[dict]:
    """[{px, where, text}] of every visible text element drawn below ``min_px`` (``within``: a selector)."""
    return tab.evaluate(SMALL_TEXT, [min_px, within])


def axe_violations(tab, server_url: str, impacts=("serious", "critical"), context: str | None = None) -> list[dict]:
    """[{id, impact, help, targets}] of axe-core's findings of the given impacts (``context``: a selector)."""
    tab.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    if not tab.evaluate("() => typeof window.axe === 'object'"):
        tab.add_script_tag(url=server_url + AXE_PATH)
    found = tab.evaluate(
        """async (context) => {
      const results = await window.axe.run(context ? document.querySelector(context) : document,
                                           { resultTypes: ["violations"] });
      return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 6).map((n) => n.target.join(" "))  }));
    }""",
        context,
    )
    return [v for v in found if v["impact"] in impacts]


FOCUSABLE = """() => {
  const selector = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";
  const controls = [...document.querySelectorAll(selector)].filter((el) => !el.disabled
    && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && el.getClientRects().length
    && !(el.type === "radio" && !el.checked && document.querySelector(`input[type=radio][name="${el.name}"]:checked`)));
  controls.forEach((el, i) => { el.dataset.kbdCheck = String(i); });
  return controls.length;
}"""


def unreachable_controls(tab) -> list[str]:
    """Descriptions of the visible controls Tab never reached, walking from the top of the page until focus
    comes back round (a checked radio stands for its group, which the arrow keys move within)."""
    count = tab.evaluate(FOCUSABLE)
    tab.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    reached: set[str] = set()
    first = None
    for _ in range(count + 10):
        tab.keyboard.press("Tab")
        mark = tab.evaluate("() => document.activeElement?.dataset?.kbdCheck ?? null")
        if mark is None:
            continue
        if mark == first:
            break
        first = first or mark
        reached.add(mark)
    return tab.evaluate(
        """(reached) => [...document.querySelectorAll("[data-kbd-check]")]
      .filter((el) => !reached.includes(el.dataset.kbdCheck))
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} “${(el.getAttribute("aria-label")
        || el.textContent || el.value || "").trim().slice(0, 30)}”`)""",
        sorted(reached),
    )


# Plain-text notation that must be typeset instead (text outside KaTeX): h_{t−1}, W_hh, 1e-13, ρ^(T−k), ‖h_t‖.
RAW = re.compile(r"[A-Za-z]_\{|[A-Za-z]_[A-Za-z]{1,2}\b|\d\s?e-?\d|\^\(|‖[a-z∂]")
RAW_TEXT = """() => {
  const out = [], walker = document.createTreeWalker(document.getElementById("widget"), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest(".katex, title, .visually-hidden, input, option")) out.push(n.nodeValue);
  }
  return out;
}"""


def raw_notation(page) -> list[str]:
    return [text for text in page.evaluate(RAW_TEXT) if RAW.search(text)]


def open_step(page, server_url, number, query=""):
    page.goto(f"{server_url}/#step={number}&seed=0{query}")
    page.wait_for_selector(f'body[data-ready="{number}"]')
