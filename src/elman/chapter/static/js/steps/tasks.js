// Step 6: the four task shapes, each run by a small shipped model, and a stacked RNN's layer × time gradient map.

import { el, errorBox, fmt, heatMap, num } from "../draw.js";

const SHAPES = [
  { key: "one", label: "many → one", title: "Sentiment: a whole sentence in, one probability out",
    diagram: "x₁ → x₂ → … → x_T  ⇒  h_T  ⇒  P(positive)" },
  { key: "gen", label: "one → many", title: "Names: one language in, a name out, one letter at a time",
    diagram: "language ⇒ h₀  →  c₁ → c₂ → … → <eos>   (each letter is the next input, beside the language)" },
  { key: "tag", label: "many → many (aligned)", title: "Part of speech: a tag under every word",
    diagram: "x₁ x₂ … x_T  ⇒  y₁ y₂ … y_T   (one output per input)" },
  { key: "mt", label: "many → many (encoder-decoder)", title: "Translation: German in, English out, lengths free",
    diagram: "x₁ … x_S  ⇒  encoder state  ⇒  y₁ … y_T   (T need not equal S)" },
];

export async function mount(root, ctx) {
  const examples = await ctx.api("/api/tasks/examples");
  let shape = SHAPES.some((s) => s.key === ctx.get("shape", "one")) ? ctx.get("shape", "one") : "one";
  const tabs = el("div", { class: "row", role: "tablist" });
  const panelBox = el("div", { id: "task-panel" });
  const gradBox = el("div", { id: "task-grad" });
  root.append(tabs, panelBox, gradBox);

  const timers = [];
  const debounce = (fn) => { let t = null; timers.push(() => clearTimeout(t)); return () => { clearTimeout(t); t = setTimeout(fn, 150); }; };
  const request = (out, path, params, render) => {
    let ticket = 0;
    return async () => {
      const mine = ++ticket;
      try {
        const r = await ctx.api(path, params());
        if (mine === ticket && ctx.alive()) out.replaceChildren(render(r));
      } catch (error) {
        if (mine === ticket && ctx.alive()) out.replaceChildren(errorBox(error));
      }
    };
  };

  const panels = {
    one: sentimentPanel(ctx, examples, request, debounce),
    gen: namesPanel(ctx, examples, request, debounce),
    tag: posPanel(ctx, request, debounce),
    mt: translatePanel(ctx, request, debounce),
  };
  const buttons = SHAPES.map((s) => el("button", { type: "button", class: "action", id: `task-shape-${s.key}`, role: "tab",
    onclick: () => show(s.key) }, s.label));
  tabs.append(...buttons);

  async function show(key) {
    shape = key;
    ctx.set({ shape: key });
    SHAPES.forEach((s, i) => {
      const on = s.key === key;
      buttons[i].setAttribute("aria-selected", String(on));
      buttons[i].style.background = on ? "var(--accent)" : "";
      buttons[i].style.color = on ? "#fff" : "";
    });
    const info = SHAPES.find((s) => s.key === key);
    const panel = panels[key];
    panelBox.replaceChildren(el("div", { class: "card", "data-shape": key },
      el("h4", {}, info.title), el("p", { class: "muted num" }, info.diagram), panel.node));
    await panel.update();
  }

  const grad = gradientPanel(ctx, request, debounce);
  gradBox.append(grad.node);
  await Promise.all([show(shape), grad.update()]);
  return {
    // play: walk through the four shapes, resting on each; the gradient map stays below.
    async play(signal) {
      for (const s of SHAPES) {
        if (signal.aborted) throw new DOMException("paused", "AbortError");
        await show(s.key);
        await wait(2500, signal);
      }
    },
    unmount() { timers.forEach((stop) => stop()); },
  };
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new DOMException("paused", "AbortError")); return; }
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); reject(new DOMException("paused", "AbortError")); }, { once: true });
  });
}

function textInput(id, value) {
  return el("input", { type: "text", id, maxlength: "200", value, style: "flex: 1; min-width: 18em" });
}

function sentimentPanel(ctx, examples, request, debounce) {
  const text = textInput("task-sent-text", ctx.get("sent", "it is funny and not boring"));
  const pick = el("select", { id: "task-sent-example" }, el("option", { value: "" }, "examples …"),
    ...examples.probes.flat().map((s) => el("option", { value: s }, s)));
  const out = el("div", { id: "task-sent-out" });
  const update = request(out, "/api/tasks/sentiment", () => { ctx.set({ sent: text.value }); return { text: text.value }; }, renderSentiment);
  text.addEventListener("input", debounce(update));
  pick.addEventListener("change", () => { if (pick.value) { text.value = pick.value; update(); } });
  const reverse = el("button", { type: "button", class: "action", id: "task-sent-reverse",
    onclick: () => { text.value = text.value.trim().split(/\s+/).reverse().join(" "); update(); } }, "reverse the words");
  const node = el("div", {}, el("div", { class: "row" }, el("label", { for: "task-sent-text" }, "sentence"), text),
    el("div", { class: "row" }, pick, reverse), out);
  return { node, update };
}

