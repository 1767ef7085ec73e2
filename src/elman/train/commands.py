"""``elman train lm`` and ``elman sample``: the character language model from the command line.

A run directory (``--out``) holds config.json (``"task": "lm"``), vocab.json, checkpoint.safetensors (from
step 0 on), metrics.jsonl and, from the first evaluation, model.safetensors (the best validation weights).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from elman.arguments import Option, add_options, dataclass_options, read_options, signature_options
from elman.data.text import Vocab, char_tokenize
from elman.errors import CheckpointError, Interrupted, InvalidInput, MissingFile, RunError
from elman.io.checkpoint import load_model
from elman.models.language_model import LanguageModel, generate
from elman.nn.rnn_step import NONLINEARITIES
from elman.train.config import TrainConfig
from elman.train.log import write_text_atomically
from elman.train.loop import CHECKPOINT, LMTrainer
from elman.train.rundir import LM, add_run_arguments, prepare_run_dir, read_run, run_task

# the model's options: their defaults are LanguageModel's
MODEL_OPTIONS = signature_options(
    LanguageModel,
    {
        "embed_dim": Option("size of the character embeddings", flag="embed"),
        "hidden_size": Option("hidden units per RNN layer", flag="hidden"),
        "num_layers": Option("stacked RNN layers", flag="layers"),
        "dropout": Option("dropout between RNN layers"),
        "nonlinearity": Option("the RNN's activation", choices=NONLINEARITIES),
        "dtype": Option("floating-point precision", choices=("float32", "float64")),
    },
)
TRAIN_OPTIONS = dataclass_options(TrainConfig)  # every TrainConfig field that carries an option
# what a resumed run may change (a new total, a new time budget, a new patience)
RESUMABLE = ("max_steps", "max_minutes", "max_epochs", "patience")
# --quick: a smoke run of seconds (a tiny model on the first 20,000 characters)
QUICK = dict(
    embed_dim=16,
    hidden_size=32,
    num_layers=1,
    batch_size=16,
    bptt=32,
    max_steps=60,
    max_epochs=None,
    max_minutes=None,
    eval_every=30,
    checkpoint_every=30,
    limit=20_000,
)


def resume_overrides(args) -> dict:
    """The RESUMABLE options given on the command line (a None is one not given)."""
    return {name: getattr(args, name) for name in RESUMABLE if getattr(args, name) is not None}


def resume_again(overrides: dict) -> str:
    """The options to repeat when continuing an interrupted run: `` --steps 500`` and the like."""
    return "".join(f" {TRAIN_OPTIONS[name][1].name_of(name)} {value}" for name, value in overrides.items())


def _load_text(data: dict) -> str:
    """The text a run trains on: a local UTF-8 file or a registered dataset, cut to ``data["limit"]`` characters."""
    source = data["source"]
    from_file = data.get("kind", "text" if Path(source).is_file() else "dataset") == "text"
    if from_file and not Path(source).is_file():
        raise MissingFile(f"--text {source}: no such file; expected a UTF-8 text file to train on")
    try:
        if from_file:
            text = Path(source).read_text(encoding="utf-8")
        else:
            from elman.data.sources import open_text

            text = open_text(source)
    except UnicodeDecodeError as err:
        raise InvalidInput(
            f"{source} is not UTF-8 text (byte {err.object[err.start : err.start + 1]!r} at offset "
            f"{err.start}): expected a UTF-8 text file"
        ) from None
    text = text[: data.get("limit")]
    if not text:
        raise InvalidInput(f"{source} holds no text: expected UTF-8 text to train on")
    return text


def _split_ids(vocab: Vocab, text: str, data: dict, batch: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(training ids, validation ids or None): the last ``val_fraction`` of the text is kept for validation."""
    ids = vocab.encode(char_tokenize(text))
    n_val = int(len(ids) * data["val_fraction"])
    train_ids, val_ids = ids[: len(ids) - n_val], (ids[len(ids) - n_val :] if n_val > 1 else None)
    if len(train_ids) // batch < 2:
        raise InvalidInput(
            f"{data['source']} leaves {len(train_ids)} characters for training; --batch {batch} needs "
            f"at least {2 * batch} (two per stream): give a longer text or a smaller --batch"
        )
    return train_ids, val_ids


def _boundary_id(vocab: Vocab, boundary: str | None) -> int | None:
    if boundary is None:
        return None
    if len(boundary) != 1 or boundary not in vocab:
        raise InvalidInput(f"--boundary must be one character of the text, got {boundary!r}")
    return int(vocab.encode([boundary])[0])


