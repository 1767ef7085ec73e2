// Step 2: a small RNN unrolled over a typed word (or numbers), one time step at a time, with every number shown.
// Two drawings: the cell rolled up (x_t in, y_t out, the loop that hands h_t back as h_{t-1} through W_hh) and the
// same cell unrolled into a chain, one copy per step, the shared weights written on its edges. Stepping or playing
// sends the values along the edges (none under prefers-reduced-motion); the numbers count to their new values.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox, fmt, num } from "../draw.js";
import { arrow, box, diagram, note, svgEl } from "../diagram.js";
import { duration, flowAlong, tweenNumber } from "../motion.js";
import { liveRamp, liveRampColor, role } from "../palette.js";
import { label, svgLabel } from "../tex.js";
import { colorBar } from "../charts.js";
import { linkTerms } from "../terms.js";
import { debounce, latest } from "../requests.js";

const DEFAULTS = { chars: "hello", numbers: "1, 0, 0, 0, 0, 0" };
const REST_MS = 700;                      // how long play rests on each step after its values have flowed

// Symbols in their role colours, for labels: weights and biases orange, states green, inputs blue, outputs purple.
const W = (tex) => `\\htmlClass{c-w}{${tex}}`;
const H = (tex) => `\\htmlClass{c-h}{${tex}}`;
const X = (tex) => `\\htmlClass{c-x}{${tex}}`;
const Y = (tex) => `\\htmlClass{c-y}{${tex}}`;

export async function mount(root, ctx) {
  linkTerms();
  const mode = el("select", { id: "rec-mode" },
    el("option", { value: "chars" }, "characters"), el("option", { value: "numbers" }, "numbers"));
  mode.value = ctx.get("mode", "chars") === "numbers" ? "numbers" : "chars";
  const text = el("input", { type: "text", id: "rec-text", maxlength: "80", value: ctx.get("text", DEFAULTS[mode.value]) });
  const slider = el("input", { type: "range", id: "rec-t", min: "1", max: "1", step: "1", value: "1" });
  const tLabel = el("span", { class: "num", id: "rec-t-label", "aria-live": "polite" }, "t = 1");
  const prev = el("button", { type: "button", class: "action", id: "rec-prev", "aria-label": "previous time step" }, "◀ step");
  const next = el("button", { type: "button", class: "action", id: "rec-next", "aria-label": "next time step" }, "step ▶");
  const playButton = el("button", { type: "button", class: "action", id: "rec-play" }, "play");
  const status = el("div", { id: "rec-status" });
  const rolled = el("div", { class: "rec-rolled" });
  const chainBox = el("div", { id: "rec-diagram" });
  const detail = el("div", { id: "rec-step" });
  const weights = el("div", { id: "rec-weights" });
  const rolledFig = rolledFigure();
  rolled.append(rolledFig);
  root.classList.add("rec");
  root.append(
    el("div", { class: "rec-top" },
      el("div", { class: "rec-controls" },
        el("div", { class: "row" }, el("label", { for: "rec-mode" }, "input"), mode),
        el("div", { class: "row" }, el("label", { for: "rec-text" }, "sequence (≤ 12 steps)"), text),
        el("div", { class: "row" }, el("label", { for: "rec-t" }, label("time step $t$")), slider, tLabel),
        el("div", { class: "row" }, prev, next, playButton),
        key()),
      rolled),
    status, chainBox, detail, weights);

  let data = null, view = null, card = null;
  let t = Math.max(1, Number.parseInt(ctx.get("t", "1"), 10) || 1);
  const ask = latest(ctx);
  let flows = new AbortController();      // the values now travelling; a new step or a new input stops them

  // Show step t; `flow` sends the values of that step along its edges (a step forward, or play).
  function show({ flow = false } = {}) {
    if (!data) return;
    t = Math.min(Math.max(1, t), data.T);
    slider.max = String(data.T);
    slider.value = String(t);
    tLabel.replaceChildren(el("i", { class: "math-i" }, "t"), ` = ${t} of ${data.T}`);
    prev.disabled = t <= 1;
    next.disabled = t >= data.T;
    ctx.set({ mode: mode.value, text: text.value, t });
    view.select(t);
    card.select(t);
    flows.abort();
    flows = new AbortController();
    return flow ? Promise.all([view.flow(t, flows.signal), rolledFig.flow(flows.signal)]) : Promise.resolve();
  }

  function update() {
    ctx.set({ mode: mode.value, text: text.value, t });
    return ask((signal) => ctx.api("/api/recurrence/unroll", { text: text.value, mode: mode.value, seed: ctx.seed }, signal), (r) => {
      data = r;
      flows.abort();
      status.replaceChildren();
      view = unrolled(r, (k) => { const forward = k === t + 1; t = k; show({ flow: forward }); });
      chainBox.replaceChildren(view.root);
      card = stepCard(r);
      detail.replaceChildren(card.root);
      weights.replaceChildren(weightCards(r));
      show();
    }, (error) => status.replaceChildren(errorBox(error)));
  }

  async function animate(signal) {
    for (let k = 1; data && k <= data.T; k++) {
      if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
      t = k;
      await show({ flow: true });
      await sleep(REST_MS, signal);
    }
  }

  const later = debounce(update, 150);
  text.addEventListener("input", later);
  mode.addEventListener("change", () => { text.value = DEFAULTS[mode.value]; t = 1; update(); });
  slider.addEventListener("input", () => { const forward = Number(slider.value) === t + 1; t = Number(slider.value); show({ flow: forward }); });
  prev.addEventListener("click", () => { t -= 1; show(); });
  next.addEventListener("click", () => { t += 1; show({ flow: true }); });
  const stopOwn = ownPlayButton(playButton, animate);

  await update();
  return {
    play: (signal) => animate(signal),
    unmount() { later.cancel(); ask.cancel(); stopOwn(); flows.abort(); },
  };
}

