"""elman.io keeps what it saved: a sha256 over the tensor bytes, hostile headers refused, one error family."""

import hashlib
import json
import struct

import numpy as np
import pytest

import elman
from elman.data.text import Vocab
from elman.errors import CheckpointError, InvalidInput, MissingFile
from elman.io import load_checkpoint, load_file, load_model, read_metadata, save_checkpoint, save_file, save_model
from elman.io.safetensors import DIGEST_KEY


def tensors():
    rng = np.random.default_rng(0)
    return {
        "w": rng.standard_normal((4, 3)).astype(np.float32),
        "b": np.arange(5, dtype=np.int64),
        "empty": np.zeros((0, 2), np.float32),
    }


def header_length(raw: bytes) -> int:
    return struct.unpack("<Q", raw[:8])[0]


def raw_file(header, data=b"", n=None) -> bytes:
    body = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(body) if n is None else n) + body + data


# ---------------------------------------------------------------- the sha256 of the tensor bytes


def test_a_flipped_tensor_byte_is_refused_with_both_hashes(tmp_path):
    path = tmp_path / "model.safetensors"
    save_file(tensors(), path)
    raw = bytearray(path.read_bytes())
    start = 8 + header_length(raw)
    expected = hashlib.sha256(raw[start:]).hexdigest()
    raw[start + 5] ^= 0x01  # one bit of the first tensor's bytes
    path.write_bytes(bytes(raw))
    actual = hashlib.sha256(raw[start:]).hexdigest()
    with pytest.raises(CheckpointError) as info:
        load_file(path)
    message = str(info.value)
    assert str(path) in message and expected in message and actual in message
    assert "damaged" in message and "save it again" in message
    assert isinstance(info.value, ValueError)


def test_the_digest_is_the_sha256_of_the_data_buffer(tmp_path):
    """Anyone can check it: the bytes after the header, hashed, equal the value in the metadata."""
    safe_open = pytest.importorskip("safetensors").safe_open
    path = tmp_path / "a.safetensors"
    save_file(tensors(), path, metadata={"who": "me"})
    raw = path.read_bytes()
    with safe_open(str(path), framework="np") as f:
        stored = f.metadata()
    assert stored == {"who": "me", DIGEST_KEY: hashlib.sha256(raw[8 + header_length(raw) :]).hexdigest()}
    assert read_metadata(path) == {"who": "me"}  # the caller gets back what it saved


def test_a_changed_digest_is_refused_too(tmp_path):
    path = tmp_path / "a.safetensors"
    save_file(tensors(), path)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw[8 + header_length(raw) :]).hexdigest()
    path.write_bytes(raw.replace(digest.encode(), ("0" * 64).encode()))
    with pytest.raises(CheckpointError, match="0" * 64):
        load_file(path)


def test_the_digest_key_is_reserved(tmp_path):
    with pytest.raises(InvalidInput, match="reserved"):
        save_file(tensors(), tmp_path / "a.safetensors", metadata={DIGEST_KEY: "x"})


@pytest.mark.parametrize("writer", ["numpy", "torch"])
def test_files_of_other_tools_have_no_digest_and_still_load(tmp_path, writer):
    path = str(tmp_path / f"{writer}.safetensors")
    arrays = tensors()
    if writer == "numpy":
        pytest.importorskip("safetensors.numpy").save_file(arrays, path, metadata={"from": "safetensors"})
    else:
        torch = pytest.importorskip("torch")
        st_torch = pytest.importorskip("safetensors.torch")
        st_torch.save_file({k: torch.from_numpy(v) for k, v in arrays.items()}, path, metadata={"from": "torch"})
    loaded = load_file(path)
    assert DIGEST_KEY not in read_metadata(path)
    for name, value in arrays.items():
        assert loaded[name].dtype == value.dtype and loaded[name].tobytes() == value.tobytes()


def test_the_reference_package_reads_files_with_a_digest(tmp_path):
    ref = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "ours.safetensors"
    save_file(tensors(), path)
    for name, value in ref.load_file(str(path)).items():
        assert value.tobytes() == tensors()[name].tobytes()


def test_a_damaged_checkpoint_is_refused_before_the_model_changes(tmp_path):
    rnn = elman.RNN(3, 4, rng=np.random.default_rng(0))
    path = tmp_path / "model.safetensors"
    save_model(path, rnn)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x80  # the sign bit of the last float
    path.write_bytes(bytes(raw))
    fresh = elman.RNN(3, 4, rng=np.random.default_rng(1))
    before = fresh.state_dict()
    with pytest.raises(CheckpointError, match="sha256"):
        load_model(path, fresh)
    assert all(np.array_equal(before[k], v) for k, v in fresh.state_dict().items())


