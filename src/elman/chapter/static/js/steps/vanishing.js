// Step 5: the measured ‖∂h_T/∂h_k‖ of two networks against ρ^(T−k) on a fixed log axis (a ReLU network whose
// units all stay active lies on ρ^(T−k) exactly; a tanh network falls below by its tanh' factors, measured), and
// one network trained twice on the same batches, without and with gradient clipping. The sliders' ends and the
// preset buttons come from the server (/api/vanishing/bounds), so the page offers exactly what the endpoints
// accept. The decay chart keeps a fixed domain, so settings can be compared by eye against ρ^(T−k); the two
// training charts fit the whole decades their numbers span (a loss near 1 and one near 10²¹ share no readable
// fixed axis). What leaves a chart is marked at its edge (▲ ▼, ✕ for an overflow) and said in words. A change
// glides from the old curves and axes to the new ones.

import { sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { lineChart, logDomain } from "../charts.js";
import { cssVar, role } from "../palette.js";
import { tween } from "../motion.js";
import { prose } from "../prose.js";
import { linkTerms, markTerm } from "../terms.js";
import { debounce, latest } from "../requests.js";
import { formatNumber, label, math, numberNode, renderInline } from "../tex.js";

const SWEEP = [0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2];
const SWEEP_MS = 700;
// The decay chart's fixed log domain: every setting is drawn against the same scale. The training charts fit their
// numbers within the widest domains beside it, which hold what the presets produce on seeds 0–9; anything beyond
// is marked at the edge.
const DECAY_Y = [1e-24, 1e20];
const LOSS_Y = [1e-3, 1e32];
const NORM_Y = [1e-18, 1e30];

// The y domains of the training charts for one answer: every value drawn, the baseline and τ included.
const lossDomain = (r) => logDomain([...r.with.loss, ...r.without.loss, r.with.baseline], LOSS_Y);
const normDomain = (r) => logDomain([...r.with.before, ...r.with.after, ...r.with.first_after, r.max_norm], NORM_Y);

let bounds = null;          // the server's bounds and presets, fetched once per page

function clampNumber(value, lo, hi, fallback) {
  const v = Number(value);
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

// Thresholds τ on a 1–2–5 ladder between the server's bounds, so a slider moves in even steps of a log scale.
export function ladder([lo, hi]) {
  const values = new Set([lo, hi]);
  for (let n = Math.floor(Math.log10(lo)); n <= Math.ceil(Math.log10(hi)); n++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** n).toPrecision(6));
      if (v >= lo && v <= hi) values.add(v);
    }
  }
  return [...values].sort((a, b) => a - b);
}

function nearest(values, v) {
  const target = Math.log(v);
  return values.reduce((best, x, i) => (Math.abs(Math.log(x) - target) < Math.abs(Math.log(values[best]) - target) ? i : best), 0);
}

// A number tests can read (data-key, data-value exact) shown with a raised exponent.
function bigNumber(key, value, cls = "num big") {
  const span = numberNode(value ?? NaN, 3, cls);
  span.dataset.key = key;
  span.dataset.value = String(value);
  return span;
}

// Set a shown number: data-value at once, the text glides (geometrically when it can).
function glide(span, to, signal) {
  const from = Number(span.dataset.value);
  span.dataset.value = String(to);
  const show = (v) => span.replaceChildren(...numberNode(v ?? NaN, 3).childNodes);
  if (to === null || !Number.isFinite(from) || from === to) { show(to); return Promise.resolve(); }
  const geometric = from > 0 && to > 0;
  return tween((t) => show(t === 1 ? to : geometric ? from * (to / from) ** t : from + (to - from) * t), { signal });
}

// Curves (and an axis's ends) between two answers: y interpolated in log space (the axes are logarithmic), gaps kept.
function between(a, b, t) {
  if (!a || a.length !== b.length || t === 1) return b;
  return b.map((v, i) => (v === null || a[i] === null || !(v > 0) || !(a[i] > 0) ? v : a[i] * (v / a[i]) ** t));
}

