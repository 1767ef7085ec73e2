// Step 6: the four task shapes, each run by a small shipped model, and a stacked RNN's layer × time gradient map.

import { sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { heatMap } from "../charts.js";
import { arrow, box, diagram, note } from "../diagram.js";
import { duration, flowAlong } from "../motion.js";
import { liveRamp, role } from "../palette.js";
import { prose } from "../prose.js";
import { linkTerms } from "../terms.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { debounce, latest } from "../requests.js";
import { probesCard, tieCard } from "./tasks_probes.js";

// A number tests read back exactly (data-key, data-value), shown with a raised exponent when tiny or huge.
function num(key, value, digits = 3, cls = "num") {
  const span = numberNode(value, digits, cls);
  span.dataset.key = key;
  return span;
}

const SHAPES = [
  { key: "one", label: "many → one", title: "Sentiment: a whole sentence in, one probability out" },
  { key: "gen", label: "one → many", title: "Names: one language in, a name out, one letter at a time" },
  { key: "tag", label: "many → many (aligned)", title: "Part of speech: a tag under every word" },
  { key: "mt", label: "encoder–decoder", title: "Translation: German in, English out, lengths free" },
];

export async function mount(root, ctx) {
  linkTerms();
  const life = new AbortController();
  const [examples, probes] = await Promise.all([ctx.api("/api/tasks/examples"), ctx.api("/api/tasks/probes")]);
  let shape = SHAPES.some((s) => s.key === ctx.get("shape", "one")) ? ctx.get("shape", "one") : "one";
  const tabs = el("div", { class: "row task-tabs", role: "tablist", "aria-label": "Shape of the task" });
  const panelBox = el("div", { id: "task-panel", role: "tabpanel" });
  const gradBox = el("div", { id: "task-grad" });
  root.classList.add("tasks");
  root.append(tabs, panelBox, gradBox);

  const answers = {};         // the latest answer of each shape's model, for its diagram's labels
  let flow = null;
  const soon = (fn) => debounce(fn, 150, life.signal);
  // A panel's update: ask, render into out; with a key, the shape's diagram also shows the live model's words and
  // answers beside its boxes.
  const request = (out, path, params, render, key = null) => {
    const ask = latest(ctx, life.signal);
    return () => ask((signal) => ctx.api(path, params(), signal), async (r) => {
      out.replaceChildren(await render(r));
      if (key) { answers[key] = r; if (key === shape) flow?.label(LIVE[key](r)); }
    }, (error) => { out.replaceChildren(errorBox(error)); render.failed?.(); });
  };

  const panels = {
    one: sentimentPanel(ctx, examples, request, soon, probes),
    gen: namesPanel(ctx, examples, request, soon),
    tag: posPanel(ctx, request, soon),
    mt: translatePanel(ctx, request, soon),
  };
  const buttons = SHAPES.map((s) => el("button", { type: "button", class: "action", id: `task-shape-${s.key}`, role: "tab",
    "aria-controls": "task-panel", onclick: () => { show(s.key).then(() => flow?.run(life.signal)); } }, s.label));
  tabs.append(...buttons);

  async function show(key) {
    shape = key;
    ctx.set({ shape: key });
    SHAPES.forEach((s, i) => buttons[i].setAttribute("aria-selected", String(s.key === key)));
    const info = SHAPES.find((s) => s.key === key);
    const panel = panels[key];
    flow = shapeDiagram(key);
    panelBox.setAttribute("aria-labelledby", `task-shape-${key}`);
    panelBox.replaceChildren(el("div", { class: "card", "data-shape": key },
      el("h4", {}, info.title), flow.root, panel.node));
    if (answers[key]) flow.label(LIVE[key](answers[key]));
    await panel.update();
  }

  const grad = gradientPanel(ctx, request, soon);
  gradBox.append(grad.node);
  await Promise.all([show(shape), grad.update()]);
  return {
    // play: walk through the four shapes; on each, values flow through its diagram, then it rests a moment.
    async play(signal) {
      for (const s of SHAPES) {
        if (signal.aborted) throw new DOMException("paused", "AbortError");
        await show(s.key);
        await flow.run(AbortSignal.any([signal, life.signal]));
        await sleep(1500, signal);
      }
    },
    unmount() { life.abort(); },
  };
}

// ---- the four shapes as box diagrams: inputs x (bottom), states h (middle), outputs ŷ (top) ----

const COL = 76, MARGIN = 12, BOX = { w: 54, h: 36 }, CELL = { w: 58, h: 40 };
const ROW = { y: 34, h: 114, x: 200 };          // top edges of the three rows
const HEIGHT = 262;                             // room above ŷ and below x for the live model's words

// One shape's diagram and its flow: run(signal) sends a value along every edge in the order the network
// computes them (all steps' inputs, the recurrence, the outputs), colour by role; nothing moves under reduced motion.
export function shapeDiagram(key) {
  const plan = PLANS[key];
  const d = diagram({ width: plan.width, height: HEIGHT, title: plan.title, description: plan.description });
  d.svg.id = `task-diagram-${key}`;
  const order = plan.draw(d);
  const slots = { x: plan.slots.x.map((i, k) => liveNote(d, i, ROW.x + BOX.h + 12, "x", k)),
    y: plan.slots.y.map((i, k) => liveNote(d, i, ROW.y - 12, "y", k)) };
  return {
    root: d.root,
    // label({x: [...], y: [...]}): the live words under the inputs and the answers over the outputs
    label(live) {
      for (const r of ["x", "y"]) slots[r].forEach((set, k) => set(live[r]?.[k] ?? ""));
    },
    async run(signal) {
      const ms = duration("--dur-flow") / 2.5;
      for (const group of order) {
        if (signal?.aborted) return;
        await Promise.all(group.map(([a, roleName]) => flowAlong(a.path, { color: role(roleName), ms, signal })));
      }
    },
  };
}

const colX = (i) => MARGIN + i * COL;

// A word of the live model's, centred on column i; set(text) replaces it (plain text, never typeset).
function liveNote(d, i, y, roleName, k) {
  const fo = note(d, { x: colX(i) + CELL.w / 2, y, text: " ", width: COL - 2, height: 18 });
  fo.setAttribute("class", "task-live");
  fo.dataset.live = `${roleName}${k}`;
  const box = fo.firstChild;
  box.style.color = `var(--c-${roleName}-ink)`;
  box.style.fontSize = "var(--fs-min)";
  return (text) => {
    const unknown = String(text).endsWith(" ?");              // a word the model reads as <unk>: marked in red
    const t = unknown ? String(text).slice(0, -2) : String(text);
    box.textContent = (unknown ? short(t, 7) : short(t, 10)) + (unknown ? " ?" : "");
    box.style.color = unknown ? "var(--bad)" : `var(--c-${roleName}-ink)`;
    if (t.length > 10 || unknown) fo.setAttribute("aria-label", unknown ? `${t}, unknown to the model` : t);
    else fo.removeAttribute("aria-label");
  };
}

const short = (t, n) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);

