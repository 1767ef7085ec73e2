"""The layers around an RNN: ``Linear`` (the read-out), ``Embedding`` (token ids to vectors) and ``Dropout``.

Each follows the protocol of ``RNN``: ``forward`` returns only the output and keeps what the backward
pass needs on the layer; ``backward(d_out)`` returns the gradient with respect to the input and adds
(``+=``) the parameter gradients into ``self.grads``. One backward per forward: the cache is freed by
``backward`` unless ``retain_cache=True``. Inputs are kept by reference, not copied, so they must not be
changed in place between a forward and its backward (torch would refuse; NumPy cannot notice).

Example:
    >>> import numpy as np
    >>> from elman.nn.layers import Embedding, Linear
    >>> rng = np.random.default_rng(0)
    >>> emb, head = Embedding(10, 4, padding_idx=0, rng=rng), Linear(4, 10, rng=rng)
    >>> ids = np.array([[1, 2, 0], [3, 3, 0]])            # (B, T), 0 is padding
    >>> logits = head(emb(ids))                            # (B, T, 10)
    >>> logits.shape
    (2, 3, 10)
    >>> emb.backward(head.backward(np.ones_like(logits)))  # ids get no gradient: returns None
    >>> bool(np.all(emb.grads["weight"][0] == 0))          # the padding row is never updated
    True
"""

from __future__ import annotations

import numpy as np

from elman.errors import InvalidInput, InvalidType
from elman.nn import init
from elman.nn.checks import (
    as_float_dtype,
    check_array,
    check_float,
    check_int_ids,
    check_positive_int,
    check_rng,
    check_shape,
    check_size,
)
from elman.nn.module import CachedModule


def _check_float_input(name: str, x, dtype: np.dtype) -> np.ndarray:
    check_array(name, x, dtype=dtype)
    if x.ndim == 0:
        raise InvalidInput(f"{name} must have at least 1 dimension, got a 0-D array")
    return x


class Linear(CachedModule):
    """y = x Wᵀ + b, applied to the last axis; torch.nn.Linear's signature, names and initialisation.

    Shapes: x (..., in_features), W = ``weight`` (out_features, in_features), b = ``bias`` (out_features,),
    y (..., out_features). W and b start as U(−1/√in, 1/√in), the bound torch's default reaches.
    Backward, with all leading axes flattened into N rows:

        dx = dy W        dW += dyᵀ x  (out, in)        db += Σ_N dy
    """

    def __init__(self, in_features, out_features, bias=True, *, dtype="float32", rng=None):
        super().__init__()
        check_positive_int("in_features", in_features)
        check_positive_int("out_features", out_features)
        self.in_features, self.out_features, self.dtype = int(in_features), int(out_features), as_float_dtype(dtype)
        rng = check_rng("rng", rng)
        bound = 1.0 / np.sqrt(in_features)
        self.register_parameter("weight", init.uniform((out_features, in_features), bound, rng, self.dtype))
        if bias:
            self.register_parameter("bias", init.uniform((out_features,), bound, rng, self.dtype))

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={'bias' in self.params})"

    def forward(self, x):
        _check_float_input("input", x, self.dtype)
        check_size("input.size(-1) must be equal to in_features", self.in_features, x.shape[-1])
        # All leading axes as the rows of one product: a 3-D matmul would run one small GEMM per leading index.
        y = x.reshape(-1, self.in_features) @ self.params["weight"].T
        if "bias" in self.params:
            y += self.params["bias"]
        self._cache = x
        return y.reshape(*x.shape[:-1], self.out_features)

    def backward(self, dy, *, retain_cache=False):
        """dL/dx for the last forward; dL/dW and dL/db are added into ``grads``."""
        x = self._take_cache()
        check_array("dy", dy, dtype=self.dtype)
        check_shape("dy", dy, (*x.shape[:-1], self.out_features))
        dy_rows = dy.reshape(-1, self.out_features)  # every leading axis is one more row of the batch
        self.grads["weight"] += dy_rows.T @ x.reshape(-1, self.in_features)
        if "bias" in self.params:
            self.grads["bias"] += dy_rows.sum(axis=0)
        if not retain_cache:
            self._cache = None
        return (dy_rows @ self.params["weight"]).reshape(x.shape)


