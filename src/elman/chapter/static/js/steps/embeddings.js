// Step 7: word vectors. The analogy a − b + c, a word's nearest neighbours, how near two pairs of words are
// (king–queen against king–pizza), a 2-D PCA map of chosen words (with the analogy's offsets drawn as arrows when its
// words are on the map), and the chosen words' cosine matrices as one-hot and as dense vectors. The shipped GloVe
// subset answers by default; a switch puts the word2vec vectors trained here on Brown in its place, and a table
// compares the two. Every number is the server's.

import { sleep } from "../timing.js";
import { el, errorBox } from "../draw.js";
import { heatMap } from "../charts.js";
import { formatNumber, label } from "../tex.js";
import { linkTerms } from "../terms.js";
import { tweenNumber } from "../motion.js";
import { debounce, latest } from "../requests.js";
import { wordMap } from "./embeddings_map.js";

const DEFAULT_WORDS = "king queen man woman";
const DEFAULT_PAIRS = [["king", "queen"], ["king", "pizza"]];
const SOURCE_NAMES = { glove: "GloVe 6B 50d, shipped (40,000 words)", brown: "word2vec trained here on Brown (5,000 words)" };
const COSINE_OF_ANSWER = "$\\cos(x,\\ \\hat a - \\hat b + \\hat c)$";
const COSINE_OF_WORD = "$\\cos(x,\\ w)$";

