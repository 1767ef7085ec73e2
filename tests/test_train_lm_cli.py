"""Nothing cryptic: `elman train lm` and `elman sample` refuse what would lose work and answer every ordinary
mistake with a line or two that says what to do."""

import json

import numpy as np
import pytest

from elman.cli import build_parser, main
from elman.errors import InvalidInput
from elman.models import LanguageModel, generate
from elman.models.language_model import softmax
from elman.train.log import read_metrics
from elman.train.state import load_training_state

LINES = "to be or not to be, that is the question.\nwhether 'tis nobler in the mind to suffer\n" * 15
SMALL = [
    "--hidden",
    "12",
    "--embed",
    "6",
    "--layers",
    "1",
    "--bptt",
    "8",
    "--batch",
    "4",
    "--eval-every",
    "4",
    "--no-progress",
]


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text(LINES)
    return path


def train(text, out, *more):
    return main(["train", "lm", "--text", str(text), "--out", str(out), *SMALL, *more])


def failure(capsys, *fragments) -> str:
    """The CLI's message on stderr: one or two lines, holding every fragment."""
    err = capsys.readouterr().err.strip()
    assert err.startswith("elman: ") and len(err.splitlines()) <= 2 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def params(out):
    return load_training_state(out / "checkpoint.safetensors")[0]


# --- a run is never overwritten or lost -------------------------------------------------------------------------


def test_a_finished_run_is_not_overwritten_without_resume_or_force(tmp_path, text, capsys):
    out = tmp_path / "run"
    assert train(text, out, "--steps", "8") == 0
    before = (out / "model.safetensors").read_bytes()
    capsys.readouterr()
    assert train(text, out, "--steps", "3", "--hidden", "5") == 2
    failure(capsys, "already holds a run", "--resume", "--force")
    assert (out / "model.safetensors").read_bytes() == before
    assert train(text, out, "--steps", "3", "--force") == 0
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("run.old-")]
    assert len(aside) == 1 and (aside[0] / "model.safetensors").read_bytes() == before


def test_out_pointing_at_a_file_is_one_line(tmp_path, text, capsys):
    assert train(text, text, "--steps", "3") == 2
    failure(capsys, "is a file, not a run directory", "--out")
    assert text.read_text() == LINES


def test_the_run_records_its_task(tmp_path, text):
    assert train(text, tmp_path / "run", "--steps", "2") == 0
    assert json.loads((tmp_path / "run" / "config.json").read_text())["task"] == "lm"


def test_resume_without_a_checkpoint_starts_from_step_0_and_says_so(tmp_path, text, capsys):
    assert train(text, tmp_path / "straight", "--steps", "6") == 0
    out = tmp_path / "run"
    assert train(text, out, "--steps", "6") == 0
    (out / "checkpoint.safetensors").unlink()  # as if killed before its first checkpoint was written
    capsys.readouterr()
    assert main(["train", "lm", "--out", str(out), "--resume", "--no-progress"]) == 0
    err = capsys.readouterr().err.strip()
    assert (
        err == f"elman: {out} holds no checkpoint (the run stopped before writing its first): starting it again "
        f"from step 0"
    )
    assert [r["step"] for r in read_metrics(out / "metrics.jsonl") if "val_loss" in r] == [4, 6]  # written afresh
    for name, value in params(tmp_path / "straight").items():
        np.testing.assert_array_equal(params(out)[name], value, err_msg=name)


def test_a_resumed_run_with_nothing_left_to_do_says_what_to_pass(tmp_path, text, capsys):
    out = tmp_path / "run"
    assert train(text, out, "--steps", "6") == 0
    metrics = (out / "metrics.jsonl").read_text()
    capsys.readouterr()
    assert main(["train", "lm", "--out", str(out), "--resume", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"elman: nothing to train: the run in {out} is already at step 6 of --steps 6; pass a larger --steps"
    )
    assert captured.out == "" and (out / "metrics.jsonl").read_text() == metrics  # nothing evaluated again
    assert main(["train", "lm", "--out", str(out), "--resume", "--steps", "9", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 9


def test_an_old_language_model_run_without_a_task_field_still_resumes(tmp_path, text):
    out = tmp_path / "run"
    assert train(text, out, "--steps", "4") == 0
    config = json.loads((out / "config.json").read_text())
    del config["task"]
    (out / "config.json").write_text(json.dumps(config))
    assert main(["train", "lm", "--out", str(out), "--resume", "--steps", "5", "--no-progress"]) == 0


def test_a_damaged_checkpoint_on_resume_is_one_line_naming_the_file_and_the_way_out(tmp_path, text, capsys):
    out = tmp_path / "run"
    assert train(text, out, "--steps", "4") == 0
    checkpoint = out / "checkpoint.safetensors"
    checkpoint.write_bytes(checkpoint.read_bytes()[:300])  # truncated
    capsys.readouterr()
    assert main(["train", "lm", "--out", str(out), "--resume", "--steps", "8", "--no-progress"]) == 2
    failure(capsys, str(checkpoint), "--force")


# --- runs of the wrong kind ---------------------------------------------------------------------------------------


@pytest.fixture
def sentiment_run(tmp_path):
    run = tmp_path / "sentiment"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"task": "sentiment", "model": {"num_classes": 2}, "train": {}}))
    return run


def test_sample_on_a_missing_directory_is_one_line(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "nowhere")]) == 2
    failure(capsys, "no such run directory", "elman train lm")


