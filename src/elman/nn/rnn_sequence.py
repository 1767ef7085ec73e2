"""A whole sequence through a stacked, optionally bidirectional RNN: forward and BPTT, arranged for speed.

Same numbers as looping ``rnn_step_forward`` / ``rnn_step_backward`` over time (tests hold them equal
to rounding), with the work rearranged the way cuDNN arranges it:

* states are columns, as in the chapter: ``h_t = f(W_hh h_{t-1} + W_ih x_t + b)``. Each layer keeps its
  states in one array Y of shape (D·H, T, B), so ``Y[:, t]`` is the (D·H, B) block of step t and the
  whole layer is the (D·H, T·B) matrix of all steps;
* the input projection of every step and both directions is one product per layer,
  ``A = W_ih X + b_ih + b_hh``, computed straight into Y;
* inside the time loop only ``Y_t = f(A_t + W_hh Y_{t-1})``, in place;
* the backward loop does only ``dh_t += dY_t``, ``da_t = dh_t ⊙ f'(z_t)`` and ``dh_{t-1} = W_hhᵀ da_t``;
* every weight and bias gradient is then one large product over all T·B columns.

With a single sequence (B = 1) the column of step t is contiguous only if the memory runs along D·H, so
then every (D·H, T, 1) array above is the transposed view of a (T, D·H) array: the same code, the other
memory order (measured: a batch-1 training step from 0.32 to 0.28–0.31 of torch's time).

Variable lengths follow torch's packed sequences: the batch is sorted by decreasing length, so at step t
the active sequences are the first ``batch_sizes[t]`` columns; padded steps leave the state alone, the
reverse direction starts at each sequence's own last step, and padded outputs are zero.

Outside this file the layout is torch's: x (T, B, I), h0 and h_n (L·D, B, H) indexed by
``layer * D + direction``, output (T, B, D·H). ``weights[layer][direction] = (W_ih, W_hh, b_ih, b_hh)``
with biases possibly None.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np


@dataclass
class _Layer:
    x: np.ndarray  # (I_l, T*B) this layer's input as columns, after inter-layer dropout
    y: np.ndarray  # (D*H, T, B) this layer's states, both directions stacked
    dropout_mask: np.ndarray | None  # (I_l, T*B) scaled keep-mask applied to the layer below's states


@dataclass
class SequenceCache:
    layers: list[_Layer]
    weights: list
    h0: np.ndarray  # (L*D, B, H), in sorted batch order
    batch_sizes: np.ndarray  # (T,) active columns at each step
    last: np.ndarray  # (B,) each sequence's last valid step, sorted order
    order: np.ndarray | None  # permutation sorting the batch by decreasing length (None: identity)
    nonlinearity: str
    restarts: list | None = None  # per step t, the columns whose state restarts from zero before step t


def _scratch(workspace: dict | None, name, shape: tuple, dtype, *, escapes: bool = False) -> np.ndarray:
    """An uninitialised buffer, the one kept under ``name`` in ``workspace`` by an earlier call when there is one.

    Taking fresh arrays every call means fresh pages from the kernel: BPTT's (T, D*H, B) temporaries cost more
    that way than the work done in them. A buffer that ``escapes`` the call (a layer's states, kept in the
    cache and seen through the output) is handed out again only when nothing outside the workspace still
    refers to it, else a fresh one is kept in its place. In a training loop the previous step's cache is gone
    by the next forward, so the states land in the same memory every step (measured: 4,000 page faults and
    13 ms of a 180 ms language-model step without this). CPython's reference count is exact: any view of the
    array, the caller's output included, holds a reference to it. Buffers that never escape are simply reused:
    a call may still hold views of them from an earlier layer, which it no longer reads.
    """
    if workspace is None:
        return np.empty(shape, dtype)
    buf = workspace.get(name)
    # References: the workspace, ``buf`` here and getrefcount's own argument; one more is a holder outside.
    if buf is None or buf.shape != shape or buf.dtype != dtype or (escapes and sys.getrefcount(buf) > 3):
        buf = workspace[name] = np.empty(shape, dtype)
    return buf


# Where dL/dz lives during BPTT. The loop wants each step's (D*H, B) block contiguous (time-major), the weight
# gradients want the (D*H, T*B) matrix; for small layers two transposing copies (f'(z) out of y, dL/dz back)
# are cheap, but once a layer's states outgrow the caches they cost more than the loop striding through the
# (D*H, T, B) layout directly (measured: 9 % of BPTT at H 512, B 32, T 200, 13 MB; a loss of 4-5 % at 2-3 MB).
STRIDED_BPTT_BYTES = 8 << 20


def _derivative(y: np.ndarray, nonlinearity: str, out: np.ndarray) -> np.ndarray:
    """f'(z) from y = f(z) for the whole layer at once, 1 - y² or [y > 0], into ``out`` of y's shape (which may
    be a transposed view of a buffer in another layout)."""
    if nonlinearity == "tanh":
        np.multiply(y, y, out=out)
        np.subtract(1, out, out=out)
    else:
        np.greater(y, 0, out=out)
    return out


def _swap_time_hidden(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """(D*H, T, B) <-> (T, D*H, B) into ``out``: a block copy of B-long runs, cheap beside a transpose."""
    np.copyto(out, a.transpose(1, 0, 2))
    return out


def _batch_sizes(lengths: np.ndarray | None, T: int, B: int):
    """(active columns per step, last step per sequence, sorting order) once sorted by decreasing length."""
    if lengths is None:
        return np.full(T, B), np.full(B, T - 1), None
    order = np.argsort(-lengths, kind="stable")
    if np.array_equal(order, np.arange(B)):
        order = None
    sorted_lengths = lengths if order is None else lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(T)[:, None]).sum(axis=1)
    return batch_sizes, sorted_lengths - 1, order


def _recur(y, h0, W_hh, batch_sizes, reverse, nonlinearity, restarts=None):
    """The recurrence of one direction, in place in ``y`` (H, T, B), which holds W_ih x_t + b on entry.

    The running state ``h`` (H, B) is a contiguous copy of the latest column block, which keeps BLAS and
    the ufuncs on unit strides; z_t is formed in a buffer of its own and f(z_t) written into ``h``, which
    measured faster than forming z_t in ``h`` itself (5 % of the forward at H 512, B 32, T 200). Column b
    stops changing after its sequence's last step, and the reverse direction only reaches column b at that
    sequence's last step, where ``h`` still holds h0. Returns h_n as (B, H). ``restarts[t]``, when given,
    lists the columns whose state is zero again before step t.
    """
    H, T, B = y.shape
    h = h0.T.copy()
    z = np.empty(H * B, dtype=y.dtype)
    z_full = z.reshape(H, B)
    activate = np.tanh if nonlinearity == "tanh" else _relu
    sizes = batch_sizes.tolist()  # Python ints slice faster than NumPy ones: this loop runs T times
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        n = sizes[t]
        if restarts is not None and len(restarts[t]):
            h[:, restarts[t]] = 0
        if n == B:  # the usual case: whole blocks, no slicing
            h_t, z_t, y_t = h, z_full, y[:, t]
        else:
            h_t, z_t, y_t = h[:, :n], z[:H * n].reshape(H, n), y[:, t, :n]
        np.matmul(W_hh, h_t, out=z_t)
        np.add(z_t, y_t, out=z_t)  # z_t = W_hh h_{t-1} + (W_ih x_t + b)
        activate(z_t, out=h_t)
        y_t[...] = h_t
    return h.T


def _relu(z, out):
    return np.maximum(z, 0, out=out)


def rnn_forward(x, h0, weights, *, nonlinearity="tanh", lengths=None, dropout=0.0, training=False, rng=None,
                resets=None, workspace=None):
    """Forward through all layers and directions.

    x (T, B, I), h0 (L*D, B, H), lengths None or int (B,) in [1, T]; inputs already validated.
    ``resets`` (T, B) bool, unidirectional and without lengths only: where True, a new sequence starts
    at step t from a zero state (no gradient crosses the boundary). ``workspace``: a dict in which each
    layer's state array is kept for the next call, and reused once nothing else refers to it.
    Returns (output (T, B, D*H), h_n (L*D, B, H), cache). ``output`` is a view into the cache.
    """
    T, B, _ = x.shape
    D = len(weights[0])
    H = weights[0][0][1].shape[0]
    batch_sizes, last, order = _batch_sizes(lengths, T, B)
    if order is not None:
        x, h0 = x[:, order], h0[:, order]
    padded = np.nonzero(batch_sizes < B)[0]
    restarts = None if resets is None else [np.nonzero(row)[0] for row in resets]
    h_n = np.empty((len(weights) * D, B, H), dtype=x.dtype)
    layers = []
    inp, mask = np.ascontiguousarray(x).reshape(T * B, -1).T, None
    for l, layer_weights in enumerate(weights):
        W_ih = np.concatenate([w[0] for w in layer_weights]) if D > 1 else layer_weights[0][0]
        if B == 1:  # one sequence: (T, D*H) memory, so that each step's column is contiguous
            y = np.matmul(inp.T, W_ih.T, out=_scratch(workspace, ("y", l), (T, D * H), x.dtype, escapes=True)).T
        else:
            y = np.matmul(W_ih, inp, out=_scratch(workspace, ("y", l), (D * H, T * B), x.dtype, escapes=True))
        y = y.reshape(D * H, T, B)
        if layer_weights[0][2] is not None:
            y += np.concatenate([w[2] + w[3] for w in layer_weights])[:, None, None]
        for d, (_, W_hh, _, _) in enumerate(layer_weights):
            y_d = y[d * H:(d + 1) * H]
            h_n[l * D + d] = _recur(y_d, h0[l * D + d], W_hh, batch_sizes, d == 1, nonlinearity, restarts)
        for t in padded:
            y[:, t, batch_sizes[t]:] = 0
        layers.append(_Layer(inp, y, mask))
        inp, mask = y.reshape(D * H, T * B), None
        if dropout > 0 and training and l + 1 < len(weights):
            mask = (rng.random(inp.shape) >= dropout).astype(y.dtype) / y.dtype.type(1 - dropout)
            inp = inp * mask
    cache = SequenceCache(layers, weights, h0, batch_sizes, last, order, nonlinearity, restarts)
    output = layers[-1].y.transpose(1, 2, 0)
    if order is not None:
        inverse = np.argsort(order)
        output, h_n = output[:, inverse], h_n[:, inverse]
    return output, h_n, cache


def states_at(cache: SequenceCache, t: int) -> np.ndarray:
    """Every layer's and direction's state h_t after step t of the cached forward, (L*D, B, H), batch in
    the caller's order. For a sequence shorter than t + 1, its state is its last one (padding leaves it)."""
    L, D = len(cache.weights), len(cache.weights[0])
    DH, _, B = cache.layers[0].y.shape
    H = DH // D
    step = np.minimum(t, cache.last)  # sorted batch order, like the layers' states
    states = np.stack([layer.y[:, step, np.arange(B)] for layer in cache.layers])  # (L, D*H, B)
    states = states.reshape(L, D, H, B).transpose(0, 1, 3, 2).reshape(L * D, B, H)
    return states if cache.order is None else states[:, np.argsort(cache.order)]


