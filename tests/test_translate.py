"""Multi30k loading, the encoder-decoder's gradients, masking and decoding, learning, the translate task and CLI."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.multi30k import build_vocabs, detokenize, encode_pairs, load_pairs, tokenize
from elman.gradcheck import gradcheck
from elman.io.checkpoint import load_model, save_model
from elman.models.seq2seq import Seq2Seq, reverse_within
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks import translate as tr
from elman.train.supervised import fit

needs_multi30k = needs_data("multi30k")

PAIRS = [
    ("ein mann läuft .", "a man runs ."),
    ("eine frau sitzt .", "a woman sits ."),
    ("ein hund läuft .", "a dog runs ."),
    ("ein mann sitzt .", "a man sits ."),
    ("eine frau läuft .", "a woman runs ."),
    ("ein hund sitzt .", "a dog sits ."),
]


def noisy_model(dtype="float64", **kw) -> Seq2Seq:
    """A small model whose weights are pushed away from their (small) initial values, so every path matters."""
    model = Seq2Seq(11, 9, embed_dim=4, hidden_size=5, dtype=dtype, rng=np.random.default_rng(0), **kw)
    noise = np.random.default_rng(1)
    for name, value in model.params.items():
        if "embed" not in name:  # keep the padding rows at zero (they are not trained)
            value += noise.normal(0, 0.3, value.shape).astype(value.dtype)
    return model


def toy_batch(rng):
    source, source_lengths = rng.integers(1, 11, (6, 4)), np.array([6, 3, 1, 4])
    target_in, target_lengths = rng.integers(1, 9, (5, 4)), np.array([5, 2, 4, 1])
    targets = rng.integers(0, 9, (5, 4))
    targets[np.arange(5)[:, None] >= target_lengths] = -100
    return (source, source_lengths, target_in, target_lengths), targets


@needs_multi30k
def test_loader_counts_and_vocabularies():
    splits = {s: load_pairs(s) for s in ("train", "val", "test")}
    assert {s: len(p) for s, p in splits.items()} == {"train": 29000, "val": 1014, "test": 1000}
    assert splits["train"][0] == (
        "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.",
        "Two young, White males are outside near many bushes.",
    )
    assert all(de and en for p in splits.values() for de, en in p)
    vocabs = build_vocabs(splits["train"])
    assert 7000 < len(vocabs.source) < 9000 and 5000 < len(vocabs.target) < 7000
    assert vocabs.source.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    with pytest.raises(ValueError, match="split must be one of"):
        load_pairs("test_2017")


def test_tokenize_and_detokenize():
    assert tokenize("Zwei Männer, die (fröhlich) spielen!") == [
        "zwei",
        "männer",
        ",",
        "die",
        "(",
        "fröhlich",
        ")",
        "spielen",
        "!",
    ]
    assert detokenize(["a", "man", "(", "left", ")", ",", "smiling", "."]) == "a man (left), smiling."
    vocabs = build_vocabs(PAIRS, min_freq=1)
    sources, targets = encode_pairs(vocabs, PAIRS[:1])
    assert vocabs.source.decode(sources[0]) == ["ein", "mann", "läuft", "."]
    assert vocabs.target.decode(targets[0]) == ["<bos>", "a", "man", "runs", ".", "<eos>"]


def test_reverse_within_keeps_padding():
    ids = np.array([[1, 4], [2, 5], [3, 0]])
    assert reverse_within(ids, np.array([3, 2])).tolist() == [[3, 5], [2, 4], [1, 0]]


@pytest.mark.parametrize("bidirectional", [False, True])
def test_shapes(bidirectional):
    model = Seq2Seq(
        11, 9, embed_dim=4, hidden_size=5, num_layers=2, bidirectional=bidirectional, rng=np.random.default_rng(0)
    )
    inputs, _ = toy_batch(np.random.default_rng(2))
    assert model(*inputs).shape == (5, 4, 9)
    assert model.encode(inputs[0], inputs[1]).shape == (2, 4, 5)
    assert (model.bridge is not None) == bidirectional
    if bidirectional:
        assert model.params["bridge.weight"].shape == (2 * 5, 2 * 2 * 5)


def test_orthogonal_recurrent_init():
    model = Seq2Seq(
        11, 9, embed_dim=4, hidden_size=5, bidirectional=True, rng=np.random.default_rng(0), recurrent_init="orthogonal"
    )
    for name in ("encoder.weight_hh_l0", "encoder.weight_hh_l0_reverse", "decoder.weight_hh_l0"):
        np.testing.assert_allclose(np.linalg.svd(model.params[name], compute_uv=False), 1.0, rtol=1e-5)
    assert "recurrent_init" not in model.config()  # it only decides the start, like rng
    with pytest.raises(ValueError, match="recurrent_init must be one of"):
        Seq2Seq(11, 9, recurrent_init="identity")


@pytest.mark.parametrize(
    "kw",
    [
        dict(bidirectional=True, num_layers=2),
        dict(feed_context=False),
        dict(reverse_source=False, num_layers=2),
        dict(bidirectional=True, feed_context=False),
        dict(context="mean"),
        dict(bidirectional=True, num_layers=2, context="mean"),
    ],
)
def test_gradients_of_the_whole_model(kw):
    model = noisy_model(**kw)
    inputs, targets = toy_batch(np.random.default_rng(2))
    model.zero_grad()
    _, d = cross_entropy(model(*inputs), targets)
    model.backward(d)
    assert all(np.abs(model.grads[k]).sum() > 0 for k in model.params)
    errors = gradcheck(
        lambda: cross_entropy(model(*inputs), targets)[0],
        dict(model.params),
        {k: model.grads[k].copy() for k in model.params},
    )
    assert max(errors.values()) < 1e-5


@pytest.mark.parametrize("bidirectional,context", [(False, "final"), (True, "final"), (True, "mean")])
def test_padded_steps_change_nothing(bidirectional, context):
    model = noisy_model(bidirectional=bidirectional, num_layers=2, context=context)
    model.eval()
    (source, source_lengths, target_in, target_lengths), _ = toy_batch(np.random.default_rng(3))
    logits = model(source, source_lengths, target_in, target_lengths)
    for b in range(4):  # each column alone, cut to its own lengths
        n, m = source_lengths[b], target_lengths[b]
        alone = model(source[:n, b : b + 1], None, target_in[:m, b : b + 1])
        np.testing.assert_allclose(logits[:m, b], alone[:, 0], rtol=1e-12, atol=1e-12)
    garbage = source.copy()
    garbage[np.arange(6)[:, None] >= source_lengths] = 7
    np.testing.assert_array_equal(model(garbage, source_lengths, target_in, target_lengths), logits)


def test_greedy_equals_beam_of_width_one():
    for kw in (dict(), dict(bidirectional=True, num_layers=2)):
        model = noisy_model(dtype="float32", **kw)
        rng = np.random.default_rng(4)
        sources = [rng.integers(1, 11, n) for n in (1, 3, 5, 8, 2)]
        greedy = model.greedy(sources, banned=(1,))
        assert greedy == [model.beam_search(s, beam=1, banned=(1,)) for s in sources]
        assert all(len(g) <= model.default_max_len(len(s)) for g, s in zip(greedy, sources))
        assert all(set(g).isdisjoint({0, 1, 2, 3}) for g in greedy)  # no <pad>, <unk>, <bos>, <eos> written
        assert model.greedy(sources, max_len=2) == [g[:2] for g in greedy]
        assert all(len(model.beam_search(s, beam=4, max_len=3)) <= 3 for s in sources)


def test_loss_falls_and_the_toy_language_is_learned(tmp_path):
    vocabs = build_vocabs(PAIRS, min_freq=1)
    sources, targets = encode_pairs(vocabs, PAIRS)
    model = Seq2Seq(
        len(vocabs.source),
        len(vocabs.target),
        embed_dim=16,
        hidden_size=32,
        bidirectional=True,
        rng=np.random.default_rng(0),
    )
    before = tr.nll_per_token(model, sources, targets)

    def batches(epoch, rng):
        yield tr.batch_of(sources, targets, rng.permutation(len(PAIRS)))

    fit(
        model,
        batches,
        cross_entropy,
        lambda m: {"nll": tr.nll_per_token(m, sources, targets)},
        optimizer=Adam(model.params, lr=0.02),
        epochs=60,
        out_dir=tmp_path,
        metric="nll",
        higher_is_better=False,
    )
    after = tr.nll_per_token(model, sources, targets)
    assert after < 0.1 < before / 10
    assert tr.translate(model, vocabs, "Ein Hund sitzt.", beam=3) == "a dog sits."
    assert tr.translate(model, vocabs, "ein hund sitzt .", beam=1) == "a dog sits."


def test_odd_input_gets_an_answer():
    vocabs = build_vocabs(PAIRS, min_freq=1)
    model = Seq2Seq(len(vocabs.source), len(vocabs.target), embed_dim=4, hidden_size=6, rng=np.random.default_rng(0))
    empty = tr.translate_details(model, vocabs, "   ")
    assert empty["translation"] == "" and "empty" in empty["note"]
    assert tr.translate(model, vocabs, "") == ""
    unknown = tr.translate_details(model, vocabs, "Ein Zebra läuft.", beam=2)
    assert unknown["unknown"] == ["zebra"] and "zebra" in unknown["note"] and isinstance(unknown["translation"], str)
    long = tr.translate_details(model, vocabs, "ein mann " * 80)
    assert long["truncated"] and str(tr.MAX_SOURCE_WORDS) in long["note"]
    assert len(long["words"]) <= model.default_max_len(tr.MAX_SOURCE_WORDS)
    with pytest.raises(TypeError, match="must be a str"):
        tr.translate(model, vocabs, b"ein mann")
    with pytest.raises(ValueError, match="beam must be an integer >= 1"):
        tr.translate(model, vocabs, "ein mann", beam=0)
    with pytest.raises(ValueError, match="at least one id"):
        model.greedy([np.array([], dtype=np.int64)])
    with pytest.raises(ValueError, match=r"source ids must lie in \[0, "):
        model.beam_search(np.array([3, 99]))
    with pytest.raises(ValueError, match="same batch size"):
        model(np.ones((3, 2), np.int64), None, np.ones((3, 4), np.int64))
    with pytest.raises(ValueError, match="source lengths must lie in"):
        model(np.ones((3, 2), np.int64), np.array([4, 1]), np.ones((3, 2), np.int64))
    with pytest.raises(RuntimeError, match="needs a forward"):
        model.backward(np.zeros((3, 2, len(vocabs.target)), np.float32))


def test_bleu_and_a_missing_sacrebleu(monkeypatch):
    refs = ["A man runs.", "Two dogs play in the snow."]
    assert tr.bleu(["a man runs.", "two dogs play in the snow."], refs) == pytest.approx(100.0)
    assert tr.tokenized_bleu(
        [["a", "man", "runs", "."], ["two", "dogs", "play", "in", "the", "snow", "."]], refs
    ) == pytest.approx(100.0)
    assert "case:lc" in tr.bleu_signature() and "tok:13a" in tr.bleu_signature()
    with pytest.raises(ValueError, match="one hypothesis per reference"):
        tr.bleu(["a"], refs)
    monkeypatch.setitem(sys.modules, "sacrebleu", None)
    with pytest.raises(ImportError, match="sacrebleu>=2"):
        tr.bleu(["a man runs."], refs[:1])


def test_save_and_load_round_trip(tmp_path):
    model = noisy_model(dtype="float32", bidirectional=True, num_layers=2)
    save_model(tmp_path / "model.safetensors", model)
    again = load_model(tmp_path / "model.safetensors", Seq2Seq(**model.config()))
    inputs, _ = toy_batch(np.random.default_rng(5))
    model.eval()
    again.eval()
    np.testing.assert_array_equal(again(*inputs), model(*inputs))
    with pytest.raises(ValueError, match="does not match the model"):
        load_model(tmp_path / "model.safetensors", Seq2Seq(**{**model.config(), "feed_context": False}))


def test_eval_refuses_other_runs(tmp_path, capsys):
    assert main(["eval", str(tmp_path / "missing")]) == 2
    run = tmp_path / "names"
    run.mkdir()
    for name in ("config.json", "vocab.json", "model.safetensors"):
        (run / name).write_text("{}")
    (run / "config.json").write_text(json.dumps({"task": "names"}))
    with pytest.raises(ValueError, match="not a translate run"):
        tr.load_translate_run(run)


@needs_multi30k
def test_cli_quick_run_then_eval_and_reload(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "translate", "--quick", "--seed", "1", "--out", str(run)]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[0])
    assert trained["task"] == "translate" and trained["pairs"] == {"train": 200, "val": 200, "test": 200}
    assert trained["test_ppl"] > 1 and 0 <= trained["test_bleu_greedy"] <= 100
    config = json.loads((run / "config.json").read_text())
    assert config["task"] == "translate" and config["train"]["limit"] == 200
    assert {p.name for p in run.iterdir()} >= {
        "model.safetensors",
        "vocab.json",
        "source_vocab.json",
        "metrics.jsonl",
        "summary.json",
    }
    assert main(["eval", str(run), "--split", "test"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    evaluated = json.loads(printed[0])
    assert printed[1].startswith("de: ") and printed[3].startswith("  greedy: ")
    assert evaluated["ppl"] == pytest.approx(trained["test_ppl"], rel=1e-5)
    assert evaluated["bleu_greedy"] == pytest.approx(trained["test_bleu_greedy"], abs=1e-9)
    assert evaluated["bleu_beam"] == pytest.approx(trained["test_bleu_beam"], abs=1e-9)
    model, vocabs, _ = tr.load_translate_run(run)
    sentence = "Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt."
    assert printed[1] == "de: " + sentence
    assert tr.translate(model, vocabs, sentence, beam=1) == printed[3].removeprefix("  greedy: ")