// The colours' meaning, each a term: pointing at one lights it in the drawings, the numbers and the formula.
function key() {
  const chip = (termName, cls, tex, words) => el("span", { class: `rec-chip ${cls}`, ...(termName ? { "data-term": termName } : {}) },
    el("span", { class: "rec-swatch", "aria-hidden": "true" }), label(tex), ` ${words}`);
  return el("p", { class: "rec-key" }, chip("x", "c-x", "$x_t$", "input"), chip("h", "c-h", "$h_t$", "state"),
    chip("y", "c-y", "$y_t$", "output"), chip(null, "c-w", "$W$, $b$", "weights, shared"));
}

// ---- the cell rolled up: x_t in, y_t out, the loop carrying h_t back as h_{t-1} through W_hh ----

function rolledFigure() {
  const d = diagram({ width: 340, height: 250, title: "The recurrent cell, rolled up",
    description: "x_t enters the tanh cell through W_xh with the bias b_h; the new state h_t leaves through W_hy "
      + "with b_y to give y_t, and loops back through W_hh to come in again as h_{t-1} at the next step" });
  d.svg.id = "rec-rolled";
  const y = box(d, { x: 106, y: 12, w: 64, h: 36, label: "$y_t$", role: "y", term: "y" });
  const cell = box(d, { x: 96, y: 100, w: 84, h: 52, label: "$\\tanh$", role: "h", term: "h" });
  const x = box(d, { x: 106, y: 202, w: 64, h: 36, label: "$x_t$", role: "x", term: "x" });
  const xa = arrow(d, { from: x, to: cell, role: "x", label: `$${W("W_{xh}")},\\ ${W("b_h")}$`, labelSide: "right", term: "W_xh" });
  const ya = arrow(d, { from: cell, to: y, role: "y", label: `$${W("W_{hy}")},\\ ${W("b_y")}$`, labelSide: "right", term: "W_hy" });
  note(d, { x: 126, y: 75, text: `$${H("h_t")}$`, anchor: "end", width: 60, term: "h" });
  const loop = arrow(d, { from: [182, 108], to: [182, 144], bend: 40, role: "h", labelOffset: 12,
    label: `$${W("W_{hh}")}\\,${H("h_{t-1}")}$`, labelSide: "left", term: "W_hh" });
  const figure = el("figure", { class: "rec-figure" },
    el("figcaption", {}, wrapLabel("Rolled up: one cell; its state $h_t$ comes back round as $h_{t-1}$")), d.root);
  // one pass round the loop: the input and the old state in, the output out
  figure.flow = async (signal) => {
    const ms = duration("--dur-flow");
    await Promise.all([flowAlong(xa.path, { color: role("x"), ms, signal }), flowAlong(loop.path, { color: role("h"), ms, signal })]);
    await flowAlong(ya.path, { color: role("y"), ms: duration("--dur"), signal });
  };
  return figure;
}