// The live notes for a shape from its panel's latest answer: up to n items, the first n − 1 and the last.
function ends(list, n) {
  const out = Array(n).fill("");
  list.slice(0, Math.min(list.length - 1, n - 1)).forEach((v, i) => { out[i] = v; });
  if (list.length) out[n - 1] = list[list.length - 1];
  return out;
}

const LIVE = {
  one: (r) => ({ x: ends(r.words, 4), y: [`P(+) ${r.rnn.p_positive.toFixed(2)}`] }),
  gen: (r) => ({ x: [r.language], y: ends([...(r.names[0] ?? "")], 4) }),
  tag: (r) => ({ x: ends(r.words, 4), y: ends(r.tags, 4) }),
  mt: (r) => (r.shipped ? { x: ends(r.tokens.map((t, i) => (r.known[i] ? t : `${t} ?`)), 3), y: ends(r.words, 3) } : { x: [], y: [] }),
};
const widthOf = (columns) => 2 * MARGIN + (columns - 1) * COL + CELL.w;
const xBox = (d, i, label) => box(d, { x: colX(i) + (CELL.w - BOX.w) / 2, y: ROW.x, ...BOX, label, role: "x", term: "x" });
const hBox = (d, i, label, extra = {}) => box(d, { x: colX(i), y: ROW.h, ...CELL, label, role: "h", term: "h", ...extra });
const yBox = (d, i, label) => box(d, { x: colX(i) + (CELL.w - BOX.w) / 2, y: ROW.y, ...BOX, label, role: "y", term: "y" });
const up = (d, from, to, roleName, term) => arrow(d, { from, to, role: roleName, term });
const chain = (d, hs, term = "W_hh") => hs.slice(1).map((h, i) => arrow(d, { from: hs[i], to: h, role: "h", term }));

