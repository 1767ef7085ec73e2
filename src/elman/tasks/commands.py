"""``elman train sentiment|names|caption|pos|translate|series``, ``elman eval RUN_DIR``, ``elman generate names``:
the tasks' CLI hooks."""

from __future__ import annotations

import importlib
import json

from elman.errors import RunError
from elman.tasks.runs import LM, read_run, run_task

# task -> (module, its train sub-command's help); each module has add_TASK_arguments(parser) and run_TASK(args)
TRAINERS = {
    "sentiment": ("elman.tasks.sentiment", "an RNN sentence classifier on SST-2 / SST-5 / MR"),
    "pos": ("elman.tasks.pos", "an RNN part-of-speech tagger on UD English-EWT (17 UPOS tags)"),
    "names": ("elman.tasks.names", "a language-conditioned character RNN over surnames"),
    "translate": ("elman.tasks.translate", "a tanh-RNN encoder-decoder, German→English (Multi30k)"),
    "caption": ("elman.tasks.caption", "an image-to-sequence RNN spelling 8x8 digits' names"),
    "series": ("elman.tasks.series", "an RNN regressor on sunspots or a stock, beside persistence"),
}


def add_task_parsers(train_subparsers) -> None:
    """Add the tasks' ``train`` sub-commands (``elman.cli`` calls it beside ``elman train lm``)."""
    for task, (module_name, help_) in TRAINERS.items():
        module = importlib.import_module(module_name)
        parser = train_subparsers.add_parser(task, help=help_)
        getattr(module, f"add_{task}_arguments")(parser)
        parser.set_defaults(run=getattr(module, f"run_{task}"))


# task -> (module, its evaluate(run_dir, split) -> dict, the key of a part printed as text, and its formatter)
EVALUATORS = {
    "sentiment": ("elman.tasks.sentiment", "evaluate_sentiment", "probes", "format_probes"),
    "pos": ("elman.tasks.pos", "evaluate_pos", "confusions", "format_confusions"),
    "names": ("elman.tasks.names", "evaluate_names", None, None),
    "translate": ("elman.tasks.translate", "evaluate_translate", "examples", "format_examples"),
    "caption": ("elman.tasks.caption", "evaluate_caption", None, None),
    "series": ("elman.tasks.series", "evaluate_series", None, None),
}


def run_eval(args) -> int:
    """Evaluate RUN_DIR with the task recorded in its config.json (``"task"``; older sentiment runs have none):
    the scores as one JSON line, then the task's table (probes, confusions, examples) as text."""
    run, config = read_run(args.run_dir)
    task = run_task(config)
    if task == LM:
        raise RunError(
            f"{run} is a language-model run, which elman eval does not score: sample from it with `elman sample {run}`"
        )
    if task not in EVALUATORS:
        what = (
            f"{run}/config.json does not say which task wrote it"
            if task is None
            else f"{run} is a run of {task!r}, which elman eval does not score"
        )
        raise RunError(f"{what}; elman eval scores runs of {', '.join(EVALUATORS)}")
    module_name, evaluate, part, formatter = EVALUATORS[task]
    module = importlib.import_module(module_name)
    result = getattr(module, evaluate)(run, args.split)
    details = result.pop(part, None) if part else None
    print(json.dumps(result, ensure_ascii=False))
    if details:
        print(getattr(module, formatter)(details))
    return 0


def _run_generate_names(args) -> int:
    from elman.tasks.names import run_names_generate

    return run_names_generate(args)


def register_generate(commands) -> None:
    """Add ``generate names`` (samples from a trained names run)."""
    gen = commands.add_parser("generate", help="sample from a trained task run").add_subparsers(
        dest="generate_task", metavar="TASK", required=True
    )
    names = gen.add_parser("names", help="surnames of a language from a names run")
    names.add_argument("--language", required=True, help="one of the run's 18 languages, e.g. Russian")
    names.add_argument("--count", type=int, default=10, help="how many names to draw")
    names.add_argument("--seed", type=int, default=0, help="seed of the random draws")
    names.add_argument(
        "--run", dest="run_dir", default="runs/names", metavar="RUN_DIR", help="the --out folder of `elman train names`"
    )
    names.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        help="divides the logits: below 1 sharper, above 1 flatter, 0 always the likeliest letter",
    )
    names.add_argument("--max-len", type=int, default=20, help="the longest name, in characters")
    names.set_defaults(run=_run_generate_names)


def register(commands) -> None:
    """Add ``eval`` and ``generate`` (the tasks' ``train`` sub-commands come through ``add_task_parsers``)."""
    register_generate(commands)
    ev = commands.add_parser(
        "eval", help="evaluate a trained task run (sentiment, names, caption, pos, translate, series)"
    )
    ev.add_argument("run_dir", metavar="RUN_DIR", help="the --out folder of `elman train TASK`")
    ev.add_argument("--split", choices=("train", "dev", "test"), default="test", help="the data split to score")
    ev.set_defaults(run=run_eval)