def _bptt(dy, da, dh_end, W_hh, batch_sizes, reverse, dh_store, restarts=None):
    """BPTT for one direction: the chain rule through time, from the last step to the first.

    Time-major arrays (T, H, B): ``dy`` is the gradient reaching each output from above, ``da`` holds
    f'(z_t) on entry and dL/dz_t on exit. ``dh_end`` (B, H) is the gradient of h_n. Returns dL/dh0 (B, H).
    """
    T, _, B = dy.shape
    W_hhT = np.ascontiguousarray(W_hh.T)
    dh = dh_end.T.copy()  # (H, B): the gradient flowing into the state of the step processed next
    sizes = batch_sizes.tolist()
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        n = sizes[t]
        if n == B:  # the usual case: whole blocks, no slicing
            dh_t, dy_t, da_t = dh, dy[t], da[t]
        else:
            dh_t, dy_t, da_t = dh[:, :n], dy[t, :, :n], da[t, :, :n]
        np.add(dh_t, dy_t, out=dh_t)  # dL/dh_t: from the output at t plus from the step after
        if dh_store is not None:
            dh_store[t, :, :n] = dh_t
        np.multiply(da_t, dh_t, out=da_t)  # dL/dz_t = dL/dh_t ⊙ f'(z_t)
        np.matmul(W_hhT, da_t, out=dh_t)  # dL/dh_{t-1} = W_hhᵀ dL/dz_t
        if restarts is not None and len(restarts[t]):  # the state before a restart was a constant zero
            dh[:, restarts[t]] = 0
    return dh.T


