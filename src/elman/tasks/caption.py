"""Image to sequence on the 8×8 digits: spell the digit's name ("seven") from its pixels, one character at a time.

``train_caption(out_dir)`` trains ``Captioner`` (64 scaled pixels → Linear → tanh → h_0 of a character RNN) with
teacher forcing through ``fit`` on <bos>+name → name+<eos>, keeping the lowest dev NLL per character. Scores come
from greedy decoding of held-out images:

* exact match: the decoded string is the image's name;
* character accuracy: over every target position (the name's characters and the final <eos>), the share where
  the decoded sequence (with its <eos>, padded) holds the same character;
* not a name: the share of decoded strings that name no digit at all.

The run folder holds config.json (``"task": "caption"``), vocab.json, model.safetensors, checkpoint.safetensors
(the training state of the last completed epoch), metrics.jsonl and summary.json. ``--resume`` continues the
epochs from checkpoint.safetensors, then scores the best model. ``evaluate_caption(run_dir, split)`` re-reads a
finished run and re-creates the same split from the seed.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from elman.arguments import Option, add_options, signature_options
from elman.data.batching import batches as index_batches
from elman.data.batching import pad_sequences
from elman.data.digits import DIGIT_NAMES, PIXELS, build_name_vocab, encode_captions, load_digits, split_digits
from elman.data.text import Vocab
from elman.io.checkpoint import load_model
from elman.models.captioner import Captioner
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.loading import require_rows
from elman.tasks.options import add_common_arguments, apply_quick, check_options, kinds_of, train_with
from elman.tasks.runs import open_run, train_run, write_json
from elman.train.supervised import fit

QUICK = dict(epochs=2, hidden=16, embed=8, limit=200)


def batch_of(images, labels, idx, vocab):
    """((images (B, 64), ids (T, B), lengths (B,)), targets (T, B) padded with -100) for rows ``idx``."""
    idx = np.asarray(idx)
    ids, targets = encode_captions(vocab, labels[idx])
    padded, lengths, _ = pad_sequences(ids, vocab.pad_id, time_major=True)
    tg = pad_sequences(targets, -100, time_major=True)[0]
    return (images[idx], padded, lengths), tg


def caption_nll(model, images, labels, vocab, batch=512) -> float:
    """Mean −log P per target character (nats, <eos> included), teacher forced, eval mode."""
    was = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for start in range(0, len(labels), batch):
            inputs, tg = batch_of(images, labels, np.arange(start, min(start + batch, len(labels))), vocab)
            loss, _ = cross_entropy(model(*inputs), tg, reduction="sum")
            total, count = total + float(loss), count + int((tg != -100).sum())
    finally:
        model.train(was)
    return total / count


def decode_all(model, images, vocab, batch=512) -> list[str]:
    """The greedy caption of every image, as a string."""
    out = []
    for start in range(0, len(images), batch):
        out += ["".join(vocab.decode(ids)) for ids in model.greedy(images[start : start + batch])]
    return out


def caption_scores(model, images, labels, vocab, examples: int = 6) -> dict:
    """Exact match, character accuracy and the not-a-name rate of greedy captions, and ``examples`` examples
    (up to half of them wrong ones, first)."""
    decoded = decode_all(model, images, vocab)
    truth = [DIGIT_NAMES[y] for y in labels]
    right = total = 0
    for guess, name in zip(decoded, truth):
        g, t = list(guess) + ["<eos>"], list(name) + ["<eos>"]
        right += sum(a == b for a, b in zip(g, t))
        total += len(t)
    exact = np.array([g == t for g, t in zip(decoded, truth)])
    wrong, half = list(np.flatnonzero(~exact)), examples // 2
    order = (wrong[:half] + list(np.flatnonzero(exact)) + wrong[half:])[:examples]
    return {
        "images": len(labels),
        "exact_match": float(exact.mean()),
        "char_accuracy": right / total,
        "not_a_name": float(np.mean([g not in DIGIT_NAMES for g in decoded])),
        "per_digit_exact": [
            round(float(exact[labels == d].mean()), 4) if np.any(labels == d) else None for d in range(10)
        ],
        "examples": [{"label": int(labels[i]), "truth": truth[i], "decoded": decoded[i]} for i in order[:examples]],
    }


def _data(seed, limit):
    images, labels = load_digits()
    splits = split_digits(labels, seed=seed)
    if limit is not None:  # every k-th image of each split, so every digit stays
        splits = {s: idx[:: max(1, len(idx) // limit)][:limit] for s, idx in splits.items()}
    return {s: (images[idx], labels[idx]) for s, idx in splits.items()}


def train_caption(
    out_dir,
    *,
    embed=16,
    hidden=64,
    layers=1,
    epochs=40,
    batch=32,
    lr=3e-3,
    dropout=0.1,
    clip=5.0,
    patience=8,
    seed=0,
    limit=None,
    max_minutes=None,
    resume=False,
    force=False,
    progress=False,
    verbose=True,
) -> dict:
    """Train and save a run in ``out_dir``; returns the summary (dev NLL, test exact match and character accuracy).

    ``out_dir`` must be absent or empty unless ``force`` (the old run is moved aside) or ``resume`` (continue the
    run there with its own options; see ``elman.tasks.runs``).
    """
    return train_run("caption", train_caption, _train, locals(), lambda o: check_options(o, kinds_of(OPTIONS)))


# the command line's options, in the order --help lists them; their defaults are train_caption's
OPTIONS = signature_options(
    train_caption,
    {
        "embed": Option("character embedding size", kind="count"),
        "hidden": Option("hidden units of the RNN (its h_0 comes from the image)", kind="count"),
        "layers": Option("stacked RNN layers", kind="count"),
        "epochs": Option("passes over the training images", kind="count"),
        "batch": Option("images per update", kind="count"),
        "lr": Option("Adam's learning rate", kind="positive"),
        "dropout": Option("dropout probability before the output layer (and between layers)", kind="fraction"),
        "clip": Option("gradient-norm clipping", off=0, kind="positive?"),
        "patience": Option("stop after this many epochs without a better dev NLL", kind="count?"),
        "max_minutes": Option("stop after the epoch that passes this many minutes", type=float, kind="positive?"),
        "limit": Option("use N images of each split (every k-th, so every digit stays)", type=int, kind="count?"),
        "seed": Option("seed of the split, the initial weights and the batch order", kind="natural"),
    },
)


def _train(
    out,
    options,
    *,
    embed,
    hidden,
    layers,
    epochs,
    batch,
    lr,
    dropout,
    clip,
    patience,
    seed,
    limit,
    max_minutes,
    resume,
    progress,
    verbose,
) -> dict:
    data = _data(seed, limit)
    require_rows("digits", {s: d[1] for s, d in data.items()})
    vocab = build_name_vocab()
    rng = np.random.default_rng(seed)
    model = Captioner(
        len(vocab), PIXELS, embed, hidden, layers, dropout, vocab.pad_id, vocab.bos_id, vocab.eos_id, rng=rng
    )
    config = {
        "task": "caption",
        "model": model.config(),
        "train": dict(
            epochs=epochs,
            batch=batch,
            lr=lr,
            clip=clip,
            patience=patience,
            seed=seed,
            limit=limit,
            max_minutes=max_minutes,
        ),
        "options": options,
    }
    vocab.save(out / "vocab.json")
    write_json(out / "config.json", config)
    images, labels = data["train"]

    def train_batches(epoch, brng):
        for idx in index_batches(len(labels), batch, brng):
            yield batch_of(images, labels, idx, vocab)

    def evaluate(m):
        return {"dev_nll": caption_nll(m, *data["dev"], vocab)}

    summary = fit(
        model,
        train_batches,
        lambda z, t: cross_entropy(z, t, ignore_index=-100),
        evaluate,
        optimizer=Adam(model.params, lr=lr),
        epochs=epochs,
        out_dir=out,
        metric="dev_nll",
        higher_is_better=False,
        clip=clip,
        patience=patience,
        seed=seed,
        progress=progress,
        max_minutes=max_minutes,
        resume=resume,
    )
    dev, test = caption_scores(model, *data["dev"], vocab), caption_scores(model, *data["test"], vocab)
    result = {
        "task": "caption",
        "images": {s: len(d[1]) for s, d in data.items()},
        "dev_nll": summary["best"]["dev_nll"],
        "test_nll": caption_nll(model, *data["test"], vocab),
        "dev_exact_match": dev["exact_match"],
        "test_exact_match": test["exact_match"],
        "test_char_accuracy": test["char_accuracy"],
        "test_not_a_name": test["not_a_name"],
        "examples": test["examples"],
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "seconds": summary["seconds"],
    }
    if verbose:
        print(f"caption: best epoch {summary['best_epoch']} {summary['best']}", file=sys.stderr)
    write_json(out / "summary.json", result)
    return result


def load_caption_run(run_dir):
    """(model, vocab, config) of a finished caption run."""
    run, config = open_run(run_dir, "caption")
    return load_model(run / "model.safetensors", Captioner(**config["model"])), Vocab.load(run / "vocab.json"), config


def evaluate_caption(run_dir, split="test") -> dict:
    """Greedy-decoding scores and NLL/char of a saved captioner on ``split`` (re-created from the run's seed)."""
    model, vocab, config = load_caption_run(run_dir)
    data = _data(config["train"]["seed"], config["train"].get("limit"))
    return {
        "task": "caption",
        "split": split,
        "nll": caption_nll(model, *data[split], vocab),
        **caption_scores(model, *data[split], vocab),
    }


def add_caption_arguments(parser) -> None:
    add_options(parser, OPTIONS)
    add_common_arguments(parser, "runs/caption")


def run_caption(args) -> int:
    apply_quick(args, QUICK)
    result = train_with(train_caption, OPTIONS, args)
    print(json.dumps(result))
    return 0
