// The summary's timeline, drawn: a year axis with a mark per event and the event's label joined to it by a
// leader line. Across a wide panel the labels stack in lanes above and below the axis, each lane chosen so that
// no label overlaps another and no leader crosses a label; down a narrow one (a phone) the axis runs vertically
// and labels that would collide slide apart along it. Labels are HTML list items (the list is the text
// alternative); the axis, marks and leaders are an SVG behind them. Text keeps its size at every width.

import { el } from "../draw.js";
import { svgEl } from "../diagram.js";
import { liveColors, cssVar } from "../palette.js";
import { keyboardScroll } from "../scroll.js";
import { duration, tween } from "../motion.js";

const FIRST = 1984, LAST = 2019;          // the axis, a little wider than the events
const ACROSS_MIN = 560;                   // narrower than this, the timeline runs down the panel
const TICK_EVERY = 5;

function eventItem(row) {
  return el("li", { class: "sum-tl-event" },
    el("span", { class: "sum-tl-year" }, String(row.year)), " ",
    el("strong", {}, row.who), el("span", { class: "visually-hidden" }, ": "),
    el("span", { class: "sum-tl-what" }, row.what));
}

// Lay the rows out in box at its current width; with reveal, the events then appear one by one.
export async function layoutTimeline(box, rows, { reveal = false, signal } = {}) {
  const available = Math.max(300, Math.floor(box.clientWidth || 600));
  const across = available >= ACROSS_MIN;
  const canvas = el("div", { class: `sum-tl ${across ? "sum-tl-across" : "sum-tl-down"}` });
  const list = el("ol", { id: "timeline", class: "sum-tl-events" }, ...rows.map(eventItem));
  const svg = svgEl("svg", { class: "fig sum-tl-axis", "aria-hidden": "true" });
  canvas.append(svg, list);
  const scroller = el("div", { class: "figure-scroll" }, canvas);
  keyboardScroll(scroller, "Timeline");
  box.replaceChildren(scroller);
  const items = [...list.children];
  const { width, height, marks } = across ? layAcross(available, rows, items, svg) : layDown(available, rows, items, svg);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  liveColors(svg);
  if (reveal) await revealInOrder(items, marks, signal);
}

async function revealInOrder(items, marks, signal) {
  if (!(duration() > 0)) return;
  const parts = items.map((item, i) => [item, ...marks[i]]);
  parts.flat().forEach((node) => { node.style.opacity = "0"; });
  for (const group of parts) {
    if (signal?.aborted) break;
    await tween((t) => group.forEach((node) => { node.style.opacity = String(t); }), { ms: duration(), signal });
  }
  parts.flat().forEach((node) => { node.style.opacity = ""; });
}

// ---- across: the axis in the middle, labels in lanes above and below ----
function layAcross(available, rows, items, svg) {
  const width = Math.min(available, 900);
  const pad = 22;
  const x = (year) => pad + ((year - FIRST) / (LAST - FIRST)) * (width - 2 * pad);
  const labelWidth = Math.min(186, Math.max(150, Math.floor((width - 2 * pad) / 4.2)));
  items.forEach((item) => { item.style.width = `${labelWidth}px`; });
  const heights = items.map((item) => item.offsetHeight);

  // Greedy lanes, nearest first: a label fits a lane when it overlaps no label there, covers no leader of a
  // farther label on its side, and its own leader crosses no nearer label. Labels on the left half run right
  // from their leader and are placed from the middle outwards (right to left), those on the right half run left
  // and are placed left to right: a label's leader then never has to pass a label placed before it.
  const placed = [];
  const spanOf = (at, anchor) => (anchor === "start" ? [at - 1, at - 1 + labelWidth] : [at + 1 - labelWidth, at + 1]);
  const prefer = (at) => (at < width * 0.55 ? ["start", "end"] : ["end", "start"]);
  const order = rows.map((row, i) => ({ i, at: x(row.year) }));
  const left = order.filter((o) => prefer(o.at)[0] === "start").reverse(), right = order.filter((o) => prefer(o.at)[0] === "end");
  for (const { i, at } of [...left, ...right]) {
    const spans = prefer(at).map((anchor) => [anchor, spanOf(at, anchor)]).filter(([, [a, b]]) => a >= 2 && b <= width - 2);
    for (let lane = 0; lane <= rows.length; lane++) {
      const fit = ["above", "below"].flatMap((side) => spans.map(([anchor, span]) => ({ side, lane, anchor, span, at, i })))
        .find((c) => lane === rows.length || placed.every((p) => p.side !== c.side || compatible(c, p)));
      if (fit) { placed.push(fit); break; }
    }
  }

  const laneHeights = { above: [], below: [] };
  for (const p of placed) {
    const h = laneHeights[p.side];
    h[p.lane] = Math.max(h[p.lane] ?? 0, heights[p.i]);
  }
  const gap = 12, tickBand = 30, stem = 14;
  const stack = (side) => laneHeights[side].reduce((sum, h) => sum + (h ?? 0) + gap, 0);
  const axisY = stack("above") + stem + 4;
  const height = Math.round(axisY + tickBand + stack("below") + 4);
  const laneEdge = (side, lane) => {     // the lane's edge nearest the axis
    const before = laneHeights[side].slice(0, lane).reduce((sum, h) => sum + (h ?? 0) + gap, 0);
    return side === "above" ? axisY - stem - before : axisY + tickBand + before;
  };

  svg.append(svgEl("line", { x1: pad - 8, x2: width - pad + 8, y1: axisY, y2: axisY, stroke: cssVar("--ink"), "stroke-width": 1.5 }));
  const eventXs = rows.map((r) => x(r.year));
  for (let year = Math.ceil(FIRST / TICK_EVERY) * TICK_EVERY; year <= LAST; year += TICK_EVERY) {
    svg.append(svgEl("line", { x1: x(year), x2: x(year), y1: axisY, y2: axisY + 5, stroke: cssVar("--ink") }));
    if (eventXs.some((ex) => Math.abs(ex - x(year)) < 17)) continue;        // a leader passes here: the event names its year
    svg.append(svgEl("text", { x: x(year), y: axisY + 19, "text-anchor": "middle", class: "sum-tl-tick" }, String(year)));
  }
  const marks = rows.map(() => []);
  for (const p of placed) {
    const item = items[p.i], h = heights[p.i], edge = laneEdge(p.side, p.lane);
    const top = p.side === "above" ? edge - h : edge;
    item.style.left = `${p.span[0]}px`;
    item.style.top = `${top}px`;
    item.classList.add(`sum-tl-${p.anchor}`);
    const leader = svgEl("line", { x1: p.at, x2: p.at, y1: p.side === "above" ? axisY - 7 : axisY + 7,
      y2: p.side === "above" ? edge : edge, stroke: cssVar("--muted"), "stroke-width": 1.25, class: "sum-tl-leader" });
    const dot = svgEl("circle", { "data-year": rows[p.i].year, cx: p.at, cy: axisY, r: 6, fill: cssVar("--accent"), stroke: cssVar("--surface"), "stroke-width": 2 });
    svg.append(leader, dot);
    marks[p.i].push(leader, dot);
  }
  return { width, height, marks };
}

