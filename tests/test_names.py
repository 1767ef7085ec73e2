"""The names dataset, the conditioned generator's gradients and learning, the trigram baseline, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.names import LANGUAGES, build_char_vocab, encode_names, load_names, split_names
from elman.errors import InvalidInput
from elman.gradcheck import gradcheck
from elman.models.ensemble import GeneratorEnsemble
from elman.models.generator import ConditionedGenerator
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.names import TrigramModel, batch_of, rnn_nll
from elman.train.supervised import fit

needs_names = needs_data("names")


@needs_names
def test_loader_counts_and_split():
    pairs = load_names()
    assert len(pairs) == 20074 and {lang for _, lang in pairs} == set(LANGUAGES) and len(LANGUAGES) == 18
    assert sum(lang == "Russian" for _, lang in pairs) == 9408
    splits = split_names(pairs, seed=0)
    assert sum(len(d) for d in splits.values()) == len({p for p in pairs})
    assert splits == split_names(pairs, seed=0) and splits != split_names(pairs, seed=1)
    train = {p for p in splits["train"]}
    assert not train & set(splits["test"]) and not train & set(splits["dev"])
    for lang in LANGUAGES:
        n = {s: sum(x == lang for _, x in d) for s, d in splits.items()}
        assert n["train"] >= 0.75 * sum(n.values()) and n["test"] >= 1


@pytest.mark.parametrize("condition", ["h0", "input", "both"])
def test_generator_gradients(condition):
    model = ConditionedGenerator(
        9,
        3,
        embed_dim=4,
        hidden_size=5,
        num_layers=2,
        condition=condition,
        cond_dim=3,
        dtype="float64",
        rng=np.random.default_rng(0),
    )
    noise = np.random.default_rng(1)
    for name, value in model.params.items():
        if name != "embed.weight":  # keep the padding row at zero (it is not trained)
            value += noise.normal(0, 0.3, value.shape)
    rng = np.random.default_rng(2)
    ids, classes, lengths = rng.integers(1, 9, (5, 4)), np.array([0, 2, 1, 2]), np.array([5, 3, 1, 4])
    targets = rng.integers(0, 9, (5, 4))
    targets[np.arange(5)[:, None] >= lengths] = -100
    model.zero_grad()
    _, d = cross_entropy(model(ids, classes, lengths), targets)
    model.backward(d)
    errors = gradcheck(
        lambda: cross_entropy(model(ids, classes, lengths), targets)[0],
        dict(model.params),
        {k: model.grads[k].copy() for k in model.params},
    )
    assert max(errors.values()) < 1e-5


def test_trigram_probabilities_sum_to_one():
    vocab = build_char_vocab(["abc", "abd", "bca"])
    data = encode_names(vocab, [("abc", "Arabic"), ("abd", "Chinese"), ("bca", "Arabic")])
    tri = TrigramModel(data, len(vocab), len(LANGUAGES), vocab.bos_id, alphas=(0.5, 2.0, 1.0, 0.3))
    c = np.arange(len(vocab))
    for lang, a, b in [(0, vocab.bos_id, vocab.bos_id), (0, vocab.stoi["a"], vocab.stoi["b"]), (1, 5, 6), (17, 4, 4)]:
        assert tri.prob(lang, a, b, c).sum() == pytest.approx(1.0, abs=1e-12)
    assert tri.nll(data) < np.log(len(vocab))


def test_tiny_synthetic_task_learned(tmp_path):
    # language 0 names are "ab…", language 1 names "ba…": only the condition tells the first character
    pairs = [("abab"[: 2 + i % 3], "Arabic") for i in range(30)] + [("baba"[: 2 + i % 3], "Chinese") for i in range(30)]
    vocab = build_char_vocab([n for n, _ in pairs])
    data = encode_names(vocab, pairs)
    for condition in ("h0", "input", "both"):
        model = ConditionedGenerator(
            len(vocab), 18, embed_dim=8, hidden_size=16, condition=condition, rng=np.random.default_rng(0)
        )
        before = rnn_nll(model, data)

        def batches(epoch, rng):
            for idx in np.array_split(rng.permutation(60), 4):
                yield batch_of(data, idx)

        fit(
            model,
            batches,
            lambda z, t: cross_entropy(z, t),
            lambda m: {"nll": rnn_nll(m, data)},
            optimizer=Adam(model.params, lr=0.03),
            epochs=40,
            out_dir=tmp_path / condition,
            metric="nll",
            higher_is_better=False,
            seed=0,
        )
        assert rnn_nll(model, data) < 0.35 < before
        first = {
            "".join(vocab.decode(model.sample(lang, np.random.default_rng(s), 0.5)))[:1]
            for lang in (0, 1)
            for s in range(3)
        }
        assert first == {"a", "b"}


def test_ensemble_averages_the_members_probabilities():
    members = [
        ConditionedGenerator(9, 18, embed_dim=4, hidden_size=6, condition="both", rng=np.random.default_rng(k))
        for k in range(3)
    ]
    ids, classes, lengths = np.array([[2, 4, 5, 6], [2, 7, 4, 0]]).T, np.array([3, 11]), np.array([4, 3])
    probs = []
    for m in members:
        z = m(ids, classes, lengths).astype(np.float64)
        probs.append(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    ensemble = GeneratorEnsemble(members)
    np.testing.assert_allclose(np.exp(ensemble(ids, classes, lengths)), np.mean(probs, axis=0), rtol=1e-6)
    lone = members[0](ids, classes, lengths).astype(np.float64)
    np.testing.assert_allclose(
        GeneratorEnsemble(members[:1])(ids, classes, lengths),
        lone - np.log(np.exp(lone).sum(axis=-1, keepdims=True)),
        atol=1e-6,
    )
    assert ensemble.sample(5, np.random.default_rng(3)) == ensemble.sample(5, np.random.default_rng(3))
    assert set(ensemble.state_dict()) == {f"member{k}.{n}" for k in range(3) for n in members[0].state_dict()}
    with pytest.raises(ValueError, match="must share one configuration"):
        GeneratorEnsemble([members[0], ConditionedGenerator(9, 18, embed_dim=4, hidden_size=7)])
    with pytest.raises(ValueError, match="one or more ConditionedGenerator"):
        GeneratorEnsemble([])
    with pytest.raises(NotImplementedError, match="train each member"):
        ensemble.backward(np.zeros((4, 2, 9)))


def _train_cli(capsys, out, *options) -> dict:
    """``elman train names`` with a tiny model on 300 names per split; the summary it prints."""
    assert (
        main(["train", "names", "--limit", "300", "--hidden", "16", "--embed", "8", *options, "--out", str(out)]) == 0
    )
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@needs_names
def test_cli_trains_an_ensemble_that_eval_and_generate_read(tmp_path, capsys):
    run = tmp_path / "run"
    trained = _train_cli(capsys, run, "--epochs", "2", "--members", "3")
    assert trained["members"] == 3 and len(trained["member_test_nll"]) == 3
    assert len(set(trained["member_test_nll"])) == 3  # three different starts
    assert trained["test_nll"] <= np.mean(trained["member_test_nll"])  # −log of a mean ≤ the mean of −log
    members = [f"member{k}_{name}" for k in range(3) for name in ("checkpoint.safetensors", "metrics.jsonl")]
    assert sorted(p.name for p in run.iterdir()) == [
        "config.json",
        *members,
        "model.safetensors",
        "summary.json",
        "vocab.json",
    ]
    assert main(["eval", str(run)]) == 0
    assert json.loads(capsys.readouterr().out)["nll"] == pytest.approx(trained["test_nll"], rel=1e-5)
    assert main(["generate", "names", "--language", "Greek", "--count", "3", "--run", str(run)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    alone = _train_cli(capsys, tmp_path / "one", "--epochs", "2", "--members", "3", "--workers", "1")
    assert alone["member_test_nll"] == trained["member_test_nll"]  # the same members, whatever the worker count


@needs_names
def test_cli_train_eval_generate(tmp_path, capsys):
    run = tmp_path / "run"
    trained = _train_cli(capsys, run, "--epochs", "1", "--members", "1")
    assert trained["task"] == "names" and trained["names"]["train"] == 300
    assert trained["test_nll"] > 0 and trained["trigram_test_nll"] > 0
    assert json.loads((run / "config.json").read_text())["task"] == "names"
    assert main(["eval", str(run)]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["nll"] == pytest.approx(trained["test_nll"], rel=1e-5)
    assert evaluated["trigram_nll"] == pytest.approx(trained["trigram_test_nll"], rel=1e-9)
    argv = ["generate", "names", "--language", "Russian", "--count", "5", "--seed", "0", "--run", str(run)]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and len(first.splitlines()) == 5
    assert main(["generate", "names", "--language", "Klingon", "--run", str(run)]) == 2


@needs_names
def test_plateau_decay_and_weight_decay_are_recorded(tmp_path):
    from elman.tasks.names import train_names

    result = train_names(
        tmp_path / "run",
        condition="both",
        embed=8,
        hidden=16,
        epochs=3,
        limit=200,
        lr=0.5,
        cosine=False,
        lr_decay=0.5,
        weight_decay=0.01,
        members=1,
        verbose=False,
    )
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    lrs = [0.5] + [r["lr"] for r in records]  # halved after each epoch that is not a new best
    assert all(lr == (before if r["best"] else before / 2) for before, lr, r in zip(lrs, lrs[1:], records))
    assert result["train_nll"] > 0 and result["trigram_train_nll"] < result["trigram_test_nll"]
    with pytest.raises(InvalidInput, match=r"--lr-decay: expected a number in \(0, 1\], got 0.0"):
        train_names(tmp_path / "bad", lr_decay=0.0, limit=10)
    with pytest.raises(InvalidInput, match="one learning-rate schedule"):
        train_names(tmp_path / "bad", lr_decay=0.5, cosine=True, limit=10)
    with pytest.raises(InvalidInput, match="--members: expected an integer >= 1, got 0"):
        train_names(tmp_path / "bad", members=0, limit=10)
    assert not (tmp_path / "bad").exists()  # options are checked before the run directory is made


@needs_names
def test_cosine_schedule_sets_each_epochs_learning_rate(tmp_path):
    from elman.tasks.names import train_names

    train_names(
        tmp_path / "run",
        embed=8,
        hidden=16,
        epochs=4,
        limit=100,
        lr=0.01,
        cosine=True,
        members=1,
        patience=None,
        verbose=False,
    )
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["lr"] for r in records] == pytest.approx([0.01 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)])