// Words a model has no row for: it reads them as <unk>; say which, so the answer is not a mystery.
function unknownNote(words, key) {
  if (!words || !words.length) return null;
  return el("p", { class: "muted", "data-key": key }, `read as <unk> (not in this model's vocabulary): ${words.join(", ")}`);
}

function bar(p) {
  const width = Math.round(Math.max(0, Math.min(1, p)) * 100);
  return el("span", { class: "muted" }, ` ${"█".repeat(Math.round(width / 10))}${"░".repeat(10 - Math.round(width / 10))}`);
}

function renderSentiment(r) {
  const verdict = (p) => el("span", { class: p >= 0.5 ? "good" : "bad" }, p >= 0.5 ? " positive" : " negative");
  const row = (label, key, p) => el("tr", {}, el("td", {}, label), el("td", {}, num(key, p, 3, "num big"), bar(p), verdict(p)));
  const m = r.model;
  return el("div", { class: "cards" },
    el("div", { class: "card" }, el("h4", {}, `Bidirectional RNN (${m.hidden_size} units, ${m.pooling}-pooled)`),
      el("table", { class: "data" },
        row(r.words.join(" "), "sent-rnn", r.rnn.p_positive),
        row(r.reversed.join(" "), "sent-rnn-rev", r.rnn.p_positive_reversed)),
      el("p", { class: "muted" }, "SST-2 test accuracy ", num("sent-acc", m.test_accuracy, 3),
        ` on ${m.test_sentences} sentences, ${m.vocab_size} words known`), unknownNote(r.unknown, "sent-unknown")),
    el("div", { class: "card" }, el("h4", {}, "Bag of words (order-blind)"),
      el("table", { class: "data" },
        row("as typed", "sent-bow", r.bow.p_positive),
        row("reversed", "sent-bow-rev", r.bow.p_positive_reversed)),
      el("p", { class: "muted" }, "test accuracy ", num("sent-bow-acc", m.bow_test_accuracy, 3),
        ". Reversing the words cannot change its answer; the RNN reads the order.")));
}

function namesPanel(ctx, examples, request, debounce) {
  const lang = el("select", { id: "task-names-lang" }, ...examples.languages.map((l) => el("option", { value: l }, l)));
  lang.value = examples.languages.includes(ctx.get("lang", "Italian")) ? ctx.get("lang", "Italian") : examples.languages[0];
  const count = el("input", { type: "range", id: "task-names-count", min: "1", max: "12", step: "1", value: ctx.get("count", "8") });
  const temp = el("input", { type: "range", id: "task-names-temp", min: "0", max: "2", step: "0.1", value: ctx.get("temp", "0.8") });
  const countLabel = el("span", { class: "num" }), tempLabel = el("span", { class: "num" });
  const out = el("div", { id: "task-names-out" });
  const params = () => {
    countLabel.textContent = count.value;
    tempLabel.textContent = Number(temp.value).toFixed(1);
    ctx.set({ lang: lang.value, count: count.value, temp: temp.value });
    return { language: lang.value, count: count.value, temperature: temp.value, seed: ctx.seed };
  };
  const update = request(out, "/api/tasks/names", params, renderNames);
  lang.addEventListener("change", update);
  count.addEventListener("input", debounce(update));
  temp.addEventListener("input", debounce(update));
  const node = el("div", {},
    el("div", { class: "row" }, el("label", { for: "task-names-lang" }, "language"), lang),
    el("div", { class: "row" }, el("label", { for: "task-names-count" }, "names"), count, countLabel,
      el("label", { for: "task-names-temp" }, "temperature"), temp, tempLabel),
    out);
  return { node, update };
}

function renderNames(r) {
  return el("div", {},
    el("ol", { id: "task-names-list" }, ...r.names.map((n, i) => el("li", { "data-key": `name-${i}` }, n || "(empty)"))),
    el("p", { class: "muted" }, `Drawn with seed ${r.seed}; temperature 0 always takes the most likely letter. `,
      "Test NLL ", num("names-nll", r.model.test_nll_per_char, 3), " nats/char (a smoothed trigram: ",
      num("names-trigram", r.model.trigram_test_nll_per_char, 3), `), ${r.model.hidden_size} hidden units.`));
}

function posPanel(ctx, request, debounce) {
  const text = textInput("task-pos-text", ctx.get("pos", "The old man saw a dog in the park ."));
  const out = el("div", { id: "task-pos-out" });
  const update = request(out, "/api/tasks/pos", () => { ctx.set({ pos: text.value }); return { text: text.value }; }, renderTags);
  text.addEventListener("input", debounce(update));
  return { node: el("div", {}, el("div", { class: "row" }, el("label", { for: "task-pos-text" }, "sentence"), text), out), update };
}

