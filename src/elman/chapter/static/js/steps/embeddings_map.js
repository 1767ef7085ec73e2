// Step 7's 2-D map: the chosen words at their coordinates on the first two principal axes (the server's PCA),
// drawn on a chart frame from charts.js (axes, grid, typeset axis titles, text alternative), with word labels
// placed so that no two labels overlap (a label pushed away from its dot gets a thin leader line), and the analogy's
// offsets as arrows when its words are on the map: b → c and a → answer, which a − b + c ≈ answer makes parallel,
// plus b → c again, dashed, from a: its tip is where a − b + c falls on the map (the projection is linear).
// Words that stay on the map slide from their old places to their new ones; new arrows draw themselves in.

import { el } from "../draw.js";
import { lineChart } from "../charts.js";
import { svgEl } from "../diagram.js";
import { cssVar, liveColors, role } from "../palette.js";
import { formatNumber, label } from "../tex.js";
import { tween } from "../motion.js";

const HEIGHT = 380, TALL = 480, SHORT = 260;   // most for a phone's map and a wider one's; least for any
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

// Domains with the same pixels per unit on both axes (a PCA map has no preferred direction, so angles and
// distances on screen are those of the projection), padded by a tenth; the plot area is lineChart's (its margins).
const MARGIN = { left: 68, right: 20, top: 38, bottom: 46 };
function equalDomains(xs, ys, width, height) {
  const span = (v) => [Math.min(...v, 0), Math.max(...v, 0)];
  const [x0, x1] = span(xs), [y0, y1] = span(ys);
  const w = width - MARGIN.left - MARGIN.right, h = height - MARGIN.top - MARGIN.bottom;
  const unit = Math.min(w / Math.max((x1 - x0) * 1.2, 1e-9), h / Math.max((y1 - y0) * 1.2, 1e-9));
  const around = (lo, hi, px) => [(lo + hi) / 2 - px / unit / 2, (lo + hi) / 2 + px / unit / 2];
  return [around(x0, x1, w), around(y0, y1, h)];
}

let measurer = null;
function textWidth(text) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = `${FONT_PX}px ${cssVar("--font-ui") || "sans-serif"}`;
  return measurer.measureText(text).width;
}

// Where each label goes. Candidates: eight places around its dot, then rings of places further out (those get a
// leader line). A candidate that overlaps a label already placed, or leaves the plot, is taken only when nothing else
// is left; among the rest the cheapest wins: overlap with other dots and the arrows, then distance. Boxes are
// [x0, y0, x1, y1]; the label's baseline is at y + dy. Query words are placed first, so they keep the near places.
const PLACES = [[8, 4, "start"], [-8, 4, "end"], [0, -9, "middle"], [0, 18, "middle"],
  [6, -6, "start"], [-6, -6, "end"], [6, 15, "start"], [-6, 15, "end"]];
const RINGS = [22, 34, 48, 64, 84, 108];
const ANGLES = 16;

function candidates() {
  const out = PLACES.map(([dx, dy, anchor], k) => ({ dx, dy, anchor, order: k * 0.5, leader: false }));
  RINGS.forEach((r, ring) => {
    for (let k = 0; k < ANGLES; k++) {
      const t = (2 * Math.PI * k) / ANGLES, cx = Math.cos(t), cy = Math.sin(t);
      const anchor = cx > 0.35 ? "start" : cx < -0.35 ? "end" : "middle";
      out.push({ dx: r * cx, dy: r * cy + 4 + (cy > 0.35 ? FONT_PX * 0.5 : 0), anchor, order: 20 + ring * 12 + k * 0.01,
        leader: true });
    }
  });
  return out;
}
const CANDIDATES = candidates();

const overlap = (p, q) => Math.max(0, Math.min(p[2], q[2]) - Math.max(p[0], q[0])) * Math.max(0, Math.min(p[3], q[3]) - Math.max(p[1], q[1]));

