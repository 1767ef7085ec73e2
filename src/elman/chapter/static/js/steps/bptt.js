// Step 4: the backward pass of a small RNN, step by step: ‖∂L/∂h_t‖ under full BPTT and under BPTT truncated every
// K steps, on the same batch, and what the cuts change in ∂L/∂W_hh. The unrolled chain is drawn twice (full,
// truncated): each state h_t tinted by the size of its gradient, the gradient flowing back along the chain
// (dashed, in the gradient colour), the loss entering from above, the cuts drawn across the truncated chain.
// A line chart on a fixed log axis gives the exact sizes. Play walks the gradient from t = T down to 1.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { colorBar, lineChart } from "../charts.js";
import { arrow, diagram, note, svgEl } from "../diagram.js";
import { cssVar, rampColor, role } from "../palette.js";
import { duration, flowAlong, tweenAttrs } from "../motion.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { keyboardScroll } from "../scroll.js";
import { linkTerms } from "../terms.js";

const STEP_MS = 260;
// The gradient's size on one fixed log scale for every setting (T 2–64, ρ 0.1–2, either loss): 10⁻¹⁶ is float64's
// resolution next to the loss gradient (below it a gradient is gone); 10⁴ is above what ρ = 2 reaches at T = 64
// on the chapter's seeds.
const DOMAIN = [1e-16, 1e4];
const ROW = 84;                  // the height of one chain in the diagram

