// Step 1: two sentences through a bag of words, an RNN and a feedforward network sized for the first one.

import { el, errorBox, fmt, num } from "../draw.js";

export async function mount(root, ctx) {
  const a = el("input", { type: "text", id: "seq-a", maxlength: "200", value: ctx.get("a", "the dog bit the man") });
  const b = el("input", { type: "text", id: "seq-b", maxlength: "200", value: ctx.get("b", "the man bit the dog") });
  const out = el("div", { id: "seq-out" });
  root.append(
    el("div", { class: "row" }, el("label", { for: "seq-a" }, "sentence A"), a),
    el("div", { class: "row" }, el("label", { for: "seq-b" }, "sentence B"), b),
    el("div", { class: "row" }, el("button", { type: "button", class: "action", id: "seq-swap",
      onclick: () => { b.value = a.value.split(/\s+/).reverse().join(" "); update(); } }, "B = A reversed"),
      el("button", { type: "button", class: "action", id: "seq-longer",
        onclick: () => { b.value = `${a.value} today`; update(); } }, "B = A + one word")),
    out);

  let pending = 0;
  async function update() {
    const ticket = ++pending;
    ctx.set({ a: a.value, b: b.value });
    try {
      const r = await ctx.api("/api/sequences/compare", { a: a.value, b: b.value, seed: ctx.seed });
      if (ticket === pending && ctx.alive()) out.replaceChildren(render(r));
    } catch (error) {
      if (ticket === pending && ctx.alive()) out.replaceChildren(errorBox(error));
    }
  }
  let timer = null;
  for (const input of [a, b]) input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 150); });
  await update();
  return { unmount() { clearTimeout(timer); } };
}

function render(r) {
  const bow = r.bag_of_words, rnn = r.rnn, ff = r.feedforward;
  const table = el("table", { class: "data" },
    el("tr", {}, el("th", {}, "word"), ...r.vocabulary.map((w) => el("th", {}, w))),
    ...bow.vectors.map((v, i) => el("tr", {}, el("td", {}, i ? "B" : "A"), ...v.map((c) => el("td", {}, String(c))))));
  return el("div", { class: "cards" },
    el("div", { class: "card" }, el("h4", {}, "Bag of words"), table,
      el("p", {}, "cosine(A, B) = ", num("bow-cosine", bow.cosine, 4, "num big"), " ",
        el("span", { class: bow.identical ? "bad" : "good" }, bow.identical ? "identical: order is invisible" : "different"))),
    el("div", { class: "card" }, el("h4", {}, `RNN final state h_T (${rnn.hidden_size} numbers)`),
      el("p", {}, "cosine(h_T(A), h_T(B)) = ", num("rnn-cosine", rnn.cosine, 4, "num big"), " ",
        el("span", { class: rnn.identical ? "bad" : "good" }, rnn.identical ? "identical" : "different: order changes the state")),
      el("p", { class: "muted" }, `first entries of A: ${rnn.final_states[0].slice(0, 4).map((x) => fmt(x, 3)).join(", ")} …`),
      el("p", { class: "muted" }, `first entries of B: ${rnn.final_states[1].slice(0, 4).map((x) => fmt(x, 3)).join(", ")} …`)),
    el("div", { class: "card" }, el("h4", {}, `Feedforward network, input size ${ff.input_size}`),
      ...ff.sentences.map((s, i) => el("p", { "data-key": `ff-${i ? "b" : "a"}`, class: s.accepted ? "good" : "bad" },
        `${i ? "B" : "A"}: `, s.accepted ? "accepted" : `refused: ${s.error}`))));
}
