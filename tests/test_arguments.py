"""Command-line options generated from the library's defaults: the CLI writes none of its own."""

import argparse
import dataclasses
import importlib
import inspect

import pytest

from elman.arguments import Option, add_options, dataclass_options, read_options, signature_options
from elman.cli import build_parser
from elman.models.language_model import LanguageModel
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
