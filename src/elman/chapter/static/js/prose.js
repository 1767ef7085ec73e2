// Running text with $maths$ typeset inline that wraps like the words around it (tex.js's label() keeps a label on
// one line, right for legends and axis titles, wrong for a sentence on a phone). Other nodes (code, numbers) are
// kept as they are: prose("p", { class: "muted" }, "the norm $\\|g\\|$ from ", code, ".").

import { el } from "./draw.js";
import { renderInline } from "./tex.js";

export function prose(tag, attrs, ...parts) {
  return el(tag, attrs, ...parts.map((part) => (typeof part === "string" ? inline(part) : part)));
}

export function inline(text) {
  const span = el("span", {});
  renderInline(span, text);
  return span;
}