const STEPS = ["1", "2", "3", "T"];
const PLANS = {
  one: {
    width: widthOf(4), title: "Many to one", slots: { x: [0, 1, 2, 3], y: [3] },
    description: "inputs x_1 to x_T each enter the recurrent state; only the last state h_T produces the output y",
    draw(d) {
      const xs = STEPS.map((t, i) => xBox(d, i, `$x_{${t}}$`));
      const hs = STEPS.map((t, i) => hBox(d, i, `$h_{${t}}$`));
      const y = yBox(d, 3, "$\\hat y$");
      const ins = xs.map((x, i) => up(d, x, hs[i], "x", "W_xh"));
      const rec = chain(d, hs);
      const out = up(d, hs[3], y, "y", "W_hy");
      return [[[ins[0], "x"]], ...rec.map((a, i) => [[ins[i + 1], "x"], [a, "h"]]), [[out, "y"]]];
    },
  },
  gen: {
    width: widthOf(4), title: "One to many", slots: { x: [0], y: [0, 1, 2, 3] },
    description: "one input (the language) starts the state; every step emits an output y_t, which is fed back as the next step's input",
    draw(d) {
      const x = xBox(d, 0, "$x$");
      const hs = STEPS.map((t, i) => hBox(d, i, `$h_{${t}}$`));
      const ys = STEPS.map((t, i) => yBox(d, i, `$\\hat y_{${t}}$`));
      const first = up(d, x, hs[0], "x", "W_xh");
      const rec = chain(d, hs);
      const outs = hs.map((h, i) => up(d, h, ys[i], "y", "W_hy"));
      const back = ys.slice(0, 3).map((y, i) => arrow(d, { from: [y.box.x + y.box.w + 2, y.box.cy + 6],
        to: [hs[i + 1].box.x + 8, hs[i + 1].box.y - 2], role: "y", bend: -8, term: "y" }));
      return [[[first, "x"]], [[outs[0], "y"]], ...rec.map((a, i) => [[back[i], "y"], [a, "h"]]).flatMap((g, i) => [g, [[outs[i + 1], "y"]]])];
    },
  },
  tag: {
    width: widthOf(4), title: "Many to many, aligned", slots: { x: [0, 1, 2, 3], y: [0, 1, 2, 3] },
    description: "every input x_t enters the state h_t, and every state emits an output y_t at the same step",
    draw(d) {
      const xs = STEPS.map((t, i) => xBox(d, i, `$x_{${t}}$`));
      const hs = STEPS.map((t, i) => hBox(d, i, `$h_{${t}}$`));
      const ys = STEPS.map((t, i) => yBox(d, i, `$\\hat y_{${t}}$`));
      const ins = xs.map((x, i) => up(d, x, hs[i], "x", "W_xh"));
      const rec = chain(d, hs);
      const outs = hs.map((h, i) => up(d, h, ys[i], "y", "W_hy"));
      return hs.map((_, i) => [[ins[i], "x"], ...(i ? [[rec[i - 1], "h"]] : [])]).flatMap((g, i) => [g, [[outs[i], "y"]]]);
    },
  },
  mt: {
    width: widthOf(7), title: "Encoder and decoder", slots: { x: [0, 1, 2], y: [4, 5, 6] },
    description: "the encoder reads x_1 to x_S into states; its summary c starts the decoder, whose states s_t emit y_1 to y_T, each fed back as the next input; T need not equal S",
    draw(d) {
      const src = ["1", "2", "S"];
      const xs = src.map((t, i) => xBox(d, i, `$x_{${t}}$`));
      const hs = src.map((t, i) => hBox(d, i, `$h_{${t}}$`));
      const c = hBox(d, 3, "$c$", { dashed: true });
      const tgt = ["1", "2", "T"];
      const ss = tgt.map((t, i) => hBox(d, i + 4, `$s_{${t}}$`));
      const ys = tgt.map((t, i) => yBox(d, i + 4, `$\\hat y_{${t}}$`));
      note(d, { x: colX(1) + CELL.w / 2, y: ROW.h - 12, text: "encoder" });
      note(d, { x: colX(5) + CELL.w / 2, y: ROW.h + CELL.h + 34, text: "decoder" });
      const ins = xs.map((x, i) => up(d, x, hs[i], "x", "W_xh"));
      const enc = chain(d, [...hs, c]);
      const dec = chain(d, [c, ...ss]);
      const outs = ss.map((s, i) => up(d, s, ys[i], "y", "W_hy"));
      const back = ys.slice(0, 2).map((y, i) => arrow(d, { from: [y.box.x + y.box.w + 2, y.box.cy + 6],
        to: [ss[i + 1].box.x + 8, ss[i + 1].box.y - 2], role: "y", bend: -8, term: "y" }));
      return [[[ins[0], "x"]], [[enc[0], "h"], [ins[1], "x"]], [[enc[1], "h"], [ins[2], "x"]], [[enc[2], "h"]], [[dec[0], "h"]],
        [[outs[0], "y"]], [[back[0], "y"], [dec[1], "h"]], [[outs[1], "y"]], [[back[1], "y"], [dec[2], "h"]], [[outs[2], "y"]]];
    },
  },
};

