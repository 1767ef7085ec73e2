// The code tab: for each library function the step calls, its core lines (the server cuts them: no docstring,
// no argument checks) and, one click away, its full source; beside them the chapter's PyTorch form.
// Each line is its own block with a hanging indent, so a long line wraps under itself instead of running off
// the right edge. Highlighting is one call (paint) made when the tab is first shown: the highlighter is loaded
// only then.

import { el } from "./draw.js";

let painter = null;     // a promise of the function that colours one code block, loaded on first use

// One <pre class="code"> of `text`, one .line per source line; --indent is the line's leading spaces.
export function codeBlock(text, { label } = {}) {
  const code = el("code", { class: "language-python" });
  fillLines(code, text);
  const pre = el("pre", { class: "code" }, code);
  if (label) pre.setAttribute("aria-label", label);
  return pre;
}

function fillLines(code, text) {
  code.dataset.source = text;
  code.replaceChildren(...text.replace(/\n+$/, "").split("\n").map((line) => {
    const span = el("span", { class: "line" }, line);
    span.style.setProperty("--indent", String(line.length - line.trimStart().length));
    return span;
  }));
}

export function renderSources(root, sources) {
  root.replaceChildren(...sources.map((s) => {
    const lines = s.code.replace(/\n+$/, "").split("\n").length;
    return el("figure", { class: "source" },
      el("figcaption", { class: "source-name" }, el("code", {}, s.name), ` · ${s.file}, line ${s.line}`),
      codeBlock(s.excerpt, { label: `${s.name}, its core lines` }),
      el("details", {}, el("summary", {}, `Full source (${lines} lines, with its checks and docstring)`),
        codeBlock(s.code, { label: `${s.name}, full source` })));
  }));
  paintWhenShown(root);
}

export function renderTorch(code, text) {
  fillLines(code, text);
  paintWhenShown(code);
}

// Colour the code blocks under `root` once they are on screen (the code tab opened), not before.
function paintWhenShown(root) {
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    paintAll(root);
  });
  observer.observe(root);
}

async function paintAll(root) {
  painter ??= import("./highlight.js").then((m) => m.highlightLines).catch(() => null);
  const paint = await painter;
  if (!paint) return;                       // no highlighter: the code stays plain, and readable
  const blocks = root.matches("code") ? [root] : [...root.querySelectorAll("code.language-python")];
  for (const code of blocks) if (code.isConnected) paint(code);
}