// Small boxes along a segment, so a line can be charged for what it crosses.
function along([x0, y0, x1, y1], step = 5, half = 2) {
  const n = Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / step));
  return Array.from({ length: n + 1 }, (_, k) => {
    const x = x0 + ((x1 - x0) * k) / n, y = y0 + ((y1 - y0) * k) / n;
    return [x - half, y - half, x + half, y + half];
  });
}

function placeLabels(dots, texts, segments, frame, first = []) {
  const dotBoxes = dots.map(([x, y]) => [x - DOT - 1, y - DOT - 1, x + DOT + 1, y + DOT + 1]);
  const arrowBoxes = segments.flatMap((s) => along(s));
  const order = [...new Set([...first, ...dots.map((_, i) => i)])];
  const placed = [], leaderBoxes = [], places = new Array(dots.length);
  for (const i of order) {
    const [x, y] = dots[i], w = textWidth(texts[i]);
    let best = null;
    for (const c of CANDIDATES) {
      const left = c.anchor === "start" ? x + c.dx : c.anchor === "end" ? x + c.dx - w : x + c.dx - w / 2;
      const box = [left - 2, y + c.dy - FONT_PX + 1, left + w + 2, y + c.dy + 3];
      const outside = Math.max(0, frame[0] - box[0]) + Math.max(0, box[2] - frame[2]) + Math.max(0, frame[1] - box[1])
        + Math.max(0, box[3] - frame[3]);
      let clash = outside * 400;
      for (const p of placed) clash += overlap(box, p);
      let cost = c.order;
      dotBoxes.forEach((d, j) => { if (j !== i) cost += 3 * overlap(box, d); });
      for (const a of arrowBoxes) cost += 2 * overlap(box, a);
      for (const l of leaderBoxes) cost += 3 * overlap(box, l);
      let line = null;
      if (c.leader) {                    // a leader that crosses labels or dots on its way costs too
        const [a, b, e, f] = leader({ box }, [x, y]);
        line = along([x + a, y + b, x + e, y + f], 4, 1.5);
        for (const l of line) {
          for (const p of placed) cost += 6 * overlap(l, p);
          dotBoxes.forEach((d, j) => { if (j !== i) cost += 6 * overlap(l, d); });
          for (const m of leaderBoxes) cost += 4 * overlap(l, m);
        }
      }
      // no clash beats any cost; among clashing places (nothing free left), the smallest clash
      const score = clash > 0 ? 1e9 + clash : cost;
      if (!best || score < best.score) best = { score, box, dx: c.dx, dy: c.dy, anchor: c.anchor, leader: c.leader, w, line };
      if (!clash && cost === c.order && !c.leader) break;          // a free place that touches nothing: take it
    }
    placed.push(best.box);
    if (best.line) leaderBoxes.push(...best.line);
    places[i] = best;
  }
  return places;
}

// A leader from the dot's edge to the point of the label's box nearest the dot, relative to the dot: [x0, y0, x1, y1].
function leader(place, [x, y]) {
  const [b0, b1, b2, b3] = place.box;
  const ex = Math.max(b0, Math.min(x, b2)) - x, ey = Math.max(b1, Math.min(y, b3)) - y;
  const len = Math.hypot(ex, ey) || 1;
  return [(ex / len) * (DOT + 1), (ey / len) * (DOT + 1), ex, ey];
}

// An arrow from p to q, stopping short of both dots, with an arrowhead of its colour.
// Dashed, it shows an offset moved; toPoint ends it at q itself (no dot to stop short of).
function arrowLine(defs, [x0, y0], [x1, y1], colorName, id, { dashed = false, toPoint = false } = {}) {
  const len = Math.hypot(x1 - x0, y1 - y0);
  if (len < 2 * DOT + 8) return null;
  const ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  const end = toPoint ? 4 : DOT + 3;
  const from = [x0 + ux * (DOT + 3), y0 + uy * (DOT + 3)], to = [x1 - ux * end, y1 - uy * end];
  const color = role(colorName);
  defs.append(svgEl("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
    orient: "auto", markerUnits: "userSpaceOnUse" }, svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: color })));
  const line = svgEl("line", { x1: from[0], y1: from[1], x2: to[0], y2: to[1], stroke: color,
    "stroke-linecap": "round", "marker-end": `url(#${id})`, class: `emb-arrow emb-arrow-${colorName}`,
    "stroke-dasharray": dashed ? "5 5" : null, "stroke-width": dashed ? 1.8 : 2.5, "data-dash": dashed ? "5 5" : null });
  line.length = Math.hypot(to[0] - from[0], to[1] - from[1]);
  return line;
}