function renderTags(r) {
  return el("div", {},
    el("table", { class: "data" },
      el("tr", {}, ...r.words.map((w) => el("td", {}, w))),
      el("tr", {}, ...r.tags.map((t, i) => el("td", { "data-key": `pos-tag-${i}`, class: "num" }, t)))),
    el("p", { class: "muted" }, "EWT test token accuracy ", num("pos-acc", r.model.test_accuracy, 3),
      ` (${r.model.test_tokens} tokens); ${r.model.bidirectional ? "bidirectional" : "left-to-right"}, `,
      `${r.model.hidden_size} units, ${r.model.vocab_size} words known, capitalisation and suffix read as word shape.`),
    unknownNote(r.unknown, "pos-unknown"));
}

function translatePanel(ctx, request, debounce) {
  const text = textInput("task-mt-text", ctx.get("mt", "ein kleines mädchen spielt im wasser ."));
  const beam = el("input", { type: "range", id: "task-mt-beam", min: "1", max: "3", step: "1", value: ctx.get("beam", "1") });
  const beamLabel = el("span", { class: "num" });
  const out = el("div", { id: "task-mt-out" });
  const params = () => {
    beamLabel.textContent = beam.value === "1" ? "1 (greedy)" : beam.value;
    ctx.set({ mt: text.value, beam: beam.value });
    return { text: text.value, beam: beam.value };
  };
  const update = request(out, "/api/tasks/translate", params, renderTranslation);
  text.addEventListener("input", debounce(update));
  beam.addEventListener("input", debounce(update));
  const node = el("div", {},
    el("div", { class: "row" }, el("label", { for: "task-mt-text" }, "German"), text),
    el("div", { class: "row" }, el("label", { for: "task-mt-beam" }, "beam width"), beam, beamLabel), out);
  return { node, update };
}

function renderTranslation(r) {
  if (!r.shipped) {
    return el("p", { class: "muted", id: "task-mt-missing" }, r.detail, " Build it with: ", el("code", {}, r.command));
  }
  return el("div", {},
    el("p", {}, "English: ", el("span", { class: "big", "data-key": "mt-translation" }, r.translation || "(nothing)")),
    el("p", { class: "muted" }, `${r.beam === 1 ? "greedy" : `beam search, width ${r.beam}`}; `,
      `${r.tokens.length} source words → ${r.words.length} target words. Multi30k test BLEU `,
      num("mt-bleu", r.model.test_bleu, 1), ` (${r.model.bleu_decoder}, ${r.model.test_pairs} sentences).`),
    unknownNote(r.unknown, "mt-unknown"));
}

function gradientPanel(ctx, request, debounce) {
  const layers = el("input", { type: "range", id: "task-grad-layers", min: "1", max: "6", step: "1", value: ctx.get("layers", "3") });
  const steps = el("input", { type: "range", id: "task-grad-steps", min: "2", max: "60", step: "1", value: ctx.get("steps", "30") });
  const layersLabel = el("span", { class: "num" }), stepsLabel = el("span", { class: "num" });
  const out = el("div", { id: "task-grad-out" });
  const params = () => {
    layersLabel.textContent = layers.value;
    stepsLabel.textContent = steps.value;
    ctx.set({ layers: layers.value, steps: steps.value });
    return { layers: layers.value, steps: steps.value, seed: ctx.seed };
  };
  const update = request(out, "/api/tasks/gradients", params, renderGradients);
  layers.addEventListener("input", debounce(update));
  steps.addEventListener("input", debounce(update));
  const node = el("div", { class: "card" }, el("h4", {}, "Stacked RNN: where does the gradient reach?"),
    el("div", { class: "row" }, el("label", { for: "task-grad-layers" }, "layers"), layers, layersLabel,
      el("label", { for: "task-grad-steps" }, "steps T"), steps, stepsLabel),
    out);
  return { node, update };
}

function renderGradients(r) {
  const rows = r.log10.map((_, i) => r.log10[r.log10.length - 1 - i]);   // top layer drawn on top
  const rowLabels = rows.map((_, i) => `layer ${r.layers - i}`);
  const colLabels = rows[0].map((_, t) => (t % 5 === 0 || t === r.steps - 1 ? `t=${t}` : ""));
  return el("div", {},
    heatMap({ matrix: rows, rowLabels, colLabels, diverging: false,
      title: `log₁₀ ‖∂L/∂hᵗ‖, L = the top layer's output at t=${r.steps - 1} (seed ${r.seed})` }),
    el("p", {}, "top layer, last step ", num("grad-top-last", r.top_last, 3),
      " · top layer, first step ", num("grad-top-first", r.top_first, 3),
      " · first layer, last step ", num("grad-bottom-last", r.bottom_last, 3),
      " · first layer, first step ", num("grad-bottom-first", r.bottom_first, 3)),
    el("p", { class: "muted" }, "Back through time the gradient keeps ", num("grad-time-ratio", r.time_ratio, 3),
      " of itself; down through the layers ", num("grad-depth-ratio", r.depth_ratio, 3),
      `. ${r.hidden_size} tanh units per layer, default initialisation, a random input of ${r.input_size} numbers per step.`),
    el("p", { class: "muted" }, `darker = larger; ${fmt(Math.min(...r.log10.flat().filter(Number.isFinite)), 1)} … `,
      `${fmt(Math.max(...r.log10.flat().filter(Number.isFinite)), 1)} in log₁₀`));
}
