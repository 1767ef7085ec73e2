// Step 4, second widget: how far back one prediction's gradient reaches on real text, after Distill's
// "Memorization in RNNs". For a chosen position t of a line read by the chapter's language model, every earlier
// token is shaded by ‖∂L_t/∂x_k‖ (the loss of the next token, differentiated by the library's backward with
// respect to the input embedding at k): once under full BPTT, once truncated at K, where everything before the
// window is exactly 0. The shade is on a log scale relative to the largest influence of that prediction; a chart
// gives the sizes against the distance t − k. The server computes every number (/api/bptt/influence).

import { el, errorBox } from "../draw.js";
import { colorBar, lineChart } from "../charts.js";
import { cssVar, rampColor, rgb, role } from "../palette.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { debounce, latest } from "../requests.js";

const DECADES = 3;               // the shade spans 10⁻³ … 1 of the largest influence

export function mountInfluence(root, ctx) {
  const saved = ctx.get("line", null);
  const text = el("textarea", { id: "bptt-text", rows: "3", maxlength: "200", autocomplete: "off", spellcheck: "false" });
  if (saved !== null) text.value = saved;
  const examples = el("select", { id: "bptt-line" });
  const position = el("input", { type: "range", id: "bptt-pos", min: "1", max: "200", step: "1", value: ctx.get("pos", "1") });
  const K = el("input", { type: "range", id: "bptt-textK", min: "1", max: "40", step: "1", value: ctx.get("textK", "5") });
  const outputs = { pos: el("output", { class: "num", for: "bptt-pos" }), K: el("output", { class: "num", for: "bptt-textK" }) };
  const rows = el("div", { class: "bptt-rows", id: "bptt-rows" });
  const chart = el("div", { id: "bptt-influence-chart" });
  const out = el("div", { id: "bptt-influence-out" });
  const group = (id, text_, input, output) => el("div", { class: "ctl" }, el("label", { for: id }, label(text_)),
    el("span", { class: "ctl-slider" }, input, output));
  root.append(el("div", { class: "bptt-widget bptt-influence" },
    el("h4", { class: "bptt-section" }, label("On real text: how far back one prediction's gradient reaches")),
    el("div", { class: "row" }, el("div", { class: "ctl bptt-text" }, el("label", { for: "bptt-text" }, "text (Shakespeare's alphabet)"), text),
      el("div", { class: "ctl" }, el("label", { for: "bptt-line" }, "an example"), examples)),
    el("div", { class: "row" }, group("bptt-pos", "the prediction after character $t$", position, outputs.pos),
      group("bptt-textK", "truncation $K$", K, outputs.K)),
    out, rows, chart));

  const ask = latest(ctx);
  let known = null;
  let positionSet = ctx.get("pos", "") !== "";

  function update() {
    outputs.K.textContent = K.value;
    const params = { K: K.value, ...(text.value ? { text: text.value } : {}), ...(positionSet ? { position: position.value } : {}) };
    return ask((signal) => ctx.api("/api/bptt/influence", params, signal), async (r, current) => {
      known = r;
      if (!examples.options.length) {
        examples.append(el("option", { value: "" }, "(your own text)"),
          ...r.examples.map((e, i) => el("option", { value: String(i) }, `${i + 1}: ${e.text.replace(/\n/g, " / ").slice(0, 30)}…`)));
      }
      const whole = r.tokens.join("");
      if (!text.value) text.value = whole;
      examples.value = String(r.examples.findIndex((e) => e.text === whole));
      if (examples.value === "-1") examples.value = "";
      position.max = String(r.tokens.length - 1);
      position.value = String(r.position);
      outputs.pos.textContent = String(r.position);
      ctx.set({ line: whole, pos: r.position, textK: K.value });
      const figure = await reachChart(r);
      if (!current()) return;
      rows.replaceChildren(tokenRows(r, choose), shadeBar());
      chart.replaceChildren(figure);
      out.replaceChildren(summary(r));
    }, (error) => { known = null; rows.replaceChildren(); chart.replaceChildren(); out.replaceChildren(errorBox(error)); });
  }

  function choose(t) {
    if (!known || t < 1 || t > known.tokens.length - 1) return;
    positionSet = true;
    position.value = String(t);
    update();
  }

  const soon = debounce(update, 80);
  position.addEventListener("input", () => { positionSet = true; soon(); });
  K.addEventListener("input", soon);
  text.addEventListener("change", () => { positionSet = false; update(); });
  examples.addEventListener("change", () => {
    const e = known?.examples[Number(examples.value)];
    if (!e) return;
    text.value = e.text;
    positionSet = false;
    update();
  });

  return { ready: update(), unmount() { soon.cancel(); ask.cancel(); } };
}

// The size of an influence relative to the largest of this prediction, 0 (10⁻³ or below, or exactly 0) … 1.
const share = (v, top) => (v > 0 && top > 0 ? Math.max(0, Math.min(1, 1 + Math.log10(v / top) / DECADES)) : 0);
const stops = () => [cssVar("--surface"), cssVar("--c-grad-soft"), role("grad")];

// Dark text on a light cell, light text on a dark one (whichever contrasts more with the cell).
function inkOn(color) {
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ink = cssVar("--ink"), paper = cssVar("--surface");
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  return contrast(ink, color) >= contrast(paper, color) ? ink : paper;
}

const shown = (token) => (token === " " ? "\u00a0" : token === "\n" ? "↵" : token);

