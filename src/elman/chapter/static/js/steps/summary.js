// Step 8: what each step showed (links back to it), and the timeline from backpropagation to the Transformer.

import { el } from "../draw.js";

export async function mount(root, ctx) {
  const [steps, rows] = await Promise.all([ctx.api("/api/steps"), ctx.api("/api/summary/timeline")]);
  root.append(
    el("div", { class: "cards" },
      el("div", { class: "card" }, el("h4", {}, "What you saw, computed live"),
        el("ol", { id: "recap" }, ...steps.slice(0, -1).map((s) => el("li", {},
          el("a", { href: `#step=${s.number}&seed=${ctx.seed}` }, s.label), ` — ${s.title}`)))),
      el("div", { class: "card" }, el("h4", {}, "From backpropagation to attention"),
        el("ol", { class: "timeline", id: "timeline" }, ...rows.map((r) => el("li", {},
          el("span", { class: "year" }, String(r.year)), el("strong", {}, r.who), ` — ${r.what}`))))));
  return {};
}
