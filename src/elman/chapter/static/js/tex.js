// Equations through the vendored KaTeX; text with $…$ becomes text nodes and rendered maths, never raw HTML.

export function renderDisplay(element, tex) {
  element.replaceChildren();
  for (const line of tex.split(/\n\s*\n/)) {
    const block = document.createElement("div");
    window.katex.render(line, block, { displayMode: true, throwOnError: false });
    element.append(block);
  }
}

export function renderInline(element, text) {
  element.replaceChildren();
  text.split(/(\$[^$]+\$)/).forEach((part) => {
    if (part.startsWith("$") && part.endsWith("$") && part.length > 2) {
      const span = document.createElement("span");
      window.katex.render(part.slice(1, -1), span, { throwOnError: false });
      element.append(span);
    } else if (part) {
      element.append(document.createTextNode(part));
    }
  });
}
