// Examples of the chapter's visual modules, rendered into the live page's #widget by
// tests/test_chapter_browser_foundation.py (page.evaluate of this function). Returns handles the test inspects.
async () => {
  const load = (name) => import(`/static/js/${name}.js`);
  const [charts, dg, motion, terms, tex, palette] = await Promise.all(
    ["charts", "diagram", "motion", "terms", "tex", "palette"].map(load));
  const host = document.getElementById("widget");
  host.replaceChildren();
  const section = (id, heading) => {
    const s = document.createElement("section");
    s.id = id;
    const h = document.createElement("h4");
    h.append(tex.label(heading));
    s.append(h);
    host.append(s);
    return s;
  };

  // A line chart comparing two settings on one fixed log domain.
  const steps = Array.from({ length: 60 }, (_, k) => k + 1);
  section("g-line", "Line chart, fixed log domain").append(await charts.lineChart({
    title: "Gradient reaching $k$ steps back",
    series: [
      { label: "$\\rho = 0.9$", x: steps, y: steps.map((k) => 0.9 ** k), role: "grad", term: "grad" },
      { label: "$\\rho = 0.5$", x: steps, y: steps.map((k) => 0.5 ** k), role: "h", dash: "6 4", term: "h" },
    ],
    x: { domain: [1, 60], label: "steps back $T-k$" },
    y: { type: "log", domain: [1e-16, 1], label: "$\\|\\partial L / \\partial h_k\\|$" },
  }));

  // A wide heat map with its colour bar: it scrolls, its labels stay 12 px.
  const words = "the cat sat on the mat and then it slept in the warm sun all day long".split(" ");
  const units = Array.from({ length: 8 }, (_, i) => `h[${i}]`);
  const matrix = units.map((_, i) => words.map((__, j) => Math.sin(0.7 * i + 0.45 * j)));
  section("g-heat", "Heat map with a colour bar").append(await charts.heatMap({
    matrix, rows: units, cols: words, cell: 22, cellWidth: 34, domain: [-1, 1],
    title: "Hidden units $h_t$ over the sentence", legendLabel: "$h_t[i]$",
  }));

  section("g-bar", "Bar chart").append(await charts.barChart({
    bars: [{ label: "input x", value: 0.4, role: "x", term: "x" }, { label: "state h", value: 0.9, role: "h", term: "h" },
      { label: "output y", value: -0.3, role: "y", term: "y" }],
    domain: [-1, 1], title: "Three roles", xLabel: "value",
  }));

  // A diagram: x → cell (with its recurrent self-loop) → y, and the gradient flowing back.
  const d = dg.diagram({ width: 460, height: 190, title: "The recurrent cell",
    description: "x_t enters the tanh cell through W_xh; the cell feeds itself through W_hh; y_t leaves through W_hy" });
  const x = dg.box(d, { x: 30, y: 90, w: 64, h: 40, label: "$x_t$", role: "x", term: "x" });
  const cell = dg.box(d, { x: 190, y: 80, w: 84, h: 60, label: "$\\tanh$", role: "h", term: "h", caption: "$h_t$" });
  const y = dg.box(d, { x: 370, y: 90, w: 64, h: 40, label: "$y_t$", role: "y", term: "y" });
  const a1 = dg.arrow(d, { from: x, to: cell, role: "x", label: "$W_{xh}$", term: "W_xh" });
  const a2 = dg.arrow(d, { from: cell, to: y, role: "y", label: "$W_{hy}$", term: "W_hy" });
  const back = dg.arrow(d, { from: [402, 136], to: [250, 146], role: "grad", backward: true, bend: -22,
    label: "$\\partial L/\\partial h_t$", labelSide: "left", term: "grad" });
  const loop = dg.selfLoop(d, cell, { role: "h", label: "$W_{hh}\\,h_{t-1}$", term: "W_hh" });
  section("g-diagram", "Diagram").append(d.root);

  // Term linking: the formula's terms and the widget's elements light up together.
  const formula = section("g-terms", "Term linking");
  const display = document.createElement("div");
  display.id = "g-formula";
  tex.renderDisplay(display, `${terms.term("h", "h_t")} = \\tanh(${terms.term("W_xh", "W_{xh}")}\\,${terms.term("x", "x_t")}`
    + ` + ${terms.term("W_hh", "W_{hh}")}\\,${terms.term("h_prev", "h_{t-1}")} + b_h)`);
  const chip = document.createElement("button");
  chip.type = "button";
  chip.id = "g-chip-h";
  chip.className = "c-h";
  chip.append(tex.label("the state $h_t$"));
  terms.markTerm(chip, "h");
  const scroll = await import("/static/js/scroll.js");
  formula.append(scroll.scrollBox(display, "formula"), chip);
  terms.linkTerms();

  // Numbers and labels.
  const numbers = section("g-numbers", "Numbers");
  for (const v of [1e-13, 0.25, -3.5e6, 1e124]) {
    const span = document.createElement("span");
    span.className = "num";
    span.textContent = tex.formatNumber(v);
    numbers.append(span, document.createTextNode("  "));
  }
  const two = document.createElement("span");
  two.className = "num";
  two.textContent = tex.formatNumber(1e-13, 2);
  numbers.append(two, document.createTextNode("  "), tex.numberNode(-2.5e-7), document.createTextNode("  "));
  numbers.append(tex.math("W_{hh}"), document.createTextNode("  "), tex.math("\\rho^{T-k}"), document.createTextNode("  "),
    tex.math("10^{-13}"));

  window.__gallery = { motion, palette, tex, terms, paths: { a1: a1.path, a2: a2.path, back: back.path, loop: loop.path } };
  return { numbers: [...numbers.querySelectorAll(".num")].map((n) => n.textContent) };
}
