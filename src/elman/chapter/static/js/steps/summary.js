// Step 8: the timeline from backpropagation to the Transformer.

import { el } from "../draw.js";

export async function mount(root, ctx) {
  const rows = await ctx.api("/api/summary/timeline");
  root.append(el("h4", {}, "From backpropagation to attention"),
    el("ol", { class: "timeline", id: "timeline" }, ...rows.map((r) => el("li", {},
      el("span", { class: "year" }, String(r.year)), el("strong", {}, r.who), ` — ${r.what}`))));
  return {};
}
