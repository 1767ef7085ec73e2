"""CoNLL-U parsing, the sequence tagger's gradients and learning, and the pos task's CLI (train then eval)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.conllu import UPOS_TAGS, load_ud, parse_conllu, read_conllu
from elman.models.tagger import N_SHAPES, SequenceTagger, word_shape
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.pos import confusion_matrix, confusion_summary, token_accuracy
from elman.train.supervised import fit

needs_ud = needs_data("ud-english-ewt")

SNIPPET = """# sent_id = a-1
# text = I don't know.
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\t_
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# sent_id = a-2
1\tSue\tSue\tPROPN\tNNP\t_\t2\tnsubj\t_\t_
2\tlikes\tlike\tVERB\tVBZ\t_\t0\troot\t_\t_
2.1\tlikes\tlike\tVERB\tVBZ\t_\t_\t_\t2:conj\tCopyOf=2
3\ttea\ttea\tNOUN\tNN\t_\t2\tobj\t_\t_
"""


def test_parse_conllu_skips_comments_ranges_and_empty_nodes(tmp_path):
    sents = parse_conllu(SNIPPET)
    assert sents == [
        (["I", "do", "n't", "know", "."], ["PRON", "AUX", "PART", "VERB", "PUNCT"]),
        (["Sue", "likes", "tea"], ["PROPN", "VERB", "NOUN"]),
    ]
    (tmp_path / "x.conllu").write_text(SNIPPET)
    assert read_conllu(tmp_path / "x.conllu") == sents
    assert len(UPOS_TAGS) == 17 and len(set(UPOS_TAGS)) == 17


@pytest.mark.parametrize(
    "text, words",
    [
        ("1\tI\tI\tPRON\n", "10 tab-separated"),
        ("x\tI\tI\tPRON\t_\t_\t0\troot\t_\t_\n", "integer token ID"),
        ("1\tI\tI\tPRONOUN\t_\t_\t0\troot\t_\t_\n", "UPOS tag"),
    ],
)
def test_parse_conllu_errors_say_what_was_expected(text, words):
    with pytest.raises(ValueError, match=words):
        parse_conllu(text)


@needs_ud
def test_ud_english_ewt_counts():
    splits = {s: load_ud(s) for s in ("train", "dev", "test")}
    assert [len(d) for d in splits.values()] == [12544, 2001, 2077]
    assert {t for _, tags in splits["dev"] for t in tags} <= set(UPOS_TAGS)
    assert all(len(w) == len(t) for d in splits.values() for w, t in d)


def test_word_shape_classes():
    shapes = {w: word_shape(w) for w in ("dog", "Dog", "NASA", "eBay", "1990", "well-known", "running", "Running")}
    assert len(set(shapes.values())) == len(shapes) and all(0 <= s < N_SHAPES for s in shapes.values())
    assert word_shape("walked") != word_shape("walk")


@pytest.mark.parametrize("bidirectional", [False, True])
def test_tagger_gradients_match_finite_differences(bidirectional):
    rng = np.random.default_rng(0)
    model = SequenceTagger(
        12,
        4,
        embed_dim=4,
        hidden_size=5,
        num_layers=2,
        bidirectional=bidirectional,
        shape_dim=3,
        dtype="float64",
        rng=np.random.default_rng(1),
    )
    T, B = 6, 3
    lengths = np.array([6, 3, 1])
    mask = np.arange(T)[:, None] < lengths
    ids = np.where(mask, rng.integers(2, 12, (T, B)), 0)
    shapes, y = rng.integers(0, N_SHAPES, (T, B)), rng.integers(0, 4, (T, B))

    def loss():
        return cross_entropy(model(ids, lengths, shapes), y, mask=mask)

    model.zero_grad()
    _, d = loss()
    assert d.shape == (T, B, 4)
    model.backward(d)
    for name, p in model.params.items():
        g = model.grads[name]
        for i in zip(*np.unravel_index(rng.choice(p.size, min(6, p.size), replace=False), p.shape)):
            old = p[i]
            p[i] = old + 1e-6
            up = loss()[0]
            p[i] = old - 1e-6
            down = loss()[0]
            p[i] = old
            assert abs((up - down) / 2e-6 - g[i]) < 1e-6, name


def test_tagger_input_errors():
    model = SequenceTagger(10, 3, embed_dim=4, hidden_size=5, shape_dim=2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="pass shapes"):
        model(np.ones((3, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="time-major"):
        model(np.ones(3, dtype=np.int64))
    with pytest.raises(ValueError, match="word_dropout"):
        SequenceTagger(10, 3, word_dropout=1.5)


def test_tagger_learns_a_context_dependent_synthetic_task(tmp_path):
    """Tag = the previous token's parity (1 for the first token): needs the recurrence; must reach ~100 %."""
    rng = np.random.default_rng(0)
    V, N = 12, 400
    seqs = [rng.integers(2, V, rng.integers(3, 9)) for _ in range(N)]
    tags = [np.r_[1, s[:-1] % 2].astype(np.int64) for s in seqs]
    model = SequenceTagger(V, 2, embed_dim=8, hidden_size=16, bidirectional=True, rng=np.random.default_rng(1))

    def batch(idx):
        T = max(len(seqs[i]) for i in idx)
        ids, y = np.zeros((T, len(idx)), np.int64), np.full((T, len(idx)), -100, np.int64)
        for b, i in enumerate(idx):
            ids[: len(seqs[i]), b], y[: len(seqs[i]), b] = seqs[i], tags[i]
        return (ids, np.array([len(seqs[i]) for i in idx])), y

    def batches(epoch, r):
        for start in range(0, N, 32):
            yield batch(r.permutation(N)[:32] if start else np.arange(32))

    def evaluate(m):
        (ids, lengths), y = batch(np.arange(N))
        pred = m(ids, lengths).argmax(-1)
        mask = y != -100
        return {"acc": float((pred[mask] == y[mask]).mean())}

    summary = fit(
        model,
        batches,
        cross_entropy,
        evaluate,
        optimizer=Adam(model.params, lr=1e-2),
        epochs=25,
        out_dir=tmp_path,
        metric="acc",
        patience=None,
    )
    assert summary["best"]["acc"] >= 0.99


def test_accuracy_and_confusions_count_real_tokens_only():
    gold = [np.array([0, 1, 2]), np.array([1])]
    pred = [np.array([0, 2, 2]), np.array([1])]
    assert token_accuracy(gold, pred) == 0.75
    summary = confusion_summary(confusion_matrix(gold, pred, 3), tags=("A", "B", "C"))
    assert summary["per_tag"]["B"] == {"n": 2, "accuracy": 0.5}
    assert summary["confusions"] == [{"gold": "B", "predicted": "C", "count": 1}]


@needs_ud
def test_cli_train_pos_then_eval(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(["train", "pos", "--no-glove", "--limit", "64", "--epochs", "1", "--hidden", "8", "--out", str(out)]) == 0
    )
    summary = json.loads(capsys.readouterr().out.splitlines()[0])
    assert 0 <= summary["test_accuracy"] <= 1 and summary["task"] == "pos"
    for name in ("config.json", "vocab.json", "model.safetensors", "metrics.jsonl", "summary.json"):
        assert (out / name).is_file(), name
    assert main(["eval", str(out), "--split", "test"]) == 0
    lines = capsys.readouterr().out.splitlines()
    result = json.loads(lines[0])
    assert result["sentences"] == 64 and result["accuracy"] == pytest.approx(summary["test_accuracy"])
    assert any("most frequent confusions" in line for line in lines)
    assert main(["eval", str(tmp_path / "missing")]) == 2
