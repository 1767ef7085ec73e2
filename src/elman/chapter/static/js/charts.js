// Charts over Observable Plot (vendor/plot, on vendor/d3), loaded on the first chart so steps without charts never
// fetch them. Every chart: a fixed pixel size (text 12 px at any width; a wide chart scrolls inside its own box),
// domains fixed by the caller so settings can be compared, palette colours, typeset axis titles and legends
// (HTML over the SVG), and a text alternative (aria-label on the SVG and a visually-hidden summary table).
// All chart functions are async: `box.replaceChildren(await lineChart({...}))`.

import { cssVar, liveColors, liveRamp, liveRampColor, ramp, role, series as seriesColor } from "./palette.js";
import { formatNumber, label as texLabel, logTick, raiseExponents } from "./tex.js";
import { keyboardScroll } from "./scroll.js";

let loading = null;

// Load d3 then Plot once (UMD builds that set globalThis.d3 and globalThis.Plot).
export function loadPlot() {
  loading ??= (async () => {
    if (!globalThis.d3) await import("../vendor/d3/d3.min.js");
    if (!globalThis.Plot) await import("../vendor/plot/plot.umd.min.js");
    return globalThis.Plot;
  })();
  return loading;
}

const FONT_PX = 12;

function baseStyle() {
  return { fontSize: `${FONT_PX}px`, fontFamily: "var(--font-ui, sans-serif)", color: "var(--ink)",
    background: "transparent", maxWidth: "none", overflow: "visible" };
}

// Powers of ten inside [lo, hi], thinned to at most `most` ticks, counted down from the top one.
export function logTicks([lo, hi], most = 9) {
  const a = Math.ceil(Math.log10(lo) - 1e-9), b = Math.floor(Math.log10(hi) + 1e-9);
  const step = Math.max(1, Math.ceil((b - a + 1) / most));
  const ticks = [];
  for (let n = b; n >= a; n -= step) ticks.unshift(10 ** n);
  return ticks;
}

// A log domain that fits its values: the whole decades around the positive finite ones, with at least `room`
// decades to spare at either end so no curve lies on the frame, kept inside `within` (what lies beyond is the
// caller's to mark). No positive value: `within` itself.
export function logDomain(values, within = [1e-300, 1e300], room = 0.15) {
  const shown = values.filter((v) => Number.isFinite(v) && v > 0);
  if (!shown.length) return within;
  const lo = Math.log10(shown.reduce((a, v) => Math.min(a, v))), hi = Math.log10(shown.reduce((a, v) => Math.max(a, v)));
  return [Math.max(within[0], 10 ** Math.floor(lo - room)), Math.min(within[1], 10 ** Math.ceil(hi + room))];
}

// The figure around a Plot SVG: caption, legend, a scroll box holding the SVG at its pixel size with typeset axis
// titles laid over it, and a hidden summary for screen readers.
function figure({ kind, svg, width, height, title, legend, xLabel, yLabel, summary, table, margin }) {
  const fig = document.createElement("figure");
  fig.className = "chart-figure";
  fig.dataset.chart = kind;
  if (title) {
    const cap = document.createElement("figcaption");
    cap.append(texLabel(title));
    fig.append(cap);
  }
  if (legend) fig.append(legend);
  const overlay = document.createElement("div");
  overlay.className = "fig-overlay";
  overlay.style.width = `${width}px`;
  overlay.style.height = `${height}px`;
  svg.classList.add("fig");
  for (const node of svg.querySelectorAll("[aria-label], [aria-description], [aria-hidden]")) {
    for (const a of ["aria-label", "aria-description", "aria-hidden"]) node.removeAttribute(a);   // the SVG is one image
  }
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", summary);
  liveColors(svg);
  raiseExponents(svg);
  overlay.append(svg);
  if (yLabel) overlay.append(place(texLabel(yLabel), { left: 4, top: 2 }, "y"));
  if (xLabel) overlay.append(place(texLabel(xLabel), { right: margin.right, bottom: 2 }, "x"));
  const scroller = document.createElement("div");
  scroller.className = "figure-scroll";
  scroller.append(overlay);
  keyboardScroll(scroller, title || kind);
  fig.append(scroller);
  if (table) fig.append(table);
  return fig;
}

