"""elman: recurrent neural networks from first principles, in NumPy.

>>> import numpy as np, elman
>>> rnn = elman.RNN(input_size=100, hidden_size=256, num_layers=2, batch_first=True,
...                 rng=np.random.default_rng(0))
>>> output, h_n = rnn(np.zeros((4, 7, 100), dtype=np.float32))   # (batch, seq_len, input_size)
>>> output.shape, h_n.shape
((4, 7, 256), (2, 4, 256))
"""

from elman import gradcheck, io, nn, optim
from elman.nn import RNN, Dropout, Embedding, Linear, RNNCell, cross_entropy, mse

__version__ = "0.1.0"
__all__ = [
    "RNN",
    "Dropout",
    "Embedding",
    "Linear",
    "RNNCell",
    "__version__",
    "cross_entropy",
    "gradcheck",
    "io",
    "mse",
    "nn",
    "optim",
]
