"""elman: recurrent neural networks from first principles, in NumPy."""

from elman.nn import RNN, RNNCell

__version__ = "0.1.0"
__all__ = ["RNN", "RNNCell", "__version__"]
