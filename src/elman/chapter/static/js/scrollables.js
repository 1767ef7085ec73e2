// A box that scrolls sideways (a wide table, figure or formula on a narrow screen) must be reachable by the
// keyboard, or its hidden part is lost to anyone without a pointer. Under the roots given, every element whose
// content is wider than it and that scrolls sideways, and holds no control of its own, gets tabindex="0" and a
// name; when it stops scrolling it gets them taken away again. Only what this module set is ever removed.

const MARK = "scrollFocus";
const CONTROLS = "a[href], button, input, select, textarea, summary, [tabindex]";

function scrollsSideways(el) {
  const { overflowX } = getComputedStyle(el);
  return (overflowX === "auto" || overflowX === "scroll") && el.scrollWidth > el.clientWidth + 1;
}

function nameOf(el) {
  const heading = el.querySelector("h3, h4, figcaption, caption");
  const what = heading?.textContent.trim() || (el.querySelector(".katex") ? "formula" : "content");
  return `${what} (scrolls sideways)`;
}

function mark(el) {
  if (el.dataset[MARK] === undefined && (el.hasAttribute("tabindex") || el.querySelector(CONTROLS))) return;
  el.dataset[MARK] = "";
  el.tabIndex = 0;
  if (!el.hasAttribute("role")) { el.setAttribute("role", "region"); el.dataset[MARK] = "role"; }
  el.setAttribute("aria-label", nameOf(el));
}

function unmark(el) {
  if (el.dataset[MARK] === "role") el.removeAttribute("role");
  el.removeAttribute("tabindex");
  el.removeAttribute("aria-label");
  delete el.dataset[MARK];
}

function update(roots) {
  for (const root of roots) {
    for (const el of root.querySelectorAll("[data-scroll-focus]")) if (!scrollsSideways(el)) unmark(el);
    // HTML boxes only (an SVG's parts do not scroll); the cheap width test first, the style only for the few left
    for (const el of [root, ...root.querySelectorAll(":not(svg *)")]) {
      if (el.scrollWidth > el.clientWidth + 1 && scrollsSideways(el)) mark(el);
    }
  }
}

// Watch `roots` (elements) from now on: after elements are added or removed inside them (at most every 150 ms,
// so an animation does not pay for it on every frame), and when the window resizes.
export function keepScrollablesFocusable(roots) {
  let timer = null;
  const schedule = () => {
    if (timer !== null) return;
    timer = setTimeout(() => { timer = null; update(roots); }, 150);
  };
  const observer = new MutationObserver(schedule);
  for (const root of roots) observer.observe(root, { childList: true, subtree: true });
  window.addEventListener("resize", schedule);
  new ResizeObserver(schedule).observe(document.documentElement);
  schedule();
  return schedule;
}
