"""Linear, Embedding and Dropout: finite differences, torch parity, the cache protocol and input checks."""

import numpy as np
import pytest

from elman.gradcheck import gradcheck, numerical_gradient
from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.module import Module


def _snapshot(layer):
    return {k: v.copy() for k, v in layer.params.items()}, {k: v.copy() for k, v in layer.grads.items()}


def _assert_unchanged(layer, snapshot):
    params, grads = snapshot
    for name in params:
        assert np.array_equal(layer.params[name], params[name]), name
        assert np.array_equal(layer.grads[name], grads[name]), name


# --- Linear ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
def test_linear_backward_matches_finite_differences(bias, shape):
    rng = np.random.default_rng(0)
    layer = Linear(4, 5, bias=bias, dtype="float64", rng=rng)
    x = rng.standard_normal(shape)
    R = rng.standard_normal((*shape[:-1], 5))
    loss = lambda: float(np.sum(layer(x) * R))  # noqa: E731
    layer(x)
    dx = layer.backward(R)
    gradcheck(loss, {"x": x, **layer.params}, {"x": dx, **layer.grads})
    assert set(layer.params) == ({"weight", "bias"} if bias else {"weight"})


def test_linear_shapes_dtype_and_init_bound():
    layer = Linear(16, 3, rng=np.random.default_rng(0))
    W, b = layer.params["weight"], layer.params["bias"]
    assert W.shape == (3, 16) and b.shape == (3,) and W.dtype == b.dtype == np.float32
    assert np.abs(W).max() <= 0.25 and np.abs(b).max() <= 0.25  # U(−1/√16, 1/√16)
    assert np.abs(W).max() > 0.2  # and actually spread over that range
    y = layer(np.ones((7, 2, 16), np.float32))
    assert y.shape == (7, 2, 3) and y.dtype == np.float32


def test_linear_accumulates_gradients():
    rng = np.random.default_rng(1)
    layer = Linear(3, 2, dtype="float64", rng=rng)
    x, dy = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer(x)
    layer.backward(dy)
    once = layer.grads["weight"].copy()
    layer(x)
    layer.backward(dy)
    np.testing.assert_allclose(layer.grads["weight"], 2 * once)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    layer = Linear(4, 3, dtype="float64", rng=rng)
    ref = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.params["weight"]))
        ref.bias.copy_(torch.from_numpy(layer.params["bias"]))
    x, dy = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 3))
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = ref(xt)
    yt.backward(torch.from_numpy(dy))
    y = layer(x)
    dx = layer.backward(dy)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.grads["weight"], ref.weight.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], ref.bias.grad.numpy(), rtol=0, atol=1e-12)


