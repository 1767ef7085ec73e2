"""Property-based fuzzing of what elman reads from disk: safetensors files, checkpoints and vocabularies.

Valid files are mutated the way disks, downloads and attackers do it: cut short, bytes flipped in the
header or the data, the 8-byte header length rewritten, bytes inserted or removed, a header field
replaced by any JSON, the header nested thousands deep. Reading must either give the tensors or raise
a CheckpointError (an ElmanError) that names the file; a changed tensor byte in a file elman wrote is
always refused (its sha256); and a refused checkpoint leaves the model as it was.
"""

import json
import struct

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import elman
from elman.data.text import Vocab
from elman.errors import CheckpointError
from elman.io import load_checkpoint, load_file, load_model, read_metadata, save_file, save_model
from fuzz_support import SCALARS, Draw, assert_unchanged, failed, fuzz, outcome, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# Any JSON value, weighted towards the names and numbers a safetensors header holds.
KEYS = st.sampled_from(["dtype", "shape", "data_offsets", "__metadata__", "w", "elman.sha256", "format", ""])
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 20),
    st.sampled_from([2**63, 2**64, -(2**65), 10**30]),
    st.floats(),
    st.text(max_size=4),
    st.sampled_from(["F32", "I64", "BF16", "f32", "BOOL", "U8"]),
)
JSON = st.recursive(
    LEAVES,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(KEYS | st.text(max_size=3), kids, max_size=3),
    max_leaves=8,
)
MUTATIONS = st.sampled_from(
    ["truncate", "flip", "flip", "flip_data", "length", "insert", "delete", "field", "header", "nest"]
)
POSITIONS = st.integers(0, 2**16)
BYTES = st.binary(min_size=1, max_size=8)
LENGTHS = st.one_of(st.integers(0, 2**64 - 1), st.integers(-16, 16))
DEPTHS = st.sampled_from([2, 50, 1000, 100_000])
FIELDS = st.sampled_from(["dtype", "shape", "data_offsets", "extra", "drop"])


def tensors():
    rng = np.random.default_rng(0)
    return {
        "w": rng.standard_normal((2, 3)).astype(np.float32),
        "step": np.array(7),
        "empty": np.zeros((0, 2)),
        "flags": np.array([True, False]),
        "half": np.array([1.5, -2.0], np.float16),
    }


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """name -> (bytes of a valid file, whether elman wrote it)."""
    folder = tmp_path_factory.mktemp("originals")
    save_file(tensors(), folder / "elman.safetensors", metadata={"note": "fuzz"})
    save_model(folder / "model.safetensors", elman.RNN(2, 3, rng=np.random.default_rng(0)))
    out = {name: ((folder / f"{name}.safetensors").read_bytes(), True) for name in ("elman", "model")}
    ref = pytest.importorskip("safetensors.numpy")
    ref.save_file(tensors(), str(folder / "reference.safetensors"))
    out["reference"] = ((folder / "reference.safetensors").read_bytes(), False)
    return out


def header_end(raw: bytes) -> int:
    return 8 + struct.unpack("<Q", raw[:8])[0] if len(raw) >= 8 else len(raw)