function place(node, pos, axis) {
  const div = document.createElement("div");
  div.className = `fig-html axis-label axis-${axis}`;
  for (const [k, v] of Object.entries(pos)) div.style[k] = `${v}px`;
  div.append(node);
  return div;
}

// A summary table for screen readers, in a visually-hidden box (a table itself ignores the 1 px width).
function hiddenTable(caption, head, rows) {
  const box = document.createElement("div");
  box.className = "visually-hidden";
  const table = document.createElement("table");
  box.append(table);
  const cap = table.createCaption();
  cap.textContent = caption;
  const tr = table.createTHead().insertRow();
  for (const h of head) { const th = document.createElement("th"); th.scope = "col"; th.textContent = h; tr.append(th); }
  const body = table.createTBody();
  for (const row of rows) {
    const r = body.insertRow();
    row.forEach((cell) => { r.insertCell().textContent = typeof cell === "number" ? formatNumber(cell, 4) : String(cell); });
  }
  return box;
}

const plainText = (s) => String(s ?? "").replace(/\$/g, "").replace(/\\/g, "");

function legendBox(items) {
  const box = document.createElement("div");
  box.className = "fig-legend";
  for (const item of items) {
    const entry = document.createElement("span");
    entry.className = "fig-legend-item";
    if (item.term) entry.dataset.term = item.term;
    const swatch = document.createElement("span");
    swatch.className = item.dash ? "swatch dash" : "swatch";
    swatch.style.color = item.color;
    entry.append(swatch, texLabel(item.label));
    box.append(entry);
  }
  return box;
}

// Line chart. series: [{label, x: [...], y: [...], role?, color?, dash?, term?}]; x, y: {domain: [a, b], label,
// type: "linear" | "log"}. Give fixed domains wherever the learner compares settings; points outside are clipped.
// marks: extra Plot marks (e.g. Plot.ruleX([t0])), made by a function of Plot: (Plot) => [...].
export async function lineChart({ series, x = {}, y = {}, width = 560, height = 280, title = "", legend = true,
  marks = () => [] }) {
  const Plot = await loadPlot();
  const log = y.type === "log";
  const colors = series.map((s, k) => s.color ?? (s.role ? role(s.role) : seriesColor(k)));
  const data = series.map((s) => s.x.map((xv, i) => ({ x: xv, y: s.y[i] }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!log || p.y > 0)));
  const margin = { top: y.label ? 38 : 16, right: 20, bottom: x.label ? 46 : 30, left: 68 };
  const yScale = { type: log ? "log" : "linear", domain: y.domain, label: null, grid: false,
    ...(log ? { tickFormat: logTick, ticks: y.domain ? logTicks(y.domain) : undefined } : { tickFormat: (v) => formatNumber(v, 2).replace(/\.?0+$/, "") || "0", ticks: 5 }) };
  const svg = Plot.plot({
    width, height, marginTop: margin.top, marginRight: margin.right, marginBottom: margin.bottom, marginLeft: margin.left,
    style: baseStyle(),
    x: { domain: x.domain, label: null, type: x.type ?? "linear", ...(x.type === "log" ? { tickFormat: logTick } : {}), ticks: x.ticks },
    y: yScale,
    marks: [
      Plot.gridY(log && y.domain ? logTicks(y.domain) : { ticks: 5 }, { stroke: cssVar("--rule"), strokeOpacity: 1 }),
      Plot.ruleY([y.domain ? y.domain[0] : 0].filter((v) => !log || v > 0), { stroke: cssVar("--muted") }),
      ...data.map((points, k) => Plot.line(points, { x: "x", y: "y", stroke: colors[k], strokeWidth: 2.25, clip: true,
        strokeDasharray: series[k].dash ?? null })),
      ...marks(Plot),
    ],
  });
  svg.querySelectorAll('g[aria-label="line"]').forEach((g, k) => {
    if (series[k]?.term) g.setAttribute("data-term", series[k].term);
    g.dataset.series = plainText(series[k]?.label ?? k);
  });
  const what = `${plainText(title) || "Line chart"}: ${series.length} line${series.length === 1 ? "" : "s"}`
    + `${x.label ? ` over ${plainText(x.label)}` : ""}${y.label ? `, ${plainText(y.label)}` : ""}${log ? " on a log scale" : ""}`
    + (y.domain ? ` from ${formatNumber(y.domain[0])} to ${formatNumber(y.domain[1])}` : "");
  const rows = series.map((s, k) => {
    const ys = data[k].map((p) => p.y);
    return [plainText(s.label), ys.length, ys[0] ?? "–", ys.at(-1) ?? "–", ys.length ? Math.min(...ys) : "–", ys.length ? Math.max(...ys) : "–"];
  });
  return figure({ kind: "line", svg, width, height, title, xLabel: x.label, yLabel: y.label, margin,
    legend: legend && series.some((s) => s.label) ? legendBox(series.map((s, k) => ({ ...s, color: colors[k] }))) : null,
    summary: what, table: hiddenTable(what, ["series", "points", "first", "last", "min", "max"], rows) });
}