function textInput(id, value) {
  return el("input", { type: "text", id, maxlength: "200", value, class: "task-text" });
}

// The sentence box, the RNN beside its bag of words, then the probes (judged live) and the SST-2 tie.
function sentimentPanel(ctx, examples, request, soon, probes) {
  const text = textInput("task-sent-text", ctx.get("sent", "it is funny and not boring"));
  const pick = el("select", { id: "task-sent-example", "aria-label": "example sentences" }, el("option", { value: "" }, "examples …"),
    ...examples.probes.flat().map((s) => el("option", { value: s }, s)));
  const out = el("div", { id: "task-sent-out" });
  const update = request(out, "/api/tasks/sentiment", () => { ctx.set({ sent: text.value }); return { text: text.value }; },
    renderSentiment, "one");
  text.addEventListener("input", soon(update));
  pick.addEventListener("change", () => { if (pick.value) { text.value = pick.value; update(); } });
  const reverse = el("button", { type: "button", class: "action", id: "task-sent-reverse",
    onclick: () => { text.value = text.value.trim().split(/\s+/).reverse().join(" "); update(); } }, "reverse the words");
  const use = (sentence) => { text.value = sentence; update(); text.scrollIntoView({ block: "nearest" }); };
  const node = el("div", {}, el("div", { class: "row" }, el("label", { for: "task-sent-text" }, "sentence"), text),
    el("div", { class: "row" }, pick, reverse), out, probesCard(probes, use), tieCard(probes));
  return { node, update };
}

// Words a model has no row for: it reads them as <unk>; say which, so the answer is not a mystery.
function unknownNote(words, key) {
  if (!words || !words.length) return null;
  return el("p", { class: "muted", "data-key": key }, `read as <unk> (not in this model's vocabulary): ${words.join(", ")}`);
}

