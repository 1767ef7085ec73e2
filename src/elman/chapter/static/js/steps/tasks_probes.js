// Step 6, many-to-one: the sentiment probes judged passed or failed from live numbers, and the bag-of-words tie
// on SST-2 with where the RNN's reading of order pays. Everything here is drawn from /api/tasks/probes.

import { el } from "../draw.js";
import { numberNode } from "../tex.js";

function num(key, value, digits = 3, cls = "num") {
  const span = numberNode(value, digits, cls);
  span.dataset.key = key;
  return span;
}

// passed / failed as a word and a mark (never colour alone).
function badge(passed, key) {
  return el("span", { class: `task-verdict ${passed ? "good" : "bad"}`, "data-key": key, "data-passed": String(passed) },
    passed ? "✓ passed" : "✗ failed");
}

// One probe as rows of the probes' table: what it tests, its two sentences with what they should read and what
// each model says, then each model's verdict and the sentence that says why. use(sentence) puts a sentence in the
// panel's box.
function probeRows(p, i, use) {
  const sentence = (s, expected) => el("td", {},
    el("button", { type: "button", class: "task-try", title: "put this sentence in the box above", onclick: () => use(s) }, s),
    el("span", { class: "task-expected" }, ` should read ${expected}`));
  const cell = (key, p, side, expected) => el("td", { class: side === expected ? "" : "task-wrong" },
    num(key, p, 2), side === expected ? "" : el("span", { class: "bad", "aria-label": "wrong side of 0.5" }, " ✗"));
  const verdictRow = (name, v, key) => el("tr", { class: "task-verdict-row" }, el("td", { colspan: "3" },
    el("strong", {}, `${name} `), badge(v.passed, key), " ", v.why));
  return [
    el("tr", { class: "task-probe-head", "data-probe": String(i) }, el("th", { colspan: "3", scope: "rowgroup" },
      el("span", { class: "task-kind" }, p.kind), " · ", p.tests)),
    el("tr", {}, sentence(p.a, p.expected_a), cell(`probe-${i}-rnn-a`, p.rnn.p_a, p.rnn.side_a, p.expected_a),
      cell(`probe-${i}-bow-a`, p.bow.p_a, p.bow.side_a, p.expected_a)),
    el("tr", {}, sentence(p.b, p.expected_b), cell(`probe-${i}-rnn-b`, p.rnn.p_b, p.rnn.side_b, p.expected_b),
      cell(`probe-${i}-bow-b`, p.bow.p_b, p.bow.side_b, p.expected_b)),
    verdictRow("RNN", p.rnn, `probe-${i}-rnn`), verdictRow("Bag of words", p.bow, `probe-${i}-bow`),
  ];
}

export function probesCard(r, use) {
  return el("div", { class: "card", id: "task-probes" },
    el("h4", {}, "Probes: pairs where a negation or the order decides"),
    el("p", { class: "task-summary" }, "Each pair should read one way and then the other; a model passes when it puts both ",
      "sentences on the right side of 0.5. The RNN passes ", num("probes-rnn-passed", r.rnn_passed, 0, "num big"),
      ` of ${r.total}, the bag of words `, num("probes-bow-passed", r.bow_passed, 0, "num big"), ` of ${r.total}.`),
    el("table", { class: "data task-probe-table" },
      el("tr", {}, el("th", { scope: "col" }, "sentence (click to try it)"), el("th", { scope: "col" }, "RNN"),
        el("th", { scope: "col" }, "bag")),
      ...r.probes.flatMap((p, i) => probeRows(p, i, use))),
    el("p", { class: "muted" }, "Numbers are P(positive), computed now by the shipped models; ✗ marks a sentence on the wrong side of 0.5."));
}

const GROUPS = [
  ["contrast", "with a contrast word"],
  ["negation", "with a negation (and no contrast word)"],
  ["neither", "with neither"],
];

// The tie, said plainly: both accuracies from the shipped model's json, then (where measured) the same two
// models on three groups of the test sentences, so the learner sees where order pays and where it costs.
export function tieCard(r) {
  const s = r.sst2, split = r.split;
  const points = (a, b) => `${Math.abs(100 * (a - b)).toFixed(1)} points`;
  const tie = el("p", {}, `On the ${s.test_sentences} SST-2 test sentences the RNN's accuracy is `,
    num("tie-rnn", s.rnn_accuracy, 3), " and the bag of words' ", num("tie-bow", s.bow_accuracy, 3),
    `: ${Math.abs(s.rnn_accuracy - s.bow_accuracy) < 0.01 ? "a tie" : s.rnn_accuracy > s.bow_accuracy ? "the RNN ahead" : "the bag of words ahead"}, `,
    `and it was one before the vocabulary was cut from ${s.full_vocab_size} to ${s.vocab_size} words too (`,
    num("tie-rnn-full", s.full_vocab_rnn_accuracy, 3), " against ", num("tie-bow-full", s.full_vocab_bow_accuracy, 3),
    "). Most review sentences are settled by which words they hold, and a bag of words reads those as well as any RNN.");
  if (!split) {
    return el("div", { class: "card", id: "task-tie" }, el("h4", {}, "Reading order does not win on average"), tie,
      el("p", { class: "muted" }, "The split by sentence group is measured from the SST data: ",
        el("code", {}, "python -m elman.chapter.steps.tasks_probes"), "."));
  }
  const rows = GROUPS.map(([key, text]) => el("tr", { "data-group": key },
    el("td", {}, text, key === "neither" ? "" : el("span", { class: "muted" }, ` (${split.groups[key].join(", ")})`)),
    el("td", {}, String(split[key].sentences)),
    el("td", {}, num(`tie-${key}-rnn`, split[key].rnn_accuracy, 3)),
    el("td", {}, num(`tie-${key}-bow`, split[key].bow_accuracy, 3))));
  const c = split.contrast, n = split.neither;
  const gain = c.rnn_accuracy - c.bow_accuracy, loss = n.bow_accuracy - n.rnn_accuracy;
  return el("div", { class: "card", id: "task-tie" }, el("h4", {}, "Reading order does not win on average"), tie,
    el("div", { class: "scroll-x" }, el("table", { class: "data task-split" },
      el("tr", {}, el("th", { scope: "col" }, "test sentences"), el("th", { scope: "col" }, "n"),
        el("th", { scope: "col" }, "RNN"), el("th", { scope: "col" }, "bag")), ...rows)),
    el("p", { id: "task-tie-why" }, gain > 0
      ? `Where a contrast word turns the sentence the RNN is ${points(c.rnn_accuracy, c.bow_accuracy)} ahead; `
      : `Even where a contrast word turns the sentence the RNN is not ahead (${points(c.rnn_accuracy, c.bow_accuracy)} behind); `,
    loss > 0 ? `on the ${n.sentences} plain sentences it is ${points(n.rnn_accuracy, n.bow_accuracy)} behind, and the two cancel in the average. `
      : `on the ${n.sentences} plain sentences it is not behind. `,
    "Order matters in the sentences the probes are made of, and those are a minority of the test set."));
}
