"""Just enough of Parquet to read one column of strings (the word list of a wheel's GloVe table), without pyarrow.

A Parquet file is ``PAR1``, column chunks made of pages, a footer (Thrift compact protocol) and ``PAR1``. Each
page has a Thrift header; a chunk may start with a dictionary page (the distinct values, PLAIN), then data pages
whose values are either PLAIN (``int32 length`` + bytes each) or indices into the dictionary (RLE_DICTIONARY: a
bit width, then the RLE / bit-packed hybrid encoding). An OPTIONAL column also stores definition levels (0 =
null) before the values. Pages are UNCOMPRESSED, SNAPPY or GZIP. Anything else (nested columns, other codecs or
encodings) raises InvalidInput: this reader only has to read files whose sha256 the registry pins.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from elman.data import snappy
from elman.errors import InvalidInput

__all__ = ["read_strings"]

_BYTE_ARRAY, _OPTIONAL = 6, 1  # parquet.thrift: Type, FieldRepetitionType
_PLAIN, _PLAIN_DICTIONARY, _RLE, _RLE_DICTIONARY = 0, 2, 3, 8  # parquet.thrift: Encoding
_DATA_PAGE, _DICTIONARY_PAGE, _DATA_PAGE_V2 = 0, 2, 3  # parquet.thrift: PageType


class _Thrift:
    """A reader of the Thrift compact protocol: a struct becomes ``{field id: value}``, a list a list."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def byte(self) -> int:
        if not 0 <= self.pos < len(self.data):
            raise InvalidInput("parquet: a Thrift structure runs past the end of the file")
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        value = shift = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    def zigzag(self) -> int:
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def value(self, kind: int):
        if kind in (1, 2):  # booleans inside a struct carry their value in the type
            return kind == 1
        if kind == 3:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            self.pos += 8
            return struct.unpack("<d", self.data[self.pos - 8 : self.pos])[0]
        if kind == 8:
            n = self.varint()
            self.pos += n
            return self.data[self.pos - n : self.pos]
        if kind in (9, 10):
            head = self.byte()
            n, elem = (head >> 4, head & 15) if head >> 4 != 15 else (self.varint(), head & 15)
            return [self.byte() == 1 if elem in (1, 2) else self.value(elem) for _ in range(n)]
        if kind == 11:
            n = self.varint()
            types = self.byte() if n else 0
            return {self.value(types >> 4): self.value(types & 15) for _ in range(n)}
        if kind == 12:
            return self.struct()
        raise InvalidInput(f"parquet: unknown Thrift type {kind}")

    def struct(self) -> dict:
        fields, last = {}, 0
        while (head := self.byte()) != 0:
            delta, kind = head >> 4, head & 15
            last = last + delta if delta else self.zigzag()
            fields[last] = self.value(kind)
        return fields


def _hybrid(data: bytes, pos: int, bit_width: int, count: int) -> np.ndarray:
    """``count`` integers of the RLE / bit-packed hybrid encoding starting at ``data[pos]``."""
    out, n, size = np.empty(count, dtype=np.int64), 0, (bit_width + 7) // 8
    weights = 1 << np.arange(bit_width, dtype=np.int64)
    reader = _Thrift(data, pos)
    while n < count:
        head = reader.varint()
        if head & 1:  # bit-packed: (head >> 1) groups of 8 values, little-endian bit order
            groups = head >> 1
            raw = np.frombuffer(data, np.uint8, groups * bit_width, reader.pos)
            reader.pos += groups * bit_width
            values = (
                np.unpackbits(raw, bitorder="little").reshape(-1, bit_width) @ weights
                if bit_width
                else np.zeros(groups * 8, dtype=np.int64)
            )
            take = min(len(values), count - n)
        else:  # a run: (head >> 1) copies of one value stored in `size` bytes
            take = min(head >> 1, count - n)
            values = np.full(take, int.from_bytes(data[reader.pos : reader.pos + size], "little"), dtype=np.int64)
            reader.pos += size
        out[n : n + take] = values[:take]
        n += take
    return out


def _plain_strings(data: bytes, pos: int, count: int) -> list[bytes]:
    values = []
    for _ in range(count):
        (n,) = struct.unpack_from("<i", data, pos)
        values.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return values


