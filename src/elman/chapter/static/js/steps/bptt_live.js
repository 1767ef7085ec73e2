// Step 4, third widget: "train it here". The server trains four copies of one small RNN on the recall task, on the
// same batches: full BPTT and truncated at K, each without and with gradient clipping at τ
// (/api/bptt/live, elman.chapter.steps.bptt_live). The answer streams as newline-delimited JSON, one record per
// update; the page draws the four losses, the gradient norm each optimiser step used, and ‖∂L/∂h_t‖ over t for
// full against truncated, at most ten times a second (twice under reduced motion). Stop aborts the fetch, and
// the server stops computing at its next slice of updates. When the run ends, one sentence states the result from
// the streamed numbers. Plain SVG: Plot would redraw every curve from scratch at every frame.

import { el, errorBox } from "../draw.js";
import { svgEl } from "../diagram.js";
import { cssVar, liveColors, role } from "../palette.js";
import { reducedMotion } from "../motion.js";
import { formatNumber, label, logTick, numberNode, raiseExponents } from "../tex.js";
import { keyboardScroll } from "../scroll.js";

const VARIANTS = {
  full: { text: "full BPTT", color: () => role("grad"), dash: null },
  full_clip: { text: "full, clipped", color: () => role("grad"), dash: "5 3" },
  truncated: { text: "truncated at $K$", color: () => cssVar("--ink"), dash: null },
  truncated_clip: { text: "truncated, clipped", color: () => cssVar("--ink"), dash: "5 3" },
};
const LOSS = [1e-5, 10];          // fixed log domains, the same for every run so runs can be compared
const NORM = [1e-4, 1e2];
const PROFILE = [1e-8, 1e1];
const TAUS = ["0.25", "0.5", "1", "2", "5"];
const NORMS = ["full", "full_clip"];      // the norm chart: clipping off and on, on the run that learns

export function mountLive(root, ctx) {
  const K = el("input", { type: "range", id: "bptt-live-K", min: "1", max: "30", step: "1", value: ctx.get("liveK", "10") });
  const Kout = el("output", { class: "num", for: "bptt-live-K" });
  const tau = el("select", { id: "bptt-live-tau" }, ...TAUS.map((t) => el("option", { value: t }, t)));
  tau.value = TAUS.includes(ctx.get("tau", "1")) ? ctx.get("tau", "1") : "1";
  const button = el("button", { type: "button", class: "action", id: "bptt-live-start" }, "start training");
  const status = el("p", { id: "bptt-live-status", "aria-live": "polite" });
  const numbers = el("div", { id: "bptt-live-numbers", class: "bptt-live-numbers" });
  const charts = el("div", { class: "bptt-live-charts" });
  const verdict = el("div", { id: "bptt-live-verdict", "aria-live": "polite" });
  root.append(el("div", { class: "bptt-widget bptt-live" },
    el("h4", { class: "bptt-section" }, "Train it here: full against truncated BPTT, clipping off and on"),
    el("p", { class: "muted" }, label("Four copies of one small network ($H = 16$) learn the recall task above ($T = 30$, "
      + "the pulse $L = 15$ steps back) on this server, with Adam, on the same batches. Press start and watch the losses.")),
    el("div", { class: "row bptt-controls" },
      el("div", { class: "ctl" }, el("label", { for: "bptt-live-K" }, label("truncation $K$")), el("span", { class: "ctl-slider" }, K, Kout)),
      el("div", { class: "ctl" }, el("label", { for: "bptt-live-tau" }, label("clipping threshold $\\tau$")), tau),
      button),
    status, legend(), charts, numbers, verdict));

  let controller = null, run = null, frame = null;
  const showK = () => { Kout.textContent = Number(K.value) >= 30 ? `${K.value} (full)` : K.value; };
  showK();
  K.addEventListener("input", () => { showK(); ctx.set({ liveK: K.value }); });
  tau.addEventListener("change", () => ctx.set({ tau: tau.value }));
  status.replaceChildren(el("span", { class: "muted" }, "Not started: nothing is computed until you press start."));

  function draw() {
    frame = null;
    if (!run) return;
    run.figures.update(run);
    numbers.replaceChildren(readout(run));
  }
  function schedule() {
    if (frame === null) frame = setTimeout(draw, reducedMotion() ? 500 : 100);
  }

  async function start() {
    controller = new AbortController();
    const signal = controller.signal;
    button.textContent = "stop";
    button.setAttribute("aria-pressed", "true");
    verdict.replaceChildren();
    numbers.replaceChildren();
    status.replaceChildren("Starting…");
    const query = new URLSearchParams({ K: K.value, tau: tau.value, seed: String(ctx.seed ?? 0) });
    try {
      const response = await fetch(`/api/bptt/live?${query}`, { signal });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(response.status === 503 ? `The server is busy training for others: ${body.detail ?? "try again in a moment"}.`
          : body.detail ?? response.statusText);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const lines = buffered.split("\n");
        buffered = lines.pop();
        for (const line of lines) if (line.trim()) take(JSON.parse(line));
      }
    } catch (error) {
      if (error.name !== "AbortError" && ctx.alive()) status.replaceChildren(errorBox(error));
    } finally {
      clearTimeout(frame);
      if (run && ctx.alive()) {
        draw();
        const ended = run.end && !run.end.stopped;
        status.replaceChildren(ended ? `Done: ${run.step} updates.` : `Stopped after ${run.step} of ${run.header.updates} updates.`);
        status.dataset.state = ended ? "done" : "stopped";
        verdict.replaceChildren(conclusion(run));
      }
      controller = null;
      button.textContent = "start training";
      button.setAttribute("aria-pressed", "false");
    }
  }

  function take(record) {
    if (!ctx.alive()) return;
    if (record.kind === "start") {
      run = { header: record, step: 0, loss: {}, applied: {}, clips: {}, profile: null, end: null };
      for (const v of record.variants) { run.loss[v] = []; run.applied[v] = []; run.clips[v] = 0; }
      run.figures = figures(record, charts.clientWidth || 600);
      charts.replaceChildren(...run.figures.nodes);
      status.replaceChildren(`Training: 0 of ${record.updates} updates`);
      status.dataset.state = "running";
      return;
    }
    if (record.kind === "end") { run.end = record; return; }
    run.step = record.step;
    for (const v of run.header.variants) {
      run.loss[v].push(record.loss[v]);
      run.applied[v].push(record.norm[v][1]);
      run.clips[v] += record.clipped[v] ? 1 : 0;
    }
    if (record.profile) run.profile = record.profile;
    status.firstChild.textContent = `Training: ${record.step} of ${run.header.updates} updates`;
    schedule();
  }

  button.addEventListener("click", () => { if (controller) controller.abort(); else start(); });
  return { unmount() { controller?.abort(); clearTimeout(frame); } };
}

