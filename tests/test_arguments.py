"""Command-line options generated from the library's defaults: the CLI writes none of its own."""

import argparse
import dataclasses
import importlib
import inspect

import pytest

from elman.arguments import Option, add_options, dataclass_options, flag, read_options, signature_options
from elman.cli import build_parser
from elman.errors import InvalidInput
from elman.models.language_model import LanguageModel
from elman.tasks.options import check_options, kinds_of
from elman.train.commands import MODEL_OPTIONS, TRAIN_OPTIONS
from elman.train.config import TrainConfig


def parse(*argv):
    return build_parser().parse_args(["train", "lm", *argv])


def test_train_lm_defaults_are_train_configs_and_the_models():
    args = parse()
    assert TrainConfig(**read_options(args, TRAIN_OPTIONS)) == TrainConfig()
    model_defaults = {
        name: p.default for name, p in inspect.signature(LanguageModel).parameters.items() if name in MODEL_OPTIONS
    }
    assert read_options(args, MODEL_OPTIONS) == model_defaults


def test_every_train_config_field_but_the_boundary_token_is_an_option():
    # --boundary is a character of the text, turned into a token id once the vocabulary is known
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert fields - set(TRAIN_OPTIONS) == {"boundary_token"}


def test_options_reach_their_fields_under_their_flags():
    args = parse(
        "--batch",
        "7",
        "--steps",
        "30",
        "--epochs",
        "2",
        "--hidden",
        "16",
        "--embed",
        "4",
        "--layers",
        "1",
        "--clip",
        "0",
        "--no-progress",
        "--schedule",
        "cosine",
        "--bptt-backward",
        "140",
    )
    config = TrainConfig(**read_options(args, TRAIN_OPTIONS))
    assert (config.batch_size, config.max_steps, config.max_epochs, config.clip, config.progress) == (
        7,
        30,
        2,
        None,
        False,
    )
    assert config.schedule == "cosine" and config.bptt_backward == 140
    assert read_options(args, MODEL_OPTIONS) | {"vocab_size": 5} == LanguageModel(
        5, **read_options(args, MODEL_OPTIONS)
    ).config() | {"vocab_size": 5}


def test_a_choice_outside_the_library_s_list_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse("--optimizer", "adamax")
    assert "invalid choice: 'adamax'" in capsys.readouterr().err


def test_booleans_none_defaults_and_off_values():
    @dataclasses.dataclass
    class Config:
        on: bool = dataclasses.field(default=True, metadata={"option": Option("on")})
        off: bool = dataclasses.field(default=False, metadata={"option": Option("off")})
        limit: int | None = dataclasses.field(default=None, metadata={"option": Option("a limit", type=int)})
        clip: float | None = dataclasses.field(default=1.0, metadata={"option": Option("clip", off=0)})
        hidden: int = 3  # no option: not on the command line

    parser = argparse.ArgumentParser()
    options = dataclass_options(Config)
    add_options(parser, options)
    assert read_options(parser.parse_args([]), options) == {"on": True, "off": False, "limit": None, "clip": 1.0}
    assert read_options(parser.parse_args(["--no-on", "--off", "--limit", "4", "--clip", "0"]), options) == {
        "on": False,
        "off": True,
        "limit": 4,
        "clip": None,
    }
    with pytest.raises(SystemExit):
        parser.parse_args(["--hidden", "4"])


def test_a_default_of_none_needs_a_type_and_a_missing_parameter_is_named():
    def train(*, limit=None, hidden=8):
        return limit, hidden

    with pytest.raises(TypeError, match="no type"):
        add_options(argparse.ArgumentParser(), signature_options(train, {"limit": Option("a limit")}))
    with pytest.raises(TypeError, match="'depth'"):
        signature_options(train, {"depth": Option("layers")})
    options = signature_options(train, {"hidden": Option("units")})
    parser = argparse.ArgumentParser()
    add_options(parser, options)
    assert train(**read_options(parser.parse_args(["--hidden", "5"]), options)) == (None, 5)


# the tasks' train commands: options from the train_<task> signatures; the parameters no option reaches
TASKS = {
    "sentiment": {"source"},
    "pos": {"lower", "source"},
    "names": set(),
    "translate": set(),
    "caption": set(),
    "series": set(),
}
CONTROLS = {"resume", "force", "progress", "verbose"}  # set by --resume, --force, --progress, or by no one


def task_api(task):
    module = importlib.import_module(f"elman.tasks.{task}")
    return module, getattr(module, f"train_{task}"), getattr(module, f"run_{task}")


def keyword_defaults(train) -> dict:
    return {name: p.default for name, p in inspect.signature(train).parameters.items() if p.kind is p.KEYWORD_ONLY}


@pytest.mark.parametrize("task", TASKS)
def test_a_task_s_defaults_are_its_train_function_s(task):
    module, train, _ = task_api(task)
    args = build_parser().parse_args(["train", task])
    defaults = keyword_defaults(train)
    assert read_options(args, module.OPTIONS) == {name: defaults[name] for name in module.OPTIONS}
    assert set(defaults) - set(module.OPTIONS) == TASKS[task] | CONTROLS


