// Step 5: measured ‖∂h_T/∂h_k‖ against ρ^(T−k) on a log scale, and gradient clipping on a short training run.

import { sleep } from "../timing.js";
import { el, errorBox, lineChart, num } from "../draw.js";

const SWEEP = [0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2];
const SWEEP_MS = 700;

function clampNumber(value, lo, hi, fallback) {
  const v = Number(value);
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

export async function mount(root, ctx) {
  const rho = el("input", { type: "range", id: "van-rho", min: "0.5", max: "1.5", step: "0.01",
    value: String(clampNumber(ctx.get("rho", "0.9"), 0.5, 1.5, 0.9)) });
  const T = el("input", { type: "range", id: "van-T", min: "10", max: "200", step: "1",
    value: String(Math.round(clampNumber(ctx.get("T", "100"), 10, 200, 100))) });
  const nl = el("select", { id: "van-nl" }, el("option", { value: "tanh" }, "tanh"), el("option", { value: "relu" }, "ReLU"));
  nl.value = ctx.get("nl", "tanh") === "relu" ? "relu" : "tanh";
  const clip = el("input", { type: "checkbox", id: "van-clip" });
  clip.checked = ctx.get("clip", "false") === "true";
  const maxNorm = el("input", { type: "range", id: "van-max", min: "0.1", max: "20", step: "0.1",
    value: String(clampNumber(ctx.get("max", "5"), 0.1, 20, 5)) });
  const rhoLabel = el("span", { class: "num", id: "van-rho-label" });
  const TLabel = el("span", { class: "num", id: "van-T-label" });
  const maxLabel = el("span", { class: "num", id: "van-max-label" });
  const decayOut = el("div", { id: "van-decay" });
  const clipOut = el("div", { id: "van-clipping" });
  root.append(
    el("div", { class: "row" }, el("label", { for: "van-rho" }, "spectral radius ρ of W_hh"), rho, rhoLabel),
    el("div", { class: "row" }, el("label", { for: "van-T" }, "sequence length T"), T, TLabel),
    el("div", { class: "row" }, el("label", { for: "van-nl" }, "nonlinearity"), nl),
    el("div", { class: "row" }, el("label", { for: "van-clip" }, "gradient clipping"), clip,
      el("label", { for: "van-max" }, "threshold τ"), maxNorm, maxLabel),
    decayOut, clipOut);

  const params = () => ({ rho: rho.value, T: T.value, nonlinearity: nl.value, seed: ctx.seed });
  function labels() {
    rhoLabel.textContent = `ρ = ${Number(rho.value).toFixed(2)}`;
    TLabel.textContent = `T = ${T.value}`;
    maxLabel.textContent = `τ = ${Number(maxNorm.value).toFixed(1)}`;
    maxNorm.disabled = !clip.checked;
  }

  let pendingDecay = 0, pendingClip = 0;
  async function updateDecay() {
    const ticket = ++pendingDecay;
    try {
      const r = await ctx.api("/api/vanishing/decay", params());
      if (ticket === pendingDecay && ctx.alive()) decayOut.replaceChildren(renderDecay(r));
    } catch (error) {
      if (ticket === pendingDecay && ctx.alive()) decayOut.replaceChildren(errorBox(error));
    }
  }
  async function updateClipping() {
    const ticket = ++pendingClip;
    try {
      const r = await ctx.api("/api/vanishing/clipping", { ...params(), clip: String(clip.checked), max_norm: maxNorm.value });
      if (ticket === pendingClip && ctx.alive()) clipOut.replaceChildren(renderClipping(r));
    } catch (error) {
      if (ticket === pendingClip && ctx.alive()) clipOut.replaceChildren(errorBox(error));
    }
  }
  function save() {
    labels();
    ctx.set({ rho: rho.value, T: T.value, nl: nl.value, clip: String(clip.checked), max: maxNorm.value });
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
    unmount() { clearTimeout(timer); },
  };
}


function renderDecay(r) {
  const chart = lineChart({
    series: [
      { label: "measured", x: r.distance, y: r.measured.map((v) => v ?? NaN) },
      { label: "ρ^(T−k)", x: r.distance, y: r.rho_power.map((v) => v ?? NaN), dash: "6 4" },
    ],
    logY: true, xLabel: "distance T − k (steps back)", yLabel: "gradient factor (log)",
    title: `${r.nonlinearity} RNN, ${r.hidden_size} units, ρ = ${r.rho}, T = ${r.T}`,
  });
  const ref = r.reference, first = r.first;
  const verdict = first.measured === null ? ["bad", "overflowed"]
    : first.measured < 1e-3 ? ["bad", "vanished"] : first.measured > 1e3 ? ["bad", "exploded"] : ["good", "survives"];
  return el("div", { class: "card" },
    el("h4", {}, "How much of the gradient at step T reaches step k"), chart,
    el("div", { class: "cards" },
      el("div", {}, el("div", { class: "muted" }, `back to the first step (distance ${first.distance}), measured`),
        num("van-measured-first", first.measured, 3, "num big"), " ", el("span", { class: verdict[0] }, verdict[1])),
      el("div", {}, el("div", { class: "muted" }, `ρ^${first.distance}`), num("van-rho-first", first.rho_power, 3, "num big")),
      el("div", {}, el("div", { class: "muted" }, `reference: ${ref.rho}^${ref.n}`), num("van-ref", ref.value, 3, "num big"))),
    el("p", { class: "muted" }, "Measured: the exact product of step Jacobians diag(f′(z_t)) W_hh from ",
      "elman.analysis.gradient_flow (state_jacobians, suffix_product_norms) on one seeded input sequence. With tanh, f′ ≤ 1 pulls the measured curve ",
      "under ρ^(T−k); saturation can make it vanish even when ρ > 1."));
}

function renderClipping(r) {
  const threshold = r.clip ? [{ label: `threshold τ = ${r.max_norm}`, x: r.steps, y: r.steps.map(() => r.max_norm), dash: "2 3", color: "#7c3aed" }] : [];
  const chart = lineChart({
    series: [
      { label: "‖g‖ before", x: r.steps, y: r.before.map((v) => v ?? NaN), color: "#c2410c" },
      { label: "‖g‖ after", x: r.steps, y: r.after.map((v) => v ?? NaN), color: "#2f5fd0", dash: "5 3" },
      ...threshold,
    ],
    logY: true, xLabel: "training step", yLabel: "global gradient norm (log)",
    title: `${r.steps.length} SGD steps, ${r.batch} sequences of ${r.length} steps`,
  });
  const rows = r.steps.map((s, i) => el("tr", {}, el("td", {}, String(s)), el("td", {}, num(`van-before-${i}`, r.before[i], 3)),
    el("td", {}, num(`van-after-${i}`, r.after[i], 3)), el("td", { class: r.clipped[i] ? "bad" : "muted" }, r.clipped[i] ? "clipped" : "–")));
  return el("div", { class: "card" },
    el("h4", {}, r.clip ? "Gradient clipping on: g ← τ·g/‖g‖ whenever ‖g‖ > τ" : "Gradient clipping off: the norm goes through unchanged"),
    chart,
    el("p", {}, "clip events: ", num("van-clip-events", r.clip_events, 0, "num big"), ` of ${r.steps.length} steps`),
    el("details", {}, el("summary", {}, "every step"),
      el("table", { class: "data" }, el("tr", {}, el("th", {}, "step"), el("th", {}, "before"), el("th", {}, "after"), el("th", {}, "")), ...rows)),
    el("p", { class: "muted" }, "The task: output the first input of each sequence at its last step. The norm is taken ",
      "over every gradient together, before and after elman.optim.clip_grad_norm_. Clipping caps explosions; it ",
      "cannot bring back a gradient that has already vanished."));
}