// Two rows of the same line: full BPTT and truncated at K. Each token a cell shaded by its influence on the
// prediction at t; t ringed, the token it predicts dashed, the tokens after it faded; a click picks t.
function tokenRows(r, choose) {
  const t = r.position, top = Math.max(...r.full);
  const row = (key, values, title) => {
    const cells = r.tokens.map((token, i) => {
      const k = i + 1;
      const v = k <= t ? values[i] : null;
      const attrs = { class: "bptt-tok", "data-k": String(k) };
      if (v !== null) {
        const color = rampColor(stops(), share(v, top));
        Object.assign(attrs, { "data-key": `bptt-inf-${key}-${k}`, "data-value": String(v), style: `background:${color};color:${inkOn(color)}`,
          title: `${k}: ‖∂L/∂x‖ = ${formatNumber(v, 3)}` });
        if (v === 0) attrs.class += " zero";
      } else attrs.class += k === t + 1 ? " target" : " after";
      if (k === t) attrs.class += " now";
      if (key === "truncated" && k === r.window_start && r.window_start > 1) attrs.class += " window-start";
      const cell = el("span", attrs, shown(token));
      if (k <= r.tokens.length - 1) cell.addEventListener("click", () => choose(k));
      return cell;
    });
    const line = el("div", { class: "bptt-line", "data-row": key });
    // letters of a word stay together (a row wraps between words); a line break in the text breaks the row too
    let word = null;
    r.tokens.forEach((token, i) => {
      if (/\S/.test(token)) {
        if (!word) { word = el("span", { class: "bptt-word" }); line.append(word); }
        word.append(cells[i]);
        return;
      }
      word = null;
      line.append(cells[i]);
      if (token === "\n") line.append(el("br"));
    });
    return el("div", { class: "bptt-row" }, el("div", { class: "bptt-row-title" }, label(title)), line);
  };
  return el("div", {},
    row("full", r.full, "full BPTT"),
    row("truncated", r.truncated, `truncated at $K = ${r.K}$: the window holds characters ${r.window_start}–${t}; before it, exactly 0`));
}

function shadeBar() {
  const bar = colorBar({ stops: stops(), domain: [10 ** -DECADES, 1],
    label: "shade: $\\|\\partial L_t/\\partial x_k\\|$ relative to the largest (log scale); outlined: the prediction's position $t$" });
  bar.classList.add("bptt-shade");
  return bar;
}

// Influence against the distance t − k, both ways of backpropagating, K marked.
async function reachChart(r) {
  const t = r.position;
  const back = r.full.map((_, i) => t - (i + 1));
  const pos = (ys) => ys.map((v) => (v > 0 ? v : NaN));
  const lo = Math.min(...r.full.filter((v) => v > 0)), hi = Math.max(...r.full);
  const domain = [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
  return lineChart({
    title: `How far back the prediction after ${r.unit} ${t} reaches`,
    series: [{ label: "full BPTT", x: back, y: r.full, role: "grad", term: "grad_x" },
      { label: `truncated at $K = ${r.K}$ (0 beyond)`, x: back, y: pos(r.truncated), color: cssVar("--ink"), dash: "6 4", term: "grad_x" }],
    x: { domain: [0, Math.max(1, t - 1)], label: `${r.unit}s back, $t - k$`, ticks: Math.min(t, 10) },
    y: { type: "log", domain, label: "$\\|\\partial L_t/\\partial x_k\\|$" },
    width: 560, height: 230,
    marks: (Plot) => [Plot.ruleX([r.K - 0.5], { stroke: "currentColor", strokeOpacity: 0.55, strokeWidth: 1.5 })],
  });
}

function summary(r) {
  const t = r.position;
  const num = (key, value, digits = 3) => { const n = numberNode(value, digits); n.dataset.key = key; return n; };
  const quoted = (token) => `“${token === "\n" ? "↵ (a line break)" : token === " " ? "␣ (a space)" : token}”`;
  const beyond = el("span", { class: "num", "data-key": "bptt-beyond", "data-value": String(r.beyond_share) },
    `${formatNumber(100 * r.beyond_share, 2)} %`);
  const far = r.farthest;
  return el("div", { class: "cards" },
    el("div", { class: "card bptt-wide" }, el("h4", {}, label(`The prediction after character $t = ${t}$`)),
      el("p", {}, "next: ", el("strong", { class: "bptt-target" }, quoted(r.target)), ", which the model gives ",
        num("bptt-p-target", r.p_target), "; its top guesses: ", r.top.map((g) => `${quoted(g.token)} ${formatNumber(g.p, 2)}`).join(", "), "."),
      far ? el("p", {}, label(`Full BPTT: the loss of this prediction still pulls with at least ${Math.round(100 * far.share)} % of its `
        + `strongest pull on the input ${far.back} characters back (${quoted(far.token)}).`)) : null,
      el("p", { class: r.beyond_share > 0.05 ? "bad" : "muted" }, label("Truncated at $K$: "), beyond,
        label(` of the full gradient's reach $\\sum_k \\|\\partial L_t/\\partial x_k\\|$ lies more than $K = ${r.K}$ characters back, `
          + "and truncation sets all of it to exactly 0: whatever those characters tell the model about this prediction never reaches its weights.")),
      el("p", { class: "muted" }, label(`The model (${r.hidden_size} tanh units) was itself trained with truncated BPTT, $K = ${r.trained_bptt}$ characters.`))));
}
