// Drawn diagrams in one notation: cells as boxes with typeset labels, arrows with arrowheads (forward flows solid,
// backward flows — gradients — dashed), a curved self-loop for the recurrent cell, labels beside lines, never
// on them. Colours come from the palette's roles. The SVG has a fixed pixel size (no viewBox scaling), so its
// text stays at 12–13 px; a wide diagram scrolls inside its own container.

import { role, cssVar, liveColors } from "./palette.js";
import { svgLabel } from "./tex.js";
import { scrollBox } from "./scroll.js";

const SVG = "http://www.w3.org/2000/svg";
let diagrams = 0;

export function svgEl(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, value);
  node.append(...children.filter(Boolean));
  return node;
}

// A new diagram: { root (the scroll container to insert), svg, add(node) }. title is the text alternative.
export function diagram({ width, height, title, description = "" }) {
  const id = `dg${++diagrams}`;
  const svg = svgEl("svg", { class: "fig diagram", width, height, role: "img", "aria-labelledby": `${id}-title`,
    "data-diagram": id });
  svg.append(svgEl("title", { id: `${id}-title` }));
  svg.firstChild.textContent = description ? `${title}. ${description}` : title;
  svg.append(svgEl("defs"));
  const root = scrollBox(svg, title);
  return { id, root, svg, markers: new Map(),
    add(...nodes) { svg.append(...nodes); nodes.forEach((n) => liveColors(n)); return nodes[0]; } };
}

// The arrowhead for one colour, made once per diagram.
function marker(d, color) {
  if (!d.markers.has(color)) {
    const id = `${d.id}-arrow-${d.markers.size}`;
    d.svg.querySelector("defs").append(svgEl("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" },
    svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: color })));
    liveColors(d.svg.querySelector("defs"));
    d.markers.set(color, id);
  }
  return `url(#${d.markers.get(color)})`;
}

function colorOf(roleName, fallback = cssVar("--ink")) { return roleName ? role(roleName) : fallback; }

// A box (a cell, a layer, a vector) with a typeset label: box(d, {x, y, w, h, label: "$\\tanh$", role: "h"}).
// Returns the <g>; its geometry is in g.box = {x, y, w, h, cx, cy}.
export function box(d, { x, y, w = 64, h = 40, label = "", role: roleName, term, rx = 8, fill, dashed = false,
  caption = "" }) {
  const stroke = colorOf(roleName);
  const g = svgEl("g", { class: "dg-box", "data-term": term });
  g.append(svgEl("rect", { x, y, width: w, height: h, rx, fill: fill ?? (roleName ? cssVar(`--c-${roleName}-soft`) : cssVar("--surface")),
    stroke, "stroke-width": 2, "stroke-dasharray": dashed ? "5 4" : null }));
  if (label) g.append(svgLabel(label, { x: x + w / 2, y: y + h / 2, width: Math.max(w, 40), height: h }));
  if (caption) g.append(svgLabel(caption, { x: x + w / 2, y: y + h + 4, baseline: "top", width: Math.max(w + 40, 80), height: 22 }));
  g.box = { x, y, w, h, cx: x + w / 2, cy: y + h / 2 };
  d.add(g);
  return g;
}

// The point where a line from a box's centre towards (tx, ty) leaves the box: arrows start and end on edges.
export function edgePoint(b, tx, ty, gap = 2) {
  const dx = tx - b.cx, dy = ty - b.cy;
  if (dx === 0 && dy === 0) return [b.cx, b.cy];
  const sx = dx ? (b.w / 2 + gap) / Math.abs(dx) : Infinity, sy = dy ? (b.h / 2 + gap) / Math.abs(dy) : Infinity;
  const s = Math.min(sx, sy);
  return [b.cx + dx * s, b.cy + dy * s];
}

// An arrow from one point to another (or box to box: from/to may be a box <g>). role colours it; backward
// draws it dashed (a gradient flowing back); bend (px) curves it sideways; label sits beside the line's middle,
// on labelSide "left" or "right" of the direction of travel, offset so it never covers the line.
export function arrow(d, { from, to, role: roleName, label = "", labelSide = "left", bend = 0, backward = false,
  term, width = 2, labelOffset = 14 }) {
  const a = from.box ? edgePoint(from.box, ...(to.box ? [to.box.cx, to.box.cy] : to)) : from;
  const b = to.box ? edgePoint(to.box, ...(from.box ? [from.box.cx, from.box.cy] : from)) : to;
  const color = colorOf(roleName);
  const [mx, my] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const [lx, ly] = [(b[1] - a[1]) / len, -(b[0] - a[0]) / len];   // unit normal on the left of travel (y down)
  // a quadratic curve peaks half-way to its control point, so bend px of curve needs 2·bend of control offset
  const dAttr = bend ? `M${a[0]},${a[1]} Q${mx + lx * bend * 2},${my + ly * bend * 2} ${b[0]},${b[1]}`
    : `M${a[0]},${a[1]} L${b[0]},${b[1]}`;
  const g = svgEl("g", { class: backward ? "dg-arrow backward" : "dg-arrow", "data-term": term });
  const path = svgEl("path", { d: dAttr, fill: "none", stroke: color, "stroke-width": width,
    "stroke-dasharray": backward ? "6 4" : null, "marker-end": marker(d, color) });
  g.append(path);
  if (label) {
    const side = labelSide === "right" ? -1 : 1;
    const [ox, oy] = [side * lx, side * ly];
    const x = mx + lx * bend + ox * labelOffset, y = my + ly * bend + oy * labelOffset;
    const anchor = ox > 0.5 ? "start" : ox < -0.5 ? "end" : "middle";
    const baseline = anchor !== "middle" ? "middle" : oy < 0 ? "bottom" : "top";
    g.append(svgLabel(label, { x, y: baseline === "bottom" ? y + 6 : baseline === "top" ? y - 6 : y,
      anchor, baseline, width: 140, height: 26 }));
  }
  g.path = path;
  d.add(g);
  return g;
}

// The recurrent self-loop: a curve leaving a box's top (or bottom) on the right and returning on the left,
// with an arrowhead and a label above (below) it. Returns the <g>; g.path is the curve (for flowAlong).
export function selfLoop(d, b, { role: roleName = "h", label = "", side = "top", size = 34, term } = {}) {
  const box_ = b.box ?? b;
  const s = side === "top" ? -1 : 1;
  const y0 = side === "top" ? box_.y - 2 : box_.y + box_.h + 2;
  const x1 = box_.cx + box_.w * 0.22, x2 = box_.cx - box_.w * 0.22;
  const color = colorOf(roleName);
  const dAttr = `M${x1},${y0} C${x1 + size * 0.6},${y0 + s * size * 1.3} ${x2 - size * 0.6},${y0 + s * size * 1.3} ${x2},${y0}`;
  const g = svgEl("g", { class: "dg-loop", "data-term": term });
  const path = svgEl("path", { d: dAttr, fill: "none", stroke: color, "stroke-width": 2, "marker-end": marker(d, color) });
  g.append(path);
  if (label) g.append(svgLabel(label, { x: box_.cx, y: y0 + s * (size + 8), baseline: side === "top" ? "bottom" : "top",
    width: 160, height: 26 }));
  g.path = path;
  d.add(g);
  return g;
}

// A free label (typeset when it contains $…$) at a point.
export function note(d, { x, y, text, anchor = "middle", baseline = "middle", width = 200, height = 26, term }) {
  const fo = svgLabel(text, { x, y, anchor, baseline, width, height });
  if (term) fo.setAttribute("data-term", term);
  return d.add(fo);
}
