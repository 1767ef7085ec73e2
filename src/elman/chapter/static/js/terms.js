// Term linking: a symbol in the formula and the parts of a widget that show it carry the same data-term
// ("x", "h", "h_prev", "y", "W_hh", "W_xh", "W_hy", "b_h", "grad_h", …). Pointing at or focusing any of them
// lights all of them up, formula → widget and widget → formula.
// In KaTeX, mark a term with \htmlData{term=h}{h_t} (the options in js/tex.js trust exactly that command);
// term("h", "h_t") writes it for you. Widgets set data-term on their elements (markTerm, or el(..., {"data-term"})).

let installed = false;
let active = null;

// Listen once on the document, so terms added later (a new step, a redrawn chart) link without setup.
export function linkTerms(root = document) {
  if (installed) return;
  installed = true;
  const enter = (event) => { const t = termOf(event.target); if (t) setActive(t, root); };
  const leave = (event) => {
    const t = termOf(event.target);
    if (t && t === active && !termOf(event.relatedTarget)) setActive(null, root);
  };
  root.addEventListener("pointerover", enter);
  root.addEventListener("pointerout", leave);
  root.addEventListener("focusin", enter);
  root.addEventListener("focusout", leave);
}

function termOf(node) {
  const element = node instanceof Element ? node : node?.parentElement;
  return element?.closest?.("[data-term]")?.getAttribute("data-term") ?? null;
}

// Light every element of one term (null clears). Also announces it as a "term" event on the document, so
// a widget can react beyond the CSS class (e.g. raise a chart series).
export function setActive(termName, root = document) {
  if (termName === active) return;
  for (const node of root.querySelectorAll(".term-active")) node.classList.remove("term-active");
  active = termName;
  if (termName) {
    for (const node of root.querySelectorAll(`[data-term="${CSS.escape(termName)}"]`)) node.classList.add("term-active");
  }
  document.dispatchEvent(new CustomEvent("term", { detail: { term: termName } }));
}

export function activeTerm() { return active; }

// KaTeX source for a linked term: term("W_hh", "W_{hh}") → "\htmlData{term=W_hh}{W_{hh}}".
export function term(name, tex) {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`term names are letters, digits and _; got "${name}"`);
  return `\\htmlData{term=${name}}{${tex}}`;
}

// Mark a widget element as showing a term; focusable ones (buttons, inputs) then link by keyboard too.
export function markTerm(element, name) {
  element.setAttribute("data-term", name);
  return element;
}
