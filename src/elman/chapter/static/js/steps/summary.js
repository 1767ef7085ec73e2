// Step 8: what each step showed (a recap that links back to it, each step in the colour of the quantity it was
// about), and the timeline from backpropagation to the Transformer drawn on a year axis: across the panel when
// it is wide, down it on a phone. The timeline's events are an ordered list (read as such by screen readers)
// laid over the drawn axis; each label keeps its size and the layout moves labels apart instead of overlapping.

import { el } from "../draw.js";
import { label } from "../tex.js";
import { linkTerms } from "../terms.js";
import { layoutTimeline } from "./summary_timeline.js";

// What each step was about: the symbol it centred on, in its role's colour, linked to the formula's terms.
const RECAP = {
  sequences: { role: "x", tex: "$x_1, \\dots, x_T$", term: "x" },
  recurrence: { role: "h", tex: "$h_t = \\tanh(\\dots)$", term: "h" },
  hidden_state: { role: "h", tex: "$h_t$", term: "h" },
  bptt: { role: "grad", tex: "$\\partial L / \\partial h_t$", term: "grad" },
  vanishing: { role: "w", tex: "$\\rho(W_{hh})^{T-k}$", term: "W_hh" },
  tasks: { role: "y", tex: "$y_t$", term: "y" },
  embeddings: { role: "x", tex: "$x_t = E_{w_t,:}$", term: "x" },
};

export async function mount(root, ctx) {
  linkTerms();
  root.classList.add("sum");
  const [steps, rows] = await Promise.all([ctx.api("/api/steps"), ctx.api("/api/summary/timeline")]);
  const recap = el("ol", { id: "recap", class: "sum-recap" }, ...steps.slice(0, -1).map((s) => {
    const about = RECAP[s.key] ?? { role: "x", tex: "" };
    return el("li", { class: `sum-role-${about.role}` },
      el("span", { class: "sum-number", "aria-hidden": "true" }, String(s.number)),
      el("span", { class: "sum-what" },
        el("a", { href: `#step=${s.number}&seed=${ctx.seed}` }, s.label),
        el("span", { class: "sum-title" }, s.title)),
      about.tex ? el("span", { class: `sum-symbol c-${about.role}`, "data-term": about.term }, label(about.tex)) : null);
  }));
  const timelineBox = el("div", { class: "sum-timeline-box" });
  root.append(
    el("section", { class: "card sum-card", "aria-labelledby": "sum-recap-h" },
      el("h4", { id: "sum-recap-h" }, "What you saw, computed live"), recap),
    el("section", { class: "card sum-card", "aria-labelledby": "sum-timeline-h" },
      el("h4", { id: "sum-timeline-h" }, "From backpropagation to attention, 1986–2017"), timelineBox));

  const draw = () => layoutTimeline(timelineBox, rows);
  draw();
  let lastWidth = timelineBox.clientWidth;
  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    if (timelineBox.isConnected && Math.abs(timelineBox.clientWidth - lastWidth) > 16) { lastWidth = timelineBox.clientWidth; draw(); }
  });
  resize?.observe(timelineBox);
  return {
    // The events appear in order along the axis.
    async play(signal) { await layoutTimeline(timelineBox, rows, { reveal: true, signal }); },
    unmount() { resize?.disconnect(); },
  };
}
