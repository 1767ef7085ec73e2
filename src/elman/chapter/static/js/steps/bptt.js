// Step 4: the backward pass of a small RNN, step by step: ‖∂L/∂h_t‖ under full BPTT and under BPTT truncated every
// K steps, on the same batch, and what the cuts change in ∂L/∂W_hh. Play walks t from T down to 1.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox, fmt, num } from "../draw.js";

const SVG = "http://www.w3.org/2000/svg";
const STEP_MS = 220;
const FULL = "#2f5fd0", CUT = "#c2410c";

export async function mount(root, ctx) {
  const slider = (id, min, max, step, value) => el("input", { type: "range", id, min, max, step, value: ctx.get(id.slice(5), value) });
  const T = slider("bptt-T", "2", "64", "1", "30");
  const K = slider("bptt-K", "1", "64", "1", "10");
  const rho = slider("bptt-rho", "0.1", "2", "0.1", "1");
  const loss = el("select", { id: "bptt-loss" },
    el("option", { value: "last" }, "loss at the last step"), el("option", { value: "all" }, "loss at every step"));
  loss.value = ctx.get("loss", "last") === "all" ? "all" : "last";
  const labels = { T: el("span", { class: "num" }), K: el("span", { class: "num" }), rho: el("span", { class: "num" }) };
  const playButton = el("button", { type: "button", class: "action", id: "bptt-play" }, "play backward");
  const chart = el("div", { id: "bptt-chart" });
  const readout = el("p", { id: "bptt-readout" });
  const out = el("div", { id: "bptt-out" });
  root.append(
    el("div", { class: "row" }, el("label", { for: "bptt-T" }, "sequence length T"), T, labels.T,
      el("label", { for: "bptt-K" }, "truncation K"), K, labels.K),
    el("div", { class: "row" }, el("label", { for: "bptt-rho" }, "spectral radius of W_hh"), rho, labels.rho,
      el("label", { for: "bptt-loss" }, "loss"), loss, playButton),
    chart, readout, out);

  let data = null, pending = 0, highlighted = null;

  async function update() {
    const ticket = ++pending;
    if (Number(K.value) > Number(T.value)) K.value = T.value;
    K.max = T.value;
    labels.T.textContent = T.value;
    labels.K.textContent = Number(K.value) >= Number(T.value) ? `${K.value} (full)` : K.value;
    labels.rho.textContent = Number(rho.value).toFixed(1);
    ctx.set({ T: T.value, K: K.value, rho: rho.value, loss: loss.value });
    try {
      const r = await ctx.api("/api/bptt/backward", { T: T.value, K: K.value, loss: loss.value, rho: rho.value, seed: ctx.seed });
      if (ticket !== pending || !ctx.alive()) return;
      data = r;
      chart.replaceChildren(bars(r));
      out.replaceChildren(summary(r));
      highlight(null);
    } catch (error) {
      if (ticket === pending && ctx.alive()) { data = null; chart.replaceChildren(); out.replaceChildren(errorBox(error)); }
    }
  }

  function highlight(t) {
    highlighted = t;
    for (const node of chart.querySelectorAll("[data-step]")) {
      node.setAttribute("opacity", t === null || Number(node.dataset.step) === t ? "1" : "0.35");
    }
    if (!data) return;
    if (t === null) {
      readout.replaceChildren(el("span", { class: "muted" }, "Press “play backward” to walk the gradient from t = T to t = 1."));
      return;
    }
    const cutHere = data.cuts.includes(t);
    readout.replaceChildren(`t = ${t}: ‖∂L/∂h_t‖ full `, num("bptt-cur-full", data.full_norms[t - 1], 4),
      " · truncated ", num("bptt-cur-truncated", data.truncated_norms[t - 1], 4),
      cutHere ? el("span", { class: "bad" }, ` · a window starts here: nothing flows on to h_${t - 1}`) : "");
    readout.dataset.step = String(t);
  }

  async function animate(signal) {
    if (!data) return;
    for (let t = data.T; t >= 1; t--) {
      if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
      highlight(t);
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
    unmount() { clearTimeout(timer); stopOwn(); },
    get highlighted() { return highlighted; },
  };
}

// Two rows of bars on a log scale, one per step: full BPTT above, truncated below; dashed lines at the cuts.
function bars(r) {
  const width = 560, rowH = 110, left = 46, top = 18, gap = 26, n = r.T;
  const cw = (width - left - 8) / n;
  const positive = [...r.full_norms, ...r.truncated_norms].filter((v) => v > 0);
  const hi = Math.ceil(Math.log10(Math.max(...positive, 1e-12)));
  const lo = Math.min(hi - 1, Math.floor(Math.log10(Math.min(...positive, 1))));
  const height = top + 2 * rowH + gap + 26;
  const root = svgNode("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img" });
  const rows = [["full BPTT", r.full_norms, FULL, "full"], [`truncated, K = ${r.K}`, r.truncated_norms, CUT, "truncated"]];
  rows.forEach(([title, values, color, key], k) => {
    const y0 = top + k * (rowH + gap), base = y0 + rowH;
    root.append(label(left, y0 - 4, `${title}: ‖∂L/∂h_t‖ (log scale, 1e${lo} … 1e${hi})`, "start"));
    root.append(svgNode("line", { class: "axis", x1: left, x2: width - 8, y1: base, y2: base }));
    root.append(label(left - 4, y0 + 9, `1e${hi}`, "end"), label(left - 4, base, `1e${lo}`, "end"));
    values.forEach((v, i) => {
      const h = v > 0 ? Math.max(1, ((Math.log10(v) - lo) / (hi - lo)) * rowH) : 0;
      const bar = svgNode("rect", { x: left + i * cw + cw * 0.1, y: base - h, width: cw * 0.8, height: h, fill: color,
        "data-step": String(i + 1), "data-key": `bptt-${key}-${i + 1}`, "data-value": String(v) });
      const tip = svgNode("title"); tip.textContent = `t = ${i + 1}: ${fmt(v, 4)}`;
      bar.append(tip);
      root.append(bar);
      if (v === 0) root.append(svgNode("circle", { cx: left + (i + 0.5) * cw, cy: base - 3, r: 1.6, fill: color, "data-step": String(i + 1) }));
    });
  });
  for (const c of r.cuts) {
    const x = left + (c - 1) * cw;
    root.append(svgNode("line", { x1: x, x2: x, y1: top, y2: top + 2 * rowH + gap, stroke: CUT, "stroke-dasharray": "4 3", "data-cut": String(c) }));
  }
  for (let t = 1; t <= n; t += Math.max(1, Math.round(n / 10))) root.append(label(left + (t - 0.5) * cw, height - 8, String(t), "middle"));
  return root;
}

