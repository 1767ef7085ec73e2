// A box that scrolls sideways (a wide figure, table, formula or code on a narrow screen) must be reachable by the
// keyboard, or its hidden part is lost to anyone without a pointer. While its content overflows, the box is a tab
// stop (then the arrow keys scroll it), a group, and named for screen readers; when it fits, it is none of these.
// Two ways in: keyboardScroll(box, name) watches one box a widget built and names (.figure-scroll in
// css/tokens.css); keepScrollablesFocusable(roots) finds every other such box under the roots. Only what this
// module set is ever taken away again (data-scroll-focus marks it).

const MARK = "scrollFocus";
const CONTROLS = "a[href], button, input, select, textarea, summary, [tabindex]";

function scrollsSideways(el) {
  if (el.scrollWidth <= el.clientWidth + 1) return false;           // the cheap test first; the style only if it passes
  const { overflowX } = getComputedStyle(el);
  return overflowX === "auto" || overflowX === "scroll";
}

function mark(el, name) {
  if (el.dataset[MARK] === undefined) el.dataset[MARK] = el.hasAttribute("role") ? "" : "role";
  if (el.dataset[MARK] === "role") el.setAttribute("role", "group");
  el.tabIndex = 0;
  el.setAttribute("aria-label", `${name} (scrolls sideways)`);
}

function unmark(el) {
  if (el.dataset[MARK] === undefined) return;
  if (el.dataset[MARK] === "role") el.removeAttribute("role");
  el.removeAttribute("tabindex");
  el.removeAttribute("aria-label");
  delete el.dataset[MARK];
}

// One box, named by its widget (a TeX name is read without its $ and \), kept in step with its size.
export function keyboardScroll(box, name) {
  box.dataset.scrollName = String(name).replace(/[$\\]/g, "");
  if (typeof ResizeObserver === "undefined") return box;
  new ResizeObserver(() => {
    if (scrollsSideways(box)) mark(box, box.dataset.scrollName); else unmark(box);
  }).observe(box);
  return box;
}

// A new scroll box around a figure.
export function scrollBox(child, name) {
  const box = document.createElement("div");
  box.className = "figure-scroll";
  box.append(child);
  return keyboardScroll(box, name);
}

// A box nobody named is named by its heading, else by what it holds. A typeset heading is read as a screen reader
// reads it: KaTeX's MathML, without the hidden drawing and the TeX source beside it.
function nameOf(el) {
  const heading = el.querySelector("h3, h4, figcaption, caption")?.cloneNode(true);
  heading?.querySelectorAll('[aria-hidden="true"], annotation').forEach((part) => part.remove());
  return heading?.textContent.replace(/\s+/g, " ").trim() || (el.querySelector(".katex") ? "formula" : "content");
}

// A found box becomes a tab stop only if nothing inside it already is one (its controls then scroll it into view).
function markFound(el) {
  if (el.dataset[MARK] === undefined && (el.hasAttribute("tabindex") || el.querySelector(CONTROLS))) return;
  mark(el, nameOf(el));
}

function rescan(roots) {
  for (const root of roots) {
    for (const el of root.querySelectorAll("[data-scroll-focus]:not([data-scroll-name])")) {
      if (!scrollsSideways(el)) unmark(el);
    }
    // HTML boxes only (an SVG's parts do not scroll); a named box has its own observer
    for (const el of [root, ...root.querySelectorAll(":not(svg *)")]) {
      if (el.dataset.scrollName === undefined && scrollsSideways(el)) markFound(el);
    }
  }
}

// Watch `roots` (elements) from now on: after elements are added or removed inside them (at most once every
// 150 ms, so an animation does not pay for a scan on every frame), and when the window resizes. Returns a
// function that asks for a scan.
export function keepScrollablesFocusable(roots) {
  let timer = null;
  const schedule = () => {
    if (timer !== null) return;
    timer = setTimeout(() => { timer = null; rescan(roots); }, 150);
  };
  const observer = new MutationObserver(schedule);
  for (const root of roots) observer.observe(root, { childList: true, subtree: true });
  window.addEventListener("resize", schedule);
  new ResizeObserver(schedule).observe(document.documentElement);
  schedule();
  return schedule;
}
