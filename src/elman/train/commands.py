"""``elman train lm`` and ``elman sample``: the character language model from the command line."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from elman.data.text import Vocab, char_tokenize
from elman.io.checkpoint import load_model
from elman.models.language_model import LanguageModel, generate
from elman.train.loop import NONFINITE, OPTIMIZERS, LMTrainer, TrainConfig
from elman.train.schedules import SCHEDULES

MODEL_KEYS = ("vocab_size", "embed_dim", "hidden_size", "num_layers", "dropout", "nonlinearity", "dtype")


def _load_text(source: str) -> str:
    """A local UTF-8 file, or else a registered dataset's text."""
    if Path(source).is_file():
        return Path(source).read_text(encoding="utf-8")
    from elman.data.sources import open_text

    return open_text(source)


def _boundary_id(vocab: Vocab, boundary: str | None) -> int | None:
    if boundary is None:
        return None
    if len(boundary) != 1 or boundary not in vocab:
        raise SystemExit(f"elman: --boundary must be one character of the text, got {boundary!r}")
    return int(vocab.encode([boundary])[0])


def _train_lm(args) -> int:
    out = Path(args.out)
    config_path = out / "config.json"
    if args.resume:
        if not config_path.exists():
            print(f"elman: nothing to resume in {out} (no config.json)", file=sys.stderr)
            return 2
        saved = json.loads(config_path.read_text())
        overrides = {k: v for k, v in (("max_steps", args.steps), ("max_minutes", args.max_minutes),
                                        ("max_epochs", args.epochs)) if v is not None}
        train_config = TrainConfig(**{**saved["train"], **overrides, "progress": not args.no_progress})
        model_config, data = saved["model"], saved["data"]
        vocab = Vocab.load(out / "vocab.json")
    else:
        data = {"source": args.text or args.data, "val_fraction": args.val_fraction}
        text = _load_text(data["source"])
        vocab = Vocab.build([char_tokenize(text)], specials=())
        train_config = TrainConfig(
            batch_size=args.batch, bptt=args.bptt, bptt_backward=args.bptt_backward, random_bptt=args.random_bptt,
            optimizer=args.optimizer, lr=args.lr, weight_decay=args.weight_decay, schedule=args.schedule,
            clip=args.clip if args.clip > 0 else None, clip_mode=args.clip_mode, max_steps=args.steps,
            max_minutes=args.max_minutes, max_epochs=args.epochs, eval_every=args.eval_every,
            checkpoint_every=args.checkpoint_every, patience=args.patience, nonfinite=args.nonfinite, seed=args.seed,
            progress=not args.no_progress, boundary_token=_boundary_id(vocab, args.boundary))
        model_config = dict(vocab_size=len(vocab), embed_dim=args.embed, hidden_size=args.hidden,
                            num_layers=args.layers, dropout=args.dropout, nonlinearity=args.nonlinearity,
                            dtype=args.dtype)
        out.mkdir(parents=True, exist_ok=True)
        vocab.save(out / "vocab.json")
        config_path.write_text(json.dumps({"model": model_config, "train": dataclasses.asdict(train_config),
                                           "data": data}, indent=2))
    if args.resume:
        text = _load_text(data["source"])
    ids = vocab.encode(char_tokenize(text))
    n_val = int(len(ids) * data["val_fraction"])
    train_ids, val_ids = ids[: len(ids) - n_val], (ids[len(ids) - n_val:] if n_val > 1 else None)
    model = LanguageModel(**{k: model_config[k] for k in MODEL_KEYS if k != "dtype"}, dtype=model_config["dtype"],
                          rng=np.random.default_rng(np.random.SeedSequence(train_config.seed).spawn(1)[0]))
    trainer = LMTrainer(model, train_ids, val_ids, train_config, out, resume=args.resume)
    summary = trainer.run()
    print(json.dumps(summary))
    return 0


def load_run(run_dir) -> tuple[LanguageModel, Vocab]:
    """The model (best validation weights) and vocabulary saved by ``elman train lm``."""
    run = Path(run_dir)
    missing = [name for name in ("config.json", "vocab.json", "model.safetensors") if not (run / name).exists()]
    if missing:
        raise FileNotFoundError(f"{run} is not a finished language-model run: missing {', '.join(missing)}")
    config = json.loads((run / "config.json").read_text())["model"]
    model = LanguageModel(**{k: config[k] for k in MODEL_KEYS if k != "dtype"}, dtype=config["dtype"])
    return load_model(run / "model.safetensors", model), Vocab.load(run / "vocab.json")


