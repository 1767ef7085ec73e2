// Step 1: two sentences read three ways: a bag of words (order gone), a feedforward network as wide as sentence A
// (it sees order, at that one length only) and an RNN (order kept, any length). A line of verdicts on top says at
// once which readers tell the sentences apart; the panels below show why: the counts, the fixed input slots with
// the network's outputs, the RNN's final states as strips of coloured units. Then the seed's list of sequence tasks.

import { el, errorBox, fmt, num } from "../draw.js";
import { arrow, box, diagram, note, svgEl } from "../diagram.js";
import { tweenNumber, duration } from "../motion.js";
import { liveRamp, liveRampColor } from "../palette.js";
import { label } from "../tex.js";
import { colorBar } from "../charts.js";
import { linkTerms } from "../terms.js";
import { debounce, latest } from "../requests.js";
import { taskList } from "./sequences_tasks.js";

const SHOWN_WORDS = 10;     // slots drawn per sentence; more words are summed up in one box
const MAX_CHARS = 200;      // the server's bound too; the field stops typing there

export async function mount(root, ctx) {
  linkTerms();
  const a = el("input", { type: "text", id: "seq-a", maxlength: String(MAX_CHARS), value: ctx.get("a", "the dog bit the man") });
  const b = el("input", { type: "text", id: "seq-b", maxlength: String(MAX_CHARS), value: ctx.get("b", "the man bit the dog") });
  const out = el("div", { id: "seq-out", "aria-live": "polite" });
  const set = (textA, textB) => { a.value = textA; b.value = textB; update(); };
  const action = (id, text, onclick) => el("button", { type: "button", class: "action", id, onclick }, text);
  root.classList.add("seq");
  root.append(
    el("div", { class: "row" }, el("label", { for: "seq-a" }, "sentence A"), a),
    el("div", { class: "row" }, el("label", { for: "seq-b" }, "sentence B"), b),
    el("div", { class: "row seq-actions" },
      action("seq-swap", "B = A reversed", () => set(a.value, a.value.split(/\s+/).filter(Boolean).reverse().join(" "))),
      action("seq-longer", "B = A + one word", () => set(a.value, `${a.value.trim()} today`)),
      action("seq-reset", "the dog / the man", () => set("the dog bit the man", "the man bit the dog"))),
    out,
    taskList({ onTry: set }));

  const ask = latest(ctx);
  let shown = null;            // the cosines on the page, so a change counts to the new value
  function update() {
    ctx.set({ a: a.value, b: b.value });
    return ask((signal) => ctx.api("/api/sequences/compare", { a: a.value, b: b.value, seed: ctx.seed }, signal), (r) => {
      const before = shown;
      const oldFills = [...out.querySelectorAll(".seq-unit")].map((u) => u.getAttribute("fill"));
      out.replaceChildren(render(r));
      shown = { bow: r.bag_of_words.cosine, rnn: r.rnn.cosine, ff: r.feedforward.cosine };
      if (before) countFrom(out, before);
      recolourFrom(out, oldFills);
    }, (error) => { shown = null; out.replaceChildren(errorBox(error)); });
  }
  const later = debounce(update, 150);
  for (const input of [a, b]) input.addEventListener("input", later);
  await update();
  return { unmount() { later.cancel(); ask.cancel(); } };
}

// The two cosines count from their old values to the new ones (data-value holds the new one at once).
function countFrom(out, before) {
  for (const [key, old] of [["bow-cosine", before.bow], ["rnn-cosine", before.rnn], ["ff-cosine", before.ff]]) {
    const node = out.querySelector(`[data-key="${key}"]`);
    if (!node || !Number.isFinite(old)) continue;
    const to = Number(node.dataset.value);
    node.dataset.shown = String(old);
    tweenNumber(node, to, { format: (v) => fmt(v, 4), ms: duration("--dur") });
  }
}

// The final-state squares change colour from the old answer to the new one (a CSS transition on fill, 0 s under
// reduced motion) when the state has the same number of units.
function recolourFrom(out, oldFills) {
  const units = [...out.querySelectorAll(".seq-unit")];
  if (units.length !== oldFills.length) return;
  units.forEach((u, i) => { u.style.fill = oldFills[i]; });
  out.getBoundingClientRect();                       // commit the old colours before the transition starts
  requestAnimationFrame(() => units.forEach((u) => { u.style.fill = u.getAttribute("fill"); }));
}

const words = (text) => label(text, { className: "seq-words" });

// Does a reader tell A from B? "same", "different", or "cannot read" (the fixed width, at another length).
function outcome(reader) {
  if (reader.identical === null) return "refused";
  return reader.identical ? "same" : "different";
}

