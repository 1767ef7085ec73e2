// Step 7: word vectors. The analogy a − b + c, a word's nearest neighbours, a 2-D PCA map of chosen words, and
// their cosine matrices as one-hot and as dense vectors. GloVe answers when it is on the server, else the
// chapter's own word2vec vectors; a switch picks between them when both exist.

import { el, errorBox, fmt, heatMap, num } from "../draw.js";

const SVG = "http://www.w3.org/2000/svg";
const DEFAULT_WORDS = "king queen man woman paris france london england";

export async function mount(root, ctx) {
  const setup = await ctx.api("/api/embeddings/sources", {});
  const both = setup.available.length > 1;
  let source = both ? ctx.get("source", setup.default) : "shipped";
  if (!setup.available.includes(source)) source = setup.default;

  const sourceBox = el("div", { class: "row", id: "emb-source-row" });
  const select = el("select", { id: "emb-source" },
    ...setup.available.map((s) => el("option", { value: s }, s === "glove" ? "GloVe 6B 50d" : "shipped word2vec (Brown)")));
  select.value = source;
  if (both) sourceBox.append(el("label", { for: "emb-source" }, "vectors"), select);
  const info = el("p", { class: "muted", id: "emb-info" });
  const absent = setup.vectors.glove.available ? null
    : el("p", { class: "muted", id: "emb-glove-absent" }, "GloVe 6B 50d is not on this machine; these are the chapter's own ",
      "vectors. Fetch GloVe with ", el("code", {}, setup.vectors.glove.fetch), " and reload this page.");

  const a = input("emb-a", ctx.get("a", "king")), b = input("emb-b", ctx.get("b", "man")), c = input("emb-c", ctx.get("c", "woman"));
  const exclude = el("input", { type: "checkbox", id: "emb-exclude" });
  exclude.checked = ctx.get("exclude", "1") !== "0";
  const analogyOut = el("div", { id: "emb-analogy-out" });
  const word = input("emb-word", ctx.get("word", "king"));
  const neighboursOut = el("div", { id: "emb-neighbours-out" });
  const words = el("input", { type: "text", id: "emb-words", maxlength: "200", size: "48", value: ctx.get("words", DEFAULT_WORDS) });
  const mapOut = el("div", { id: "emb-map-out" });
  const simOut = el("div", { id: "emb-sim-out" });

  root.append(...[both ? sourceBox : null, info, absent].filter(Boolean),
    el("div", { class: "cards" },
      el("div", { class: "card" }, el("h4", {}, "Analogy: a − b + c"),
        el("div", { class: "row" }, el("label", { for: "emb-a" }, "a"), a),
        el("div", { class: "row" }, el("label", { for: "emb-b" }, "− b"), b),
        el("div", { class: "row" }, el("label", { for: "emb-c" }, "+ c"), c),
        el("div", { class: "row" }, el("label", { for: "emb-exclude" }, exclude, " leave a, b and c out of the answers")),
        analogyOut),
      el("div", { class: "card" }, el("h4", {}, "Nearest neighbours"),
        el("div", { class: "row" }, el("label", { for: "emb-word" }, "word"), word), neighboursOut)),
    el("div", { class: "row" }, el("label", { for: "emb-words" }, "words for the map (up to 20)"), words),
    el("div", { class: "cards" },
      el("div", { class: "card" }, el("h4", {}, "2-D map (PCA of the chosen words)"), mapOut),
      el("div", { class: "card" }, el("h4", {}, "Cosine similarity: one-hot against dense"), simOut)));

  const tickets = {};
  async function load(name, out, path, params, render) {
    const ticket = (tickets[name] = (tickets[name] ?? 0) + 1);
    try {
      const r = await ctx.api(path, { ...params, source });
      if (ticket !== tickets[name] || !ctx.alive()) return;
      out.replaceChildren(render(r));
      info.textContent = `Answered by ${r.vectors.description}, ${r.vectors.dim} dimensions.`;
    } catch (error) {
      if (ticket === tickets[name] && ctx.alive()) out.replaceChildren(errorBox(error));
    }
  }
  const analogy = () => {
    ctx.set({ a: a.value, b: b.value, c: c.value, exclude: exclude.checked ? "1" : "0" });
    return load("analogy", analogyOut, "/api/embeddings/analogy",
      { a: a.value, b: b.value, c: c.value, exclude: exclude.checked }, renderAnalogy);
  };
  const neighbours = () => {
    ctx.set({ word: word.value });
    return load("neighbours", neighboursOut, "/api/embeddings/neighbours", { word: word.value }, renderNeighbours);
  };
  const chosen = () => {
    ctx.set({ words: words.value });
    return Promise.all([
      load("map", mapOut, "/api/embeddings/map", { words: words.value }, renderMap),
      load("sim", simOut, "/api/embeddings/similarity", { words: words.value }, renderSimilarity)]);
  };
  const all = () => Promise.all([analogy(), neighbours(), chosen()]);

  // A word clicked in a list becomes the neighbours' query.
  root.addEventListener("click", (event) => {
    const target = event.target.closest("[data-word]");
    if (target) { word.value = target.dataset.word; neighbours(); }
  });
  const timers = new Map();
  const debounce = (node, fn) => node.addEventListener("input", () => {
    clearTimeout(timers.get(node));
    timers.set(node, setTimeout(fn, 200));
  });
  for (const node of [a, b, c]) debounce(node, analogy);
  debounce(word, neighbours);
  debounce(words, chosen);
  exclude.addEventListener("change", analogy);
  select.addEventListener("change", () => { source = select.value; ctx.set({ source }); all(); });

  await all();
  return {
    // king − man + woman with the query words allowed (king itself wins), then left out; then the answer's neighbours.
    async play(signal) {
      const step = async (ms, change) => {
        await wait(ms, signal);
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
    unmount() { timers.forEach((timer) => clearTimeout(timer)); },
  };
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new DOMException("paused", "AbortError")); return; }
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); reject(new DOMException("paused", "AbortError")); }, { once: true });
  });
}

