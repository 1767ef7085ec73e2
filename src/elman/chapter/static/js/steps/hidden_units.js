// Step 3, "the hidden state you can read": a passage coloured character by character by ONE hidden unit of the
// shipped character model (tinyshakespeare, tanh RNN), Karpathy-style. The units offered were found by
// measurement when the model was built (the largest Pearson |r| with a property of the text, on held-out text);
// each shows its measured r and its r on the text shown. Any other unit can be chosen by number.
// Mounted by step 3 (hidden_state.js): mountUnits(container, ctx).

import { el, errorBox } from "../draw.js";
import { colorBar } from "../charts.js";
import { ramp, rampColor, rgb } from "../palette.js";
import { formatNumber, label, numberNode } from "../tex.js";
import { debounce, latest } from "../requests.js";

const ENDPOINT = "/api/hidden_state/units";
const MAX_CHARS = 600;
const ANY = "any";

// The diverging ramp without its darkest fifth at each end, so that text on it reads at every value; the legend
// shows the same stops.
function softRamp() {
  const full = ramp("diverging");
  return [rampColor(full, 0.2), full[1], rampColor(full, 0.8)];
}

// A tanh value in [−1, 1] as a background on the ramp, and the text colour (black or white) that contrasts with
// it most, so every character stays readable whatever its value.
function shade(v, stops) {
  const background = rampColor(stops, (Math.max(-1, Math.min(1, v)) + 1) / 2);
  const lum = luminance(rgb(background));
  const ink = (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? "#000000" : "#ffffff";
  return { background, ink };
}

function luminance([r, g, b]) {
  const lin = (c) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const signed = (r, digits = 2) => (r === null || r === undefined ? "–" : `${r > 0 ? "+" : ""}${formatNumber(r, digits)}`);
const visible = (c) => (c === "\n" ? "line break" : c === " " ? "space" : `“${c}”`);

export async function mountUnits(container, ctx) {
  const chooser = el("select", { id: "hu-unit" });
  const number = el("input", { type: "number", id: "hu-number", min: "0", max: "255", step: "1", inputmode: "numeric",
    value: ctx.get("hu_n", "0") });
  const numberBox = el("span", { class: "ctl hu-number", hidden: "" }, el("label", { for: "hu-number" }, "unit number"), number);
  const text = el("textarea", { id: "hu-text", rows: "4", maxlength: String(MAX_CHARS), spellcheck: "false" });
  const reset = el("button", { type: "button", class: "action", id: "hu-reset" }, "held-out passage");
  const head = el("div", { id: "hu-head", class: "hu-head", "aria-live": "polite" });
  const legend = el("div", { class: "hu-legend" });
  const passage = el("div", { id: "hu-passage", class: "hu-passage", "data-term": "h", "aria-hidden": "true" });
  const summary = el("p", { id: "hu-summary", class: "visually-hidden" });
  const table = el("div", { id: "hu-table", class: "hu-table" });
  container.append(el("div", { class: "hu-widget" },
    el("h4", { class: "hu-title" }, "One unit at a time: text coloured by a single number of ", label("$h_t$")),
    el("p", { class: "hu-intro" }, "A character model reads the passage one character at a time; each character is "
      + "coloured by one unit of its state after reading it. Most of the 256 units mean nothing on their own. The ones "
      + "offered here were found by measuring: for each simple property of the text, the unit whose value follows "
      + "it most closely on held-out Shakespeare."),
    el("div", { class: "row hu-controls" },
      el("span", { class: "ctl" }, el("label", { for: "hu-unit" }, "unit"), chooser), numberBox),
    head, legend, passage, summary,
    el("div", { class: "hu-edit" }, el("label", { for: "hu-text" }, "text the model reads (up to 600 characters)"),
      text, el("div", { class: "row" }, reset)),
    table));

  const ask = latest(ctx);
  let data = null, optionsFor = "";
  let defaultText = "";
  const stops = softRamp();
  const typed = ctx.get("hu_text", "");

  function update() {
    const params = { unit: chooser.value === ANY ? number.value : undefined };
    if (text.value && text.value !== defaultText) params.text = text.value;
    return ask((signal) => ctx.api(ENDPOINT, params, signal), (r) => {
      data = r;
      if (r.is_default) defaultText = r.text;
      if (!text.value) text.value = r.text;
      render(r);
    }, (error) => {
      data = null;
      head.replaceChildren(errorBox(error));
      for (const node of [passage, summary, table]) node.replaceChildren();
    });
  }

  function fillChooser(r) {
    const key = r.units.map((u) => u.unit).join(",");
    if (key === optionsFor) return;
    optionsFor = key;
    const wanted = ctx.get("hu_unit", "");
    chooser.replaceChildren(...r.units.map((u) => el("option", { value: u.feature },
      `unit ${u.unit}: ${shortLabel(u.label)} (r = ${signed(u.r)})`)), el("option", { value: ANY }, "any unit, by number"));
    chooser.value = [...r.units.map((u) => u.feature), ANY].includes(wanted) ? wanted : strongest(r).feature;
    number.max = String(r.hidden_size - 1);
    numberBox.hidden = chooser.value !== ANY;
  }

  function shown(r) {
    if (chooser.value === ANY && r.unit) return r.unit;
    return r.units.find((u) => u.feature === chooser.value) ?? strongest(r);
  }

  function render(r) {
    fillChooser(r);
    if (chooser.value === ANY && !r.unit) {
      if (number.value.trim()) { update(); return; }                  // restored to "any unit": ask for its values
      head.replaceChildren(el("p", {}, `Type a unit number from 0 to ${r.hidden_size - 1}.`));
      return;
    }
    const u = shown(r);
    renderHead(r, u);
    legend.replaceChildren(colorBar({ stops, domain: [-1, 0, 1], label: `unit ${u.unit}: $h_t[${u.unit}]$` }),
      el("span", { class: "muted hu-legend-note" }, "blue below zero, orange above; hover a character for its value"));
    renderPassage(r, u);
    renderTable(r);
  }

  function renderHead(r, u) {
    const m = r.model;
    const measured = u.feature
      ? [el("span", {}, `measured on ${m.measured_chars.toLocaleString("en")} held-out characters: r = `),
        num("hu-r", u.r, 2, "num big"), el("span", {}, ` with the property “${u.label}”`),
        el("span", {}, " · on the text below r = "), num("hu-r-text", u.r_text, 2)]
      : [el("span", {}, `its strongest measured link: r = `), num("hu-r", u.strongest.r, 2, "num big"),
        el("span", {}, ` with “${u.strongest.label}” (on ${m.measured_chars.toLocaleString("en")} held-out characters)`),
        el("span", {}, " · on the text below r = "), num("hu-r-text", u.r_text_strongest, 2)];
    head.replaceChildren(el("p", { class: "hu-reading" }, ...measured),
      el("p", { class: "muted hu-model" }, `Character model: 1 tanh layer of ${r.hidden_size} units, trained here on `
        + `tinyshakespeare, ${formatNumber(m.validation_bpc, 2)} bits per character on held-out text`
        + (m.quick ? " (quick test model)" : "") + ". Each unit was picked by the largest |r| on other held-out "
        + "text, so the r shown was not used to choose it."));
  }

  function renderPassage(r, u) {
    const nodes = [];
    r.chars.forEach((c, i) => {
      const v = u.values[i], { background, ink } = shade(v, stops);
      const span = el("span", { class: c === "\n" ? "hu-c hu-nl" : "hu-c", "data-i": String(i), "data-v": String(v),
        title: `${visible(c)}: ${formatNumber(v, 2)}`, style: `background:${background};color:${ink}` },
      c === "\n" ? "↵" : c);
      nodes.push(span);
      if (c === "\n") nodes.push(el("br"));
    });
    passage.replaceChildren(...nodes);
    passage.dataset.unit = String(u.unit);
    summary.textContent = describe(r, u);
  }

  // The screen reader's view of the coloured passage: where the unit is high and low, and its correlation.
  function describe(r, u) {
    const order = u.values.map((v, i) => i).sort((a, b) => u.values[a] - u.values[b]);
    const at = (i) => `${visible(r.chars[i])} (character ${i + 1}, ${formatNumber(u.values[i], 2)})`;
    const mean = u.values.reduce((s, v) => s + v, 0) / u.values.length;
    const high = u.values.filter((v) => v > 0.5).length, low = u.values.filter((v) => v < -0.5).length;
    const link = u.feature ? `${u.label}: measured r ${signed(u.r)}, on this text ${signed(u.r_text)}`
      : `strongest measured link ${u.strongest.label}: r ${signed(u.strongest.r)}`;
    return `Unit ${u.unit} over ${r.chars.length} characters: mean ${formatNumber(mean, 2)}; ${high} characters above 0.5, `
      + `${low} below −0.5; lowest at ${order.slice(0, 3).map(at).join(", ")}; highest at `
      + `${order.slice(-3).reverse().map(at).join(", ")}. Correlation with ${link}.`;
  }

  // Every measured unit at once: its feature, measured r, r on this text; a button picks it.
  function renderTable(r) {
    const rows = [...r.units].sort((a, b) => Math.abs(b.r) - Math.abs(a.r)).map((u) => el("tr",
      { class: chooser.value === u.feature ? "is-shown" : "" },
      el("td", {}, el("button", { type: "button", class: "hu-pick", "data-feature": u.feature,
        "aria-pressed": String(chooser.value === u.feature), onclick: () => pick(u.feature) }, `unit ${u.unit}`)),
      el("td", { title: u.label }, shortLabel(u.label)),
      el("td", {}, num(`hu-r-${u.feature}`, u.r, 2)),
      el("td", {}, num(`hu-r-text-${u.feature}`, u.r_text, 2))));
    table.replaceChildren(
      el("p", { class: "hu-caption muted" }, "The units found by measurement: Pearson r between the unit's value and "
        + "the property, character by character, on held-out text and on the text above"),
      el("div", { class: "figure-scroll" }, el("table", { class: "data hu-units" },
        el("caption", { class: "visually-hidden" }, "The measured units and their correlations"),
        el("tr", {}, el("th", { scope: "col" }, "unit"), el("th", { scope: "col" }, "tracks"),
          el("th", { scope: "col" }, "r held-out"), el("th", { scope: "col" }, "r here")), ...rows)));
  }

  function pick(feature) {
    chooser.value = feature;
    chosen();
  }

  function chosen() {
    numberBox.hidden = chooser.value !== ANY;
    ctx.set({ hu_unit: chooser.value });
    if (chooser.value === ANY || !data) { update(); return; }
    render(data);
  }

  chooser.addEventListener("change", chosen);
  const later = {
    unit: debounce(() => { ctx.set({ hu_n: number.value }); update(); }, 150),
    text: debounce(() => { ctx.set({ hu_text: text.value === defaultText ? "" : text.value }); update(); }, 200),
  };
  number.addEventListener("input", later.unit);
  text.addEventListener("input", later.text);
  reset.addEventListener("click", () => { text.value = defaultText; ctx.set({ hu_text: "" }); update(); });

  if (typed) text.value = typed;
  await update();
  return { unmount() { later.unit.cancel(); later.text.cancel(); ask.cancel(); } };
}

function strongest(r) { return [...r.units].sort((a, b) => Math.abs(b.r) - Math.abs(a.r))[0]; }

function shortLabel(text) { return text.replace(/ \(.*\)$/, ""); }

// A number tests can read back exactly (data-key, data-value); "–" when there is none.
function num(key, value, digits, className = "num") {
  if (value === null || value === undefined) {
    return el("span", { class: className, "data-key": key, "data-value": "" }, "–");
  }
  const node = numberNode(value, digits, className);
  node.dataset.key = key;
  return node;
}
