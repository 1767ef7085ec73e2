"""``RNN`` and ``RNNCell``: thin classes over the kernels, with torch's signature, names and shapes.

    h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)

Example:
    >>> import numpy as np, elman
    >>> rnn = elman.RNN(10, 20, num_layers=2, rng=np.random.default_rng(0))
    >>> x = np.ones((5, 3, 10), dtype=np.float32)           # (T, B, I)
    >>> output, h_n = rnn(x)
    >>> output.shape, h_n.shape                             # (T, B, D*H), (D*L, B, H)
    ((5, 3, 20), (2, 3, 20))
    >>> dx, dh0 = rnn.backward(np.ones_like(output))
    >>> rnn.grads["weight_hh_l0"].shape
    (20, 20)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from elman.errors import InvalidIndex, InvalidInput, InvalidState, InvalidType
from elman.nn import init
from elman.nn.checks import as_float_dtype, check_array, check_positive_int, check_rng, check_shape, check_size
from elman.nn.module import CachedModule, Module
from elman.nn.rnn_sequence import SequenceCache, rnn_backward, rnn_forward, states_at
from elman.nn.rnn_step import NONLINEARITIES, rnn_step_backward, rnn_step_forward


def _check_nonlinearity(nonlinearity: str) -> None:
    if not isinstance(nonlinearity, str) or nonlinearity not in NONLINEARITIES:
        raise InvalidInput(f"Unknown nonlinearity '{nonlinearity}'. Expected one of {NONLINEARITIES}")


class SavedForward(NamedTuple):
    """What ``RNN.forward`` keeps for ``backward`` (``RNN.saved``)."""

    cache: SequenceCache  # the kernels' cache: every layer's input and states, (D*H, T, B) each, in sorted batch order
    batched: bool  # the input was (T, B, I) or (B, T, I), not unbatched (T, I)
    learned_h0: bool  # h0 was the learned parameter, whose gradient backward accumulates
    output_shape: tuple  # in the caller's layout, as forward returned it
    h_n_shape: tuple


class RNN(CachedModule):
    """Multi-layer Elman RNN with torch.nn.RNN's constructor, call and parameter names.

    Input (T, B, I) (or (B, T, I) with ``batch_first``, or unbatched (T, I)); output (T, B, D·H);
    h_n (D·L, B, H). ``lengths`` (B,) gives each sequence's valid length, as torch's packed sequences do.
    After a forward, ``backward(d_output, d_h_n)`` returns (dx, dh0) and accumulates into ``grads``.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        *,
        dtype="float32",
        rng=None,
        learn_h0=False,
    ):
        super().__init__()
        check_positive_int("input_size", input_size)
        check_positive_int("hidden_size", hidden_size)
        check_positive_int("num_layers", num_layers)
        _check_nonlinearity(nonlinearity)
        if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
            raise InvalidInput(
                f"dropout should be a number in range [0, 1) representing the probability of an "
                f"element being zeroed, got {dropout!r}"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.nonlinearity, self.bias, self.batch_first = nonlinearity, bool(bias), bool(batch_first)
        self.dropout, self.bidirectional, self.learn_h0 = float(dropout), bool(bidirectional), bool(learn_h0)
        self.dtype = as_float_dtype(dtype)
        self.rng = check_rng("rng", rng)
        self.num_directions = 2 if bidirectional else 1
        bound = 1.0 / np.sqrt(hidden_size)
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes(layer):
                shapes = {"weight_ih": (hidden_size, layer_input), "weight_hh": (hidden_size, hidden_size)}
                if self.bias:
                    shapes.update(bias_ih=(hidden_size,), bias_hh=(hidden_size,))
                for kind, shape in shapes.items():
                    self.register_parameter(kind + suffix, init.uniform(shape, bound, self.rng, self.dtype))
        if learn_h0:
            self.register_parameter("h0", np.zeros((num_layers * self.num_directions, hidden_size), self.dtype))
        self._workspace: dict = {}  # states and BPTT scratch buffers kept between calls (one caller at a time)

    def _suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.num_directions]

    def weights(self) -> list[list[tuple]]:
        """``[layer][direction] = (W_ih, W_hh, b_ih, b_hh)``, the arrays the kernels take."""
        p = self.params
        return [
            [
                (p["weight_ih" + s], p["weight_hh" + s], p.get("bias_ih" + s), p.get("bias_hh" + s))
                for s in self._suffixes(layer)
            ]
            for layer in range(self.num_layers)
        ]

    _DEFAULTS = dict(
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        learn_h0=False,
    )

    def __repr__(self) -> str:
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, v in self._DEFAULTS.items() if getattr(self, k) != v)
        return f"RNN({self.input_size}, {self.hidden_size}{extra})"

    def _time_major(self, a, batched):
        """(T, B, ·) view of a sequence array given in the caller's layout (batch-first or unbatched)."""
        if not batched:
            return a[:, None, :]
        return a.transpose(1, 0, 2) if self.batch_first else a

    def _callers_layout(self, a, batched):
        """The inverse of ``_time_major``."""
        if not batched:
            return a[:, 0]
        return a.transpose(1, 0, 2) if self.batch_first else a

    def forward(self, x, h0=None, lengths=None, *, resets=None):
        """``resets`` (elman's addition; unidirectional, without ``lengths``): a bool array shaped like the
        input's (T, B) or (B, T) axes; where True, a new sequence starts at that step from a zero state and
        no gradient crosses the boundary (several sequences packed one after another in a row)."""
        check_array("input", x, ndim=(2, 3), dtype=self.dtype)
        check_size("input.size(-1) must be equal to input_size", self.input_size, x.shape[-1])
        batched = x.ndim == 3
        xt = self._time_major(x, batched)
        T, B = xt.shape[:2]
        if T == 0 or B == 0:
            raise InvalidInput(f"input must have at least one time step and one sequence, got shape {x.shape}")
        LD, H = self.num_layers * self.num_directions, self.hidden_size
        if h0 is None:
            h0t = (
                np.broadcast_to(self.params["h0"][:, None, :], (LD, B, H))
                if self.learn_h0
                else np.zeros((LD, B, H), self.dtype)
            )
        else:
            check_array("hx", h0, dtype=self.dtype)
            check_shape("hidden", h0, (LD, B, H) if batched else (LD, H))
            h0t = h0 if batched else h0[:, None, :]
        lengths = self._check_lengths(lengths, T, B, batched)
        resets = self._check_resets(resets, x.shape[:-1], lengths, batched)
        self._cache = None  # the last forward's states are not needed any more: their memory may be reused
        output, h_n, cache = rnn_forward(
            np.ascontiguousarray(xt),
            np.ascontiguousarray(h0t),
            self.weights(),
            nonlinearity=self.nonlinearity,
            lengths=lengths,
            dropout=self.dropout,
            training=self.training,
            rng=self.rng,
            resets=None if resets is None else self._time_major(resets[..., None], batched)[..., 0],
            workspace=self._workspace,
        )
        # The output shares memory with the cache that backward reads: writing into it would corrupt the
        # gradients silently, so it is read-only (torch raises on such in-place edits too). Copy to modify.
        output.flags.writeable = False
        output, h_n = self._callers_layout(output, batched), h_n if batched else h_n[:, 0]
        self._cache = SavedForward(cache, batched, h0 is None and self.learn_h0, output.shape, h_n.shape)
        return output, h_n

    @property
    def saved(self) -> SavedForward | None:
        """What the last forward saved for ``backward``, a ``SavedForward``; None before any forward and once
        backward has freed it. Assigning a value read here puts it back: code that runs forwards of its own
        between a caller's forward and backward (``elman.analysis.gradient_flow``) leaves the pending
        backward as it found it. The arrays are the engine's own: read them, never write into them."""
        return self._cache

    @saved.setter
    def saved(self, value: SavedForward | None) -> None:
        if value is not None and not isinstance(value, SavedForward):
            raise InvalidType(f"saved must be a SavedForward read from RNN.saved, or None, got {type(value).__name__}")
        self._cache = value

    def states_at(self, t: int) -> np.ndarray:
        """The state of every layer after step t of the last forward, (D*L, B, H): what a forward over
        steps 0..t alone would have returned as h_n. Truncated BPTT carries this across windows."""
        saved = self._take_cache()
        cache, batched = saved.cache, saved.batched
        T = cache.layers[0].h.shape[1]
        if not batched:
            raise InvalidInput("states_at needs the last forward to have been batched (3-D input)")
        if not isinstance(t, (int, np.integer)) or not -T <= t < T:
            raise InvalidIndex(f"step must be an integer in [{-T}, {T}), got {t!r}")
        return states_at(cache, int(t) % T)

    def _check_resets(self, resets, shape, lengths, batched):
        if resets is None:
            return None
        check_array("resets", resets)
        if resets.dtype != np.bool_:
            raise InvalidType(f"resets must be a bool array, got {resets.dtype}")
        check_shape("resets", resets, shape)
        if self.bidirectional or lengths is not None or self.learn_h0:
            raise InvalidInput("resets works with a unidirectional RNN, without lengths and without learn_h0")
        return resets

    @staticmethod
    def _check_lengths(lengths, T, B, batched):
        if lengths is None:
            return None
        if not batched:
            raise InvalidInput("lengths is only accepted with a batched (3-D) input")
        try:
            arr = np.asarray(lengths)
        except ValueError:  # a ragged nested list
            raise InvalidInput(f"lengths must be a 1-D sequence of integers, got {lengths!r:.60}") from None
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise InvalidInput(f"lengths must be a 1-D sequence of integers, got {arr.dtype} of shape {arr.shape}")
        check_size("len(lengths) must be equal to the batch size", B, arr.shape[0])
        if arr.min() < 1 or arr.max() > T:
            raise InvalidInput(
                f"lengths must lie in [1, {T}] (the sequence length), got min {arr.min()} and max {arr.max()}"
            )
        return None if np.all(arr == T) else arr.astype(np.int64)

    def backward(self, d_output, d_h_n=None, *, return_dh_norms=False, retain_cache=False):
        """Full BPTT for the last forward. Returns (dx, dh0) shaped like the input and h0 it took.

        Parameter gradients are added into ``self.grads``. With ``return_dh_norms`` a third value,
        ‖∂L/∂h_t‖ per layer, direction and step (L, D, T), is returned. The cache is freed unless
        ``retain_cache`` (as torch frees its graph unless ``retain_graph``).
        """
        saved = self._take_cache()
        batched = saved.batched
        dy = dhn = None
        if d_output is not None:
            check_array("d_output", d_output, dtype=self.dtype)
            check_shape("d_output", d_output, saved.output_shape)
            dy = self._time_major(d_output, batched)
        if d_h_n is not None:
            check_array("d_h_n", d_h_n, dtype=self.dtype)
            check_shape("d_h_n", d_h_n, saved.h_n_shape)
            dhn = d_h_n if batched else d_h_n[:, None, :]
        result = rnn_backward(saved.cache, dy, dhn, return_dh_norms=return_dh_norms, workspace=self._workspace)
        dx, dh0, grads = result[:3]
        for layer, per_direction in enumerate(grads):
            for suffix, (dW_ih, dW_hh, db_ih, db_hh) in zip(self._suffixes(layer), per_direction):
                self.grads["weight_ih" + suffix] += dW_ih
                self.grads["weight_hh" + suffix] += dW_hh
                if db_ih is not None:
                    self.grads["bias_ih" + suffix] += db_ih
                    self.grads["bias_hh" + suffix] += db_hh
        if saved.learned_h0:
            self.grads["h0"] += dh0.sum(axis=1)
        if not retain_cache:
            self._cache = None
        dx, dh0 = self._callers_layout(dx, batched), dh0 if batched else dh0[:, 0]
        return (dx, dh0, result[3]) if return_dh_norms else (dx, dh0)


