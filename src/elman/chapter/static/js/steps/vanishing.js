// Step 5: the measured ‖∂h_T/∂h_k‖ against ρ^(T−k) on a fixed log axis, and gradient clipping on a short
// training run. The sliders' ends come from the server (/api/vanishing/bounds), so the page offers exactly
// what the endpoints accept. Both charts keep fixed domains, so moving ρ, T or τ can be compared by eye; a
// change glides from the old curves to the new ones (in log space), instantly under reduced motion.

import { sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { lineChart } from "../charts.js";
import { cssVar } from "../palette.js";
import { tween } from "../motion.js";
import { prose } from "../prose.js";
import { linkTerms, markTerm } from "../terms.js";
import { label, math, numberNode, renderInline } from "../tex.js";

const SWEEP = [0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2];
const SWEEP_MS = 700;
// Fixed log domains (10ⁿ ticks every 5 and every 2 decades): every setting is drawn against the same scale.
const DECAY_Y = [1e-30, 1e10];
const CLIP_Y = [1e-2, 1e12];

let bounds = null;          // the server's bounds, fetched once per page

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

// Move a shown number to a new value: data-value at once, the text glides (geometrically when it can).
function glide(span, to, signal) {
  const from = Number(span.dataset.value);
  span.dataset.value = String(to);
  const show = (v) => span.replaceChildren(...numberNode(v ?? NaN, 3).childNodes);
  if (to === null || !Number.isFinite(from) || from === to) { show(to); return Promise.resolve(); }
  const geometric = from > 0 && to > 0;
  return tween((t) => show(t === 1 ? to : geometric ? from * (to / from) ** t : from + (to - from) * t), { signal });
}

// Curves between two answers: y interpolated in log space (the axis is logarithmic), gaps kept.
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

// "values below 10⁻³⁰ leave the chart": said in words where a curve runs off the fixed domain.
function offChart(values, [lo, hi]) {
  const finite = values.filter((v) => v !== null);
  const parts = [];
  if (finite.some((v) => v < lo)) parts.push(`below $${texPow(lo)}$`);
  if (finite.some((v) => v > hi)) parts.push(`above $${texPow(hi)}$`);
  return parts.length ? `Values ${parts.join(" and ")} run off the chart.` : "";
}

const texPow = (v) => `10^{${Math.round(Math.log10(v))}}`;
// Whole-number ticks from lo to hi, at most about `most` of them, spaced 1, 2, 5, 10, 20, 25, 50 …
function integerTicks(lo, hi, most = 10) {
  const step = [1, 2, 5, 10, 20, 25, 50, 100].find((s) => (hi - lo) / s <= most) ?? 100;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
  return ticks;
}

export async function mount(root, ctx) {
  linkTerms();
  bounds ??= await ctx.api("/api/vanishing/bounds");
  const life = new AbortController();
  const [rhoLo, rhoHi] = bounds.rho, [TLo, THi] = bounds.T;
  const taus = ladder(bounds.max_norm);

  const rho = el("input", { type: "range", id: "van-rho", min: String(rhoLo), max: String(rhoHi), step: "0.01",
    value: String(clampNumber(ctx.get("rho", "0.9"), rhoLo, rhoHi, 0.9)) });
  const T = el("input", { type: "range", id: "van-T", min: String(TLo), max: String(THi), step: "1",
    value: String(Math.round(clampNumber(ctx.get("T", "100"), TLo, THi, 100))) });
  const nl = el("select", { id: "van-nl" }, ...bounds.nonlinearity.map((n) => el("option", { value: n }, n === "relu" ? "ReLU" : n)));
  nl.value = bounds.nonlinearity.includes(ctx.get("nl", "tanh")) ? ctx.get("nl", "tanh") : bounds.nonlinearity[0];
  const clip = el("input", { type: "checkbox", id: "van-clip" });
  clip.checked = ctx.get("clip", "false") === "true";
  const tauIndex = nearest(taus, clampNumber(ctx.get("max", "5"), taus[0], taus.at(-1), 5));
  const maxNorm = el("input", { type: "range", id: "van-max", min: "0", max: String(taus.length - 1), step: "1",
    value: String(tauIndex) });
  const tau = () => taus[Number(maxNorm.value)];
  markTerm(rho, "rho");
  markTerm(maxNorm, "tau");

  const readout = (id, tex) => { const value = el("span", { class: "num" }); return [el("output", { id, for: id.replace("-label", "") }, math(tex), " ", value), value]; };
  const [rhoLabel, rhoValue] = readout("van-rho-label", "\\rho =");
  const [TLabel, TValue] = readout("van-T-label", "T =");
  const [maxLabel, maxValue] = readout("van-max-label", "\\tau =");
  const decayOut = el("div", { id: "van-decay" });
  const clipOut = el("div", { id: "van-clipping" });
  root.classList.add("vanishing");
  root.append(
    el("div", { class: "row" }, el("label", { for: "van-rho" }, label("spectral radius $\\rho$ of $W_{hh}$")), rho, rhoLabel),
    el("div", { class: "row" }, el("label", { for: "van-T" }, label("sequence length $T$")), T, TLabel),
    el("div", { class: "row" }, el("label", { for: "van-nl" }, "nonlinearity"), nl),
    el("div", { class: "row" }, el("label", { for: "van-clip" }, "gradient clipping"), clip,
      el("label", { for: "van-max" }, label("threshold $\\tau$")), maxNorm, maxLabel),
    decayOut, clipOut);

  const params = () => ({ rho: rho.value, T: T.value, nonlinearity: nl.value, seed: ctx.seed });
  function labels() {
    rhoValue.textContent = Number(rho.value).toFixed(2);
    TValue.textContent = T.value;
    maxValue.textContent = String(tau());
    maxNorm.setAttribute("aria-valuetext", `τ = ${tau()}`);
    maxNorm.disabled = !clip.checked;
  }

  const decayView = decayPanel(decayOut, life.signal);
  const clipView = clippingPanel(clipOut, life.signal);
  let pendingDecay = 0, pendingClip = 0;
  async function updateDecay() {
    const ticket = ++pendingDecay;
    try {
      const r = await ctx.api("/api/vanishing/decay", params());
      if (ticket === pendingDecay && ctx.alive()) await decayView.show(r);
    } catch (error) {
      if (ticket === pendingDecay && ctx.alive()) decayView.fail(error);
    }
  }
  async function updateClipping() {
    const ticket = ++pendingClip;
    try {
      const r = await ctx.api("/api/vanishing/clipping", { ...params(), clip: String(clip.checked), max_norm: tau() });
      if (ticket === pendingClip && ctx.alive()) await clipView.show(r);
    } catch (error) {
      if (ticket === pendingClip && ctx.alive()) clipView.fail(error);
    }
  }
  function save() {
    labels();
    ctx.set({ rho: rho.value, T: T.value, nl: nl.value, clip: String(clip.checked), max: String(tau()) });
  }
  async function updateAll() { save(); await Promise.all([updateDecay(), updateClipping()]); }

  let timer = null;
  const later = (fn) => () => { save(); clearTimeout(timer); timer = setTimeout(fn, 120); };
  for (const input of [rho, T]) input.addEventListener("input", later(updateAll));
  nl.addEventListener("change", () => { updateAll(); });
  clip.addEventListener("change", () => { save(); updateClipping(); });
  maxNorm.addEventListener("input", later(() => updateClipping()));

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
    unmount() { clearTimeout(timer); life.abort(); },
  };
}

