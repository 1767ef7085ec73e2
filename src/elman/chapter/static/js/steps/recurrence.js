// Step 2: a small RNN unrolled over a typed word (or numbers), one time step at a time, with every number shown.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox, num } from "../draw.js";

const SVG = "http://www.w3.org/2000/svg";
const DEFAULTS = { chars: "hello", numbers: "1, 0, 0, 0, 0, 0" };
const COLORS = { xh: "#2f5fd0", hh: "#c2410c", hy: "#15803d" };
const STEP_MS = 900;

export async function mount(root, ctx) {
  const mode = el("select", { id: "rec-mode" },
    el("option", { value: "chars" }, "characters"), el("option", { value: "numbers" }, "numbers"));
  mode.value = ctx.get("mode", "chars") === "numbers" ? "numbers" : "chars";
  const text = el("input", { type: "text", id: "rec-text", maxlength: "80", value: ctx.get("text", DEFAULTS[mode.value]) });
  const slider = el("input", { type: "range", id: "rec-t", min: "1", max: "1", step: "1", value: "1" });
  const tLabel = el("span", { class: "num", id: "rec-t-label" }, "t = 1");
  const prev = el("button", { type: "button", class: "action", id: "rec-prev" }, "◀ step");
  const next = el("button", { type: "button", class: "action", id: "rec-next" }, "step ▶");
  const playButton = el("button", { type: "button", class: "action", id: "rec-play" }, "play");
  const status = el("div", { id: "rec-status" });
  const diagram = el("div", { id: "rec-diagram" });
  const detail = el("div", { id: "rec-step" });
  const weights = el("div", { id: "rec-weights" });
  root.append(
    el("div", { class: "row" }, el("label", { for: "rec-mode" }, "input"), mode,
      el("label", { for: "rec-text" }, "sequence (≤ 12 steps)"), text),
    el("div", { class: "row" }, el("label", { for: "rec-t" }, "time step"), slider, tLabel, prev, next, playButton),
    status, diagram, detail, weights);

  let data = null;
  let t = Math.max(1, Number.parseInt(ctx.get("t", "1"), 10) || 1);
  let pending = 0;

  function show() {
    if (!data) return;
    t = Math.min(Math.max(1, t), data.T);
    slider.max = String(data.T);
    slider.value = String(t);
    tLabel.textContent = `t = ${t} of ${data.T}`;
    ctx.set({ mode: mode.value, text: text.value, t });
    diagram.replaceChildren(unrolled(data, t, (k) => { t = k; show(); }));
    detail.replaceChildren(stepCard(data, t));
  }

  async function update() {
    const ticket = ++pending;
    ctx.set({ mode: mode.value, text: text.value, t });
    try {
      const r = await ctx.api("/api/recurrence/unroll", { text: text.value, mode: mode.value, seed: ctx.seed });
      if (ticket !== pending || !ctx.alive()) return;
      data = r;
      status.replaceChildren();
      weights.replaceChildren(weightCards(r));
      show();
    } catch (error) {
      if (ticket === pending && ctx.alive()) status.replaceChildren(errorBox(error));
    }
  }

  async function animate(signal) {
    for (let k = 1; data && k <= data.T; k++) {
      if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
      t = k;
      show();
      await sleep(STEP_MS, signal);
    }
  }

  let timer = null;
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 150); });
  mode.addEventListener("change", () => { text.value = DEFAULTS[mode.value]; t = 1; update(); });
  slider.addEventListener("input", () => { t = Number(slider.value); show(); });
  prev.addEventListener("click", () => { t -= 1; show(); });
  next.addEventListener("click", () => { t += 1; show(); });
  const stopOwn = ownPlayButton(playButton, animate);

  await update();
  return {
    play: (signal) => animate(signal),
    unmount() { clearTimeout(timer); stopOwn(); },
  };
}


function svg(tag, attrs = {}, content = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (content !== null) node.textContent = content;
  return node;
}

// x₁ → [RNN] → h₁ → [RNN] → h₂ …, the same two matrices drawn in every cell, the current step highlighted.
function unrolled(r, t, pick) {
  const cw = 92, gap = 30, left = 34, width = left + r.T * (cw + gap) + 10, height = 176;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: String(Math.round(width * 1.3)), role: "img", class: "chart", id: "rec-unrolled" });
  root.style.maxWidth = "100%";
  root.style.height = "auto";
  root.append(svg("text", { x: 4, y: 84, "font-size": 12 }, "h₀"));
  r.steps.forEach((s, i) => {
    const x = left + i * (cw + gap), current = s.t === t;
    const g = svg("g", { "data-step": String(s.t), cursor: "pointer" });
    g.addEventListener("click", () => pick(s.t));
    g.append(svg("line", { x1: x - gap + 6, x2: x, y1: 80, y2: 80, stroke: "#9aa3b2", "stroke-width": 2 }));
    g.append(svg("rect", { x, y: 50, width: cw, height: 60, rx: 8, fill: current ? "#eef3ff" : "#ffffff",
      stroke: current ? "#2f5fd0" : "#9aa3b2", "stroke-width": current ? 3 : 1.2, class: current ? "current" : "" }));
    g.append(svg("text", { x: x + cw / 2, y: 68, "text-anchor": "middle", "font-size": 11, "font-weight": "600" }, "tanh"));
    g.append(svg("text", { x: x + 8, y: 86, "font-size": 11, fill: COLORS.hh, "font-weight": "600" }, "W_hh"));
    g.append(svg("text", { x: x + cw - 8, y: 86, "text-anchor": "end", "font-size": 11, fill: COLORS.xh, "font-weight": "600" }, "W_xh"));
    g.append(svg("text", { x: x + cw / 2, y: 102, "text-anchor": "middle", "font-size": 10, fill: COLORS.hy }, "W_hy"));
    g.append(svg("line", { x1: x + cw / 2, x2: x + cw / 2, y1: 140, y2: 112, stroke: COLORS.xh, "stroke-width": 1.5 }));
    g.append(svg("text", { x: x + cw / 2, y: 156, "text-anchor": "middle", "font-size": 12 }, `x${sub(s.t)} “${s.token}”`));
    g.append(svg("line", { x1: x + cw / 2, x2: x + cw / 2, y1: 50, y2: 26, stroke: COLORS.hy, "stroke-width": 1.5 }));
    g.append(svg("text", { x: x + cw / 2, y: 20, "text-anchor": "middle", "font-size": 12 }, `y${sub(s.t)}`));
    g.append(svg("text", { x: x + cw + 4, y: 74, "font-size": 11 }, `h${sub(s.t)}`));
    if (i === r.T - 1) g.append(svg("line", { x1: x + cw, x2: x + cw + 8, y1: 80, y2: 80, stroke: "#9aa3b2", "stroke-width": 2 }));
    root.append(g);
  });
  return el("div", { class: "card" },
    el("h4", {}, "Unrolled in time: one cell per step, the same weights in every cell"), root,
    el("p", { class: "muted" }, "Click a cell to jump to its step. The coloured matrices are not copies: each cell uses ",
      "the very same W_hh, W_xh and W_hy (shown once below)."));
}