// P(positive) as a bar in the output's colour, on a fixed 0–1 scale with a tick at 0.5 (the decision line).
function bar(p) {
  const fill = el("span", { class: "task-bar-fill" });
  fill.style.width = `${(Math.max(0, Math.min(1, p)) * 100).toFixed(1)}%`;
  return el("span", { class: "task-bar", role: "img", "aria-label": `P(positive) ${formatNumber(p)}`, "data-term": "y" }, fill);
}

function renderSentiment(r) {
  const verdict = (p) => el("span", { class: p >= 0.5 ? "good" : "bad" }, p >= 0.5 ? " positive" : " negative");
  const row = (words, key, p) => el("tr", {}, el("td", {}, words), el("td", {}, num(key, p, 3, "num big")), el("td", {}, bar(p), verdict(p)));
  const head = () => el("tr", {}, el("th", { scope: "col" }, "input"), el("th", { scope: "col" }, label("$P(\\text{positive})$")),
    el("th", { scope: "col" }, ""));
  const m = r.model;
  return el("div", { class: "cards" },
    el("div", { class: "card" }, el("h4", {}, `Bidirectional RNN (${m.hidden_size} units, ${m.pooling}-pooled)`),
      el("table", { class: "data" }, head(),
        row(r.words.join(" "), "sent-rnn", r.rnn.p_positive),
        row(r.reversed.join(" "), "sent-rnn-rev", r.rnn.p_positive_reversed)),
      el("p", { class: "muted" }, "SST-2 test accuracy ", num("sent-acc", m.test_accuracy, 3),
        ` on ${m.test_sentences} sentences, ${m.vocab_size} words known`), unknownNote(r.unknown, "sent-unknown")),
    el("div", { class: "card" }, el("h4", {}, "Bag of words (order-blind)"),
      el("table", { class: "data" }, head(),
        row("as typed", "sent-bow", r.bow.p_positive),
        row("reversed", "sent-bow-rev", r.bow.p_positive_reversed)),
      el("p", { class: "muted" }, "test accuracy ", num("sent-bow-acc", m.bow_test_accuracy, 3),
        ". Reversing the words cannot change its answer; the RNN reads the order.")));
}

function namesPanel(ctx, examples, request, soon) {
  const lang = el("select", { id: "task-names-lang" }, ...examples.languages.map((l) => el("option", { value: l }, l)));
  lang.value = examples.languages.includes(ctx.get("lang", "Italian")) ? ctx.get("lang", "Italian") : examples.languages[0];
  const count = el("input", { type: "range", id: "task-names-count", min: "1", max: "12", step: "1", value: ctx.get("count", "8") });
  const temp = el("input", { type: "range", id: "task-names-temp", min: "0", max: "2", step: "0.1", value: ctx.get("temp", "0.8") });
  const countLabel = el("output", { class: "num", for: "task-names-count" }), tempLabel = el("output", { class: "num", for: "task-names-temp" });
  const out = el("div", { id: "task-names-out" });
  const params = () => {
    countLabel.textContent = count.value;
    tempLabel.textContent = Number(temp.value) === 0 ? "greedy" : Number(temp.value).toFixed(1);
    ctx.set({ lang: lang.value, count: count.value, temp: temp.value });
    return { language: lang.value, count: count.value, temperature: temp.value, seed: ctx.seed };
  };
  const update = request(out, "/api/tasks/names", params, renderNames, "gen");
  lang.addEventListener("change", update);
  count.addEventListener("input", soon(update));
  temp.addEventListener("input", soon(update));
  const node = el("div", {},
    el("div", { class: "row" }, el("label", { for: "task-names-lang" }, "language"), lang),
    el("div", { class: "row" }, slider("task-names-count", "names", count, countLabel),
      slider("task-names-temp", "temperature", temp, tempLabel)),
    out);
  return { node, update };
}

