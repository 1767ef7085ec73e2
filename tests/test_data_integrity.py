"""Data is checked before use and every data failure is a sentence: corrupted copies, the hash record, `data
verify`'s exit code, no data and no network, a mistyped name, text that is not UTF-8.

No test here touches the network: ELMAN_OFFLINE=1 is set, and `no_network` makes any attempt fail loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from elman import cli
from elman.data import sources, verified
from elman.data.registry import DATASETS, DatasetSpec, FileSpec, UnknownDatasetError
from elman.data.textfiles import read_text
from elman.embeddings import WordVectors
from elman.errors import ElmanError, InvalidInput

TEXT = b"To be, or not to be, that is the question:\n" * 40


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Offline, and any attempt to download an error of the test."""
    monkeypatch.setenv("ELMAN_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr("elman.data.download.urlopen", refuse)


def fake(monkeypatch, data_dir: Path | None, files: dict[str, bytes], *, registered: dict[str, bytes] | None = None):
    """Register dataset 'fake' (folder 'fake-folder') whose files have the sha256 of ``registered`` (default:
    ``files``); ``files`` are written into ``data_dir``."""
    registered = registered or files
    specs = tuple(FileSpec(n, f"http://127.0.0.1:9/{n}", sha(b), len(b)) for n, b in registered.items())
    monkeypatch.setitem(DATASETS, "fake", DatasetSpec("fake", "fake-folder", specs, "CC0", "", "", ""))
    if data_dir is not None:
        (data_dir / "fake-folder").mkdir(exist_ok=True)
        for n, b in files.items():
            (data_dir / "fake-folder" / n).write_bytes(b)


def run(argv, capsys) -> tuple[int, list[str]]:
    code = cli.main(argv)
    return code, capsys.readouterr().err.strip().splitlines()


def test_the_data_errors_are_elman_errors():
    for error, base in (
        (sources.ChecksumError, ValueError),
        (sources.DataUnavailableError, RuntimeError),
        (UnknownDatasetError, ValueError),
    ):
        assert issubclass(error, ElmanError) and issubclass(error, base)


# ---------------------------------------------------------------- checked before use


def test_training_on_a_corrupted_data_dir_copy_stops_before_it_starts(dirs, monkeypatch, capsys, tmp_path):
    data, _ = dirs
    damaged = TEXT[:100] + b"\xff" + TEXT[101:]  # one byte changed, and no longer UTF-8 either
    fake(monkeypatch, data, {"input.txt": damaged}, registered={"input.txt": TEXT})
    code, err = run(["train", "lm", "--data", "fake", "--steps", "1", "--out", str(tmp_path / "run")], capsys)
    path = data / "fake-folder" / "input.txt"
    assert code == 2 and 1 <= len(err) <= 3, err
    message = "\n".join(err)
    assert str(path) in message and sha(TEXT) in message and sha(damaged) in message
    assert "`elman data fetch fake`" in message and "delete it" in message
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_the_second_use_reads_the_record_not_the_file(dirs, monkeypatch):
    data, cache = dirs
    fake(monkeypatch, data, {"input.txt": TEXT})
    hashed = []
    real = verified.sha256_file
    monkeypatch.setattr(verified, "sha256_file", lambda p: hashed.append(Path(p)) or real(p))
    path = data / "fake-folder" / "input.txt"
    assert sources.open_text("fake") == TEXT.decode()
    assert sources.open_text("fake") == TEXT.decode()
    assert hashed == [path]  # hashed once; the second use cost a stat and a small JSON read
    assert sorted(p.name for p in data.rglob("*")) == ["fake-folder", "input.txt"]  # the data dir is not written
    assert (cache / "verified.json").is_file()

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: hashed again, still right
    assert sources.path("fake") == path and len(hashed) == 2
    path.write_bytes(TEXT + b"more")  # another size: hashed again, and refused
    with pytest.raises(sources.ChecksumError):
        sources.path("fake")
    assert len(hashed) == 3


def test_a_damaged_record_is_ignored_and_rewritten(dirs, monkeypatch):
    data, cache = dirs
    fake(monkeypatch, data, {"input.txt": TEXT})
    cache.mkdir()
    (cache / "verified.json").write_text('{"format": "elman.verified", "version": 1, "files": [')
    assert sources.path("fake") == data / "fake-folder" / "input.txt"
    record = json.loads((cache / "verified.json").read_text())
    assert record["files"] == {
        str((data / "fake-folder" / "input.txt").resolve()): [
            len(TEXT),
            (data / "fake-folder" / "input.txt").stat().st_mtime_ns,
            sha(TEXT),
        ]
    }


def test_an_unwritable_cache_only_means_hashing_every_time(dirs, monkeypatch, tmp_path):
    data, _ = dirs
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(blocker))
    fake(monkeypatch, data, {"input.txt": TEXT})
    hashed = []
    real = verified.sha256_file
    monkeypatch.setattr(verified, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert sources.path("fake") == sources.path("fake") == data / "fake-folder" / "input.txt"
    assert len(hashed) == 2


# ---------------------------------------------------------------- elman data verify


def test_verify_exits_nonzero_when_a_file_is_missing_or_wrong(dirs, monkeypatch, capsys):
    data, cache = dirs
    fake(monkeypatch, data, {"a.txt": b"alpha"}, registered={"a.txt": b"alpha", "b.txt": b"beta"})
    assert cli.main(["data", "verify", "fake"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.split()[:3] == ["fake", "a.txt", "ok"] for line in out)
    missing = next(line for line in out if line.split()[:3] == ["fake", "b.txt", "missing"])
    assert str(data / "fake-folder") in missing and str(cache / "fake-folder") in missing
    assert "1 ok, 1 missing, 0 mismatch" in out and "missing: get them with `elman data fetch fake`" in out

    (data / "fake-folder" / "b.txt").write_bytes(b"beta")
    assert cli.main(["data", "verify", "fake"]) == 0
    assert "2 ok, 0 missing, 0 mismatch" in capsys.readouterr().out
    (data / "fake-folder" / "b.txt").write_bytes(b"BETA")
    assert cli.main(["data", "verify", "fake"]) == 1
    assert "0 missing, 1 mismatch" in capsys.readouterr().out


# ---------------------------------------------------------------- no data, no network


@pytest.mark.parametrize(
    "task, dataset, folder, first",
    [
        ("lm", "tinyshakespeare", "tinyshakespeare", "input.txt"),
        ("sentiment", "sst", "sst-trees", "train.txt"),
        ("translate", "multi30k", "multi30k", "train.de.gz"),
        ("names", "names", "char-rnn-names", "Arabic.txt"),
    ],
)
def test_no_data_says_the_three_ways_to_get_it(dirs, capsys, tmp_path, task, dataset, folder, first):
    _, cache = dirs
    code, err = run(["train", task, "--quick", "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and 2 <= len(err) <= 3, err
    message = "\n".join(err)
    assert f"dataset {dataset!r}" in message and "ELMAN_OFFLINE" in message
    assert f"`elman data fetch {dataset}`" in message
    assert str(cache / folder / first) in message and "(the cache)" in message
    assert f"ELMAN_DATA_DIR to a folder that holds {folder}/" in message
    assert "shared/data" not in message


@pytest.mark.parametrize("task", ["lm", "sentiment"])
def test_no_data_in_a_real_process_is_a_short_message(tmp_path, task):
    (tmp_path / "data").mkdir()
    (tmp_path / "cache").mkdir()
    env = {
        **os.environ,
        "ELMAN_DATA_DIR": str(tmp_path / "data"),
        "ELMAN_CACHE_DIR": str(tmp_path / "cache"),
        "ELMAN_OFFLINE": "1",
    }
    env.pop("ELMAN_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "elman", "train", task, "--quick", "--out", str(tmp_path / "run")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and 1 <= len(done.stderr.strip().splitlines()) <= 3, done.stderr
    assert "elman data fetch" in done.stderr and str(tmp_path / "cache") in done.stderr


# ---------------------------------------------------------------- names and text


def test_a_mistyped_dataset_name_suggests_the_closest(dirs, capsys, tmp_path):
    code, err = run(["train", "lm", "--data", "tinyshakespear", "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and len(err) == 1, err
    assert "unknown dataset 'tinyshakespear'" in err[0] and "did you mean 'tinyshakespeare'?" in err[0]
    assert "`elman data list`" in err[0]


def test_text_that_is_not_utf8_is_named_not_a_decode_traceback(dirs, monkeypatch, tmp_path):
    data, _ = dirs
    latin1 = "café au lait\n".encode("latin-1") * 3
    fake(monkeypatch, data, {"input.txt": latin1})  # the registry's own bytes: the checksum passes
    with pytest.raises(InvalidInput) as e:
        sources.open_text("fake")
    assert str(data / "fake-folder" / "input.txt") in str(e.value) and "offset 3 (line 1)" in str(e.value)
    assert sources.open_text("fake", encoding="latin-1") == latin1.decode("latin-1")

    own = tmp_path / "mine.txt"
    own.write_bytes(b"fine\n" + latin1)
    with pytest.raises(InvalidInput, match=f"{own} is not valid utf-8 text: byte 0xe9 at offset 8 \\(line 2\\)"):
        read_text(own)
    glove = tmp_path / "vectors.txt"
    glove.write_bytes(b"the 0.1 0.2\n" + "caf\xe9 0.3 0.4\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match=f"{glove}: not valid UTF-8"):
        WordVectors.load(glove)