function verdict(key, result, text) {
  return el("p", { class: `seq-verdict ${result === "different" ? "good" : "bad"}`, "data-key": key, "data-outcome": result }, text);
}

// The line on top: each reader's answer to "are A and B the same?", before any panel is read.
function summary(r) {
  const ff = r.feedforward;
  const item = (name, reader) => {
    const result = outcome(reader);      // A always fits (the network is as wide as A): a refusal is B's
    return el("li", { class: `seq-sum-${result}`, "data-outcome": result },
      el("strong", {}, name), el("span", {}, result === "refused" ? "cannot read B" : result));
  };
  return el("ul", { id: "seq-summary", class: "seq-summary", "aria-label": "Are sentences A and B read as the same?" },
    item("bag of words", r.bag_of_words), item("RNN", r.rnn), item(`fixed width (${ff.width} words)`, ff));
}

function cosineLine(key, tex, value) {
  return el("p", { class: "seq-cos" }, label(tex), " ", num(key, value, 4, "num big"));
}

function render(r) {
  const bow = r.bag_of_words, rnn = r.rnn, ff = r.feedforward;
  const refused = ff.sentences.map((s, i) => [s, i]).filter(([s]) => !s.accepted);
  return el("div", {},
    summary(r),
    el("div", { class: "seq-panels" },
      el("section", { class: "card seq-panel seq-bow", "data-term": "v", "aria-labelledby": "seq-bow-title" },
        el("h4", { id: "seq-bow-title" }, words("Bag of words $v$: counts, order gone")), bagTable(r),
        cosineLine("bow-cosine", "$\\cos(v_A, v_B) =$", bow.cosine),
        verdict("bow-verdict", outcome(bow), bow.identical ? "identical vectors: order is invisible" : "different words, so different counts")),
      el("section", { class: "card seq-panel seq-rnn", "aria-labelledby": "seq-rnn-title" },
        el("h4", { id: "seq-rnn-title" }, words(`RNN final state $h_T$: ${rnn.hidden_size} numbers, any length`)),
        strips(rnn.final_states, { term: "h", name: "h_T", title: "Final states of the RNN",
          what: `h_T for each sentence, ${rnn.hidden_size} units` }),
        cosineLine("rnn-cosine", "$\\cos(h_T^A, h_T^B) =$", rnn.cosine),
        verdict("rnn-verdict", outcome(rnn), rnn.identical ? "identical states" : "different: the order changes the state")),
      el("section", { class: "card seq-panel seq-ff", "aria-labelledby": "seq-ff-title" },
        el("h4", { id: "seq-ff-title" }, words(`Fixed-width network: exactly ${ff.width} words, ${ff.input_size} inputs`)),
        fixedInput(r),
        strips(ff.outputs, { term: "y", name: "y", title: "Outputs of the fixed-width network",
          what: `y for each sentence, ${ff.output_size} units` }),
        ff.cosine === null ? null : cosineLine("ff-cosine", "$\\cos(y_A, y_B) =$", ff.cosine),
        ff.cosine === null
          ? el("div", {}, ...refused.map(([s, i]) => el("p", { class: "seq-verdict bad", "data-key": `ff-${i ? "b" : "a"}`,
            "data-outcome": "refused" }, s.message)))
          : verdict("ff-verdict", outcome(ff), ff.identical ? "identical outputs"
            : "different: every slot has its own weights, so it sees the order, at this one length"))));
}