# ---------------------------------------------------------------- hostile headers

F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
HOSTILE = {
    "deep_array": (raw_file(b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
    "deep_object": (raw_file(b'{"a":' * 100_000 + b"1" + b"}" * 100_000), "nested too deeply"),
    "deep_in_an_entry": (raw_file(b'{"a": {"dtype": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}"), "nested too deeply"),
    "huge_shape_with_a_zero": (
        raw_file({"a": {"dtype": "F32", "shape": [0, 2**62, 2**62], "data_offsets": [0, 0]}}),
        "too large",
    ),
    "too_many_dims": (raw_file({"a": {"dtype": "F32", "shape": [0] + [1] * 40, "data_offsets": [0, 0]}}), "too large"),
    "huge_dimension": (
        raw_file({"a": {"dtype": "F32", "shape": [2**64], "data_offsets": [0, 8]}}, bytes(8)),
        "too large",
    ),
    "dtype_not_a_string": (raw_file({"a": {**F32x2, "dtype": ["F32"]}}, bytes(8)), "unknown dtype"),
    "offsets_are_floats": (raw_file({"a": {**F32x2, "data_offsets": [0.0, 8.0]}}, bytes(8)), "out of range"),
    "shape_not_a_list": (raw_file({"a": {**F32x2, "shape": "2"}}, bytes(8)), "invalid shape"),
    "header_is_a_number": (raw_file(b"12345678"), "JSON object"),
    "header_length_beyond_2_63": (struct.pack("<Q", 2**64 - 1) + b"{}", "beyond the end"),
    "many_duplicate_keys": (
        raw_file(b"{" + b",".join(b'"k%d": 1' % (i % 50_000) for i in range(100_000)) + b"}"),
        "duplicate",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_headers_raise_a_checkpoint_error_naming_the_file(tmp_path, case):
    content, message = HOSTILE[case]
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(content)
    for read in (load_file, read_metadata):
        with pytest.raises(CheckpointError, match=message) as info:
            read(path)
        assert str(path) in str(info.value)


def test_a_missing_file_or_a_directory_says_so(tmp_path):
    with pytest.raises(MissingFile, match="no such file"):
        load_file(tmp_path / "absent.safetensors")
    with pytest.raises(CheckpointError, match="is a directory"):
        load_file(tmp_path)


# ---------------------------------------------------------------- checkpoints


def checkpoint_with(tmp_path, **metadata):
    path = tmp_path / "ckpt.safetensors"
    base = {"format": "elman.checkpoint", "format_version": "1", "has_optimizer_state": "0", "config": "null"}
    save_file({"param/w": np.zeros(2)}, path, metadata={**base, **metadata})
    return path


@pytest.mark.parametrize("version", ["²", "1" * 5000, "-1", " 1"])
def test_odd_format_versions_are_refused_clearly(tmp_path, version):
    with pytest.raises(CheckpointError, match="format_version"):
        load_checkpoint(checkpoint_with(tmp_path, format_version=version))


def test_a_deeply_nested_config_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="nested too deeply"):
        load_checkpoint(checkpoint_with(tmp_path, config="[" * 100_000 + "]" * 100_000))


def test_a_state_that_does_not_fit_the_model_is_a_checkpoint_error(tmp_path):
    rnn = elman.RNN(3, 4, rng=np.random.default_rng(0))
    path = tmp_path / "model.safetensors"
    state = rnn.state_dict()
    state["weight_hh_l0"] = np.full((4, 4), np.nan, np.float32)
    save_checkpoint(path, state, config=elman.io.model_config(rnn))
    with pytest.raises(CheckpointError, match=r"(?s)model\.safetensors: .*non-finite values in weight_hh_l0"):
        load_model(path, rnn)


# ---------------------------------------------------------------- vocabularies

VOCABULARY_FILES = {
    "not_utf8": (b'{"format": "elman.vocab", "itos": ["\xff"]}', "utf-8"),
    "nested": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "not_json": (b"<html>", "not a vocabulary"),
    "foreign": (b'{"format": "other", "version": 1, "itos": [], "specials": []}', "expected format 'elman.vocab'"),
}


@pytest.mark.parametrize("case", sorted(VOCABULARY_FILES))
def test_a_damaged_vocabulary_says_which_file_and_what(tmp_path, case):
    content, message = VOCABULARY_FILES[case]
    path = tmp_path / "vocab.json"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as info:
        Vocab.load(path)
    assert str(path) in str(info.value)


def test_a_missing_vocabulary_is_a_missing_file(tmp_path):
    with pytest.raises(MissingFile, match="vocab.json: no such file"):
        Vocab.load(tmp_path / "vocab.json")
    with pytest.raises(CheckpointError, match="is a directory"):
        Vocab.load(tmp_path)
