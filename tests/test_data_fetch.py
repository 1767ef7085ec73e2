"""elman.data registry and fetching layer: offline tests with a fake data dir and a local HTTP server.

Downloads only ever reach the local server (the `server` fixture lifts the ELMAN_OFFLINE=1 that conftest sets).
The last tests check the real registry against the files in $ELMAN_DATA_DIR (skipped when it is unset).
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import importlib
import os
import re
import sys
import threading
import time
from pathlib import Path

import pytest

from data_marks import needs_data_dir
from elman import cli
from elman.data import registry
from elman.data.registry import DATASETS, DatasetSpec, FileSpec, UnknownDatasetError
from elman.data.sources import ChecksumError, DataUnavailableError

sources = importlib.import_module("elman.data.sources")

PAYLOAD = b"first line\nsecond line\n" * 50
REAL_DATA_DIR = os.environ.get("ELMAN_DATA_DIR")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/slow":
            time.sleep(1.0)
        return super().do_GET()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A local HTTP server on 127.0.0.1 serving tmp_path/www; yields (base URL, www folder). Downloads are allowed
    while it runs (only its URLs are ever asked for)."""
    monkeypatch.delenv("ELMAN_OFFLINE", raising=False)
    www = tmp_path / "www"
    www.mkdir()
    (www / "small.txt").write_bytes(PAYLOAD)
    handler = lambda *a, **k: _Handler(*a, directory=str(www), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()
    httpd.server_close()


def fake(monkeypatch, *files: FileSpec, name: str = "fake") -> DatasetSpec:
    """Register a throw-away dataset ``name`` (folder ``fake-folder``) for the duration of one test."""
    spec = DatasetSpec(name, "fake-folder", tuple(files), "CC0", "nobody", "test data", "http://example.invalid")
    monkeypatch.setitem(DATASETS, name, spec)
    return spec


def files_under(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def run_cli(argv: list[str]) -> int:
    return cli.main(argv)


# ---------------------------------------------------------------- directories and registry


def test_directories_come_from_the_environment(tmp_path, monkeypatch):
    for var in ("ELMAN_DATA_DIR", "ELMAN_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert sources.data_dir() is None
    assert sources.cache_dir() == tmp_path / "home" / ".cache" / "elman"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert sources.cache_dir() == tmp_path / "xdg" / "elman"
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("ELMAN_DATA_DIR", str(tmp_path / "d"))
    assert (sources.cache_dir(), sources.data_dir()) == (tmp_path / "c", tmp_path / "d")


def test_registry_has_the_required_datasets_in_their_folders():
    expected = {
        "tinyshakespeare": "tinyshakespeare",
        "sst": "sst-trees",
        "mr-polarity": "nltk-sentence-polarity",
        "ud-english-ewt": "ud-english-ewt",
        "multi30k": "multi30k",
        "names": "char-rnn-names",
        "glove-6b-50d": "glove-6b-50d",
        "google-analogy": "google-analogy",
        "stocks": "stocks-daily",
        "brown": "nltk-brown",
        "treebank": "nltk-treebank",
        "conll2000": "nltk-conll2000",
        "timeseries": "statsmodels-timeseries",
        "mnist-test": "mnist-test",
        "digits": "sklearn-digits",
    }
    assert {name: registry.get(name).folder for name in expected} == expected
    assert registry.get("sunspots") is registry.get("timeseries")
    assert len(registry.get("names").files) == 18
    for spec in DATASETS.values():
        assert len({f.name for f in spec.files}) == len(spec.files)
        for f in spec.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256) and f.size and f.url.startswith(("http://", "https://"))
            assert f.direct or f.note, f"{spec.name}/{f.name}: a file without a direct download needs a note"
    with pytest.raises(AttributeError):
        registry.get("sst").name = "x"


def test_unknown_dataset_and_file_errors_list_the_choices():
    with pytest.raises(UnknownDatasetError, match="did you mean 'tinyshakespeare'\\?") as e:
        registry.get("shakespear")
    assert isinstance(e.value, ValueError) and "'shakespear'" in str(e.value)
    with pytest.raises(UnknownDatasetError, match="known datasets: .*tinyshakespeare"):
        registry.get("zzzzzz")  # nothing close: the whole list
    assert registry.get("tinyshakespeare").file().name == "input.txt"
    with pytest.raises(ValueError, match="has 3 files, name one of: dev.txt, test.txt, train.txt"):
        registry.get("sst").file()
    with pytest.raises(ValueError, match="no file 'valid.txt'; its files are: dev.txt"):
        sources.path("sst", "valid.txt")


# ---------------------------------------------------------------- local data dir


def test_data_dir_files_are_checked_before_use_and_verify_checks_them(dirs, monkeypatch):
    data, cache = dirs
    fake(monkeypatch, FileSpec("a.txt", "http://127.0.0.1:9/a.txt", sha(b"right")))
    (data / "fake-folder").mkdir()
    a = data / "fake-folder" / "a.txt"
    a.write_bytes(b"wrong")
    with pytest.raises(ChecksumError) as e:
        sources.path("fake")
    assert str(a) in str(e.value) and sha(b"right") in str(e.value) and sha(b"wrong") in str(e.value)
    assert sources.locate("fake") == ("data dir", a)  # locating never hashes
    assert sources.verify("fake") == [("fake", "a.txt", "mismatch", str(a))]
    a.write_bytes(b"right")
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))  # a new mtime, as any real edit makes
    assert sources.path("fake") == a
    assert sources.verify("fake") == [("fake", "a.txt", "ok", str(a))]
    assert files_under(data / "fake-folder") == ["a.txt"] and files_under(cache) == ["verified.json"]