export async function mount(root, ctx) {
  linkTerms();
  root.classList.add("emb");
  const setup = await ctx.api("/api/embeddings/sources", {});
  let source = ctx.get("source", setup.default);
  if (!setup.available.includes(source)) source = setup.default;

  const select = el("select", { id: "emb-source" },
    ...setup.available.map((s) => el("option", { value: s }, SOURCE_NAMES[s] ?? s)));
  select.value = source;
  const sourceBox = el("div", { class: "row", id: "emb-source-row" }, el("label", { for: "emb-source" }, "vectors"), select);
  const info = el("p", { class: "muted", id: "emb-info" });
  const a = input("emb-a", ctx.get("a", "king"), "a, the word to start from");
  const b = input("emb-b", ctx.get("b", "man"), "b, the word taken away");
  const c = input("emb-c", ctx.get("c", "woman"), "c, the word added");
  const exclude = el("input", { type: "checkbox", id: "emb-exclude" });
  exclude.checked = ctx.get("exclude", "1") !== "0";
  const analogyOut = el("div", { id: "emb-analogy-out" });
  const word = input("emb-word", ctx.get("word", "king"), "word w, whose neighbours are listed");
  const neighboursOut = el("div", { id: "emb-neighbours-out" });
  const pairInputs = DEFAULT_PAIRS.map(([u, v], k) => [
    input(`emb-pair-${k}-u`, ctx.get(`p${k}u`, u), `first word of pair ${k + 1}`),
    input(`emb-pair-${k}-v`, ctx.get(`p${k}v`, v), `second word of pair ${k + 1}`)]);
  const pairOuts = DEFAULT_PAIRS.map((_, k) => el("div", { class: "emb-pair-out", id: `emb-pair-${k}-out`, "aria-live": "polite" }));
  const compareOut = el("div", { id: "emb-compare" });
  const words = el("input", { type: "text", id: "emb-words", maxlength: "200", size: "48", value: ctx.get("words", DEFAULT_WORDS) });
  const mapOut = el("div", { id: "emb-map-out" });
  const simOut = el("div", { id: "emb-sim-out" });
  const field = (id, tex, node) => el("div", { class: "row emb-field" }, el("label", { for: id }, label(tex)), node);

  root.append(sourceBox, info,
    el("div", { class: "cards emb-cards" },
      el("section", { class: "card", "aria-labelledby": "emb-analogy-h" },
        el("h4", { id: "emb-analogy-h", "data-term": "analogy" }, label("Analogy: $a - b + c$")),
        field("emb-a", "$a$", a), field("emb-b", "$-\\,b$", b), field("emb-c", "$+\\,c$", c),
        el("div", { class: "row" }, el("label", { for: "emb-exclude" }, exclude, " leave a, b and c out of the answers")),
        analogyOut),
      el("section", { class: "card", "aria-labelledby": "emb-neighbours-h" },
        el("h4", { id: "emb-neighbours-h" }, "Nearest neighbours"),
        field("emb-word", "word $w$", word), neighboursOut)),
    el("section", { class: "card emb-wide", id: "emb-pairs-card", "aria-labelledby": "emb-pairs-h" },
      el("h4", { id: "emb-pairs-h", "data-term": "cos" }, "Near and far: two pairs of words"),
      el("div", { class: "emb-pairs" }, ...pairInputs.map(([u, v], k) => el("div", { class: "emb-pair" },
        el("div", { class: "emb-pair-words" }, u, el("span", { "aria-hidden": "true" }, "–"), v),
        pairOuts[k],
        el("button", { type: "button", class: "action emb-pair-add", "data-pair": String(k) }, "show on the map")))),
      el("p", { class: "muted" }, "Cosine 1 means the same direction, 0 unrelated. The rank counts from the first word's ",
        "nearest neighbour (1st) through every word the vectors hold.")),
    el("div", { class: "row emb-words-row" }, el("label", { for: "emb-words" }, "words for the map and the matrices (up to 20)"), words),
    el("section", { class: "card emb-wide", "aria-labelledby": "emb-map-h" },
      el("h4", { id: "emb-map-h" }, "2-D map: the chosen words on their two principal axes"), mapOut),
    el("section", { class: "card emb-wide", "aria-labelledby": "emb-sim-h" },
      el("h4", { id: "emb-sim-h" }, label("Cosine similarity $\\cos(u, v)$: one-hot against dense")), simOut),
    el("section", { class: "card emb-wide", "aria-labelledby": "emb-compare-h" },
      el("h4", { id: "emb-compare-h" }, "Which vectors: GloVe against word2vec trained here"), compareOut));
  renderCompare(setup, compareOut, source);

  const life = new AbortController();
  const asks = {};            // one "latest wins" per card: a new word in one card does not cancel another's answer
  const shown = { map: null, analogy: null };
  function load(name, out, path, params, render) {
    asks[name] ??= latest(ctx, life.signal);
    return asks[name]((signal) => ctx.api(path, { ...params, source }, signal), async (r) => {
      await render(r, out);
      info.textContent = `Answered by ${r.vectors.description}, ${r.vectors.dim} dimensions.`;
    }, async (error) => {
      if (name === "map" || name === "analogy") shown[name] = null;
      out.replaceChildren(errorBox(error));
      if (name === "analogy") await drawMap();
    });
  }

  // The map is drawn from the latest map and analogy answers: the arrows need both.
  const drawMap = async () => {
    if (!shown.map) return;
    mapOut.replaceChildren(await wordMap(shown.map, shown.analogy, { width: mapWidth(mapOut), previous: mapOut }));
  };
  const analogy = () => {
    ctx.set({ a: a.value, b: b.value, c: c.value, exclude: exclude.checked ? "1" : "0" });
    return load("analogy", analogyOut, "/api/embeddings/analogy",
      { a: a.value, b: b.value, c: c.value, exclude: exclude.checked }, async (r, out) => {
        renderAnalogy(r, out);
        shown.analogy = r;
        await drawMap();
      });
  };
  const neighbours = () => {
    ctx.set({ word: word.value });
    return load("neighbours", neighboursOut, "/api/embeddings/neighbours", { word: word.value }, renderNeighbours);
  };
  const chosen = () => {
    ctx.set({ words: words.value });
    return Promise.all([
      load("map", mapOut, "/api/embeddings/map", { words: words.value }, async (r) => { shown.map = r; await drawMap(); }),
      load("sim", simOut, "/api/embeddings/similarity", { words: words.value }, renderSimilarity)]);
  };
  const pairs = () => Promise.all(pairInputs.map(([u, v], k) => {
    ctx.set({ [`p${k}u`]: u.value, [`p${k}v`]: v.value });
    return load(`pair${k}`, pairOuts[k], "/api/embeddings/pair", { u: u.value, v: v.value }, renderPair);
  }));
  const all = () => Promise.all([analogy(), neighbours(), pairs(), chosen()]);

  // A word clicked in a table becomes the neighbours' query; a map lacking the analogy's words can take them.
  root.addEventListener("click", (event) => {
    const target = event.target.closest("[data-word]");
    if (target && target.tagName === "BUTTON") { word.value = target.dataset.word; neighbours(); word.focus(); return; }
    const pairButton = event.target.closest("[data-pair]");
    const add = event.target.closest("[data-add-words]") ?? pairButton;
    if (add) {
      const have = new Set(words.value.split(/\s+/).filter(Boolean));
      const wanted = pairButton ? pairInputs[Number(pairButton.dataset.pair)].map((node) => node.value.trim().toLowerCase())
        : add.dataset.addWords.split(" ");
      const extra = wanted.filter((w) => w && !have.has(w));
      words.value = [...have, ...extra].slice(0, 20).join(" ");
      chosen();
    }
  });
  // each field waits for its own pause in typing (200 ms), then asks again
  const onTyping = (node, fn) => node.addEventListener("input", debounce(fn, 200, life.signal));
  for (const node of [a, b, c]) onTyping(node, analogy);
  onTyping(word, neighbours);
  for (const node of pairInputs.flat()) onTyping(node, pairs);
  onTyping(words, chosen);
  exclude.addEventListener("change", analogy);
  select.addEventListener("change", () => { source = select.value; ctx.set({ source }); renderCompare(setup, compareOut, source); all(); });

  // A resized panel redraws the map at its new width (its text keeps its size).
  let lastWidth = mapWidth(mapOut);
  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    const w = mapWidth(mapOut);
    if (mapOut.isConnected && Math.abs(w - lastWidth) > 24) { lastWidth = w; drawMap(); }
  });
  resize?.observe(root);

  await all();
  return {
    // king − man + woman with the query words allowed (king itself wins), then left out (the arrows appear);
    // then the answer's neighbours.
    async play(signal) {
      const step = async (ms, change) => {
        await sleep(ms, signal);
        await change();
      };
      await step(300, () => { [a.value, b.value, c.value] = ["king", "man", "woman"]; exclude.checked = false; return analogy(); });
      await step(1800, () => { exclude.checked = true; return analogy(); });
      await step(1800, () => {
        const top = analogyOut.querySelector('[data-key="analogy-word-0"]');
        if (top) word.value = top.textContent;
        return neighbours();
      });
    },
    unmount() { life.abort(); resize?.disconnect(); },
  };
}

