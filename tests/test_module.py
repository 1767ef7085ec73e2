"""Module's frozen parameters: out of training, still in the state dict."""

import numpy as np
import pytest

from elman.nn.layers import Embedding, Linear
from elman.nn.module import Module


class Net(Module):
    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(0)
        self.embed = self.add_module("embed", Embedding(5, 3, dtype="float64", rng=rng))
        self.head = self.add_module("head", Linear(3, 2, dtype="float64", rng=rng))
        self.freeze("embed.weight")


def test_frozen_parameters_leave_training_but_not_the_state_dict():
    net = Net()
    assert "embed.weight" not in net.params and "embed.weight" not in net.grads
    state = net.state_dict()
    assert set(state) == {"embed.weight", "head.weight", "head.bias"}
    other = Net()
    other.frozen["embed.weight"][...] = 0
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.frozen["embed.weight"], state["embed.weight"])


def test_a_failed_load_changes_no_frozen_parameter_either():
    net = Net()
    before = net.state_dict()
    bad = {k: np.zeros_like(v) for k, v in before.items()}
    bad["head.bias"] = np.zeros(7)
    with pytest.raises(ValueError, match="size mismatch for head.bias"):
        net.load_state_dict(bad)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    with pytest.raises(ValueError, match="Missing key\\(s\\): embed.weight"):
        net.load_state_dict({k: v for k, v in before.items() if k != "embed.weight"})
    with pytest.raises(KeyError, match="no trainable parameter named 'nope'"):
        net.freeze("nope")