def test_linear_rejects_bad_input_and_changes_nothing():
    rng = np.random.default_rng(3)
    layer = Linear(4, 3, dtype="float64", rng=rng)
    x, dy = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    y = layer(x)
    snapshot = _snapshot(layer)
    with pytest.raises(TypeError, match="must have dtype float64, got float32"):
        layer(x.astype(np.float32))
    with pytest.raises(ValueError, match="in_features. Expected 4, got 5"):
        layer(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="numpy.ndarray, got list"):
        layer([[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match=r"Expected dy size \(2, 3\), got \(3, 2\)"):
        layer.backward(dy.T.copy())
    with pytest.raises(TypeError, match="dy must have dtype float64, got float32"):
        layer.backward(dy.astype(np.float32))
    _assert_unchanged(layer, snapshot)
    # the failed calls kept the good forward's cache: its backward still works and is right
    np.testing.assert_allclose(layer.backward(dy), dy @ layer.params["weight"])
    np.testing.assert_allclose(layer.grads["weight"], dy.T @ x)
    assert y.shape == (2, 3)


def test_backward_needs_a_forward_and_frees_the_cache():
    rng = np.random.default_rng(4)
    for layer, x, dy in [
        (Linear(2, 2, dtype="float64", rng=rng), np.ones((1, 2)), np.ones((1, 2))),
        (Embedding(5, 2, dtype="float64", rng=rng), np.array([1, 2]), np.ones((2, 2))),
        (Dropout(0.5, rng=rng), np.ones(3), np.ones(3)),
    ]:
        name = type(layer).__name__
        with pytest.raises(RuntimeError, match=rf"{name}.backward\(\) needs a forward\(\) first"):
            layer.backward(dy)
        layer(x)
        layer.backward(dy, retain_cache=True)
        layer.backward(dy)
        with pytest.raises(RuntimeError, match="needs a forward"):
            layer.backward(dy)


@pytest.mark.parametrize("args", [(0, 3), (3, -1), (2.0, 3), (True, 3)])
def test_linear_rejects_bad_sizes(args):
    with pytest.raises(ValueError, match="must be a positive integer"):
        Linear(*args)


# --- Embedding -------------------------------------------------------------------------------------------------


def test_embedding_backward_with_repeated_ids_matches_finite_differences():
    rng = np.random.default_rng(5)
    emb = Embedding(6, 3, dtype="float64", rng=rng)
    ids = np.array([[1, 4, 1], [1, 0, 4]])  # id 1 three times, id 4 twice, ids 2, 3, 5 never
    R = rng.standard_normal((2, 3, 3))
    loss = lambda: float(np.sum(emb(ids) * R))  # noqa: E731
    emb(ids)
    assert emb.backward(R) is None
    gradcheck(loss, dict(emb.params), dict(emb.grads))
    np.testing.assert_allclose(emb.grads["weight"][1], R[0, 0] + R[0, 2] + R[1, 0])
    assert np.all(emb.grads["weight"][[2, 3, 5]] == 0)


def test_embedding_padding_row_gets_no_gradient():
    rng = np.random.default_rng(6)
    emb = Embedding(5, 3, padding_idx=2, dtype="float64", rng=rng)
    assert np.all(emb.params["weight"][2] == 0)
    ids = np.array([[2, 1, 2], [3, 2, 1]])
    R = rng.standard_normal((2, 3, 3))
    W = emb.params["weight"]
    W[2] = rng.standard_normal(3)  # a nonzero padding row, so that the check below is not trivially true
    numerical = numerical_gradient(lambda: float(np.sum(emb(ids) * R)), W)
    emb(ids)
    emb.backward(R)
    assert np.any(numerical[2] != 0)  # the lookup does depend on the padding row ...
    assert np.all(emb.grads["weight"][2] == 0)  # ... but, as in torch, it is never trained
    expected = numerical.copy()
    expected[2] = 0
    np.testing.assert_allclose(emb.grads["weight"], expected, rtol=1e-6, atol=1e-8)


def test_embedding_negative_padding_idx_counts_back():
    emb = Embedding(5, 2, padding_idx=-1, rng=np.random.default_rng(0))
    assert emb.padding_idx == 4 and np.all(emb.params["weight"][4] == 0)
    with pytest.raises(ValueError, match=r"padding_idx must be within num_embeddings.*\[-5, 5\), got 5"):
        Embedding(5, 2, padding_idx=5)


def test_a_frozen_embedding_reads_its_table_gets_no_gradient_and_still_saves():
    emb = Embedding(4, 2, dtype="float64", rng=np.random.default_rng(7))
    table = emb.weight.copy()
    emb.freeze("weight")  # the one meaning of freeze: Module.freeze, as for any parameter
    assert emb.params == {} and emb.grads == {} and "weight" in emb.frozen
    np.testing.assert_array_equal(emb(np.array([0, 1, 1])), table[[0, 1, 1]])
    emb.backward(np.ones((3, 2)))  # accumulates nothing, and has nowhere to
    np.testing.assert_array_equal(emb.state_dict()["weight"], table)


def test_embedding_from_pretrained_copies_and_keeps_dtype():
    table = np.arange(12, dtype=np.float64).reshape(4, 3)
    emb = Embedding.from_pretrained(table, padding_idx=1)
    assert "weight" in emb.frozen and emb.weight.dtype == np.float64 and emb.weight is not table
    np.testing.assert_array_equal(emb.weight[1], [3, 4, 5])  # the padding row is kept as given
    table[0] = -1
    assert emb.weight[0, 0] == 0  # a copy, not a view
    assert Embedding.from_pretrained(table.astype(np.float32), freeze=False).dtype == np.float32
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        Embedding.from_pretrained(np.zeros((3, 2), np.int64))
    with pytest.raises(ValueError, match="must be 2-D, got 1-D"):
        Embedding.from_pretrained(np.zeros(3))


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    emb = Embedding(7, 4, padding_idx=0, dtype="float64", rng=rng)
    ref = torch.nn.Embedding(7, 4, padding_idx=0, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(emb.params["weight"]))
    ids = np.array([[3, 0, 3, 6], [1, 1, 0, 3]])
    dy = rng.standard_normal((2, 4, 4))
    yt = ref(torch.from_numpy(ids))
    yt.backward(torch.from_numpy(dy))
    y = emb(ids)
    emb.backward(dy)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    np.testing.assert_allclose(emb.grads["weight"], ref.weight.grad.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained_matches_torch(freeze):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    table = rng.standard_normal((6, 3))
    emb = Embedding.from_pretrained(table, freeze=freeze, padding_idx=2)
    ref = torch.nn.Embedding.from_pretrained(torch.from_numpy(table.copy()), freeze=freeze, padding_idx=2)
    ids, dy = np.array([2, 5, 5, 1]), rng.standard_normal((4, 3))
    yt = ref(torch.from_numpy(ids))
    y = emb(ids)
    emb.backward(dy)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    assert ("weight" in emb.frozen) == (not ref.weight.requires_grad) == ("weight" not in emb.grads)
    if freeze:
        assert emb.params == {}
    else:
        yt.backward(torch.from_numpy(dy))
        np.testing.assert_allclose(emb.grads["weight"], ref.weight.grad.numpy(), rtol=0, atol=1e-12)


def test_embedding_rejects_bad_ids_and_changes_nothing():
    rng = np.random.default_rng(10)
    emb = Embedding(10, 2, dtype="float64", rng=rng)
    emb(np.array([1, 2]))
    snapshot = _snapshot(emb)
    with pytest.raises(IndexError, match=r"expected ids in \[0, 10\), got 10"):
        emb(np.array([3, 10]))
    with pytest.raises(IndexError, match=r"expected ids in \[0, 10\), got -1"):
        emb(np.array([-1, 3]))
    with pytest.raises(TypeError, match="integer dtype, got float64"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="integer dtype, got bool"):
        emb(np.array([True, False]))
    with pytest.raises(ValueError, match=r"Expected dy size \(2, 2\), got \(2, 3\)"):
        emb.backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="dy must have dtype float64, got float32"):
        emb.backward(np.ones((2, 2), np.float32))
    _assert_unchanged(emb, snapshot)
    emb.backward(np.ones((2, 2)))  # the cache of the good forward survived the errors
    np.testing.assert_array_equal(emb.grads["weight"][[1, 2]], np.ones((2, 2)))


def test_embedding_output_is_not_a_view_of_the_table():
    emb = Embedding(3, 2, rng=np.random.default_rng(0))
    before = emb.params["weight"].copy()
    y = emb(np.array([0]))
    y += 1
    np.testing.assert_array_equal(emb.params["weight"], before)


# --- Dropout ---------------------------------------------------------------------------------------------------


def test_dropout_backward_with_a_fixed_mask_matches_finite_differences():
    drop = Dropout(0.4, rng=np.random.default_rng(0))
    rng = np.random.default_rng(11)
    x, R = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))

    def loss():
        drop.rng = np.random.default_rng(0)  # the same seed draws the same mask on every evaluation
        return float(np.sum(drop(x) * R))

    loss()
    dx = drop.backward(R)
    gradcheck(loss, {"x": x}, {"x": dx})
    assert np.any(dx == 0) and np.any(dx != 0)