def rnn_backward(cache: SequenceCache, d_output=None, d_h_n=None, *, return_dh_norms=False, workspace=None):
    """BPTT through the whole sequence.

    d_output (T, B, D*H) or None, d_h_n (L*D, B, H) or None (zeros). ``workspace``: a dict in which
    scratch buffers are kept for the next call (``RNN`` passes its own).
    Returns (dx, dh0, grads) with ``grads[layer][direction] = (dW_ih, dW_hh, db_ih, db_hh)``; with
    ``return_dh_norms`` also ‖∂L/∂h_t‖ over batch and hidden units, shape (L, D, T).
    """
    layers, weights, h0 = cache.layers, cache.weights, cache.h0
    batch_sizes, order, last = cache.batch_sizes, cache.order, cache.last
    DH, T, B = layers[-1].y.shape
    L, D = len(weights), len(weights[0])
    H = DH // D
    dtype = h0.dtype
    strided = B > 1 and layers[-1].y.nbytes > STRIDED_BPTT_BYTES  # every layer's states have this size
    if d_output is None:
        dy = np.zeros((T, DH, B), dtype)
    else:  # read in place through a time-major view: measured faster than a contiguous copy at every size
        dy = (d_output if order is None else d_output[:, order]).transpose(0, 2, 1)
    dh_end = np.zeros((L * D, B, H), dtype) if d_h_n is None else d_h_n
    if order is not None:
        dh_end = dh_end[:, order]
    padded = np.nonzero(batch_sizes < B)[0]
    columns = np.arange(B)
    dh0 = np.empty((L * D, B, H), dtype)
    norms = np.zeros((L, D, T), dtype) if return_dh_norms else None
    grads = [[None] * D for _ in range(L)]
    for l in range(L - 1, -1, -1):
        layer, layer_weights = layers[l], weights[l]
        if strided:  # dL/dz in the (D*H, T, B) layout of y, seen time-major through a transposed view
            da_hm = _derivative(layer.y, cache.nonlinearity, _scratch(workspace, "da", (DH, T, B), dtype))
            da = da_hm.transpose(1, 0, 2)
        else:
            da = _scratch(workspace, "da_tm", (T, DH, B), dtype)
            _derivative(layer.y, cache.nonlinearity, da.transpose(1, 0, 2))
        for t in padded:
            da[t, :, batch_sizes[t]:] = 0
        store = np.zeros((T, DH, B), dtype) if return_dh_norms else None
        for d in range(D):
            rows = slice(d * H, (d + 1) * H)
            dh0[l * D + d] = _bptt(dy[:, rows], da[:, rows], dh_end[l * D + d], layer_weights[d][1], batch_sizes,
                                   d == 1, None if store is None else store[:, rows], cache.restarts)
        if store is not None:
            norms[l] = np.sqrt(np.square(store.reshape(T, D, H, B)).sum(axis=(2, 3))).T
        # Every weight gradient as one product over the T·B columns, back in the (D*H, T, B) layout.
        if strided:
            da = da_hm
        elif B == 1:  # (T, D*H, 1) seen as (D*H, T, 1) is already the (D*H, T) matrix, transposed
            da = da.transpose(1, 0, 2)
        else:
            da = _swap_time_hidden(da, _scratch(workspace, "da", (DH, T, B), dtype))
        da_all = da.reshape(DH, T * B)
        dW_ih = da_all @ layer.x.T
        ones = _scratch(workspace, "ones", (T * B,), dtype)
        ones.fill(1)
        db = da_all @ ones  # the bias gradient as the product dA·1: faster than da_all.sum(axis=1)
        for d in range(D):
            rows = slice(d * H, (d + 1) * H)
            da_d, y_d, h0_d = da[rows], layer.y[rows], h0[l * D + d]
            if d == 0:  # the state before step t is y_{t-1}, and h0 before step 0
                dW_hh = da_d[:, 1:].reshape(H, -1) @ y_d[:, :-1].reshape(H, -1).T
                if h0_d.any():
                    dW_hh += da_d[:, 0] @ h0_d
                if cache.restarts is not None:  # where a sequence restarted, h_{t-1} was 0, not y_{t-1} (or h0)
                    ts = np.concatenate([np.full(len(c), t) for t, c in enumerate(cache.restarts)])
                    cs = np.concatenate(cache.restarts)
                    h_prev = np.where((ts > 0)[:, None], y_d[:, ts - 1, cs].T, h0_d[cs])
                    dW_hh -= da_d[:, ts, cs] @ h_prev
            else:  # the state before step t is y_{t+1}, and h0 before each sequence's own last step
                dW_hh = da_d[:, :-1].reshape(H, -1) @ y_d[:, 1:].reshape(H, -1).T
                if h0_d.any():
                    dW_hh += da_d[:, last, columns] @ h0_d
            has_bias = layer_weights[d][2] is not None
            grads[l][d] = (dW_ih[rows], dW_hh, db[rows] if has_bias else None, db[rows].copy() if has_bias else None)
        W_ih = np.concatenate([w[0] for w in layer_weights]) if D > 1 else layer_weights[0][0]
        if l == 0:
            dx = (da_all.T @ W_ih).reshape(T, B, -1)
        else:
            if B == 1:  # as rows, so that each step's column of the layer below's dL/dy is contiguous
                dx = np.matmul(da_all.T, W_ih, out=_scratch(workspace, "dx", (T, W_ih.shape[1]), dtype)).T
            else:
                dx = np.matmul(W_ih.T, da_all, out=_scratch(workspace, "dx", (W_ih.shape[1], T * B), dtype))
            if layer.dropout_mask is not None:
                dx *= layer.dropout_mask
            dy = dx.reshape(-1, T, B).transpose(1, 0, 2)  # the layer below's dL/dy, time-major view
    if order is not None:
        inverse = np.argsort(order)
        dx, dh0 = dx[:, inverse], dh0[:, inverse]
    if return_dh_norms:
        return dx, dh0, grads, norms
    return dx, dh0, grads