export async function mount(root, ctx) {
  linkTerms();
  const slider = (id, min, max, step, value) => el("input", { type: "range", id, min, max, step, value: ctx.get(id.slice(5), value) });
  const T = slider("bptt-T", "2", "64", "1", "30");
  const K = slider("bptt-K", "1", "64", "1", "10");
  const rho = slider("bptt-rho", "0.1", "2", "0.1", "1");
  const loss = el("select", { id: "bptt-loss" },
    el("option", { value: "last" }, "loss at the last step"), el("option", { value: "all" }, "loss at every step"));
  loss.value = ctx.get("loss", "last") === "all" ? "all" : "last";
  const outputs = { T: el("output", { class: "num", for: "bptt-T" }), K: el("output", { class: "num", for: "bptt-K" }),
    rho: el("output", { class: "num", for: "bptt-rho" }) };
  const playButton = el("button", { type: "button", class: "action", id: "bptt-play" }, "play backward");
  const chain = el("div", { id: "bptt-diagram" });
  const readout = el("p", { id: "bptt-readout", "aria-live": "polite" });
  const chart = el("div", { id: "bptt-chart" });
  const out = el("div", { id: "bptt-out" });
  const group = (id, text, input, output) => el("div", { class: "ctl" }, el("label", { for: id }, label(text)),
    el("span", { class: "ctl-slider" }, input, output));
  root.append(el("div", { class: "bptt-widget" },
    el("div", { class: "row bptt-controls" }, group("bptt-T", "sequence length $T$", T, outputs.T),
      group("bptt-K", "truncation $K$", K, outputs.K),
      group("bptt-rho", "spectral radius $\\rho(W_{hh})$", rho, outputs.rho),
      el("div", { class: "ctl" }, el("label", { for: "bptt-loss" }, "loss"), loss), playButton),
    chain, readout, chart, out));

  let data = null, pending = 0, highlighted = null, drawn = null, motion = new AbortController();

  async function update() {
    const ticket = ++pending;
    if (Number(K.value) > Number(T.value)) K.value = T.value;
    K.max = T.value;
    outputs.T.textContent = T.value;
    outputs.K.textContent = Number(K.value) >= Number(T.value) ? `${K.value} (full)` : K.value;
    outputs.rho.textContent = Number(rho.value).toFixed(1);
    ctx.set({ T: T.value, K: K.value, rho: rho.value, loss: loss.value });
    try {
      const r = await ctx.api("/api/bptt/backward", { T: T.value, K: K.value, loss: loss.value, rho: rho.value, seed: ctx.seed });
      if (ticket !== pending || !ctx.alive()) return;
      const figure = await normChart(r);
      if (ticket !== pending || !ctx.alive()) return;
      data = r;
      motion.abort();
      motion = new AbortController();
      if (drawn && drawn.shape === shapeOf(r)) restyle(drawn, r, motion.signal);
      else { drawn = drawChains(r); chain.replaceChildren(drawn.root, legend()); }
      chart.replaceChildren(figure);
      drawn.rule = chartRule(figure);
      out.replaceChildren(summary(r));
      highlight(null);
    } catch (error) {
      if (ticket === pending && ctx.alive()) {
        data = null; drawn = null;
        chain.replaceChildren(); chart.replaceChildren(); out.replaceChildren(errorBox(error));
      }
    }
  }

  function highlight(t) {
    highlighted = t;
    if (!data) return;
    for (const node of chain.querySelectorAll("[data-step]")) node.classList.toggle("is-now", Number(node.dataset.step) === t);
    drawn?.rule?.(t);
    if (t === null) {
      readout.replaceChildren(el("span", { class: "muted" }, label("Press “play backward” to walk the gradient from $t = T$ to $t = 1$.")));
      delete readout.dataset.step;
      return;
    }
    const cutHere = data.cuts.includes(t);
    readout.replaceChildren(label(`$t = ${t}$: $\\|\\partial L/\\partial h_{${t}}\\|$ full `),
      num("bptt-cur-full", data.full_norms[t - 1], 4), " · truncated ", num("bptt-cur-truncated", data.truncated_norms[t - 1], 4),
      cutHere ? el("span", { class: "bad" }, label(` · a window starts here: nothing flows on to $h_{${t - 1}}$`)) : "");
    readout.dataset.step = String(t);
  }

  async function animate(signal) {
    if (!data) return;
    const ms = Math.min(duration("--dur-flow"), STEP_MS);
    for (let t = data.T; t >= 1; t--) {
      if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
      highlight(t);
      follow(drawn, t);
      // the gradient that reached h_{t+1} moves on to h_t, in each chain where no cut stops it
      for (const edges of drawn?.edges ?? []) if (edges[t]) flowAlong(edges[t].path, { color: role("grad"), ms, signal, radius: 4 });
      await sleep(STEP_MS, signal);
    }
  }

  let timer = null;
  for (const input of [T, K, rho]) input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 80); });
  loss.addEventListener("change", update);
  const stopOwn = ownPlayButton(playButton, animate, "play backward");

  await update();
  return {
    play: (signal) => animate(signal),
    unmount() { clearTimeout(timer); stopOwn(); motion.abort(); },
    get highlighted() { return highlighted; },
  };
}

// What fixes the drawing's layout: a change of ρ alone keeps it and only recolours (smoothly).
const shapeOf = (r) => `${r.T}/${r.K}/${r.loss}`;

// The size of a gradient on the fixed log scale, 0 (at 10⁻¹⁶ or below) to 1 (at 10⁴).
function unit(v) {
  if (!(v > 0)) return 0;
  const [lo, hi] = DOMAIN.map(Math.log10);
  return Math.max(0, Math.min(1, (Math.log10(v) - lo) / (hi - lo)));
}

const tintStops = () => [cssVar("--c-grad-soft"), role("grad"), cssVar("--c-grad-ink")];
const tint = (v) => (v > 0 ? rampColor(tintStops(), unit(v)) : cssVar("--surface"));
const edgeWidth = (v) => 0.75 + 4.5 * unit(v) ** 2;