def _decompress(codec: int, data: bytes, size: int) -> bytes:
    if codec == 0:
        out = data
    elif codec == 1:
        out = snappy.decompress(data)
    elif codec == 2:
        out = zlib.decompress(data, 31)
    else:
        raise InvalidInput(f"parquet: compression codec {codec} is not supported (only none, snappy and gzip)")
    if len(out) != size:
        raise InvalidInput(f"parquet: a page decompressed to {len(out)} bytes, its header says {size}")
    return out


def _values(encoding: int, data: bytes, count: int, dictionary: list[bytes] | None) -> list[bytes]:
    if encoding == _PLAIN:
        return _plain_strings(data, 0, count)
    if encoding in (_PLAIN_DICTIONARY, _RLE_DICTIONARY) and dictionary is not None:
        ids = _hybrid(data, 1, data[0], count)
        if count and (ids.min() < 0 or ids.max() >= len(dictionary)):
            raise InvalidInput(f"parquet: a dictionary index is outside the {len(dictionary)} entries")
        return [dictionary[i] for i in ids.tolist()]
    raise InvalidInput(f"parquet: value encoding {encoding} is not supported (only PLAIN and RLE_DICTIONARY)")


def _page(data: bytes, pos: int, codec: int, optional: bool, dictionary):
    """One page at ``pos``: (its values or None, the dictionary it defines or None, the next page's position)."""
    reader = _Thrift(data, pos)
    header = reader.struct()
    kind, size, stored = header.get(1), header.get(2, 0), header.get(3, 0)
    body, end = data[reader.pos : reader.pos + stored], reader.pos + stored
    if kind == _DICTIONARY_PAGE:
        count = header[7][1]
        return None, _plain_strings(_decompress(codec, body, size), 0, count), end
    if kind == _DATA_PAGE:
        count, encoding = header[5][1], header[5][2]
        page = _decompress(codec, body, size)
        if optional:  # definition levels: an int32 length, then bit width 1 hybrid data
            (n,) = struct.unpack_from("<i", page, 0)
            present = _hybrid(page, 4, 1, count)
            page = page[4 + n :]
        else:
            present = np.ones(count, dtype=np.int64)
    elif kind == _DATA_PAGE_V2:
        v2 = header[8]
        count, encoding, levels = v2[1], v2[4], v2.get(5, 0) + v2.get(6, 0)
        present = _hybrid(body, v2.get(6, 0), 1, count) if optional else np.ones(count, dtype=np.int64)
        values = body[levels:]
        page = _decompress(codec, values, size - levels) if v2.get(7, True) else values
    else:
        return None, None, end
    if not present.all():
        raise InvalidInput(f"parquet: the column has {int((present == 0).sum())} null values; expected none")
    return _values(encoding, page, count, dictionary), None, end


def read_strings(data: bytes) -> list[str]:
    """The values of the only column of a Parquet file, a column of non-null UTF-8 strings, in row order."""
    if len(data) < 12 or data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        raise InvalidInput("not a parquet file: expected PAR1 at both ends")
    (footer_len,) = struct.unpack_from("<i", data, len(data) - 8)
    if not 0 < footer_len <= len(data) - 12:
        raise InvalidInput(f"parquet: the footer length {footer_len} does not fit a file of {len(data)} bytes")
    meta = _Thrift(data, len(data) - 8 - footer_len).struct()
    leaves = [s for s in meta[2] if 1 in s]  # schema elements with a physical type are columns
    if len(leaves) != 1 or leaves[0][1] != _BYTE_ARRAY:
        raise InvalidInput(f"parquet: expected one column of byte arrays, found {len(leaves)} columns")
    optional = leaves[0].get(3) == _OPTIONAL
    words: list[bytes] = []
    for group in meta[4]:
        column = group[1][0][3]
        codec, count = column[4], column[5]
        pos = column.get(11) or column[9]  # the dictionary page, when there is one, comes first
        dictionary, got = None, []
        while len(got) < count:
            values, new_dictionary, pos = _page(data, pos, codec, optional, dictionary)
            dictionary = new_dictionary or dictionary
            got += values or []
        words += got
    try:
        return [w.decode("utf-8") for w in words]
    except UnicodeDecodeError as err:
        raise InvalidInput(f"parquet: a value is not UTF-8 ({err.reason})") from None
