// Step 8's thumbnails: one small live figure per step, drawn from the numbers the step's own function returned
// (GET /api/summary/recap/<key>). Three shapes serve all seven: labelled bars, lines on a log axis, a grid of
// coloured cells. Fixed pixel sizes, 12 px text, colours from the palette's roles; each SVG is one image with a
// text alternative, and the caption under it states the figure's number in words.

import { el, fmt } from "../draw.js";
import { svgEl } from "../diagram.js";
import { liveColors, liveRampColor, role } from "../palette.js";
import { raiseExponents, pow10 } from "../tex.js";

const W = 272;

function frame(height, alt) {
  const svg = svgEl("svg", { class: "fig sum-thumb", width: W, height, role: "img", "aria-label": alt });
  return svg;
}

function text(x, y, content, anchor = "start", cls = "") {
  const node = svgEl("text", { x, y, "text-anchor": anchor, class: cls });
  node.textContent = content;
  return node;
}

// Horizontal bars: [{label, value, role}] on [0, max]; the value printed at the bar's end.
function bars(items, { max = 1, digits = 3, alt, labelWidth = 96 }) {
  const rowH = 22, height = items.length * rowH + 6, left = labelWidth, right = W - 46;
  const svg = frame(height, alt);
  items.forEach((item, i) => {
    const y = 4 + i * rowH, v = Math.max(0, Number(item.value) || 0);
    const w = Math.max(1, (Math.min(v, max) / max) * (right - left));
    svg.append(text(left - 6, y + 13, item.label, "end"),
      svgEl("rect", { x: left, y: y + 2, width: w, height: 14, rx: 2, fill: role(item.role ?? "y"), "data-value": item.value }),
      text(left + w + 4, y + 13, fmt(item.value, digits), "start", "num"));
  });
  return svg;
}

