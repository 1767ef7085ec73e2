"""elman.io: the safetensors format (with the reference package), checkpoints, torch weights and Keras' SimpleRNN
weight layout (Keras itself is not installed: those tests hold the conversion to SimpleRNN's documented equations,
run by a plain loop and by torch.nn.RNN, not to Keras)."""

import json
import os
import struct
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import elman
from elman.errors import CheckpointError
from elman.io import (
    from_keras_simple_rnn,
    from_torch_state_dict,
    load_checkpoint,
    load_file,
    load_model,
    model_config,
    read_metadata,
    save_checkpoint,
    save_file,
    save_model,
    to_keras_simple_rnn,
    to_torch_state_dict,
)
from elman.io import safetensors as st_mod


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_dicts(a, b):
    assert list(sorted(a)) == list(sorted(b))
    for k in a:
        assert same_bits(np.asarray(a[k]), np.asarray(b[k])), k


def sample_tensors():
    rng = np.random.default_rng(0)
    return {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f64": rng.standard_normal(5),
        "i64": np.arange(-3, 3, dtype=np.int64).reshape(2, 3),
        "scalar": np.array(2.5),
        "step": np.array(7),
        "empty": np.zeros((0, 3), np.float32),
        "empty64": np.zeros(0),
        "flags": np.array([True, False]),
        "u8": np.arange(5, dtype=np.uint8),
        "f16": np.array([1.5, -2.0], np.float16),
        "strided": np.arange(12.0).reshape(3, 4)[:, ::2],
        "nan": np.array([np.nan, -0.0, np.inf]),
    }


# ---------------------------------------------------------------- safetensors format


def test_round_trip_is_bitwise_and_keeps_metadata(tmp_path):
    path = tmp_path / "t.safetensors"
    tensors = sample_tensors()
    save_file(tensors, path, metadata={"who": "elman", "n": "1"})
    loaded = load_file(path)
    assert_same_dicts(loaded, tensors)  # tobytes() is C-order, so the strided view compares too
    assert loaded["scalar"].shape == () and loaded["empty"].shape == (0, 3)
    assert all(v.flags.writeable for v in loaded.values())
    assert read_metadata(path) == {"who": "elman", "n": "1"}
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0  # header padded so that the data starts aligned


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64]), hnp.array_shapes(min_dims=0, min_side=0)))
def test_round_trip_property(tmp_path_factory, arr):
    path = tmp_path_factory.mktemp("p") / "a.safetensors"
    save_file({"a": arr}, path)
    assert same_bits(load_file(path)["a"], arr)


def test_interop_with_reference_package(tmp_path):
    ref = pytest.importorskip("safetensors.numpy", reason="the safetensors package is not installed")
    tensors = sample_tensors()
    ours, theirs = tmp_path / "ours.safetensors", tmp_path / "theirs.safetensors"
    save_file(tensors, ours, metadata={"k": "v"})
    assert_same_dicts(ref.load_file(str(ours)), tensors)
    tensors["strided"] = tensors["strided"].copy()  # the reference writer wants contiguous arrays
    ref.save_file(tensors, str(theirs), metadata={"from": "safetensors"})
    assert_same_dicts(load_file(theirs), ref.load_file(str(theirs)))
    assert read_metadata(theirs) == {"from": "safetensors"}


def raw_file(header, data=b"", n=None):
    body = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(body) if n is None else n) + body + data


