// Step 4: what truncating BPTT cuts. A recall task: the answer at the last step is the sign of a marked input L
// steps back, with noise in between. The unrolled chain is drawn twice (full, truncated at K): each state h_t
// tinted by the size of its gradient, the gradient flowing back along the chain (dashed, in the gradient colour),
// the loss entering at t = T, the inputs below the states (the marked one large), the window of K steps the loss
// can reach, and the gradient reaching the marked input, or stopped at a cut. Presets put the dependency longer
// or shorter than K. A line chart on a fixed log axis gives the exact sizes; play walks the gradient from T to 1.
// Below it, js/steps/bptt_influence.js shows the same cut on real text, and js/steps/bptt_live.js trains the
// network live on the server.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { colorBar, lineChart } from "../charts.js";
import { arrow, diagram, note, svgEl } from "../diagram.js";
import { cssVar, rampColor, role } from "../palette.js";
import { duration, flowAlong, tweenAttrs } from "../motion.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { keyboardScroll } from "../scroll.js";
import { linkTerms } from "../terms.js";
import { debounce, latest } from "../requests.js";
import { mountInfluence } from "./bptt_influence.js";
import { mountLive } from "./bptt_live.js";

const STEP_MS = 260;
// The gradient's size on one fixed log scale for every setting (T 2–64, ρ 0.1–2): 10⁻¹⁶ is float64's resolution
// next to the loss gradient (below it a gradient is gone); 10⁴ is above what ρ = 2 reaches at T = 64.
const DOMAIN = [1e-16, 1e4];
const ROW = 118;                 // the height of one chain in the diagram
// The two regimes (the server's bptt.PRESETS, with the default T and ρ): the marked input outside the window of
// K steps (its gradient cut), or inside it.
export const PRESETS = {
  longer: { T: 30, K: 10, L: 15, rho: 0.9, text: "dependency longer than K (cut)" },
  shorter: { T: 30, K: 10, L: 5, rho: 0.9, text: "dependency shorter than K (intact)" },
};

