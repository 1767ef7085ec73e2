"""How the command line fails: an expected failure is one sentence and an exit code, a bug keeps its traceback."""

import subprocess
import sys

import pytest

from elman import cli
from elman.errors import ElmanError, Interrupted, InvalidInput


def _run_with(monkeypatch, failure, argv=("data", "list")):
    """``elman ARGV`` whose command raises ``failure``."""

    def fail(args):
        raise failure

    parser = cli.build_parser()
    parsed = parser.parse_args(list(argv))
    parsed.run = fail
    monkeypatch.setattr(cli, "build_parser", lambda: type("P", (), {"parse_args": lambda self, a: parsed})())
    return cli.main(list(argv))


def test_an_expected_failure_prints_its_sentence_and_exits_2(monkeypatch, capsys):
    code = _run_with(monkeypatch, InvalidInput("--length must be >= 1, got -5"))
    err = capsys.readouterr().err
    assert code == 2
    assert err == "elman: --length must be >= 1, got -5\n"


def test_debug_shows_the_traceback_instead(monkeypatch):
    parsed_argv = ["--debug", "data", "list"]
    with pytest.raises(InvalidInput):
        _run_with(monkeypatch, InvalidInput("bad"), parsed_argv)
    monkeypatch.setenv("ELMAN_DEBUG", "1")
    with pytest.raises(InvalidInput):
        _run_with(monkeypatch, InvalidInput("bad"))


def test_an_interruption_exits_130_with_what_was_saved(monkeypatch, capsys):
    code = _run_with(monkeypatch, Interrupted("interrupted at step 12: checkpoint saved"))
    assert code == 130
    assert "checkpoint saved" in capsys.readouterr().err
    assert _run_with(monkeypatch, KeyboardInterrupt()) == 130


def test_a_bug_is_not_dressed_up_as_a_user_error(monkeypatch):
    with pytest.raises(ZeroDivisionError):
        _run_with(monkeypatch, ZeroDivisionError("a bug"))


def test_every_error_of_the_family_keeps_its_builtin_kind():
    from elman import errors

    for name in errors.__all__:
        kind = getattr(errors, name)
        assert issubclass(kind, ElmanError)
    assert issubclass(errors.MissingFile, FileNotFoundError) and issubclass(errors.InvalidType, TypeError)


def test_a_closed_pipe_ends_quietly():
    """``elman … | head -1``: the reader leaves early; no BrokenPipeError traceback, exit 0."""
    command = (
        "import sys, elman.cli as c; b = c.build_parser; "
        "c.build_parser = lambda: (lambda p: (p.set_defaults(), p)[1])(b()); "
        "p = c.build_parser(); a = p.parse_args(['data', 'list']); "
        "a.run = lambda args: [print('x' * 100) for _ in range(100000)] and 0; "
        "c.build_parser = lambda: type('P', (), {'parse_args': lambda self, v: a})(); "
        "sys.exit(c.main(['data', 'list']))"
    )
    writer = subprocess.Popen([sys.executable, "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer.stdout.read(10)
    writer.stdout.close()
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=60) == 0, err
    assert "Traceback" not in err


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("elman: ") and err.count("\n") <= 3 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv", [["eval", "r" * 300], ["sample", "r" * 300], ["train", "lm", "--text", "t" * 300]])
def test_a_name_the_file_system_refuses_is_one_line(argv, capsys):
    assert cli.main(argv) != 0
    assert "too long" in _one_line(capsys)


def test_out_never_names_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.txt").write_text("keep")
    for out in ("", ".", str(tmp_path)):
        assert cli.main(["train", "caption", "--quick", "--out", out, "--force"]) == 2
        assert "current folder" in _one_line(capsys)
    assert (tmp_path / "mine.txt").read_text() == "keep" and not list(tmp_path.parent.glob(f"{tmp_path.name}.old-*"))


@pytest.mark.parametrize(
    "argv", [["sample", "{run}"], ["eval", "{run}"], ["train", "lm", "--out", "{run}", "--resume"]]
)
def test_a_config_nested_too_deep_is_one_line(argv, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    for name in ("vocab.json", "model.safetensors", "checkpoint.safetensors"):
        (run / name).write_bytes(b"")
    assert cli.main([a.format(run=run) for a in argv]) == 2
    _one_line(capsys)


def test_word_vectors_are_not_trained_into_a_folder_that_holds_some(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b\n")
    out = tmp_path / "w2v"
    out.mkdir()
    (out / "vectors.txt").write_text("1 1\nold 0.5\n")
    assert cli.main(["embeddings", "train", "--data", str(corpus), "--out", str(out), "--no-progress"]) == 2
    assert "--force" in _one_line(capsys)
    assert (out / "vectors.txt").read_text() == "1 1\nold 0.5\n"
    assert cli.main(["embeddings", "train", "--data", str(corpus), "--out", str(out), "--force", "--no-progress"]) == 2
    assert "min_count" in _one_line(capsys)  # two words, each once: nothing to train on, said in a sentence
