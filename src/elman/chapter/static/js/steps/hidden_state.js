// Step 3: typed text through the shipped word-level language model: h_t as a heat map (units × words, a
// diverging colour bar, the column of the chosen word outlined), how far each word moves the state, and the
// model's most likely next words after any prefix. Play walks the chosen word from the first to the last.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { heatMap, lineChart } from "../charts.js";
import { role } from "../palette.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { lerp, tween, tweenNumber } from "../motion.js";
import { linkTerms } from "../terms.js";

const DEFAULT_TEXT = "the cat sat on the";
const STEP_MS = 700;
const SVG = "http://www.w3.org/2000/svg";

// A labelled slider whose value sits beside it (they wrap as one piece).
function sliderGroup(id, text, input, output) {
  return el("div", { class: "ctl" }, el("label", { for: id }, label(text)),
    el("span", { class: "ctl-slider" }, input, output));
}

export async function mount(root, ctx) {
  linkTerms();
  const text = el("input", { type: "text", id: "hs-text", maxlength: "200", value: ctx.get("text", DEFAULT_TEXT) });
  const units = el("input", { type: "range", id: "hs-units", min: "4", max: "128", step: "4", value: ctx.get("units", "24") });
  const unitsLabel = el("output", { class: "num", for: "hs-units" }, units.value);
  const pos = el("input", { type: "range", id: "hs-pos", min: "1", max: "1", value: "1" });
  const posLabel = el("output", { class: "num", id: "hs-pos-label", for: "hs-pos" });
  const playButton = el("button", { type: "button", class: "action", id: "hs-play" }, "play");
  const reset = el("button", { type: "button", class: "action", id: "hs-cat" }, "“the cat sat on the”");
  const head = el("div", { id: "hs-head" });
  const map = el("div", { id: "hs-map", "data-term": "h" });
  const strip = el("div", { id: "hs-tokens", class: "hs-tokens", "data-term": "x", role: "list", "aria-label": "the words read, in order" });
  const predictions = el("div", { id: "hs-predictions", class: "card", "data-term": "y" });
  const memory = el("div", { id: "hs-memory" });
  root.append(el("div", { class: "hs-widget" },
    el("div", { class: "row" }, el("label", { for: "hs-text" }, "text"), text, reset),
    el("div", { class: "row hs-controls" }, sliderGroup("hs-units", "units shown", units, unitsLabel),
      sliderGroup("hs-pos", "after word $t$", pos, posLabel), playButton),
    head, map, strip, predictions, memory));

  let data = null;
  let wanted = Number(ctx.get("pos", "0"));  // 0: the last word
  let pending = 0;
  let column = null;        // the outlined column of the heat map: {path, xs (left edge of each column)}
  let marker = null;        // the current word on the norm chart: {group, x (scale), y (scale)}
  let motion = new AbortController();

  async function update() {
    const ticket = ++pending;
    unitsLabel.textContent = units.value;
    ctx.set({ text: text.value, units: units.value });
    try {
      const r = await ctx.api("/api/hidden_state/read", { text: text.value, units: units.value });
      if (ticket !== pending || !ctx.alive()) return;
      const figures = await Promise.all([stateMap(r), normChart(r)]);
      if (ticket !== pending || !ctx.alive()) return;
      data = r;
      renderAll(r, ...figures);
    } catch (error) {
      if (ticket === pending && ctx.alive()) {
        data = null;
        head.replaceChildren(errorBox(error));
        for (const node of [map, strip, predictions, memory]) node.replaceChildren();
      }
    }
  }

  function current() {
    const T = data.tokens.length;
    return wanted >= 1 && wanted <= T ? wanted : T;
  }

  async function stateMap(r) {
    const many = r.units.length > 32;
    return heatMap({
      matrix: r.matrix, rows: r.units.map((u, i) => (!many || i % 2 === 0 ? String(u) : "")), cols: r.read_as,
      cell: many ? 12 : 16, cellWidth: Math.max(30, Math.min(56, Math.floor(560 / r.tokens.length))), diverging: true, domain: [-1, 1],
      title: `The state $h_t$ after each word: the ${r.units.length} units (of $H = ${r.hidden_size}$) that vary most over the text`,
      legendLabel: "unit value $h_t[i]$",
    });
  }

  async function normChart(r) {
    const steps = r.tokens.map((_, i) => i + 1);
    const bound = Math.sqrt(r.hidden_size);
    return lineChart({
      title: "A lossy, fixed-size summary: how large the state is, and how far each word moves it",
      series: [{ label: "size of the state $\\|h_t\\|$", x: steps, y: r.state_norms, role: "h", term: "h" },
        { label: "move by word $t$: $\\|h_t - h_{t-1}\\|$", x: steps, y: r.changes, role: "x", dash: "6 4", term: "h_prev" }],
      x: { domain: [1, Math.max(2, r.tokens.length)], label: "word $t$", ticks: Math.min(r.tokens.length, 8) },
      y: { domain: [0, Math.ceil(bound)], label: "norm" },
      width: 520, height: 230,
      marks: (Plot) => [Plot.ruleY([bound], { stroke: "currentColor", strokeOpacity: 0.6, strokeDasharray: "4 3" })],
    });
  }

  function renderAll(r, mapFigure, chartFigure) {
    const T = r.tokens.length;
    pos.max = String(T);
    units.max = String(r.hidden_size);
    pos.value = String(current());
    const m = r.model;
    head.replaceChildren(
      el("p", { class: "hs-size" }, "hidden size ", label("$H =$ "), num("hs-hidden", r.hidden_size, 0, "num big"),
        ` numbers, whatever the length · ${m.vocab_size} words · validation perplexity `,
        num("hs-ppl", m.validation_perplexity, 1), m.quick ? " (quick test model)" : ""),
      r.unknown.length
        ? el("p", { class: "bad", "data-key": "hs-unknown", "data-value": r.unknown.join(" ") },
          `not in the vocabulary, read as <unk>: ${r.unknown.join(", ")}`)
        : el("p", { class: "muted", "data-key": "hs-unknown", "data-value": "" }, "every word is in the vocabulary"));
    map.replaceChildren(mapFigure,
      el("p", { class: "hs-key muted" }, label("columns: the words $x_t$ in order · rows: units $i$ of $h_t$ · "
        + "the outlined column is $h_t$ after the chosen word")));
    column = outlineColumn(mapFigure, T);
    memory.replaceChildren(chartFigure, el("p", { class: "muted" },
      label(`Dashed line: at most $\\sqrt{H} = \\sqrt{${r.hidden_size}} \\approx ${Math.sqrt(r.hidden_size).toFixed(1)}$ `
        + "(every unit at ±1). Each word rewrites part of the same vector.")));
    marker = chartMarker(chartFigure, r);
    renderPosition(true);
  }

  // An outline around one column of the heat map (a path, so the cells stay the map's only rects), moved
  // smoothly to the chosen word.
  function outlineColumn(figure, T) {
    const svg = figure.querySelector("svg.fig");
    const cells = [...svg.querySelectorAll("rect")];
    if (cells.length < T) return null;
    const xs = cells.slice(0, T).map((c) => Number(c.getAttribute("x")) - 0.5);
    const w = Number(cells[0].getAttribute("width")) + 1;
    const top = Number(cells[0].getAttribute("y")) - 0.5;
    const bottom = Math.max(...cells.map((c) => Number(c.getAttribute("y")) + Number(c.getAttribute("height")))) + 0.5;
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", `M0,${top - 2}h${w}V${bottom + 2}h${-w}Z`);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", role("h"));
    path.style.stroke = "var(--c-h)";
    path.setAttribute("stroke-width", "3");
    path.setAttribute("class", "hs-column");
    path.setAttribute("data-term", "h");
    svg.append(path);
    return { path, xs, at: null };
  }

  // The chosen word on the norm chart: a vertical rule and a dot on each line, moved smoothly.
  function chartMarker(figure, r) {
    const svg = figure.querySelector("svg.fig");
    const sx = svg.scale?.("x"), sy = svg.scale?.("y");
    if (!sx || !sy) return null;
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("class", "hs-marker");
    const rule = document.createElementNS(SVG, "line");
    rule.setAttribute("y1", sy.apply(sy.domain[0]));
    rule.setAttribute("y2", sy.apply(sy.domain[1]));
    rule.setAttribute("stroke", "currentColor");
    rule.setAttribute("stroke-opacity", "0.5");
    const dots = ["h", "x"].map((name) => {
      const dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("r", "4.5");
      dot.style.fill = `var(--c-${name})`;
      return dot;
    });
    g.append(rule, ...dots);
    svg.append(g);
    const place = (t) => {
      const x = sx.apply(t);
      rule.setAttribute("x1", x); rule.setAttribute("x2", x);
      dots[0].setAttribute("cx", x); dots[0].setAttribute("cy", sy.apply(interpolate(r.state_norms, t)));
      dots[1].setAttribute("cx", x); dots[1].setAttribute("cy", sy.apply(interpolate(r.changes, t)));
    };
    return { place, at: null };
  }

  function renderPosition(instant = false) {
    const r = data, t = current(), T = r.tokens.length;
    posLabel.textContent = `${t} of ${T}`;
    motion.abort();
    motion = new AbortController();
    const options = instant ? { ms: 0 } : { signal: motion.signal };
    if (column) {
      const from = column.at ?? column.xs[t - 1], to = column.xs[t - 1];
      column.at = to;
      tween((u) => column.path.setAttribute("transform", `translate(${lerp(from, to, u)},0)`), options);
    }
    if (marker) {
      const from = marker.at ?? t;
      marker.at = t;
      tween((u) => marker.place(lerp(from, t, u)), options);
    }
    strip.replaceChildren(...r.tokens.map((w, i) => el("span", {
      role: "listitem", class: `num hs-token${i + 1 === t ? " is-now" : i + 1 > t ? " is-later" : ""}`,
      "data-key": `hs-token-${i + 1}`, "aria-current": i + 1 === t ? "true" : "false",
    }, r.read_as[i] === w ? w : `${w}→${r.read_as[i]}`)));
    renderPredictions(r, t, options);
  }

  function renderPredictions(r, t, options) {
    const list = r.predictions[t - 1];
    const rows = list.map((p, i) => el("tr", {},
      el("td", { "data-key": `hs-word-${i}` }, p.word),
      el("td", { class: "hs-p" }, el("span", { class: "hs-bar", style: `--p:${Math.min(1, p.p)}` }), num(`hs-p-${i}`, p.p, 4))));
    const norm = predictions.querySelector('[data-key="hs-norm"]') ?? num("hs-norm", r.state_norms[t - 1], 3);
    const change = predictions.querySelector('[data-key="hs-change"]') ?? num("hs-change", r.changes[t - 1], 3);
    predictions.replaceChildren(el("h4", {}, `Next word after “${r.tokens.slice(0, t).join(" ")}”`),
      el("div", { class: "figure-scroll" }, el("table", { class: "data hs-next" },
        el("caption", { class: "visually-hidden" }, "The model's most likely next words and their probabilities"),
        el("tr", {}, el("th", { scope: "col" }, label("next word $w$")),
          el("th", { scope: "col" }, label("$P(x_{t+1} = w \\mid x_1, \\dots, x_t)$"))), ...rows)),
      el("p", { class: "hs-readout" }, el("span", { "data-term": "h" }, label("$\\|h_t\\| =$"), " ", norm), " · moved by ",
        el("span", { "data-term": "h_prev" }, label("$\\|h_t - h_{t-1}\\| =$"), " ", change)));
    const format = (v) => formatNumber(v, 3);
    tweenNumber(norm, r.state_norms[t - 1], { format, ...options });
    tweenNumber(change, r.changes[t - 1], { format, ...options });
  }

  function choose(t) {
    wanted = t;
    ctx.set({ pos: String(t === data.tokens.length ? 0 : t) });
    renderPosition();
  }

  let timer = null;
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { wanted = 0; ctx.set({ pos: "0" }); update(); }, 150); });
  units.addEventListener("input", () => { unitsLabel.textContent = units.value; clearTimeout(timer); timer = setTimeout(update, 100); });
  pos.addEventListener("input", () => { if (data) choose(Number(pos.value)); });
  reset.addEventListener("click", () => { text.value = DEFAULT_TEXT; wanted = 0; ctx.set({ pos: "0" }); update(); });

  async function animate(signal) {
    if (!data) return;
    for (let t = 1; t <= data.tokens.length; t++) {
      if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
      choose(t);
      pos.value = String(t);
      await sleep(STEP_MS, signal);
    }
  }
  const stopOwn = ownPlayButton(playButton, animate, "play");

  await update();
  return {
    play: (signal) => animate(signal),
    unmount() { clearTimeout(timer); stopOwn(); motion.abort(); },
  };
}

// A number tests can read back exactly (data-key, data-value), its exponent raised.
function num(key, value, digits, className = "num") {
  const node = numberNode(value, digits, className);
  node.dataset.key = key;
  return node;
}

// A series' value at a fractional step t (1-based), between its neighbours: the marker glides along the line.
function interpolate(values, t) {
  const i = Math.max(0, Math.min(values.length - 1, Math.floor(t) - 1));
  const j = Math.min(values.length - 1, i + 1);
  return lerp(values[i], values[j], t - Math.floor(t));
}
