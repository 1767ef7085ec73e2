"""German → English translation on Multi30k with the tanh-RNN encoder-decoder, scored by BLEU and perplexity.

``train_translate(out_dir)`` trains ``Seq2Seq`` with ``fit`` (teacher forcing, Adam, gradient-norm clipping,
dropout, length-bucketed batches), keeping the epoch with the best greedy BLEU on val, then scores it on the 2016
test set. The run folder holds config.json (``"task": "translate"``), vocab.json (the English vocabulary, what
the model writes), source_vocab.json (German), model.safetensors, checkpoint.safetensors (the training state of
the last completed epoch), metrics.jsonl and summary.json. ``--resume`` continues the epochs from
checkpoint.safetensors (a run whose epochs were all done goes straight on), then scores the best model on val and
test again: greedy and beam decoding are not saved part-way.

How BLEU is computed. The model writes lower-cased word tokens (``elman.data.multi30k.tokenize``); they are
joined into text by ``detokenize`` (no space before . , ; : ! ? and after "(") and scored with sacreBLEU's
``corpus_bleu`` against the raw reference sentences, ``lowercase=True`` and sacreBLEU's default "13a"
tokenisation (signature in ``bleu_signature``): hypotheses and references are tokenised by the same standard
rule, only case is ignored. Published Multi30k figures are often "tokenised BLEU" instead (lower-cased tokens of
each side's own tokeniser, e.g. spaCy plus torchtext's ``bleu_score``); ``tokenized_bleu`` gives that variant
(sacreBLEU, ``tokenize="none"``, over our tokens of both sides). On Multi30k the two agree to about 0.01 (13a
splits these captions as our tokeniser does); neither is comparable with cased WMT-style scores.

Unknown German words become <unk>; an empty sentence translates to ""; a sentence longer than
``MAX_SOURCE_WORDS`` words is cut there; ``translate_details`` says which of these happened.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np

from elman.arguments import Option, add_options, signature_options
from elman.data.batching import bucket_batches, pad_sequences
from elman.data.multi30k import Vocabs, build_vocabs, detokenize, encode_pairs, load_pairs, tokenize
from elman.data.text import Vocab
from elman.errors import ElmanError, InvalidInput, MissingFile
from elman.io.checkpoint import load_model
from elman.models.seq2seq import CONTEXTS, RECURRENT_INITS, Seq2Seq
from elman.nn.losses import cross_entropy
from elman.optim import Adam
from elman.tasks.loading import require_rows
from elman.tasks.options import add_common_arguments, apply_quick, check_options, kinds_of, train_with
from elman.tasks.runs import open_run, train_run, write_json
from elman.train.supervised import fit

MAX_SOURCE_WORDS = 100
SPLIT_NAMES = {"train": "train", "dev": "val", "val": "val", "test": "test"}
QUICK = dict(embed=16, hidden=24, layers=1, epochs=1, batch=32, limit=200, beam=2, max_minutes=None)


class MissingPackage(ElmanError, ImportError):
    """An optional package a command needs is not installed; the message says how to install it."""


def _sacrebleu():
    try:
        import sacrebleu
    except ImportError as err:
        raise MissingPackage(
            "BLEU needs the sacrebleu package (expected sacrebleu>=2, found none): "
            "pip install 'sacrebleu>=2', or pip install -e '.[lab]'"
        ) from err
    return sacrebleu


def bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU (0–100) of detokenised hypotheses against raw references, case ignored, 13a tokenisation."""
    if len(hypotheses) != len(references):
        raise InvalidInput(f"expected one hypothesis per reference, got {len(hypotheses)} and {len(references)}")
    return float(_sacrebleu().corpus_bleu(hypotheses, [references], lowercase=True).score)


def bleu_signature() -> str:
    """sacreBLEU's signature of ``bleu`` (its settings and version), e.g. nrefs:1|case:lc|eff:no|tok:13a|…"""
    metric = _sacrebleu().metrics.BLEU(lowercase=True)
    metric.corpus_score(["a"], [["a"]])  # the signature records the number of references, known after a score
    return str(metric.get_signature())


