// The step player: the flow diagram, play/pause, keyboard, the address and the history, the seed, and mounting
// each step's widget. The hash holds everything needed to reproduce a view: #step=5&seed=0&rho=0.9&T=100 …
// Moving to another step adds a history entry (so Back and Forward move between steps); a change of a setting
// or of the seed rewrites the current entry. Back, Forward or an edited address restore step, seed and settings.

import { sleep } from "./timing.js";
import { api } from "./api.js";
import { el, errorBox } from "./draw.js";
import { renderDisplay, renderInline } from "./tex.js";
import { renderSources, renderTorch } from "./code.js";
import { keepScrollablesFocusable } from "./scroll.js";

// How long play rests on a step after its animation: 5 s, or ?dwell=MS in the address (100 to 60000).
const DWELL_MS = (() => {
  const ms = Number.parseInt(new URLSearchParams(location.search).get("dwell") ?? "", 10);
  return Number.isInteger(ms) && ms >= 100 && ms <= 60000 ? ms : 5000;
})();
const $ = (id) => document.getElementById(id);

const state = { steps: [], index: 0, seed: 0, playing: false, widget: null, token: 0, pause: null, hash: "" };
const content = new Map();
let rescanScrollables = () => {};

function hashParams() { return new URLSearchParams(location.hash.replace(/^#/, "")); }

// Write the address: a new history entry when the learner moved to another step, else the current one rewritten.
function writeHash(params, { push = false } = {}) {
  params.set("step", String(state.index + 1));
  params.set("seed", String(state.seed));
  state.hash = `#${params}`;
  if (push) history.pushState(null, "", state.hash);
  else history.replaceState(null, "", state.hash);
}

// What a widget sees: the seed, its saved settings, a setter that keeps them in the hash, the API.
function makeContext(token) {
  return {
    seed: state.seed,
    get(key, fallback) { const v = hashParams().get(key); return v === null ? fallback : v; },
    set(values) {
      if (token !== state.token) return;
      const params = hashParams();
      for (const [k, v] of Object.entries(values)) params.set(k, String(v));
      writeHash(params);
    },
    api,
    alive: () => token === state.token,
  };
}

function renderFlow() {
  const nav = $("flow");
  state.steps.forEach((step, i) => {
    if (i > 0) nav.append(i === 6 ? el("span", { class: "then" }, "then") : el("span", { class: "arrow", "aria-hidden": "true" }, "→"));
    nav.append(el("button", { type: "button", "data-step": String(step.number), title: step.title,
      onclick: () => go(i) }, el("img", { src: `/static/icons/${step.icon}.svg`, alt: "" }), step.label));
  });
}

// A step's words, asked for once (the promise is kept, so a second caller waits for the same answer).
function stepContent(number) {
  if (!content.has(number)) {
    content.set(number, api(`/api/steps/${number}`).catch((error) => { content.delete(number); throw error; }));
  }
  return content.get(number);
}

// A step's stylesheet, linked when the step is first shown (after chapter.css, as its rules expect); the promise
// settles once the rules apply, so the widget never paints unstyled. A stylesheet that fails to load leaves the
// step plain rather than blank.
const styles = new Map();
function stepStyle(key) {
  if (!styles.has(key)) {
    styles.set(key, new Promise((resolve) => {
      const link = el("link", { rel: "stylesheet", href: `/static/css/steps/${key}.css` });
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
      document.head.append(link);
    }));
  }
  return styles.get(key);
}

function renderText(step) {
  $("title").textContent = step.title;
  $("subtitle").textContent = step.subtitle;
  $("heading").textContent = step.heading;
  $("explanation").replaceChildren(...step.paragraphs.map((p) => { const node = el("p"); renderInline(node, p); return node; }));
  const [kind, words] = $("callout").children;
  kind.textContent = `${step.callout.kind}:`;
  renderInline(words, step.callout.text);
  renderDisplay($("tab-formula"), step.formula);
  renderSources($("code-elman"), step.sources);
  renderTorch($("code-torch"), step.torch_code);
}


function showCurrent() {
  const number = state.index + 1;
  $("counter").textContent = `Step ${number} / ${state.steps.length}`;
  document.title = `${number}. ${state.steps[state.index].title} · Ch 6 — Recurrent Neural Networks`;
  document.querySelectorAll("#flow button").forEach((b) => {
    if (b.dataset.step === String(number)) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
  });
}

async function go(index, { keepParams = false } = {}) {
  index = Math.max(0, Math.min(state.steps.length - 1, index));
  const token = ++state.token;
  state.pause?.abort();
  state.widget?.unmount?.();
  state.widget = null;
  const changed = index !== state.index;
  state.index = index;
  document.body.dataset.ready = "";
  writeHash(keepParams || !changed ? hashParams() : new URLSearchParams(), { push: changed });
  showCurrent();
  const step = state.steps[index];
  const root = $("widget");
  try {
    // The words, the widget's code and its stylesheet load together; the widget asks the server for its numbers first, and the
    // words are typeset while the server computes.
    const [words, module] = await Promise.all([stepContent(step.number), import(`./steps/${step.key}.js`),
      stepStyle(step.key)]);
    if (token !== state.token) return;
    root.replaceChildren();
    const mounting = module.mount(root, makeContext(token));
    renderText(words);
    const widget = (await mounting) ?? {};
    if (token !== state.token) { widget.unmount?.(); return; }
    state.widget = widget;
  } catch (error) {
    if (token !== state.token) return;
    root.replaceChildren(errorBox(error));
  }
  document.body.dataset.ready = String(step.number);
  if (state.playing) playFrom(token);
}


// Play the current step's animation, rest, move on; pausing or navigating aborts the wait.
async function playFrom(token) {
  state.pause?.abort();
  const controller = new AbortController();
  state.pause = controller;
  try {
    await state.widget?.play?.(controller.signal);
    await sleep(DWELL_MS, controller.signal);
  } catch (error) {
    if (error.name !== "AbortError") console.warn(error);
    return;
  }
  if (!state.playing || token !== state.token) return;
  if (state.index === state.steps.length - 1) setPlaying(false);
  else go(state.index + 1);
}

function setPlaying(playing) {
  state.playing = playing;
  document.body.dataset.playing = String(playing);
  const button = $("play");
  button.setAttribute("aria-label", playing ? "Pause" : "Play");
  button.querySelector("img").src = `/static/icons/${playing ? "pause" : "play_arrow"}.svg`;
  if (!playing) state.pause?.abort();
  else if (document.body.dataset.ready) playFrom(state.token);  // else go() starts it once the step is ready
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  if (event.key === " ") { event.preventDefault(); setPlaying(!state.playing); }
  else if (event.key === "ArrowRight") { event.preventDefault(); go(state.index + 1); }
  else if (event.key === "ArrowLeft") { event.preventDefault(); go(state.index - 1); }
}

function setSeed(value) {
  const seed = Number.parseInt(value, 10);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2147483647) { $("seed").value = String(state.seed); return; }
  state.seed = seed;
  $("seed").value = String(seed);
  go(state.index, { keepParams: true });
}

// Show what the address says (on load, Back, Forward, a link or an edited address), without a new entry.
function fromHash() {
  const params = hashParams();
  const number = Number.parseInt(params.get("step") ?? "1", 10);
  const seed = Number.parseInt(params.get("seed") ?? "0", 10);
  state.seed = Number.isInteger(seed) && seed >= 0 ? seed : 0;
  $("seed").value = String(state.seed);
  const index = Number.isInteger(number) ? number - 1 : 0;
  state.index = index;  // same step: keep the widget settings in the hash
  go(index, { keepParams: true });
}

function setupTabs() {
  document.querySelectorAll(".tabs button").forEach((button) => button.addEventListener("click", () => {
    document.querySelectorAll(".tabs button").forEach((b) => b.setAttribute("aria-selected", String(b === button)));
    document.querySelectorAll(".tab").forEach((t) => { t.hidden = t.id !== `tab-${button.dataset.tab}`; });
    rescanScrollables();
  }));
}

async function start() {
  const first = Number.parseInt(hashParams().get("step") ?? "1", 10);
  if (first >= 1 && first <= 8) stepContent(first).catch(() => {});   // ask for its words while the list comes
  state.steps = await api("/api/steps");
  renderFlow();
  setupTabs();
  rescanScrollables = keepScrollablesFocusable([$("widget"), $("tab-formula"), $("tab-code")]);
  $("prev").addEventListener("click", () => go(state.index - 1));
  $("next").addEventListener("click", () => go(state.index + 1));
  $("play").addEventListener("click", () => setPlaying(!state.playing));
  $("seed").addEventListener("change", (event) => setSeed(event.target.value));
  document.addEventListener("keydown", onKey);
  // A fragment navigation fires popstate and then hashchange: whichever comes first restores, the other sees
  // the address it wrote and does nothing.
  const restore = () => { if (location.hash !== state.hash) fromHash(); };
  window.addEventListener("popstate", restore);
  window.addEventListener("hashchange", restore);
  setPlaying(false);
  fromHash();
}

start().catch((error) => $("widget").replaceChildren(errorBox(error)));
