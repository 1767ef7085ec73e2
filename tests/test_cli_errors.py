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
    command = ("import sys, elman.cli as c; b = c.build_parser; "
               "c.build_parser = lambda: (lambda p: (p.set_defaults(), p)[1])(b()); "
               "p = c.build_parser(); a = p.parse_args(['data', 'list']); "
               "a.run = lambda args: [print('x' * 100) for _ in range(100000)] and 0; "
               "c.build_parser = lambda: type('P', (), {'parse_args': lambda self, v: a})(); "
               "sys.exit(c.main(['data', 'list']))")
    writer = subprocess.Popen([sys.executable, "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer.stdout.read(10)
    writer.stdout.close()
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=60) == 0, err
    assert "Traceback" not in err