def tokenized_bleu(hypotheses: list[list[str]], references: list[str]) -> float:
    """Corpus BLEU over our lower-cased tokens of both sides, joined by spaces (sacreBLEU, tokenize="none")."""
    refs = [" ".join(tokenize(r)) for r in references]
    hyps = [" ".join(h) for h in hypotheses]
    # force: the text is tokenised on purpose; without it sacreBLEU warns about the split-off final periods
    return float(_sacrebleu().corpus_bleu(hyps, [refs], tokenize="none", force=True).score)


# --- batches and perplexity -----------------------------------------------------------------------------------
def batch_of(sources, targets, idx, pad_id=0):
    """((source (S, B), source lengths, target_in (T, B), target lengths), target_out (T, B) padded with -100)."""
    src, src_len, _ = pad_sequences([sources[i] for i in idx], pad_id, time_major=True)
    tin, tin_len, _ = pad_sequences([targets[i][:-1] for i in idx], pad_id, time_major=True)
    tout = pad_sequences([targets[i][1:] for i in idx], -100, time_major=True)[0]
    return (src, src_len, tin, tin_len), tout


def nll_per_token(model, sources, targets, batch=256) -> float:
    """Mean −log P per target word (<eos> included, <bos> not), teacher-forced, in eval mode (nats)."""
    was = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        order = np.argsort([len(t) for t in targets], kind="stable")
        for start in range(0, len(order), batch):
            inputs, tout = batch_of(sources, targets, order[start : start + batch])
            loss, _ = cross_entropy(model(*inputs), tout, reduction="sum")
            total, count = total + float(loss), count + int((tout != -100).sum())
    finally:
        model.train(was)
    return total / count


# --- decoding -------------------------------------------------------------------------------------------------
def _banned(vocabs: Vocabs) -> tuple[int, ...]:
    return (vocabs.target.unk_id,)


def decode(model, vocabs: Vocabs, sources, *, beam=1, alpha=1.0, batch=256) -> list[list[str]]:
    """Target words for each source id array: greedy (``beam=1``, batched) or beam search; <unk> never written."""
    if beam == 1:
        ids = []
        for start in range(0, len(sources), batch):
            ids += model.greedy(sources[start : start + batch], banned=_banned(vocabs))
    else:
        ids = [model.beam_search(s, beam=beam, alpha=alpha, banned=_banned(vocabs)) for s in sources]
    return [vocabs.target.decode(np.array(x, dtype=np.int64)) for x in ids]