def test_gzip_files_are_decompressed_transparently(dirs, monkeypatch):
    data, _ = dirs
    text = "héllo\nwörld\r\n"
    packed = gzip.compress(text.encode("utf-8"))
    fake(
        monkeypatch,
        FileSpec("t.txt.gz", "http://127.0.0.1:9/t.txt.gz", sha(packed)),
        FileSpec("raw.bin", "http://127.0.0.1:9/raw.bin", sha(packed)),
    )
    (data / "fake-folder").mkdir()
    (data / "fake-folder" / "t.txt.gz").write_bytes(packed)
    (data / "fake-folder" / "raw.bin").write_bytes(packed)
    assert sources.open_text("fake", "t.txt.gz") == text  # line endings kept as stored
    assert sources.open_binary("fake", "t.txt.gz") == text.encode("utf-8")
    assert sources.open_binary("fake", "raw.bin") == packed  # not named .gz: returned as is
    assert sources.open_text("fake", "t.txt.gz", encoding="latin-1") == text.encode("utf-8").decode("latin-1")


# ---------------------------------------------------------------- downloads


def test_download_is_verified_and_placed_in_the_cache(dirs, server, monkeypatch):
    _, cache = dirs
    url, www = server
    fake(monkeypatch, FileSpec("small.txt", url + "/small.txt", sha(PAYLOAD), len(PAYLOAD)))
    assert sources.locate("fake") == ("not local", None)
    got = sources.path("fake", progress=False)
    assert got == cache / "fake-folder" / "small.txt" and got.read_bytes() == PAYLOAD
    assert files_under(cache) == ["small.txt", "verified.json"]  # no temporary file left
    assert got.stat().st_mode & 0o777 == 0o644
    (www / "small.txt").unlink()  # the cached copy is used from now on, even without downloads
    assert sources.path("fake", download=False) == got
    assert sources.locate("fake") == ("cache", got)
    assert sources.verify("fake") == [("fake", "small.txt", "ok", str(got))]


def test_checksum_mismatch_raises_and_leaves_nothing(dirs, server, monkeypatch):
    _, cache = dirs
    url, _ = server
    fake(monkeypatch, FileSpec("small.txt", url + "/small.txt", "0" * 64))
    with pytest.raises(ChecksumError) as e:
        sources.path("fake", progress=False)
    msg = str(e.value)
    assert "'fake'" in msg and "'small.txt'" in msg and "0" * 64 in msg and sha(PAYLOAD) in msg
    assert (e.value.expected, e.value.actual) == ("0" * 64, sha(PAYLOAD))
    assert files_under(cache) == []


def test_download_larger_than_the_registered_size_is_cut_short(dirs, server, monkeypatch):
    _, cache = dirs
    url, _ = server
    fake(monkeypatch, FileSpec("small.txt", url + "/small.txt", sha(PAYLOAD), size=10))
    with pytest.raises(ChecksumError, match="more than the expected 10 bytes"):
        sources.path("fake", progress=False)
    assert files_under(cache) == []