def _lm_config(run: Path, other_task_hint: Callable[[str], str]) -> dict:
    """config.json of the language-model run in ``run``; RunError if it is damaged or of another task, with
    ``other_task_hint(task)`` saying what to do then."""
    _, config = read_run(run, LM)
    task = run_task(config)  # "lm" also for the runs of `elman train lm` written before the field
    if task is None:
        raise RunError(f"{run / 'config.json'} names no task elman knows: expected the config of a language-model run")
    if task != LM:
        raise RunError(f"{run} holds a {task} run, not a language-model run: {other_task_hint(task)}")
    return config


def open_lm_run(run_dir) -> tuple[dict, Vocab, np.ndarray, np.ndarray | None]:
    """(config, vocabulary, training ids, validation ids) of the language-model run in ``run_dir``, read as
    ``elman train lm --resume`` reads them; other engines (``elman.torch.train_lm``) continue a run from here."""
    run = Path(run_dir)
    if not (run / "config.json").is_file():
        raise MissingFile(f"{run} holds no config.json: expected the --out directory of `elman train lm`")
    config = _lm_config(
        run,
        lambda task: (
            f"only runs of `elman train lm` can be continued here; continue this one "
            f"with `elman train {task} --out {run} --resume`"
        ),
    )
    vocab = _run_vocab(run, config)
    train_ids, val_ids = _split_ids(vocab, _load_text(config["data"]), config["data"], config["train"]["batch_size"])
    return config, vocab, train_ids, val_ids


def _run_vocab(run: Path, config: dict) -> Vocab:
    """The run's vocabulary, checked against its model (a vocab.json of another run is refused)."""
    vocab = Vocab.load(run / "vocab.json")
    if len(vocab) != config["model"]["vocab_size"]:
        raise RunError(
            f"{run}/vocab.json holds {len(vocab)} tokens but the model in config.json reads "
            f"{config['model']['vocab_size']}: the vocabulary is not this run's"
        )
    return vocab


def _resume_hint(task: str, out: Path) -> str:
    return f"continue it with `elman train {task} --out {out} --resume`, or give `elman train lm` another --out"


def _nothing_left(trainer: LMTrainer, reason: str, out: Path) -> str:
    cfg, where = trainer.cfg, f"nothing to train: the run in {out}"
    if reason == "max_steps":
        return f"{where} is already at step {trainer.step} of --steps {cfg.max_steps}; pass a larger --steps"
    if reason == "max_epochs":
        return f"{where} has read its --epochs {cfg.max_epochs} epochs; pass a larger --epochs"
    if reason == "early_stopping":
        return f"{where} stopped early after {cfg.patience} evaluations without a new best; pass a larger --patience"
    return f"--max-minutes {cfg.max_minutes} leaves no time to train the run in {out}"