// Redraw a chart frame by frame from the previous answer to the next (skipping frames while one is still being
// drawn); the last frame drawn is always the exact answer (t = 1).
async function morph(box, draw, signal) {
  let wanted = 0, busy = null;
  const pump = async () => {
    for (;;) {
      const t = wanted;
      box.replaceChildren(await draw(t));
      if (t === wanted) return;
    }
  };
  await tween((t) => { wanted = t; busy ??= pump().finally(() => { busy = null; }); }, { signal });
  while (busy) await busy;
}

// One motion at a time: restart() cancels the previous one (it jumps to its end) and gives the next its signal,
// which the widget's lifetime also ends.
function motionSlot(life) {
  let current = null;
  return () => {
    current?.abort();
    current = new AbortController();
    return AbortSignal.any([life, current.signal]);
  };
}

const texPow = (v) => `10^{${Math.round(Math.log10(v))}}`;

// Where each series leaves a fixed domain: the first x beyond each edge, as a marker (▲ above, ▼ below, in the
// series' colour, at the edge) and a sentence. series: [{name, x, y, color}].
function offChart(series, [lo, hi]) {
  const marks = [], words = [];
  for (const s of series) {
    const above = s.y.findIndex((v) => v !== null && v > hi);
    const below = s.y.findIndex((v) => v !== null && v < lo);
    if (above >= 0) { marks.push({ x: s.x[above], y: hi, text: "▲", color: s.color, dy: 7 }); words.push(`${s.name} passes $${texPow(hi)}$ at ${s.at} ${s.x[above]}`); }
    if (below >= 0) { marks.push({ x: s.x[below], y: lo, text: "▼", color: s.color, dy: -7 }); words.push(`${s.name} drops below $${texPow(lo)}$ at ${s.at} ${s.x[below]}`); }
  }
  return { marks, words: words.length ? `Off the chart (marked at its edge): ${words.join("; ")}.` : "" };
}

// The Plot marks for off-chart and overflow markers: text glyphs at the chart's edge.
const edgeMarks = (points) => (Plot) => points.map((p) => Plot.text([p], { x: "x", y: "y", text: "text", fill: p.color,
  fontSize: 13, dy: p.dy, fontWeight: 700 }));

// A chart as wide as its card allows (560 px at most, 280 at least: narrower would crowd the ticks).
const fit = (out) => Math.max(280, Math.min(560, (out.clientWidth || 584) - 24));

// Whole-number ticks from lo to hi, at most about `most` of them, spaced 1, 2, 5, 10, 20, 25, 50 …
function integerTicks(lo, hi, most = 10) {
  const step = [1, 2, 5, 10, 20, 25, 50, 100].find((s) => (hi - lo) / s <= most) ?? 100;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
  return ticks;
}

// A control with its label; a slider keeps its value beside it at every width (the shared .ctl classes).
function control(id, text, input, output = null) {
  return el("span", { class: "ctl" }, el("label", { for: id }, label(text)),
    output ? el("span", { class: "ctl-slider" }, input, output) : input);
}

