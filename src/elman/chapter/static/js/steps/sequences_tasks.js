// Step 1's list of sequence tasks: the four shapes (which side is a sequence, and whether the outputs wait for the
// whole input or come one per input), each drawn as a row of input chips and output chips in the palette's x and
// y colours, then what all of them ask of a network. One of them can be tried in the live panel at once.

import { el } from "../draw.js";

// [shape, example, inputs, outputs, how the outputs line up with the inputs]
const TASKS = [
  ["one-to-many", "image → caption", ["image"], ["a", "dog", "runs"], "one input, then a sequence out"],
  ["many-to-one", "sentence → sentiment", ["not", "bad", "at", "all"], ["positive"], "one answer after the last word"],
  ["many-to-many", "English → French", ["the", "black", "cat"], ["le", "chat", "noir"], "the output starts once the input is read; lengths and order may differ"],
  ["many-to-many", "video → frame labels", ["frame 1", "frame 2", "frame 3"], ["run", "run", "jump"], "one label per frame, in step"],
];

const chips = (items, roleName) => el("span", { class: "seq-chips" },
  ...items.map((t) => el("span", { class: `seq-chip c-${roleName}` }, t)));

export function taskList({ onTry }) {
  const rows = TASKS.map(([shape, example, inputs, outputs, how]) => el("li", { class: "seq-task" },
    el("span", { class: "seq-task-name" }, el("strong", {}, shape), " ", el("span", {}, example)),
    el("span", { class: "seq-task-shape", "aria-hidden": "true" }, chips(inputs, "x"), el("span", { class: "seq-to" }, "→"), chips(outputs, "y")),
    el("span", { class: "seq-task-how" }, how)));
  const tryOrder = el("button", { type: "button", class: "action", id: "seq-try-order",
    onclick: () => onTry("not good", "good not") }, "try it: “not good” / “good not”");
  return el("section", { class: "card seq-tasks", "aria-labelledby": "seq-tasks-title" },
    el("h4", { id: "seq-tasks-title" }, "Sequence tasks come in four shapes"),
    el("ol", { id: "seq-tasks", class: "seq-task-list" }, ...rows),
    el("p", { class: "seq-asks-title" }, "What every one of them asks of a network:"),
    el("ul", { id: "seq-asks", class: "seq-asks" },
      el("li", {}, el("strong", {}, "Any length. "), "Inputs and outputs both vary in length: a fixed-width network fits one."),
      el("li", {}, el("strong", {}, "Order matters. "), "“not good” is not “good not”, though a bag of words counts them the same. ", tryOrder),
      el("li", {}, el("strong", {}, "Context can be far back. "), "The word that settles the answer may have come arbitrarily many steps before it.")));
}
