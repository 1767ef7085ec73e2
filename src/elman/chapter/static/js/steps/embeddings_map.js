// Step 7's 2-D map: the chosen words at their coordinates on the first two principal axes (the server's PCA),
// drawn on a chart frame from charts.js (axes, grid, typeset axis titles, text alternative), with word labels
// placed where they cover the fewest dots, labels and arrows, and the analogy's two offsets as arrows when its
// words are on the map: b → c and a → answer, which a − b + c ≈ answer makes parallel.
// Words that stay on the map slide from their old places to their new ones; new arrows draw themselves in.

import { el } from "../draw.js";
import { lineChart } from "../charts.js";
import { svgEl } from "../diagram.js";
import { cssVar, liveColors, role } from "../palette.js";
import { formatNumber, label } from "../tex.js";
import { tween } from "../motion.js";

const HEIGHT = 380;
const DOT = 5;
const FONT_PX = 13;
let maps = 0;

// The analogy's four words as rows of the map, or why its arrows cannot be drawn.
function offsets(words, analogy) {
  if (!analogy?.answers?.length) return null;
  const answer = analogy.answers[0].word;
  const quad = [analogy.a, analogy.b, analogy.c, answer];
  if (answer === analogy.a || answer === analogy.c) {
    return { note: `The nearest answer is “${answer}”, one of the query words, so there is no offset to draw; `
      + "leave a, b and c out of the answers to see one." };
  }
  const missing = [...new Set(quad.filter((w) => !words.includes(w)))];
  if (missing.length) return { note: `Arrows for ${analogy.a} − ${analogy.b} + ${analogy.c} ≈ ${answer} need ${missing.join(", ")} on the map.`, add: missing };
  const [a, b, c, d] = quad.map((w) => words.indexOf(w));
  return { a, b, c, d, key: quad.join(" ") };
}

function padded(values) {
  const lo = Math.min(...values, 0), hi = Math.max(...values, 0);
  const pad = Math.max((hi - lo) * 0.1, 1e-9);
  return [lo - pad, hi + pad];
}

let measurer = null;
function textWidth(text) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = `${FONT_PX}px ${cssVar("--font-ui") || "sans-serif"}`;
  return measurer.measureText(text).width;
}

// Where each label goes: of eight places around its dot, the one overlapping least with the other dots, the labels
// already placed and the arrows, inside the plot. Boxes are [x0, y0, x1, y1]; the label's baseline is at y.
const PLACES = [[8, 4, "start"], [-8, 4, "end"], [0, -9, "middle"], [0, 18, "middle"],
  [6, -6, "start"], [-6, -6, "end"], [6, 15, "start"], [-6, 15, "end"]];

function placeLabels(dots, texts, segments, frame) {
  const overlap = (p, q) => Math.max(0, Math.min(p[2], q[2]) - Math.max(p[0], q[0])) * Math.max(0, Math.min(p[3], q[3]) - Math.max(p[1], q[1]));
  const dotBoxes = dots.map(([x, y]) => [x - DOT - 1, y - DOT - 1, x + DOT + 1, y + DOT + 1]);
  const arrowBoxes = segments.flatMap(([x0, y0, x1, y1]) => {
    const n = Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 5));
    return Array.from({ length: n + 1 }, (_, k) => {
      const x = x0 + ((x1 - x0) * k) / n, y = y0 + ((y1 - y0) * k) / n;
      return [x - 2, y - 2, x + 2, y + 2];
    });
  });
  const placed = [];
  return dots.map(([x, y], i) => {
    const w = textWidth(texts[i]);
    let best = null;
    PLACES.forEach(([dx, dy, anchor], k) => {
      const left = anchor === "start" ? x + dx : anchor === "end" ? x + dx - w : x + dx - w / 2;
      const box = [left - 2, y + dy - FONT_PX + 1, left + w + 2, y + dy + 3];
      let cost = k * 0.5;
      for (const p of placed) cost += 4 * overlap(box, p);
      dotBoxes.forEach((d, j) => { if (j !== i) cost += 3 * overlap(box, d); });
      for (const a of arrowBoxes) cost += 2 * overlap(box, a);
      const outside = Math.max(0, frame[0] - box[0]) + Math.max(0, box[2] - frame[2]) + Math.max(0, frame[1] - box[1]) + Math.max(0, box[3] - frame[3]);
      cost += outside * 400;
      if (!best || cost < best.cost) best = { cost, box, dx, dy, anchor };
    });
    placed.push(best.box);
    return best;
  });
}