// Temperature 0 is greedy decoding: the most likely letter every time, so every draw is the same name; the
// draws are listed once each with how often they came.
function renderNames(r) {
  const items = r.distinct.map(([n, k], i) => el("li", { "data-key": `name-${i}`, "data-count": String(k) }, n || "(empty)",
    k > 1 ? el("span", { class: "muted task-times" }, ` ×${k}`) : ""));
  const mode = r.greedy
    ? el("p", { id: "task-names-mode", class: "task-greedy" }, el("strong", {}, "Greedy (always the most likely letter). "),
      `At temperature 0 nothing is drawn at random: each step takes the letter the model rates highest, so all ${r.count} `,
      "names are the same and the seed has no say. Raise the temperature to sample.")
    : el("p", { id: "task-names-mode" }, `Sampled: each letter is drawn from the model's distribution `,
      `${r.temperature < 1 ? "sharpened" : r.temperature > 1 ? "flattened" : "as it is"} by temperature ${Number(r.temperature).toFixed(1)} `,
      `(seed ${r.seed}): ${r.count} draws, ${r.distinct.length} different.`);
  return el("div", {}, mode, el("ol", { id: "task-names-list" }, ...items),
    el("p", { class: "muted" }, "Test NLL ", num("names-nll", r.model.test_nll_per_char, 3), " nats/char (a smoothed trigram: ",
      num("names-trigram", r.model.trigram_test_nll_per_char, 3), `), ${r.model.hidden_size} hidden units.`));
}

// A labelled slider whose value stays beside it at every width (the chapter's shared .ctl rule).
function slider(id, text, input, output) {
  return el("div", { class: "ctl" }, el("label", { for: id }, label(text)), el("span", { class: "ctl-slider" }, input, output));
}

function posPanel(ctx, request, soon) {
  const text = textInput("task-pos-text", ctx.get("pos", "The old man saw a dog in the park ."));
  const out = el("div", { id: "task-pos-out" });
  const update = request(out, "/api/tasks/pos", () => { ctx.set({ pos: text.value }); return { text: text.value }; }, renderTags, "tag");
  text.addEventListener("input", soon(update));
  return { node: el("div", {}, el("div", { class: "row" }, el("label", { for: "task-pos-text" }, "sentence"), text), out), update };
}

function renderTags(r) {
  return el("div", {},
    el("div", { class: "scroll-x" }, el("table", { class: "data task-tags" },
      el("tr", { "data-term": "x" }, el("th", { scope: "row" }, label("word $x_t$")), ...r.words.map((w) => el("td", {}, w))),
      el("tr", { "data-term": "y" }, el("th", { scope: "row" }, label("tag $\\hat y_t$")),
        ...r.tags.map((t, i) => el("td", { "data-key": `pos-tag-${i}`, class: "num" }, t))))),
    el("p", { class: "muted" }, "EWT test token accuracy ", num("pos-acc", r.model.test_accuracy, 3),
      ` (${r.model.test_tokens} tokens); ${r.model.bidirectional ? "bidirectional" : "left-to-right"}, `,
      `${r.model.hidden_size} units, ${r.model.vocab_size} words known, capitalisation and suffix read as word shape.`),
    unknownNote(r.unknown, "pos-unknown"));
}

function translatePanel(ctx, request, soon) {
  const text = textInput("task-mt-text", ctx.get("mt", "ein kleines mädchen spielt im wasser ."));
  const beam = el("input", { type: "range", id: "task-mt-beam", min: "1", max: "3", step: "1", value: ctx.get("beam", "1") });
  const beamLabel = el("output", { class: "num", for: "task-mt-beam" });
  const out = el("div", { id: "task-mt-out" });
  const params = () => {
    beamLabel.textContent = beam.value === "1" ? "1 (greedy)" : beam.value;
    ctx.set({ mt: text.value, beam: beam.value });
    return { text: text.value, beam: beam.value };
  };
  const read = el("div", { id: "task-mt-input" });   // the input as the model reads it, right under the box
  const render = (r) => renderTranslation(r, read);
  render.failed = () => read.replaceChildren();        // no stale marks under a sentence that was refused
  const update = request(out, "/api/tasks/translate", params, render, "mt");
  text.addEventListener("input", soon(update));
  beam.addEventListener("input", soon(update));
  const node = el("div", {},
    el("div", { class: "row" }, el("label", { for: "task-mt-text" }, "German"), text), read,
    el("div", { class: "row" }, slider("task-mt-beam", "beam width", beam, beamLabel)), out);
  return { node, update };
}