function sub(n) { return String(n).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]); }

// A column vector of exact numbers, each with its data-key.
function vector(key, values, digits = 3) {
  const box = el("span", { "data-vector": key });
  box.style.cssText = "display:inline-flex;flex-direction:column;align-items:flex-end;border-left:2px solid #9aa3b2;border-right:2px solid #9aa3b2;border-radius:4px;padding:0 5px;vertical-align:middle;margin:0 4px";
  values.forEach((v, i) => box.append(num(`${key}-${i}`, v, digits)));
  return box;
}

function term(label, key, values, color) {
  const cap = el("div", { class: "muted" }, label);
  if (color) cap.style.color = color;
  const box = el("span", {}, cap, vector(key, values));
  box.style.cssText = "display:inline-flex;flex-direction:column;align-items:center;margin:0 2px";
  return box;
}

function op(symbol) {
  const s = el("span", { class: "big" }, symbol);
  s.style.margin = "0 4px";
  return s;
}

function stepCard(r, t) {
  const s = r.steps[t - 1];
  const line = (...children) => {
    const d = el("div", {}, ...children);
    d.style.cssText = "display:flex;flex-wrap:wrap;align-items:center;gap:2px;margin:6px 0";
    return d;
  };
  return el("div", { class: "card" },
    el("h4", {}, `Step t = ${t}: input “${s.token}”`),
    line(term(`x${sub(t)}`, "rec-x", s.x), term(`h${sub(t - 1)}`, "rec-hprev", s.h_prev)),
    line(el("span", {}, `z${sub(t)} =`), term(`W_hh h${sub(t - 1)}`, "rec-wh", s.Wh, COLORS.hh), op("+"),
      term(`W_xh x${sub(t)}`, "rec-wx", s.Wx, COLORS.xh), op("+"), term("b = b_ih + b_hh", "rec-b", s.b), op("="),
      term(`z${sub(t)}`, "rec-z", s.z)),
    line(el("span", {}, `h${sub(t)} = tanh(z${sub(t)}) =`), term(`h${sub(t)}`, "rec-h", s.h),
      el("span", { class: "muted" }, "  elman.RNN on the whole sequence:"), term(`output[${t - 1}]`, "rec-rnn-h", r.rnn.output[t - 1])),
    line(el("span", {}, `y${sub(t)} = W_hy h${sub(t)} + b_y =`), term(`y${sub(t)}`, "rec-y", s.y, COLORS.hy)),
    el("p", { class: "muted" }, "Each value comes from elman.nn.rnn_step.rnn_step_forward, called once per step ",
      "with h₀ = 0; the two products are its terms, shown apart."));
}

function matrix(key, rows, color) {
  const table = el("table", { class: "data", "data-matrix": key },
    ...rows.map((row, i) => el("tr", {}, ...row.map((v, j) => el("td", {}, num(`${key}-${i}-${j}`, v, 2))))));
  if (color) table.style.color = color;
  return table;
}

function weightCards(r) {
  const w = r.weights, sz = r.sizes;
  const card = (title, ...children) => el("div", { class: "card" }, el("h4", {}, title), ...children);
  const row = el("div", {});
  row.style.cssText = "display:flex;flex-wrap:wrap;gap:10px;margin-top:10px";
  row.append(
    card(`W_xh (${sz.hidden}×${sz.input})`, matrix("rec-Wxh", w.W_xh, COLORS.xh)),
    card(`W_hh (${sz.hidden}×${sz.hidden})`, matrix("rec-Whh", w.W_hh, COLORS.hh)),
    card(`b_h = b_ih + b_hh (${sz.hidden})`, matrix("rec-bias", w.b.map((v) => [v]))),
    card(`W_hy (${sz.output}×${sz.hidden}), b_y`, matrix("rec-Why", w.W_hy, COLORS.hy), matrix("rec-by", w.b_y.map((v) => [v]))));
  return el("div", {}, row,
    el("p", {}, "Parameters: ", num("rec-params", r.parameters.shared, 0, "num big"),
      ` for any length — the same for ${r.T} steps as for one. With separate weights per step it would be `,
      num("rec-params-unshared", r.parameters.unshared, 0), "."));
}