// The map takes the card's width, between a phone's and a comfortable chart's.
function mapWidth(out) {
  return Math.round(Math.max(300, Math.min(720, (out.clientWidth || 600) - 2)));
}

// A word field; its typeset label is read as maths, so the field also gets a plain name.
function input(id, value, name) {
  return el("input", { type: "text", id, maxlength: "40", size: "10", value, autocomplete: "off", spellcheck: "false",
    "aria-label": name });
}

// A ranking table, updated in place so its numbers count and its bars slide to the new answer. The bar shows the
// cosine on a fixed 0…1 scale so answers can be compared.
function ranking(out, prefix, rows, { cosine, barRole }) {
  let table = out.querySelector("table.emb-rank");
  if (!table || table.tBodies[0].rows.length !== rows.length) {
    table = el("table", { class: "data emb-rank" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, label("$\\#$")), el("th", { scope: "col" }, "word"),
        el("th", { scope: "col", "data-term": "cos" }, label(cosine)),
        el("th", { scope: "col", class: "emb-bar-head" }, el("span", { class: "visually-hidden" }, "bar")))),
      el("tbody", {}, ...rows.map((_, i) => el("tr", {},
        el("td", {}, String(i + 1)),
        el("td", {}, el("button", { type: "button", class: "linklike", "data-key": `${prefix}-word-${i}`,
          title: "nearest neighbours of this word" })),
        el("td", {}, el("span", { class: "num", "data-key": `${prefix}-${i}` })),
        el("td", { class: "emb-bar-cell", "aria-hidden": "true" },
          el("span", { class: `emb-bar c-${barRole}` }, el("span", { class: "fill" })))))));
    out.append(table);
  }
  rows.forEach((row, i) => {
    const button = out.querySelector(`[data-key="${prefix}-word-${i}"]`);
    button.textContent = row.word;
    button.dataset.word = row.word;
    tweenNumber(out.querySelector(`[data-key="${prefix}-${i}"]`), row.cosine, { format: (v) => formatNumber(v, 3) });
    out.querySelectorAll(".emb-bar .fill")[i].style.width = `${Math.max(0, Math.min(1, row.cosine)) * 100}%`;
  });
  return table;
}

function renderAnalogy(r, out) {
  const top = r.answers[0];
  const sentence = el("p", { class: "emb-sentence" }, `${r.a} − ${r.b} + ${r.c} ≈ `,
    el("strong", { "data-key": "analogy-top", class: "c-y" }, top ? top.word : "–"),
    r.exclude ? "" : el("span", { class: "muted" }, " (query words allowed: the nearest is often a itself)"));
  out.querySelector(".error")?.remove();
  const old = out.querySelector("p.emb-sentence");
  if (old) old.replaceWith(sentence); else out.prepend(sentence);
  ranking(out, "analogy", r.answers, { cosine: COSINE_OF_ANSWER, barRole: "y" });
}

function renderNeighbours(r, out) {
  const head = el("p", { class: "muted emb-sentence" }, `closest to “${r.word}” (itself left out)`);
  out.querySelector(".error")?.remove();
  const old = out.querySelector("p.emb-sentence");
  if (old) old.replaceWith(head); else out.prepend(head);
  ranking(out, "neighbour", r.neighbours, { cosine: COSINE_OF_WORD, barRole: "x" });
}