// The two unrolled chains. Returns {root, shape, nodes: [full, truncated] (index t), edges: [full, truncated]
// (index t: the arrow carrying the gradient from h_{t+1} back to h_t), box (the scroll box)}.
function drawChains(r) {
  const n = r.T;
  const s = Math.max(22, Math.min(60, Math.floor(680 / n)));
  const left = 28, radius = Math.min(8, Math.round(s * 0.32));
  const width = Math.max(440, left + n * s + 16);
  const height = 2 * ROW + 40;
  const xOf = (t) => left + (t - 0.5) * s;
  const d = diagram({ width, height, title: "The backward pass, unrolled",
    description: `Two copies of the chain h_1 … h_${n}. Full BPTT: the gradient flows back from the loss through all ${n} states. `
      + (r.truncated ? `Truncated at K = ${r.K}: ${r.windows} windows; no gradient crosses the cuts before steps ${r.cuts.join(", ")}.`
        : "K ≥ T: the truncated chain is the full one.") });
  d.svg.classList.add("bptt-chains");
  const rows = [["full", "full BPTT: one window", r.full_norms, []],
    ["truncated", r.truncated ? `truncated at $K = ${r.K}$: ${r.windows} windows` : `$K = ${r.K} \\ge T$: one window, full BPTT`,
      r.truncated_norms, r.cuts]];
  const nodes = [], edges = [];
  rows.forEach(([key, title, values, cuts], k) => {
    const top = k * ROW, cy = top + 44, ry = cy + radius + 9;
    note(d, { x: 4, y: top + 12, text: title, anchor: "start", width: 320, height: 22 });
    // the forward chain (the states, carried left to right)
    d.add(svgEl("line", { x1: xOf(1), x2: xOf(n), y1: cy, y2: cy, stroke: role("h"), "stroke-width": 1.5, "data-term": "h" }));
    // the loss enters from above: at the last step, or at every step
    for (let t = 1; t <= n; t++) {
      if (r.loss === "all" || t === n) {
        arrow(d, { from: [xOf(t), top + 25], to: [xOf(t), cy - radius - 2], role: "grad", width: 1.5, term: "grad_loss" });
      }
    }
    // the gradient flowing back, from h_{t+1} to h_t, as wide as the gradient that arrives at h_t
    const rowEdges = [];
    for (let t = n - 1; t >= 1; t--) {
      if (cuts.includes(t + 1)) continue;
      const g = arrow(d, { from: [xOf(t + 1) - 2, ry], to: [xOf(t) + 2, ry], role: "grad", backward: true,
        width: edgeWidth(values[t - 1]), term: "grad_next" });
      g.path.dataset.step = String(t);
      rowEdges[t] = g;
    }
    edges.push(rowEdges);
    const rowNodes = [];
    for (let t = 1; t <= n; t++) {
      const v = values[t - 1];
      const c = svgEl("circle", { cx: xOf(t), cy, r: radius, fill: tint(v), stroke: role("h"), "stroke-width": 2,
        "stroke-dasharray": v > 0 ? null : "2 2", class: "bptt-node", "data-term": "grad_h", "data-step": String(t),
        "data-key": `bptt-${key}-${t}`, "data-value": String(v) });
      c.append(svgEl("title"));
      c.firstChild.textContent = `t = ${t}: ‖∂L/∂h_t‖ ${key} = ${formatNumber(v, 4)}`;
      d.add(c);
      rowNodes[t] = c;
    }
    nodes.push(rowNodes);
    // a cut: a new window starts at step c, so nothing flows back from h_c to h_{c−1}
    const labelled = s * r.K >= 44;
    cuts.forEach((c, i) => {
      const x = left + (c - 1) * s;
      const g = svgEl("g", { class: "bptt-cut", "data-cut": String(c), "data-term": "cut" });
      g.append(svgEl("line", { x1: x, x2: x, y1: top + 28, y2: ry + 8, stroke: cssVar("--ink"), "stroke-width": 2.5 }),
        svgEl("line", { x1: x - 5, x2: x + 5, y1: top + 28, y2: top + 28, stroke: cssVar("--ink"), "stroke-width": 2.5 }),
        svgEl("line", { x1: x - 5, x2: x + 5, y1: ry + 8, y2: ry + 8, stroke: cssVar("--ink"), "stroke-width": 2.5 }));
      d.add(g);
      if (labelled || i === 0) note(d, { x: x + 4, y: ry + 16, text: "cut", anchor: "start", width: 40, height: 18 });
    });
  });
  // the step axis under both chains
  const axisY = 2 * ROW + 14;
  const every = Math.max(1, Math.ceil(28 / s));
  for (let t = 1; t <= n; t++) {
    if (t === 1 || t === n || (t % every === 0 && t > every && n - t >= every)) {
      d.add(svgEl("text", { x: xOf(t), y: axisY + 4, "text-anchor": "middle", class: "muted" }, String(t)));
    }
  }
  note(d, { x: 4, y: axisY + 20, text: "step $t$ (the state $h_t$)", anchor: "start", width: 240, height: 20 });
  return { root: d.root, shape: shapeOf(r), nodes, edges, xOf, box: d.root };
}

