// Python highlighting through the vendored Prism (vendor/prism). Importing this module loads Prism (so import it
// only when code is about to be shown); Prism only splits the text into tokens, and the spans built here carry
// its classes (token keyword, token string …) whose colours are in css/tokens.css, following the palette.
// Nothing is parsed as HTML: every piece of source becomes a text node.

globalThis.Prism = globalThis.Prism ?? { manual: true };   // never let Prism scan the page by itself
await import("../vendor/prism/prism-core.min.js");
await import("../vendor/prism/prism-python.min.js");
const Prism = globalThis.Prism;

// Prism's token tree → [text, classes] pieces in order.
function pieces(tokens, classes = [], out = []) {
  for (const t of tokens) {
    if (typeof t === "string") { out.push([t, classes]); continue; }
    const cls = [...classes, "token", t.type, ...[].concat(t.alias ?? [])];
    if (typeof t.content === "string") out.push([t.content, cls]);
    else pieces(Array.isArray(t.content) ? t.content : [t.content], cls, out);
  }
  return out;
}

// The highlighted source as one array of nodes per line (a token that spans lines, a docstring, is cut at each
// line end and keeps its class on every piece).
export function highlightedLines(source) {
  const lines = [[]];
  for (const [text, cls] of pieces(Prism.tokenize(source, Prism.languages.python))) {
    text.split("\n").forEach((part, i) => {
      if (i) lines.push([]);
      if (!part) return;
      if (!cls.length) { lines.at(-1).push(document.createTextNode(part)); return; }
      const span = document.createElement("span");
      span.className = [...new Set(cls)].join(" ");
      span.textContent = part;
      lines.at(-1).push(span);
    });
  }
  return lines;
}

// Colour a <code> in place. If it holds one .line element per source line (js/code.js), each keeps its element;
// otherwise the code's text is replaced by the highlighted text. The source is data-source or the text.
export function highlightLines(code) {
  const source = (code.dataset.source ?? code.textContent).replace(/\n+$/, "");
  const lines = highlightedLines(source);
  const slots = code.querySelectorAll(":scope > .line");
  if (slots.length === lines.length) slots.forEach((slot, i) => slot.replaceChildren(...lines[i]));
  else code.replaceChildren(...lines.flatMap((nodes, i) => (i ? [document.createTextNode("\n"), ...nodes] : nodes)));
  code.classList.add("language-python", "highlighted");
  return code;
}