def test_dropout_is_inverted_and_uses_the_same_mask_backward():
    drop = Dropout(0.25, rng=np.random.default_rng(12))
    x = np.ones((200, 50), np.float32)
    y = drop(x)
    assert y.dtype == np.float32
    assert set(np.unique(y).tolist()) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02 and abs(y.mean() - 1) < 0.03
    dy = np.full_like(x, 2.0)
    np.testing.assert_array_equal(drop.backward(dy), 2 * y)


def test_dropout_is_the_identity_in_eval_mode():
    drop = Dropout(0.9, rng=np.random.default_rng(0)).eval()
    x = np.arange(6.0).reshape(2, 3)
    assert drop(x) is x
    dy = np.ones((2, 3))
    assert drop.backward(dy) is dy
    assert Dropout(0.0)(x) is x


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, True, "0.5", None])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"dropout probability has to be in \[0, 1\), got"):
        Dropout(p)


def test_dropout_rejects_bad_input():
    drop = Dropout(0.5, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        drop(np.ones(3, np.int64))
    drop(np.ones(3))
    with pytest.raises(ValueError, match=r"Expected dy size \(3,\), got \(4,\)"):
        drop.backward(np.ones(4))
    drop.backward(np.ones(3))


# --- as parts of a model -----------------------------------------------------------------------------------------


def test_layers_compose_in_a_module():
    rng = np.random.default_rng(13)
    model = Module()
    emb = model.add_module("embedding", Embedding(5, 3, rng=rng))
    drop = model.add_module("dropout", Dropout(0.5, rng=rng))
    head = model.add_module("head", Linear(3, 5, rng=rng))
    assert set(model.params) == {"embedding.weight", "head.weight", "head.bias"}
    model.eval()
    assert not drop.training
    ids = np.array([[1, 2], [3, 4]])
    dlogits = np.ones((2, 2, 5), np.float32)
    head(drop(emb(ids)))
    emb.backward(drop.backward(head.backward(dlogits)))
    assert model.grads["head.weight"] is head.grads["weight"]
    assert np.any(model.grads["embedding.weight"] != 0)
    model.zero_grad()
    assert not any(np.any(g) for g in model.grads.values())