function renderTranslation(r, readBox) {
  readBox.replaceChildren();
  if (!r.shipped) {
    return el("p", { class: "muted", id: "task-mt-missing" }, r.detail, " Build it with: ", el("code", {}, r.command));
  }
  const unknown = r.unknown.length;
  // the input as the encoder reads it: each word marked known or not (an unknown one is read as <unk>)
  const read = el("p", { id: "task-mt-read", class: "task-chips" }, el("span", { class: "muted" }, "the model reads: "),
    ...r.tokens.map((t, i) => el("span", { class: r.known[i] ? "task-chip" : "task-chip task-unk", "data-known": String(r.known[i]),
      title: r.known[i] ? "in the vocabulary" : "not in the vocabulary: read as <unk>" }, t,
    r.known[i] ? "" : el("span", { class: "task-unk-mark" }, " ? unknown"))));
  const warning = unknown ? el("p", { id: "task-mt-warning", class: "task-warn", role: "note" },
    el("strong", {}, "Do not trust this translation. "),
    `${unknown} of the ${r.tokens.length} words (${r.unknown.join(", ")}) ${unknown === 1 ? "is" : "are"} not among the `,
    `${r.model.source_vocab_size} German words the model learned from image captions. It reads ${unknown === 1 ? "it" : "each"} `,
    "as <unk> and writes a fluent caption around the gap, whatever the sentence said.") : null;
  readBox.replaceChildren(read);
  return el("div", {}, warning,
    el("p", {}, "English: ", el("span", { class: unknown ? "big task-untrusted" : "big", "data-key": "mt-translation",
      "data-trusted": String(r.trusted) }, r.translation || "(nothing)")),
    el("p", { class: "muted" }, `${r.beam === 1 ? "greedy" : `beam search, width ${r.beam}`}; `,
      `${r.tokens.length} source words → ${r.words.length} target words. Multi30k test BLEU `,
      num("mt-bleu", r.model.test_bleu, 1), ` (${r.model.bleu_decoder}, ${r.model.test_pairs} sentences). `,
      "Trained on captions of photos, it turns any sentence into one."));
}

function gradientPanel(ctx, request, soon) {
  const layers = el("input", { type: "range", id: "task-grad-layers", min: "1", max: "6", step: "1", value: ctx.get("layers", "3") });
  const steps = el("input", { type: "range", id: "task-grad-steps", min: "2", max: "60", step: "1", value: ctx.get("steps", "30") });
  const layersLabel = el("output", { class: "num", for: "task-grad-layers" }), stepsLabel = el("output", { class: "num", for: "task-grad-steps" });
  const out = el("div", { id: "task-grad-out" });
  const params = () => {
    layersLabel.textContent = layers.value;
    stepsLabel.textContent = steps.value;
    ctx.set({ layers: layers.value, steps: steps.value });
    return { layers: layers.value, steps: steps.value, seed: ctx.seed };
  };
  const update = request(out, "/api/tasks/gradients", params, renderGradients);
  layers.addEventListener("input", soon(update));
  steps.addEventListener("input", soon(update));
  const node = el("div", { class: "card" }, el("h4", {}, "Stacked RNN: where does the gradient reach?"),
    el("div", { class: "row" }, slider("task-grad-layers", "layers $L$", layers, layersLabel),
      slider("task-grad-steps", "steps $T$", steps, stepsLabel)),
    out);
  return { node, update };
}

