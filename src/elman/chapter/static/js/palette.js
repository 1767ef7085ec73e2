// The palette with meaning, read from css/tokens.css so figures and CSS can never disagree.
// Roles: x (input), h (hidden state), y (output), grad (gradients), w (weights). Read at call time, so a figure
// drawn after the theme changes (prefers-color-scheme) takes the new colours; liveColors, liveRamp and
// liveRampColor name the variables instead, so what is already drawn recolours in place.

export const ROLES = ["x", "h", "y", "grad", "w"];

const FALLBACK = {   // only if tokens.css is missing (a test page without it): the light theme's values
  "--c-x": "#0072b2", "--c-h": "#009e73", "--c-y": "#cc79a7", "--c-grad": "#d55e00", "--c-w": "#e69f00",
  "--ink": "#1b2130", "--muted": "#545d6e", "--rule": "#d5dae3", "--surface": "#ffffff", "--accent": "#0072b2",
  "--ramp-div-neg": "#0072b2", "--ramp-div-mid": "#f7f7f7", "--ramp-div-pos": "#d55e00",
  "--ramp-seq-0": "#f3f6fa", "--ramp-seq-1": "#56b4e9", "--ramp-seq-2": "#083d77",
};

// The value of one custom property, e.g. cssVar("--c-h") → "#009e73".
export function cssVar(name, element = document.documentElement) {
  const value = getComputedStyle(element).getPropertyValue(name).trim();
  return value || FALLBACK[name] || "";
}

// A role's colour: variant "" (graphics), "ink" (text on the surface) or "soft" (a highlight tint).
export function role(name, variant = "") {
  if (!ROLES.includes(name)) throw new Error(`unknown palette role "${name}"; expected one of ${ROLES.join(", ")}`);
  return cssVar(variant ? `--c-${name}-${variant}` : `--c-${name}`);
}

export function neutrals() {
  return { ink: cssVar("--ink"), muted: cssVar("--muted"), rule: cssVar("--rule"), surface: cssVar("--surface"),
    accent: cssVar("--accent") };
}

// Colours for the k-th of several series that share no role: the roles first, then neutrals.
export function series(k) {
  const order = ["x", "h", "grad", "y", "w"];
  return k < order.length ? role(order[k]) : [cssVar("--ink"), cssVar("--muted")][(k - order.length) % 2];
}

// Ramps for heat maps: the custom properties of their colour stops, low → high.
const RAMPS = {
  diverging: ["--ramp-div-neg", "--ramp-div-mid", "--ramp-div-pos"],
  sequential: ["--ramp-seq-0", "--ramp-seq-1", "--ramp-seq-2"],
};

function rampTokens(kind) {
  if (!(kind in RAMPS)) throw new Error(`unknown ramp "${kind}"; expected "diverging" or "sequential"`);
  return RAMPS[kind];
}

// A ramp's colour stops as they are now, low → high (to compute with: rampColor, contrast).
export function ramp(kind = "diverging") {
  return rampTokens(kind).map((t) => cssVar(t));
}

// A ramp's colour stops as CSS that follows the theme (var(--ramp-…)), for a gradient or a style property.
export function liveRamp(kind = "diverging") {
  return rampTokens(kind).map((t) => `var(${t}, ${FALLBACK[t]})`);
}

// The colour at u in [0, 1] on a live ramp: its two neighbouring stops mixed in sRGB, the interpolation Plot and
// rampColor use, so a cell painted with it looks as drawn and recolours the moment the theme changes.
export function liveRampColor(kind, u) {
  const stops = liveRamp(kind);
  const t = Math.max(0, Math.min(1, Number.isFinite(u) ? u : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  return `color-mix(in srgb, ${stops[i]} ${(100 * (1 - (t - i))).toFixed(2)}%, ${stops[i + 1]})`;
}

// Make the colours drawn into an SVG follow the theme: an element whose fill or stroke equals a token's current
// value gets style fill/stroke var(--token), so a later switch of prefers-color-scheme recolours it in place.
const LIVE_TOKENS = [...ROLES.flatMap((r) => [`--c-${r}`, `--c-${r}-ink`, `--c-${r}-soft`]),
  "--ink", "--muted", "--rule", "--surface", "--accent"];

export function liveColors(svg) {
  const byValue = new Map(LIVE_TOKENS.map((t) => [cssVar(t).toLowerCase(), t]));
  for (const node of svg.querySelectorAll("[fill], [stroke]")) {
    for (const attr of ["fill", "stroke"]) {
      const token = byValue.get((node.getAttribute(attr) ?? "").toLowerCase());
      if (token) node.style[attr] = `var(${token})`;
    }
  }
  return svg;
}

// A colour on a ramp for u in [0, 1] (for hand-drawn figures; Plot takes the stops directly).
export function rampColor(stops, u) {
  const t = Math.max(0, Math.min(1, Number.isFinite(u) ? u : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const a = rgb(stops[i]), b = rgb(stops[i + 1]), f = t - i;
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(",")})`;
}

// "#rrggbb", "#rgb" or "rgb(r, g, b)" → [r, g, b].
export function rgb(color) {
  const c = color.trim();
  if (c.startsWith("#")) {
    const hex = c.length === 4 ? [...c.slice(1)].map((d) => d + d).join("") : c.slice(1, 7);
    return [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  }
  const m = c.match(/[\d.]+/g);
  return m ? m.slice(0, 3).map(Number) : [0, 0, 0];
}