// The decay card: the chart, the settings it shows, three numbers. Built once; each answer morphs into it.
function decayPanel(out, life) {
  let last = null;
  const restart = motionSlot(life);
  const chartBox = el("div", { class: "van-chart" });
  const settings = el("p", { class: "van-settings muted", id: "van-decay-settings" });
  const measured = bigNumber("van-measured-first", null), verdict = el("span", {});
  const rhoFirst = bigNumber("van-rho-first", null), ref = bigNumber("van-ref", null);
  const measuredLabel = el("div", { class: "muted" }), rhoLabel = el("div", { class: "muted" }), refLabel = el("div", { class: "muted" });
  const note = el("p", { class: "muted van-off" });
  const card = el("div", { class: "card" },
    prose("h4", {}, "How much of the gradient at step $T$ reaches step $k$"), settings, chartBox, note,
    el("div", { class: "cards van-stats" },
      el("div", { "data-term": "grad" }, measuredLabel, measured, " ", verdict),
      el("div", { "data-term": "rho" }, rhoLabel, rhoFirst),
      el("div", { "data-term": "rho_ref" }, refLabel, ref)),
    prose("p", { class: "muted" }, "Measured: the exact product of the step Jacobians $\\mathrm{diag}(f'(z_t))\\,W_{hh}$ from ",
      el("code", {}, "elman.analysis.gradient_flow"), " on one seeded input sequence. With $\\tanh$, $|f'| \\le 1$ pulls "
      + "the measured curve under $\\rho^{T-k}$; saturation can make it vanish even when $\\rho > 1$."));
  const draw = (r, from, t) => lineChart({
    title: "The gradient factor against the distance $T-k$",
    series: [
      { label: "measured $\\|\\partial h_T/\\partial h_k\\|$", x: r.distance, y: between(from?.measured, r.measured, t).map((v) => v ?? NaN), role: "grad", term: "grad" },
      { label: "$\\rho^{T-k}$", x: r.distance, y: between(from?.rho_power, r.rho_power, t).map((v) => v ?? NaN), role: "w", dash: "6 4", term: "rho" },
    ],
    x: { domain: [0, r.T - 1], label: "steps back $T-k$", ticks: integerTicks(0, r.T - 1, 10) },
    y: { type: "log", domain: DECAY_Y, label: "gradient factor" },
    width: 560, height: 300,
  });
  return {
    async show(r) {
      const signal = restart();
      const nlName = el("span", { "data-key": "van-decay-nl", "data-value": r.nonlinearity }, r.nonlinearity === "relu" ? "ReLU" : math("\\tanh"));
      settings.replaceChildren(nlName, ` RNN, ${r.hidden_size} units, `,
        math("\\rho ="), " ", valueSpan("van-decay-rho", r.rho), ", ", math("T ="), " ", valueSpan("van-decay-T", r.T));
      const first = r.first;
      renderInline(measuredLabel, `measured back to the first step, $\\|\\partial h_T/\\partial h_1\\|$ ($T-k = ${first.distance}$)`);
      renderInline(rhoLabel, `the bound $\\rho^{${first.distance}}$`);
      renderInline(refLabel, `reference $${r.reference.rho}^{${r.reference.n}}$`);
      const [cls, word] = first.measured === null ? ["bad", "overflowed"] : first.measured < 1e-3 ? ["bad", "vanished"]
        : first.measured > 1e3 ? ["bad", "exploded"] : ["good", "survives"];
      verdict.className = cls;
      verdict.textContent = word;
      renderInline(note, offChart([...r.measured, ...r.rho_power], DECAY_Y));
      const from = last;
      last = r;
      const moves = [glide(measured, first.measured, signal), glide(rhoFirst, first.rho_power, signal), glide(ref, r.reference.value, signal)];
      if (from && from.T === r.T) moves.push(morph(chartBox, (t) => draw(r, from, t), signal));
      else chartBox.replaceChildren(await draw(r, null, 1));
      if (out.firstChild !== card) out.replaceChildren(card);
      await Promise.all(moves);
    },
    fail(error) { last = null; out.replaceChildren(errorBox(error)); },
  };
}