F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
CORRUPT = {
    "truncated": (b"\x01\x02\x03", "truncated"),
    "header_beyond_file": (raw_file(b"{}", n=1000), "beyond the end"),
    "invalid_json": (raw_file(b"{not json}"), "not valid UTF-8 JSON"),
    "invalid_utf8": (raw_file(b'{"\xff": 1}'), "not valid UTF-8 JSON"),
    "not_object": (raw_file(b"[1, 2]"), "JSON object"),
    "duplicate_key": (raw_file(b'{"a": 1, "a": 2}'), "duplicate"),
    "unknown_dtype": (raw_file({"a": {**F32x2, "dtype": "Q99"}}, bytes(8)), "unknown dtype"),
    "bf16": (raw_file({"a": {**F32x2, "dtype": "BF16", "data_offsets": [0, 4]}}, bytes(4)), "BF16"),
    "missing_key": (raw_file({"a": {"dtype": "F32", "shape": [2]}}, bytes(8)), "exactly the keys"),
    "bad_shape": (raw_file({"a": {**F32x2, "shape": [-2]}}, bytes(8)), "invalid shape"),
    "out_of_range": (raw_file({"a": {**F32x2, "shape": [4], "data_offsets": [0, 16]}}, bytes(8)), "out of range"),
    "size_mismatch": (raw_file({"a": {**F32x2, "shape": [3]}}, bytes(8)), "needs 12"),
    "overlap": (raw_file({"a": F32x2, "b": {**F32x2, "data_offsets": [4, 12]}}, bytes(12)), "overlaps"),
    "gap": (raw_file({"a": {**F32x2, "data_offsets": [4, 12]}}, bytes(12)), "gap"),
    "trailing": (raw_file({"a": F32x2}, bytes(12)), "4 trailing bytes"),
    "truncated_data": (raw_file({"a": F32x2}, bytes(4)), "out of range"),
    "bad_metadata": (raw_file({"__metadata__": {"a": 1}}), "__metadata__"),
    "bad_bool": (raw_file({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07"), "BOOL"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_files_are_rejected(tmp_path, case):
    content, message = CORRUPT[case]
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as info:
        load_file(path)
    assert str(path) in str(info.value)


def test_corrupt_cut_of_a_valid_file(tmp_path):
    path = tmp_path / "t.safetensors"
    save_file(sample_tensors(), path)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(CheckpointError, match="out of range"):
        load_file(path)


def test_save_rejects_bad_input(tmp_path):
    with pytest.raises(TypeError, match="cannot store"):
        save_file({"a": np.array(["x"])}, tmp_path / "a")
    with pytest.raises(TypeError, match="metadata"):
        save_file({"a": np.zeros(2)}, tmp_path / "a", metadata={"a": 1})
    with pytest.raises(ValueError, match="__metadata__"):
        save_file({"__metadata__": np.zeros(2)}, tmp_path / "a")
    assert os.listdir(tmp_path) == []


def test_atomic_write_leaves_no_temp_file(tmp_path):
    save_file({"a": np.zeros(3)}, tmp_path / "a.safetensors")
    save_file({"a": np.ones(3)}, tmp_path / "a.safetensors")
    assert os.listdir(tmp_path) == ["a.safetensors"]
    assert load_file(tmp_path / "a.safetensors")["a"].tolist() == [1, 1, 1]
    (tmp_path / "plain").write_bytes(b"")  # the rename keeps the permissions a plain write would give
    assert os.stat(tmp_path / "a.safetensors").st_mode == os.stat(tmp_path / "plain").st_mode


@pytest.mark.parametrize("where", ["mid_write", "fsync"])
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch, where):
    path = tmp_path / "a.safetensors"
    save_file({"a": np.zeros(3)}, path)
    before = path.read_bytes()

    def broken(*args):
        if where == "mid_write":
            args[0].write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(*((st_mod, "_copy_into", broken) if where == "mid_write" else (os, "fsync", broken)))
    with pytest.raises(OSError, match="disk full"):
        save_file({"a": np.ones(3), "b": np.ones(2)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["a.safetensors"]


# ---------------------------------------------------------------- checkpoints


def make_rnn(seed=0, **kwargs):
    args = {"num_layers": 2, "bidirectional": True, "dtype": "float64", **kwargs}
    return elman.RNN(3, 5, rng=np.random.default_rng(seed), **args)


def test_checkpoint_round_trip(tmp_path):
    rnn = make_rnn()
    optim = {"step": np.array(12), **{f"exp_avg.{k}": np.full_like(v, 0.5) for k, v in rnn.params.items()}}
    config = {"model": model_config(rnn), "lr": 1e-3, "betas": [0.9, 0.999]}
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, rnn.state_dict(), optim, config)
    params, optim2, config2 = load_checkpoint(path)
    assert_same_dicts(params, rnn.state_dict())
    assert_same_dicts(optim2, optim)
    assert config2 == config
    assert config2["model"]["bidirectional"] is True and config2["model"]["dtype"] == "float64"
    save_checkpoint(path, rnn.state_dict())
    assert load_checkpoint(path)[1:] == (None, None)


def test_checkpoint_rejects_foreign_and_bad_files(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file({"w": np.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="not an elman checkpoint"):
        load_checkpoint(path)
    save_file({"w": np.zeros(2)}, path, metadata={"format": "elman.checkpoint", "format_version": "99"})
    with pytest.raises(ValueError, match="format_version"):
        load_checkpoint(path)
    save_file({"w": np.zeros(2)}, path, metadata={"format": "elman.checkpoint", "format_version": "1"})
    with pytest.raises(ValueError, match="unexpected tensor 'w'"):
        load_checkpoint(path)
    path.write_bytes(b"garbage!" * 3)
    with pytest.raises(CheckpointError, match="not a valid safetensors file"):
        load_checkpoint(path)
    with pytest.raises(TypeError, match="JSON-serialisable"):
        save_checkpoint(path, {}, config={"f": object()})


def test_save_and_load_model(tmp_path):
    path = tmp_path / "m.safetensors"
    rnn = make_rnn(seed=1, learn_h0=True)
    rnn.params["h0"][...] = 0.25
    save_model(path, rnn)
    target = make_rnn(seed=2, learn_h0=True)
    assert load_model(path, target) is target
    assert_same_dicts(target.state_dict(), rnn.state_dict())


@pytest.mark.parametrize(
    "change",
    [{"bidirectional": False}, {"dtype": "float32"}, {"num_layers": 1}, {"nonlinearity": "relu", "batch_first": True}],
)
def test_load_model_with_other_config_changes_nothing(tmp_path, change):
    path = tmp_path / "m.safetensors"
    save_model(path, make_rnn())
    target = make_rnn(seed=3, **change)
    before = target.state_dict()
    with pytest.raises(ValueError, match="does not match the model") as info:
        load_model(path, target)
    for field in change:
        assert f"{field}: checkpoint" in str(info.value)
    assert_same_dicts(target.state_dict(), before)


# ---------------------------------------------------------------- torch


def test_torch_round_trip():
    torch = pytest.importorskip("torch")
    rnn = make_rnn()
    net = torch.nn.RNN(3, 5, num_layers=2, bidirectional=True, dtype=torch.float64)
    net.load_state_dict(to_torch_state_dict(rnn))
    x = np.random.default_rng(4).standard_normal((6, 2, 3))
    out, h_n = rnn(x)
    with torch.no_grad():
        t_out, t_h = net(torch.from_numpy(x))
    np.testing.assert_allclose(t_out.numpy(), out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t_h.numpy(), h_n, rtol=0, atol=1e-12)
    back = from_torch_state_dict(net.state_dict())
    assert_same_dicts(back, rnn.state_dict())
    other = make_rnn(seed=9)
    other.load_state_dict(back)
    assert_same_dicts(other.state_dict(), rnn.state_dict())


def test_torch_missing_gives_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0.*elman\[torch\]"):
        to_torch_state_dict({"w": np.zeros(2)})
    assert from_torch_state_dict({"w": np.ones(2)})["w"].tolist() == [1, 1]  # arrays need no torch


# ---------------------------------------------------------------- Keras SimpleRNN's layout
#
# Keras is not installable here, so nothing below runs Keras. What is checked is the layout: weights given as
# Keras stores them (kernel (I, H), recurrent_kernel (H, H), one bias (H,)), converted, make elman compute what
# SimpleRNN's documented step computes with them, written out below in Keras' row-vector form, independently of
# elman's kernels: output_t = tanh(x_t · kernel + output_{t-1} · recurrent_kernel + bias), from a zero state,
# every step returned (return_sequences=True), each layer feeding the next. The same converted weights are also
# run by torch.nn.RNN, a second engine that shares none of elman's code, and both directions of the conversion
# are held to it. A disagreement with real Keras outside these equations (its defaults, its weight order, an
# activation other than tanh) would not be caught.


def simple_rnn_equations(x, layers):
    """Stacked SimpleRNN(return_sequences=True) by its equations, in Keras' layout: x (B, T, I) -> (B, T, H)."""
    for kernel, recurrent_kernel, bias in layers:
        h = np.zeros((x.shape[0], kernel.shape[1]))
        outputs = []
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + (0 if bias is None else bias))
            outputs.append(h)
        x = np.stack(outputs, axis=1)
    return x


def keras_layers(use_bias=True, I=3, H=5, L=2, seed=5):
    rng = np.random.default_rng(seed)
    return [
        (
            rng.uniform(-0.5, 0.5, (I if k == 0 else H, H)),
            rng.uniform(-0.5, 0.5, (H, H)),
            rng.uniform(-0.5, 0.5, H) if use_bias else None,
        )
        for k in range(L)
    ]


@pytest.mark.parametrize("use_bias", [True, False])
def test_weights_in_keras_layout_give_the_simple_rnn_equations_outputs(use_bias):
    layers = keras_layers(use_bias)
    rnn = elman.RNN(3, 5, num_layers=2, bias=use_bias, batch_first=True, dtype="float64")
    rnn.load_state_dict(from_keras_simple_rnn(layers))
    x = np.random.default_rng(6).standard_normal((4, 7, 3))
    out, h_n = rnn(x)
    np.testing.assert_allclose(out, simple_rnn_equations(x, layers), rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n[0], simple_rnn_equations(x, layers[:1])[:, -1], rtol=0, atol=1e-12)


def test_torch_runs_the_converted_keras_weights_as_the_simple_rnn_equations():
    torch = pytest.importorskip("torch")
    layers = keras_layers()
    net = torch.nn.RNN(3, 5, num_layers=2, batch_first=True, dtype=torch.float64)
    net.load_state_dict(to_torch_state_dict(from_keras_simple_rnn(layers)))
    x = np.random.default_rng(9).standard_normal((4, 7, 3))
    with torch.no_grad():
        out = net(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(out, simple_rnn_equations(x, layers), rtol=0, atol=1e-12)
    # and the other way: a torch network's weights, in Keras' layout, give that network's outputs
    net = torch.nn.RNN(3, 5, num_layers=2, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        out = net(torch.from_numpy(x))[0].numpy()
    keras = to_keras_simple_rnn(from_torch_state_dict(net.state_dict()), 2)
    np.testing.assert_allclose(simple_rnn_equations(x, keras), out, rtol=0, atol=1e-12)


def test_keras_layout_round_trip():
    sd = elman.RNN(3, 5, num_layers=2, dtype="float64", rng=np.random.default_rng(7)).state_dict()
    layers = to_keras_simple_rnn(sd, 2)
    for k, (kernel, recurrent, bias) in enumerate(layers):
        assert same_bits(kernel, np.ascontiguousarray(sd[f"weight_ih_l{k}"].T))
        assert same_bits(recurrent, np.ascontiguousarray(sd[f"weight_hh_l{k}"].T))
        assert same_bits(bias, sd[f"bias_ih_l{k}"] + sd[f"bias_hh_l{k}"])
    back = from_keras_simple_rnn(layers)
    for k in range(2):
        for name in ("weight_ih", "weight_hh"):
            assert same_bits(back[f"{name}_l{k}"], sd[f"{name}_l{k}"])
        assert same_bits(back[f"bias_ih_l{k}"], sd[f"bias_ih_l{k}"] + sd[f"bias_hh_l{k}"])
        assert not back[f"bias_hh_l{k}"].any()
    no_bias = to_keras_simple_rnn(elman.RNN(3, 5, bias=False, rng=np.random.default_rng(8)), 1)
    assert no_bias[0][2] is None and sorted(from_keras_simple_rnn(no_bias)) == ["weight_hh_l0", "weight_ih_l0"]


def test_keras_layout_shape_errors():
    layers = keras_layers()
    with pytest.raises(ValueError, match=r"Expected kernel of layer 1 of shape \(5, 5\), got \(3, 5\)"):
        from_keras_simple_rnn([layers[0], (layers[0][0], *layers[1][1:])])
    with pytest.raises(ValueError, match=r"Expected recurrent_kernel of layer 0 of shape \(5, 5\), got \(4, 4\)"):
        from_keras_simple_rnn([(layers[0][0], np.zeros((4, 4)), layers[0][2])])
    with pytest.raises(ValueError, match=r"Expected bias of layer 0 of shape \(5,\), got \(6,\)"):
        from_keras_simple_rnn([(layers[0][0], layers[0][1], np.zeros(6))])
    with pytest.raises(ValueError, match="Expected every layer to have a bias"):
        from_keras_simple_rnn([layers[0], (*layers[1][:2], None)])
    with pytest.raises(ValueError, match="unexpected.*reverse"):
        to_keras_simple_rnn(make_rnn(), 2)
    with pytest.raises(ValueError, match="missing"):
        to_keras_simple_rnn(elman.RNN(3, 5), 2)