class Embedding(CachedModule):
    """A lookup table: ``y[..., :] = W[ids[...], :]``; torch.nn.Embedding's signature and names.

    Shapes: ids (...) integers in [0, num_embeddings), W = ``weight`` (num_embeddings, embedding_dim),
    y (..., embedding_dim). W starts as N(0, 1) with the ``padding_idx`` row zeroed. Backward scatters:

        dW[k] += Σ_{positions p with ids[p] = k} dy[p]      for every k ≠ padding_idx

    so a repeated id collects the sum of its gradients and the padding row never changes. A frozen table
    (``freeze("weight")``, or ``from_pretrained(freeze=True)``) gets no gradient. The ids are not
    differentiable: backward returns None.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, *, dtype="float32", rng=None, _weight=None):
        super().__init__()
        check_positive_int("num_embeddings", num_embeddings)
        check_positive_int("embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not isinstance(padding_idx, (int, np.integer)) or isinstance(padding_idx, bool):
                raise InvalidType(f"padding_idx must be an integer or None, got {type(padding_idx).__name__}")
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise InvalidInput(
                    f"padding_idx must be within num_embeddings: expected an index in "
                    f"[{-num_embeddings}, {num_embeddings}), got {padding_idx}"
                )
            padding_idx = int(padding_idx) % num_embeddings  # torch's convention: a negative index counts back
        self.num_embeddings, self.embedding_dim, self.padding_idx = int(num_embeddings), int(embedding_dim), padding_idx
        self.dtype = as_float_dtype(dtype)
        if _weight is None:
            weight = init.normal((num_embeddings, embedding_dim), 1.0, check_rng("rng", rng), self.dtype)
            if padding_idx is not None:
                weight[padding_idx] = 0
        else:  # from_pretrained: the given table as is, padding row included (torch does not zero it either)
            weight = _weight
        self.register_parameter("weight", weight)

    @classmethod
    def from_pretrained(cls, embeddings: np.ndarray, freeze=True, padding_idx=None) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (V, E); its dtype (float32 or float64) is kept."""
        check_float("embeddings", embeddings)
        check_array("embeddings", embeddings, ndim=2)
        num, dim = embeddings.shape
        layer = cls(num, dim, padding_idx, dtype=embeddings.dtype, _weight=np.array(embeddings, copy=True))
        if freeze:
            layer.freeze("weight")
        return layer

    @property
    def weight(self) -> np.ndarray:
        """The table, trainable (in ``params``) or frozen."""
        return self.params["weight"] if "weight" in self.params else self.frozen["weight"]

    def __repr__(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"Embedding({self.num_embeddings}, {self.embedding_dim}{pad})"

    def forward(self, ids):
        check_int_ids("indices", ids, self.num_embeddings)
        y = self.weight[ids]  # advanced indexing: a new array, never a view of the table
        self._cache = ids.copy()  # ids are small; a copy keeps backward right if the caller reuses the buffer
        return y

    def backward(self, dy, *, retain_cache=False):
        """Scatter-add ``dy`` (..., E) into ``grads["weight"]``; returns None (ids have no gradient)."""
        ids = self._take_cache()
        check_array("dy", dy, dtype=self.dtype)
        check_shape("dy", dy, (*ids.shape, self.embedding_dim))
        if "weight" in self.grads:  # not frozen
            rows, dy_rows = ids.reshape(-1), dy.reshape(-1, self.embedding_dim)
            if self.padding_idx is not None:
                keep = rows != self.padding_idx
                rows, dy_rows = rows[keep], dy_rows[keep]
            # An id that occurs k times must receive the sum of its k rows (W[ids] += dy would keep one): sort
            # the rows by id and sum each run at once, much faster than the unbuffered np.add.at.
            if rows.size:
                order = np.argsort(rows, kind="stable")
                sorted_rows = rows[order]
                starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
                self.grads["weight"][sorted_rows[starts]] += np.add.reduceat(dy_rows[order], starts, axis=0)
        if not retain_cache:
            self._cache = None
        return None


class Dropout(CachedModule):
    """Inverted dropout: y = x ⊙ m / (1 − p) with m_i ~ Bernoulli(1 − p), in training mode only.

    Scaling by 1/(1 − p) at training time keeps E[y] = x, so evaluation is the identity (the input itself
    is returned, no copy). Backward applies the same mask: dx = dy ⊙ m / (1 − p). The mask comes from
    ``self.rng`` (a ``numpy.random.Generator``), so reseeding it repeats the mask.
    """

    def __init__(self, p=0.5, *, rng=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)) or not 0 <= p < 1:
            raise InvalidInput(f"dropout probability has to be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = check_rng("rng", rng)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x):
        check_float("input", x)
        if not self.training or self.p == 0:
            self._cache = (x.shape, x.dtype, None)
            return x
        # bool * scalar of x's dtype: the scaled mask is built in x's dtype, never promoted to float64
        mask = (self.rng.random(x.shape) >= self.p) * x.dtype.type(1.0 / (1.0 - self.p))
        self._cache = (x.shape, x.dtype, mask)
        return x * mask

    def backward(self, dy, *, retain_cache=False):
        """dL/dx = dL/dy ⊙ mask (dy itself in eval mode)."""
        shape, dtype, mask = self._take_cache()
        check_array("dy", dy, dtype=dtype)
        check_shape("dy", dy, shape)
        if not retain_cache:
            self._cache = None
        return dy if mask is None else dy * mask
