"""Property-based fuzzing of the library's public API: every failure is an ElmanError, and changes nothing.

Each test builds a layer (or a loss, an optimiser) from generated arguments and calls it with generated
inputs: shapes off by one, empty axes, wrong ranks, every dtype (int, float16, bool, object, complex),
NaN and ±Inf, values that are not arrays at all. A call either works or raises a member of elman.errors
with a message (``outcome``), and a rejected call leaves parameters, gradients and optimiser state
bit for bit as they were.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import elman
from elman import optim
from elman.nn import Dropout, Embedding, Linear, RNNCell, cross_entropy, mse
from fuzz_support import DTYPES, FLOATS, SCALARS, Draw, assert_unchanged, failed, fuzz, outcome, snapshot

# NaN, Inf, huge and subnormal inputs are the point: NumPy's warnings about them are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def seeded():
    return np.random.default_rng(0)


def module_state(module) -> dict:
    return {**{f"param:{k}": v for k, v in module.params.items()}, **{f"grad:{k}": v for k, v in module.grads.items()}}


def rejected_changes_nothing(module, call):
    """Run ``call``; when it is rejected, the module's parameters and gradients must be as before."""
    before = snapshot(module_state(module))
    result = outcome(call)
    if failed(result):
        assert_unchanged(module_state(module), before, type(module).__name__)
    return result


def small_enough(sizes) -> bool:
    """Sizes a test can allocate (a layer of 2**63 units is a MemoryError in torch as well, not a misuse)."""
    return all(not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 64 for s in sizes)


RANKS = st.sampled_from([2, 3, 3, 1, 4])
SIZES = st.integers(0, 3)
LENGTHS = st.lists(st.integers(-1, 4), max_size=4)

# ---------------------------------------------------------------- RNN and RNNCell

rnn_configs = st.fixed_dictionaries(
    {
        "input_size": st.integers(1, 3),
        "hidden_size": st.integers(1, 3),
        "num_layers": st.integers(1, 2),
        "nonlinearity": st.sampled_from(["tanh", "relu"]),
        "bias": st.booleans(),
        "batch_first": st.booleans(),
        "dropout": st.sampled_from([0.0, 0.5]),
        "bidirectional": st.booleans(),
        "dtype": st.sampled_from(FLOATS),
        "learn_h0": st.booleans(),
    }
)


@fuzz(1500)
@given(config=rnn_configs, data=st.data())
def test_rnn_forward_and_backward(config, data):
    draw = Draw(data)
    rnn = elman.RNN(**config, rng=seeded())
    if draw(st.booleans()):
        rnn.eval()
    dtype, I, H = rnn.dtype, rnn.input_size, rnn.hidden_size
    T, B, rank = draw(SIZES), draw(SIZES), draw(RANKS)
    shape = {1: (T,), 2: (T, I), 3: (B, T, I) if rnn.batch_first else (T, B, I), 4: (1, T, B, I)}[rank]
    x = draw.near(shape, dtype, "x") if draw(st.booleans()) else draw.array(dtype, shape, "x")
    LD = rnn.num_layers * rnn.num_directions
    h0 = draw.maybe(lambda: draw.near((LD, B, H) if rank == 3 else (LD, H), dtype, "h0"))
    lengths = draw.maybe(
        lambda: draw(LENGTHS, "lengths") if draw(st.booleans()) else draw.near((B,), np.int64, "lengths")
    )
    resets = draw.maybe(lambda: draw.near(shape[:-1], np.bool_, "resets"))
    result = rejected_changes_nothing(rnn, lambda: rnn(x, h0, lengths, resets=resets))
    if failed(result):
        return
    output, h_n = result
    assert output.shape == (*x.shape[:-1], rnn.num_directions * H)
    assert h_n.shape == ((LD, x.shape[0 if rnn.batch_first else 1], H) if x.ndim == 3 else (LD, H))
    if x.ndim == 3:
        outcome(lambda: rnn.states_at(draw(SCALARS, "t")))
    d_output = draw.maybe(lambda: draw.near(output.shape, dtype, "d_output"))
    d_h_n = draw.maybe(lambda: draw.near(h_n.shape, dtype, "d_h_n"))
    grads = rejected_changes_nothing(rnn, lambda: rnn.backward(d_output, d_h_n))
    if not failed(grads):
        assert grads[0].shape == x.shape


RNGS = SCALARS | st.just(np.random.RandomState(0)) | st.builds(np.random.default_rng, st.integers(0, 9))
rnn_arguments = st.fixed_dictionaries(
    {},
    optional={
        "input_size": SCALARS,
        "hidden_size": SCALARS,
        "num_layers": SCALARS,
        "nonlinearity": SCALARS,
        "bias": SCALARS,
        "batch_first": SCALARS,
        "dropout": SCALARS,
        "bidirectional": SCALARS,
        "dtype": SCALARS | st.sampled_from(DTYPES),
        "rng": RNGS,
        "learn_h0": SCALARS,
    },
)