// An arrow from p to q, stopping short of both dots, with an arrowhead of its colour.
function arrowLine(defs, [x0, y0], [x1, y1], colorName, id) {
  const len = Math.hypot(x1 - x0, y1 - y0);
  if (len < 2 * DOT + 8) return null;
  const ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  const from = [x0 + ux * (DOT + 3), y0 + uy * (DOT + 3)], to = [x1 - ux * (DOT + 3), y1 - uy * (DOT + 3)];
  const color = role(colorName);
  defs.append(svgEl("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
    orient: "auto", markerUnits: "userSpaceOnUse" }, svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: color })));
  const line = svgEl("line", { x1: from[0], y1: from[1], x2: to[0], y2: to[1], stroke: color, "stroke-width": 2.5,
    "stroke-linecap": "round", "marker-end": `url(#${id})`, class: `emb-arrow emb-arrow-${colorName}` });
  line.length = Math.hypot(to[0] - from[0], to[1] - from[1]);
  return line;
}

function legend(words, off) {
  const item = (colorName, tex, text, cls = "swatch") => el("span", { class: "fig-legend-item", "data-term": "analogy" },
    el("span", { class: cls, style: `color: var(--c-${colorName})` }), label(tex), ` ${text}`);
  return el("div", { class: "fig-legend emb-map-legend" },
    item("x", "$c - b$:", `${words[off.b]} → ${words[off.c]}`),
    item("y", "$\\hat x - a$:", `${words[off.a]} → ${words[off.d]}`),
    el("span", { class: "fig-legend-item" }, el("span", { class: "emb-dot-key" }), "other words"));
}

// The figure: axes and frame from lineChart, then dots, labels and arrows at the chart's own scales.
export async function wordMap(map, analogy, { width, previous }) {
  const { words, points } = map;
  const off = offsets(words, analogy);
  const arrows = off && off.key ? off : null;
  const fig = await lineChart({
    series: [], legend: false, width, height: HEIGHT,
    x: { domain: padded(points.map((p) => p[0])), label: "first principal axis $\\mathrm{PC}_1$" },
    y: { domain: padded(points.map((p) => p[1])), label: "$\\mathrm{PC}_2$" },
    marks: (Plot) => [Plot.ruleX([0], { stroke: cssVar("--muted"), strokeDasharray: "3 3" }),
      Plot.ruleY([0], { stroke: cssVar("--muted"), strokeDasharray: "3 3" })],
  });
  fig.id = "emb-map";
  fig.dataset.chart = "scatter";
  const svg = fig.querySelector("svg.fig");
  const sx = svg.scale("x").apply, sy = svg.scale("y").apply;
  const at = points.map(([x, y]) => [sx(x), sy(y)]);
  const id = `emb-map-${++maps}`;

  const segments = arrows ? [[...at[arrows.b], ...at[arrows.c]], [...at[arrows.a], ...at[arrows.d]]] : [];
  const frame = [4, 4, width - 4, HEIGHT - 30];
  const places = placeLabels(at, words, segments, frame);

  const defs = svgEl("defs");
  const layer = svgEl("g", { class: "emb-map-layer" });
  const arrowGroup = svgEl("g", { class: "emb-arrows", "data-term": "analogy" });
  if (arrows) {
    const given = arrowLine(defs, at[arrows.b], at[arrows.c], "x", `${id}-x`);
    const found = arrowLine(defs, at[arrows.a], at[arrows.d], "y", `${id}-y`);
    arrowGroup.append(...[given, found].filter(Boolean));
  }
  const roleOf = (i) => (!arrows ? null : i === arrows.d ? "y" : [arrows.a, arrows.b, arrows.c].includes(i) ? "x" : null);
  const dots = [], labels = [];
  words.forEach((w, i) => {
    const [x, y] = points[i];
    const colorName = roleOf(i);
    const dot = svgEl("circle", { cx: at[i][0], cy: at[i][1], r: DOT, fill: colorName ? role(colorName) : cssVar("--muted"),
      stroke: cssVar("--surface"), "stroke-width": 1.5, "data-key": `map-${i}`, "data-word": w, "data-x": String(x),
      "data-y": String(y), class: colorName ? "emb-dot emb-dot-query" : "emb-dot", "data-term": colorName ? "analogy" : null });
    dot.append(svgEl("title", {}, `${w}: (${formatNumber(x, 3)}, ${formatNumber(y, 3)})`));
    const p = places[i];
    const text = svgEl("text", { x: at[i][0] + p.dx, y: at[i][1] + p.dy, "text-anchor": p.anchor,
      class: colorName ? `emb-label emb-label-${colorName}` : "emb-label", "aria-hidden": "true" }, w);
    dots.push(dot); labels.push(text);
  });
  layer.append(arrowGroup, ...dots, ...labels);
  svg.append(defs, layer);
  liveColors(svg);

  // The text alternative: what the map shows, and every word's coordinates.
  const what = `2-D map of ${words.length} words on the first two principal axes of their vectors`
    + (arrows ? `; arrows from ${words[arrows.b]} to ${words[arrows.c]} and from ${words[arrows.a]} to ${words[arrows.d]}` : "");
  svg.setAttribute("aria-label", what);
  const table = el("table", {}, el("caption", {}, what),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "word"), el("th", { scope: "col" }, "PC1"), el("th", { scope: "col" }, "PC2"))),
    el("tbody", {}, ...words.map((w, i) => el("tr", {}, el("td", {}, w), el("td", {}, formatNumber(points[i][0], 4)), el("td", {}, formatNumber(points[i][1], 4))))));
  fig.querySelector(".visually-hidden")?.replaceChildren(table);
  if (arrows) fig.insertBefore(legend(words, arrows), fig.querySelector(".figure-scroll"));
  fig.dataset.arrows = arrows?.key ?? "";

  animate(previous, dots, labels, places, arrowGroup, fig.dataset.arrows);
  const after = [];
  if (off?.note) {
    after.push(el("p", { class: "muted emb-map-note" }, off.note, off.add ? " " : "",
      off.add ? el("button", { type: "button", class: "action", "data-add-words": off.add.join(" ") }, `add ${off.add.join(", ")}`) : ""));
  }
  return el("div", {}, fig, ...after, el("p", { class: "muted" },
    "The two directions along which these words' vectors vary most. Related words sit together, and a relation ",
    "can be a direction: when a − b + c ≈ answer, the arrow from a to the answer runs parallel to the one from b to c."));
}