async function renderSimilarity(r, out) {
  const [u, v] = r.words;
  const common = { rows: r.words, cols: r.words, cell: 26, cellWidth: 26, diverging: true, domain: [-1, 1],
    legendLabel: "$\\cos(u, v)$" };
  const [oneHot, dense] = await Promise.all([
    heatMap({ ...common, matrix: r.one_hot, title: `one-hot $e_i$: $V$ = ${r.one_hot_dim.toLocaleString("en")} dimensions` }),
    heatMap({ ...common, matrix: r.dense, title: `dense $x = E_{w,:}$: $d$ = ${r.dense_dim} dimensions` })]);
  oneHot.id = "emb-sim-onehot"; oneHot.dataset.term = "onehot";
  dense.id = "emb-sim-dense"; dense.dataset.term = "x";
  const value = (key, x) => el("span", { class: "num", "data-key": key, "data-value": String(x) }, formatNumber(x, 3));
  out.replaceChildren(
    el("div", { class: "emb-heats" }, oneHot, dense),
    el("p", {}, `cos(${u}, ${v}): one-hot `, value("onehot-01", r.one_hot[0][1]), ", dense ", value("dense-01", r.dense[0][1])),
    el("p", { class: "muted" }, "One-hot vectors of different words are orthogonal whatever the words mean: every ",
      "off-diagonal cell is 0, on the same colour scale as the dense vectors, which grade similarity."));
}

// 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st.
function ordinal(n) {
  const tens = n % 100, ones = n % 10;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th";
  return `${n.toLocaleString("en")}${suffix}`;
}

// One pair: its cosine (with a bar on 0…1), the distance between the vectors, and v's rank among u's neighbours.
function renderPair(r, out) {
  const k = out.id.match(/\d+/)[0];
  const value = (key, x, digits) => el("strong", { class: "num", "data-key": `pair-${k}-${key}`, "data-value": String(x) },
    formatNumber(x, digits));
  out.replaceChildren(
    el("span", { class: "emb-pair-cos" }, label(`$\\cos$`), ` = `, value("cos", r.cosine, 3),
      el("span", { class: "emb-bar c-x", "aria-hidden": "true" },
        el("span", { class: "fill", style: `width: ${Math.max(0, Math.min(1, r.cosine)) * 100}%` }))),
    el("span", {}, label("$\\lVert u - v \\rVert$"), " = ", value("dist", r.distance, 2)),
    el("span", {}, `${r.v} is ${r.u}'s `, el("strong", { "data-key": `pair-${k}-rank`, "data-value": String(r.rank) }, ordinal(r.rank)),
      ` nearest word of ${r.of.toLocaleString("en")}`));
}

// The two sets of vectors side by side, with the numbers the server measured; the one answering now is marked.
function renderCompare(setup, out, current) {
  const order = setup.available;
  const cell = (s, ...content) => el("td", { class: s === current ? "emb-current" : null, "data-source": s }, ...content);
  const row = (name, fn) => el("tr", {}, el("th", { scope: "row" }, name), ...order.map((s) => cell(s, fn(setup.sources[s]))));
  const pct = (q) => (q ? `${formatNumber(100 * q.accuracy, 1)}% of ${q.total.toLocaleString("en")}` : "–");
  const headline = (h) => el("span", {}, el("strong", {}, h.top),
    h.top === h.expected ? ` (${h.expected} is 1st)` : h.rank ? `; ${h.expected} is ${ordinal(h.rank)}` : `; ${h.expected} is not among its words`);
  const first = setup.sources[order[0]].google_analogy;
  const questions = first ? (first.total + first.skipped).toLocaleString("en") : "";
  out.replaceChildren(el("div", { class: "emb-compare-wrap" }, el("table", { class: "data emb-compare" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, ""), ...order.map((s) =>
      el("th", { scope: "col", class: s === current ? "emb-current" : null }, SOURCE_NAMES[s] ?? s, s === current ? " (answering now)" : "")))),
    el("tbody", {},
      row("made from", (v) => v.data),
      row("words × dimensions", (v) => `${v.words.toLocaleString("en")} × ${v.dim}`),
      row("Google analogies answered right", (v) => pct(v.google_analogy)),
      row(`${setup.sources[order[0]].headline.question} →`, (v) => headline(v.headline))))),
    el("p", { class: "muted" }, "Both are stored in the package as 16-bit floats. The analogy questions are the ", questions,
      " of Mikolov et al. (2013), counted over those whose four words each set of vectors holds, with the three ",
      "question words left out of the answers. The same method with a million words of text instead of six billion ",
      "finds far fewer relations."));
}