export async function mount(root, ctx) {
  linkTerms();
  bounds ??= await ctx.api("/api/vanishing/bounds");
  const life = new AbortController();
  const [rhoLo, rhoHi] = bounds.rho, [TLo, THi] = bounds.T;
  const taus = ladder(bounds.max_norm);
  const presets = bounds.presets;
  // A preset named in the address fills in whatever the address leaves out (a link "#step=5&preset=explodes").
  const start = presets.find((p) => p.key === ctx.get("preset", "")) ?? presets[0];

  const rho = el("input", { type: "range", id: "van-rho", min: String(rhoLo), max: String(rhoHi), step: "0.01",
    value: String(clampNumber(ctx.get("rho", start.rho), rhoLo, rhoHi, start.rho)) });
  const T = el("input", { type: "range", id: "van-T", min: String(TLo), max: String(THi), step: "1",
    value: String(Math.round(clampNumber(ctx.get("T", start.T), TLo, THi, start.T))) });
  const nl = el("select", { id: "van-nl" }, ...bounds.nonlinearity.map((n) => el("option", { value: n }, n === "relu" ? "ReLU" : n)));
  const nlWanted = ctx.get("nl", start.nonlinearity);
  nl.value = bounds.nonlinearity.includes(nlWanted) ? nlWanted : start.nonlinearity;
  const tauIndex = nearest(taus, clampNumber(ctx.get("max", start.max_norm), taus[0], taus.at(-1), start.max_norm));
  const maxNorm = el("input", { type: "range", id: "van-max", min: "0", max: String(taus.length - 1), step: "1",
    value: String(tauIndex) });
  const tau = () => taus[Number(maxNorm.value)];
  markTerm(rho, "rho");
  markTerm(maxNorm, "tau");

  const readout = (id, tex) => { const value = el("span", { class: "num" }); return [el("output", { id, for: id.replace("-label", "") }, math(tex), " ", value), value]; };
  const [rhoLabel, rhoValue] = readout("van-rho-label", "\\rho =");
  const [TLabel, TValue] = readout("van-T-label", "T =");
  const [maxLabel, maxValue] = readout("van-max-label", "\\tau =");
  const buttons = presets.map((p) => el("button", { type: "button", class: "van-preset", "data-preset": p.key,
    "aria-pressed": "false", onclick: () => choose(p) }, p.label));
  const decayOut = el("div", { id: "van-decay" });
  const clipOut = el("div", { id: "van-clipping" });
  root.classList.add("vanishing");
  root.append(
    el("div", { class: "van-presets", role: "group", "aria-labelledby": "van-presets-label" },
      el("span", { id: "van-presets-label", class: "muted" }, "Presets:"), ...buttons),
    el("div", { class: "row" }, control("van-rho", "spectral radius $\\rho$ of $W_{hh}$", rho, rhoLabel),
      control("van-T", "sequence length $T$", T, TLabel)),
    el("div", { class: "row" }, control("van-nl", "network trained below", nl),
      control("van-max", "clipping threshold $\\tau$", maxNorm, maxLabel)),
    decayOut, clipOut);

  const current = () => ({ rho: Number(rho.value), T: Number(T.value), nonlinearity: nl.value, max_norm: tau() });
  const matching = () => {
    const now = current();
    return presets.find((p) => p.rho === now.rho && p.T === now.T && p.nonlinearity === now.nonlinearity && p.max_norm === now.max_norm);
  };
  function labels() {
    rhoValue.textContent = Number(rho.value).toFixed(2);
    TValue.textContent = T.value;
    maxValue.textContent = String(tau());
    maxNorm.setAttribute("aria-valuetext", `τ = ${tau()}`);
    const match = matching();
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.preset === match?.key));
    return match;
  }

  const decayView = decayPanel(decayOut, life.signal);
  const clipView = clippingPanel(clipOut, life.signal);
  const askDecay = latest(ctx, life.signal), askClip = latest(ctx, life.signal);
  function updateDecay() {
    const params = { rho: rho.value, T: T.value, seed: ctx.seed };
    return askDecay((signal) => ctx.api("/api/vanishing/decay", params, signal), decayView.show, decayView.fail);
  }
  function updateClipping() {
    const params = { rho: rho.value, T: T.value, nonlinearity: nl.value, max_norm: tau(), seed: ctx.seed };
    return askClip((signal) => ctx.api("/api/vanishing/clipping", params, signal), clipView.show, clipView.fail);
  }
  function save() {
    const match = labels();
    ctx.set({ preset: match?.key ?? "custom", rho: rho.value, T: T.value, nl: nl.value, max: String(tau()) });
  }
  async function updateAll() { save(); await Promise.all([updateDecay(), updateClipping()]); }
  function choose(p) {
    later.all.cancel();
    later.clipping.cancel();
    rho.value = String(p.rho);
    T.value = String(p.T);
    nl.value = p.nonlinearity;
    maxNorm.value = String(nearest(taus, p.max_norm));
    return updateAll();
  }

  // the labels and the address follow a slider at once; the server is asked once it rests
  const later = { all: debounce(updateAll, 120, life.signal), clipping: debounce(updateClipping, 120, life.signal) };
  for (const input of [rho, T]) input.addEventListener("input", () => { save(); later.all(); });
  nl.addEventListener("change", () => { save(); updateClipping(); });
  maxNorm.addEventListener("input", () => { save(); later.clipping(); });

  await updateAll();
  return {
    async play(signal) {
      for (const value of SWEEP) {
        if (signal.aborted) throw signal.reason;
        rho.value = String(value);
        await updateAll();
        await sleep(SWEEP_MS, signal);
      }
    },
    unmount() { life.abort(); },
  };
}