def _sample(args) -> int:
    model, vocab = load_run(args.run_dir)
    unknown = sorted({c for c in args.prime if c not in vocab})
    if unknown or not args.prime:
        print(f"elman: the prime must be non-empty text in the model's vocabulary; unknown characters: {unknown}",
              file=sys.stderr)
        return 2
    ids = generate(model, vocab.encode(char_tokenize(args.prime)), args.length, temperature=args.temperature,
                   top_k=args.top_k, rng=np.random.default_rng(args.seed))
    print(args.prime + "".join(vocab.decode(ids)))
    return 0


def register(commands) -> None:
    train = commands.add_parser("train", help="train a model").add_subparsers(dest="task", metavar="TASK",
                                                                               required=True)
    from elman.tasks.commands import add_task_parsers

    add_task_parsers(train)
    lm = train.add_parser("lm", help="a character language model with truncated BPTT")
    source = lm.add_mutually_exclusive_group()
    source.add_argument("--data", default="tinyshakespeare", help="a registered dataset (default tinyshakespeare)")
    source.add_argument("--text", help="train on a local UTF-8 text file instead")
    lm.add_argument("--val-fraction", type=float, default=0.1, help="the last part of the text kept for validation")
    lm.add_argument("--embed", type=int, default=64)
    lm.add_argument("--hidden", type=int, default=512)
    lm.add_argument("--layers", type=int, default=2)
    lm.add_argument("--dropout", type=float, default=0.0)
    lm.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh")
    lm.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    lm.add_argument("--bptt", type=int, default=100, help="k1: new tokens per update")
    lm.add_argument("--bptt-backward", type=int, default=None, help="k2 >= k1: steps backpropagated")
    lm.add_argument("--random-bptt", action="store_true", help="draw the window length per update around --bptt")
    lm.add_argument("--boundary", default=None,
                    help="a character that ends a sequence (e.g. a newline for a list of names): the state "
                         "restarts from zero after it")
    lm.add_argument("--batch", type=int, default=64)
    lm.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="adam")
    lm.add_argument("--lr", type=float, default=2e-3)
    lm.add_argument("--weight-decay", type=float, default=0.0)
    lm.add_argument("--schedule", choices=SCHEDULES, default="constant")
    lm.add_argument("--clip", type=float, default=5.0, help="gradient clipping threshold (0: none)")
    lm.add_argument("--clip-mode", choices=("norm", "value"), default="norm")
    lm.add_argument("--steps", type=int, default=None, help="stop after this many updates")
    lm.add_argument("--max-minutes", type=float, default=None, help="stop after this much training time")
    lm.add_argument("--epochs", type=int, default=None)
    lm.add_argument("--eval-every", type=int, default=200)
    lm.add_argument("--checkpoint-every", type=int, default=500)
    lm.add_argument("--patience", type=int, default=None, help="early stopping after this many worse evaluations")
    lm.add_argument("--nonfinite", choices=NONFINITE, default="skip",
                    help="on a non-finite loss or gradient: skip the update, stop, or shrink (Pascanu et al. 2013)")
    lm.add_argument("--seed", type=int, default=0)
    lm.add_argument("--out", default="runs/lm")
    lm.add_argument("--resume", action="store_true", help="continue the run in --out exactly where it stopped")
    lm.add_argument("--no-progress", action="store_true")
    lm.set_defaults(run=_train_lm)

    sample = commands.add_parser("sample", help="generate text from a trained language model")
    sample.add_argument("run_dir", metavar="RUN", help="the --out directory of `elman train lm`")
    sample.add_argument("--prime", default="\n")
    sample.add_argument("--length", type=int, default=500)
    sample.add_argument("--temperature", type=float, default=0.8, help="0: greedy")
    sample.add_argument("--top-k", type=int, default=0, help="sample among the k most likely (0: all)")
    sample.add_argument("--seed", type=int, default=0)
    sample.set_defaults(run=_sample)