// The same layout with new sizes (a change of ρ): nodes recolour and edges change width smoothly.
function restyle(drawn, r, signal) {
  [r.full_norms, r.truncated_norms].forEach((values, k) => {
    drawn.nodes[k].forEach((c, t) => {
      if (!c) return;
      const v = values[t - 1];
      c.dataset.value = String(v);
      c.setAttribute("stroke-dasharray", v > 0 ? "" : "2 2");
      c.firstChild.textContent = `t = ${t}: ‖∂L/∂h_t‖ ${k ? "truncated" : "full"} = ${formatNumber(v, 4)}`;
      tweenAttrs(c, { fill: tint(v) }, { signal });
    });
    drawn.edges[k].forEach((g, t) => { if (g) tweenAttrs(g.path, { "stroke-width": edgeWidth(values[t - 1]) }, { signal }); });
  });
}

// Keep the current step in view while playing (the chain may be wider than the panel).
function follow(drawn, t) {
  const box = drawn?.box;
  if (!box || box.scrollWidth <= box.clientWidth) return;
  box.scrollTo({ left: drawn.xOf(t) - box.clientWidth / 2, behavior: duration() > 0 ? "smooth" : "auto" });
}

// The legend of the drawing, in HTML with typeset labels, and the colour bar of the node tint.
function legend() {
  const item = (cls, text, term) => el("span", { class: "fig-legend-item", ...(term ? { "data-term": term } : {}) },
    el("span", { class: `bptt-key ${cls}`, "aria-hidden": "true" }), label(text));
  return el("div", { class: "bptt-legend" },
    el("div", { class: "fig-legend" },
      item("state", "the states $h_1 \\dots h_T$, unrolled", "h"),
      item("flow", "gradient flowing back, as wide as $\\partial L/\\partial h_t$", "grad_next"),
      item("loss", "the loss enters: $\\partial L_t/\\partial h_t$", "grad_loss"),
      item("cut", "a cut: nothing flows back across it", "cut")),
    powerEnds(colorBar({ stops: tintStops(), domain: DOMAIN, label: "state tint: $\\|\\partial L/\\partial h_t\\|$ (log scale)" })));
}

// The colour bar's ends as powers of ten with a raised exponent (10⁻¹⁶ … 10⁴), as on the chart's axis.
function powerEnds(bar) {
  const ends = [...bar.querySelectorAll(":scope > .num")];
  ends.forEach((node, i) => {
    const sup = el("sup", { class: "exponent" }, String(Math.round(Math.log10(DOMAIN[i]))).replace("-", "−"));
    node.replaceChildren("10", sup);
  });
  return bar;
}

// Exact sizes on a fixed log axis (the same for every setting, so settings can be compared), the cuts marked.
async function normChart(r) {
  return lineChart({
    title: "The gradient reaching each state, full against truncated",
    series: [{ label: "full BPTT", x: r.steps, y: r.full_norms, role: "grad", term: "grad_h" },
      { label: `truncated at $K = ${r.K}$`, x: r.steps, y: r.truncated_norms, color: cssVar("--ink"), dash: "6 4", term: "grad_h" }],
    x: { domain: [1, Math.max(2, r.T)], label: "step $t$", ticks: Math.min(r.T, 10) },
    y: { type: "log", domain: DOMAIN, label: "$\\|\\partial L/\\partial h_t\\|$" },
    width: 560, height: 250,
    marks: (Plot) => [Plot.ruleX(r.cuts.map((c) => c - 0.5), { stroke: "currentColor", strokeOpacity: 0.55, strokeWidth: 1.5 })],
  });
}

