"""The weights the chapter ships are checked on load like every file elman writes: each carries its digest."""

import json
import struct
from pathlib import Path

import pytest

import elman.chapter.models as shipped
from elman.errors import CheckpointError
from elman.io.safetensors import load_file

WEIGHTS = sorted((Path(shipped.__file__).parent / "weights").glob("*.safetensors"))


@pytest.mark.parametrize("path", WEIGHTS, ids=lambda p: p.stem)
def test_shipped_weights_carry_a_digest_that_catches_a_flipped_byte(path, tmp_path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert "elman.sha256" in json.loads(raw[8 : 8 + n])["__metadata__"]
    damaged = bytearray(raw)
    damaged[-1] ^= 0x80
    (tmp_path / path.name).write_bytes(bytes(damaged))
    with pytest.raises(CheckpointError, match="sha256"):
        load_file(tmp_path / path.name)
