"""Property-based fuzzing of the command line: ``elman.cli.main`` with generated argv for every sub-command.

The sub-commands and their options are read from the parser itself, so a new option is fuzzed as soon as it
exists. Values are the ones users type by mistake or on purpose: negative and huge numbers, nan and inf,
empty strings, unicode, options without their value, unknown options. The property: main returns an exit
code (a failure printed as a sentence, no traceback), or argparse exits with 2 (or 0 for --help);
any other exception is a defect. A failure leaves the files that were there as they were.

Nothing here downloads or trains: the data folders are empty, sockets refuse to connect, and the commands
that would run for real on valid input (bench, claims, chapter, experiment, and train lm on a local text
file) are only given input they must refuse before starting, or the smallest possible run.
"""

import argparse
import contextlib
import io
import os
import socket
import sys

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from elman import cli
from elman.analysis.claims.runner import EXPERIMENTS
from fuzz_support import fuzz

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

PARSER = cli.build_parser()


def leaves(parser, prefix=()):
    """(command words, sub-parser) for every runnable command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from leaves(sub, (*prefix, name))
            return
    yield prefix, parser


COMMANDS = dict(leaves(PARSER))

# What users type: the usual, the edge and the absurd. No NUL: a real argv cannot hold one.
INTS = st.sampled_from(["-1", "0", "1", "2", "-5", "3", "99999999999999999999", "2147483648", " 7", "1_000", "٣", "-0"])
FLOATS = st.sampled_from(
    ["nan", "inf", "-inf", "1e-320", "5e-324", "-0", "1e309", "-1", "0", "1", "0.5", "2", "1e300", "NaN", "1_0", " 3 "]
)
TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            "-",
            "--",
            "-5",
            "é",
            "日本語",
            " ",
            "x" * 300,
            "../..",
            ".",
            "~",
            "a b",
            "1e3",
            "0x10",
            "abc",
            "0x1p-3",
            "empty.txt",
            "bad.txt",
            "afile.txt",
            "junk_run",
            "empty_run",
            "wrong_run",
            "tinyshakespeare",
            "sst",
            "glove-6b-50d",
            "nope",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6),
)
JUNK_TOKENS = st.sampled_from(["--no-such-option", "-x", "--", "-", "--=", "---", "--help"])


RARELY = st.integers(0, 19)  # 0: the rare mistake (a forgotten value, a stray token)


def option_values(action) -> st.SearchStrategy:
    """Mostly values argparse accepts (so that the command's own checks run), sometimes any text."""
    if action.choices is not None:
        typed = st.sampled_from(sorted(map(str, action.choices)))
    elif action.type is int:
        typed = INTS
    elif action.type is float:
        typed = FLOATS
    else:
        return TEXTS
    return st.one_of(*[typed] * 7, TEXTS)  # TEXTS holds what does not parse: "", "abc", "1e3", "--", ...


STRATEGIES: dict = {}


def cached(key, make):
    """Strategies are built once per option: Hypothesis checks each new strategy object when first drawn from."""
    if key not in STRATEGIES:
        STRATEGIES[key] = make()
    return STRATEGIES[key]


def draw_argv(data, words, parser) -> list[str]:
    """Command words, then options and positionals drawn for ``parser``'s actions, in any order."""
    options = [a for a in parser._actions if a.option_strings and a.dest not in ("help", "debug", "version")]
    positionals = [a for a in parser._actions if not a.option_strings]
    chosen = (
        data.draw(cached(words, lambda: st.lists(st.sampled_from(options), max_size=4)), "options") if options else []
    )
    chosen += [a for a in options if a.required and a not in chosen]
    tokens: list[list[str]] = []
    for action in chosen:
        flag = data.draw(cached((action, "flag"), lambda action=action: st.sampled_from(action.option_strings)))
        if action.nargs == 0:
            tokens.append([flag])
        elif data.draw(RARELY) == 0:
            tokens.append([flag])  # the value forgotten
        else:
            tokens.append([flag, data.draw(cached(action, lambda action=action: option_values(action)))])
    for action in positionals:
        count = {None: 1, "?": data.draw(st.integers(0, 1)), "+": data.draw(st.integers(1, 2))}.get(action.nargs, 1)
        if data.draw(RARELY) == 0:
            count = max(0, count - 1)  # a missing positional
        values = cached(action, lambda action=action: option_values(action))
        tokens.extend([data.draw(values)] for _ in range(count))
    if data.draw(RARELY) == 0:
        tokens.append([data.draw(JUNK_TOKENS)])
    order = data.draw(st.permutations(range(len(tokens)))) if tokens else []
    return [*words, *(t for i in order for t in tokens[i])]


def make_safe(words, argv: list[str]) -> list[str]:
    """The argv, changed where a valid one would start real work (a benchmark, a server, an experiment)."""
    if words[0] in ("bench", "claims"):
        return [*argv, "--no-such-option"]  # only argparse's own checks: anything else would run for minutes
    if words[0] == "chapter":
        return [*argv, "--workers", "0"]  # refused before a server starts, after every option was parsed
    if words[0] == "experiment":
        return [w if w not in EXPERIMENTS else f"{w}-not" for w in argv]
    if words == ("train", "lm") and "--text" in argv:  # a local file needs no download: at most a tiny run
        return [
            *argv,
            "--steps",
            "1",
            "--hidden",
            "2",
            "--embed",
            "2",
            "--layers",
            "1",
            "--batch",
            "1",
            "--bptt",
            "2",
            "--eval-every",
            "1",
            "--checkpoint-every",
            "1",
            "--epochs",
            "1",
            "--max-minutes",
            "1",
        ]
    return argv


def refuse_network(*args, **kwargs):
    raise OSError(101, "Network is unreachable (the fuzz tests run offline)")


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """Empty data folders, no network, no downloads by any child process, the parser built once."""
    base = tmp_path_factory.mktemp("cli")
    (base / "data").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "ELMAN_DATA_DIR": base / "data",
            "ELMAN_CACHE_DIR": base / "cache",
            "HOME": base / "home",
            "XDG_CACHE_HOME": base / "xdg",
            "ELMAN_OFFLINE": "1",
            "PIP_NO_INDEX": "1",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
        }.items():
            mp.setenv(name, str(value))
        for name in ("ELMAN_DEBUG", "no_proxy", "NO_PROXY"):
            mp.delenv(name, raising=False)
        mp.setattr(socket.socket, "connect", refuse_network)
        mp.setattr(socket, "create_connection", refuse_network)
        mp.setattr(socket, "getaddrinfo", refuse_network)
        mp.setattr(cli, "build_parser", lambda: PARSER)  # 40 ms each time otherwise; main still runs as a user's
        mp.setattr(sys, "stdin", io.StringIO(""))
        yield base