function legend() {
  const item = (v) => el("span", { class: "fig-legend-item", "data-variant": v },
    el("span", { class: `bptt-live-key ${v}`, "aria-hidden": "true" }), label(VARIANTS[v].text));
  return el("div", { class: "fig-legend" }, ...Object.keys(VARIANTS).map(item));
}

// One chart on fixed axes: x linear, y log. Returns {node, line(key, values), ...} where values are y per x.
function logChart({ key, title, width, height = 190, x: [x0, x1], y: [y0, y1], xLabel, yLabel, summary }) {
  const m = { left: 52, right: 12, top: 10, bottom: 34 };
  const w = Math.max(280, Math.min(640, width)), h = height;
  const sx = (x) => m.left + ((x - x0) / (x1 - x0)) * (w - m.left - m.right);
  const ly0 = Math.log10(y0), ly1 = Math.log10(y1);
  const sy = (y) => {
    const v = y > 0 ? Math.min(ly1, Math.max(ly0, Math.log10(y))) : ly0;
    return h - m.bottom - ((v - ly0) / (ly1 - ly0)) * (h - m.top - m.bottom);
  };
  const svg = svgEl("svg", { class: "fig bptt-live-chart", width: w, height: h, role: "img", "aria-label": summary, "data-chart": key });
  const ink = cssVar("--muted"), rule = cssVar("--rule");
  for (let p = Math.ceil(ly0); p <= Math.floor(ly1); p += (ly1 - ly0 > 6 ? 2 : 1)) {
    svg.append(svgEl("line", { x1: m.left, x2: w - m.right, y1: sy(10 ** p), y2: sy(10 ** p), stroke: rule }));
    const t = svgEl("text", { x: m.left - 6, y: sy(10 ** p) + 4, "text-anchor": "end", fill: ink });
    t.textContent = logTick(10 ** p);
    svg.append(t);
  }
  const every = x1 - x0 > 100 ? 50 : x1 - x0 > 50 ? 25 : 5;
  const ticks = [x0, ...Array.from({ length: Math.floor(x1 / every) }, (_, i) => (i + 1) * every)].filter((x) => x - x0 >= every / 2 || x === x0);
  for (const x of ticks) {
    const t = svgEl("text", { x: sx(x), y: h - m.bottom + 16, "text-anchor": "middle", fill: ink });
    t.textContent = String(x);
    svg.append(t);
  }
  svg.append(svgEl("line", { x1: m.left, x2: w - m.right, y1: h - m.bottom, y2: h - m.bottom, stroke: ink }));
  const lines = {};
  const line = (key, values, xs = null) => {
    lines[key].setAttribute("points", values.map((v, i) => `${sx(xs ? xs[i] : x0 + i).toFixed(1)},${sy(v).toFixed(1)}`).join(" "));
    lines[key].dataset.count = String(values.length);
  };
  const add = (key, { color, dash, widthPx = 1.8 }) => {
    lines[key] = svgEl("polyline", { fill: "none", stroke: color, "stroke-width": widthPx, "stroke-dasharray": dash,
      "stroke-linejoin": "round", "data-series": key });
    svg.append(lines[key]);
  };
  const fig = el("figure", { class: "chart-figure bptt-live-figure" }, el("figcaption", {}, label(title)));
  const box = el("div", { class: "figure-scroll" }, svg);
  keyboardScroll(box, title);
  fig.append(box, el("div", { class: "fig-html axis-note muted" }, label(`${yLabel} against ${xLabel}`)));
  return { node: fig, svg, line, add, sx, sy, width: w, finish() { liveColors(svg); raiseExponents(svg); } };
}

