// Step 3: typed text through the shipped word-level language model: h_t as a heat map, how much each word moves it,
// and the model's most likely next words after any prefix.

import { ownPlayButton, sleep } from "../timing.js";
import { el, errorBox, fmt, heatMap, lineChart, num } from "../draw.js";

const DEFAULT_TEXT = "the cat sat on the";
const STEP_MS = 700;

export async function mount(root, ctx) {
  const text = el("input", { type: "text", id: "hs-text", maxlength: "200", value: ctx.get("text", DEFAULT_TEXT) });
  const units = el("input", { type: "range", id: "hs-units", min: "4", max: "128", step: "4", value: ctx.get("units", "24") });
  const unitsLabel = el("span", { class: "num" }, units.value);
  const pos = el("input", { type: "range", id: "hs-pos", min: "1", max: "1", value: "1" });
  const posLabel = el("span", { class: "num", id: "hs-pos-label" });
  const playButton = el("button", { type: "button", class: "action", id: "hs-play" }, "play");
  const reset = el("button", { type: "button", class: "action", id: "hs-cat" }, "“the cat sat on the”");
  const head = el("div", { id: "hs-head" });
  const map = el("div", { id: "hs-map" });
  const strip = el("div", { id: "hs-tokens", style: "display:flex;flex-wrap:wrap;gap:4px;margin:6px 0" });
  const predictions = el("div", { id: "hs-predictions" });
  const memory = el("div", { id: "hs-memory" });
  root.append(
    el("div", { class: "row" }, el("label", { for: "hs-text" }, "text"), text, reset),
    el("div", { class: "row" }, el("label", { for: "hs-units" }, "units shown"), units, unitsLabel,
      el("label", { for: "hs-pos" }, "after word"), pos, posLabel, playButton),
    head, map, strip, el("div", { class: "cards" }, predictions, memory));

  let data = null;
  let wanted = Number(ctx.get("pos", "0"));  // 0: the last word
  let pending = 0;

  async function update() {
    const ticket = ++pending;
    unitsLabel.textContent = units.value;
    ctx.set({ text: text.value, units: units.value });
    try {
      const r = await ctx.api("/api/hidden_state/read", { text: text.value, units: units.value });
      if (ticket !== pending || !ctx.alive()) return;
      data = r;
      renderAll();
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

  function renderAll() {
    const r = data, T = r.tokens.length;
    pos.max = String(T);
    units.max = String(r.hidden_size);
    pos.value = String(current());
    const m = r.model;
    head.replaceChildren(
      el("p", {}, "hidden size ", num("hs-hidden", r.hidden_size, 0, "num big"),
        ` numbers, whatever the length · ${m.vocab_size} words · validation perplexity `,
        num("hs-ppl", m.validation_perplexity, 1), m.quick ? " (quick test model)" : ""),
      r.unknown.length
        ? el("p", { class: "bad", "data-key": "hs-unknown", "data-value": r.unknown.join(" ") },
          `not in the vocabulary, read as <unk>: ${r.unknown.join(", ")}`)
        : el("p", { class: "muted", "data-key": "hs-unknown", "data-value": "" }, "every word is in the vocabulary"));
    map.replaceChildren(
      el("h4", {}, `h_t after each word: the ${r.units.length} units (of ${r.hidden_size}) that vary most over the text`),
      heatMap({ matrix: r.matrix, rowLabels: r.units.map((u) => `h[${u}]`), colLabels: r.read_as, cell: 12 }));
    const steps = r.tokens.map((_, i) => i + 1);
    memory.replaceChildren(el("h4", {}, "A lossy, fixed-size summary"),
      lineChart({ series: [{ label: "‖h_t‖", x: steps, y: r.state_norms }, { label: "‖h_t − h_{t−1}‖", x: steps, y: r.changes }],
        xLabel: "word t", yLabel: "norm", height: 200 }),
      el("p", { class: "muted" }, `At most √${r.hidden_size} ≈ ${fmt(Math.sqrt(r.hidden_size), 1)} (every unit at ±1): each word rewrites part of the same vector.`));
    renderPosition();
  }

  function renderPosition() {
    const r = data, t = current();
    posLabel.textContent = `${t} of ${r.tokens.length}`;
    strip.replaceChildren(...r.tokens.map((w, i) => el("span", {
      class: "num", "data-key": `hs-token-${i + 1}`,
      style: `padding:1px 6px;border-radius:4px;border:1px solid ${i + 1 === t ? "#2f5fd0" : "#d7dce5"};` +
        `${i + 1 === t ? "background:#e8eefc;font-weight:600;" : ""}${i + 1 > t ? "opacity:.45;" : ""}`,
    }, r.read_as[i] === w ? w : `${w}→${r.read_as[i]}`)));
    const rows = r.predictions[t - 1].map((p, i) => el("tr", {},
      el("td", { "data-key": `hs-word-${i}` }, p.word), el("td", {}, num(`hs-p-${i}`, p.p, 4))));
    predictions.replaceChildren(el("h4", {}, `Next word after “${r.tokens.slice(0, t).join(" ")}”`),
      el("table", { class: "data" }, el("tr", {}, el("th", {}, "word"), el("th", {}, "probability")), ...rows),
      el("p", {}, "‖h_t‖ = ", num("hs-norm", r.state_norms[t - 1], 3), " · moved by ", num("hs-change", r.changes[t - 1], 3)));
  }

  function choose(t) {
    wanted = t;
    ctx.set({ pos: String(t === data.tokens.length ? 0 : t) });
    renderPosition();
  }

  let timer = null;
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { wanted = 0; ctx.set({ pos: "0" }); update(); }, 150); });
  units.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 100); });
  pos.addEventListener("input", () => { if (data) choose(Number(pos.value)); });
  reset.addEventListener("click", () => { text.value = DEFAULT_TEXT; wanted = 0; ctx.set({ pos: "0" }); update(); });

  async function animate(signal) {
    if (!data) return;
    for (let t = 1; t <= data.tokens.length; t++) {
      if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
      choose(t);
      await sleep(STEP_MS, signal);
    }
  }
  const stopOwn = ownPlayButton(playButton, animate, "play");

  await update();
  return {
    play: (signal) => animate(signal),
    unmount() { clearTimeout(timer); stopOwn(); },
  };
}