def parsed_header(raw: bytes):
    """The header as a dict, or None when it is no longer one."""
    try:
        header = json.loads(raw[8 : header_end(raw)])
    except (ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def with_header(raw: bytes, header: bytes) -> bytes:
    return struct.pack("<Q", len(header)) + header + raw[header_end(raw) :]


def mutate(draw: Draw, raw: bytes) -> bytes:
    """``raw`` after one mutation drawn from MUTATIONS."""
    kind, at = draw(MUTATIONS, "mutation"), draw(POSITIONS) % (len(raw) + 1)
    if kind == "truncate":
        return raw[:at]
    if kind in ("flip", "flip_data") and raw:
        if kind == "flip_data":  # somewhere in the tensor bytes, if there are any
            at = header_end(raw) + draw(POSITIONS) % max(1, len(raw) - header_end(raw))
        at = min(at, len(raw) - 1)
        return raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    if kind == "length" and len(raw) >= 8:
        n = draw(LENGTHS)
        return struct.pack("<Q", (header_end(raw) - 8 + n) % 2**64 if abs(n) <= 16 else n) + raw[8:]
    if kind == "insert":
        return raw[:at] + draw(BYTES) + raw[at:]
    if kind == "delete":
        return raw[:at] + raw[at + draw(st.integers(1, 16)) :]
    header = parsed_header(raw)
    if header is None:  # an earlier mutation broke the header: cut the file instead
        return raw[:at]
    entries = sorted(k for k, v in header.items() if k != "__metadata__" and isinstance(v, dict))
    if kind == "field" and entries:
        name = draw(st.sampled_from(entries))
        field = draw(FIELDS, "field")
        if field == "drop" and header[name]:
            header[name].pop(draw(st.sampled_from(sorted(header[name]))))
        else:
            header[name][field] = draw(JSON, "value")
    elif kind == "header":
        header = draw(JSON, "header")
    else:
        depth = draw(DEPTHS, "depth")
        return with_header(raw, b"[" * depth + json.dumps(header).encode() + b"]" * depth)
    return with_header(raw, json.dumps(header).encode())


@fuzz(1500)
@given(name=st.sampled_from(["elman", "reference", "model"]), data=st.data())
def test_mutated_safetensors_files_load_or_raise_a_checkpoint_error(originals, tmp_path_factory, name, data):
    draw = Draw(data)
    raw, ours = originals[name]
    mutated = raw
    for _ in range(draw(st.integers(1, 3))):
        mutated = mutate(draw, mutated)
    note(f"{len(raw)} bytes became {len(mutated)}: {mutated[:200]!r}")
    path = tmp_path_factory.getbasetemp() / "mutated.safetensors"
    path.write_bytes(mutated)
    for read in (load_file, read_metadata):
        result = outcome(lambda read=read: read(path))
        if failed(result):
            assert isinstance(result, CheckpointError) and str(path) in str(result)
    event("refused" if failed(result) else "loaded")
    changed_data_only = (
        len(mutated) == len(raw) and mutated[: header_end(raw)] == raw[: header_end(raw)] and mutated != raw
    )
    if ours and changed_data_only:  # the sha256 sees every changed tensor byte
        assert failed(result := outcome(lambda: load_file(path))) and "sha256" in str(result)


@fuzz(500)
@given(data=st.data())
def test_mutated_checkpoints_are_refused_before_the_model_changes(originals, tmp_path_factory, data):
    draw = Draw(data)
    mutated = originals["model"][0]
    for _ in range(draw(st.integers(1, 2))):
        mutated = mutate(draw, mutated)
    path = tmp_path_factory.getbasetemp() / "checkpoint.safetensors"
    path.write_bytes(mutated)
    outcome(lambda: load_checkpoint(path))
    model = elman.RNN(2, 3, rng=np.random.default_rng(1))
    before = snapshot(model.params)
    if failed(outcome(lambda: load_model(path, model))):
        assert_unchanged(model.params, before, "RNN")


NAMES = st.one_of(st.text(max_size=4), st.sampled_from(["__metadata__", "w", "elman.sha256", b"w", 1, None, 1.5]))
VALUE_DTYPES = (np.float32, np.float64, np.int64, np.bool_, np.complex64, np.float16, np.uint8, object, "U2", "M8[s]")


@fuzz(400)
@given(data=st.data())
def test_saving_anything_writes_a_valid_file_or_nothing(tmp_path_factory, data):
    draw = Draw(data)
    folder = tmp_path_factory.mktemp("save")
    path = folder / "out.safetensors"
    path.write_bytes(b"the old file")
    tensors = {}
    for _ in range(draw(st.integers(0, 3))):
        name = draw(NAMES, "name")
        if draw(st.booleans()):
            dtype = draw(st.sampled_from(VALUE_DTYPES))
            shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
            tensors[name] = np.zeros(shape, dtype) if dtype in ("U2", "M8[s]", object) else draw.array(dtype, shape)
        else:
            tensors[name] = draw.any_value("value")
    metadata = draw(st.none() | st.dictionaries(NAMES, NAMES | SCALARS, max_size=2) | SCALARS, "metadata")
    result = outcome(lambda: save_file(tensors, path, metadata=metadata))
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["out.safetensors"], f"temporary files left behind: {files}"
    if failed(result):
        assert path.read_bytes() == b"the old file"
    else:
        loaded = load_file(path)
        assert sorted(loaded) == sorted(tensors)
        for k, v in loaded.items():
            assert v.tobytes() == np.asarray(tensors[k]).astype(v.dtype).tobytes()


VOCAB = json.dumps(
    {"format": "elman.vocab", "version": 1, "itos": ["<pad>", "<unk>", "a", "b"], "specials": ["<pad>", "<unk>"]}
)
VOCAB_KEYS = st.sampled_from(["format", "version", "itos", "specials", "extra"])
VOCAB_MUTATIONS = st.sampled_from(["field", "field", "drop", "json", "bytes", "nest", "encoding"])
ENCODINGS = st.sampled_from(["utf-16", "latin-1", "utf-8-sig"])


@fuzz(600)
@given(data=st.data())
def test_hostile_vocabulary_files(tmp_path_factory, data):
    draw = Draw(data)
    kind, vocab = draw(VOCAB_MUTATIONS, "mutation"), json.loads(VOCAB)
    if kind == "field":
        vocab[draw(VOCAB_KEYS)] = draw(JSON | st.lists(st.text(max_size=3), max_size=4), "value")
        raw = json.dumps(vocab).encode()
    elif kind == "drop":
        vocab.pop(draw(VOCAB_KEYS), None)
        raw = json.dumps(vocab).encode()
    elif kind == "json":
        raw = json.dumps(draw(JSON, "document")).encode()
    elif kind == "bytes":
        raw = mutate_bytes(draw, VOCAB.encode())
    elif kind == "nest":
        depth = draw(DEPTHS, "depth")
        raw = b"[" * depth + VOCAB.encode() + b"]" * depth
    else:
        raw = json.dumps({**vocab, "itos": [*vocab["itos"], "é"]}, ensure_ascii=False).encode(draw(ENCODINGS))
    path = tmp_path_factory.getbasetemp() / "vocab.json"
    path.write_bytes(raw)
    result = outcome(lambda: Vocab.load(path))
    event("refused" if failed(result) else "loaded")
    if failed(result):
        assert isinstance(result, CheckpointError) and str(path) in str(result)


def mutate_bytes(draw: Draw, raw: bytes) -> bytes:
    at = draw(POSITIONS) % len(raw)
    if draw(st.booleans()):
        return raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    return raw[:at]