function valueSpan(key, value, cls = "num") {
  return el("span", { class: cls, "data-key": key, "data-value": String(value) }, String(value));
}

// A number inside a sentence: exact in data-value, shown with a raised exponent.
function inlineNumber(key, value, digits = 3) {
  const span = numberNode(value ?? NaN, digits);
  span.dataset.key = key;
  span.dataset.value = String(value);
  return span;
}

const VERDICT_CLASS = { vanished: "bad", exploded: "bad", overflowed: "bad", survives: "good" };

function verdictSpan(span, word) {
  span.className = VERDICT_CLASS[word];
  span.textContent = word;
}

// The decay card: the chart, the settings it shows, the numbers under it, and why tanh lies lower. Built once;
// each answer morphs into it.
function decayPanel(out, life) {
  let last = null;
  const restart = motionSlot(life);
  const chartBox = el("div", { class: "van-chart" });
  const settings = el("p", { class: "van-settings muted", id: "van-decay-settings" });
  const relu = bigNumber("van-relu-first", null), reluVerdict = el("span", {});
  const tanh = bigNumber("van-tanh-first", null), tanhVerdict = el("span", {});
  const rhoFirst = bigNumber("van-rho-first", null), ref = bigNumber("van-ref", null);
  const reluLabel = el("div", { class: "muted" }), tanhLabel = el("div", { class: "muted" });
  const rhoLabel = el("div", { class: "muted" }), refLabel = el("div", { class: "muted" });
  const note = el("p", { class: "muted van-off" });
  const why = el("p", { class: "van-why", id: "van-why" });
  const reluNote = el("p", { class: "muted van-note" });
  const card = el("div", { class: "card" },
    prose("h4", {}, "How much of the gradient at step $T$ reaches step $k$"), settings, chartBox, note,
    el("div", { class: "cards van-stats" },
      el("div", { "data-term": "grad" }, reluLabel, relu, " ", reluVerdict),
      el("div", { "data-term": "rho" }, rhoLabel, rhoFirst),
      el("div", { "data-term": "fprime" }, tanhLabel, tanh, " ", tanhVerdict),
      el("div", { "data-term": "rho_ref" }, refLabel, ref)),
    why, reluNote);
  const draw = (r, from, t, marks) => lineChart({
    title: "The gradient factor against the distance $T-k$",
    series: [
      { label: "ReLU, every unit active", x: r.distance, y: between(from?.relu, r.relu, t).map((v) => v ?? NaN), role: "grad", term: "grad" },
      { label: "$\\rho^{T-k}$", x: r.distance, y: between(from?.rho_power, r.rho_power, t).map((v) => v ?? NaN), role: "w", dash: "6 4", term: "rho" },
      { label: "$\\tanh$", x: r.distance, y: between(from?.tanh, r.tanh, t).map((v) => v ?? NaN), role: "h", term: "fprime" },
    ],
    x: { domain: [0, r.T - 1], label: "steps back $T-k$", ticks: integerTicks(0, r.T - 1, 10) },
    y: { type: "log", domain: DECAY_Y, label: "$\\|\\partial h_T/\\partial h_k\\|$" },
    width: fit(out), height: 320, marks: edgeMarks(marks),
  });
  return {
    async show(r) {
      const signal = restart();
      settings.replaceChildren(`${r.hidden_size} units, `, math("\\rho ="), " ", valueSpan("van-decay-rho", r.rho), ", ",
        math("T ="), " ", valueSpan("van-decay-T", r.T), `, seed ${r.seed}; one input sequence, inputs `,
        math(`${r.input_scale}\\,\\mathcal{N}(0, 1)`));
      const f = r.first, n = f.distance;
      renderInline(reluLabel, `ReLU, $\\|\\partial h_T/\\partial h_1\\|$ ($T-k = ${n}$)`);
      renderInline(rhoLabel, `the spectral prediction $\\rho^{${n}}$`);
      renderInline(tanhLabel, `$\\tanh$, $\\|\\partial h_T/\\partial h_1\\|$`);
      renderInline(refLabel, `reference $${r.reference.rho}^{${r.reference.n}}$`);
      verdictSpan(reluVerdict, f.relu_verdict);
      verdictSpan(tanhVerdict, f.tanh_verdict);
      const off = offChart([
        { name: "ReLU", x: r.distance, y: r.relu, color: role("grad"), at: "$T-k =$" },
        { name: "$\\tanh$", x: r.distance, y: r.tanh, color: role("h"), at: "$T-k =$" }], DECAY_Y);
      renderInline(note, off.words);
      why.replaceChildren(...whyTanh(r));
      reluNote.replaceChildren(...prose("span", {}, "The ReLU network has $W_{hh} = \\rho I$ and an input bias of ",
        String(r.relu_bias), ", so its units stay active (", inlineNumber("van-relu-active", r.relu_active * 100, 1),
        "% of unit-steps): every factor is $W_{hh}$ itself and its curve is exactly $\\rho^{T-k}$. The $\\tanh$ network has "
        + "$W_{hh} = \\rho$ × an orthogonal matrix, whose powers also have size $\\rho^{T-k}$. Both products come from ",
        el("code", {}, "elman.analysis.gradient_flow"), ".").childNodes);
      const from = last;
      last = r;
      const moves = [glide(relu, f.relu, signal), glide(rhoFirst, f.rho_power, signal), glide(tanh, f.tanh, signal),
        glide(ref, r.reference.value, signal)];
      if (from && from.T === r.T) moves.push(morph(chartBox, (t) => draw(r, from, t, t === 1 ? off.marks : []), signal));
      else chartBox.replaceChildren(await draw(r, null, 1, off.marks));
      if (out.firstChild !== card) out.replaceChildren(card);
      await Promise.all(moves);
    },
    fail(error) { last = null; out.replaceChildren(errorBox(error)); },
  };
}

