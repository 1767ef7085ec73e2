"""What the tasks receive: sampling temperatures down to the smallest float, counts and languages, data files that
are not UTF-8 or hold nothing. Each mistake is one sentence naming what was expected."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from data_marks import needs_data
from elman.cli import main
from elman.data.names import LANGUAGES
from elman.errors import InvalidInput, MissingFile
from elman.models.generator import ConditionedGenerator
from elman.tasks.pos import train_pos
from elman.tasks.sentiment import train_sentiment


def _generator():
    return ConditionedGenerator(12, 3, embed_dim=4, hidden_size=6, condition="both", rng=np.random.default_rng(3))


@pytest.mark.parametrize("temperature", [5e-324, 1e-320, 1e-300])
def test_a_vanishing_temperature_samples_the_greedy_name(temperature):
    model = _generator()
    for language in range(3):
        greedy = model.sample(language, np.random.default_rng(0), 0.0, 15)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow or invalid-value warning on the way
            drawn = model.sample(language, np.random.default_rng(1), temperature, 15)
        assert drawn == greedy


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": -1.0}, "temperature: expected a finite number >= 0"),
        ({"temperature": float("nan")}, "temperature: expected"),
        ({"temperature": float("inf")}, "temperature: expected"),
        ({"temperature": "hot"}, "temperature: expected"),
        ({"max_len": 0}, "max_len: expected an integer >= 1"),
        ({"language": 3}, r"language: expected an id in \[0, 3\)"),
    ],
)
def test_bad_sampling_arguments_are_invalid_input(kwargs, message):
    args = {"language": 0, "temperature": 1.0, "max_len": 10, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        _generator().sample(args["language"], np.random.default_rng(0), args["temperature"], args["max_len"])


def test_the_chapter_endpoint_takes_the_smallest_temperature(client):
    tiny = client.get("/api/tasks/names", params={"language": "Russian", "count": 3, "temperature": 5e-324})
    greedy = client.get("/api/tasks/names", params={"language": "Russian", "count": 3, "temperature": 0})
    assert tiny.status_code == 200 and tiny.json()["names"] == greedy.json()["names"]


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("names") / "run"
    assert main(["train", "names", "--quick", "--out", str(run)]) == 0
    return run


def _generate(capsys, run, *argv):
    code = main(["generate", "names", "--run", str(run), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@needs_data("names")
def test_generate_names_at_the_smallest_temperatures(names_run, capsys):
    code, greedy, _ = _generate(capsys, names_run, "--language", "Greek", "--count", "3", "--temperature", "0")
    assert code == 0 and len(greedy.splitlines()) == 3
    for t in ("1e-320", "5e-324"):
        assert _generate(capsys, names_run, "--language", "Greek", "--count", "3", "--temperature", t) == (
            0,
            greedy,
            "",
        )


@needs_data("names")
@pytest.mark.parametrize(
    "argv, message",
    [
        (["--language", "Klingon"], f"--language: expected one of {', '.join(LANGUAGES)}, got 'Klingon'"),
        (["--language", "Greek", "--count", "0"], "--count: expected an integer >= 1, got 0"),
        (["--language", "Greek", "--max-len", "0"], "--max-len: expected an integer >= 1, got 0"),
        (["--language", "Greek", "--temperature", "-1"], "--temperature: expected a finite number >= 0, got -1.0"),
        (["--language", "Greek", "--temperature", "nan"], "--temperature: expected a finite number >= 0, got nan"),
    ],
)
def test_generate_names_bad_arguments_are_one_line(names_run, capsys, argv, message):
    code, out, err = _generate(capsys, names_run, *argv)
    assert code == 2 and out == "" and err == f"elman: {message}\n"


# task -> (its train function, its split files (train first), a good file, a line that is not UTF-8, options)
SOURCES = {
    "sentiment": (
        train_sentiment,
        ("train.txt", "dev.txt", "test.txt"),
        "(3 (2 a) (4 (4 good) (2 film)))\n(1 (2 a) (0 (0 dull) (2 film)))\n",
        b"(3 (2 caf\xe9) (4 good))\n",
        dict(glove=False, phrases=False, bow=False),
    ),
    "pos": (
        train_pos,
        tuple(f"en_ewt-ud-{s}.conllu" for s in ("train", "dev", "test")),
        "1\tDogs\tdog\tNOUN\t_\t_\t2\tnsubj\t_\t_\n2\tbark\tbark\tVERB\t_\t_\t0\troot\t_\t_\n\n",
        b"1\tCaf\xe9\tcafe\tNOUN\t_\t_\t0\troot\t_\t_\n\n",
        dict(glove=False),
    ),
}


@pytest.mark.parametrize("task", SOURCES)
@pytest.mark.parametrize("broken", ["not utf-8", "empty", "missing"])
def test_a_data_folder_with_a_bad_train_file_is_one_sentence(tmp_path, task, broken):
    train, files, good, not_utf8, options = SOURCES[task]
    source = tmp_path / "data"
    source.mkdir()
    for name in files[1:]:
        (source / name).write_text(good)
    if broken != "missing":
        (source / files[0]).write_bytes(not_utf8 if broken == "not utf-8" else b"")
    kind, message = {
        "not utf-8": (InvalidInput, "is not valid utf-8 text"),
        "empty": (InvalidInput, "has no examples in the train split"),
        "missing": (MissingFile, "train"),
    }[broken]
    with pytest.raises(kind, match=message) as err:
        train(tmp_path / "run", source=source, hidden=4, epochs=1, **options)
    assert str(source) in str(err.value) and len(str(err.value).splitlines()) == 1


def test_options_are_checked_in_the_library_before_the_folder(tmp_path):
    with pytest.raises(InvalidInput, match="--dropout: expected a number in \\[0, 1\\), got 1.5"):
        train_sentiment(tmp_path / "run", dropout=1.5)
    with pytest.raises(InvalidInput, match="--pooling: expected one of last, mean, max, got 'sum'"):
        train_sentiment(tmp_path / "run", pooling="sum")
    with pytest.raises(InvalidInput, match="--limit: expected an integer >= 1, got 0"):
        train_pos(tmp_path / "run", limit=0)
    assert not (tmp_path / "run").exists()