// Words already on the map slide from where they were; arrows that are new draw themselves from their tails.
function animate(previous, dots, labels, places, arrowGroup, arrowKey) {
  const before = new Map([...(previous?.querySelectorAll("#emb-map circle[data-word]") ?? [])]
    .map((c) => [c.dataset.word, [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]]));
  const oldKey = previous?.querySelector("#emb-map")?.dataset.arrows ?? "";
  const moves = dots.map((dot, i) => {
    const to = [Number(dot.getAttribute("cx")), Number(dot.getAttribute("cy"))];
    return { dot, text: labels[i], place: places[i], from: before.get(dot.dataset.word) ?? to, to, fresh: !before.has(dot.dataset.word) };
  });
  const lines = arrowKey && arrowKey !== oldKey ? [...arrowGroup.querySelectorAll("line")] : [];
  const markers = lines.map((l) => l.getAttribute("marker-end"));
  lines.forEach((l) => { l.setAttribute("stroke-dasharray", String(l.length)); l.removeAttribute("marker-end"); });
  const step = (t) => {
    for (const m of moves) {
      const x = m.from[0] + (m.to[0] - m.from[0]) * t, y = m.from[1] + (m.to[1] - m.from[1]) * t;
      m.dot.setAttribute("cx", x); m.dot.setAttribute("cy", y);
      m.text.setAttribute("x", x + m.place.dx); m.text.setAttribute("y", y + m.place.dy);
      if (m.fresh) { m.dot.style.opacity = String(t); m.text.style.opacity = String(t); }
    }
    lines.forEach((l, k) => {
      l.setAttribute("stroke-dashoffset", String(l.length * (1 - t)));
      if (t === 1) { l.removeAttribute("stroke-dasharray"); l.removeAttribute("stroke-dashoffset"); l.setAttribute("marker-end", markers[k]); }
    });
  };
  step(0);
  return tween(step);
}
