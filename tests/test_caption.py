"""The digits loader and split, the captioner's shapes, gradients, learning and greedy decoding, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.digits import DIGIT_NAMES, build_name_vocab, encode_captions, load_digits, parse_digits, split_digits
from elman.gradcheck import gradcheck
from elman.io.checkpoint import load_model, save_model
from elman.models.captioner import Captioner
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.caption import batch_of, caption_nll, caption_scores
from elman.train.supervised import fit

needs_digits = needs_data("digits")


def _toy(n_per=6, seed=0):
    """Three "digits" (0, 1, 7) as noisy fixed 64-pixel patterns in [0, 1]."""
    rng = np.random.default_rng(seed)
    protos = rng.random((3, 64))
    labels = np.repeat(np.array([0, 1, 7]), n_per)
    images = np.clip(protos[np.repeat(np.arange(3), n_per)] + rng.normal(0, 0.05, (3 * n_per, 64)), 0, 1)
    return images.astype(np.float32), labels


def test_parse_and_clear_errors():
    line = ",".join(["16"] * 64 + ["7"])
    images, labels = parse_digits(line + "\n" + ",".join(["0"] * 64 + ["3"]) + "\n")
    assert images.shape == (2, 64) and images.dtype == np.float32 and labels.tolist() == [7, 3]
    assert images[0].max() == 1.0
    with pytest.raises(ValueError, match="expected 65 comma-separated integers .* got 64"):
        parse_digits(",".join(["0"] * 64))
    with pytest.raises(ValueError, match=r"pixel values must lie in \[0, 16\]"):
        parse_digits(",".join(["17"] * 64 + ["1"]))


def test_split_is_stratified_and_seeded():
    labels = np.repeat(np.arange(10), 20)
    splits = split_digits(labels, seed=0)
    assert sorted(np.concatenate(list(splits.values())).tolist()) == list(range(200))
    for idx, per in ((splits["test"], 4), (splits["dev"], 3), (splits["train"], 13)):
        assert np.bincount(labels[idx], minlength=10).tolist() == [per] * 10
    assert all(np.array_equal(a, b) for a, b in zip(splits.values(), split_digits(labels, seed=0).values()))
    assert not np.array_equal(splits["test"], split_digits(labels, seed=1)["test"])


def test_vocab_and_encoding():
    vocab = build_name_vocab()
    ids, targets = encode_captions(vocab, [3, 0])
    assert "".join(vocab.decode(ids[0][1:])) == "three" and ids[0][0] == vocab.bos_id
    assert targets[1][-1] == vocab.eos_id and len(ids[1]) == len(targets[1]) == 5
    assert all(c in vocab for name in DIGIT_NAMES for c in name)


def test_shapes_and_bad_images():
    model = Captioner(10, image_size=64, embed_dim=4, hidden_size=6, num_layers=2, rng=np.random.default_rng(0))
    logits = model(np.zeros((3, 64), np.float32), np.full((5, 3), 2), np.array([5, 2, 4]))
    assert logits.shape == (5, 3, 10)
    with pytest.raises(ValueError, match=r"images must have shape \(B, 64\).*got \(3, 65\)"):
        model(np.zeros((3, 65), np.float32), np.full((5, 3), 2))
    with pytest.raises(ValueError, match=r"images must have shape \(B, 64\).*got \(8, 8\)"):
        model.greedy(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="expected 3 columns of ids"):
        model(np.zeros((3, 64), np.float32), np.full((5, 4), 2))


@pytest.mark.parametrize("layers", [1, 2])
def test_captioner_gradients(layers):
    model = Captioner(
        9, image_size=5, embed_dim=4, hidden_size=5, num_layers=layers, dtype="float64", rng=np.random.default_rng(0)
    )
    noise = np.random.default_rng(1)
    for name, value in model.params.items():
        if name != "embed.weight":  # keep the padding row at zero (it is not trained)
            value += noise.normal(0, 0.3, value.shape)
    rng = np.random.default_rng(2)
    images, ids, lengths = rng.random((4, 5)), rng.integers(1, 9, (5, 4)), np.array([5, 3, 1, 4])
    targets = rng.integers(0, 9, (5, 4))
    targets[np.arange(5)[:, None] >= lengths] = -100
    model.zero_grad()
    _, d = cross_entropy(model(images, ids, lengths), targets)
    norms = model.backward(d, return_dh_norms=True)
    assert norms.shape == (layers, 1, 5)
    errors = gradcheck(
        lambda: cross_entropy(model(images, ids, lengths), targets)[0],
        dict(model.params),
        {k: model.grads[k].copy() for k in model.params},
    )
    assert max(errors.values()) < 1e-5


def test_learns_toy_names_greedy_and_round_trip(tmp_path):
    images, labels = _toy()
    vocab = build_name_vocab()
    model = Captioner(len(vocab), embed_dim=8, hidden_size=24, rng=np.random.default_rng(0))
    before = caption_nll(model, images, labels, vocab)

    def batches(epoch, rng):
        for idx in np.array_split(rng.permutation(len(labels)), 3):
            yield batch_of(images, labels, idx, vocab)

    fit(
        model,
        batches,
        lambda z, t: cross_entropy(z, t),
        lambda m: {"nll": caption_nll(m, images, labels, vocab)},
        optimizer=Adam(model.params, lr=0.02),
        epochs=60,
        out_dir=tmp_path,
        metric="nll",
        higher_is_better=False,
    )
    assert caption_nll(model, images, labels, vocab) < 0.1 < before
    scores = caption_scores(model, images, labels, vocab)
    assert scores["exact_match"] == 1.0 and scores["char_accuracy"] == 1.0 and scores["not_a_name"] == 0.0
    decoded = ["".join(vocab.decode(ids)) for ids in model.greedy(images[[0, 6, 12]])]
    assert decoded == ["zero", "one", "seven"]
    save_model(tmp_path / "m.safetensors", model)
    again = load_model(tmp_path / "m.safetensors", Captioner(**model.config()))
    assert again.greedy(images) == model.greedy(images)
    assert len(model.greedy(images[:2], max_len=2)[0]) <= 2


@needs_digits
def test_loader_counts():
    images, labels = load_digits()
    assert images.shape == (1797, 64) and images.min() == 0 and images.max() == 1
    assert np.bincount(labels).min() >= 174


@needs_digits
def test_cli_quick_train_and_eval(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "caption", "--quick", "--seed", "0", "--out", str(run)]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["task"] == "caption" and trained["images"]["train"] == 200
    assert {"vocab.json", "config.json", "model.safetensors"} <= {p.name for p in run.iterdir()}
    assert json.loads((run / "config.json").read_text())["task"] == "caption"
    assert main(["eval", str(run)]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["exact_match"] == pytest.approx(trained["test_exact_match"])
    assert evaluated["nll"] == pytest.approx(trained["test_nll"], rel=1e-5) and len(evaluated["examples"]) == 6
