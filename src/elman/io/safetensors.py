"""The safetensors file format, written and read with NumPy alone (no pickle, no extra dependency).

Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}``,
then the raw little-endian C-order bytes of every tensor; offsets count from the start of that byte
buffer, and the tensors cover it exactly, without gaps or overlaps.
"""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

# Explicit little-endian dtypes: on a big-endian host NumPy then swaps bytes instead of misreading them.
_DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "F16": "<f2", "U32": "<u4",
           "I32": "<i4", "F32": "<f4", "U64": "<u8", "I64": "<i8", "F64": "<f8"}
_NAMES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}
# Formats numpy has no dtype for: named in the error so that a reader knows the file is not corrupt.
_UNSUPPORTED = {"BF16", "F8_E4M3", "F8_E5M2", "C64", "C128"}
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}


def _dtype_name(arr: np.ndarray, name: str) -> str:
    try:
        return _NAMES[arr.dtype.newbyteorder("=")]
    except KeyError:
        raise TypeError(f"Tensor {name!r} has dtype {arr.dtype}, which safetensors cannot store; expected one of "
                        f"{sorted(str(d) for d in _NAMES)}") from None


def _copy_into(f, arr: np.ndarray) -> None:
    """Write ``arr``'s bytes (already little-endian and C-contiguous) to ``f`` without an extra copy."""
    f.write(arr.reshape(-1).view(np.uint8).data)


def save_file(tensors: dict[str, np.ndarray], path, metadata: dict[str, str] | None = None) -> None:
    """Write ``tensors`` (name -> array of any shape, 0-d and empty included) to ``path``, atomically.

    The file is written to a temporary file beside ``path``, flushed, fsync'ed and renamed over it,
    so that a crash or an error leaves either the old file or the new one, never half of one.
    """
    if not isinstance(tensors, dict):
        raise TypeError(f"tensors must be a dict of name -> numpy.ndarray, got {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("metadata must be a dict of str -> str (safetensors stores only strings there)")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"Tensor names must be strings other than '__metadata__', got {name!r}")
        arr = np.asarray(value)
        code = _dtype_name(arr, name)
        # astype, not ascontiguousarray, which would turn a 0-d array into shape (1,).
        arrays[name] = (code, arr.astype(_DTYPES[code], order="C", copy=False))
    # Largest items first: with the header padded to 8 bytes, every tensor then starts at a multiple of its
    # item size, so that readers may map the data without copying.
    order = sorted(arrays, key=lambda n: (-arrays[n][1].itemsize, n))
    header, offset = {}, 0
    for name in order:
        code, arr = arrays[name]
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    if metadata:
        header["__metadata__"] = dict(metadata)
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
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate key(s) {sorted({k for k in keys if keys.count(k) > 1})}")
    return dict(pairs)


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _read_header(f, path) -> tuple[dict, dict[str, str], int]:
    """Parse and check the header of the open file ``f``: (entries, metadata, data length in bytes)."""
    def fail(problem):
        return ValueError(f"{os.fspath(path)!s}: not a valid safetensors file: {problem}")

    size = os.fstat(f.fileno()).st_size
    if size < 8:
        raise fail(f"truncated file ({size} bytes, shorter than the 8-byte header length)")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > size - 8:
        raise fail(f"header length {n} is beyond the end of the file ({size} bytes)")
    try:
        header = json.loads(f.read(n).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as err:
        raise fail(f"header is not valid UTF-8 JSON ({err})") from None
    if not isinstance(header, dict):
        raise fail(f"header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", {})
    if metadata is None:
        metadata = {}
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise fail("__metadata__ must be an object of string -> string")
    data_len = size - 8 - n
    spans = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            raise fail(f"tensor {name!r} must have exactly the keys {sorted(_ENTRY_KEYS)}, got {entry!r}")
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if code in _UNSUPPORTED:
            raise fail(f"tensor {name!r} has dtype {code}, which NumPy cannot represent")
        if code not in _DTYPES:
            raise fail(f"tensor {name!r} has unknown dtype {code!r}; expected one of {sorted(_DTYPES)}")
        if not (isinstance(shape, list) and all(_is_count(d) for d in shape)):
            raise fail(f"tensor {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)
                and offsets[0] <= offsets[1] <= data_len):
            raise fail(f"tensor {name!r} has data_offsets {offsets!r} out of range for a {data_len}-byte buffer")
        nbytes = math.prod(shape) * np.dtype(_DTYPES[code]).itemsize
        if offsets[1] - offsets[0] != nbytes:
            raise fail(f"tensor {name!r} spans {offsets[1] - offsets[0]} bytes but {code} of shape {shape} "
                       f"needs {nbytes}")
        spans.append((offsets[0], offsets[1], name))
    end = 0
    for begin, stop, name in sorted(spans):
        if begin < end:
            raise fail(f"tensor {name!r} at data_offsets [{begin}, {stop}] overlaps the previous tensor")
        if begin > end:
            raise fail(f"gap of {begin - end} unused bytes before tensor {name!r}")
        end = stop
    if end != data_len:
        raise fail(f"{data_len - end} trailing bytes after the last tensor")
    return header, metadata, data_len


def read_metadata(path) -> dict[str, str]:
    """The ``__metadata__`` of the file at ``path`` ({} if none), after checking its whole header."""
    with open(path, "rb") as f:
        return dict(_read_header(f, path)[1])


def load_file(path) -> dict[str, np.ndarray]:
    """Read every tensor of ``path`` into a new, writable array (little-endian dtype, the stored shape)."""
    with open(path, "rb") as f:
        header, _, data_len = _read_header(f, path)
        data = f.read(data_len)
    if len(data) != data_len:  # the file shrank while being read
        raise ValueError(f"{os.fspath(path)!s}: not a valid safetensors file: truncated data")
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        if dtype == np.bool_ and end > begin and np.frombuffer(data, np.uint8, end - begin, begin).max() > 1:
            raise ValueError(f"{os.fspath(path)!s}: not a valid safetensors file: tensor {name!r} is BOOL but "
                             "holds bytes other than 0 and 1")
        # copy(): the arrays must not keep the whole file alive, and must be writable.
        out[name] = np.frombuffer(data, dtype, (end - begin) // dtype.itemsize, begin).reshape(entry["shape"]).copy()
    return out