@fuzz(700)
@given(
    kwargs=rnn_arguments.filter(
        lambda k: small_enough([k.get("input_size"), k.get("hidden_size"), k.get("num_layers")])
    ),
    cell=st.booleans(),
)
def test_rnn_and_cell_constructors(kwargs, cell):
    kwargs = {"input_size": 2, "hidden_size": 2, **kwargs}
    if cell:
        for name in ("num_layers", "batch_first", "dropout", "bidirectional", "learn_h0"):
            kwargs.pop(name, None)
        result = outcome(lambda: RNNCell(**kwargs))
    else:
        result = outcome(lambda: elman.RNN(**kwargs))
    if not failed(result):
        output = result(np.zeros((1, 1, result.input_size)[-2 if cell else -3 :], result.dtype))
        assert np.all(np.isfinite(output if cell else output[0]))


@fuzz(800)
@given(bias=st.booleans(), dtype=st.sampled_from(FLOATS), data=st.data())
def test_rnn_cell_steps_and_their_backward(bias, dtype, data):
    draw = Draw(data)
    cell = RNNCell(2, 3, bias=bias, dtype=dtype, rng=seeded())
    steps, batched, B = draw(SIZES), draw(st.booleans()), draw(SIZES)
    calls = 0
    for _ in range(steps):
        x = draw.near((B, 2) if batched else (2,), dtype, "x")
        hx = draw.maybe(lambda: draw.near((B, 3) if batched else (3,), dtype, "hx"))
        result = rejected_changes_nothing(cell, lambda x=x, hx=hx: cell(x, hx))
        if not failed(result):
            assert result.shape == ((x.shape[0], 3) if x.ndim == 2 else (3,))
            calls += 1
    assert len(cell.tape) == calls
    for _ in range(calls + 1):  # one more backward than there are calls: the last must be refused
        dh = draw.near((B, 3) if batched else (3,), dtype, "dh")
        result = rejected_changes_nothing(cell, lambda dh=dh: cell.backward(dh))
        if failed(result) and cell.tape:
            break


# ---------------------------------------------------------------- Embedding, Linear, Dropout

ID_DTYPES = st.sampled_from((np.int64, np.int32, np.int8, np.uint8, np.uint64))


@fuzz(800)
@given(num=st.integers(1, 5), dim=st.integers(1, 3), padding=st.none() | SCALARS, data=st.data())
def test_embedding_lookup_and_scatter(num, dim, padding, data):
    draw = Draw(data)
    emb = outcome(lambda: Embedding(num, dim, padding_idx=padding, rng=seeded()))
    if failed(emb):
        return
    if draw(st.booleans()):
        ids = draw.array(draw(ID_DTYPES), (draw(SIZES), draw(SIZES)), "ids")
    else:
        ids = draw.any_value("ids")
    result = rejected_changes_nothing(emb, lambda: emb(ids))
    if failed(result):
        return
    assert result.shape == (*ids.shape, dim) and ids.min(initial=0) >= 0 and ids.max(initial=0) < num
    dy = draw.near(result.shape, emb.dtype, "dy")
    rejected_changes_nothing(emb, lambda: emb.backward(dy))
    if emb.padding_idx is not None:
        assert not emb.grads["weight"][emb.padding_idx].any()


@fuzz(300)
@given(freeze=SCALARS, padding=st.none() | SCALARS, data=st.data())
def test_embedding_from_pretrained(freeze, padding, data):
    table = Draw(data).any_array("table")
    result = outcome(lambda: Embedding.from_pretrained(table, freeze=freeze, padding_idx=padding))
    if not failed(result):
        assert result.params["weight"].tobytes() == table.tobytes()


@fuzz(600)
@given(
    sizes=st.tuples(SCALARS, SCALARS).filter(small_enough),
    bias=st.booleans(),
    dtype=SCALARS | st.sampled_from(FLOATS),
    data=st.data(),
)
def test_linear(sizes, bias, dtype, data):
    draw = Draw(data)
    layer = outcome(lambda: Linear(*sizes, bias=bias, dtype=dtype, rng=seeded()))
    if failed(layer):
        layer = Linear(3, 2, bias=bias, rng=seeded())
    lead = tuple(draw(st.lists(SIZES, max_size=3), "leading axes"))
    x = draw.near((*lead, layer.in_features), layer.dtype, "x")
    y = rejected_changes_nothing(layer, lambda: layer(x))
    if failed(y):
        return
    assert y.shape == (*x.shape[:-1], layer.out_features)
    dy = draw.near(y.shape, layer.dtype, "dy")
    dx = rejected_changes_nothing(layer, lambda: layer.backward(dy))
    if not failed(dx):
        assert dx.shape == x.shape