class RNNCell(Module):
    """One step, torch.nn.RNNCell's signature: ``h' = cell(x, h)`` with x (B, I) or (I,).

    In training mode each call pushes its cache on a tape; ``backward(dh)`` pops the most recent one, so
    a loop of calls is undone by the same number of backward calls in reverse order (BPTT by hand).
    In eval mode nothing is recorded, so inference loops do not grow memory.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, dtype="float32", rng=None):
        super().__init__()
        check_positive_int("input_size", input_size)
        check_positive_int("hidden_size", hidden_size)
        _check_nonlinearity(nonlinearity)
        self.input_size, self.hidden_size, self.bias, self.nonlinearity = input_size, hidden_size, bias, nonlinearity
        self.dtype = as_float_dtype(dtype)
        rng = check_rng("rng", rng)
        bound = 1.0 / np.sqrt(hidden_size)
        shapes = {"weight_ih": (hidden_size, input_size), "weight_hh": (hidden_size, hidden_size)}
        if bias:
            shapes.update(bias_ih=(hidden_size,), bias_hh=(hidden_size,))
        for name, shape in shapes.items():
            self.register_parameter(name, init.uniform(shape, bound, rng, self.dtype))
        self.tape: list = []

    def __repr__(self) -> str:
        return f"RNNCell({self.input_size}, {self.hidden_size}, bias={self.bias}, nonlinearity={self.nonlinearity!r})"

    def forward(self, x, hx=None):
        check_array("input", x, ndim=(1, 2), dtype=self.dtype)
        check_size("input.size(-1) must be equal to input_size", self.input_size, x.shape[-1])
        batched = x.ndim == 2
        xb = x if batched else x[None]
        if hx is None:
            hx = np.zeros((xb.shape[0], self.hidden_size), self.dtype)
        else:
            check_array("hx", hx, dtype=self.dtype)
            check_shape("hidden", hx, (xb.shape[0], self.hidden_size) if batched else (self.hidden_size,))
            hx = hx if batched else hx[None]
        p = self.params
        h, cache = rnn_step_forward(
            xb, hx, p["weight_ih"], p["weight_hh"], p.get("bias_ih"), p.get("bias_hh"), self.nonlinearity
        )
        if self.training:
            self.tape.append((cache, batched))
        return h if batched else h[0]

    def backward(self, dh):
        """Undo the most recent call: returns (dx, dh_prev) and accumulates the parameter gradients."""
        if not self.tape:
            raise InvalidState(
                "RNNCell.backward() has no forward call left on its tape (calls made in eval mode are not recorded)"
            )
        cache, batched = self.tape[-1]
        check_array("dh", dh, dtype=self.dtype)
        h_shape = cache.h_t.shape if batched else cache.h_t.shape[1:]
        check_shape("dh", dh, h_shape)
        self.tape.pop()
        dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh = rnn_step_backward(dh if batched else dh[None], cache)
        self.grads["weight_ih"] += dW_ih
        self.grads["weight_hh"] += dW_hh
        if db_ih is not None:
            self.grads["bias_ih"] += db_ih
            self.grads["bias_hh"] += db_hh
        return (dx, dh_prev) if batched else (dx[0], dh_prev[0])