function figures(h, room) {
  const width = room >= 900 ? (room - 16) / 2 : room;
  const loss = logChart({ key: "loss", title: "Loss (MSE at the last step)", width, x: [1, h.updates], y: LOSS, xLabel: "update",
    yLabel: "loss", summary: "The four runs' losses against the update, log scale" });
  const norm = logChart({ key: "norm", title: `The gradient norm each step of full BPTT used, $\\|g\\|$ after clipping; dotted: $\\tau = ${h.tau}$`, width, x: [1, h.updates], y: NORM,
    xLabel: "update", yLabel: "$\\|g\\|$", summary: "The gradient norm each optimiser step of the two full runs used, the clipping threshold as a line" });
  const prof = logChart({ key: "profile", title: "$\\|\\partial L/\\partial h_t\\|$ over $t$, latest update (unclipped runs)", width: room >= 900 ? room : width,
    x: [1, h.T], y: PROFILE, xLabel: "step $t$", yLabel: "$\\|\\partial L/\\partial h_t\\|$",
    summary: `The gradient reaching each state at the latest update, full against truncated; the pulse at step ${h.marked}` });
  // the threshold τ on the norm chart (a neutral dotted rule: the curves it is read against are vermillion), the
  // pulse and the window's start on the profile
  norm.svg.append(svgEl("line", { x1: norm.sx(1), x2: norm.sx(h.updates), y1: norm.sy(h.tau), y2: norm.sy(h.tau),
    stroke: cssVar("--muted"), "stroke-width": 1.5, "stroke-dasharray": "2 3", class: "bptt-live-tau" }));
  const marks = [[h.marked, role("x"), `pulse, t = ${h.marked}`]];
  if (h.K < h.T) marks.push([h.window[0] - 0.5, cssVar("--ink"), `window from t = ${h.window[0]}`]);
  marks.forEach(([t, color, text], i) => {
    prof.svg.append(svgEl("line", { x1: prof.sx(t), x2: prof.sx(t), y1: prof.sy(PROFILE[1]), y2: prof.sy(PROFILE[0]), stroke: color,
      "stroke-width": 1.5, "stroke-dasharray": "2 3" }));
    const right = i && prof.sx(t) + 130 < prof.width;       // the window's label right of its line when it fits
    const tx = svgEl("text", { x: prof.sx(t) + (right ? 4 : -4), y: 22 + 14 * i, "text-anchor": right ? "start" : "end", fill: color,
      class: "bptt-live-halo" });
    tx.textContent = text;
    prof.svg.append(tx);
  });
  for (const [v, s] of Object.entries(VARIANTS)) loss.add(v, { color: s.color(), dash: s.dash });
  for (const v of NORMS) norm.add(v, { color: VARIANTS[v].color(), dash: VARIANTS[v].dash, widthPx: v === "full" ? 1.2 : 1.8 });
  if (h.K < h.T) {
    const zero = svgEl("text", { x: prof.sx(1) + 4, y: prof.sy(PROFILE[0]) - 6, "text-anchor": "start", fill: cssVar("--ink"), class: "bptt-live-halo" });
    zero.textContent = `truncated: exactly 0 before t = ${h.window[0]}`;
    prof.svg.append(zero);
  }
  prof.add("full", { color: role("grad"), widthPx: 2.2 });
  prof.add("truncated", { color: cssVar("--ink"), widthPx: 2.2 });
  [loss, norm, prof].forEach((f) => f.finish());
  const steps = Array.from({ length: h.T }, (_, i) => i + 1);
  return {
    nodes: [loss.node, norm.node, prof.node],
    update(run) {
      for (const v of run.header.variants) loss.line(v, run.loss[v]);
      for (const v of NORMS) norm.line(v, run.applied[v]);
      if (run.profile) for (const k of ["full", "truncated"]) prof.line(k, run.profile[k], steps);
    },
  };
}

