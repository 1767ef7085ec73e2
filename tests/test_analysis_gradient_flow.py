"""elman.analysis.gradient_flow: step Jacobians and their products against finite differences and torch,
hidden-state gradient norms against torch, and the ρ^k picture of vanishing / exploding gradients."""

import numpy as np
import pytest

import elman
from elman.analysis import (
    hidden_grad_norms,
    jacobian_norms,
    jacobian_product,
    layer_time_map,
    product_singular_values,
    rho_bound,
    spectrum,
    state_jacobians,
)
from elman.nn import init, rnn_step_forward


def _rnn(I=3, H=4, seed=0, **kw):
    return elman.RNN(I, H, dtype="float64", rng=np.random.default_rng(seed), **kw)


def _data(T=7, B=2, I=3, H=4, seed=1, scale=1.0):
    r = np.random.default_rng(seed)
    return r.standard_normal((T, B, I)) * scale, r.standard_normal((1, B, H)) * 0.5


def _set_recurrence(rnn, W_hh, zero_bias=True):
    rnn.params["weight_hh_l0"][...] = W_hh
    if zero_bias:
        rnn.params["bias_ih_l0"][...] = 0
        rnn.params["bias_hh_l0"][...] = 0


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("k", [0, 2, 5])
def test_jacobian_product_matches_central_differences(nonlinearity, k):
    rnn, (x, h0) = _rnn(nonlinearity=nonlinearity), _data()
    T, B, H = x.shape[0], x.shape[1], 4
    P = jacobian_product(rnn, x, h0, k=k)
    assert P.shape == (B, H, H) and P.dtype == np.float64
    hs = rnn(x, h0)[0]
    W_ih, W_hh, b_ih, b_hh = rnn.weights()[0][0]

    def h_last(h_k):  # run the step kernel from a (perturbed) state h_k through steps k+1..T-1
        h = h_k
        for t in range(k + 1, T):
            h = rnn_step_forward(x[t], h, W_ih, W_hh, b_ih, b_hh, nonlinearity)[0]
        return h

    eps, numeric = 1e-6, np.zeros((B, H, H))
    for j in range(H):
        e = np.zeros(H)
        e[j] = eps
        numeric[:, :, j] = (h_last(hs[k] + e) - h_last(hs[k] - e)) / (2 * eps)
    np.testing.assert_allclose(P, numeric, rtol=1e-6, atol=1e-9)


def test_jacobian_product_last_step_is_identity_and_negative_k():
    rnn, (x, h0) = _rnn(), _data()
    np.testing.assert_array_equal(jacobian_product(rnn, x, h0, k=-1), np.broadcast_to(np.eye(4), (2, 4, 4)))
    np.testing.assert_allclose(jacobian_product(rnn, x, h0, k=-3), jacobian_product(rnn, x, h0, k=4))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_jacobian_product_matches_torch_autograd(nonlinearity):
    torch = pytest.importorskip("torch")
    rnn, (x, h0) = _rnn(nonlinearity=nonlinearity), _data()
    theirs = torch.nn.RNN(3, 4, nonlinearity=nonlinearity, dtype=torch.float64)
    theirs.load_state_dict({n: torch.from_numpy(v) for n, v in rnn.state_dict().items()})
    hs = rnn(x, h0)[0]
    for k in (0, 3):
        tail = torch.from_numpy(x[k + 1 :])
        J = torch.autograd.functional.jacobian(
            lambda h, tail=tail: theirs(tail, h)[1], torch.from_numpy(hs[k][None].copy())
        ).numpy()
        J = J[0, :, :, 0]  # (B, H, B, H): no cross-batch terms
        diag = np.stack([J[b, :, b] for b in range(x.shape[1])])
        np.testing.assert_allclose(jacobian_product(rnn, x, h0, k=k), diag, rtol=1e-10, atol=1e-12)


def test_state_jacobians_are_diag_fprime_times_W_hh():
    rnn, (x, h0) = _rnn(), _data()
    Js = state_jacobians(rnn, x, h0)
    hs = rnn(x, h0)[0]
    W_hh = rnn.params["weight_hh_l0"]
    assert len(Js) == x.shape[0]
    for t, J in enumerate(Js):
        np.testing.assert_allclose(J, np.einsum("bi,ij->bij", 1 - hs[t] ** 2, W_hh))


def test_batch_first_and_unbatched_layouts():
    x, h0 = _data()
    tm = jacobian_norms(_rnn(), x, h0)
    np.testing.assert_allclose(jacobian_norms(_rnn(batch_first=True), x.transpose(1, 0, 2), h0), tm)
    single = jacobian_product(_rnn(), x[:, 0], h0[:, 0], k=1)
    np.testing.assert_allclose(single[0], jacobian_product(_rnn(), x, h0, k=1)[0])