// Lines over xs on a log₁₀ y axis: [{values, role, dash, label}]. With `zero`, a value of exactly 0 (a gradient
// that was cut) is drawn on a floor line below the axis, labelled 0, instead of being left out.
function logLines(series, { xs, alt, xLabel = "", zero = false }) {
  const height = 132, pad = { l: 50, r: 10, t: 14, b: 30 };
  const svg = frame(height, alt);
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  if (!all.length) return svg;
  let lo = Math.floor(Math.log10(Math.min(...all))), hi = Math.ceil(Math.log10(Math.max(...all)));
  if (lo === hi) hi = lo + 1;
  const n = xs.length, x0 = xs[0], x1 = xs[n - 1] === x0 ? x0 + 1 : xs[n - 1];
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const floor = zero ? 14 : 0;                      // the 0 line sits this far below the lowest decade
  const sy = (v) => (v === 0 ? height - pad.b
    : height - pad.b - floor - ((Math.log10(v) - lo) / (hi - lo)) * (height - pad.t - pad.b - floor));
  if (zero) svg.append(text(pad.l - 4, height - pad.b + 4, "0", "end", "muted"));
  const step = Math.max(1, Math.ceil((hi - lo) / 3));
  for (let e = lo; e <= hi; e += step) {
    svg.append(svgEl("line", { x1: pad.l, x2: W - pad.r, y1: sy(10 ** e), y2: sy(10 ** e), class: "sum-grid" }),
      text(pad.l - 4, sy(10 ** e) + 4, pow10(e), "end", "muted"));
  }
  svg.append(text(pad.l, height - pad.b + 14, String(x0), "middle", "muted"), text(W - pad.r, height - pad.b + 14, String(x1), "end", "muted"));
  if (xLabel) svg.append(text((pad.l + W - pad.r) / 2, height - 3, xLabel, "middle", "muted"));
  for (const s of series) {
    const d = s.values.map((v, i) => [xs[i], v]).filter(([, v]) => Number.isFinite(v) && (v > 0 || (zero && v === 0)))
      .map(([x, v], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(v).toFixed(1)}`).join("");
    svg.append(svgEl("path", { d, fill: "none", stroke: role(s.role), "stroke-width": 2, "stroke-dasharray": s.dash ?? null,
      "data-series": s.label }));
  }
  raiseExponents(svg);
  return svg;
}

// A grid of cells on the diverging ramp over [−1, 1]: rows are units, columns are time steps.
function grid(matrix, colLabels, { alt }) {
  const rows = matrix[0]?.length ?? 0, cols = matrix.length, cell = 20, left = 40, top = 4;
  const height = top + rows * cell + 20;
  const svg = frame(height, alt);
  matrix.forEach((state, t) => state.forEach((v, i) => {
    const r = svgEl("rect", { x: left + t * (cell + 2), y: top + i * cell, width: cell, height: cell - 2, rx: 2,
      class: "sum-cell" });
    r.style.fill = liveRampColor("diverging", (v + 1) / 2);   // the ramp's variables: it follows the theme
    r.append(svgEl("title", {}, `h_${t + 1}[${i}] = ${fmt(v, 3)}`));
    svg.append(r);
  }));
  colLabels.forEach((c, t) => svg.append(text(left + t * (cell + 2) + cell / 2, top + rows * cell + 13, c, "middle")));
  svg.append(text(left - 6, top + (rows * cell) / 2 + 4, "hₜ", "end", "muted"));
  return svg;
}

const quote = (s) => `“${s}”`;

// key → (data) → { svg, caption }: what each step's thumbnail draws, and its sentence.
export const THUMBS = {
  sequences: (r) => ({
    svg: bars(r.cosines.map((c) => ({ label: c.reader, value: c.cosine, role: c.reader === "RNN" ? "h" : c.reader === "fixed width" ? "w" : "x" })),
      { alt: `cosine between the readings of the two sentences: ${r.cosines.map((c) => `${c.reader} ${fmt(c.cosine, 3)}`).join(", ")}` }),
    caption: `${quote(r.a)} against ${quote(r.b)}: cosine of the two readings; 1 means the reader saw the same thing.`,
  }),
  recurrence: (r) => ({
    svg: grid(r.states, r.tokens, { alt: `the state h_t over the characters ${r.tokens.join(" ")}, ${r.states[0].length} units` }),
    caption: `One cell read ${quote(r.tokens.join(""))}, one step per character, with the same ${r.parameters} parameters at every step.`,
  }),
  hidden_state: (r) => ({
    svg: bars(r.next.map((p) => ({ label: p.word, value: p.p, role: "y" })), { max: Math.max(...r.next.map((p) => p.p)),
      alt: `most likely next words: ${r.next.map((p) => `${p.word} ${fmt(p.p, 3)}`).join(", ")}` }),
    caption: `After ${quote(r.text)} the language model's state ranks these next words.`,
  }),
  bptt: (r) => ({
    svg: logLines([{ values: r.full, role: "grad", label: "full" }, { values: r.truncated, role: "w", dash: "5 4", label: "truncated" }],
      { xs: r.steps, xLabel: "step t", zero: true, alt: `the gradient norm per step, full and truncated at K = ${r.K}` }),
    caption: `‖∂L/∂hₜ‖ per step: full BPTT (solid) and truncated to the last K = ${r.K} steps (dashed, 0 before them). `
      + `The answer lies L = ${r.L} steps back, so the truncated W_xh gradient is ${fmt(100 * r.relative_error, 2)} % off.`,
  }),
  vanishing: (r) => ({
    svg: logLines([{ values: r.rho_power, role: "w", dash: "5 4", label: "rho^n" }, { values: r.tanh, role: "grad", label: "tanh" }],
      { xs: r.distance, xLabel: "steps back n", alt: `the gradient n steps back at rho = ${r.rho}, measured through tanh against rho^n` }),
    caption: `At ρ = ${r.rho} the gradient n steps back falls like ρⁿ (dashed); through tanh (solid) it falls faster: `
      + `${fmt(r.tanh[r.tanh.length - 1], 2)} at n = ${r.T - 1}.`,
  }),
  tasks: (r) => ({
    svg: bars([
      { label: "RNN, 1st", value: r.rnn[0], role: "h" }, { label: "RNN, 2nd", value: r.rnn[1], role: "h" },
      { label: "bag, 1st", value: r.bow[0], role: "x" }, { label: "bag, 2nd", value: r.bow[1], role: "x" }],
    { alt: `P(positive): RNN ${fmt(r.rnn[0], 3)} and ${fmt(r.rnn[1], 3)}, bag of words ${fmt(r.bow[0], 3)} and ${fmt(r.bow[1], 3)}` }),
    caption: `P(positive) of ${quote(r.sentences[0])} (1st) and ${quote(r.sentences[1])} (2nd): the same words, so the bag of words cannot differ.`,
  }),
  embeddings: (r) => ({
    svg: bars(r.answers.map((a) => ({ label: a.word, value: a.cosine, role: "x" })),
      { alt: `nearest to king minus man plus woman: ${r.answers.map((a) => `${a.word} ${fmt(a.cosine, 3)}`).join(", ")}` }),
    caption: `Nearest words to ${r.query[0]} − ${r.query[1]} + ${r.query[2]} (cosine, ${r.source === "glove" ? "GloVe 6B 50d" : "the shipped vectors"}).`,
  }),
};

export function thumbnail(key, data) {
  const { svg, caption } = THUMBS[key](data);
  liveColors(svg);
  return [el("div", { class: "figure-scroll sum-thumb-box" }, svg), el("p", { class: "sum-thumb-caption" }, caption)];
}
