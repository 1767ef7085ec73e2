// Small drawing helpers for the widgets: numbers with their exact value attached, and the first, synchronous line
// charts and heat maps (new figures use js/charts.js over Observable Plot and js/diagram.js). The SVGs here have a
// fixed pixel size (no viewBox scaling), so their 12 px text never shrinks; a wide one scrolls in its container.
// The page draws what the server computed; nothing here does maths beyond placing points.

import { ramp, rampColor, series as seriesColor } from "./palette.js";
import { formatNumber, pow10, raiseExponents } from "./tex.js";

const SVG = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

// A readable rendering of a number: fixed for ordinary sizes, m × 10ⁿ for tiny or huge ones (js/tex.js).
export const fmt = formatNumber;

// A number on the page that tests can read back exactly: data-key names it, data-value holds it unrounded.
export function num(key, value, digits = 3, cls = "num") {
  return el("span", { class: cls, "data-key": key, "data-value": String(value) }, fmt(value, digits));
}

export function errorBox(error) {
  return el("p", { class: "error", role: "alert" }, String(error.message ?? error));
}

// Line chart. series: [{label, x: [...], y: [...], color, dash}]; logY draws log10 of positive values.
export function lineChart({ series, width = 520, height = 260, logY = false, xLabel = "", yLabel = "", title = "" }) {
  const pad = { l: 58, r: 12, t: title ? 22 : 10, b: 36 };
  const root = svg("svg", { class: "chart fig", width, height, role: "img", "aria-label": title || yLabel || "line chart" });
  if (title) root.append(text(width / 2, 14, title, "middle"));
  const ty = (v) => (logY ? Math.log10(v) : v);
  const points = series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]])).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
  if (!points.length) return root;
  let [x0, x1] = extent(points.map((p) => p[0]));
  let [y0, y1] = extent(points.map((p) => ty(p[1])));
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  if (logY) { y0 = Math.floor(y0); y1 = Math.ceil(y1); }
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const ticks = logY ? range(y0, y1, Math.max(1, Math.ceil((y1 - y0) / 6))) : niceTicks(y0, y1, 5);
  for (const t of ticks) {
    root.append(svg("line", { class: "grid", x1: pad.l, x2: width - pad.r, y1: sy(t), y2: sy(t) }));
    root.append(text(pad.l - 6, sy(t) + 4, logY ? pow10(t) : fmt(t, 2), "end"));
  }
  for (const t of niceTicks(x0, x1, 6)) root.append(text(sx(t), height - pad.b + 14, fmt(t, Number.isInteger(t) ? 0 : 2), "middle"));
  root.append(svg("line", { class: "axis", x1: pad.l, x2: pad.l, y1: pad.t, y2: height - pad.b }));
  root.append(svg("line", { class: "axis", x1: pad.l, x2: width - pad.r, y1: height - pad.b, y2: height - pad.b }));
  if (xLabel) root.append(text((pad.l + width - pad.r) / 2, height - 4, xLabel, "middle"));
  if (yLabel) {
    const label = text(12, (pad.t + height - pad.b) / 2, yLabel, "middle");
    label.setAttribute("transform", `rotate(-90 12 ${(pad.t + height - pad.b) / 2})`);
    root.append(label);
  }
  series.forEach((s, k) => {
    const color = s.color ?? seriesColor(k);
    const d = s.x.map((x, i) => [x, s.y[i]]).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0))
      .map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(ty(y)).toFixed(1)}`).join("");
    root.append(svg("path", { d, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": s.dash ?? "" }));
    const lx = width - pad.r - 6, ly = pad.t + 16 + 16 * k;
    root.append(svg("line", { x1: lx - 118, x2: lx - 100, y1: ly - 4, y2: ly - 4, stroke: color, "stroke-width": 2, "stroke-dasharray": s.dash ?? "" }));
    root.append(text(lx - 96, ly, s.label ?? "", "start"));
  });
  raiseExponents(root);   // 10 with a raised exponent in 12 px digits
  return root;
}

// Heat map of matrix[row][col]; diverging colours around zero unless diverging is false.
export function heatMap({ matrix, rowLabels = [], colLabels = [], width = 520, cell = 14, diverging = true, title = "" }) {
  const rows = matrix.length, cols = rows ? matrix[0].length : 0;
  const longest = (labels) => Math.max(0, ...labels.map((l) => String(l).length));
  const left = rowLabels.length ? 12 + 7.2 * longest(rowLabels) : 6;
  const top = (title ? 22 : 4) + (colLabels.length ? 10 + 6 * longest(colLabels) : 0);
  const cw = Math.max(cell, Math.min(cell * 2, (width - left - 6) / Math.max(cols, 1)));   // never narrower than a row
  const right = colLabels.length ? 10 + 6 * longest(colLabels) : 6;  // the last column label runs 45° up and right
  const w = Math.round(left + cw * cols + right), h = Math.round(top + cell * rows + 6);
  const root = svg("svg", { class: "chart fig", width: w, height: h, role: "img", "aria-label": title || "heat map" });
  if (title) root.append(text(left, 14, title, "start"));
  const values = matrix.flat().filter(Number.isFinite);
  const bound = Math.max(1e-12, ...values.map(Math.abs));
  const low = Math.min(...values), high = Math.max(...values);
  matrix.forEach((row, i) => {
    if (rowLabels[i] !== undefined) root.append(text(left - 4, top + cell * i + cell * 0.75, String(rowLabels[i]), "end"));
    row.forEach((v, j) => {
      const rect = svg("rect", { x: left + cw * j, y: top + cell * i, width: cw, height: cell,
        fill: diverging ? divergingColor(v / bound) : sequentialColor((v - low) / Math.max(high - low, 1e-12)) });
      const tip = svg("title"); tip.textContent = `${rowLabels[i] ?? i}, ${colLabels[j] ?? j}: ${fmt(v, 4)}`;
      rect.append(tip);
      root.append(rect);
    });
  });
  colLabels.forEach((label, j) => {
    const x = left + cw * j + cw / 2, y = top - 4;
    const t = text(x, y, String(label), "start");
    t.setAttribute("transform", `rotate(-45 ${x} ${y})`);
    root.append(t);
  });
  return root;
}

export const PALETTE = [0, 1, 2, 3, 4].map((k) => seriesColor(k));

function divergingColor(u) { return rampColor(ramp("diverging"), ((u || 0) + 1) / 2); }   // −1 … 0 … +1
function sequentialColor(u) { return rampColor(ramp("sequential"), u || 0); }              // 0 … 1
function extent(values) { return [Math.min(...values), Math.max(...values)]; }
function range(a, b, step) { const out = []; for (let v = a; v <= b + 1e-9; v += step) out.push(v); return out; }

function niceTicks(a, b, n) {
  const step0 = (b - a) / n, mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  return range(Math.ceil(a / step) * step, b, step).map((v) => +v.toPrecision(12));
}

function text(x, y, content, anchor) {
  const node = svg("text", { x, y, "text-anchor": anchor });
  node.textContent = content;
  return node;
}