def test_sample_on_another_tasks_run_names_the_task_and_the_command(sentiment_run, capsys):
    assert main(["sample", str(sentiment_run)]) == 2
    failure(capsys, "sentiment run", "elman eval")


def test_resume_on_another_tasks_run_is_refused(sentiment_run, capsys):
    assert main(["train", "lm", "--out", str(sentiment_run), "--resume", "--no-progress"]) == 2
    failure(capsys, "sentiment run", "elman train sentiment")


@pytest.mark.parametrize(
    "content,fragment",
    [("{not json", "is damaged"), ("[1, 2]", "expected a JSON object"), ('{"model": 1}', "names no task elman knows")],
)
def test_a_damaged_or_foreign_config_is_one_line(tmp_path, capsys, content, fragment):
    (tmp_path / "config.json").write_text(content)
    assert main(["sample", str(tmp_path)]) == 2
    failure(capsys, str(tmp_path / "config.json"), fragment)
    assert main(["train", "lm", "--out", str(tmp_path), "--resume", "--no-progress"]) == 2
    failure(capsys, fragment)


# --- bad values -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm")
    (folder / "lines.txt").write_text(LINES)
    assert train(folder / "lines.txt", folder / "run", "--steps", "8") == 0
    return folder / "run"


@pytest.mark.parametrize(
    "option,value,fragment",
    [
        ("--length", "-5", "length must be an integer >= 0"),
        ("--top-k", "-1", "top_k must be an integer >= 0"),
        ("--temperature", "-1", "temperature must be a finite number"),
    ],
)
def test_sample_rejects_negative_values_in_a_line(trained, capsys, option, value, fragment):
    assert main(["sample", str(trained), option, value]) == 2
    failure(capsys, fragment, value)


@pytest.mark.parametrize(
    "kwargs", [{"length": -5}, {"top_k": -1}, {"temperature": -1.0}, {"temperature": np.nan}, {"length": 2.5}]
)
def test_generate_checks_its_arguments(kwargs):
    model = LanguageModel(5, embed_dim=3, hidden_size=4, num_layers=1, rng=np.random.default_rng(0))
    args = {"length": 3, **kwargs}
    with pytest.raises(InvalidInput):
        generate(model, np.array([1, 2]), args.pop("length"), rng=np.random.default_rng(0), **args)


@pytest.mark.parametrize("temperature", [1e-320, 5e-324])
def test_a_temperature_too_small_to_divide_by_is_greedy(temperature):
    logits = np.array([[0.5, 3.0, -2.0, 2.999], [1.0, -1.0, 0.0, 0.9]], dtype=np.float32)
    np.testing.assert_array_equal(softmax(logits, temperature), [[0, 1, 0, 0], [1, 0, 0, 0]])
    model = LanguageModel(7, embed_dim=3, hidden_size=5, num_layers=1, rng=np.random.default_rng(0))
    greedy = generate(model, np.array([1, 2]), 20, temperature=0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(
        generate(model, np.array([1, 2]), 20, temperature=temperature, rng=np.random.default_rng(1)), greedy
    )


def test_sample_with_a_tiny_temperature_prints_the_greedy_text(trained, capsys):
    assert main(["sample", str(trained), "--temperature", "0", "--length", "30", "--prime", "to"]) == 0
    greedy = capsys.readouterr().out
    assert main(["sample", str(trained), "--temperature", "1e-320", "--length", "30", "--prime", "to"]) == 0
    assert capsys.readouterr().out == greedy


@pytest.mark.parametrize(
    "content,fragments",
    [
        (b"to be \xff\xfe or not", ("not UTF-8", "offset 6")),
        (b"", ("holds no text",)),
        (b"to be", ("needs at least 8", "--batch")),
    ],
)
def test_text_that_cannot_be_trained_on_says_what_was_expected(tmp_path, capsys, content, fragments):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert train(path, tmp_path / "run", "--steps", "3") == 2
    failure(capsys, str(path), *fragments)
    assert not (tmp_path / "run").exists()  # nothing was started


def test_text_that_is_missing_says_so(tmp_path, capsys):
    assert train(tmp_path / "missing.txt", tmp_path / "run", "--steps", "3") == 2
    failure(capsys, "no such file", "UTF-8")


# --- --quick and --help -------------------------------------------------------------------------------------------


def test_quick_trains_a_tiny_model_on_a_slice(tmp_path, capsys):
    text = tmp_path / "long.txt"
    text.write_text(LINES * 40)  # 34,800 characters: --quick reads the first 20,000
    out = tmp_path / "run"
    assert main(["train", "lm", "--quick", "--text", str(text), "--out", str(out), "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    config = json.loads((out / "config.json").read_text())
    assert summary["steps"] == 60 and config["model"]["hidden_size"] == 32 and config["data"]["limit"] == 20_000
    assert (out / "model.safetensors").exists()


def _subparser(parser, *names):
    for name in names:
        action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = action.choices[name]
    return parser


@pytest.mark.parametrize("command", [("train", "lm"), ("sample",)])
def test_every_option_has_a_help_string(command):
    parser = _subparser(build_parser(), *command)
    missing = [a.dest for a in parser._actions if not a.help]
    assert missing == []


def test_the_help_of_max_minutes_says_it_is_per_invocation(capsys):
    with pytest.raises(SystemExit):
        main(["train", "lm", "--help"])
    assert "in this invocation" in " ".join(capsys.readouterr().out.split())