def translate_details(model, vocabs: Vocabs, sentence, *, beam: int = 5, alpha: float = 1.0) -> dict:
    """``{"source", "tokens", "unknown", "truncated", "translation", "words", "note"}`` for one German sentence.

    Never fails on content: unknown words are read as <unk> (and listed), an empty sentence (or one with no
    word) gives "", a sentence of more than ``MAX_SOURCE_WORDS`` words is cut there. A non-str raises TypeError.
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, got {type(sentence).__name__}")
    tokens = tokenize(sentence)
    result = {
        "source": sentence,
        "tokens": tokens,
        "unknown": [t for t in tokens if t not in vocabs.source],
        "truncated": len(tokens) > MAX_SOURCE_WORDS,
        "translation": "",
        "words": [],
        "note": None,
    }
    if not tokens:
        result["note"] = "empty sentence: nothing to translate"
        return result
    notes = []
    if result["truncated"]:
        notes.append(f"the sentence has {len(tokens)} words; only the first {MAX_SOURCE_WORDS} were translated")
        tokens = tokens[:MAX_SOURCE_WORDS]
    if result["unknown"]:
        notes.append(
            f"{len(result['unknown'])} word(s) unknown to the model, read as <unk>: "
            + ", ".join(result["unknown"][:10])
        )
    words = decode(model, vocabs, [vocabs.source.encode(tokens)], beam=beam, alpha=alpha)[0]
    result.update(words=words, translation=detokenize(words), note="; ".join(notes) or None)
    return result


def translate(model, vocabs: Vocabs, sentence: str, beam: int = 5, alpha: float = 1.0) -> str:
    """The English translation of one German sentence (lower-cased, detokenised); see ``translate_details``."""
    return translate_details(model, vocabs, sentence, beam=beam, alpha=alpha)["translation"]


def score(model, vocabs: Vocabs, pairs, *, beam=1, alpha=1.0) -> dict:
    """BLEU (standard and tokenised) of greedy or beam decoding over ``pairs``, with the hypotheses."""
    sources, _ = encode_pairs(vocabs, pairs, max_len=MAX_SOURCE_WORDS)
    keep = [i for i, s in enumerate(sources) if len(s)]
    words = [[] for _ in pairs]
    for i, w in zip(keep, decode(model, vocabs, [sources[i] for i in keep], beam=beam, alpha=alpha)):
        words[i] = w
    hyps, refs = [detokenize(w) for w in words], [en for _, en in pairs]
    return {"bleu": bleu(hyps, refs), "tokenized_bleu": tokenized_bleu(words, refs), "hypotheses": hyps}


# --- training -------------------------------------------------------------------------------------------------
def _pairs(split, limit):
    pairs = load_pairs(SPLIT_NAMES[split])
    return pairs if limit is None else pairs[:limit]


def train_translate(
    out_dir,
    *,
    embed=256,
    hidden=512,
    layers=1,
    bidirectional=True,
    reverse_source=True,
    feed_context=True,
    context="mean",
    epochs=12,
    batch=64,
    lr=2e-3,
    lr_decay=0.7,
    decay_from=7,
    dropout=0.3,
    label_smoothing=0.1,
    clip=1.0,
    min_freq=2,
    beam=5,
    alpha=1.0,
    recurrent_init="orthogonal",
    patience=None,
    seed=0,
    limit=None,
    max_minutes=26.0,
    resume=False,
    force=False,
    progress=False,
    verbose=True,
) -> dict:
    """Train and save a run in ``out_dir``; returns the summary (val/test perplexity, test BLEU greedy and beam).

    The learning rate is ``lr`` for the first ``decay_from`` epochs, then multiplied by ``lr_decay`` each epoch.
    Training stops after the epoch that passes ``max_minutes`` (None: no limit); with the defaults the run then
    ends within 30 minutes on a 2-core machine.
    ``limit`` keeps the first N pairs of every split (a smoke run). ``out_dir`` must be absent or empty unless
    ``force`` (the old run is moved aside) or ``resume`` (continue the run there with its own options; see the
    module).
    """
    return train_run("translate", train_translate, _train, locals(), lambda o: check_options(o, kinds_of(OPTIONS)))


# the command line's options, in the order --help lists them; their defaults are train_translate's
OPTIONS = signature_options(
    train_translate,
    {
        "embed": Option("word embedding size (both languages)", kind="count"),
        "hidden": Option("hidden units of each RNN (per direction)", kind="count"),
        "layers": Option("stacked layers of each RNN", kind="count"),
        "epochs": Option("passes over the training pairs", kind="count"),
        "batch": Option("sentence pairs per update", kind="count"),
        "lr": Option("Adam's learning rate for the first --decay-from epochs", kind="positive"),
        "lr_decay": Option("the learning rate's factor per epoch after --decay-from", kind="rate"),
        "decay_from": Option("epochs at the full rate", kind="natural"),
        "dropout": Option("dropout probability on embeddings and outputs", kind="fraction"),
        "label_smoothing": Option("mass spread over all words", kind="fraction"),
        "clip": Option("gradient-norm clipping", off=0, kind="positive?"),
        "min_freq": Option("rarer training words -> <unk>", kind="count"),
        "beam": Option("beam width of the final test decoding", kind="count"),
        "alpha": Option("beam search's length normalisation exponent", kind="non-negative"),
        "bidirectional": Option("a bidirectional encoder, bridged to the decoder"),
        "reverse_source": Option("read each German sentence backwards"),
        "feed_context": Option("the encoder's summary as an input at every decoder step"),
        "context": Option(
            "what --feed-context feeds: the decoder's initial state (final) or the mean of the encoder's "
            "outputs over the sentence (mean)",
            choices=CONTEXTS,
        ),
        "recurrent_init": Option("initial W_hh of both RNNs: orthogonal, or torch's uniform", choices=RECURRENT_INITS),
        "patience": Option("stop after this many epochs without a better BLEU", type=int, kind="count?"),
        "max_minutes": Option(
            "stop after the epoch that passes this many minutes of training (the default run then "
            "ends within 30 minutes on the 2-core machine)",
            kind="positive?",
        ),
        "limit": Option("use the first N pairs of each split", type=int, kind="count?"),
        "seed": Option("seed of the initial weights, the batch order and dropout", kind="natural"),
    },
)


def _train(
    out,
    options,
    *,
    embed,
    hidden,
    layers,
    bidirectional,
    reverse_source,
    feed_context,
    context,
    epochs,
    batch,
    lr,
    lr_decay,
    decay_from,
    dropout,
    label_smoothing,
    clip,
    min_freq,
    beam,
    alpha,
    recurrent_init,
    patience,
    seed,
    limit,
    max_minutes,
    resume,
    progress,
    verbose,
) -> dict:
    splits = {s: _pairs(s, limit) for s in ("train", "val", "test")}
    require_rows("multi30k", splits)
    vocabs = build_vocabs(splits["train"], min_freq=min_freq)
    data = {s: encode_pairs(vocabs, p) for s, p in splits.items()}
    for s, (src, _) in data.items():  # an empty source sentence cannot be read by the encoder
        if any(len(x) == 0 for x in src):
            raise InvalidInput(
                f"multi30k {s}: expected a non-empty German sentence on every line; check the data "
                "with `elman data verify multi30k`"
            )
    rng = np.random.default_rng(seed)
    model = Seq2Seq(
        len(vocabs.source),
        len(vocabs.target),
        embed,
        hidden,
        layers,
        bidirectional,
        reverse_source,
        feed_context,
        dropout,
        vocabs.target.pad_id,
        vocabs.target.bos_id,
        vocabs.target.eos_id,
        context,
        rng=rng,
        recurrent_init=recurrent_init,
    )
    train_cfg = dict(
        epochs=epochs,
        batch=batch,
        lr=lr,
        lr_decay=lr_decay,
        decay_from=decay_from,
        label_smoothing=label_smoothing,
        clip=clip,
        min_freq=min_freq,
        beam=beam,
        alpha=alpha,
        recurrent_init=recurrent_init,
        patience=patience,
        seed=seed,
        limit=limit,
        max_minutes=max_minutes,
    )
    config = {"task": "translate", "model": model.config(), "train": train_cfg, "options": options}
    vocabs.target.save(out / "vocab.json")
    vocabs.source.save(out / "source_vocab.json")
    write_json(out / "config.json", config)
    optimizer = Adam(model.params, lr=lr)
    src, tgt = data["train"]
    lengths = np.array([len(t) for t in tgt])

    def batches(epoch, brng):
        optimizer.lr = lr * lr_decay ** max(0, epoch - decay_from)
        for idx in bucket_batches(lengths, batch, brng):
            yield batch_of(src, tgt, idx)

    def loss_fn(logits, targets):
        return cross_entropy(logits, targets, label_smoothing=label_smoothing)

    def evaluate(m):
        nll = nll_per_token(m, *data["val"])
        return {"val_bleu": score(m, vocabs, splits["val"])["bleu"], "val_ppl": math.exp(nll), "lr": optimizer.lr}

    summary = fit(
        model,
        batches,
        loss_fn,
        evaluate,
        optimizer=optimizer,
        epochs=epochs,
        out_dir=out,
        metric="val_bleu",
        clip=clip,
        patience=patience,
        seed=seed,
        progress=progress,
        max_minutes=max_minutes,
        resume=resume,
    )
    if verbose:
        print(f"translate: best epoch {summary['best_epoch']} {summary['best']}", file=sys.stderr)
    result = {
        "task": "translate",
        "pairs": {s: len(p) for s, p in splits.items()},
        "vocab": {"de": len(vocabs.source), "en": len(vocabs.target)},
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "train_seconds": summary["seconds"],
    }
    result.update(evaluate_model(model, vocabs, splits, beam=beam, alpha=alpha))
    write_json(out / "summary.json", result)
    return result


def evaluate_model(model, vocabs: Vocabs, splits: dict, *, beam=5, alpha=1.0, examples=5) -> dict:
    """Perplexity on val and test, test BLEU greedy and with ``beam``, the first ``examples`` test translations."""
    result = {f"{s}_ppl": math.exp(nll_per_token(model, *encode_pairs(vocabs, splits[s]))) for s in ("val", "test")}
    greedy = score(model, vocabs, splits["test"])
    beamed = score(model, vocabs, splits["test"], beam=beam, alpha=alpha)
    result.update(
        test_bleu_greedy=greedy["bleu"],
        test_bleu_beam=beamed["bleu"],
        test_tokenized_bleu_greedy=greedy["tokenized_bleu"],
        test_tokenized_bleu_beam=beamed["tokenized_bleu"],
        beam=beam,
        alpha=alpha,
        bleu_signature=bleu_signature(),
        examples=[
            {"de": de, "en": en, "greedy": g, "beam": b}
            for (de, en), g, b in zip(splits["test"][:examples], greedy["hypotheses"], beamed["hypotheses"])
        ],
    )
    return result


def load_translate_run(run_dir):
    """(model, vocabs, config) of a finished translate run."""
    run, config = open_run(run_dir, "translate")
    if not (run / "source_vocab.json").exists():
        raise MissingFile(f"{run} is not a complete translate run: expected source_vocab.json, missing it")
    vocabs = Vocabs(Vocab.load(run / "source_vocab.json"), Vocab.load(run / "vocab.json"))
    model = load_model(run / "model.safetensors", Seq2Seq(**config["model"]))
    return model, vocabs, config


def evaluate_translate(run_dir, split="test", *, beam=None, examples=5) -> dict:
    """Perplexity, BLEU (greedy and beam) and example translations of a saved run on ``split`` (test: 2016)."""
    model, vocabs, config = load_translate_run(run_dir)
    train = config["train"]
    beam = train.get("beam", 5) if beam is None else beam
    pairs = _pairs(split, train.get("limit"))
    sources, targets = encode_pairs(vocabs, pairs)
    greedy = score(model, vocabs, pairs)
    beamed = score(model, vocabs, pairs, beam=beam, alpha=train.get("alpha", 1.0))
    return {
        "task": "translate",
        "split": SPLIT_NAMES[split],
        "pairs": len(pairs),
        "ppl": math.exp(nll_per_token(model, sources, targets)),
        "bleu_greedy": greedy["bleu"],
        "bleu_beam": beamed["bleu"],
        "tokenized_bleu_greedy": greedy["tokenized_bleu"],
        "tokenized_bleu_beam": beamed["tokenized_bleu"],
        "beam": beam,
        "bleu_signature": bleu_signature(),
        "examples": [
            {"de": de, "en": en, "greedy": g, "beam": b}
            for (de, en), g, b in zip(pairs[:examples], greedy["hypotheses"], beamed["hypotheses"])
        ],
    }


def add_translate_arguments(parser) -> None:
    add_options(parser, OPTIONS)
    add_common_arguments(parser, "runs/translate")


def run_translate(args) -> int:
    apply_quick(args, {**QUICK, "limit": args.limit or QUICK["limit"]})  # a --limit given is the smoke slice
    result = train_with(train_translate, OPTIONS, args)
    examples = result.pop("examples")
    print(json.dumps(result, ensure_ascii=False))
    print(format_examples(examples))
    return 0


def format_examples(examples) -> str:
    """Example translations as text: the German source, the reference and both decodings."""
    return "\n".join(f"de: {e['de']}\nen: {e['en']}\n  greedy: {e['greedy']}\n  beam:   {e['beam']}" for e in examples)