// Heat map of matrix[row][col] with row and column labels at 12 px, a colour bar, fixed cell size (a wide map
// scrolls). diverging: a ramp around zero over [−bound, bound]; otherwise sequential over domain. domain fixes
// the colour scale so maps can be compared: [lo, hi] (diverging uses max(|lo|, |hi|)).
export async function heatMap({ matrix, rows = [], cols = [], cell = 18, cellWidth = cell, diverging = true,
  domain, title = "", legendLabel = "value" }) {
  const Plot = await loadPlot();
  const nRows = matrix.length, nCols = nRows ? matrix[0].length : 0;
  const values = matrix.flat().filter(Number.isFinite);
  const [lo, hi] = domain ?? [Math.min(...values, 0), Math.max(...values, 0)];
  const bound = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
  const colorDomain = diverging ? [-bound, 0, bound] : [lo, (lo + hi) / 2, hi === lo ? lo + 1 : hi];
  const kind = diverging ? "diverging" : "sequential";
  const stops = ramp(kind);
  const longest = (labels) => Math.max(0, ...labels.map((l) => String(l).length));
  const rotate = longest(cols) > 2;
  // room for the labels at the widest letters (w, m) of the 12 px sans: about 8.4 px a character
  const margin = { top: cols.length ? (rotate ? Math.min(120, 10 + longest(cols) * 7) : 22) : 6,
    left: rows.length ? Math.min(160, 14 + longest(rows) * 8.4) : 6, right: rotate ? 40 : 8, bottom: 6 };
  const width = Math.round(margin.left + nCols * cellWidth + margin.right);
  const height = Math.round(margin.top + nRows * cell + margin.bottom);
  const data = matrix.flatMap((row, i) => row.map((v, j) => ({ i, j, v })));
  const flat = data.filter((d) => Number.isFinite(d.v));
  const rowName = (i) => String(rows[i] ?? i), colName = (j) => String(cols[j] ?? j);
  const svg = Plot.plot({
    width, height, marginTop: margin.top, marginLeft: margin.left, marginRight: margin.right, marginBottom: margin.bottom,
    style: baseStyle(), padding: 0,
    x: { type: "band", domain: [...Array(nCols).keys()], axis: cols.length ? "top" : null, tickFormat: colName,
      tickRotate: rotate ? -45 : 0, label: null, tickSize: 0 },
    y: { type: "band", domain: [...Array(nRows).keys()], axis: rows.length ? "left" : null, tickFormat: rowName,
      label: null, tickSize: 0 },
    color: { type: "linear", domain: colorDomain, range: stops, clamp: true },
    marks: [Plot.cell(flat, { x: "j", y: "i", fill: "v", inset: 0.5,
      title: (d) => `${rowName(d.i)}, ${colName(d.j)}: ${formatNumber(d.v, 4)}` })],
  });
  // Plot paints each cell a computed colour; over it goes the same colour as a mix of the ramp's variables, so a
  // change of theme recolours the map at once (the cells are drawn in the order of their data)
  const [c0, , c2] = colorDomain;
  svg.querySelectorAll('g[aria-label="cell"] rect').forEach((rect, k) => {
    if (flat[k]) rect.style.fill = liveRampColor(kind, (flat[k].v - c0) / (c2 - c0));
  });
  const min = flat.reduce((a, d) => (d.v < a.v ? d : a), flat[0] ?? { v: NaN, i: 0, j: 0 });
  const max = flat.reduce((a, d) => (d.v > a.v ? d : a), flat[0] ?? { v: NaN, i: 0, j: 0 });
  const what = `${plainText(title) || "Heat map"}: ${nRows} rows × ${nCols} columns of ${plainText(legendLabel)}; `
    + `smallest ${formatNumber(min.v)} at ${rowName(min.i)}, ${colName(min.j)}; largest ${formatNumber(max.v)} at ${rowName(max.i)}, ${colName(max.j)}`;
  return figure({ kind: "heat", svg, width, height, title, margin,
    legend: colorBar({ stops: liveRamp(kind), domain: diverging ? [-bound, 0, bound] : [lo, hi], label: legendLabel }),
    summary: what, table: hiddenTable(what, ["row", "column", "value"], [[rowName(min.i), colName(min.j), min.v], [rowName(max.i), colName(max.j), max.v]]) });
}