function input(id, value) {
  return el("input", { type: "text", id, maxlength: "40", size: "10", value });
}

function ranking(prefix, rows) {
  return el("table", { class: "data" },
    el("tr", {}, el("th", {}, "#"), el("th", {}, "word"), el("th", {}, "cosine")),
    ...rows.map((row, i) => el("tr", {},
      el("td", {}, String(i + 1)),
      el("td", {}, el("a", { href: "#", "data-word": row.word, "data-key": `${prefix}-word-${i}`, title: "nearest neighbours of this word",
        onclick: (event) => event.preventDefault() }, row.word)),
      el("td", {}, num(`${prefix}-${i}`, row.cosine, 3)))));
}

function renderAnalogy(r) {
  const top = r.answers[0];
  return el("div", {},
    el("p", {}, `${r.a} − ${r.b} + ${r.c} ≈ `, el("strong", { "data-key": "analogy-top" }, top ? top.word : "–"),
      r.exclude ? "" : el("span", { class: "muted" }, " (query words allowed: the nearest is often a itself)")),
    ranking("analogy", r.answers));
}

function renderNeighbours(r) {
  return el("div", {}, el("p", { class: "muted" }, `closest to “${r.word}” (itself left out)`), ranking("neighbour", r.neighbours));
}

function renderMap(r) {
  const width = 340, height = 260, pad = 20;
  const xs = r.points.map((p) => p[0]), ys = r.points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad - 60);
  const sy = (y) => height - pad - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
  const chart = svg("svg", { class: "chart", id: "emb-map", viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img" });
  chart.append(svg("line", { class: "axis", x1: pad, x2: width - pad, y1: sy(0), y2: sy(0) }));
  chart.append(svg("line", { class: "axis", x1: sx(0), x2: sx(0), y1: pad, y2: height - pad }));
  r.words.forEach((w, i) => {
    const [x, y] = r.points[i];
    const dot = svg("circle", { cx: sx(x), cy: sy(y), r: 4, fill: "#2f5fd0", "data-key": `map-${i}`, "data-word": w,
      "data-x": String(x), "data-y": String(y) });
    const tip = svg("title"); tip.textContent = `${w}: (${fmt(x, 3)}, ${fmt(y, 3)})`;
    dot.append(tip);
    const label = svg("text", { x: sx(x) + 6, y: sy(y) - 6 }); label.textContent = w;
    chart.append(dot, label);
  });
  return el("div", {}, chart, el("p", { class: "muted" },
    "The two directions along which these words' vectors vary most; related words should sit together and ",
    "pairs like man → woman and king → queen point roughly the same way."));
}

function renderSimilarity(r) {
  const [u, v] = r.words;
  return el("div", {},
    el("div", { class: "cards" },
      el("div", {}, heatMap({ matrix: r.one_hot, rowLabels: r.words, colLabels: r.words, title: `one-hot (${r.one_hot_dim.toLocaleString()} dims)`, width: 260 })),
      el("div", {}, heatMap({ matrix: r.dense, rowLabels: r.words, colLabels: r.words, title: `dense (${r.dense_dim} dims)`, width: 260 }))),
    el("p", {}, `cos(${u}, ${v}): one-hot `, num("onehot-01", r.one_hot[0][1], 3), ", dense ", num("dense-01", r.dense[0][1], 3)),
    el("p", { class: "muted" }, "One-hot vectors of different words are orthogonal whatever the words mean: every ",
      "off-diagonal cell is 0. Dense vectors grade similarity."));
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}