@pytest.mark.parametrize("task", TASKS)
def test_a_task_s_clip_0_reaches_its_train_function_as_none(task, monkeypatch, tmp_path, capsys):
    module, train, run = task_api(task)
    calls = []

    def fake_train(out_dir, **kwargs):
        calls.append((out_dir, kwargs))
        return {"probes": [], "examples": [], "test_confusions": {"per_tag": {}, "confusions": []}}

    monkeypatch.setattr(module, f"train_{task}", fake_train)
    assert run(build_parser().parse_args(["train", task, "--clip", "0", "--out", str(tmp_path), "--progress"])) == 0
    ((out, kwargs),) = calls
    expected = {name: value for name, value in keyword_defaults(train).items() if name in module.OPTIONS}
    assert out == str(tmp_path)
    assert kwargs == {**expected, "clip": None, "resume": False, "force": False, "progress": True}
    assert expected["clip"] is not None  # the default clips: 0 is what turned it off


def test_sentiment_s_no_bow_still_skips_the_bag_of_words():
    from elman.tasks.sentiment import OPTIONS

    assert read_options(build_parser().parse_args(["train", "sentiment", "--no-bow"]), OPTIONS)["bow"] is False
    assert read_options(build_parser().parse_args(["train", "sentiment"]), OPTIONS)["bow"] is True


def test_a_metavar_stands_in_for_the_choices(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "sentiment", "--help"])
    assert "--fold 0..9" in capsys.readouterr().out


def test_a_task_checks_every_option_that_is_not_a_switch_and_nothing_else():
    # each kind is written once, on its Option; a numeric option left without one would go unchecked. No task
    # checks a parameter that has no option (names' --cosine/--lr-decay clash is a check of its own, not a kind)
    for task in TASKS:
        module, _, _ = task_api(task)
        switches = {name for name, (default, _) in module.OPTIONS.items() if isinstance(default, bool)}
        assert set(kinds_of(module.OPTIONS)) == set(module.OPTIONS) - switches, task


@pytest.mark.parametrize("task", TASKS)
def test_a_task_s_library_call_refuses_a_bad_value_of_each_checked_option(task, tmp_path):
    module, train, _ = task_api(task)
    for name in kinds_of(module.OPTIONS):
        with pytest.raises(InvalidInput, match=f"^{flag(name)}: expected .*, got 'nope'$"):
            train(tmp_path / "run", **{name: "nope"})
    assert not (tmp_path / "run").exists()  # refused before the run folder is made


@pytest.mark.parametrize(
    "call, message",
    [
        # the messages the tasks gave when their kinds were a dict of their own
        (("series", {"window": 0}), "--window: expected an integer >= 1, got 0"),
        (("series", {"data": "weather"}), "--data: expected one of sunspots, stocks, got 'weather'"),
        (("sentiment", {"fold": 10}), "--fold: expected an integer from 0 to 9, got 10"),
        (("sentiment", {"clip": -1.0}), "--clip: expected a finite number > 0, got -1.0"),
        (("pos", {"word_dropout": 1.0}), "--word-dropout: expected a number in [0, 1), got 1.0"),
        (("names", {"lr_decay": 0}), "--lr-decay: expected a number in (0, 1], got 0"),
        (("translate", {"decay_from": -1}), "--decay-from: expected an integer >= 0, got -1"),
        (("caption", {"patience": 0}), "--patience: expected an integer >= 1, got 0"),
    ],
)
def test_a_kind_on_an_option_refuses_through_the_library_with_its_message(call, message, tmp_path):
    task, kwargs = call
    _, train, _ = task_api(task)
    with pytest.raises(InvalidInput) as err:
        train(tmp_path / "run", **kwargs)
    assert str(err.value) == message


def test_an_option_s_kind_choices_or_neither():
    def train(*, size=4, mode="a", fold=0, loud=False, cap=None):
        return size, mode, fold, loud, cap

    options = signature_options(
        train,
        {
            "size": Option("units", kind="count"),
            "mode": Option("mode", choices=("a", "b")),  # choices alone: one of them
            "fold": Option("fold", choices=range(3), kind=("0, 1 or 2", lambda v: v in range(3))),  # kind wins
            "loud": Option("say more"),  # a switch: no kind
            "cap": Option("a cap", type=float, kind="positive?"),
        },
    )
    kinds = kinds_of(options)
    assert list(kinds) == ["size", "mode", "fold", "cap"]
    check_options({"size": 1, "mode": "b", "fold": 2, "cap": None}, kinds)
    for bad, message in [
        ({"size": 0}, "--size: expected an integer >= 1, got 0"),
        ({"mode": "c"}, "--mode: expected one of a, b, got 'c'"),
        ({"fold": 3}, "--fold: expected 0, 1 or 2, got 3"),
        ({"cap": 0.0}, "--cap: expected a finite number > 0, got 0.0"),
    ]:
        with pytest.raises(InvalidInput) as err:
            check_options({"size": 1, "mode": "a", "fold": 0, "cap": None, **bad}, kinds)
        assert str(err.value) == message
    with pytest.raises(TypeError, match="'cuont'"):
        kinds_of(signature_options(train, {"size": Option("units", kind="cuont")}))