export async function mount(root, ctx) {
  linkTerms();
  const start = PRESETS[ctx.get("preset", "")] ?? PRESETS.longer;
  const slider = (id, min, max, step, value) => el("input", { type: "range", id, min, max, step, value: ctx.get(id.slice(5), value) });
  const T = slider("bptt-T", "2", "64", "1", String(start.T));
  const L = slider("bptt-L", "1", "64", "1", String(start.L));
  const K = slider("bptt-K", "1", "64", "1", String(start.K));
  const rho = slider("bptt-rho", "0.1", "2", "0.1", String(start.rho));
  const outputs = Object.fromEntries(["T", "L", "K", "rho"].map((n) => [n, el("output", { class: "num", for: `bptt-${n}` })]));
  const presetButtons = Object.entries(PRESETS).map(([name, p]) => el("button", { type: "button", class: "action bptt-preset",
    id: `bptt-preset-${name}`, "data-preset": name, "aria-pressed": "false" }, label(p.text.replace("K", "$K$"))));
  const playButton = el("button", { type: "button", class: "action", id: "bptt-play" }, "play backward");
  const chain = el("div", { id: "bptt-diagram" });
  const readout = el("p", { id: "bptt-readout", "aria-live": "polite" });
  const chart = el("div", { id: "bptt-chart" });
  const out = el("div", { id: "bptt-out" });
  const verdictBox = el("div", { id: "bptt-verdict-box", "aria-live": "polite" });
  const group = (id, text, input, output) => el("div", { class: "ctl" }, el("label", { for: id }, label(text)),
    el("span", { class: "ctl-slider" }, input, output));
  const influenceBox = el("div", { id: "bptt-influence" });
  const liveBox = el("div", { id: "bptt-live" });
  root.append(el("div", { class: "bptt-widget" },
    el("h4", { class: "bptt-section" }, label("A dependency $L$ steps back, and a window of $K$")),
    el("div", { class: "row bptt-presets", role: "group", "aria-label": "presets" }, ...presetButtons),
    el("div", { class: "row bptt-controls" }, group("bptt-T", "sequence length $T$", T, outputs.T),
      group("bptt-L", "marked input $L$ steps back", L, outputs.L),
      group("bptt-K", "truncation $K$", K, outputs.K),
      group("bptt-rho", "spectral radius $\\rho(W_{hh})$", rho, outputs.rho), playButton),
    verdictBox, chain, readout, out, chart),
  influenceBox, liveBox);

  let data = null, highlighted = null, drawn = null, motion = new AbortController();

  function presetNow() {
    const now = { T: Number(T.value), K: Number(K.value), L: Number(L.value), rho: Number(rho.value) };
    return Object.keys(PRESETS).find((name) => ["T", "K", "L", "rho"].every((k) => PRESETS[name][k] === now[k])) ?? "custom";
  }

  const ask = latest(ctx);
  function update() {
    L.max = T.value;
    K.max = T.value;
    if (Number(L.value) > Number(T.value)) L.value = T.value;
    if (Number(K.value) > Number(T.value)) K.value = T.value;
    outputs.T.textContent = T.value;
    outputs.L.textContent = L.value;
    outputs.K.textContent = Number(K.value) >= Number(T.value) ? `${K.value} (full)` : K.value;
    outputs.rho.textContent = Number(rho.value).toFixed(1);
    const preset = presetNow();
    for (const b of presetButtons) b.setAttribute("aria-pressed", String(b.dataset.preset === preset));
    ctx.set({ T: T.value, L: L.value, K: K.value, rho: rho.value, preset });
    const params = { T: T.value, K: K.value, L: L.value, rho: rho.value, seed: ctx.seed };
    return ask((signal) => ctx.api("/api/bptt/backward", params, signal), async (r, current) => {
      const figure = await normChart(r);
      if (!current()) return;
      data = r;
      motion.abort();
      motion = new AbortController();
      if (drawn && drawn.shape === shapeOf(r)) restyle(drawn, r, motion.signal);
      else { drawn = drawChains(r, chain.clientWidth); chain.replaceChildren(drawn.root, legend()); showMarked(drawn, r); }
      chart.replaceChildren(figure);
      drawn.rule = chartRule(figure);
      const [verdict, cards] = summary(r);
      verdictBox.replaceChildren(verdict);
      out.replaceChildren(cards);
      highlight(null);
    }, (error) => {
      data = null; drawn = null;
      chain.replaceChildren(); chart.replaceChildren(); verdictBox.replaceChildren(); out.replaceChildren(errorBox(error));
    });
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
      t === data.marked ? el("span", { class: data.reached ? "good" : "bad" },
        data.reached ? " · the marked input: its gradient arrives" : " · the marked input: nothing arrives under truncation") : "",
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
      // the gradient that reached h_{t+1} moves on to h_t, in each chain where no cut stops it; at the marked
      // step it also goes down into the marked input, where it arrives
      for (const edges of drawn?.edges ?? []) if (edges[t]) flowAlong(edges[t].path, { color: role("grad"), ms, signal, radius: 4 });
      if (t === data.marked) for (const g of drawn?.reach ?? []) if (g) flowAlong(g.path, { color: role("grad"), ms, signal, radius: 4 });
      await sleep(STEP_MS, signal);
    }
  }

  const later = debounce(update, 80);
  for (const input of [T, L, K, rho]) input.addEventListener("input", later);
  for (const b of presetButtons) {
    b.addEventListener("click", () => {
      const p = PRESETS[b.dataset.preset];
      T.value = String(p.T); L.max = K.max = String(p.T);
      L.value = String(p.L); K.value = String(p.K); rho.value = String(p.rho);
      update();
    });
  }
  const stopOwn = ownPlayButton(playButton, animate, "play backward");
  const influence = mountInfluence(influenceBox, ctx);
  const live = mountLive(liveBox, ctx);

  await Promise.all([update(), influence.ready]);
  return {
    play: (signal) => animate(signal),
    unmount() { later.cancel(); ask.cancel(); stopOwn(); motion.abort(); influence.unmount(); live.unmount(); },
    get highlighted() { return highlighted; },
  };
}

