"""Snappy block decompression in pure Python (the codec Parquet files use by default).

A block is the uncompressed length as a varint, then elements: a literal (bytes copied from the input) or a copy
(``length`` bytes starting ``offset`` bytes back in the output; the two may overlap, which repeats a pattern).
The low two bits of an element's tag byte say which: 0 literal, 1 copy with an 11-bit offset, 2 and 3 copies with
2- and 4-byte offsets.

    >>> decompress(bytes([6, 0x04]) + b"ab" + bytes([0x01, 2]))   # "ab", then copy 4 bytes from 2 back
    b'ababab'
"""

from __future__ import annotations

from elman.errors import InvalidInput

__all__ = ["decompress"]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise InvalidInput("snappy data ends inside a varint")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if byte < 0x80:
            return value, pos


def decompress(data: bytes) -> bytes:
    """The bytes a snappy block encodes; InvalidInput when the block is malformed."""
    size, pos = _varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        kind, pos = tag & 3, pos + 1
        if kind == 0:  # literal: a length-1 below 60 in the tag, else in the next 1..4 bytes
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(data[pos : pos + extra], "little")
                pos += extra
            length += 1
            out += data[pos : pos + length]
            pos += length
            continue
        if kind == 1:
            length, offset = 4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | data[pos]
            pos += 1
        else:
            width = 2 if kind == 2 else 4
            length, offset = (tag >> 2) + 1, int.from_bytes(data[pos : pos + width], "little")
            pos += width
        start = len(out) - offset
        if offset == 0 or start < 0:
            raise InvalidInput(f"snappy copy reaches {offset} bytes back, before the start of the output")
        if offset >= length:
            out += out[start : start + length]
        else:  # overlapping: the last `offset` bytes repeat
            out += (out[start:] * (length // offset + 1))[:length]
    if len(out) != size:
        raise InvalidInput(f"snappy block decoded to {len(out)} bytes, its header says {size}")
    return bytes(out)
