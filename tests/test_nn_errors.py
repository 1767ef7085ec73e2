"""The library's boundary checks raise members of elman.errors, each still the built-in kind it was before."""

import numpy as np
import pytest

import elman
from elman import optim
from elman.errors import ElmanError, InvalidIndex, InvalidInput, InvalidState, InvalidType
from elman.nn import Dropout, Embedding, Linear, RNNCell, cross_entropy


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: elman.RNN(3, 4, rng=rng),
        lambda rng: RNNCell(3, 4, rng=rng),
        lambda rng: Linear(3, 4, rng=rng),
        lambda rng: Embedding(3, 4, rng=rng),
        lambda rng: Dropout(0.5, rng=rng),
    ],
)
def test_an_int_seed_is_refused_with_the_generator_to_use(make):
    with pytest.raises(InvalidType) as info:
        make(42)
    assert str(info.value) == ("rng must be a numpy.random.Generator, e.g. np.random.default_rng(42); got int 42")
    assert isinstance(info.value, TypeError)
    with pytest.raises(InvalidType, match="got RandomState"):
        make(np.random.RandomState(0))
    make(np.random.default_rng(42))  # the Generator itself is fine


def test_each_kind_of_check_keeps_its_builtin_kind():
    rnn = elman.RNN(2, 3, rng=np.random.default_rng(0))
    with pytest.raises(InvalidType):  # TypeError: elman never casts
        rnn(np.zeros((2, 1, 2), np.float64))
    with pytest.raises(InvalidInput):  # ValueError
        rnn(np.zeros((2, 1, 5), np.float32))
    with pytest.raises(InvalidIndex):  # IndexError, as torch raises for an id out of range
        Embedding(3, 2, rng=np.random.default_rng(0))(np.array([3]))
    with pytest.raises(InvalidIndex):
        cross_entropy(np.zeros((1, 3)), np.array([5]))
    with pytest.raises(InvalidState):  # RuntimeError
        Linear(2, 2, rng=np.random.default_rng(0)).backward(np.zeros((1, 2), np.float32))
    assert issubclass(InvalidIndex, IndexError) and issubclass(InvalidIndex, ValueError)
    assert issubclass(InvalidState, RuntimeError) and issubclass(InvalidState, ElmanError)


def test_ragged_lengths_are_refused_clearly():
    rnn = elman.RNN(2, 3, rng=np.random.default_rng(0))
    with pytest.raises(InvalidInput, match="lengths must be a 1-D sequence of integers"):
        rnn(np.zeros((2, 2, 2), np.float32), lengths=[[1], [1, 2]])


def test_optimiser_hyper_parameters_must_be_numbers():
    params = {"w": np.ones(2)}
    for kwargs in ({"lr": "0.1"}, {"lr": None}, {"momentum": 1j}):
        with pytest.raises(InvalidType, match="must be a number"):
            optim.SGD(params, **kwargs)
    with pytest.raises(InvalidType, match="betas must be a pair"):
        optim.Adam(params, betas=0.9)
    opt = optim.SGD(params, lr=0.1)
    opt.lr = "0.2"  # what a faulty scheduler might do: refused at the step, and nothing moves
    with pytest.raises(InvalidType, match="lr must be a number"):
        opt.step({"w": np.ones(2)})
    assert params["w"].tolist() == [1.0, 1.0] and opt.step_count == 0


def test_clipping_checks_its_arguments():
    g = np.ones(3)
    with pytest.raises(InvalidType, match="grads must be"):
        optim.clip_grad_norm_(None, 1.0)
    with pytest.raises(InvalidType, match="max_norm must be a number"):
        optim.clip_grad_norm_([g], None)
    with pytest.raises(InvalidType, match="clip_value must be a number"):
        optim.clip_grad_value_([g], "1")
    assert optim.clip_grad_norm_([g], 2**70) == pytest.approx(3**0.5)  # a huge int is a huge bound, not an error
    with pytest.raises(InvalidState, match="non-finite"):
        optim.clip_grad_norm_([np.array([np.nan])], 1.0, error_if_nonfinite=True)


def test_load_state_dict_refuses_what_is_not_a_state():
    rnn = elman.RNN(2, 3, rng=np.random.default_rng(0))
    with pytest.raises(InvalidType, match="state must be a dict"):
        rnn.load_state_dict("weights.safetensors")
    state = {**rnn.state_dict(), 7: np.zeros(1), "bias_hh_l0": [[1], [1, 2]]}
    with pytest.raises(InvalidInput, match=r"(?s)Unexpected key\(s\): 7.*bias_hh_l0: expected an array"):
        rnn.load_state_dict(state)


@pytest.mark.parametrize("p", [3.0, 1e300, 3.4028235677973366e38])
def test_clip_grad_norm_with_a_large_p_neither_overflows_nor_hides_an_inf(p):
    """|g|^p over- or underflows for a large p (NumPy casts p to float32 for float32 arrays): the norm must still
    lie between max|g| and the 1-norm, and an inf gradient must give an inf norm, refused on request."""
    g = [np.array([0.5, 2.0])]
    assert 2.0 <= optim.clip_grad_norm_(g, 10.0, p) <= 2.5
    with pytest.raises(InvalidState, match="non-finite"):
        optim.clip_grad_norm_([np.array([np.inf, 1.0], np.float32)], 1.0, p, error_if_nonfinite=True)
