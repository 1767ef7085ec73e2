"""elman.optim against torch.optim step for step, plus clipping, bad inputs and state_dict resumption."""

from __future__ import annotations

import numpy as np
import pytest

from elman.optim import SGD, Adagrad, Adam, AdamW, RMSprop, clip_grad_norm_, clip_grad_value_

SHAPES = {"w": (4, 3), "b": (3,), "v": (2, 3, 2)}
STEPS = 10

# (elman class, keyword arguments); torch's class of the same name takes the same keywords.
CONFIGS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, weight_decay=0.1, maximize=True)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    (Adam, dict()),
    (Adam, dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    (Adam, dict(lr=0.01, amsgrad=True, maximize=True)),
    (AdamW, dict(lr=0.01)),
    (AdamW, dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    (RMSprop, dict()),
    (RMSprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.5)),
    (RMSprop, dict(lr=0.01, centered=True, eps=1e-6)),
    (RMSprop, dict(lr=0.01, centered=True, momentum=0.9, maximize=True)),
    (Adagrad, dict()),
    (Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    (Adagrad, dict(lr=0.1, eps=1e-6, maximize=True)),
]
IDS = [f"{cls.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for cls, kw in CONFIGS]


def make_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape).astype(dtype) for name, shape in SHAPES.items()}


def make_grads(rng, dtype=np.float64):
    return {name: rng.standard_normal(shape).astype(dtype) for name, shape in SHAPES.items()}


def step_both(ours, theirs, torch_params, grads):
    """One step of our optimiser and of torch's with the same gradients."""
    import torch

    for name, tp in torch_params.items():
        tp.grad = torch.tensor(grads[name])
    ours.step(grads)
    theirs.step()


def assert_matches_torch(ours, theirs, torch_params, dtype, rtol, atol):
    for name, tp in torch_params.items():
        np.testing.assert_allclose(ours.params[name], tp.detach().numpy(), rtol=rtol, atol=atol, err_msg=name)
        assert ours.params[name].dtype == dtype
        torch_state = theirs.state[tp]
        for kind, value in ours.state[name].items():
            assert value.dtype == dtype
            np.testing.assert_allclose(value, torch_state[kind].numpy(), rtol=rtol, atol=atol, err_msg=kind)
        if "step" in torch_state:
            assert float(torch_state["step"]) == ours.step_count


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=IDS)
def test_matches_torch_step_for_step(cls, kwargs):
    torch = pytest.importorskip("torch", reason="torch not installed")
    params = make_params()
    torch_params = {n: torch.tensor(p, requires_grad=True) for n, p in params.items()}
    ours = cls(params, **kwargs)
    theirs = getattr(torch.optim, cls.__name__)(list(torch_params.values()), foreach=False, **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(STEPS):
        grads = make_grads(rng)
        step_both(ours, theirs, torch_params, grads)
        assert_matches_torch(ours, theirs, torch_params, np.float64, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("cls", "kwargs"), [CONFIGS[i] for i in (3, 7, 13, 15)], ids=[IDS[i] for i in (3, 7, 13, 15)])
def test_float32_stays_float32_and_tracks_torch(cls, kwargs):
    torch = pytest.importorskip("torch", reason="torch not installed")
    params = make_params(dtype=np.float32)
    torch_params = {n: torch.tensor(p, requires_grad=True) for n, p in params.items()}
    ours = cls(params, **kwargs)
    theirs = getattr(torch.optim, cls.__name__)(list(torch_params.values()), foreach=False, **kwargs)
    rng = np.random.default_rng(2)
    for _ in range(STEPS):
        grads = make_grads(rng, np.float32)
        step_both(ours, theirs, torch_params, grads)
    assert_matches_torch(ours, theirs, torch_params, np.float32, rtol=1e-5, atol=1e-6)


def test_lr_can_change_between_steps_like_torch():
    torch = pytest.importorskip("torch", reason="torch not installed")
    params = make_params()
    torch_params = {n: torch.tensor(p, requires_grad=True) for n, p in params.items()}
    ours = Adam(params, lr=0.1)
    theirs = torch.optim.Adam(list(torch_params.values()), lr=0.1, foreach=False)
    rng = np.random.default_rng(3)
    for step in range(STEPS):
        ours.lr = theirs.param_groups[0]["lr"] = 0.1 * 0.7**step
        grads = make_grads(rng)
        step_both(ours, theirs, torch_params, grads)
    assert_matches_torch(ours, theirs, torch_params, np.float64, rtol=1e-12, atol=1e-14)


def test_updates_in_place_and_leaves_grads_alone():
    params = make_params()
    arrays = dict(params)
    before = {n: p.copy() for n, p in params.items()}
    grads = make_grads(np.random.default_rng(4))
    grads_before = {n: g.copy() for n, g in grads.items()}
    opt = SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True)
    opt.step(grads)
    opt.step(grads)
    for name in params:
        assert params[name] is arrays[name] and opt.params[name] is arrays[name]
        assert not np.array_equal(params[name], before[name])
        np.testing.assert_array_equal(grads[name], grads_before[name])