// The colour scale is fixed (10⁻¹² … 10¹, whatever the sliders say), so maps can be compared; the few cells
// beyond it (six layers, sixty steps) take the lightest colour.
const GRAD_LOG10 = [-12, 1];

// A colour legend for a map of log₁₀ values: the ramp at a fixed width with 10ⁿ labels under it, 12 px.
function logColorLegend([lo, hi], tex, stops) {
  const width = 260;
  const bar = el("span", { class: "task-ramp", role: "img",
    "aria-label": `colour scale from 10 to the ${lo} (lightest) to 10 to the ${hi} (darkest)` });
  bar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
  bar.style.width = `${width}px`;
  const ticks = el("span", { class: "task-ramp-ticks", "aria-hidden": "true" });
  ticks.style.width = `${width}px`;
  for (let n = Math.ceil(lo / 4) * 4; n <= hi; n += 4) {
    const at = el("span", { class: "num" }, "10", el("sup", { class: "exponent" }, String(n).replace("-", "−")));
    at.style.left = `${((n - lo) / (hi - lo)) * width}px`;
    ticks.append(at);
  }
  return el("div", { class: "task-colorbar" }, label(tex), el("span", { class: "task-ramp-box" }, bar, ticks));
}

async function renderGradients(r) {
  const rows = r.log10.map((_, i) => r.log10[r.log10.length - 1 - i]);   // top layer drawn on top
  const norms = r.norms.map((_, i) => r.norms[r.norms.length - 1 - i]);
  const rowLabels = rows.map((_, i) => `layer ${r.layers - i}`);
  const colLabels = rows[0].map((_, t) => (t % 5 === 0 || t === r.steps - 1 ? String(t) : ""));
  const figure = await heatMap({ matrix: rows.map((row) => row.map((v) => v ?? NaN)), rows: rowLabels, cols: colLabels,
    cell: 24, cellWidth: 14, diverging: false, domain: GRAD_LOG10,
    title: "$\\|\\partial L/\\partial h^{l}_{t}\\|$ by layer $l$ and step $t$",
    legendLabel: "$\\log_{10}\\|\\partial L/\\partial h^{l}_{t}\\|$" });
  figure.querySelector(".colorbar")?.replaceWith(logColorLegend(GRAD_LOG10, "$\\|\\partial L/\\partial h^{l}_{t}\\|$", liveRamp("sequential")));
  // each cell's tooltip gives the norm itself, not its logarithm
  const cells = rows.flatMap((row, i) => row.map((v, t) => ({ i, t, v }))).filter((c) => Number.isFinite(c.v));
  figure.querySelectorAll("svg.fig rect").forEach((rect, k) => {
    const c = cells[k];
    const title = rect.querySelector("title");
    if (c && title) title.textContent = `${rowLabels[c.i]}, t = ${c.t}: ${formatNumber(norms[c.i][c.t])}`;
  });
  const ratio = (key, value) => num(key, value, 3);
  return el("div", {}, figure,
    el("div", { class: "cards task-corners" },
      el("div", {}, el("div", { class: "muted" }, "top layer, last step"), num("grad-top-last", r.top_last, 3, "num big")),
      el("div", {}, el("div", { class: "muted" }, "top layer, first step"), num("grad-top-first", r.top_first, 3, "num big")),
      el("div", {}, el("div", { class: "muted" }, "first layer, last step"), num("grad-bottom-last", r.bottom_last, 3, "num big")),
      el("div", {}, el("div", { class: "muted" }, "first layer, first step"), num("grad-bottom-first", r.bottom_first, 3, "num big"))),
    prose("p", { class: "muted" }, `The loss $L$ reads the top layer's state at the last step, $t = ${r.steps - 1}$. `,
      "Back through time the gradient keeps ", ratio("grad-time-ratio", r.time_ratio),
      " of itself; down through the layers ", ratio("grad-depth-ratio", r.depth_ratio),
      `. ${r.hidden_size} tanh units per layer, default initialisation, a random input of ${r.input_size} numbers per step (seed ${r.seed}).`));
}