// Why the tanh curve lies below ρ^(T−k), in numbers: the gap, the gap per step, the mean tanh' that explains it.
function whyTanh(r) {
  const g = r.tanh_gap, n = g.steps;
  if (!n) return [];
  const closer = g.per_step === null ? "" : g.per_step >= g.mean_slope
    ? " The product keeps a little more than the mean per step, because its largest direction runs through the least saturated units."
    : " The product keeps a little less than the mean per step, because its largest direction runs through the more saturated units.";
  return prose("span", {}, el("strong", {}, "Why tanh lies lower. "), `After $${n}$ steps the $\\tanh$ product is `,
    inlineNumber("van-tanh-factor", g.factor), ` times $\\rho^{${n}}$`,
    ...(g.per_step === null ? [". "] : [", a factor ", inlineNumber("van-tanh-per-step", g.per_step), " per step. "]),
    "Each step multiplies by $\\mathrm{diag}(\\tanh'(z_t))$ as well as $W_{hh}$, and $\\tanh' = 1 - h_t^2$: over this run the units sit at $|h|$ ≈ ",
    inlineNumber("van-tanh-abs-h", g.mean_abs_h, 2), " on average and $\\tanh'$ averages ", inlineNumber("van-tanh-slope", g.mean_slope),
    `, and $${formatNumber(g.mean_slope, 3)}^{${n}}$ = `, inlineNumber("van-tanh-slope-power", g.slope_power), `.${closer}`
    + (r.rho > 1 ? " Saturated units ($|h|$ near 1) have $\\tanh'$ near 0: that is how saturation holds the $\\tanh$ product down while $\\rho^{T-k}$ explodes."
      : " Saturated units ($|h|$ near 1) have $\\tanh'$ near 0 and pull the product down further still.")).childNodes;
}