# --- state_dict ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=IDS)
def test_state_dict_resume_is_bit_identical(cls, kwargs):
    rng = np.random.default_rng(5)
    all_grads = [make_grads(rng) for _ in range(STEPS)]
    straight = cls(make_params(), **kwargs)
    for grads in all_grads:
        straight.step(grads)

    first = cls(make_params(), **kwargs)
    for grads in all_grads[:4]:
        first.step(grads)
    saved_state = first.state_dict()
    saved_params = {n: p.copy() for n, p in first.params.items()}
    assert all(isinstance(v, np.ndarray) for v in saved_state.values())
    assert saved_state["hyper.lr"].shape == () and saved_state["hyper.lr"].dtype == np.float64
    assert int(saved_state["step"]) == 4

    # A fresh optimiser with a different lr: loading must restore the saved hyper-parameters too.
    resumed = cls(saved_params, **{**kwargs, "lr": 0.5})
    resumed.load_state_dict(saved_state)
    for grads in all_grads[4:]:
        resumed.step(grads)
    for name in straight.params:
        np.testing.assert_array_equal(resumed.params[name], straight.params[name])
    final = straight.state_dict()
    assert resumed.state_dict().keys() == final.keys()
    for key, value in resumed.state_dict().items():
        np.testing.assert_array_equal(value, final[key], err_msg=key)


def test_state_dict_keys_and_copies():
    opt = Adam(make_params(), amsgrad=True)
    state = opt.state_dict()
    assert set(state) == {
        *(f"{n}.{k}" for n in SHAPES for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
        "step",
        *(f"hyper.{h}" for h in ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize")),
    }
    state["w.exp_avg"] += 1.0  # a copy: the optimiser must not see this
    assert not opt.state["w"]["exp_avg"].any()


def _assert_load_fails(opt, state, *fragments):
    before = opt.state_dict()
    with pytest.raises(ValueError, match="Error\\(s\\) in loading state_dict for") as info:
        opt.load_state_dict(state)
    for fragment in fragments:
        assert fragment in str(info.value)
    after = opt.state_dict()
    assert after.keys() == before.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)


def test_load_state_dict_lists_problems_and_changes_nothing():
    opt = Adam(make_params())
    opt.step(make_grads(np.random.default_rng(6)))
    good = {k: v + 1 if k.endswith("exp_avg") else v for k, v in opt.state_dict().items()}

    bad = dict(good)
    del bad["w.exp_avg"]
    bad["w.momentum_buffer"] = np.zeros(SHAPES["w"])
    _assert_load_fails(opt, bad, "Missing key(s): w.exp_avg", "Unexpected key(s): w.momentum_buffer")
    _assert_load_fails(opt, {**good, "b.exp_avg": np.zeros(4)}, "b.exp_avg: expected shape (3,)")
    _assert_load_fails(opt, {**good, "b.exp_avg": np.zeros(3, np.float32)}, "float32")
    _assert_load_fails(opt, {**good, "hyper.lr": np.array(-1.0)}, "Invalid learning rate: -1.0")
    _assert_load_fails(opt, {**good, "hyper.amsgrad": np.array(0.5)}, "hyper.amsgrad: expected 0 or 1")
    _assert_load_fails(opt, {**good, "hyper.amsgrad": np.array(1.0)}, "max_exp_avg_sq")
    _assert_load_fails(opt, {**good, "step": np.array(-2, dtype=np.int64)}, "step: expected a count >= 0")
    _assert_load_fails(opt, {**good, "step": np.array(2.0)}, "step: expected shape ()")


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (SGD, dict(lr=-1.0), "Invalid learning rate: -1.0"),
        (SGD, dict(momentum=-0.5), "Invalid momentum value: -0.5"),
        (SGD, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires"),
        (Adam, dict(lr=float("nan")), "Invalid learning rate: nan"),
        (Adam, dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (AdamW, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (RMSprop, dict(alpha=-0.1), "Invalid alpha value: -0.1"),
        (Adagrad, dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
        (Adagrad, dict(initial_accumulator_value=-1.0), "Invalid initial_accumulator_value value: -1.0"),
    ],
)
def test_bad_hyper_parameters(cls, kwargs, message):
    with pytest.raises(ValueError) as info:
        cls(make_params(), **kwargs)
    assert message in str(info.value)


def test_bad_params():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD({})
    with pytest.raises(TypeError, match="params must be a dict"):
        SGD([np.zeros(3)])
    with pytest.raises(TypeError, match="params\\['w'\\] must have dtype float32 or float64, got int64"):
        SGD({"w": np.zeros(3, dtype=np.int64)})
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        SGD({"w": frozen})


def test_bad_grads_raise_and_change_nothing():
    params = make_params()
    opt = Adam(params)
    rng = np.random.default_rng(7)
    opt.step(make_grads(rng))
    before = opt.state_dict()
    params_before = {n: p.copy() for n, p in params.items()}
    good = make_grads(rng)
    cases = [
        ({"w": good["w"], "v": good["v"], "c": np.zeros(3)}, ValueError, "missing ['b'], unexpected ['c']"),
        (good | {"v": good["v"].astype(np.float32)}, TypeError, "Expected grads['v'] dtype float64, got float32"),
        (good | {"b": np.zeros(4)}, ValueError, "Expected grads['b'] size (3,), got (4,)"),
        (good | {"w": good["w"].tolist()}, TypeError, "grads['w'] must be a numpy.ndarray"),
        (list(good.values()), TypeError, "grads must be a dict"),
    ]
    for grads, error, message in cases:
        with pytest.raises(error) as info:
            opt.step(grads)
        assert message in str(info.value)
        for name, p in params.items():
            np.testing.assert_array_equal(p, params_before[name])
        for key, value in opt.state_dict().items():
            np.testing.assert_array_equal(value, before[key])


def test_hyper_parameters_rechecked_at_step():
    params = make_params()
    opt = SGD(params, lr=0.1)
    opt.lr = -0.1
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        opt.step(make_grads(np.random.default_rng(8)))
    opt.lr, opt.momentum = 0.1, 0.9  # would need a momentum buffer that was never allocated
    with pytest.raises(ValueError, match="needs a new optimiser"):
        opt.step(make_grads(np.random.default_rng(8)))
    np.testing.assert_array_equal(params["w"], make_params()["w"])
    assert opt.step_count == 0


# --- clipping -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 1.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch", reason="torch not installed")
    grads = make_grads(np.random.default_rng(9))
    original = {n: g.copy() for n, g in grads.items()}
    tensors = [torch.tensor(g, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values(), strict=True):
        t.grad = torch.tensor(g)
    torch_norm = float(torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type=norm_type))

    norm = clip_grad_norm_(grads, max_norm, norm_type=norm_type)
    assert isinstance(norm, float)
    np.testing.assert_allclose(norm, torch_norm, rtol=1e-12)
    for (name, g), t in zip(grads.items(), tensors, strict=True):
        if norm > max_norm:
            expected = t.grad.numpy() * (norm + 1e-6) / norm
            np.testing.assert_allclose(g, expected, rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(g, original[name])
    if norm > max_norm:
        clipped = np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]), ord=norm_type)
        np.testing.assert_allclose(clipped, max_norm, rtol=1e-12)


def test_clip_grad_norm_accepts_iterables_and_empty():
    grads = make_grads(np.random.default_rng(10))
    expected = np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]))
    assert clip_grad_norm_(iter(list(grads.values())), 1e9) == pytest.approx(expected, rel=1e-12)
    assert clip_grad_norm_(grads["w"], 1e9) == pytest.approx(np.linalg.norm(grads["w"]), rel=1e-12)
    assert clip_grad_norm_([], 1.0) == 0.0
    assert clip_grad_norm_([np.zeros((0, 3))], 1.0, norm_type=float("inf")) == 0.0
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        clip_grad_norm_(grads, -1.0)