// ---- the cell unrolled: one copy per step, the same weights on every copy's edges ----

const G = { left: 96, col: 128, cellW: 76, cellH: 56, boxW: 56, boxH: 34, yTop: 16, cellTop: 108, xTop: 230, height: 300 };

function unrolled(r, pick) {
  const width = G.left + r.T * G.col + 4;
  const description = `${r.T} copies of one cell, one per step: x_t enters each through W_xh, h_{t-1} arrives from `
    + "the copy before through W_hh, y_t leaves through W_hy; the same weights in every copy";
  const d = diagram({ width, height: G.height, title: "The network unrolled in time", description });
  d.svg.id = "rec-unrolled";
  const cy = G.cellTop + G.cellH / 2;
  const h0 = box(d, { x: 8, y: cy - 18, w: 46, h: 36, label: "$h_0$", role: "h", term: "h_prev", dashed: true });
  let before = h0;
  const parts = r.steps.map((s, i) => {
    const left = G.left + i * G.col, cx = left + G.cellW / 2;
    const g = svgEl("g", { "data-step": String(s.t), class: "rec-copy" });
    const cell = box(d, { x: left, y: G.cellTop, w: G.cellW, h: G.cellH, role: "h", term: "h" });
    cell.classList.add("rec-cell");
    cell.append(svgLabel("$\\tanh$", { x: cx, y: G.cellTop + 17, width: G.cellW, height: 24 }));
    const units = s.h.map((v, j) => {   // h_t's units as colour swatches (−1 … 1)
      const n = s.h.length, size = 13, x0 = cx - (n * size + (n - 1) * 3) / 2;
      const rect = svgEl("rect", { x: x0 + j * (size + 3), y: G.cellTop + 33, width: size, height: size, rx: 2,
        class: "rec-unit", "data-fill": liveRampColor("diverging", (v + 1) / 2) });   // follows the theme
      rect.append(svgEl("title", {}, `h${s.t}[${j}] = ${fmt(v, 3)}`));
      return rect;
    });
    cell.append(...units);
    const xBox = box(d, { x: cx - G.boxW / 2, y: G.xTop, w: G.boxW, h: G.boxH, label: `$x_{${s.t}}$`, role: "x", term: "x" });
    const token = note(d, { x: cx, y: G.xTop + G.boxH + 4, baseline: "top", width: 90, height: 22,
      text: s.token === " " ? "space" : `“${s.token}”` });
    const yBox = box(d, { x: cx - G.boxW / 2, y: G.yTop, w: G.boxW, h: G.boxH, label: `$y_{${s.t}}$`, role: "y", term: "y" });
    const h = arrow(d, { from: before, to: cell, role: "h", label: `$${W("W_{hh}")}$`, labelSide: "right", term: "W_hh" });
    const hName = i ? note(d, { x: left - (G.col - G.cellW) / 2, y: cy - 14, baseline: "bottom", width: 50, height: 22,
      text: `$${H(`h_{${i}}`)}$`, term: "h" }) : null;
    const x = arrow(d, { from: xBox, to: cell, role: "x", label: `$${W("W_{xh}")},\\ ${W("b_h")}$`, labelSide: "right",
      labelOffset: 8, term: "W_xh" });
    const y = arrow(d, { from: cell, to: yBox, role: "y", label: `$${W("W_{hy}")},\\ ${W("b_y")}$`, labelSide: "right",
      labelOffset: 8, term: "W_hy" });
    g.append(h, x, y, ...[hName].filter(Boolean), cell, xBox, token, yBox);
    g.addEventListener("click", () => pick(s.t));
    d.svg.append(g);
    before = cell;
    return { g, units, h, x, y };
  });
  const last = parts.at(-1);
  if (last) {   // the final state leaves the chain
    const right = G.left + (r.T - 1) * G.col + G.cellW;
    d.svg.append(svgEl("g", { class: "rec-final" },
      arrow(d, { from: [right + 2, cy], to: [right + 44, cy], role: "h" }),
      note(d, { x: right + 24, y: cy - 14, baseline: "bottom", width: 50, height: 22, text: `$${H(`h_{${r.T}}`)}$`, term: "h" })));
  }
  const title = d.svg.querySelector("title");
  const legend = colorBar({ stops: liveRamp("diverging"), domain: [-1, 0, 1], label: "each square is one unit of $h_t$:" });
  const root = el("figure", { class: "rec-figure" },
    el("figcaption", {}, wrapLabel("Unrolled in time: the same cell once per step, the same weights on every copy. "
      + "Click a copy to go to its step.")), d.root, legend);
  return {
    root,
    // Highlight step t: copies up to t show their state, the current one drawn heavier, later ones faded.
    select(t) {
      parts.forEach((p, i) => {
        const k = i + 1;
        p.g.classList.toggle("current", k === t);
        p.g.classList.toggle("future", k > t);
        for (const u of p.units) u.style.fill = k <= t ? u.dataset.fill : "var(--surface)";
      });
      title.textContent = `The network unrolled in time, at step ${t} of ${r.T}. ${description}`;
      const box_ = d.root, left = G.left + (t - 1) * G.col;     // keep the current copy in view inside its box
      if (left < box_.scrollLeft || left + G.col > box_.scrollLeft + box_.clientWidth) {
        box_.scrollTo({ left: Math.max(0, left - 60), behavior: duration() ? "smooth" : "auto" });
      }
    },
    // The values of step t travel: h_{t-1} and x_t into the cell together, then y_t out.
    async flow(t, signal) {
      const p = parts[t - 1];
      if (!p) return;
      const ms = duration("--dur-flow");
      await Promise.all([flowAlong(p.h.path, { color: role("h"), ms, signal }), flowAlong(p.x.path, { color: role("x"), ms, signal })]);
      await flowAlong(p.y.path, { color: role("y"), ms: duration("--dur"), signal });
    },
  };
}

