// Step 3: the shipped word-level language model reads typed text. Three sections:
// 1. the state h_t as a heat map (units × words; as h_t or as the change h_t − h_{t−1}; the chosen word's column
//    outlined, its label marked, the words not read yet veiled), how far each word moves the state, and the most
//    likely next real words after any prefix, with the mass left out (<unk>, end of sentence, punctuation);
// 2. single units of a character model coloured over text (its own widget, js/steps/hidden_units.js);
// 3. the agreement probe: P(was) against P(were) after "the cat …" and "the cats …" as the words in between grow.
// Play walks the chosen word from the first to the last.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { heatMap, lineChart } from "../charts.js";
import { role, series as seriesColor } from "../palette.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { lerp, tween, tweenNumber } from "../motion.js";
import { linkTerms } from "../terms.js";
import { debounce, latest } from "../requests.js";
import { mountUnits } from "./hidden_units.js";

const DEFAULT_TEXT = "the cat sat on the";
const DEFAULT_PAIR = "all";
const DEFAULT_FILLER = ", which sat on the mat near the window overlooking the garden ,";
const ALL = "all";
const PAIRS = ["cat/cats", "dog/dogs", "man/men", "woman/women", "child/children", "boy/boys", "girl/girls", "officer/officers"];
const STEP_MS = 700;
const SVG = "http://www.w3.org/2000/svg";

// A labelled slider whose value sits beside it (they wrap as one piece).
function sliderGroup(id, text, input, output) {
  return el("div", { class: "ctl" }, el("label", { for: id }, label(text)),
    el("span", { class: "ctl-slider" }, input, output));
}

const pct = (v) => `${formatNumber(100 * v, 1)} %`;