// A rule on the chart at the step being played; returns place(t) (null hides it).
function chartRule(figure) {
  const svg = figure.querySelector("svg.fig");
  const sx = svg?.scale?.("x"), sy = svg?.scale?.("y");
  if (!sx || !sy) return null;
  const line = svgEl("line", { y1: sy.apply(DOMAIN[0]), y2: sy.apply(DOMAIN[1]), stroke: role("grad"), "stroke-width": 2,
    class: "bptt-now", visibility: "hidden" });
  line.style.stroke = "var(--c-grad)";
  svg.append(line);
  return (t) => {
    line.setAttribute("visibility", t === null ? "hidden" : "visible");
    if (t !== null) { line.setAttribute("x1", sx.apply(t)); line.setAttribute("x2", sx.apply(t)); }
  };
}

function summary(r) {
  const g = r.gradients;
  const row = (name, tex, key, termName) => el("tr", {}, el("th", { scope: "row", "data-term": termName }, label(tex)),
    el("td", {}, num(`bptt-full-${key}`, g[key].full_norm, 4)), el("td", {}, num(`bptt-truncated-${key}`, g[key].truncated_norm, 4)),
    el("td", {}, num(`bptt-rel-${key}`, g[key].relative_error, 4)), el("td", {}, num(`bptt-cos-${key}`, g[key].cosine, 6)));
  const rel = g.weight_hh_l0.relative_error;
  const table = el("table", { class: "data bptt-table" },
    el("caption", { class: "visually-hidden" }, "Weight gradients under full and truncated BPTT"),
    el("tr", {}, el("th", { scope: "col" }, "gradient"), el("th", { scope: "col" }, label("full $\\|G\\|$")),
      el("th", { scope: "col" }, label("truncated $\\|G_K\\|$")), el("th", { scope: "col" }, "relative error"), el("th", { scope: "col" }, "cosine")),
    row("W_hh", "$\\partial L/\\partial W_{hh}$", "weight_hh_l0", "grad_W_hh"),
    row("W_xh", "$\\partial L/\\partial W_{xh}$", "weight_ih_l0", "grad_W_xh"),
    row("b_h", "$\\partial L/\\partial b_h$", "bias_hh_l0", "grad_b_h"));
  const scroller = keyboardScroll(el("div", { class: "figure-scroll" }, table), "weight gradients table");
  return el("div", { class: "cards" },
    el("div", { class: "card bptt-wide" }, el("h4", {}, "What truncation changes in the weight gradients"), scroller,
      el("p", { class: r.truncated ? (rel > 0.1 ? "bad" : "muted") : "good" },
        r.truncated ? label(`${r.windows} windows: $\\|G_K - G\\| / \\|G\\| = ${formatNumber(rel, 3)}$ for $W_{hh}$ ($G$: the full gradient).`)
          : label("$K \\ge T$: one window, this is full BPTT."))),
    el("div", { class: "card" }, el("h4", {}, "The batch"),
      el("p", {}, label(`${r.batch} sequences of the adding problem, hidden size $H = ${r.hidden_size}$, loss ${r.loss === "last" ? "at the last step" : "at every step"} (MSE) = `),
        num("bptt-loss-value", r.loss_value, 4)),
      el("p", { "data-term": "W_hh" }, label("spectral radius $\\rho(W_{hh})$ = "), num("bptt-radius", r.spectral_radius, 3))));
}

// A number tests can read back exactly (data-key, data-value), its exponent raised.
function num(key, value, digits) {
  const node = numberNode(value, digits);
  node.dataset.key = key;
  return node;
}