// ---- the numbers of the current step, each in its role colour, counting to its new value ----

// A column vector of exact numbers, each with its data-key, under a typeset name; role colours the bracket.
function vector(key, tex, values, roleName, termName) {
  const nums = values.map((v, i) => num(`${key}-${i}`, v, 3));
  const column = el("span", { class: `rec-vec rec-vec-${roleName}`, "data-vector": key }, ...nums);
  const box_ = el("span", { class: "rec-term", "data-term": termName }, el("span", { class: "rec-name" }, label(tex)), column);
  box_.nums = nums;
  return box_;
}

const wrapLabel = (text) => label(text, { className: "rec-words" });   // words that may wrap, with maths

const op = (symbol) => el("span", { class: "rec-op", "aria-hidden": "true" }, symbol);

function stepCard(r) {
  const s0 = r.steps[0];
  const heading = el("h4", {});
  const token = el("span", { class: "rec-token" });
  const v = {
    x: vector("rec-x", `$${X("x_t")}$`, s0.x, "x", "x"),
    hprev: vector("rec-hprev", `$${H("h_{t-1}")}$`, s0.h_prev, "h", "h_prev"),
    wh: vector("rec-wh", `$${W("W_{hh}")}\\,${H("h_{t-1}")}$`, s0.Wh, "w", "W_hh"),
    wx: vector("rec-wx", `$${W("W_{xh}")}\\,${X("x_t")}$`, s0.Wx, "w", "W_xh"),
    b: vector("rec-b", `$${W("b_h")} = b_{ih} + b_{hh}$`, s0.b, "w", "b_h"),
    z: vector("rec-z", "$z_t$", s0.z, "z", "z"),
    h: vector("rec-h", `$${H("h_t")}$`, s0.h, "h", "h"),
    rnn: vector("rec-rnn-h", "output$[t-1]$", r.rnn.output[0], "h", "h"),
    y: vector("rec-y", `$${Y("y_t")}$`, s0.y, "y", "y"),
  };
  const fields = { x: "x", hprev: "h_prev", wh: "Wh", wx: "Wx", b: "b", z: "z", h: "h", y: "y" };
  const line = (...children) => el("div", { class: "rec-line" }, ...children);
  const root = el("div", { class: "card rec-card" }, heading,
    line(v.x, token, v.hprev),
    line(el("span", { class: "rec-eq" }, label("$z_t =$")), v.wh, op("+"), v.wx, op("+"), v.b, op("="), v.z),
    line(el("span", { class: "rec-eq" }, label("$h_t = \\tanh(z_t) =$")), v.h,
      el("span", { class: "muted rec-aside" }, "elman.RNN over the whole sequence gives the same:"), v.rnn),
    line(el("span", { class: "rec-eq" }, label(`$${Y("y_t")} = ${W("W_{hy}")}\\,${H("h_t")} + ${W("b_y")} =$`)), v.y),
    el("p", { class: "muted" }, "Each value comes from elman.nn.rnn_step.rnn_step_forward, called once per step with ",
      label("$h_0 = 0$"), "; its two products are shown apart."));
  return {
    root,
    select(t) {
      const s = r.steps[t - 1];
      heading.replaceChildren(label(`Step $t = ${t}$: input “${s.token}”`));
      token.replaceChildren(`“${s.token}”`);
      for (const [name, field] of Object.entries(fields)) tweenValues(v[name].nums, s[field]);
      tweenValues(v.rnn.nums, r.rnn.output[t - 1]);
    },
  };
}