def workspace(base) -> tuple:
    """A fresh working directory with the files a user might point a command at: (path, its files' bytes)."""
    folder = base / f"case{len(os.listdir(base))}"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00 not utf-8 \xc3\x28")
    (folder / "afile.txt").write_text("a plain file, not a run directory\n")
    (folder / "empty_run").mkdir()
    junk = folder / "junk_run"
    junk.mkdir()
    for name in ("config.json", "vocab.json", "model.safetensors", "checkpoint.safetensors", "metrics.jsonl"):
        (junk / name).write_bytes(b"\x00\xff{[not what it should be")
    wrong = folder / "wrong_run"
    wrong.mkdir()
    (wrong / "config.json").write_text('{"task": "sentiment", "model": {"hidden": -1}}')
    (wrong / "vocab.json").write_text('{"format": "elman.vocab", "version": 1, "itos": ["a"], "specials": []}')
    files = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return folder, files


def run_main(argv):
    """(exit code, stdout, stderr) of ``elman ARGV``; SystemExit from argparse is turned into its code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exit_:
            assert exit_.code in (0, 2), f"SystemExit({exit_.code!r}) from {argv}"
            code = ("argparse", exit_.code)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("words", sorted(COMMANDS), ids=" ".join)
@fuzz(80)
@given(data=st.data())
def test_every_command_fails_with_a_sentence_or_a_usage(offline, words, data):
    argv = make_safe(words, draw_argv(data, words, COMMANDS[words]))
    note(f"elman {' '.join(map(repr, argv))}")
    folder, files = workspace(offline)
    here = os.getcwd()
    os.chdir(folder)
    try:
        code, out, err = run_main(argv)
    finally:
        os.chdir(here)
    note(f"exit {code}; stderr: {err[-500:]!r}")
    event(f"exit {code}")
    assert "Traceback" not in err
    if code not in (0, ("argparse", 0)):  # a report (data verify) may go to stdout, a failure to stderr
        assert (err + out).strip(), f"exit code {code} without a word"
    if code != 0 and "--force" not in argv:  # a refused command keeps every file as it was
        for path, content in files.items():
            assert (folder / path).is_file() and (folder / path).read_bytes() == content, f"{path} changed"