function compatible(c, p) {
  const inside = (v, [a, b]) => v > a - 6 && v < b + 6;
  if (c.lane === p.lane) return c.span[1] + 10 <= p.span[0] || p.span[1] + 10 <= c.span[0];
  if (p.lane < c.lane) return !inside(c.at, p.span);
  return !inside(p.at, c.span);
}

// ---- down: the axis on the left, labels on the right, slid apart where they would collide ----
function layDown(available, rows, items, svg) {
  const width = available;
  const axisX = 56, left = axisX + 30, perYear = 14, top = 12;
  const y = (year) => top + (year - FIRST) * perYear;
  const labelWidth = width - left - 4;
  items.forEach((item) => { item.style.width = `${labelWidth}px`; });
  const heights = items.map((item) => item.offsetHeight);
  const tops = dodge(rows.map((r, i) => ({ ideal: y(r.year) - 10, h: heights[i] })), 10, 2);
  const height = Math.round(Math.max(y(LAST) + 10, ...tops.map((t, i) => t + heights[i] + 8)));

  svg.append(svgEl("line", { x1: axisX, x2: axisX, y1: top - 6, y2: y(LAST) + 6, stroke: cssVar("--ink"), "stroke-width": 1.5 }));
  for (let year = Math.ceil(FIRST / TICK_EVERY) * TICK_EVERY; year <= LAST; year += TICK_EVERY) {
    svg.append(svgEl("line", { x1: axisX - 5, x2: axisX, y1: y(year), y2: y(year), stroke: cssVar("--ink") }),
      svgEl("text", { x: axisX - 9, y: y(year) + 4, "text-anchor": "end", class: "sum-tl-tick" }, String(year)));
  }
  const marks = rows.map((r, i) => {
    const at = y(r.year), target = tops[i] + 10;
    items[i].style.left = `${left}px`;
    items[i].style.top = `${tops[i]}px`;
    items[i].classList.add("sum-tl-start");
    const leader = svgEl("path", { d: `M${axisX + 7},${at} L${axisX + 14},${at} L${left - 8},${target} L${left - 1},${target}`,
      fill: "none", stroke: cssVar("--muted"), "stroke-width": 1.25, class: "sum-tl-leader" });
    const dot = svgEl("circle", { "data-year": r.year, cx: axisX, cy: at, r: 6, fill: cssVar("--accent"), stroke: cssVar("--surface"), "stroke-width": 2 });
    svg.append(leader, dot);
    return [leader, dot];
  });
  return { width, height, marks };
}

// 1-D label placement: each label as near its ideal top as the others allow. Labels that would overlap join a
// block, and a block sits where its labels' ideal tops are on average, never above `minTop`.
function dodge(labels, gap, minTop) {
  const blocks = [];
  labels.forEach((l, i) => {
    let block = { items: [i], size: l.h, top: l.ideal, offsets: [0] };
    while (blocks.length) {
      const prev = blocks.at(-1);
      if (prev.top + prev.size + gap <= block.top) break;
      blocks.pop();
      const shift = prev.size + gap;
      const items = [...prev.items, ...block.items];
      const offsets = [...prev.offsets, ...block.offsets.map((o) => o + shift)];
      const top = items.reduce((sum, k, j) => sum + labels[k].ideal - offsets[j], 0) / items.length;
      block = { items, offsets, size: prev.size + gap + block.size, top };
    }
    block.top = Math.max(minTop, block.top);
    blocks.push(block);
  });
  const tops = [];
  for (const b of blocks) b.items.forEach((k, j) => { tops[k] = b.top + b.offsets[j]; });
  return tops;
}