// The clipping card: the loss of both runs, the clipped run's norms, and what the numbers say.
function clippingPanel(out, life) {
  let last = null;
  const restart = motionSlot(life);
  const heading = el("h4", {});
  const caption = el("p", { class: "muted van-caption" });
  const lossBox = el("div", { class: "van-chart", id: "van-loss" });
  const normBox = el("div", { class: "van-chart", id: "van-norms" });
  const note = el("p", { class: "muted van-off" });
  const events = valueSpan("van-clip-events", 0, "num big");
  const of = el("span", {});
  const endWith = bigNumber("van-end-with", null), endWithout = bigNumber("van-end-without", null);
  const endWithoutWord = el("span", { class: "bad" });
  const firstMax = bigNumber("van-first-max", null);
  const verdict = el("p", { class: "van-verdict", id: "van-clip-verdict" });
  const table = el("table", { class: "data" });
  const endLabel = el("div", { class: "muted" });
  const card = el("div", { class: "card" }, heading, caption, lossBox, normBox, note,
    el("div", { class: "cards van-stats" },
      el("div", { "data-term": "tau" }, prose("div", { class: "muted" }, "clip events (",
        el("span", { class: "van-dot", "aria-hidden": "true" }, "●"), " on $\\|g\\|$)"), events, of),
      el("div", {}, endLabel, el("div", { class: "van-ends" }, el("span", { class: "muted" }, "with "), endWith),
        el("div", { class: "van-ends" }, el("span", { class: "muted" }, "without "), endWithout, endWithoutWord)),
      el("div", { "data-term": "grad" }, prose("div", { class: "muted" }, "largest $\\|\\partial L/\\partial h_1\\|$ after clipping"), firstMax)),
    verdict,
    el("details", {}, el("summary", {}, "every step"), el("div", { class: "scroll-x" }, table)),
    prose("p", { class: "muted" }, "The norm $\\|g\\|$ is taken over every gradient together, before and after ",
      el("code", {}, "elman.optim.clip_grad_norm_"), ". $\\|\\partial L/\\partial h_1\\|$ is the gradient that reaches the first "
      + "step, the only route by which the first input can be learned; clipping multiplies it by $\\tau/\\|g\\|$ like every other gradient."));
  const drawLoss = (r, from, t, marks) => lineChart({
    title: "Training loss, both runs",
    series: [
      { label: "without clipping", x: r.steps, y: between(from?.without.loss, r.without.loss, t).map((v) => v ?? NaN), color: cssVar("--ink"), dash: "5 3" },
      { label: `with clipping, $\\tau = ${r.max_norm}$`, x: r.steps, y: between(from?.with.loss, r.with.loss, t).map((v) => v ?? NaN), role: "y" },
      { label: "answering 0", x: r.steps, y: r.steps.map(() => r.with.baseline), color: cssVar("--muted"), dash: "2 3" },
    ],
    x: { domain: [r.steps[0], r.steps.at(-1)], label: "training step", ticks: integerTicks(r.steps[0], r.steps.at(-1), 10) },
    y: { type: "log", domain: between(from && lossDomain(from), lossDomain(r), t), label: "loss (MSE)" },
    width: fit(out), height: 260, marks: edgeMarks(marks),
  });
  const drawNorms = (r, from, t, marks) => lineChart({
    title: "The clipped run's gradients",
    series: [
      { label: "$\\|g\\|$ before clipping", x: r.steps, y: between(from?.with.before, r.with.before, t).map((v) => v ?? NaN), role: "grad", term: "grad_norm" },
      { label: "$\\|g\\|$ after", x: r.steps, y: between(from?.with.after, r.with.after, t).map((v) => v ?? NaN), color: cssVar("--ink"), dash: "5 3", term: "grad_norm" },
      { label: `$\\tau = ${r.max_norm}$`, x: r.steps, y: r.steps.map(() => r.max_norm), color: cssVar("--muted"), dash: "2 3", term: "tau" },
      { label: "$\\|\\partial L/\\partial h_1\\|$ after clipping", x: r.steps, y: between(from?.with.first_after, r.with.first_after, t).map((v) => v ?? NaN), role: "x", term: "grad" },
    ],
    x: { domain: [r.steps[0], r.steps.at(-1)], label: "training step", ticks: integerTicks(r.steps[0], r.steps.at(-1), 10) },
    y: { type: "log", domain: between(from && normDomain(from), normDomain(r), t), label: "gradient norm" },
    width: fit(out), height: 260,
    // a dot on ‖g‖ wherever clipping fired (t = 1 only: the dots mark the exact answer)
    marks: (Plot) => [...edgeMarks(marks)(Plot), Plot.dot(t === 1 ? clipDots(r, normDomain(r)) : [], { x: "x", y: "y", r: 3.5, fill: role("grad") })],
  });
  return {
    async show(r) {
      const signal = restart();
      const net = r.nonlinearity === "relu" ? "ReLU" : "$\\tanh$";
      renderInline(heading, `Training the ${net} network without and with clipping`);
      caption.replaceChildren(...prose("span", {}, `Task: output the first input of each sequence at its last step. ${r.steps.length} SGD steps `
        + `(learning rate ${r.lr}), each on a fresh batch of ${r.batch} sequences of ${r.length} steps`
        + (r.length < r.T ? ` (the first ${r.length} of the ${r.T})` : "")
        + "; both runs start from the same weights and see the same batches. Clipping: ", math("\\tau ="), " ",
        valueSpan("van-clip-tau", r.max_norm), ".").childNodes);
      const w = r.with, wo = r.without;
      const lossY = lossDomain(r), normY = normDomain(r);
      const lossOff = offChart([
        { name: "the loss without clipping", x: r.steps, y: wo.loss, color: cssVar("--ink"), at: "step" },
        { name: "the loss with clipping", x: r.steps, y: w.loss, color: role("y"), at: "step" }], lossY);
      const normOff = offChart([
        { name: "$\\|g\\|$", x: r.steps, y: w.before, color: role("grad"), at: "step" },
        { name: "$\\|\\partial L/\\partial h_1\\|$", x: r.steps, y: w.first_after, color: role("x"), at: "step" }], normY);
      // an overflowing run: its last finite losses as dots (a line needs two points), ✕ at the top where it overflowed
      const overflowMark = wo.overflow_step === null ? [] : [{ x: wo.overflow_step, y: lossY[1], text: "✕", color: cssVar("--bad"), dy: 8 },
        ...r.steps.map((s, i) => ({ x: s, y: wo.loss[i], text: "●", color: cssVar("--ink"), dy: 0 }))
          .filter((p) => p.y !== null && p.y >= lossY[0] && p.y <= lossY[1])];
      renderInline(note, [lossOff.words, normOff.words,
        wo.overflow_step === null ? "" : `Without clipping the numbers overflow (beyond floating point) from step ${wo.overflow_step} on (✕).`]
        .filter(Boolean).join(" "));
      of.textContent = ` of ${r.steps.length} steps`;
      events.dataset.value = String(r.clip_events);
      events.textContent = String(r.clip_events);
      endLabel.textContent = `loss at the end (geometric mean of the last ${r.tail} steps)`;
      endWithoutWord.textContent = wo.end === null ? "overflowed" : "";
      endWithout.hidden = wo.end === null;
      const finite = (v) => v.filter((x) => x !== null);
      const firstPeak = finite(w.first_after).length ? Math.max(...finite(w.first_after)) : null;
      const gTypical = finite(w.after).length ? finite(w.after).sort((a, b) => a - b)[Math.floor(finite(w.after).length / 2)] : null;
      verdict.replaceChildren(...clipVerdict(r, firstPeak, gTypical));
      table.replaceChildren(
        el("tr", {}, el("th", { scope: "col" }, "step"), el("th", { scope: "col" }, "loss without"), el("th", { scope: "col" }, "loss with"),
          el("th", { scope: "col" }, label("$\\|g\\|$ before")), el("th", { scope: "col" }, label("$\\|g\\|$ after")),
          el("th", { scope: "col" }, "clipped"), el("th", { scope: "col" }, label("$\\|\\partial L/\\partial h_1\\|$ after"))),
        ...r.steps.map((s, i) => el("tr", {}, el("td", {}, String(s)),
          el("td", {}, bigNumber(`van-loss-without-${i}`, wo.loss[i], "num")), el("td", {}, bigNumber(`van-loss-with-${i}`, w.loss[i], "num")),
          el("td", {}, bigNumber(`van-before-${i}`, w.before[i], "num")), el("td", {}, bigNumber(`van-after-${i}`, w.after[i], "num")),
          el("td", { class: w.clipped[i] ? "bad" : "muted" }, w.clipped[i] ? "clipped" : "–"),
          el("td", {}, bigNumber(`van-first-${i}`, w.first_after[i], "num")))));
      const from = last;
      last = r;
      const moves = [glide(endWith, w.end, signal), glide(endWithout, wo.end, signal), glide(firstMax, firstPeak, signal)];
      const lossMarks = [...lossOff.marks, ...overflowMark];
      if (from && from.steps.length === r.steps.length) {
        moves.push(morph(lossBox, (t) => drawLoss(r, from, t, t === 1 ? lossMarks : []), signal),
          morph(normBox, (t) => drawNorms(r, from, t, t === 1 ? normOff.marks : []), signal));
      } else {
        lossBox.replaceChildren(await drawLoss(r, null, 1, lossMarks));
        normBox.replaceChildren(await drawNorms(r, null, 1, normOff.marks));
      }
      if (out.firstChild !== card) out.replaceChildren(card);
      await Promise.all(moves);
    },
    fail(error) { last = null; out.replaceChildren(errorBox(error)); },
  };
}

