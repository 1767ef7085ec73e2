// Motion: tweened numbers, positions and colours, and values flowing along the edges of a diagram (forward
// pass and BPTT). Durations come from css/tokens.css (--dur, --dur-flow …), which prefers-reduced-motion sets
// to 0; with 0 every animation jumps to its end at once. Every function returns a Promise that resolves when the
// motion ends (or is cancelled through an AbortSignal), so a player can await it.

import { cssVar, rgb } from "./palette.js";

export function reducedMotion() {
  return window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

// A duration token in ms: duration("--dur-flow") → 900 (0 under reduced motion).
export function duration(token = "--dur") {
  if (reducedMotion()) return 0;
  const value = cssVar(token);
  const ms = value.endsWith("ms") ? Number.parseFloat(value) : Number.parseFloat(value) * 1000;
  return Number.isFinite(ms) ? ms : 0;
}

export const easeInOut = (t) => (t < 0.5 ? 4 * t * t * t : 1 - (-2 * t + 2) ** 3 / 2);
export const easeOut = (t) => 1 - (1 - t) ** 3;

// Run step(eased t) for t from 0 to 1 over ms on animation frames; step(1) always runs last.
export function tween(step, { ms = duration(), ease = easeInOut, signal } = {}) {
  return new Promise((resolve) => {
    if (!(ms > 0) || signal?.aborted) { step(1); resolve(); return; }
    const start = performance.now();
    const frame = (now) => {
      if (signal?.aborted) { step(1); resolve(); return; }
      const t = Math.min(1, (now - start) / ms);
      step(ease(t));
      if (t < 1) requestAnimationFrame(frame); else resolve();
    };
    requestAnimationFrame(frame);
  });
}

export const lerp = (a, b, t) => a + (b - a) * t;

export function lerpColor(a, b, t) {
  const p = rgb(a), q = rgb(b);
  return `rgb(${p.map((v, i) => Math.round(lerp(v, q[i], t))).join(",")})`;
}

// Count a number shown in element from its current value to `to`; format(v) writes the text. The exact value
// goes into data-value at once (tests and readers see the true number, only the text moves).
export function tweenNumber(element, to, { format = (v) => v.toFixed(3), ...options } = {}) {
  const from = Number.parseFloat(element.dataset.shown ?? element.dataset.value ?? to);
  element.dataset.value = String(to);
  element.dataset.shown = String(to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || from === to) {
    element.textContent = format(to);
    return Promise.resolve();
  }
  return tween((t) => { element.textContent = format(t === 1 ? to : lerp(from, to, t)); }, options);
}

// Move SVG attributes (x, y, width, cx, r, opacity …) and colours (fill, stroke) to new values.
export function tweenAttrs(element, attrs, options = {}) {
  const plan = Object.entries(attrs).map(([name, to]) => {
    const from = element.getAttribute(name);
    const colour = /^(#|rgb)/.test(String(to));
    return { name, to, from: from ?? to, colour };
  });
  return tween((t) => {
    for (const { name, from, to, colour } of plan) {
      const value = t === 1 ? to : colour ? lerpColor(String(from), String(to), t) : lerp(Number(from), Number(to), t);
      element.setAttribute(name, value);
    }
  }, options);
}

// Fade an element in or out (opacity), e.g. a value appearing at a node.
export function fade(element, to = 1, options = {}) {
  const from = Number.parseFloat(getComputedStyle(element).opacity);
  return tween((t) => { element.style.opacity = String(lerp(from, to, t)); }, options);
}

// A dot travelling along an SVG path: forward from its start to its end, or backward (BPTT) from end to start.
// The dot is removed afterwards. Under reduced motion nothing moves and the Promise resolves at once.
export function flowAlong(path, { direction = "forward", color = cssVar("--c-h"), radius = 5, ms = duration("--dur-flow"),
  signal } = {}) {
  if (!(ms > 0)) return Promise.resolve();
  const svgRoot = path.ownerSVGElement;
  const length = path.getTotalLength();
  const dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
  dot.setAttribute("r", radius);
  dot.setAttribute("fill", color);
  dot.setAttribute("class", "flow-dot");
  dot.setAttribute("aria-hidden", "true");
  const matrix = path.getAttribute("transform");
  if (matrix) dot.setAttribute("transform", matrix);
  (path.parentNode ?? svgRoot).append(dot);
  return tween((t) => {
    const at = path.getPointAtLength((direction === "backward" ? 1 - t : t) * length);
    dot.setAttribute("cx", at.x);
    dot.setAttribute("cy", at.y);
  }, { ms, ease: easeInOut, signal }).then(() => dot.remove());
}

// Dashes marching along a path (a continuous flow), until the signal aborts or ms passes; the path's dash
// style is restored afterwards.
export function dashFlow(path, { direction = "forward", ms = duration("--dur-flow"), dash = "6 6", signal } = {}) {
  if (!(ms > 0)) return Promise.resolve();
  const before = path.getAttribute("stroke-dasharray");
  path.setAttribute("stroke-dasharray", dash);
  const period = dash.split(/\s+/).map(Number).reduce((a, b) => a + b, 0);
  return tween((t) => {
    path.setAttribute("stroke-dashoffset", String((direction === "backward" ? 1 : -1) * t * period * 4));
  }, { ms, ease: (t) => t, signal }).then(() => {
    if (before === null) path.removeAttribute("stroke-dasharray"); else path.setAttribute("stroke-dasharray", before);
    path.removeAttribute("stroke-dashoffset");
  });
}

// Several flows one after another (a forward pass along a chain of edges, or back again).
export async function flowChain(paths, options = {}) {
  const order = options.direction === "backward" ? [...paths].reverse() : paths;
  for (const path of order) {
    if (options.signal?.aborted) return;
    await flowAlong(path, options);
  }
}