@fuzz(300)
@given(p=SCALARS, data=st.data())
def test_dropout(p, data):
    draw = Draw(data)
    layer = outcome(lambda: Dropout(p, rng=seeded()))
    if failed(layer):
        return
    x = draw.any_value("x")
    y = outcome(lambda: layer(x))
    if not failed(y):
        assert y.shape == x.shape
        outcome(lambda: layer.backward(draw.near(x.shape, x.dtype, "dy")))


# ---------------------------------------------------------------- losses

REDUCTIONS = SCALARS | st.sampled_from(["mean", "sum", "none"])
IGNORE = SCALARS | st.integers(-(2**70), 2**70)
TARGET_DTYPES = st.sampled_from((np.int64, np.int64, np.int8, np.uint64, np.int32))


@fuzz(1000)
@given(C=SIZES, lead=st.lists(st.integers(0, 2), max_size=2).map(tuple), dtype=st.sampled_from(FLOATS), data=st.data())
def test_cross_entropy(C, lead, dtype, data):
    draw = Draw(data)
    logits = draw.near((*lead, C), dtype, "logits")
    if draw(st.booleans()):
        targets = draw.array(draw(TARGET_DTYPES), lead, "targets")
        targets = targets % (C + 1) if draw(st.booleans()) and targets.dtype != np.uint64 else targets
    else:
        targets = draw.near(lead, np.int64, "targets")
    kwargs = {}
    if draw(st.booleans()):
        kwargs["ignore_index"] = draw(IGNORE, "ignore_index")
    if draw(st.booleans()):
        kwargs["mask"] = draw.near(lead, draw(st.sampled_from((np.bool_, np.float32, np.int64))), "mask")
    if draw(st.booleans()):
        kwargs["reduction"] = draw(REDUCTIONS, "reduction")
    if draw(st.booleans()):
        kwargs["label_smoothing"] = draw(SCALARS, "label_smoothing")
    logits_before = np.array(logits, copy=True) if isinstance(logits, np.ndarray) else None
    result = outcome(lambda: cross_entropy(logits, targets, **kwargs))
    if logits_before is not None:
        assert logits.tobytes() == logits_before.tobytes(), "cross_entropy changed its input"
    if not failed(result):
        loss, grad = result
        assert grad.shape == logits.shape and grad.dtype == logits.dtype


@fuzz(400)
@given(shape=st.lists(st.integers(0, 2), max_size=3).map(tuple), dtype=st.sampled_from(FLOATS), data=st.data())
def test_mse(shape, dtype, data):
    draw = Draw(data)
    pred, target = draw.near(shape, dtype, "pred"), draw.near(shape, dtype, "target")
    kwargs = {}
    if draw(st.booleans()):
        kwargs["reduction"] = draw(REDUCTIONS, "reduction")
    if draw(st.booleans()):
        kwargs["mask"] = draw.near(shape[: draw(SIZES)], draw(st.sampled_from((np.bool_, np.int64))), "mask")
    result = outcome(lambda: mse(pred, target, **kwargs))
    if not failed(result):
        assert result[1].shape == pred.shape


# ---------------------------------------------------------------- optimisers and clipping

OPTIMISERS = {
    optim.SGD: ("lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize"),
    optim.Adam: ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"),
    optim.AdamW: ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"),
    optim.RMSprop: ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"),
    optim.Adagrad: ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"),
}
KINDS = st.sampled_from(sorted(OPTIMISERS, key=lambda k: k.__name__))
HYPER = {
    kind: st.fixed_dictionaries(
        {}, optional={n: st.tuples(SCALARS, SCALARS) | SCALARS if n == "betas" else SCALARS for n in names}
    )
    for kind, names in OPTIMISERS.items()
}
GRAD_NAMES = st.lists(st.sampled_from(["w", "b", "x"]), unique=True, max_size=3)


def optimiser_state(opt) -> dict:
    state = {f"param:{k}": v for k, v in opt.params.items()}
    state.update({f"state:{n}.{k}": a for n, s in opt.state.items() for k, a in s.items()})
    return state


