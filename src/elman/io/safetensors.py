"""The safetensors file format, written and read with NumPy alone (no pickle, no extra dependency).

Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}``,
then the raw little-endian C-order bytes of every tensor; offsets count from the start of that byte
buffer, and the tensors cover it exactly, without gaps or overlaps.

The format has no checksum, so elman adds one: the files it writes carry the sha256 of that byte buffer in
their metadata under ``"elman.sha256"``, and ``load_file`` compares it with the bytes it reads. A flipped bit
in any tensor is then an error, not a silently different weight. Files written by other tools (the
``safetensors`` package, torch) have no such key and load as before; their headers are checked all the same.
Every problem with a file raises ``elman.errors.CheckpointError`` (a ``ValueError``) naming the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

from elman.errors import CheckpointError, InvalidInput, InvalidType, MissingFile

# Explicit little-endian dtypes: on a big-endian host NumPy then swaps bytes instead of misreading them.
_DTYPES = {
    "BOOL": "|b1",
    "U8": "|u1",
    "I8": "|i1",
    "U16": "<u2",
    "I16": "<i2",
    "F16": "<f2",
    "U32": "<u4",
    "I32": "<i4",
    "F32": "<f4",
    "U64": "<u8",
    "I64": "<i8",
    "F64": "<f8",
}
_NAMES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}
# Formats numpy has no dtype for: named in the error so that a reader knows the file is not corrupt.
_UNSUPPORTED = {"BF16", "F8_E4M3", "F8_E5M2", "C64", "C128"}
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}
DIGEST_KEY = "elman.sha256"  # metadata key of the data buffer's sha256, written and checked by elman only
_MAX_DIMS = 32  # NumPy's limit in 1.x; no real tensor comes near it


def _dtype_name(arr: np.ndarray, name: str) -> str:
    try:
        return _NAMES[arr.dtype.newbyteorder("=")]
    except KeyError:
        raise InvalidType(
            f"Tensor {name!r} has dtype {arr.dtype}, which safetensors cannot store; expected one of "
            f"{sorted(str(d) for d in _NAMES)}"
        ) from None


def _bytes_of(arr: np.ndarray) -> memoryview:
    """``arr``'s bytes (already little-endian and C-contiguous), without a copy."""
    return arr.reshape(-1).view(np.uint8).data


def _copy_into(f, arr: np.ndarray) -> None:
    """Write ``arr``'s bytes to ``f`` without an extra copy."""
    f.write(_bytes_of(arr))


def save_file(tensors: dict[str, np.ndarray], path, metadata: dict[str, str] | None = None) -> None:
    """Write ``tensors`` (name -> array of any shape, 0-d and empty included) to ``path``, atomically.

    The file is written to a temporary file beside ``path``, flushed, fsync'ed and renamed over it,
    so that a crash or an error leaves either the old file or the new one, never half of one. The sha256 of
    the tensor bytes goes into the metadata as ``"elman.sha256"`` (``read_metadata`` leaves it out).
    """
    if not isinstance(tensors, dict):
        raise InvalidType(f"tensors must be a dict of name -> numpy.ndarray, got {type(tensors).__name__}")
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise InvalidType("metadata must be a dict of str -> str (safetensors stores only strings there)")
    if metadata and DIGEST_KEY in metadata:
        raise InvalidInput(f"metadata key {DIGEST_KEY!r} is reserved: save_file writes the tensors' sha256 there")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise InvalidInput(f"Tensor names must be strings other than '__metadata__', got {name!r}")
        try:
            arr = np.asarray(value)
        except ValueError:  # a ragged nested list
            raise InvalidType(
                f"Tensor {name!r} must be a numpy.ndarray, got a {type(value).__name__} NumPy cannot read as one"
            ) from None
        code = _dtype_name(arr, name)
        # astype, not ascontiguousarray, which would turn a 0-d array into shape (1,).
        arrays[name] = (code, arr.astype(_DTYPES[code], order="C", copy=False))
    # Largest items first: with the header padded to 8 bytes, every tensor then starts at a multiple of its
    # item size, so that readers may map the data without copying.
    order = sorted(arrays, key=lambda n: (-arrays[n][1].itemsize, n))
    header, offset, digest = {}, 0, hashlib.sha256()
    for name in order:
        code, arr = arrays[name]
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
        digest.update(_bytes_of(arr))  # in file order: the digest is that of the data buffer as written
    header["__metadata__"] = {**(metadata or {}), DIGEST_KEY: digest.hexdigest()}
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = _create_temp(directory, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for name in order:
                _copy_into(f, arrays[name][1])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _create_temp(directory: str, base: str) -> tuple[int, str]:
    # Not tempfile.mkstemp: its 0600 mode would survive the rename; os.open with 0o666 applies the umask,
    # so the file gets the permissions that a plain open(path, "wb") would have given it.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {base!r} in {directory}")


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows), where it is skipped.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _no_duplicates(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        seen, repeated = set(), set()
        for key, _ in pairs:
            (repeated if key in seen else seen).add(key)
        raise ValueError(f"duplicate key(s) {sorted(repeated)[:5]}")
    return out


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _open(path):
    """``path`` opened for reading; a missing file or a directory is the user's to mend, not a traceback."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise MissingFile(f"{os.fspath(path)!s}: no such file; expected a .safetensors file there") from None
    except IsADirectoryError:
        raise CheckpointError(f"{os.fspath(path)!s}: is a directory, expected a .safetensors file") from None


def _check_entry(name, entry, data_len: int, fail) -> tuple[int, int]:
    """The (begin, end) of one tensor after checking its dtype, shape and offsets against each other."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
        raise fail(f"tensor {name!r} must have exactly the keys {sorted(_ENTRY_KEYS)}, got {entry!r:.200}")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(code, str) or code not in _DTYPES:
        if isinstance(code, str) and code in _UNSUPPORTED:  # a real format, not a damaged name: say so
            raise fail(f"tensor {name!r} has dtype {code}, which NumPy cannot represent")
        raise fail(f"tensor {name!r} has unknown dtype {code!r:.40}; expected one of {sorted(_DTYPES)}")
    if not (isinstance(shape, list) and all(_is_count(d) for d in shape)):
        raise fail(f"tensor {name!r} has an invalid shape {shape!r:.200}; expected a list of counts >= 0")
    itemsize = np.dtype(_DTYPES[code]).itemsize
    # Only a shape with a zero in it can hold huge sizes (it has no bytes), but NumPy cannot make it either.
    if len(shape) > _MAX_DIMS or math.prod(d for d in shape if d) * itemsize > sys.maxsize:
        raise fail(
            f"tensor {name!r} has shape {shape!r:.200}, too large for an array (at most {_MAX_DIMS} "
            "dimensions and 2**63 bytes)"
        )
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(_is_count(o) for o in offsets)
        and offsets[0] <= offsets[1] <= data_len
    ):
        raise fail(f"tensor {name!r} has data_offsets {offsets!r:.200} out of range for a {data_len}-byte buffer")
    nbytes = math.prod(shape) * itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise fail(f"tensor {name!r} spans {offsets[1] - offsets[0]} bytes but {code} of shape {shape} needs {nbytes}")
    return offsets[0], offsets[1]