function tweenValues(nodes, values) {
  nodes.forEach((node, i) => { tweenNumber(node, values[i], { format: (x) => fmt(x, 3), ms: duration("--dur") }); });
}

// ---- the shared weights, once, each in its own card ----

function matrix(key, rows) {
  return el("table", { class: "data rec-matrix", "data-matrix": key },
    el("tbody", {}, ...rows.map((row, i) => el("tr", {}, ...row.map((v, j) => el("td", {}, num(`${key}-${i}-${j}`, v, 2)))))));
}

function weightCards(r) {
  const w = r.weights, sz = r.sizes;
  const card = (termName, title, shape, table) => el("div", { class: "card rec-weight", "data-term": termName },
    el("h4", {}, label(`$${W(title)}$`), el("span", { class: "muted rec-shape" }, label(shape))), table);
  return el("div", {},
    el("h4", { class: "rec-weights-title" }, "The weights, shared by every step"),
    el("div", { class: "rec-weight-row" },
      card("W_xh", "W_{xh}", `$${sz.hidden} \\times ${sz.input}$`, matrix("rec-Wxh", w.W_xh)),
      card("W_hh", "W_{hh}", `$${sz.hidden} \\times ${sz.hidden}$`, matrix("rec-Whh", w.W_hh)),
      card("b_h", "b_h", `$= b_{ih} + b_{hh}$ · ${sz.hidden}`, matrix("rec-bias", w.b.map((x) => [x]))),
      card("W_hy", "W_{hy}", `$${sz.output} \\times ${sz.hidden}$`, matrix("rec-Why", w.W_hy)),
      card("b_y", "b_y", `${sz.output}`, matrix("rec-by", w.b_y.map((x) => [x])))),
    el("p", {}, "Parameters: ", num("rec-params", r.parameters.shared, 0, "num big"),
      ` for any length — the same for ${r.T} steps as for one. With separate weights per step it would be `,
      num("rec-params-unshared", r.parameters.unshared, 0), "."));
}
