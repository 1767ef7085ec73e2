"""What the fuzz tests share: one reproducible Hypothesis setting, the property they check, hostile values.

The property: a call either succeeds or raises a member of ``elman.errors`` (an ``ElmanError`` with a
message); any other exception escapes ``outcome`` and fails the test with its traceback, which is then a
defect to fix. Every test sets ``max_examples`` itself, so the number of cases CI runs is fixed, and
``derandomize=True`` makes them the same cases on every run.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st

from elman.errors import ElmanError


def fuzz(max_examples: int):
    """Settings for one fuzz test: ``max_examples`` cases, the same ones on every run, no time limit per case."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )


def outcome(call):
    """``call()``'s result, or the ElmanError it raised (which must say something)."""
    try:
        return call()
    except ElmanError as err:
        assert str(err).strip(), f"{type(err).__name__} raised without a message"
        return err


def failed(result) -> bool:
    return isinstance(result, ElmanError)


def snapshot(arrays: dict) -> dict:
    return {k: np.array(v, copy=True) for k, v in arrays.items()}


def assert_unchanged(arrays: dict, before: dict, what: str) -> None:
    """Bit for bit (NaN included): a rejected call must leave ``arrays`` as they were."""
    assert arrays.keys() == before.keys(), f"{what}: keys changed"
    for k, v in arrays.items():
        assert v.tobytes() == before[k].tobytes(), f"{what}: {k} changed by a call that was rejected"


# ---------------------------------------------------------------- values
# Strategies are built once, here: Hypothesis checks each new strategy object when it is first drawn from,
# which costs more than the test itself when strategies are made anew in every case (flatmap, one_of per call).

DTYPES = (np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, np.uint64, np.bool_, np.complex64, object)
FLOATS = (np.float32, np.float64)
FILLS = ("normal", "normal", "normal", "zeros", "nan", "inf", "mixed", "huge", "tiny")
# Python values where a number, a flag or a name is expected: the usual, the edge and the absurd.
SCALARS = st.one_of(
    st.integers(-3, 5),
    st.sampled_from([0, -1, 2**31, 2**63, 2**70, -(2**70)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1e-320, 1e308]),
    st.booleans(),
    st.none(),
    st.sampled_from(["nan", "1", "", "mean", "tanh", "é", "\x00"]),
    st.builds(np.int64, st.integers(-3, 5)),
    st.builds(np.float32, st.floats(width=32)),
    st.sampled_from([1 + 2j, [1], (), {}]),
)
_SEED = st.integers(0, 2**16)
_FILL = st.sampled_from(FILLS)
_DTYPE = st.sampled_from(DTYPES)
_SHAPE = st.lists(st.integers(0, 3), max_size=4).map(tuple)
_KIND = st.integers(0, 9)
_AXIS = st.integers(0, 3)
_DELTA = st.sampled_from([-1, 1])
_NOT_ARRAY = st.one_of(SCALARS, st.lists(st.integers(-2, 5), max_size=3), st.just([[1], [1, 2]]))


def _fill(dtype: np.dtype, shape: tuple, fill: str, seed: int) -> np.ndarray:
    """An array of ``dtype`` and ``shape`` whose values follow ``fill`` (NaN, ±Inf, huge, subnormal, …)."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) * 3
    if fill == "zeros":
        values = np.zeros(shape)
    elif fill == "nan":
        values = np.full(shape, np.nan)
    elif fill == "inf":
        values = np.where(rng.random(shape) < 0.5, np.inf, -np.inf)
    elif fill == "mixed":
        values = np.where(rng.random(shape) < 0.3, rng.choice([np.nan, np.inf, -np.inf, -0.0], shape), values)
    elif fill == "huge":
        values = values * 1e300
    elif fill == "tiny":
        values = values * 1e-310
    if dtype == np.dtype(object):
        return np.array([None, 1, "a", 2.5][seed % 4] if shape == () else values.tolist(), dtype=object)
    if dtype.kind == "c":
        return values.astype(dtype)
    if dtype.kind in "biu":  # integers and bools from the same draw, without the warnings of a cast of NaN
        return np.nan_to_num(values, nan=0, posinf=2**62, neginf=-(2**62)).clip(-(2**62), 2**62).astype(dtype)
    with np.errstate(over="ignore"):
        return values.astype(dtype)


class Draw:
    """Draws test values from ``st.data()`` through the strategies above; each final value is noted, so that a
    failing case prints what it was called with."""

    def __init__(self, data):
        self.data = data

    def __call__(self, strategy, label: str | None = None):
        return self.data.draw(strategy, label)

    def note(self, label: str, value):
        note(
            f"{label} = {value!r}"
            if not isinstance(value, np.ndarray)
            else f"{label} = {value.dtype} array of shape {value.shape}: {np.array2string(value, threshold=20)}"
        )
        return value

    def array(self, dtype, shape, label: str = "array") -> np.ndarray:
        """An array of ``dtype`` and ``shape``: normal values, or zeros, NaN, ±Inf, a mix, huge or subnormal."""
        return self.note(label, _fill(np.dtype(dtype), tuple(shape), self.data.draw(_FILL), self.data.draw(_SEED)))

    def any_array(self, label: str = "array", dtypes=None) -> np.ndarray:
        dtype = self.data.draw(_DTYPE if dtypes is None else st.sampled_from(dtypes))
        return self.array(dtype, self.data.draw(_SHAPE), label)

    def any_value(self, label: str = "value"):
        """An array of any rank and dtype, or something that is not an array at all."""
        if self.data.draw(st.booleans()):
            return self.any_array(label)
        return self.note(label, self.data.draw(_NOT_ARRAY))

    def near(self, shape: tuple, dtype, label: str = "array"):
        """Mostly an array of exactly ``shape`` and ``dtype``; sometimes one axis off, another dtype, or no array."""
        kind, shape = self.data.draw(_KIND), tuple(shape)
        if kind < 6:
            return self.array(dtype, shape, label)
        if kind < 8:
            if not shape:
                return self.array(dtype, (1,), label)
            axis, new = self.data.draw(_AXIS) % len(shape), list(shape)
            new[axis] = max(0, new[axis] + self.data.draw(_DELTA))
            return self.array(dtype, new, label)
        if kind == 8:
            return self.array(self.data.draw(_DTYPE), shape, label)
        return self.any_value(label)

    def maybe(self, make):
        """None or ``make()``."""
        return make() if self.data.draw(st.booleans()) else None