function legend(words, off) {
  const item = (colorName, tex, text, cls = "swatch") => el("span", { class: "fig-legend-item", "data-term": "analogy" },
    el("span", { class: cls, style: `color: var(--c-${colorName})` }), label(tex), ` ${text}`);
  const [a, b, c, d] = [off.a, off.b, off.c, off.d].map((i) => words[i]);
  return el("div", { class: "fig-legend emb-map-legend" },
    item("x", "$c - b$:", `${b} → ${c}`),
    item("y", "$\\hat x - a$:", `${a} → ${d}`),
    item("x", "$a + (c - b)$:", `${b} → ${c} moved to ${a}; the ring is ${a} − ${b} + ${c}`, "swatch emb-swatch-dashed"),
    words.length > new Set([a, b, c, d]).size ? el("span", { class: "fig-legend-item" }, el("span", { class: "emb-dot-key" }), "other words") : "");
}

// The angle, in degrees, between the offsets b → c and a → d in the map's coordinates (equal scales on both axes).
function mapAngle(points, off) {
  const u = [0, 1].map((k) => points[off.c][k] - points[off.b][k]), v = [0, 1].map((k) => points[off.d][k] - points[off.a][k]);
  const c = (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(...u) * Math.hypot(...v));
  return (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
}

// What the arrows show, measured: their angle on the map, and the cosine of the same offsets in all dimensions.
function offsetNote(map, analogy, off) {
  const [a, b, c, d] = [off.a, off.b, off.c, off.d].map((i) => map.words[i]);
  const angle = mapAngle(map.points, off);
  const full = analogy.offset_cosine;
  const fullAngle = (Math.acos(Math.max(-1, Math.min(1, full))) * 180) / Math.PI;
  return el("p", { class: "emb-offset-note", "data-term": "analogy" },
    `On this map the arrows ${b} → ${c} and ${a} → ${d} are `,
    el("strong", { "data-key": "map-angle", "data-value": String(angle) }, `${formatNumber(angle, 0)}°`),
    " apart. In all ", String(analogy.vectors.dim), " dimensions the two offsets have cosine ",
    el("strong", { "data-key": "offset-cosine", "data-value": String(full) }, formatNumber(full, 2)),
    ` (${formatNumber(fullAngle, 0)}°): a relation is only roughly one fixed step, and the map keeps just the two `,
    `directions in which these few words differ most. ${d} still answers because, of all the other words, it lies `,
    `nearest the tip of ${a} − ${b} + ${c}.`);
}

// The figure: axes and frame from lineChart, then dots, labels and arrows at the chart's own scales.
export async function wordMap(map, analogy, { width, previous }) {
  const { words, points } = map;
  const off = offsets(words, analogy);
  const arrows = off && off.key ? off : null;
  // where a − b + c falls: the projection is linear, so it is a + (c − b) on the map too
  const tipAt = arrows ? [0, 1].map((k) => points[arrows.a][k] + points[arrows.c][k] - points[arrows.b][k]) : null;
  const all = tipAt ? [...points, tipAt] : points;
  // no taller than the points need at equal scales (a flat cloud gets a flat map), at least SHORT
  const spanOf = (k) => Math.max(...all.map((p) => p[k]), 0) - Math.min(...all.map((p) => p[k]), 0);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const needed = MARGIN.top + MARGIN.bottom + plotWidth * (spanOf(1) / Math.max(spanOf(0), 1e-9));
  const height = Math.round(Math.max(SHORT, Math.min(width >= 560 ? TALL : HEIGHT, needed)));
  const [xDomain, yDomain] = equalDomains(all.map((p) => p[0]), all.map((p) => p[1]), width, height);
  const fig = await lineChart({
    series: [], legend: false, width, height,
    x: { domain: xDomain, label: "first principal axis $\\mathrm{PC}_1$" },
    y: { domain: yDomain, label: "$\\mathrm{PC}_2$" },
    marks: (Plot) => [Plot.ruleX([0], { stroke: cssVar("--muted"), strokeDasharray: "3 3" }),
      Plot.ruleY([0], { stroke: cssVar("--muted"), strokeDasharray: "3 3" })],
  });
  fig.id = "emb-map";
  fig.dataset.chart = "scatter";
  const svg = fig.querySelector("svg.fig");
  const sx = svg.scale("x").apply, sy = svg.scale("y").apply;
  const at = points.map(([x, y]) => [sx(x), sy(y)]);
  const id = `emb-map-${++maps}`;

  // a + (c − b): the tip of the dashed copy of b → c laid from a; where a − b + c falls on the map.
  const tip = tipAt ? [sx(tipAt[0]), sy(tipAt[1])] : null;
  const segments = arrows ? [[...at[arrows.b], ...at[arrows.c]], [...at[arrows.a], ...at[arrows.d]], [...at[arrows.a], ...tip]] : [];
  const frame = [MARGIN.left - 6, MARGIN.top - 14, width - 4, height - MARGIN.bottom + 6];
  const places = placeLabels(at, words, segments, frame, arrows ? [arrows.a, arrows.b, arrows.c, arrows.d] : []);

  const defs = svgEl("defs");
  const layer = svgEl("g", { class: "emb-map-layer" });
  const arrowGroup = svgEl("g", { class: "emb-arrows", "data-term": "analogy" });
  if (arrows) {
    const given = arrowLine(defs, at[arrows.b], at[arrows.c], "x", `${id}-x`);
    const found = arrowLine(defs, at[arrows.a], at[arrows.d], "y", `${id}-y`);
    const moved = arrowLine(defs, at[arrows.a], tip, "x", `${id}-m`, { dashed: true, toPoint: true });
    if (moved) moved.classList.add("emb-arrow-moved");
    const mark = svgEl("circle", { cx: tip[0], cy: tip[1], r: 3.5, fill: "none", stroke: role("x"), "stroke-width": 2,
      class: "emb-tip" });
    mark.append(svgEl("title", {}, `${words[arrows.a]} − ${words[arrows.b]} + ${words[arrows.c]} on this map`));
    arrowGroup.append(...[given, found, moved, mark].filter(Boolean));
  }
  const roleOf = (i) => (!arrows ? null : i === arrows.d ? "y" : [arrows.a, arrows.b, arrows.c].includes(i) ? "x" : null);
  const dots = [], labels = [], leaders = [];
  words.forEach((w, i) => {
    const [x, y] = points[i];
    const colorName = roleOf(i);
    const dot = svgEl("circle", { cx: at[i][0], cy: at[i][1], r: DOT, fill: colorName ? role(colorName) : cssVar("--muted"),
      stroke: cssVar("--surface"), "stroke-width": 1.5, "data-key": `map-${i}`, "data-word": w, "data-x": String(x),
      "data-y": String(y), class: colorName ? "emb-dot emb-dot-query" : "emb-dot", "data-term": colorName ? "analogy" : null });
    dot.append(svgEl("title", {}, `${w}: (${formatNumber(x, 3)}, ${formatNumber(y, 3)})`));
    const p = places[i];
    const text = svgEl("text", { x: at[i][0] + p.dx, y: at[i][1] + p.dy, "text-anchor": p.anchor,
      class: colorName ? `emb-label emb-label-${colorName}` : "emb-label", "aria-hidden": "true", "data-word": w }, w);
    p.line = p.leader ? leader(p, at[i]) : null;
    const line = p.line ? svgEl("line", { x1: at[i][0] + p.line[0], y1: at[i][1] + p.line[1], x2: at[i][0] + p.line[2],
      y2: at[i][1] + p.line[3], class: "emb-leader", stroke: cssVar("--muted"), "stroke-width": 1 }) : null;
    dots.push(dot); labels.push(text); leaders.push(line);
  });
  layer.append(arrowGroup, ...leaders.filter(Boolean), ...dots, ...labels);
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

  animate(previous, dots, labels, leaders, places, arrowGroup, fig.dataset.arrows);
  const after = arrows && analogy.offset_cosine != null ? [offsetNote(map, analogy, arrows)] : [];
  if (off?.note) {
    after.push(el("p", { class: "muted emb-map-note" }, off.note, off.add ? " " : "",
      off.add ? el("button", { type: "button", class: "action", "data-add-words": off.add.join(" ") }, `add ${off.add.join(", ")}`) : ""));
  }
  if (map.missing?.length) {
    after.push(el("p", { class: "muted emb-map-missing" }, `Left out, not among ${map.vectors.description}: `,
      map.missing.join(", "), "."));
  }
  return el("div", {}, fig, ...after, el("p", { class: "muted" },
    "The axes are the two directions along which these words' vectors vary most, drawn at the same scale. Related ",
    "words sit together, unrelated ones far apart, and a relation can be a direction: when a − b + c ≈ answer, the ",
    "arrow from a to the answer runs nearly parallel to the one from b to c."));
}

// Words already on the map slide from where they were; arrows that are new draw themselves from their tails.
function animate(previous, dots, labels, leaders, places, arrowGroup, arrowKey) {
  const before = new Map([...(previous?.querySelectorAll("#emb-map circle[data-word]") ?? [])]
    .map((c) => [c.dataset.word, [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]]));
  const oldKey = previous?.querySelector("#emb-map")?.dataset.arrows ?? "";
  const moves = dots.map((dot, i) => {
    const to = [Number(dot.getAttribute("cx")), Number(dot.getAttribute("cy"))];
    return { dot, text: labels[i], line: leaders[i], place: places[i], from: before.get(dot.dataset.word) ?? to, to, fresh: !before.has(dot.dataset.word) };
  });
  const lines = arrowKey && arrowKey !== oldKey ? [...arrowGroup.querySelectorAll("line")] : [];
  const markers = lines.map((l) => l.getAttribute("marker-end"));
  lines.forEach((l) => { l.setAttribute("stroke-dasharray", String(l.length)); l.removeAttribute("marker-end"); });
  const step = (t) => {
    for (const m of moves) {
      const x = m.from[0] + (m.to[0] - m.from[0]) * t, y = m.from[1] + (m.to[1] - m.from[1]) * t;
      m.dot.setAttribute("cx", x); m.dot.setAttribute("cy", y);
      m.text.setAttribute("x", x + m.place.dx); m.text.setAttribute("y", y + m.place.dy);
      if (m.line) {
        const [a, b, c, d] = m.place.line;
        m.line.setAttribute("x1", x + a); m.line.setAttribute("y1", y + b); m.line.setAttribute("x2", x + c); m.line.setAttribute("y2", y + d);
      }
      if (m.fresh) { for (const node of [m.dot, m.text, m.line]) if (node) node.style.opacity = String(t); }
    }
    lines.forEach((l, k) => {
      l.setAttribute("stroke-dashoffset", String(l.length * (1 - t)));
      if (t === 1) {
        l.removeAttribute("stroke-dashoffset");
        if (l.dataset.dash) l.setAttribute("stroke-dasharray", l.dataset.dash); else l.removeAttribute("stroke-dasharray");
        l.setAttribute("marker-end", markers[k]);
      }
    });
  };
  step(0);
  return tween(step);
}