// The clipped run's steps where clipping fired, as points on its ‖g‖ before clipping.
const clipDots = (r, [lo, hi]) => r.steps.map((x, i) => ({ x, y: r.with.before[i], on: r.with.clipped[i] }))
  .filter((p) => p.on && p.y !== null && p.y >= lo && p.y <= hi);

// What the two runs show, in a sentence or two built from their numbers.
function clipVerdict(r, firstPeak, gTypical) {
  const w = r.with, wo = r.without, parts = [];
  const n = (key, v) => inlineNumber(key, v);
  if (wo.end === null && w.end !== null) {
    parts.push(`Clipping rescued the run: without it the first updates are so large that the weights overflow by step ${wo.overflow_step}; `
      + `with it no update is longer than learning rate × $\\tau$ = ${formatNumber(r.lr * r.max_norm, 2)}, and the loss comes down to `, n("van-verdict-end", w.end),
      " at the end. ");
  } else if (wo.end === null) {
    parts.push("Both runs overflowed: this threshold does not hold the updates down enough. ");
  } else if (w.end <= wo.end * 1.03) {
    parts.push(`Clipping fired on ${r.clip_events} of ${r.steps.length} steps and changed almost nothing: the loss ends at `, n("van-verdict-end", w.end),
      " with it and ", n("van-verdict-end-without", wo.end), " without. ");
  } else {
    parts.push(`Clipping fired on ${r.clip_events} of ${r.steps.length} steps and slowed training: the loss ends at `, n("van-verdict-end", w.end),
      " with it against ", n("van-verdict-end-without", wo.end), " without. ");
  }
  if (firstPeak !== null && gTypical !== null && firstPeak < 1e-6 * gTypical) {
    parts.push("The gradient reaching the first step never exceeds ", n("van-verdict-first", firstPeak), ", against a typical $\\|g\\|$ of ",
      n("van-verdict-g", gTypical), ": clipping only ever shrinks a gradient, so nothing brings this one back, and the loss stays near ",
      n("van-verdict-baseline", w.baseline), ", what always answering 0 scores. The first input is never learned.");
  }
  return prose("span", {}, ...parts).childNodes;
}
