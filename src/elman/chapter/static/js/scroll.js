// A figure keeps its pixel size and scrolls sideways inside its own box (.figure-scroll in css/tokens.css).
// While its content overflows, the box is reachable by keyboard (Tab, then the arrow keys) and named for
// screen readers; when it fits, it is not a tab stop.

export function keyboardScroll(box, name) {
  if (typeof ResizeObserver === "undefined") return box;
  new ResizeObserver(() => {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", `${String(name).replace(/[$\\]/g, "")} (scrolls sideways)`);
    } else {
      box.removeAttribute("tabindex"); box.removeAttribute("role"); box.removeAttribute("aria-label");
    }
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
