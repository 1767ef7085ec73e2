// Typeset maths through the vendored KaTeX, anywhere a symbol appears: formula panels, widget labels, legends,
// table headers, chart axes and SVG diagrams. Text with $…$ becomes text nodes and rendered maths, never raw HTML.
// Numbers print with real exponents (1.0 × 10⁻¹³), never "1e-13".

const SVG = "http://www.w3.org/2000/svg";

// KaTeX trusts exactly two HTML commands: \htmlData{term=h}{h_t} (term linking, js/terms.js) and
// \htmlClass{c-h}{h_t} (a role colour from css/tokens.css). Nothing else (no \url, no \href, no \htmlStyle).
export const KATEX_OPTIONS = {
  throwOnError: false,
  trust: (context) => context.command === "\\htmlData" || context.command === "\\htmlClass",
  strict: (code) => (code === "htmlExtension" ? "ignore" : "warn"),
};

export function renderDisplay(element, tex) {
  element.replaceChildren();
  for (const line of tex.split(/\n\s*\n/)) {
    const block = document.createElement("div");
    window.katex.render(line, block, { ...KATEX_OPTIONS, displayMode: true });
    element.append(block);
  }
}

export function renderInline(element, text) {
  element.replaceChildren(...labelNodes(text));
}

// One inline formula as a <span>: math("W_{hh}"), math("\\rho^{T-k}"), math("10^{-13}").
export function math(tex, { className = "tex-label" } = {}) {
  const span = document.createElement("span");
  span.className = className;
  window.katex.render(String(tex), span, KATEX_OPTIONS);
  return span;
}

// A label that mixes words and $maths$: label("gradient norm $\\|\\partial L/\\partial h_t\\|$") → a <span>.
// Plain text without $ stays plain text.
export function label(text, { className = "tex-label" } = {}) {
  const span = document.createElement("span");
  span.className = className;
  span.append(...labelNodes(String(text ?? "")));
  return span;
}

function labelNodes(text) {
  return text.split(/(\$[^$]+\$)/).filter(Boolean).map((part) => {
    if (part.length > 2 && part.startsWith("$") && part.endsWith("$")) {
      const span = document.createElement("span");
      window.katex.render(part.slice(1, -1), span, KATEX_OPTIONS);
      return span;
    }
    return document.createTextNode(part);
  });
}

// A typeset label inside an SVG, at a fixed pixel size: a <foreignObject> box anchored at (x, y).
// anchor: "start" | "middle" | "end" (horizontal), baseline: "middle" | "top" | "bottom" (vertical).
// The SVG must not be scaled by a viewBox (the figures here never are), so the label keeps its size.
export function svgLabel(text, { x, y, anchor = "middle", baseline = "middle", width = 240, height = 28,
  className = "", rotate = 0 } = {}) {
  const fo = document.createElementNS(SVG, "foreignObject");
  const left = anchor === "start" ? x : anchor === "end" ? x - width : x - width / 2;
  const top = baseline === "top" ? y : baseline === "bottom" ? y - height : y - height / 2;
  fo.setAttribute("x", left); fo.setAttribute("y", top);
  fo.setAttribute("width", width); fo.setAttribute("height", height);
  if (rotate) fo.setAttribute("transform", `rotate(${rotate} ${x} ${y})`);
  const box = document.createElement("div");
  box.className = `svg-tex ${className}`.trim();
  box.style.cssText = `display:flex;height:100%;align-items:${{ top: "flex-start", bottom: "flex-end" }[baseline] ?? "center"};`
    + `justify-content:${{ start: "flex-start", end: "flex-end" }[anchor] ?? "center"};`
    + "font:var(--fig-fs-label, 13px)/1.1 var(--font-ui, sans-serif);color:var(--ink);white-space:nowrap;";
  box.append(label(text));
  fo.append(box);
  return fo;
}

const SUPERSCRIPT = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
  "9": "⁹", "-": "⁻", "+": "⁺" };

export function superscript(text) {
  return String(text).replace(/[0-9+-]/g, (c) => SUPERSCRIPT[c]);
}

// 10ⁿ as text: pow10(-13) → "10⁻¹³".
export function pow10(n) { return `10${superscript(n)}`; }

// A readable number: fixed for ordinary sizes, m × 10ⁿ for tiny or huge ones; a real minus sign.
// formatNumber(1e-13) → "1.0 × 10⁻¹³", formatNumber(0.25) → "0.250", formatNumber(3e5, 2) → "3.0 × 10⁵".
export function formatNumber(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) {
    const [mantissa, exponent] = x.toExponential(Math.max(1, digits - 1)).split("e");
    return `${mantissa.replace("-", "−")} × ${pow10(Number(exponent))}`;
  }
  return x.toFixed(digits).replace("-", "−");
}

// The same number as a <span class="num"> whose exponent is a raised <sup> in ordinary digits (Unicode superscript
// glyphs are too small to read at 12–14 px); data-value keeps the exact value for tests and readers.
export function numberNode(x, digits = 3, className = "num") {
  const span = document.createElement("span");
  span.className = className;
  span.dataset.value = String(x);
  const m = /^(.*) × 10([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(formatNumber(x, digits));
  if (!m) { span.textContent = formatNumber(x, digits); return span; }
  const sup = document.createElement("sup");
  sup.className = "exponent";
  sup.textContent = [...m[2]].map((c) => ({ "⁻": "−", "⁺": "+" }[c] ?? String("⁰¹²³⁴⁵⁶⁷⁸⁹".indexOf(c)))).join("");
  span.append(`${m[1]} × 10`, sup);
  return span;
}

// Tick labels "10⁻¹⁶" become 10 with a raised exponent in ordinary 12 px digits: Unicode superscript glyphs are
// drawn at about half the font's height, too small to read at 12 px.
export function raiseExponents(svg) {
  for (const text of svg.querySelectorAll("text")) {
    const m = /^([−-]?[\d.]+ × )?10([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(text.textContent);
    if (!m) continue;
    const exponent = [...m[2]].map((c) => ({ "⁻": "−", "⁺": "+" }[c] ?? String("⁰¹²³⁴⁵⁶⁷⁸⁹".indexOf(c)))).join("");
    const sup = document.createElementNS(SVG, "tspan");
    sup.setAttribute("dy", "-0.5em");
    sup.setAttribute("class", "exponent");
    sup.textContent = exponent;
    text.textContent = `${m[1] ?? ""}10`;
    text.append(sup);
  }
}

// A tick label for a log axis: exact powers of ten as 10ⁿ, others as formatNumber.
export function logTick(v) {
  const n = Math.log10(v);
  return Math.abs(n - Math.round(n)) < 1e-9 ? pow10(Math.round(n)) : formatNumber(v, 2);
}