def _train_lm(args) -> int:
    out = Path(args.out)
    overrides = {}
    if args.resume:
        prepare_run_dir(out, resume=True)
        saved = _lm_config(out, lambda task: _resume_hint(task, out))
        overrides = resume_overrides(args)
        train_config = TrainConfig(**{**saved["train"], **overrides, "progress": args.progress})
        model_config, data = saved["model"], saved["data"]
        vocab = _run_vocab(out, saved)
        text = _load_text(data)
    else:
        if args.quick:
            vars(args).update(QUICK)
        if not 0 <= args.val_fraction < 1:
            raise InvalidInput(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
        data = {
            "source": args.text or args.data,
            "kind": "text" if args.text else "dataset",
            "val_fraction": args.val_fraction,
            "limit": getattr(args, "limit", None),
        }
        text = _load_text(data)
        vocab = Vocab.build([char_tokenize(text)], specials=())
        boundary = _boundary_id(vocab, args.boundary)
        train_config = TrainConfig(**read_options(args, TRAIN_OPTIONS), boundary_token=boundary)
        model_config = {"vocab_size": len(vocab), **read_options(args, MODEL_OPTIONS)}
    train_ids, val_ids = _split_ids(vocab, text, data, train_config.batch_size)
    seed = np.random.SeedSequence(train_config.seed).spawn(1)[0]  # the model's own stream, apart from the trainer's
    model = LanguageModel(**model_config, rng=np.random.default_rng(seed))
    trainer = LMTrainer(model, train_ids, val_ids, train_config, out)
    if not args.resume:  # everything is checked: now the run directory may change
        prepare_run_dir(out, force=args.force)
        vocab.save(out / "vocab.json")
        write_text_atomically(
            out / "config.json",
            json.dumps(
                {"task": LM, "model": model.config(), "train": dataclasses.asdict(train_config), "data": data}, indent=2
            ),
        )
    elif (out / CHECKPOINT).is_file():
        try:
            trainer.restore(out / CHECKPOINT)
        except CheckpointError as err:
            raise CheckpointError(
                f"cannot resume: {err}; start the run again with `elman train lm --out {out} "
                f"--force` (the damaged run is moved aside)"
            ) from None
        if (reason := trainer.stop_reason()) is not None:
            print(f"elman: {_nothing_left(trainer, reason, out)}", file=sys.stderr)
            return 0
    else:
        print(
            f"elman: {out} holds no checkpoint (the run stopped before writing its first): starting it again "
            f"from step 0",
            file=sys.stderr,
        )
    try:
        summary = trainer.run()
    except Interrupted as err:
        raise Interrupted(
            f"{err}; continue with `elman train lm --out {out} --resume{resume_again(overrides)}`"
        ) from None
    print(json.dumps(summary))
    return 0


def load_run(run_dir) -> tuple[LanguageModel, Vocab]:
    """The model (best validation weights) and vocabulary saved by ``elman train lm``."""
    run = Path(run_dir)
    if not run.is_dir():
        raise MissingFile(f"{run}: no such run directory; expected the --out directory of `elman train lm`")

    def hint(task: str) -> str:
        also = " or `elman generate names`" if task == "names" else ""
        return f"`elman sample` reads the runs of `elman train lm`; use `elman eval {run}`{also} for this one"

    config = _lm_config(run, hint)["model"] if (run / "config.json").is_file() else None
    missing = [name for name in ("config.json", "vocab.json", "model.safetensors") if not (run / name).exists()]
    if missing:
        todo = (
            f"train it further with `elman train lm --out {run} --resume` (the model is saved at the first evaluation)"
            if (run / CHECKPOINT).is_file()
            else "train one with `elman train lm --out RUN`"
        )
        raise MissingFile(f"{run} is not a finished language-model run: missing {', '.join(missing)}; {todo}")
    model = LanguageModel(**config)
    return load_model(run / "model.safetensors", model), Vocab.load(run / "vocab.json")


def _sample(args) -> int:
    model, vocab = load_run(args.run_dir)
    unknown = sorted({c for c in args.prime if c not in vocab})
    if unknown or not args.prime:
        raise InvalidInput(f"the prime must be non-empty text in the model's vocabulary; unknown characters: {unknown}")
    ids = generate(
        model,
        vocab.encode(char_tokenize(args.prime)),
        args.length,
        temperature=args.temperature,
        top_k=args.top_k,
        rng=np.random.default_rng(args.seed),
    )
    print(args.prime + "".join(vocab.decode(ids)))
    return 0


def add_lm_parser(train_commands) -> None:
    """``elman train lm``: its model and training options come from LanguageModel and TrainConfig."""
    lm = train_commands.add_parser("lm", help="a character language model with truncated BPTT")
    source = lm.add_mutually_exclusive_group()
    source.add_argument("--data", default="tinyshakespeare", help="a registered dataset (see `elman data list`)")
    source.add_argument("--text", help="train on a local UTF-8 text file instead")
    lm.add_argument("--val-fraction", type=float, default=0.1, help="the last part of the text kept for validation")
    add_options(lm, MODEL_OPTIONS)
    add_options(lm, TRAIN_OPTIONS)
    lm.add_argument(
        "--boundary",
        default=None,
        help="a character that ends a sequence (e.g. a newline for a list of names): the state "
        "restarts from zero after it",
    )
    add_run_arguments(lm, "runs/lm")
    lm.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run of seconds: a tiny model on the first 20,000 characters (overrides sizes, "
        "steps and the evaluation and checkpoint intervals)",
    )
    lm.set_defaults(run=_train_lm)


def add_sample_parser(commands) -> None:
    sample = commands.add_parser("sample", help="generate text from a trained language model")
    sample.add_argument("run_dir", metavar="RUN", help="the --out directory of `elman train lm`")
    sample.add_argument("--prime", default="\n", help="text the model reads before generating")
    sample.add_argument("--length", type=int, default=500, help="characters to generate")
    sample.add_argument(
        "--temperature",
        type=float,
        default=0.8,
        help="divides the logits: below 1 more likely characters, above 1 more varied; 0: greedy",
    )
    sample.add_argument("--top-k", type=int, default=0, help="sample among the k most likely (0: all)")
    sample.add_argument("--seed", type=int, default=0, help="seed of the sampling")
    sample.set_defaults(run=_sample)