// Counts per word of the vocabulary, one row per sentence; a word present is tinted in the input colour.
function bagTable(r) {
  const head = el("tr", {}, el("th", { scope: "col" }, "word"), ...r.vocabulary.map((w) => el("th", { scope: "col" }, w)));
  const rows = r.bag_of_words.vectors.map((v, i) => el("tr", {}, el("th", { scope: "row" }, i ? "B" : "A"),
    ...v.map((c) => el("td", { class: c ? "seq-count" : "" }, String(c)))));
  return el("div", { class: "seq-scroll" }, el("table", { class: "data seq-bag" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}

// One vector per sentence as a strip of squares on the diverging ramp over [−1, 1] (tanh's range), with its colour
// bar; a sentence the reader refused gets no strip, only its letter and a dash.
function strips(vectors, { term, name, title, what }) {
  const size = 13, gap = 2, left = 24, n = vectors.find(Boolean)?.length ?? 0;
  const width = left + n * (size + gap), height = 2 * (size + 10) + 4;
  const d = diagram({ width, height, title, description: `${what}, coloured from −1 to 1` });
  vectors.forEach((vector, row) => {
    const y = 4 + row * (size + 10);
    note(d, { x: 0, y: y + size / 2, text: row ? "B" : "A", anchor: "start", width: 20, height: 18 });
    if (!vector) { note(d, { x: left, y: y + size / 2, text: "no output", anchor: "start", width: 120, height: 18 }); return; }
    const g = svgEl("g", { "data-term": term, class: "seq-strip" });
    vector.forEach((v, j) => {
      const rect = svgEl("rect", { x: left + j * (size + gap), y, width: size, height: size, rx: 2, class: "seq-unit" });
      rect.style.fill = liveRampColor("diverging", (v + 1) / 2);   // the ramp's variables: it follows the theme
      rect.append(svgEl("title", {}, `${row ? "B" : "A"}: ${name}[${j}] = ${fmt(v, 3)}`));
      g.append(rect);
    });
    d.svg.append(g);
  });
  const first = (v) => (v ? v.slice(0, 4).map((x) => fmt(x, 3)).join(", ") : "none");
  const hidden = el("p", { class: "visually-hidden" }, `First units of ${name} — A: ${first(vectors[0])}; B: ${first(vectors[1])}`);
  return el("div", {}, d.root, colorBar({ stops: liveRamp("diverging"), domain: [-1, 0, 1], label: `$${name}[i]$` }), hidden);
}

// The feedforward network's fixed input: one slot per word of sentence A (its width is part of the weights), each
// sentence's words laid into the slots; a word with no slot, or a slot with no word, is what the library refuses.
function fixedInput(r) {
  const slots = r.words[0].length, perWord = r.feedforward.input_size / Math.max(slots, 1);
  const slotW = 74, gap = 6, left = 30, top = 30, rowH = 40;
  const shown = Math.min(SHOWN_WORDS, Math.max(slots, ...r.words.map((w) => w.length)));
  const width = left + (shown + 1) * (slotW + gap) + 8;
  const frameW = Math.min(slots, SHOWN_WORDS) * (slotW + gap) - gap + 12;
  const height = top + 2 * rowH + 82;
  const d = diagram({ width, height, title: "The feedforward network's fixed input",
    description: `${slots} slots of ${perWord} numbers; sentence A has ${r.words[0].length} words, `
      + `sentence B has ${r.words[1].length}` });
  d.svg.id = "seq-slots";
  // the frame of the input layer: its width is fixed by the weights
  const frame = box(d, { x: left - 6, y: top - 6, w: frameW, h: 2 * rowH + 4, role: "w", term: "W", dashed: true,
    fill: "none" });
  frame.classList.add("seq-frame");
  note(d, { x: left - 6, y: top - 10, anchor: "start", baseline: "bottom", width: 400, height: 20,
    text: `input: ${slots} words × ${perWord} numbers = ${r.feedforward.input_size}` });
  r.words.forEach((ws, row) => {
    const y = top + row * rowH;
    note(d, { x: 4, y: y + 15, text: row ? "B" : "A", anchor: "start", width: 20, height: 18 });
    const count = Math.max(ws.length, slots);
    for (let j = 0; j < Math.min(count, SHOWN_WORDS); j++) {
      const x = left + j * (slotW + gap);
      if (j === SHOWN_WORDS - 1 && count > SHOWN_WORDS) {
        note(d, { x: x + 4, y: y + 15, anchor: "start", width: slotW + 40, height: 20, text: `+${count - j} more` });
        break;
      }
      const word = ws[j];
      const fits = j < slots && word !== undefined;
      const g = box(d, { x, y, w: slotW, h: 30, role: fits ? "x" : undefined, dashed: !fits, rx: 6,
        term: fits ? "x" : undefined });
      // typed words are drawn as plain text, never read as maths
      g.append(svgEl("text", { x: x + slotW / 2, y: y + 19, "text-anchor": "middle", class: "seq-word" },
        word === undefined ? "no word" : short(word)));
      if (!fits) g.classList.add("seq-misfit");
      if (word !== undefined) g.append(svgEl("title", {}, word));
    }
  });
  // the weights: one layer as wide as the frame
  const layerY = top + 2 * rowH + 28;
  const outputs = r.feedforward.output_size;
  box(d, { x: left - 6, y: layerY, w: frameW, h: 34, role: "w", term: "W",
    label: `$W$: ${r.feedforward.input_size} → ${outputs}` });
  const cx = left - 6 + frameW / 2;
  arrow(d, { from: [cx, top + 2 * rowH + 2], to: [cx, layerY - 2], role: "w" });
  return d.root;
}

function short(word) { return word.length > 8 ? `${word.slice(0, 7)}…` : word; }