// A colour bar in HTML: label, low value, the ramp, (zero,) high value. Stops given as var(--…) (liveRamp)
// follow the theme.
export function colorBar({ stops, domain, label = "" }) {
  const bar = document.createElement("div");
  bar.className = "colorbar";
  const ends = domain.length === 3 ? [domain[0], domain[2]] : domain;
  const ramp_ = document.createElement("span");
  ramp_.className = "bar";
  ramp_.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
  ramp_.setAttribute("role", "img");
  ramp_.setAttribute("aria-label", `colour scale from ${formatNumber(ends[0])} to ${formatNumber(ends[1])}`
    + (domain.length === 3 ? `, ${formatNumber(domain[1])} in the middle` : ""));
  const lo = document.createElement("span"), hi = document.createElement("span");
  lo.textContent = formatNumber(ends[0]); hi.textContent = formatNumber(ends[1]);
  lo.className = "num"; hi.className = "num";
  bar.append(texLabel(label), lo, ramp_, hi);
  return bar;
}

// Horizontal bar chart. bars: [{label, value, role?, color?, term?}]; domain fixes the value axis.
export async function barChart({ bars, domain, width = 480, barHeight = 26, title = "", xLabel = "" }) {
  const Plot = await loadPlot();
  const names = bars.map((b) => plainText(b.label));
  const margin = { top: 8, right: 24, bottom: xLabel ? 46 : 30, left: Math.min(180, 14 + Math.max(...names.map((n) => n.length)) * 7.2) };
  const height = margin.top + margin.bottom + bars.length * barHeight;
  const data = bars.map((b, k) => ({ k, name: names[k], value: b.value, color: b.color ?? (b.role ? role(b.role) : cssVar("--accent")) }));
  const svg = Plot.plot({
    width, height, marginTop: margin.top, marginRight: margin.right, marginBottom: margin.bottom, marginLeft: margin.left,
    style: baseStyle(),
    x: { domain, label: null, grid: true, tickFormat: (v) => formatNumber(v, 2).replace(/\.?0+$/, "") || "0" },
    y: { type: "band", domain: data.map((d) => d.k), tickFormat: (k) => names[k], label: null, padding: 0.25 },
    marks: [Plot.barX(data, { x: "value", y: "k", fill: "color", clip: true,
      title: (d) => `${d.name}: ${formatNumber(d.value, 4)}` }), Plot.ruleX([0], { stroke: cssVar("--muted") })],
  });
  svg.querySelectorAll('g[aria-label="bar"] rect').forEach((rect, k) => { if (bars[k]?.term) rect.setAttribute("data-term", bars[k].term); });
  const what = `${plainText(title) || "Bar chart"}: ${bars.map((b, k) => `${names[k]} ${formatNumber(b.value)}`).join("; ")}`;
  return figure({ kind: "bar", svg, width, height, title, xLabel, margin,
    summary: what, table: hiddenTable(what, ["bar", "value"], bars.map((b, k) => [names[k], b.value])) });
}