export async function mount(root, ctx) {
  linkTerms();
  const text = el("input", { type: "text", id: "hs-text", maxlength: "200", value: ctx.get("text", DEFAULT_TEXT) });
  const units = el("input", { type: "range", id: "hs-units", min: "4", max: "128", step: "4", value: ctx.get("units", "24") });
  const unitsLabel = el("output", { class: "num", for: "hs-units" }, units.value);
  const show = el("select", { id: "hs-show" },
    el("option", { value: "state" }, "the state hₜ"), el("option", { value: "change" }, "the change each word makes, hₜ − hₜ₋₁"));
  show.value = ctx.get("show", "state") === "change" ? "change" : "state";
  const pos = el("input", { type: "range", id: "hs-pos", min: "1", max: "1", value: "1" });
  const posLabel = el("output", { class: "num", id: "hs-pos-label", for: "hs-pos" });
  const playButton = el("button", { type: "button", class: "action", id: "hs-play" }, "play");
  const reset = el("button", { type: "button", class: "action", id: "hs-cat" }, "“the cat sat on the”");
  const look = el("input", { type: "text", id: "hs-look", maxlength: "40", size: "10", value: ctx.get("look", "mat") });
  const head = el("div", { id: "hs-head" });
  const map = el("div", { id: "hs-map", "data-term": "h" });
  const strip = el("div", { id: "hs-tokens", class: "hs-tokens", "data-term": "x", role: "list", "aria-label": "the words read, in order" });
  const predictions = el("div", { id: "hs-predictions", "data-term": "y" });
  const lookOut = el("p", { id: "hs-look-out", class: "hs-look-out" });
  const memory = el("div", { id: "hs-memory" });

  const pair = el("select", { id: "hs-pair" }, el("option", { value: ALL }, `all ${PAIRS.length} pairs below (mean)`),
    ...PAIRS.map((p) => el("option", { value: p }, `the ${p.split("/")[0]} … / the ${p.split("/")[1]} …`)));
  pair.value = [ALL, ...PAIRS].includes(ctx.get("pair", DEFAULT_PAIR)) ? ctx.get("pair", DEFAULT_PAIR) : DEFAULT_PAIR;
  const filler = el("input", { type: "text", id: "hs-filler", maxlength: "200", size: "40", value: ctx.get("filler", DEFAULT_FILLER) });
  const fillerReset = el("button", { type: "button", class: "action", id: "hs-filler-reset" }, "the chapter's clause");
  const agreeChart = el("div", { id: "hs-agree-chart" });
  const agreeWords = el("div", { id: "hs-agree-words", class: "hs-tokens", role: "list", "aria-label": "the words between the subject and its verb" });
  const agreeOut = el("div", { id: "hs-agree-out" });
  const unitsSection = el("section", { class: "card hs-card", id: "hs-units-widget", "aria-label": "single units of a character model" });

  root.append(el("div", { class: "hs-widget" },
    el("section", { class: "card hs-card", "aria-labelledby": "hs-read-h" },
      el("h4", { id: "hs-read-h" }, "Read a sentence: the state after each word, and the next word it predicts"),
      el("div", { class: "row" }, el("label", { for: "hs-text" }, "text"), text, reset),
      el("div", { class: "row hs-controls" }, sliderGroup("hs-units", "units shown", units, unitsLabel),
        sliderGroup("hs-pos", "after word $t$", pos, posLabel), playButton),
      el("div", { class: "row" }, el("label", { for: "hs-show" }, "heat map shows"), show),
      head, map, strip,
      el("div", { class: "hs-next-box card", "data-term": "y" }, predictions,
        el("div", { class: "row hs-look" }, el("label", { for: "hs-look" }, "where does this word rank?"), look), lookOut),
      memory),
    unitsSection,
    el("section", { class: "card hs-card", "aria-labelledby": "hs-agree-h" },
      el("h4", { id: "hs-agree-h" }, "Does the state remember the subject? “The cat … was” against “the cats … were”"),
      el("div", { class: "row" }, el("label", { for: "hs-pair" }, "subject"), pair),
      el("div", { class: "row" }, el("label", { for: "hs-filler" }, "words in between"), filler, fillerReset),
      agreeChart, agreeWords, agreeOut)));

  let data = null;
  let wanted = Number(ctx.get("pos", "0"));  // 0: the last word
  const ask = latest(ctx), askAgreement = latest(ctx);
  let column = null;        // the chosen word's column on the heat map: outline, veil, label
  let marker = null;        // the current word on the norm chart: {group, x (scale), y (scale)}
  let motion = new AbortController();

  function update() {
    unitsLabel.textContent = units.value;
    const params = { text: text.value, units: units.value, show: show.value, look: look.value };
    ctx.set(params);
    return ask((signal) => ctx.api("/api/hidden_state/read", params, signal), async (r, current) => {
      const figures = await Promise.all([stateMap(r), normChart(r)]);
      if (!current()) return;
      data = r;
      renderAll(r, ...figures);
    }, (error) => {
      data = null;
      head.replaceChildren(errorBox(error));
      for (const node of [map, strip, predictions, lookOut, memory]) node.replaceChildren();
    });
  }

  function current() {
    const T = data.tokens.length;
    return wanted >= 1 && wanted <= T ? wanted : T;
  }

  async function stateMap(r) {
    const many = r.units.length > 32;
    const change = r.show === "change";
    return heatMap({
      matrix: r.matrix, rows: r.units.map((u, i) => (!many || i % 2 === 0 ? String(u) : "")), cols: r.read_as,
      cell: many ? 12 : 16, cellWidth: Math.max(30, Math.min(56, Math.floor(560 / r.tokens.length))), diverging: true,
      domain: change ? [-2, 2] : [-1, 1],
      title: change
        ? `What each word writes: $h_t - h_{t-1}$ for the ${r.units.length} units (of $H = ${r.hidden_size}$) the words move most`
        : `The state $h_t$ after each word: the ${r.units.length} units (of $H = ${r.hidden_size}$) the words move most`,
      legendLabel: change ? "change $h_t[i] - h_{t-1}[i]$" : "unit value $h_t[i]$",
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
    const groups = new Set(r.peak).size;
    map.replaceChildren(mapFigure,
      el("p", { class: "hs-key muted", id: "hs-map-key" }, label(
        `Rows: the ${r.units.length} units that the words move most in total, grouped by the word that moves each one `
        + `most (${groups} group${groups === 1 ? "" : "s"}, thin lines between them). `
        + (r.show === "change"
          ? "A cell is what that word wrote into the unit: most of the state is rewritten at every word. "
          : `Over this text ${pct(r.saturated)} of the values of all ${r.hidden_size} units lie beyond ±0.9 (tanh saturates), so a word often flips a unit from one end to the other. `)
        + "The outlined column is the chosen word; columns after it are veiled: not read yet.")));
    column = markColumns(mapFigure, r);
    memory.replaceChildren(chartFigure, el("p", { class: "muted" },
      label(`Dashed line: at most $\\sqrt{H} = \\sqrt{${r.hidden_size}} \\approx ${Math.sqrt(r.hidden_size).toFixed(1)}$ `
        + "(every unit at ±1). Each word rewrites part of the same vector.")));
    marker = chartMarker(chartFigure, r);
    renderPosition(true);
  }

  // On the heat map: thin lines between the groups of rows, an outline around the chosen word's column, a veil over
  // the columns after it (paths, so the cells stay the map's only rects), and its column label marked.
  function markColumns(figure, r) {
    const T = r.tokens.length;
    const svg = figure.querySelector("svg.fig");
    const cells = [...svg.querySelectorAll("rect")];
    if (cells.length < T) return null;
    const xs = cells.slice(0, T).map((c) => Number(c.getAttribute("x")) - 0.5);
    const w = Number(cells[0].getAttribute("width")) + 1;
    const top = Number(cells[0].getAttribute("y")) - 0.5;
    const bottom = Math.max(...cells.map((c) => Number(c.getAttribute("y")) + Number(c.getAttribute("height")))) + 0.5;
    const left = xs[0], right = xs[T - 1] + w;
    const make = (cls, attrs) => {
      const path = document.createElementNS(SVG, "path");
      for (const [k, v] of Object.entries(attrs)) path.setAttribute(k, v);
      path.setAttribute("class", cls);
      svg.append(path);
      return path;
    };
    let lines = "";
    for (let i = 1; i < r.peak.length; i++) {
      if (r.peak[i] === r.peak[i - 1]) continue;
      const y = Number(cells[i * T].getAttribute("y")) - 0.5;
      lines += `M${left - 4},${y}H${right + 4}`;
    }
    if (lines) make("hs-groups", { d: lines, stroke: "currentColor", "stroke-width": "2.5", fill: "none" });
    const veil = make("hs-veil", { fill: "var(--surface)", "fill-opacity": "0.72", stroke: "none" });
    const path = make("hs-column", { d: `M0,${top - 2}h${w}V${bottom + 2}h${-w}Z`, fill: "none", stroke: role("h"),
      "stroke-width": "3", "data-term": "h" });
    path.style.stroke = "var(--c-h)";
    // the column labels: the one group of texts that reads the words in order
    const labels = [...svg.querySelectorAll("g")].map((g) => [...g.querySelectorAll(":scope > text")])
      .find((texts) => texts.length === T && texts.every((t, j) => t.textContent === r.read_as[j])) ?? [];
    return { path, veil, xs, w, top, bottom, right, labels, at: null };
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
      const c = column;
      const from = c.at ?? c.xs[t - 1], to = c.xs[t - 1];
      c.at = to;
      tween((u) => {
        const x = lerp(from, to, u);
        c.path.setAttribute("transform", `translate(${x},0)`);
        c.veil.setAttribute("d", x + c.w < c.right - 0.5 ? `M${x + c.w},${c.top}H${c.right}V${c.bottom}H${x + c.w}Z` : "");
      }, options);
      c.labels.forEach((node, j) => node.classList.toggle("hs-now", j === t - 1));
      c.path.dataset.column = String(t);
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
    const list = r.predictions[t - 1], gone = r.removed[t - 1];
    const shown = list.reduce((a, p) => a + p.p, 0);
    const rows = list.map((p, i) => el("tr", {},
      el("td", { "data-key": `hs-word-${i}` }, p.word),
      el("td", { class: "hs-p" }, el("span", { class: "hs-bar", style: `--p:${Math.min(1, p.p)}` }), num(`hs-p-${i}`, p.p, 4))));
    const norm = predictions.querySelector('[data-key="hs-norm"]') ?? num("hs-norm", r.state_norms[t - 1], 3);
    const change = predictions.querySelector('[data-key="hs-change"]') ?? num("hs-change", r.changes[t - 1], 3);
    predictions.replaceChildren(el("h4", {}, `Next word after “${r.tokens.slice(0, t).join(" ")}”`),
      el("div", { class: "figure-scroll" }, el("table", { class: "data hs-next" },
        el("caption", { class: "visually-hidden" }, "The model's most likely next real words and their renormalised probabilities"),
        el("tr", {}, el("th", { scope: "col" }, label("next word $w$")),
          el("th", { scope: "col" }, label("$\\tilde P(w)$, real words only"))), ...rows)),
      el("p", { class: "hs-removed muted", "data-key": "hs-removed", "data-value": String(gone.total) },
        "Real words only: left out ", num("hs-removed-unk", gone.unk, 3), " on ", el("code", {}, "<unk>"), " (any word outside the ",
        `${r.model.vocab_size}-word vocabulary), `, num("hs-removed-punct", gone.punctuation, 3), " on punctuation and ",
        num("hs-removed-eos", gone.eos, 3), " on the end of the sentence: ", el("strong", {}, pct(gone.total)),
        " of the model's probability. The rest is divided by ", num("hs-kept", 1 - gone.total, 3),
        ` so it sums to 1; the ${list.length} words listed hold `, num("hs-shown", shown, 3), " of it."),
      el("p", { class: "hs-readout" }, el("span", { "data-term": "h" }, label("$\\|h_t\\| =$"), " ", norm), " · moved by ",
        el("span", { "data-term": "h_prev" }, label("$\\|h_t - h_{t-1}\\| =$"), " ", change)));
    const format = (v) => formatNumber(v, 3);
    tweenNumber(norm, r.state_norms[t - 1], { format, ...options });
    tweenNumber(change, r.changes[t - 1], { format, ...options });
    renderLook(r, t);
  }

  function renderLook(r, t) {
    const L = r.look;
    if (!L.word) { lookOut.replaceChildren(); return; }
    if (!L.in_vocab) {
      lookOut.replaceChildren(el("span", { "data-key": "hs-look-rank", "data-value": "" },
        `“${L.word}” is not among the model's ${L.real_words} real words: it can never be predicted, only read as <unk>.`));
      return;
    }
    const a = L.after[t - 1];
    lookOut.replaceChildren(`“${L.word}” after “${r.tokens.slice(0, t).join(" ")}”: rank `,
      num("hs-look-rank", a.rank, 0), ` of ${L.real_words} real words, `, label("$\\tilde P =$ "), num("hs-look-p", a.p, 4), ".");
  }

  function choose(t) {
    wanted = t;
    ctx.set({ pos: String(t === data.tokens.length ? 0 : t) });
    renderPosition();
  }

  // The agreement probe: two readings of the same clause, one per subject.
  function agree() {
    const params = { pair: pair.value, filler: filler.value };
    ctx.set(params);
    return askAgreement((signal) => ctx.api("/api/hidden_state/agreement", params, signal), async (r, current) => {
      const chart = await agreementChart(r);
      if (!current()) return;
      renderAgreement(r, chart);
    }, (error) => {
      agreeChart.replaceChildren(errorBox(error));
      agreeWords.replaceChildren();
      agreeOut.replaceChildren();
    });
  }

  // How the page names the two subjects: "“the cat …”", or "singular subjects (mean of 8)".
  const named = (r, k) => (r.all ? `${["singular", "plural"][k]} subjects (mean of ${r.pairs.length})` : `“the ${r.pair[k]} …”`);

  async function agreementChart(r) {
    const colors = [seriesColor(0), seriesColor(2)];
    const points = (share) => r.distance.map((d, i) => ({ x: d, y: share[i] }));
    const n = r.distance.length - 1;
    return lineChart({
      title: "Share of “was” in P(was) + P(were), read after each word between the subject and its verb",
      series: [{ label: `after ${named(r, 0)} (right answer: was, 1)`, x: r.distance, y: r.singular.share, color: colors[0] },
        { label: `after ${named(r, 1)} (right answer: were, 0)`, x: r.distance, y: r.plural.share, color: colors[1], dash: "6 4" }],
      x: { domain: [0, Math.max(1, n)], label: "tokens read since the subject", ticks: Math.min(Math.max(1, n), 8) },
      y: { domain: [0, 1], label: "$P(\\text{was}) / (P(\\text{was}) + P(\\text{were}))$" },
      width: Math.max(280, Math.min(560, agreeChart.clientWidth || 560)), height: 260,
      marks: (Plot) => [
        Plot.ruleY([0.5], { stroke: "currentColor", strokeOpacity: 0.5, strokeDasharray: "4 3" }),
        Plot.dot(points(r.singular.share), { x: "x", y: "y", r: 3.5, fill: colors[0] }),
        Plot.dot(points(r.plural.share), { x: "x", y: "y", r: 3.5, fill: colors[1] }),
      ],
    });
  }

  function renderAgreement(r, chart) {
    const [s, p] = r.pair;
    const n = r.distance.length - 1;
    agreeChart.replaceChildren(chart);
    agreeWords.replaceChildren(el("span", { role: "listitem", class: "num hs-token is-now" }, r.all ? "0 · the noun" : `0 · the ${s} / the ${p}`),
      ...r.tokens.map((w, i) => el("span", { role: "listitem", class: "num hs-token" },
        `${i + 1} · ${r.read_as[i] === w ? w : `${w}→<unk>`}`)),
      el("span", { role: "listitem", class: "num hs-token is-later" }, "→ was / were ?"));
    const s0 = r.singular.share[0], p0 = r.plural.share[0], sN = r.singular.share[n], pN = r.plural.share[n];
    const g0 = r.gap[0], gN = r.gap[n];
    let verdict, kind;
    if (n === 0) {
      kind = "none";
      verdict = "Type words in between to see how long the difference lasts.";
    } else if (g0 < 0.1) {
      kind = "never";
      verdict = r.all
        ? `Even right after the noun this small model hardly tells singular from plural apart (mean gap ${formatNumber(g0, 2)}).`
        : `Even right after the noun this small model hardly tells “${s}” from “${p}” apart (gap ${formatNumber(g0, 2)}): `
          + "the training text has few sentences with them as subjects, so it never learned their number. Try “all pairs” or man / men.";
    } else if (gN < 0.5 * g0) {
      kind = "lost";
      verdict = `Right after the noun the state knows the number: the gap is ${formatNumber(g0, 2)}. `
        + `${n} tokens later it is ${formatNumber(gN, 2)} (${pct(Math.max(0, gN / g0))} of it kept): by the verb, the model has `
        + "all but forgotten whether the subject was one or many. That is the chapter's point: a plain tanh RNN overwrites "
        + "what it read a few words back, and the gradients that would teach it to keep it fade over those steps (step 5).";
    } else {
      kind = "kept";
      verdict = `The gap falls from ${formatNumber(g0, 2)} right after the noun to ${formatNumber(gN, 2)} after ${n} tokens: `
        + "with these words in between the model keeps much of the subject's number.";
    }
    agreeOut.replaceChildren(...[
      el("table", { class: "data hs-agree-table" },
        el("caption", { class: "visually-hidden" }, "Share of was right after the subject and at the verb"),
        el("tr", {}, el("th", { scope: "col" }, ""), el("th", { scope: "col" }, r.all ? "singular (mean)" : `“the ${s} …”`),
          el("th", { scope: "col" }, r.all ? "plural (mean)" : `“the ${p} …”`), el("th", { scope: "col" }, "gap")),
        el("tr", {}, el("th", { scope: "row" }, "right after the noun"), el("td", {}, num("hs-agree-s0", s0, 3)),
          el("td", {}, num("hs-agree-p0", p0, 3)), el("td", {}, num("hs-agree-g0", g0, 3))),
        el("tr", {}, el("th", { scope: "row" }, `at the verb, ${n} tokens (${r.words_between} words) later`), el("td", {}, num("hs-agree-sN", sN, 3)),
          el("td", {}, num("hs-agree-pN", pN, 3)), el("td", {}, num("hs-agree-gN", gN, 3)))),
      el("p", { id: "hs-agree-verdict", "data-kind": kind }, verdict),
      r.all ? el("div", { class: "figure-scroll" }, el("table", { class: "data hs-agree-pairs", id: "hs-agree-pairs" },
        el("caption", {}, "Each pair's gap, right after the noun and at the verb"),
        el("tr", {}, el("th", { scope: "col" }, "pair"), el("th", { scope: "col" }, "at the noun"), el("th", { scope: "col" }, "at the verb")),
        ...r.pairs.map((q, i) => el("tr", {}, el("th", { scope: "row" }, q.pair.replace("/", " / ")),
          el("td", {}, num(`hs-pair-g0-${i}`, q.gap[0], 3)), el("td", {}, num(`hs-pair-gN-${i}`, q.gap[n], 3)))))) : null,
      r.unknown.length ? el("p", { class: "bad" }, `not in the vocabulary, read as <unk>: ${r.unknown.join(", ")}`) : null,
      el("p", { class: "muted" }, "The gap is the share after the singular subject minus the share after the plural: 1 would be "
        + "perfect agreement, 0 no memory of the number. “was” is three times as frequent as “were” in the training text, "
        + "so both lines drift towards “was” once the number is forgotten.")].filter(Boolean));
  }

  // New text starts again at its last word. Each control waits for its own pause: with one timer for all, a slider
  // moved just after typing would drop the new text's return to its last word.
  const reread = debounce(() => { wanted = 0; ctx.set({ pos: "0" }); update(); }, 150);
  const later = { units: debounce(update, 100), look: debounce(update, 150), agree: debounce(agree, 150) };
  text.addEventListener("input", reread);
  units.addEventListener("input", () => { unitsLabel.textContent = units.value; later.units(); });
  show.addEventListener("change", update);
  look.addEventListener("input", later.look);
  pos.addEventListener("input", () => { if (data) choose(Number(pos.value)); });
  reset.addEventListener("click", () => { text.value = DEFAULT_TEXT; wanted = 0; ctx.set({ pos: "0" }); update(); });
  pair.addEventListener("change", agree);
  filler.addEventListener("input", later.agree);
  fillerReset.addEventListener("click", () => { filler.value = DEFAULT_FILLER; pair.value = DEFAULT_PAIR; agree(); });

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

  const [, , unitsWidget] = await Promise.all([update(), agree(), mountUnits(unitsSection, ctx)]);
  return {
    play: (signal) => animate(signal),
    unmount() {
      for (const job of [reread, ...Object.values(later), ask, askAgreement]) job.cancel();
      stopOwn(); motion.abort(); unitsWidget?.unmount?.();
    },
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