def test_jacobian_norms_match_products_and_singular_values():
    rnn, (x, h0) = _rnn(), _data()
    norms = jacobian_norms(rnn, x, h0)
    Js = state_jacobians(rnn, x, h0)
    for k in range(x.shape[0]):
        P = jacobian_product(rnn, x, h0, k=k)
        assert norms[k] == pytest.approx(np.linalg.norm(P, 2, axis=(1, 2)).mean(), rel=1e-12)
        if k < x.shape[0] - 1:
            np.testing.assert_allclose(
                product_singular_values(Js[k + 1 :]), np.linalg.svd(P, compute_uv=False), rtol=1e-10, atol=1e-14
            )
    fro = jacobian_norms(rnn, x, h0, ord="fro")
    assert fro[-1] == pytest.approx(2.0)  # ‖I_4‖_F
    assert np.all(fro >= norms - 1e-12)


def test_vanishing_with_spectral_radius_below_one():
    rho, T = 0.5, 30
    rnn = _rnn(H=6, seed=3)
    W = init.with_spectral_radius(np.random.default_rng(4).standard_normal((6, 6)), rho)
    _set_recurrence(rnn, W)
    x, _ = _data(T=T, I=3, H=6, scale=1e-3)
    norms = jacobian_norms(rnn, x)[::-1]  # by distance n = T-1-k
    s = spectrum(W)
    assert s["spectral_radius"] == pytest.approx(rho)
    assert s["spectral_norm"] >= s["spectral_radius"]
    bound = rho_bound(s["spectral_norm"], T)
    assert np.all(norms <= bound * (1 + 1e-9))  # |tanh'| ≤ 1, so ‖J_k‖₂ ≤ ‖W_hh‖₂
    rate = (norms[-1] / norms[T // 2]) ** (1 / (T - 1 - T // 2))  # the geometric rate over the second half
    assert rate == pytest.approx(rho, rel=0.15)
    assert norms[-1] < 1e-6
    assert np.all(np.diff(np.log(norms[5:])) < 0)


def test_exploding_with_spectral_radius_above_one_tanh_linear_regime():
    rho, T = 1.5, 20
    rnn = _rnn(H=6, seed=5)
    _set_recurrence(rnn, init.with_spectral_radius(np.random.default_rng(6).standard_normal((6, 6)), rho))
    x, _ = _data(T=T, I=3, H=6, scale=1e-9)  # the state stays tiny, so tanh' ≈ 1 and J_k ≈ W_hh
    norms = jacobian_norms(rnn, x)[::-1]
    rate = (norms[-1] / norms[T // 2]) ** (1 / (T - 1 - T // 2))
    assert rate == pytest.approx(rho, rel=0.15)
    assert norms[-1] > 1e2


def test_exploding_relu_identity_recurrence_is_exactly_geometric():
    rnn = _rnn(H=5, seed=7, nonlinearity="relu")
    _set_recurrence(rnn, init.identity((5, 5), gain=1.5, dtype="float64"))
    rnn.params["weight_ih_l0"][...] = np.abs(rnn.params["weight_ih_l0"]) + 0.1
    x = np.abs(_data(T=12, I=3, H=5)[0]) * 1e-3 + 1e-3  # positive inputs, positive states: relu' = 1 everywhere
    np.testing.assert_allclose(jacobian_norms(rnn, x)[::-1], rho_bound(1.5, 12), rtol=1e-12)


def test_rho_bound_and_the_chapters_constant():
    np.testing.assert_allclose(rho_bound(0.9, 4), [1, 0.9, 0.81, 0.729])
    assert rho_bound(0.9, 101)[100] == pytest.approx(2.66e-5, rel=2e-3)  # 0.9**100 ≈ 2.656e-5
    assert rho_bound(0.0, 3).tolist() == [1.0, 0.0, 0.0]


def test_spectrum_of_a_scaled_orthogonal_matrix():
    Q = init.orthogonal((5, 5), np.random.default_rng(0), gain=0.9, dtype="float64")
    s = spectrum(Q)
    np.testing.assert_allclose(s["singular_values"], 0.9)
    assert s["spectral_radius"] == pytest.approx(0.9) and s["spectral_norm"] == pytest.approx(0.9)
    np.testing.assert_allclose(product_singular_values([Q] * 10), 0.9**10)


def _torch_dh_norms(torch, rnn, x, h0, d_output):
    """Unrolled torch RNN (layer by layer, direction by direction), retain_grad on every h_t^{l,d}."""
    L, D = rnn.num_layers, rnn.num_directions
    p = {n: torch.tensor(v, requires_grad=True) for n, v in rnn.state_dict().items()}
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu
    inp, states = torch.from_numpy(x), {}
    T = x.shape[0]
    for l in range(L):
        outs = []
        for d in range(D):
            s = f"_l{l}" + ("_reverse" if d else "")
            h, hs = torch.from_numpy(h0[l * D + d]), [None] * T
            for t in range(T) if d == 0 else reversed(range(T)):
                h = act(inp[t] @ p["weight_ih" + s].T + p["bias_ih" + s] + h @ p["weight_hh" + s].T + p["bias_hh" + s])
                h.retain_grad()
                hs[t] = states[l, d, t] = h
            outs.append(torch.stack(hs))
        inp = torch.cat(outs, dim=-1)
    (inp * torch.from_numpy(d_output)).sum().backward()
    return np.array([[[states[l, d, t].grad.norm().item() for t in range(T)] for d in range(D)] for l in range(L)])


@pytest.mark.parametrize(
    "num_layers,bidirectional,nonlinearity", [(1, False, "tanh"), (3, False, "relu"), (2, True, "tanh")]
)
def test_hidden_grad_norms_match_torch(num_layers, bidirectional, nonlinearity):
    torch = pytest.importorskip("torch")
    rnn = _rnn(num_layers=num_layers, bidirectional=bidirectional, nonlinearity=nonlinearity)
    LD = num_layers * rnn.num_directions
    r = np.random.default_rng(2)
    x, h0 = r.standard_normal((6, 2, 3)), r.standard_normal((LD, 2, 4)) * 0.5
    out_shape = (6, 2, 4 * rnn.num_directions)
    last = np.zeros(out_shape)
    last[-1] = 1
    custom = r.standard_normal(out_shape)
    for kw, dy in [({}, last), ({"loss": "all"}, np.ones(out_shape)), ({"d_output": custom}, custom)]:
        norms = hidden_grad_norms(rnn, x, h0, **kw)
        assert norms.shape == (num_layers, rnn.num_directions, 6)
        np.testing.assert_allclose(norms, _torch_dh_norms(torch, rnn, x, h0, dy), rtol=1e-10)
    grid = layer_time_map(rnn, x, h0, d_output=custom)
    assert grid.shape == (num_layers, 6)
    np.testing.assert_allclose(grid, np.sqrt((_torch_dh_norms(torch, rnn, x, h0, custom) ** 2).sum(axis=1)), rtol=1e-10)


def test_hidden_grad_norms_is_the_engines_own_and_leaves_the_rnn_untouched():
    rnn = _rnn(num_layers=2, dropout=0.5)
    x, _ = _data()
    out, _ = rnn(x)  # a pending forward (training mode, dropout active) whose backward the caller still wants
    rnn.grads["weight_hh_l1"][...] = 7.0
    norms = hidden_grad_norms(rnn, x, loss="last")
    assert rnn.training and np.all(rnn.grads["weight_hh_l1"] == 7.0) and np.all(rnn.grads["weight_hh_l0"] == 0)
    rnn.backward(np.ones_like(out))  # the caller's cache survived
    rnn.eval()
    dy = np.zeros_like(out)
    dy[-1] = 1
    rnn(x)
    np.testing.assert_array_equal(norms, rnn.backward(dy, return_dh_norms=True)[2])
    assert norms[1, 0, -1] == pytest.approx(np.sqrt(dy[-1].size))  # ∂L/∂h_{T-1} of the top layer is all ones
    assert layer_time_map(rnn, x).shape == (2, 7)


def test_bad_inputs_raise_clear_errors():
    x, _ = _data()
    for kw in ({"num_layers": 2}, {"bidirectional": True}):
        rnn = _rnn(**kw)
        for fn in (state_jacobians, jacobian_product, jacobian_norms):
            with pytest.raises(ValueError, match="single-layer, unidirectional"):
                fn(rnn, x)
    with pytest.raises(ValueError, match="loss must be one of"):
        hidden_grad_norms(_rnn(), x, loss="first")
    with pytest.raises(IndexError, match="k must be an integer step"):
        jacobian_product(_rnn(), x, k=7)
    with pytest.raises(ValueError, match="rho must be a finite number"):
        rho_bound(-0.5, 3)
    with pytest.raises(ValueError, match="T must be a positive integer"):
        rho_bound(0.5, 0)
    with pytest.raises(ValueError, match="square matrix"):
        spectrum(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least one Jacobian"):
        product_singular_values([])
