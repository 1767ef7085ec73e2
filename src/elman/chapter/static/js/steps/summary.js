// Step 8: what each step showed, live (a card per step in the colour of the quantity it was about, linking back to
// it, with a thumbnail computed again by that step's own function as the card scrolls into view), the chapter's
// claims with the lab experiment that measures each (its command, and a run here for the quick ones), and the
// timeline drawn on a year axis (js/steps/summary_timeline.js).

import { el, errorBox } from "../draw.js";
import { label } from "../tex.js";
import { linkTerms } from "../terms.js";
import { layoutTimeline } from "./summary_timeline.js";
import { thumbnail } from "./summary_figures.js";
import { claimsCard } from "./summary_claims.js";

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
  const [steps, rows, claims] = await Promise.all([ctx.api("/api/steps"), ctx.api("/api/summary/timeline"),
    ctx.api("/api/summary/claims")]);
  const cards = steps.slice(0, -1).map((s) => {
    const about = RECAP[s.key] ?? { role: "x", tex: "" };
    const figure = el("div", { class: "sum-thumb-slot", "aria-live": "polite" }, el("p", { class: "muted sum-thumb-wait" }, "computing…"));
    const li = el("li", { class: `sum-role-${about.role}`, "data-step": s.key, "data-state": "waiting" },
      el("div", { class: "sum-head" },
        el("span", { class: "sum-number", "aria-hidden": "true" }, String(s.number)),
        el("span", { class: "sum-what" },
          el("a", { href: `#step=${s.number}&seed=${ctx.seed}` }, s.label),
          el("span", { class: "sum-title" }, s.title)),
        about.tex ? el("span", { class: `sum-symbol c-${about.role}`, "data-term": about.term }, label(about.tex)) : null),
      figure);
    li.figure = figure;
    return li;
  });
  const recap = el("ol", { id: "recap", class: "sum-recap" }, ...cards);
  const timelineBox = el("div", { class: "sum-timeline-box" });
  root.append(
    el("section", { class: "card sum-card", "aria-labelledby": "sum-recap-h" },
      el("h4", { id: "sum-recap-h" }, "What you saw, computed again now"), recap),
    claimsCard(claims, ctx),
    el("section", { class: "card sum-card", "aria-labelledby": "sum-timeline-h" },
      el("h4", { id: "sum-timeline-h" }, `From backpropagation to attention, ${rows[0].year}–${rows.at(-1).year}`), timelineBox));

  // A thumbnail is asked for when its card comes near the viewport, so the page is ready before any model loads.
  async function load(li) {
    if (li.dataset.state !== "waiting") return;
    li.dataset.state = "loading";
    try {
      const r = await ctx.api(`/api/summary/recap/${li.dataset.step}`, { seed: ctx.seed });
      if (!ctx.alive()) return;
      li.figure.replaceChildren(...thumbnail(li.dataset.step, r));
      li.dataset.state = "ready";
    } catch (error) {
      if (!ctx.alive()) return;
      li.figure.replaceChildren(errorBox(error));
      li.dataset.state = "error";
    }
  }
  const seen = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) { seen.unobserve(e.target); load(e.target); }
  }, { rootMargin: "200px 0px" });
  for (const li of cards) seen ? seen.observe(li) : load(li);

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
    unmount() { resize?.disconnect(); seen?.disconnect(); },
  };
}
