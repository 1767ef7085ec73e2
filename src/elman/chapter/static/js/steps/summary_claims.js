// Step 8's claims: each sentence of the chapter that the lab measures, the step that makes it, and the lab's command
// (elman experiment NAME); the quick experiments also run here on request, and the verdict shown is the one the
// lab's run returned, with its own measurement text. No verdict is shown for a claim that was not run.

import { el, errorBox } from "../draw.js";

function commandLine(text) {
  return el("code", { class: "sum-cmd" }, text);
}

export function claimsCard(claims, ctx) {
  const rows = claims.map((c) => {
    const result = el("div", { class: "sum-claim-result", "aria-live": "polite" });
    const run = c.runs_here ? el("button", { type: "button", class: "action sum-run", id: `sum-run-${c.experiment}`,
      "aria-label": `run it here: the ${c.experiment} experiment, quick mode` }, "run it here") : null;
    run?.addEventListener("click", async () => {
      run.disabled = true;
      result.replaceChildren(el("p", { class: "muted" }, "running…"));
      try {
        const r = await ctx.api(`/api/summary/claims/${c.experiment}`, { seed: ctx.seed });
        if (!ctx.alive()) return;
        result.replaceChildren(
          el("p", { class: `sum-verdict sum-verdict-${r.verdict.replace(" ", "-")}`, "data-verdict": r.verdict },
            el("strong", {}, r.verdict), ` — the lab's quick run, seed ${r.seed}, just now:`),
          el("pre", { class: "sum-lab-output" }, r.measured),
          r.sources.length ? el("ul", { class: "sum-sources" }, ...r.sources.map((src) => el("li", {}, src))) : null);
      } catch (error) {
        if (ctx.alive()) result.replaceChildren(errorBox(error));
      } finally {
        run.disabled = false;
      }
    });
    return el("li", { class: "sum-claim", "data-claim": String(c.id), "data-experiment": c.experiment },
      el("p", { class: "sum-claim-text" },
        el("span", { class: "sum-claim-id" }, c.id ? `claim ${c.id}` : "extra"), " ", c.statement, " ",
        el("a", { href: `#step=${c.step_number}&seed=${ctx.seed}`, class: "sum-claim-step" }, `step ${c.step_number}`)),
      el("div", { class: "sum-claim-how" }, commandLine(c.command), run),
      result);
  });
  return el("section", { class: "card sum-card", "aria-labelledby": "sum-claims-h" },
    el("h4", { id: "sum-claims-h" }, "The chapter's claims, each measured by the lab"),
    el("p", { class: "sum-claims-intro" }, "Each claim below is an experiment in elman's lab. The command runs it in full "
      + "and writes its figure and data; ", commandLine(claims[0]?.all ?? "elman claims --quick"),
    " runs them all in their short form, and ", el("span", {}, claims[0]?.docs ?? ""), " keeps the last full record. "
      + "The quick ones you can run here."),
    el("ol", { id: "claims", class: "sum-claims" }, ...rows));
}