function summary(r) {
  const g = r.gradients;
  const row = (name, key) => el("tr", {}, el("td", {}, name), el("td", {}, num(`bptt-full-${key}`, g[key].full_norm, 4)),
    el("td", {}, num(`bptt-truncated-${key}`, g[key].truncated_norm, 4)), el("td", {}, num(`bptt-rel-${key}`, g[key].relative_error, 4)),
    el("td", {}, num(`bptt-cos-${key}`, g[key].cosine, 6)));
  const rel = g.weight_hh_l0.relative_error;
  return el("div", { class: "cards" },
    el("div", { class: "card", style: "grid-column:1/-1" }, el("h4", {}, "What truncation changes in the weight gradients"),
      el("table", { class: "data" },
        el("tr", {}, el("th", {}, ""), el("th", {}, "‖full‖"), el("th", {}, "‖truncated‖"), el("th", {}, "relative error"), el("th", {}, "cosine")),
        row("∂L/∂W_hh", "weight_hh_l0"), row("∂L/∂W_xh", "weight_ih_l0"), row("∂L/∂b_h", "bias_hh_l0")),
      el("p", { class: r.truncated ? (rel > 0.1 ? "bad" : "muted") : "good" },
        r.truncated ? `${r.windows} windows: ‖G_K − G_full‖ / ‖G_full‖ = ${fmt(rel, 3)} for W_hh.`
          : "K ≥ T: one window, this is full BPTT.")),
    el("div", { class: "card" }, el("h4", {}, "The batch"),
      el("p", {}, `${r.batch} sequences of the adding problem, hidden size ${r.hidden_size}, loss ${r.loss === "last" ? "at the last step" : "at every step"} (MSE) = `,
        num("bptt-loss-value", r.loss_value, 4)),
      el("p", {}, "spectral radius of W_hh: ", num("bptt-radius", r.spectral_radius, 3))));
}

function svgNode(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function label(x, y, content, anchor) {
  const node = svgNode("text", { x, y, "text-anchor": anchor });
  node.textContent = content;
  return node;
}