@pytest.mark.parametrize("tail", ["/missing.txt", "/slow"])
def test_http_errors_and_timeouts_are_unavailable(dirs, server, monkeypatch, tail):
    _, cache = dirs
    url, _ = server
    fake(monkeypatch, FileSpec("x.txt", url + tail, sha(PAYLOAD)))
    with pytest.raises(DataUnavailableError, match="ELMAN_DATA_DIR"):
        sources.path("fake", timeout=0.2, progress=False)
    assert files_under(cache) == []


def test_unreachable_url_with_nothing_local_says_what_to_do(dirs, monkeypatch):
    _, cache = dirs
    monkeypatch.delenv("ELMAN_OFFLINE", raising=False)  # port 9 on this machine: refused at once
    url = "http://127.0.0.1:9/nothing-here.txt"
    fake(monkeypatch, FileSpec("x.txt", url, sha(PAYLOAD)), name="fake-offline")
    with pytest.raises(DataUnavailableError) as e:
        sources.path("fake-offline", progress=False)
    msg = str(e.value)
    assert "fake-offline" in msg and url in msg and "ELMAN_DATA_DIR" in msg and "fake-folder" in msg
    with pytest.raises(DataUnavailableError, match="downloading was disabled"):
        sources.path("fake-offline", download=False)
    assert files_under(cache) == []


def test_files_without_a_direct_download_are_never_downloaded(dirs, monkeypatch):
    fake(
        monkeypatch,
        FileSpec(
            "x.gz", "https://example.invalid/archive.zip", sha(PAYLOAD), direct=False, note="extract x from archive.zip"
        ),
    )
    with pytest.raises(DataUnavailableError, match="no automatic download \\(extract x from archive.zip"):
        sources.path("fake")


def test_tampered_cache_is_detected_and_replaced(dirs, server, monkeypatch):
    url, _ = server
    fake(monkeypatch, FileSpec("small.txt", url + "/small.txt", sha(PAYLOAD)))
    cached = sources.path("fake", progress=False)
    cached.write_bytes(PAYLOAD[:-1] + b"!")  # same size, new mtime: the record no longer vouches for it
    os.utime(cached, ns=(cached.stat().st_atime_ns, cached.stat().st_mtime_ns + 10**9))
    with pytest.raises(ChecksumError, match="registry expects sha256"):
        sources.path("fake", download=False)
    assert sources.verify("fake") == [("fake", "small.txt", "mismatch", str(cached))]
    assert sources.path("fake", progress=False).read_bytes() == PAYLOAD  # downloaded again, atomically replaced
    assert sources.verify("fake") == [("fake", "small.txt", "ok", str(cached))]


def test_progress_falls_back_to_stderr_without_tqdm(dirs, server, monkeypatch, capsys):
    url, _ = server
    fake(monkeypatch, FileSpec("small.txt", url + "/small.txt", sha(PAYLOAD)))
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    sources.path("fake")
    assert "downloaded fake/small.txt" in capsys.readouterr().err


def test_fetch_returns_one_complete_folder(dirs, server, monkeypatch):
    data, cache = dirs
    url, _ = server
    local = b"local bytes"
    fake(
        monkeypatch,
        FileSpec("local.txt", url + "/nope", sha(local)),
        FileSpec("small.txt", url + "/small.txt", sha(PAYLOAD)),
    )
    (data / "fake-folder").mkdir()
    (data / "fake-folder" / "local.txt").write_bytes(local)
    folder = sources.fetch("fake", progress=False)  # one file local, one downloaded: the cache gets both
    assert folder == cache / "fake-folder"
    assert (folder / "local.txt").read_bytes() == local and (folder / "small.txt").read_bytes() == PAYLOAD
    (data / "fake-folder" / "small.txt").write_bytes(PAYLOAD)
    assert sources.fetch("fake") == data / "fake-folder"  # everything in the data dir: that folder


