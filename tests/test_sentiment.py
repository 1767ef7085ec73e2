"""SST and MR loading, the sequence classifier's gradients, the generic supervised loop and the sentiment task's CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.polarity import fold_of, load_polarity, read_polarity
from elman.data.sst import load_sst, parse_tree, read_phrases, to_binary
from elman.io.checkpoint import load_model, save_model
from elman.models.classifier import BagOfWords, SequenceClassifier
from elman.nn.layers import Embedding
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.sentiment import PROBES, probe_table
from elman.train.supervised import fit

needs_sst = needs_data("sst")
needs_mr = needs_data("mr-polarity")


def test_parse_tree_leaves_root_and_brackets():
    assert parse_tree("(3 (2 The) (4 (3 -LRB-very-RRB-) (4 Good)))") == (["The", "(very)", "Good"], 3)
    assert parse_tree("(0 (0 Awful) (2 .))", lower=True) == (["awful", "."], 0)
    assert parse_tree("(1 (2 -LRB-) (1 bad) (2 -RRB-))")[0] == ["(", "bad", ")"]
    nodes = []
    parse_tree("(4 (2 not) (3 (2 so) (3 bad)))", phrases=nodes)
    assert nodes[-1] == (["not", "so", "bad"], 4) and (["so", "bad"], 3) in nodes and len(nodes) == 5


@pytest.mark.parametrize(
    "line, words",
    [
        ("(3 (2 a)", "open"),
        ("(3 (2 a)))", "unbalanced"),
        ("(x (2 a))", "label"),
        ("(7 (2 a))", "label"),
        ("word", "starting"),
        ("(2 (2 a)) (2 (2 b))", "one tree"),
    ],
)
def test_parse_tree_errors_say_what_was_expected(line, words):
    with pytest.raises(ValueError, match=words):
        parse_tree(line)


def test_binary_mapping_and_local_folder(tmp_path):
    assert [to_binary(k) for k in range(5)] == [0, 0, None, 1, 1]
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.txt").write_text("(4 (2 Good) (4 fun))\n(2 (2 meh))\n(1 (1 BAD) (2 !))\n\n")
    assert load_sst("dev", source=tmp_path) == ([["good", "fun"], ["bad", "!"]], [1, 0])
    assert load_sst("dev", binary=False, lower=False, source=tmp_path)[1] == [4, 2, 1]
    assert len(read_phrases(tmp_path / "dev.txt")) == 7  # (2 (2 meh)): one distinct phrase
    with pytest.raises(ValueError, match="split must be one of"):
        load_sst("valid", source=tmp_path)


@needs_sst
def test_sst_split_sizes():
    assert [len(load_sst(s, binary=True)[0]) for s in ("train", "dev", "test")] == [6920, 872, 1821]
    assert [len(load_sst(s, binary=False)[0]) for s in ("train", "dev", "test")] == [8544, 1101, 2210]
    x, y = load_sst("dev", binary=True)
    assert set(y) == {0, 1} and all(w == w.lower() for s in x for w in s)


def _polarity_zip(path, pos, neg):
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("sentence_polarity/rt-polarity.pos", "\n".join(pos) + "\n")
        z.writestr("sentence_polarity/rt-polarity.neg", "\n".join(neg) + "\n\n")
    return path


def test_polarity_folds_partition_every_sentence_once(tmp_path):
    pos, neg = [f"good film {i} ." for i in range(13)], [f"bad film {i} ." for i in range(12)]
    source = _polarity_zip(tmp_path / "mr.zip", pos, neg)
    x, y = read_polarity(source)
    assert len(x) == 25 and x[0] == ["bad", "film", "0", "."] and y == [0] * 12 + [1] * 13
    folds = fold_of(25, folds=5, seed=0)
    assert np.bincount(folds).tolist() == [5] * 5 and np.array_equal(folds, fold_of(25, folds=5, seed=0))
    tests = []
    for k in range(10):
        split = {s: load_polarity(s, fold=k, source=source) for s in ("train", "dev", "test")}
        assert sum(len(v[0]) for v in split.values()) == 25
        seen = [" ".join(t) for v in split.values() for t in v[0]]
        assert len(set(seen)) == 25  # train, dev and test are disjoint
        tests += [" ".join(t) for t in split["test"][0]]
    assert sorted(tests) == sorted(pos + neg)  # over the ten folds every sentence is tested exactly once
    with pytest.raises(ValueError, match="fold must be an integer in"):
        load_polarity("test", fold=10, source=source)
    with pytest.raises(ValueError, match="split must be one of"):
        load_polarity("valid", source=source)


@needs_mr
def test_mr_counts_and_split_sizes():
    x, y = read_polarity()
    assert len(x) == 10662 and sum(y) == 5331
    sizes = [len(load_polarity(s, fold=0)[0]) for s in ("train", "dev", "test")]
    assert sizes == [8528, 1067, 1067]
    assert 20 < sum(load_polarity("train", fold=0)[1][:64]) < 44  # shuffled: a prefix holds both labels
    assert [len(load_polarity("test", fold=k)[0]) for k in range(10)] == [1067] * 2 + [1066] * 8


def _batch(rng, T=6, B=4, V=12):
    lengths = np.array([T, 3, 1, 4][:B])
    ids = rng.integers(1, V, (T, B))
    ids[np.arange(T)[:, None] >= lengths] = 0
    return ids, lengths


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_gradients_match_finite_differences(pooling, bidirectional):
    rng = np.random.default_rng(0)
    model = SequenceClassifier(
        12,
        3,
        embed_dim=4,
        hidden_size=5,
        num_layers=2,
        bidirectional=bidirectional,
        pooling=pooling,
        dtype="float64",
        rng=np.random.default_rng(1),
    )
    ids, lengths = _batch(rng)
    y = np.array([0, 1, 2, 1])
    model.zero_grad()
    _, d = cross_entropy(model(ids, lengths), y)
    model.backward(d)
    for name, p in model.params.items():
        for _ in range(5):
            i = tuple(int(rng.integers(0, s)) for s in p.shape)
            old = p[i]
            p[i] = old + 1e-6
            plus = cross_entropy(model(ids, lengths), y)[0]
            p[i] = old - 1e-6
            minus = cross_entropy(model(ids, lengths), y)[0]
            p[i] = old
            assert abs((plus - minus) / 2e-6 - model.grads[name][i]) < 1e-7, (name, i)


def test_padding_does_not_change_a_sequences_logits():
    for pooling in ("last", "mean", "max"):
        model = SequenceClassifier(
            10,
            2,
            embed_dim=3,
            hidden_size=4,
            bidirectional=True,
            pooling=pooling,
            dtype="float64",
            rng=np.random.default_rng(2),
        ).eval()
        short = model(np.array([[3], [4]]), np.array([2]))
        padded = model(np.array([[3, 5], [4, 6], [0, 7]]), np.array([2, 3]))
        np.testing.assert_allclose(padded[0], short[0], atol=1e-12)


def test_frozen_pretrained_embedding_is_not_trained_and_round_trips(tmp_path):
    table = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    model = SequenceClassifier(
        8,
        2,
        embed_dim=3,
        hidden_size=4,
        freeze_embedding=True,
        embedding=Embedding.from_pretrained(table, freeze=True),
        rng=np.random.default_rng(0),
    )
    assert "embed.weight" not in model.params
    save_model(tmp_path / "m.safetensors", model)
    other = SequenceClassifier(8, 2, embed_dim=3, hidden_size=4, freeze_embedding=True, rng=np.random.default_rng(1))
    load_model(tmp_path / "m.safetensors", other)
    np.testing.assert_array_equal(other.embed.weight, table)
    with pytest.raises(ValueError, match="pooling must be one of"):
        SequenceClassifier(8, 2, pooling="sum")
    with pytest.raises(ValueError, match=r"embedding must have shape \(9, 3\)"):
        SequenceClassifier(9, 2, embed_dim=3, embedding=Embedding.from_pretrained(table))


def _order_task(rng, n):
    """Label 1 when token 2 comes before token 3 in the sequence: order decides, the bag of words cannot."""
    seqs, labels = [], []
    for _ in range(n):
        length = int(rng.integers(2, 6))
        s = rng.integers(4, 8, length)
        i, j = rng.choice(length, 2, replace=False)
        s[i], s[j] = 2, 3
        seqs.append(s)
        labels.append(int(i < j))
    return seqs, np.array(labels)


def test_fit_learns_a_word_order_task_to_100_percent(tmp_path):
    from elman.tasks.sentiment import _batches_fn, accuracy

    rng = np.random.default_rng(0)
    seqs, labels = _order_task(rng, 200)
    model = SequenceClassifier(8, 2, embed_dim=8, hidden_size=16, bidirectional=True, rng=np.random.default_rng(0))
    summary = fit(
        model,
        _batches_fn(seqs, labels, 16),
        cross_entropy,
        lambda m: {"accuracy": accuracy(m, seqs, labels)},
        optimizer=Adam(model.params, lr=1e-2),
        epochs=40,
        out_dir=tmp_path,
        metric="accuracy",
        patience=8,
    )
    assert summary["best"]["accuracy"] == 1.0 and accuracy(model, seqs, labels) == 1.0
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == summary["epochs_run"] and {"epoch", "train_loss", "accuracy", "best"} <= set(records[0])
    bag = BagOfWords(8, 2)
    fit(
        bag,
        _batches_fn(seqs, labels, 16),
        cross_entropy,
        lambda m: {"accuracy": accuracy(m, seqs, labels)},
        optimizer=Adam(bag.params, lr=1e-2),
        epochs=5,
        out_dir=tmp_path / "bow",
        metric="accuracy",
    )
    assert accuracy(bag, seqs, labels) < 0.8


def test_bag_of_words_is_order_blind_and_its_gradient_is_right():
    rng = np.random.default_rng(0)
    bag = BagOfWords(12, 3, dtype="float64")
    bag.params["weight"][...] = rng.standard_normal((12, 3))
    ids, lengths = _batch(rng)
    logits = bag(ids, lengths)
    for _ in range(5):
        shuffled = ids.copy()
        for b, n in enumerate(lengths):
            shuffled[:n, b] = rng.permutation(ids[:n, b])
        np.testing.assert_allclose(bag(shuffled, lengths), logits, atol=1e-12)
    y = np.array([0, 1, 2, 1])
    bag.zero_grad()
    bag(ids, lengths)
    bag.backward(cross_entropy(logits, y)[1])
    w = bag.params["weight"]
    for k in (ids[0, 0], ids[1, 1]):
        old = w[k, 1]
        w[k, 1] = old + 1e-6
        plus = cross_entropy(bag(ids, lengths), y)[0]
        w[k, 1] = old - 1e-6
        minus = cross_entropy(bag(ids, lengths), y)[0]
        w[k, 1] = old
        assert abs((plus - minus) / 2e-6 - bag.grads["weight"][k, 1]) < 1e-7


def test_probe_table_same_bag_pairs_get_identical_bow_predictions():
    from elman.data.text import Vocab
    from elman.tasks.sentiment import SPECIALS

    vocab = Vocab.build([s.split() for pair in PROBES for s in pair], specials=SPECIALS)
    bag = BagOfWords(len(vocab), 2)
    bag.params["weight"][...] = np.random.default_rng(0).standard_normal(bag.params["weight"].shape)
    model = SequenceClassifier(len(vocab), 2, embed_dim=4, hidden_size=4, rng=np.random.default_rng(0))
    rows = probe_table(model, bag, vocab)
    assert any(r["same_bag"] for r in rows)
    for r in rows:
        if r["same_bag"]:
            assert r["bow_a"] == r["bow_b"]


@needs_sst
def test_cli_train_sentiment_then_eval(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "sentiment",
                "--no-glove",
                "--no-phrases",
                "--limit",
                "64",
                "--epochs",
                "1",
                "--bow-epochs",
                "1",
                "--hidden",
                "8",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out.splitlines()[0])
    assert 0 <= summary["test_accuracy"] <= 1 and "bow_test_accuracy" in summary
    for name in ("config.json", "vocab.json", "model.safetensors", "bow.safetensors", "metrics.jsonl", "probes.json"):
        assert (out / name).is_file(), name
    assert main(["eval", str(out), "--split", "test"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[0])
    assert result["n"] == 64 and result["accuracy"] == pytest.approx(summary["test_accuracy"])
    assert main(["eval", str(tmp_path / "missing")]) == 2


@needs_mr
def test_cli_train_mr_then_eval(tmp_path, capsys):
    out = tmp_path / "mr"
    assert (
        main(
            [
                "train",
                "sentiment",
                "--dataset",
                "mr",
                "--fold",
                "3",
                "--no-glove",
                "--limit",
                "64",
                "--epochs",
                "1",
                "--bow-epochs",
                "1",
                "--hidden",
                "8",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out.splitlines()[0])
    assert summary["dataset"] == "mr" and summary["fold"] == 3
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["fold"] == 3 and config["train"]["phrases"] is False
    assert main(["eval", str(out), "--split", "test"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[0])
    assert result["n"] == 64 and result["accuracy"] == pytest.approx(summary["test_accuracy"])