const n = (key, value, digits = 3) => { const node = numberNode(value, digits); node.dataset.key = key; return node; };

function readout(run) {
  const row = (v) => el("tr", {}, el("th", { scope: "row" }, label(VARIANTS[v].text.replace("$K$", `$K = ${run.header.K}$`))),
    el("td", {}, n(`bptt-live-loss-${v}`, run.loss[v].at(-1), 3)), el("td", {}, n(`bptt-live-norm-${v}`, run.applied[v].at(-1), 3)),
    el("td", {}, n(`bptt-live-clips-${v}`, run.clips[v], 0)));
  const table = el("table", { class: "data bptt-table" },
    el("caption", { class: "visually-hidden" }, "The four runs at the latest update"),
    el("tr", {}, el("th", { scope: "col" }, `update ${run.step}`), el("th", { scope: "col" }, "loss"),
      el("th", { scope: "col" }, label("$\\|g\\|$ used")), el("th", { scope: "col" }, "clips")),
    ...run.header.variants.map(row));
  return keyboardScroll(el("div", { class: "figure-scroll" }, table), "the four runs at the latest update");
}

// The result in one sentence (and a second on clipping), from the streamed numbers: the mean loss of the last
// updates (the server's summary when the run finished, else the last `tail` updates the page received).
function conclusion(run) {
  const h = run.header;
  const tail = (v) => { const xs = run.loss[v].slice(-h.tail).filter((x) => x !== null); return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null; };
  const end = Object.fromEntries(h.variants.map((v) => [v, run.end?.end?.[v] ?? tail(v)]));
  if (end.full === null) return el("p", { class: "muted" }, "Stopped before the first update.");
  const f = (x) => formatNumber(x, 3);
  const learned = (x) => x < 0.1;
  const inside = h.L <= h.K;
  const first = `After ${run.step} updates, full BPTT's loss (the mean of the last ${h.tail}) is ${f(end.full)} (${f(end.full_clip)} clipped); truncated at $K = ${h.K}$ `
    + `${learned(end.truncated) ? "reaches" : "stays at"} ${f(end.truncated)} (${f(end.truncated_clip)} clipped), where answering 0 scores 1. `;
  let why;
  if (inside) why = `The pulse, $L = ${h.L}$ steps back, lies inside the window of $K = ${h.K}$: its gradient arrives under truncation too.`;
  else if (learned(end.full) && !learned(end.truncated)) {
    why = `The pulse lies $L = ${h.L}$ steps back, beyond the window of $K = ${h.K}$: no gradient ever reaches it, so truncated BPTT never learns to take it in.`;
  } else if (!learned(end.full)) why = "Full BPTT has not learned the task yet: run longer, or look at the losses still falling.";
  else why = "Truncated BPTT learned the task all the same: the forward state happened to carry the pulse into the window.";
  const clips = `Clipping at $\\tau = ${h.tau}$ fired on ${run.clips.full_clip} (full) and ${run.clips.truncated_clip} (truncated) of ${run.step} updates, `
    + `and the unclipped full run's largest $\\|g\\|$ was ${f(Math.max(...run.applied.full.filter((x) => x !== null)))}. `
    + (learned(end.full) === learned(end.full_clip) && learned(end.truncated) === learned(end.truncated_clip)
      ? "Adam divides every step by a running size of the gradient, so capping a spike changes a few steps, not which runs learn."
      : "Here clipping changed which runs learned.");
  const good = learned(end.full) && (inside ? learned(end.truncated) : !learned(end.truncated));
  return el("div", {}, el("p", { class: good ? "good" : "muted", id: "bptt-live-result" }, label(first + why)),
    el("p", { class: "muted", id: "bptt-live-clipping" }, label(clips)));
}