def test_verify_reports_ok_missing_and_mismatch(dirs, monkeypatch):
    data, _ = dirs
    fake(monkeypatch, *(FileSpec(n, "http://127.0.0.1:9/" + n, sha(b"good")) for n in ("a", "b", "c")))
    (data / "fake-folder").mkdir()
    (data / "fake-folder" / "a").write_bytes(b"good")
    (data / "fake-folder" / "c").write_bytes(b"bad")
    assert [r[:3] for r in sources.verify("fake")] == [
        ("fake", "a", "ok"),
        ("fake", "b", "missing"),
        ("fake", "c", "mismatch"),
    ]
    everything = [r[:3] for r in sources.verify()]
    assert ("tinyshakespeare", "input.txt", "missing") in everything and ("fake", "c", "mismatch") in everything


# ---------------------------------------------------------------- command line


def test_cli_list_path_fetch_verify(dirs, server, monkeypatch, capsys):
    data, cache = dirs
    url, _ = server
    fake(
        monkeypatch,
        FileSpec("small.txt", url + "/small.txt", sha(PAYLOAD)),
        FileSpec("other.txt", url + "/nope", sha(b"other")),
    )
    (data / "fake-folder").mkdir()
    (data / "fake-folder" / "other.txt").write_bytes(b"other")

    assert run_cli(["data", "list", "--files"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^fake\s+2\s+data dir 1, not local 1\s+CC0$", out, re.M)
    assert re.search(r"^tinyshakespeare\s+1\s+not local\s+public domain", out, re.M)
    assert re.search(r"^  small\.txt\s+not local", out, re.M)

    assert run_cli(["data", "path", "fake", "other.txt"]) == 0
    assert capsys.readouterr().out.strip() == str(data / "fake-folder" / "other.txt")
    assert run_cli(["data", "path", "fake", "small.txt", "--no-download"]) == 2
    assert "downloading was disabled" in capsys.readouterr().err
    assert run_cli(["data", "path", "fake"]) == 2
    assert "name one of: small.txt, other.txt" in capsys.readouterr().err
    assert run_cli(["data", "path", "no-such-set"]) == 2
    assert "unknown dataset 'no-such-set'" in capsys.readouterr().err

    assert run_cli(["data", "fetch", "fake"]) == 0
    assert capsys.readouterr().out.strip() == str(cache / "fake-folder")

    assert run_cli(["data", "verify", "fake"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^fake\s+small\.txt\s+ok\s+\S+small\.txt$", out, re.M) and "2 ok, 0 missing, 0 mismatch" in out
    (data / "fake-folder" / "other.txt").write_bytes(b"tampered")
    assert run_cli(["data", "verify", "fake"]) == 1
    assert re.search(r"^fake\s+other\.txt\s+mismatch\s+\S+other\.txt$", capsys.readouterr().out, re.M)
    assert run_cli(["data"]) == 0 and "ACTION" in capsys.readouterr().out


# ---------------------------------------------------------------- the real registry against the real data


@needs_data_dir
def test_real_registry_matches_the_data_dir():
    root = Path(REAL_DATA_DIR)
    checked = 0
    for spec in DATASETS.values():
        for f in spec.files:
            p = root / spec.folder / f.name
            if not p.is_file():
                continue
            assert p.stat().st_size == f.size, f"{spec.name}/{f.name}: size {p.stat().st_size}, registry {f.size}"
            assert sources.sha256_file(p) == f.sha256, f"{spec.name}/{f.name}: sha256 differs from the registry"
            checked += 1
        folder = root / spec.folder
        if folder.is_dir():
            on_disk = {p.name for p in folder.iterdir() if p.is_file() and p.name not in ("SOURCE.md", "README.md")}
            assert on_disk <= {f.name for f in spec.files}, f"{spec.folder}: files missing from the registry"
    if checked == 0:
        pytest.skip(f"no registered file under {root}")


@needs_data_dir
def test_real_data_dir_is_found_first(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(tmp_path / "cache"))
    expected = Path(REAL_DATA_DIR) / "tinyshakespeare" / "input.txt"
    if not expected.is_file():
        pytest.skip("tinyshakespeare is not in ELMAN_DATA_DIR")
    assert sources.path("tinyshakespeare", download=False) == expected
    assert sources.open_text("tinyshakespeare", download=False).startswith("First Citizen:")
    assert run_cli(["data", "verify", "tinyshakespeare"]) == 0
    assert "1 ok, 0 missing, 0 mismatch" in capsys.readouterr().out
