"""elman.RNN and RNNCell against torch.nn.RNN / RNNCell: outputs, states and every gradient."""

import numpy as np
import pytest

import elman

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
pack, unpack = torch.nn.utils.rnn.pack_padded_sequence, torch.nn.utils.rnn.pad_packed_sequence


def _relative_error(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / max(np.abs(np.asarray(b)).max(), 1e-30))


def _config(seed):
    r = np.random.default_rng(seed)
    return dict(
        num_layers=int(r.integers(1, 4)),
        bidirectional=bool(r.integers(2)),
        batch_first=bool(r.integers(2)),
        nonlinearity=["tanh", "relu"][r.integers(2)],
        bias=bool(r.integers(2)),
        with_h0=bool(r.integers(2)),
        lengths=bool(r.integers(2)),
        T=int(r.integers(1, 12)),
        B=int(r.integers(1, 6)),
        I=int(r.integers(1, 8)),
        H=int(r.integers(1, 9)),
    )


def run_both(seed, dtype):
    c = _config(seed)
    rng = np.random.default_rng(1000 + seed)
    kw = {k: c[k] for k in ("num_layers", "bidirectional", "batch_first", "nonlinearity", "bias")}
    ours = elman.RNN(c["I"], c["H"], dtype=dtype, rng=rng, **kw)
    theirs = torch.nn.RNN(c["I"], c["H"], dtype=getattr(torch, dtype), **kw)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    T, B, D, L = c["T"], c["B"], 2 if c["bidirectional"] else 1, c["num_layers"]
    x = rng.standard_normal((B, T, c["I"]) if c["batch_first"] else (T, B, c["I"])).astype(dtype)
    h0 = rng.standard_normal((D * L, B, c["H"])).astype(dtype) if c["with_h0"] else None
    lengths = rng.integers(1, T + 1, size=B) if c["lengths"] else None
    out, hn = ours(x, h0, lengths=lengths)
    dy = rng.standard_normal(out.shape).astype(dtype)
    dhn = rng.standard_normal(hn.shape).astype(dtype)
    if lengths is not None:  # torch gives no gradient to padded outputs: zero them for both
        valid = np.arange(T)[None, :] < lengths[:, None] if c["batch_first"] else np.arange(T)[:, None] < lengths
        dy *= valid[..., None]
    dx, dh0 = ours.backward(dy, dhn)

    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True) if h0 is not None else None
    inp = pack(xt, torch.tensor(lengths), batch_first=c["batch_first"], enforce_sorted=False) if c["lengths"] else xt
    o, h = theirs(inp, h0t)
    if c["lengths"]:
        o, _ = unpack(o, batch_first=c["batch_first"], total_length=T)
    ((o * torch.tensor(dy)).sum() + (h * torch.tensor(dhn)).sum()).backward()
    pairs = {"output": (out, o.detach()), "h_n": (hn, h.detach()), "dx": (dx, xt.grad)}
    if h0 is not None:
        pairs["dh0"] = (dh0, h0t.grad)
    for name, p in theirs.named_parameters():
        pairs[name] = (ours.grads[name], p.grad)
    return {name: _relative_error(a, b.numpy()) for name, (a, b) in pairs.items()}


@pytest.mark.parametrize("seed", range(60))
def test_parity_float64(seed):
    errors = run_both(seed, "float64")
    assert max(errors.values()) <= 1e-10, (_config(seed), errors)


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_parity_float32(seed):
    errors = run_both(seed, "float32")
    assert max(errors.values()) <= 1e-5, (_config(seed), errors)


def test_parity_configs_cover_every_option():
    configs = [_config(s) for s in range(60)]
    for key in ("bidirectional", "batch_first", "bias", "with_h0", "lengths"):
        assert {c[key] for c in configs} == {True, False}, key
    assert {c["nonlinearity"] for c in configs} == {"tanh", "relu"}
    assert {c["num_layers"] for c in configs} == {1, 2, 3}


def test_default_initialisation_matches_torch_distribution():
    rnn = elman.RNN(3, 400, rng=np.random.default_rng(0))
    w = rnn.params["weight_hh_l0"]
    bound = 1 / np.sqrt(400)
    assert w.dtype == np.float32 and np.abs(w).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound  # U(-k, k) has std k/√3
    assert list(rnn.state_dict()) == [n for n, _ in torch.nn.RNN(3, 400).named_parameters()]


def test_unbatched_input_matches_torch():
    rng = np.random.default_rng(5)
    ours = elman.RNN(3, 4, num_layers=2, bidirectional=True, dtype="float64", rng=rng)
    theirs = torch.nn.RNN(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x, h0 = rng.standard_normal((6, 3)), rng.standard_normal((4, 4))
    out, hn = ours(x, h0)
    o, h = theirs(torch.tensor(x), torch.tensor(h0))
    np.testing.assert_allclose(out, o.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hn, h.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell_parity(nonlinearity, bias):
    rng = np.random.default_rng(7)
    ours = elman.RNNCell(5, 3, bias=bias, nonlinearity=nonlinearity, dtype="float64", rng=rng)
    theirs = torch.nn.RNNCell(5, 3, bias=bias, nonlinearity=nonlinearity, dtype=torch.float64)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    xs = rng.standard_normal((4, 2, 5))
    h0 = rng.standard_normal((2, 3))
    h, hs = h0, []
    for x in xs:
        h = ours(x, h)
        hs.append(h)
    dys = rng.standard_normal((4, 2, 3))
    dh, dxs = np.zeros((2, 3)), []
    for t in reversed(range(4)):  # BPTT by hand: undo the calls in reverse order
        dx, dh = ours.backward(dh + dys[t])
        dxs.append(dx)
    xt, ht = torch.tensor(xs, requires_grad=True), torch.tensor(h0, requires_grad=True)
    h_t, outs = ht, []
    for t in range(4):
        h_t = theirs(xt[t], h_t)
        outs.append(h_t)
    (torch.stack(outs) * torch.tensor(dys)).sum().backward()
    np.testing.assert_allclose(np.stack(hs), torch.stack(outs).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.stack(dxs[::-1]), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh, ht.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours.grads[name], p.grad.numpy(), rtol=1e-10, atol=1e-12)
