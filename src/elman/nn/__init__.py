"""The chapter's equations: step kernels, sequence kernels (BPTT) and the layers built on them."""

from elman.nn import init
from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.losses import cross_entropy, mse
from elman.nn.module import Module
from elman.nn.rnn import RNN, RNNCell
from elman.nn.rnn_sequence import rnn_backward, rnn_forward
from elman.nn.rnn_step import rnn_step_backward, rnn_step_forward

__all__ = [
    "Dropout",
    "Embedding",
    "Linear",
    "Module",
    "RNN",
    "RNNCell",
    "cross_entropy",
    "init",
    "mse",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
]