def _read_header(f, path) -> tuple[dict, dict[str, str], int]:
    """Parse and check the header of the open file ``f``: (entries, metadata, data length in bytes)."""

    def fail(problem):
        return CheckpointError(f"{os.fspath(path)!s}: not a valid safetensors file: {problem}")

    size = os.fstat(f.fileno()).st_size
    if size < 8:
        raise fail(f"truncated file ({size} bytes, shorter than the 8-byte header length)")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > size - 8:
        raise fail(f"header length {n} is beyond the end of the file ({size} bytes)")
    try:
        header = json.loads(f.read(n).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as err:
        raise fail(f"header is not valid UTF-8 JSON ({str(err):.200})") from None
    except RecursionError:  # the JSON parser recurses once per level of nesting; a real header has three
        raise fail("header is nested too deeply to be a safetensors header") from None
    if not isinstance(header, dict):
        raise fail(f"header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if metadata is None:
        metadata = {}
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise fail("__metadata__ must be an object of string -> string")
    data_len = size - 8 - n
    spans = sorted((*_check_entry(name, entry, data_len, fail), name) for name, entry in header.items())
    end = 0
    for begin, stop, name in spans:
        if begin < end:
            raise fail(f"tensor {name!r} at data_offsets [{begin}, {stop}] overlaps the previous tensor")
        if begin > end:
            raise fail(f"gap of {begin - end} unused bytes before tensor {name!r}")
        end = stop
    if end != data_len:
        raise fail(f"{data_len - end} trailing bytes after the last tensor")
    return header, metadata, data_len


def read_metadata(path) -> dict[str, str]:
    """The ``__metadata__`` of the file at ``path`` ({} if none), after checking its whole header.

    elman's own ``"elman.sha256"`` entry is left out: it describes the file, not what the caller saved.
    """
    with _open(path) as f:
        metadata = _read_header(f, path)[1]
    return {k: v for k, v in metadata.items() if k != DIGEST_KEY}


def _check_digest(path, metadata: dict[str, str], data: bytes) -> None:
    """Compare the data buffer with the sha256 elman recorded when it wrote the file (if it did)."""
    expected = metadata.get(DIGEST_KEY)
    if expected is None:  # written by another tool: nothing to compare with
        return
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise CheckpointError(
            f"{os.fspath(path)!s}: the tensor data is damaged: its sha256 is {actual}, but the file was written "
            f"with {expected:.80}. Restore the file from a copy, or save it again from the model"
        )


def load_file(path) -> dict[str, np.ndarray]:
    """Read every tensor of ``path`` into a new, writable array (little-endian dtype, the stored shape).

    A file written by elman must still hold the bytes it was written with (``"elman.sha256"``).
    """
    with _open(path) as f:
        header, metadata, data_len = _read_header(f, path)
        data = f.read(data_len)
    if len(data) != data_len:  # the file shrank while being read
        raise CheckpointError(f"{os.fspath(path)!s}: not a valid safetensors file: truncated data")
    _check_digest(path, metadata, data)
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        if dtype == np.bool_ and end > begin and np.frombuffer(data, np.uint8, end - begin, begin).max() > 1:
            raise CheckpointError(
                f"{os.fspath(path)!s}: not a valid safetensors file: tensor {name!r} is BOOL "
                "but holds bytes other than 0 and 1"
            )
        # copy(): the arrays must not keep the whole file alive, and must be writable.
        out[name] = np.frombuffer(data, dtype, (end - begin) // dtype.itemsize, begin).reshape(entry["shape"]).copy()
    return out