@pytest.mark.parametrize(("bad", "word"), [(np.nan, "nan"), (np.inf, "inf")])
def test_clip_grad_norm_nonfinite(bad, word):
    grads = make_grads(np.random.default_rng(11))
    grads["b"][1] = bad
    original = {n: g.copy() for n, g in grads.items()}
    with pytest.raises(RuntimeError, match=f"total norm of order 2.0 for gradients is {word}, non-finite"):
        clip_grad_norm_(grads, 1.0, error_if_nonfinite=True)
    for name, g in grads.items():
        np.testing.assert_array_equal(g, original[name])
    # Without the flag the bad norm spreads, as in torch: nan makes everything nan, inf zeroes the finite entries.
    with np.errstate(invalid="ignore"):  # inf * 0 -> nan is the point here
        norm = clip_grad_norm_(grads, 1.0)
    assert np.isnan(norm) if word == "nan" else norm == np.inf
    if word == "nan":
        assert all(np.isnan(g).all() for g in grads.values())
    else:
        assert not grads["w"].any()


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch", reason="torch not installed")
    grads = make_grads(np.random.default_rng(12))
    expected = []
    for g in grads.values():
        t = torch.tensor(g, requires_grad=True)
        t.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_value_([t], 0.5)
        expected.append(t.grad.numpy())
    arrays = dict(grads)
    clip_grad_value_(grads, 0.5)
    for (name, g), e in zip(grads.items(), expected, strict=True):
        assert g is arrays[name]
        np.testing.assert_array_equal(g, e)
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        clip_grad_value_(grads, -1.0)