function valueSpan(key, value, cls = "num") {
  return el("span", { class: cls, "data-key": key, "data-value": String(value) }, String(value));
}

// The clipping card: the norms before and after clipping at every training step, on a fixed log axis.
function clippingPanel(out, life) {
  let last = null;
  const restart = motionSlot(life);
  const heading = el("h4", {});
  const caption = el("p", { class: "muted" });
  const chartBox = el("div", { class: "van-chart" });
  const note = el("p", { class: "muted van-off" });
  const events = valueSpan("van-clip-events", 0, "num big");
  const of = el("span", {});
  const table = el("table", { class: "data" });
  const card = el("div", { class: "card" }, heading, caption, chartBox, note,
    el("p", {}, "clip events: ", events, of),
    el("details", {}, el("summary", {}, "every step"), el("div", { class: "scroll-x" }, table)),
    prose("p", { class: "muted" }, "The task: output the first input of each sequence at its last step. The norm "
      + "$\\|g\\|$ is taken over every gradient together, before and after ", el("code", {}, "elman.optim.clip_grad_norm_"),
      ". Clipping caps explosions; it cannot bring back a gradient that has already vanished."));
  const draw = (r, from, t) => lineChart({
    title: `$\\|g\\|$ over ${r.steps.length} SGD steps`,
    series: [
      { label: "$\\|g\\|$ before clipping", x: r.steps, y: between(from?.before, r.before, t).map((v) => v ?? NaN), role: "grad", term: "grad_norm" },
      { label: "$\\|g\\|$ after", x: r.steps, y: between(from?.after, r.after, t).map((v) => v ?? NaN), color: cssVar("--ink"), dash: "5 3", term: "grad_norm" },
      ...(r.clip ? [{ label: `threshold $\\tau = ${r.max_norm}$`, x: r.steps, y: r.steps.map(() => r.max_norm), color: cssVar("--muted"), dash: "2 3", term: "tau" }] : []),
    ],
    x: { domain: [r.steps[0], r.steps.at(-1)], label: "training step", ticks: r.steps },
    y: { type: "log", domain: CLIP_Y, label: "global gradient norm $\\|g\\|$" },
    width: 560, height: 280,
  });
  return {
    async show(r) {
      const signal = restart();
      renderInline(heading, r.clip ? "Gradient clipping on: $g \\leftarrow \\tau\\, g/\\|g\\|$ whenever $\\|g\\| > \\tau$"
        : "Gradient clipping off: the norm goes through unchanged");
      caption.replaceChildren(`${r.steps.length} SGD steps, each on ${r.batch} sequences of ${r.length} steps`
        + (r.length < r.T ? ` (the run reads the first ${r.length} of the ${r.T})` : ""),
        ...(r.clip ? [", threshold ", math("\\tau ="), " ", valueSpan("van-clip-tau", r.max_norm)] : []));
      const overflowed = r.steps.filter((_, i) => r.before[i] === null);
      renderInline(note, [offChart([...r.before, ...r.after], CLIP_Y),
        overflowed.length ? `The norm overflowed (beyond floating point) at step${overflowed.length > 1 ? "s" : ""} ${overflowed.join(", ")}.` : ""]
        .filter(Boolean).join(" "));
      of.textContent = ` of ${r.steps.length} steps`;
      table.replaceChildren(
        el("tr", {}, el("th", { scope: "col" }, "step"), el("th", { scope: "col" }, label("$\\|g\\|$ before")),
          el("th", { scope: "col" }, label("$\\|g\\|$ after")), el("th", { scope: "col" }, "clipped")),
        ...r.steps.map((s, i) => el("tr", {}, el("td", {}, String(s)),
          el("td", {}, bigNumber(`van-before-${i}`, r.before[i], "num")), el("td", {}, bigNumber(`van-after-${i}`, r.after[i], "num")),
          el("td", { class: r.clipped[i] ? "bad" : "muted" }, r.clipped[i] ? "clipped" : "–"))));
      events.dataset.value = String(r.clip_events);
      events.textContent = String(r.clip_events);
      const from = last;
      last = r;
      if (from) await morph(chartBox, (t) => draw(r, from, t), signal);
      else chartBox.replaceChildren(await draw(r, null, 1));
      if (out.firstChild !== card) out.replaceChildren(card);
    },
    fail(error) { last = null; out.replaceChildren(errorBox(error)); },
  };
}
