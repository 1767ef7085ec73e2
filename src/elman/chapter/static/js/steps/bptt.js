// This step's widget is being written.

import { el } from "../draw.js";

export async function mount(root) {
  root.append(el("p", { class: "muted" }, "This step's live widget is not written yet."));
  return {};
}