// What fixes the drawing's layout: a change of ρ alone keeps it and only recolours (smoothly).
const shapeOf = (r) => `${r.T}/${r.K}/${r.L}`;

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
// (index t: the arrow carrying the gradient from h_{t+1} back to h_t), reach: [full, truncated] (the arrow from
// the marked state down into the marked input, absent where it is cut), box (the scroll box)}.
function drawChains(r, room) {
  const n = r.T, m = r.marked;
  // the step width: 22–60 px in a wide panel; on a phone down to 14 px, so the marked input and the window's
  // start fit on screen at the defaults
  const narrow = room > 0 && room < 600;
  const s = Math.max(narrow ? 14 : 22, Math.min(60, Math.floor(Math.min(680, narrow ? room - 44 : 680) / n)));
  const left = 28, radius = Math.min(8, Math.round(s * 0.32));
  const width = Math.max(460, left + n * s + 16);
  const height = 2 * ROW + 40;
  const xOf = (t) => left + (t - 0.5) * s;
  const d = diagram({ width, height, title: "The backward pass, unrolled, with the marked input",
    description: `Two copies of the chain h_1 … h_${n} over the inputs x_1 … x_${n}; the marked input is x_${m}, ${r.L} steps back. `
      + "Full BPTT: the gradient flows back from the loss at the last step through all states and reaches the marked input. "
      + (r.truncated ? `Truncated at K = ${r.K}: the loss's window holds steps ${r.window[0]} to ${r.window[1]}; `
        + (r.reached ? "the marked input is inside it and its gradient arrives." : "the marked input is outside it: no gradient reaches it.")
        : "K ≥ T: the truncated chain is the full one.") });
  d.svg.classList.add("bptt-chains");
  const rows = [["full", "full BPTT: one window", r.full_norms, [], true],
    ["truncated", r.truncated ? `truncated at $K = ${r.K}$: the loss reaches back over steps ${r.window[0]}–${r.window[1]} only`
      : `$K = ${r.K} \\ge T$: one window, full BPTT`,
      r.truncated_norms, r.cuts, r.reached]];
  const nodes = [], edges = [], reach = [];
  rows.forEach(([key, title, values, cuts, reached], k) => {
    const top = k * ROW, cy = top + 44, ry = cy + radius + 9, iy = cy + 42;
    // the window the loss can reach: K steps back from T (the whole chain under full BPTT)
    if (key === "truncated" && r.truncated) {
      const x0 = left + (r.window[0] - 1) * s, x1 = left + r.window[1] * s;
      d.add(svgEl("rect", { x: x0, y: top + 22, width: x1 - x0, height: iy - top - 8, rx: 6, class: "bptt-window",
        fill: cssVar("--c-grad-soft"), "data-window": `${r.window[0]}-${r.window[1]}` }));
    }
    note(d, { x: 4, y: top + 12, text: title, anchor: "start", width: 460, height: 22 });
    // the forward chain (the states, carried left to right)
    d.add(svgEl("line", { x1: xOf(1), x2: xOf(n), y1: cy, y2: cy, stroke: role("h"), "stroke-width": 1.5, "data-term": "h" }));
    // the loss enters from above at the last step
    arrow(d, { from: [xOf(n), top + 25], to: [xOf(n), cy - radius - 2], role: "grad", width: 1.5, term: "grad_loss" });
    // the inputs below the states: noise as small dots, the marked input large, in the input colour
    for (let t = 1; t <= n; t++) {
      const marked = t === m;
      d.add(svgEl("line", { x1: xOf(t), x2: xOf(t), y1: iy - (marked ? 8 : 3), y2: cy + radius + 1, stroke: role("x"),
        "stroke-width": marked ? 1.5 : 0.75, "stroke-opacity": marked ? 1 : 0.45 }));
      d.add(svgEl("circle", { cx: xOf(t), cy: iy, r: marked ? 7 : 2.5, fill: marked ? role("x") : cssVar("--c-x-soft"),
        stroke: role("x"), "stroke-width": marked ? 2 : 1, class: marked ? "bptt-marked" : "bptt-input", "data-term": "x",
        ...(marked ? { "data-input": key } : {}) }));
    }
    // the gradient flowing back, from h_{t+1} to h_t, as wide as the gradient that arrives at h_t
    const rowEdges = [];
    for (let t = n - 1; t >= 1; t--) {
      if (cuts.includes(t + 1) || !(values[t - 1] > 0)) continue;     // a cut, or no gradient at all (an earlier window)
      const g = arrow(d, { from: [xOf(t + 1) - 2, ry], to: [xOf(t) + 2, ry], role: "grad", backward: true,
        width: edgeWidth(values[t - 1]), term: "grad_next" });
      g.path.dataset.step = String(t);
      rowEdges[t] = g;
    }
    edges.push(rowEdges);
    // the marked input: the gradient reaches it (an arrow into it), or a cut stops it (a struck, grey line)
    const mx = xOf(m) + radius + 3;
    if (reached) {
      const g = arrow(d, { from: [mx, ry + 2], to: [mx, iy - 4], role: "grad", backward: true, width: 3, term: "grad_x" });
      g.classList.add("bptt-reach");
      g.dataset.reach = key;
      reach.push(g);
    } else {
      const g = svgEl("g", { class: "bptt-noreach", "data-noreach": key });
      const y0 = ry + 4, y1 = iy - 6, yc = (y0 + y1) / 2;
      g.append(svgEl("line", { x1: mx, x2: mx, y1: y0, y2: y1, stroke: cssVar("--muted"), "stroke-width": 1.5, "stroke-dasharray": "2 3" }),
        svgEl("path", { d: `M${mx - 5},${yc - 5} L${mx + 5},${yc + 5} M${mx - 5},${yc + 5} L${mx + 5},${yc - 5}`,
          stroke: cssVar("--bad"), "stroke-width": 2.5, "stroke-linecap": "round" }));
      d.add(g);
      reach.push(null);
    }
    const markText = key === "full" ? `marked $x_{${m}}$: the gradient arrives`
      : reached ? `marked $x_{${m}}$: inside the window` : `marked $x_{${m}}$: no gradient reaches it`;
    const toRight = xOf(m) + 12 + 250 <= width;
    note(d, { x: toRight ? xOf(m) + 12 : xOf(m) - 12, y: iy + 16, text: markText, anchor: toRight ? "start" : "end", width: 260, height: 20 });
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
      if ((labelled || i === 0) && c !== r.window[0]) {
        note(d, { x: x + 4, y: ry + 16, text: "cut", anchor: "start", width: 40, height: 18 });
      }
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
  note(d, { x: 4, y: axisY + 20, text: "step $t$ (the state $h_t$, its input $x_t$ below)", anchor: "start", width: 320, height: 20 });
  return { root: d.root, shape: shapeOf(r), nodes, edges, reach, xOf, box: d.root };
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

// A chain wider than the panel opens scrolled just enough to show the marked input (the row titles stay in view
// whenever they can).
function showMarked(drawn, r) {
  const box = drawn.box;
  if (box.scrollWidth > box.clientWidth) box.scrollLeft = Math.max(0, drawn.xOf(r.marked) + 60 - box.clientWidth);
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
      item("marked", "the marked input (the answer); small dots: noise", "x"),
      item("flow", "gradient flowing back, as wide as $\\partial L/\\partial h_t$", "grad_next"),
      item("window", "the window the loss reaches under truncation", "cut"),
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
    marks: (Plot) => [Plot.ruleX(r.cuts.map((c) => c - 0.5), { stroke: "currentColor", strokeOpacity: 0.55, strokeWidth: 1.5 }),
      Plot.ruleX([r.marked], { stroke: role("x"), strokeWidth: 2, strokeDasharray: "2 3" })],
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

// The verdict first (is the marked input's gradient cut, and what that does to ∂L/∂W_xh), then the numbers.
function summary(r) {
  const g = r.gradients;
  const row = (tex, key, termName) => el("tr", {}, el("th", { scope: "row", "data-term": termName }, label(tex)),
    el("td", {}, num(`bptt-full-${key}`, g[key].full_norm, 4)), el("td", {}, num(`bptt-truncated-${key}`, g[key].truncated_norm, 4)),
    el("td", {}, num(`bptt-rel-${key}`, g[key].relative_error, 4)), el("td", {}, num(`bptt-cos-${key}`, g[key].cosine, 6)));
  const rel = g.weight_ih_l0.relative_error;
  const table = el("table", { class: "data bptt-table" },
    el("caption", { class: "visually-hidden" }, "Weight gradients under full and truncated BPTT"),
    el("tr", {}, el("th", { scope: "col" }, "gradient"), el("th", { scope: "col" }, label("full $\\|G\\|$")),
      el("th", { scope: "col" }, label("truncated $\\|G_K\\|$")), el("th", { scope: "col" }, "relative error"), el("th", { scope: "col" }, "cosine")),
    row("$\\partial L/\\partial W_{xh}$", "weight_ih_l0", "grad_W_xh"),
    row("$\\partial L/\\partial W_{hh}$", "weight_hh_l0", "grad_W_hh"));
  const scroller = keyboardScroll(el("div", { class: "figure-scroll" }, table), "weight gradients table");
  const m = r.marked, mg = r.marked_gradient;
  const carried = r.full_norms[m - 1] / r.full_norms[r.T - 1];
  let verdict;
  if (!r.truncated) verdict = el("p", { class: "good", id: "bptt-verdict" }, label("$K \\ge T$: one window, this is full BPTT."));
  else if (!r.reached) {
    verdict = el("p", { class: "bad", id: "bptt-verdict" }, label(`Cut: the marked input is $L = ${r.L}$ steps back, beyond the window of `
      + `$K = ${r.K}$. No gradient reaches it, and $\\partial L/\\partial W_{xh}$, how the network learns to take the input in, `
      + `loses its useful part: $\\|G_K - G\\| / \\|G\\| = ${formatNumber(rel, 3)}$.`));
  } else {
    verdict = el("p", { class: "good", id: "bptt-verdict" }, label(`Intact: the marked input is $L = ${r.L}$ steps back, inside the window of `
      + `$K = ${r.K}$. Truncation cuts only noise further back: $\\|G_K - G\\| / \\|G\\| = ${formatNumber(rel, 3)}$ for $W_{xh}$.`));
  }
  const faded = carried < 1e-3
    ? el("p", { class: "muted" }, label(`Even full BPTT carries back only ${formatNumber(carried, 2)} of the gradient at $h_T$ this far `
      + "(the product of step Jacobians shrinks: step 5), so neither gradient holds much of the marked input.")) : null;
  return [verdict, el("div", { class: "cards" },
    el("div", { class: "card bptt-wide" }, el("h4", {}, "What truncation does to the weight gradients"), faded, scroller,
      el("p", { class: "muted" }, label("$G$: the full gradient; $G_K$: truncated at $K$. $W_{hh}$ loses less: inside the window "
        + "the state still carries an echo of the marked input, and its gradient collects one term from every step there."))),
    el("div", { class: "card" }, el("h4", {}, label(`The gradient at the marked input $x_{${m}}$`)),
      el("p", {}, label("full BPTT: $\\|\\partial L/\\partial x_{" + m + "}\\|$ = "), num("bptt-reach-full", mg.full, 3)),
      el("p", {}, "truncated: ", num("bptt-reach-truncated", mg.truncated, 3))),
    el("div", { class: "card" }, el("h4", {}, "The batch"),
      el("p", {}, label(`${r.batch} sequences: the sign $\\pm 1$ at step ${m}, noise of size ${r.noise} at every other step; `
        + `the target is that sign, read out at $t = T$ (MSE) = `), num("bptt-loss-value", r.loss_value, 4)),
      el("p", { "data-term": "W_hh" }, label(`$H = ${r.hidden_size}$, biases at zero, spectral radius $\\rho(W_{hh})$ = `),
        num("bptt-radius", r.spectral_radius, 3))))];
}

// A number tests can read back exactly (data-key, data-value), its exponent raised.
function num(key, value, digits) {
  const node = numberNode(value, digits);
  node.dataset.key = key;
  return node;
}