@fuzz(1000)
@given(kind=KINDS, dtype=st.sampled_from(FLOATS), data=st.data())
def test_optimiser_construction_and_step(kind, dtype, data):
    draw = Draw(data)
    params = {"w": np.ones((2, 3), dtype), "b": np.zeros(3, dtype)}
    opt = outcome(lambda: kind(params, **draw(HYPER[kind], "hyper")))
    if failed(opt):
        return
    if draw(st.booleans()):  # a scheduler may set a hyper-parameter between steps
        setattr(opt, draw(st.sampled_from(opt._hyper_names), "changed"), draw(SCALARS, "to"))
    if draw(st.booleans()):
        grads = {"w": draw.near((2, 3), dtype, "grads['w']"), "b": draw.near((3,), dtype, "grads['b']")}
    elif draw(st.booleans()):
        grads = {name: draw.any_value(f"grads[{name!r}]") for name in draw(GRAD_NAMES)}
    else:
        grads = draw.any_value("grads")
    before, step = snapshot(optimiser_state(opt)), opt.step_count
    result = outcome(lambda: opt.step(grads))
    if failed(result):
        assert_unchanged(optimiser_state(opt), before, kind.__name__)
        assert opt.step_count == step
    else:
        assert opt.step_count == step + 1


@fuzz(400)
@given(kind=KINDS, data=st.data())
def test_optimiser_load_state_dict(kind, data):
    draw = Draw(data)
    opt = kind({"w": np.ones(2)}, lr=0.1)
    good = opt.state_dict()
    if draw(st.booleans()):
        state = {k: v if draw(st.booleans()) else draw.near(v.shape, v.dtype, k) for k, v in good.items()}
    else:
        state = {k: draw.any_value(k) for k in draw(st.lists(st.sampled_from([*good, "extra"]), unique=True))}
    before, step = snapshot(optimiser_state(opt)), opt.step_count
    result = outcome(lambda: opt.load_state_dict(state))
    if failed(result):
        assert_unchanged(optimiser_state(opt), before, kind.__name__)
        assert opt.step_count == step


GRAD_DTYPES = (np.float32, np.float64, np.float32, np.float16, np.int64)


def draw_grads(draw):
    """A list of gradient arrays (float mostly, NaN and Inf included), or something else entirely."""
    if draw(st.integers(0, 4)) == 0:
        return draw.any_value("grads")
    return [
        draw.array(draw(st.sampled_from(GRAD_DTYPES)), draw(st.lists(SIZES, max_size=2)), f"grads[{i}]")
        for i in range(draw(SIZES))
    ]


def list_state(grads) -> dict:
    return {i: g for i, g in enumerate(grads) if isinstance(g, np.ndarray)} if isinstance(grads, list) else {}


@fuzz(600)
@given(
    max_norm=SCALARS, norm_type=SCALARS | st.sampled_from([2.0, 1.0, float("inf")]), error=st.booleans(), data=st.data()
)
def test_clip_grad_norm(max_norm, norm_type, error, data):
    grads = draw_grads(Draw(data))
    before = snapshot(list_state(grads))
    result = outcome(lambda: optim.clip_grad_norm_(grads, max_norm, norm_type, error_if_nonfinite=error))
    if failed(result):
        assert_unchanged(list_state(grads), before, "grads")
        return
    largest = max((float(np.abs(g.astype(np.float64)).max()) for g in before.values() if g.size), default=0.0)
    if np.isfinite(largest) and np.isfinite(result):  # max|g| <= ‖g‖_p, and ‖g‖_p <= ‖g‖_1 when p >= 1
        total_1 = sum(float(np.abs(g.astype(np.float64)).sum()) for g in before.values())
        assert largest * (1 - 1e-5) <= result, (largest, result)
        assert float(norm_type) < 1 or result <= total_1 * (1 + 1e-5) + 1e-300, (result, total_1)
    elif not np.isfinite(largest):  # an inf or nan gradient makes the norm non-finite, whatever p
        assert not np.isfinite(result)


@fuzz(300)
@given(clip=SCALARS, data=st.data())
def test_clip_grad_value(clip, data):
    grads = draw_grads(Draw(data))
    before = snapshot(list_state(grads))
    result = outcome(lambda: optim.clip_grad_value_(grads, clip))
    if failed(result):
        assert_unchanged(list_state(grads), before, "grads")


# ---------------------------------------------------------------- state dicts


@fuzz(300)
@given(strict=st.booleans(), data=st.data())
def test_module_load_state_dict(strict, data):
    draw = Draw(data)
    rnn = elman.RNN(2, 2, rng=seeded())
    good = rnn.state_dict()
    if draw(st.booleans()):
        state = {k: v if draw(st.booleans()) else draw.near(v.shape, v.dtype, k) for k, v in good.items()}
    elif draw(st.booleans()):
        state = {k: draw.any_value(k) for k in draw(st.lists(st.sampled_from([*good, "extra"]), unique=True))}
    else:
        state = draw.any_value("state")
    rejected_changes_nothing(rnn, lambda: rnn.load_state_dict(state, strict=strict))
