"""A whole sequence through a stacked, optionally bidirectional RNN: forward and BPTT, arranged for speed.

Same numbers as looping ``rnn_step_forward`` / ``rnn_step_backward`` over time (tests hold them equal
to rounding), with the work rearranged the way cuDNN arranges it:

* states are columns, as in the chapter: ``h_t = f(W_hh h_{t-1} + W_ih x_t + b)``. Each layer keeps its
  states in one array ``h`` of shape (D·H, T, B), so ``h[:, t]`` is the (D·H, B) block of h_t and the
  whole layer is the (D·H, T·B) matrix of all steps;
* the input projection of every step and both directions is one product per layer,
  ``W_ih x + b_ih + b_hh``, computed straight into ``h``;
* inside the time loop only ``h_t = f(W_hh h_{t-1} + h[:, t])``, in place;
* BPTT is two pieces, named for the step kernel's backward: ``bptt_loop`` runs the chain rule through time
  (``dh_t = dh_above_t + dh_next``, ``dz_t = dh_t ⊙ f'(z_t)``, ``dh_prev = W_hhᵀ dz_t``), and
  ``weight_grads`` forms every weight and bias gradient as one large product over all T·B columns.

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

from elman.nn.rnn_step import activation_grad


@dataclass
class LayerCache:
    """One layer's part of the cache."""

    x: np.ndarray  # (I_l, T*B) this layer's input as columns, after inter-layer dropout
    h: np.ndarray  # (D*H, T, B) this layer's states, both directions stacked
    dropout_mask: np.ndarray | None  # (I_l, T*B) scaled keep-mask applied to the layer below's states


@dataclass
class SequenceCache:
    """What ``rnn_forward`` saves for ``rnn_backward`` (and ``RNN.saved.cache``)."""

    layers: list[LayerCache]
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


# Where dz (dL/dz) lives during BPTT. The loop wants each step's (D*H, B) block contiguous (time-major), the weight
# gradients want the (D*H, T*B) matrix; for small layers two transposing copies (f'(z) out of h, dz back) are
# cheap, but once a layer's states outgrow the caches they cost more than the loop striding through the
# (D*H, T, B) layout directly (measured: 9 % of BPTT at H 512, B 32, T 200, 13 MB; a loss of 4-5 % at 2-3 MB).
STRIDED_BPTT_BYTES = 8 << 20


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


def _recur(h, h0, W_hh, batch_sizes, reverse, nonlinearity, restarts=None):
    """The recurrence of one direction, in place in ``h`` (H, T, B), whose block ``h[:, t]`` holds W_ih x_t + b
    on entry and h_t on exit.

    The running state ``state`` (H, B) is a contiguous copy of the latest block, which keeps BLAS and the
    ufuncs on unit strides; z_t is formed in a buffer of its own and f(z_t) written into ``state``, which
    measured faster than forming z_t in ``state`` itself (5 % of the forward at H 512, B 32, T 200). Column b
    stops changing after its sequence's last step, and the reverse direction only reaches column b at that
    sequence's last step, where ``state`` still holds h0. Returns h_n as (B, H). ``restarts[t]``, when given,
    lists the columns whose state is zero again before step t.
    """
    H, T, B = h.shape
    state = h0.T.copy()
    z = np.empty(H * B, dtype=h.dtype)
    z_full = z.reshape(H, B)
    activate = np.tanh if nonlinearity == "tanh" else _relu
    sizes = batch_sizes.tolist()  # Python ints slice faster than NumPy ones: this loop runs T times
    for t in range(T - 1, -1, -1) if reverse else range(T):
        n = sizes[t]
        if restarts is not None and len(restarts[t]):
            state[:, restarts[t]] = 0
        if n == B:  # the usual case: whole blocks, no slicing
            h_prev, z_t, h_t = state, z_full, h[:, t]
        else:
            h_prev, z_t, h_t = state[:, :n], z[: H * n].reshape(H, n), h[:, t, :n]
        np.matmul(W_hh, h_prev, out=z_t)
        np.add(z_t, h_t, out=z_t)  # z_t = W_hh h_{t-1} + (W_ih x_t + b)
        activate(z_t, out=h_prev)  # the running state moves on to h_t
        h_t[...] = h_prev
    return state.T


def _relu(z, out):
    return np.maximum(z, 0, out=out)


def rnn_forward(
    x,
    h0,
    weights,
    *,
    nonlinearity="tanh",
    lengths=None,
    dropout=0.0,
    training=False,
    rng=None,
    resets=None,
    workspace=None,
):
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
            h = np.matmul(inp.T, W_ih.T, out=_scratch(workspace, ("h", l), (T, D * H), x.dtype, escapes=True)).T
        else:
            h = np.matmul(W_ih, inp, out=_scratch(workspace, ("h", l), (D * H, T * B), x.dtype, escapes=True))
        h = h.reshape(D * H, T, B)
        if layer_weights[0][2] is not None:
            h += np.concatenate([w[2] + w[3] for w in layer_weights])[:, None, None]
        for d, (_, W_hh, _, _) in enumerate(layer_weights):
            h_d = h[d * H : (d + 1) * H]
            h_n[l * D + d] = _recur(h_d, h0[l * D + d], W_hh, batch_sizes, d == 1, nonlinearity, restarts)
        for t in padded:
            h[:, t, batch_sizes[t] :] = 0
        layers.append(LayerCache(inp, h, mask))
        inp, mask = h.reshape(D * H, T * B), None
        if dropout > 0 and training and l + 1 < len(weights):
            mask = (rng.random(inp.shape) >= dropout).astype(h.dtype) / h.dtype.type(1 - dropout)
            inp = inp * mask
    cache = SequenceCache(layers, weights, h0, batch_sizes, last, order, nonlinearity, restarts)
    output = layers[-1].h.transpose(1, 2, 0)
    if order is not None:
        inverse = np.argsort(order)
        output, h_n = output[:, inverse], h_n[:, inverse]
    return output, h_n, cache


def states_at(cache: SequenceCache, t: int) -> np.ndarray:
    """Every layer's and direction's state h_t after step t of the cached forward, (L*D, B, H), batch in
    the caller's order. For a sequence shorter than t + 1, its state is its last one (padding leaves it)."""
    L, D = len(cache.weights), len(cache.weights[0])
    DH, _, B = cache.layers[0].h.shape
    H = DH // D
    step = np.minimum(t, cache.last)  # sorted batch order, like the layers' states
    states = np.stack([layer.h[:, step, np.arange(B)] for layer in cache.layers])  # (L, D*H, B)
    states = states.reshape(L, D, H, B).transpose(0, 1, 3, 2).reshape(L * D, B, H)
    return states if cache.order is None else states[:, np.argsort(cache.order)]


def bptt_loop(dh_above, dz, dh_n, W_hh, batch_sizes, reverse, dh_store=None, restarts=None):
    """BPTT's time loop for one direction, from the direction's last step back to its first: the step
    kernel's backward (``rnn_step_backward``) in columns, with the weight gradients left to ``weight_grads``.

        dh_t    = dh_above_t + dh_next       ∂L/∂h_t: from above at step t, and back through step t+1
        dz_t    = dh_t ⊙ f'(z_t)
        dh_prev = W_hhᵀ dz_t                 the next iteration's dh_next

    Time-major (T, H, B): ``dh_above`` the gradient reaching each state from above (the loss, or the layer
    above), ``dz`` holds f'(z_t) on entry and dz_t on exit. ``dh_n`` (B, H) is the gradient of the last
    state. ``dh_store`` (T, H, B), when given, receives every dh_t. Returns dh0 (B, H).
    """
    T, _, B = dh_above.shape
    W_hhT = np.ascontiguousarray(W_hh.T)
    dh = dh_n.T.copy()  # (H, B): dh_next on entering an iteration, dh_t in it, dh_prev on leaving it
    sizes = batch_sizes.tolist()
    for t in range(T) if reverse else range(T - 1, -1, -1):
        n = sizes[t]
        if n == B:  # the usual case: whole blocks, no slicing
            dh_t, dh_above_t, dz_t = dh, dh_above[t], dz[t]
        else:
            dh_t, dh_above_t, dz_t = dh[:, :n], dh_above[t, :, :n], dz[t, :, :n]
        np.add(dh_t, dh_above_t, out=dh_t)
        if dh_store is not None:
            dh_store[t, :, :n] = dh_t
        np.multiply(dz_t, dh_t, out=dz_t)
        np.matmul(W_hhT, dz_t, out=dh_t)  # dh_prev
        if restarts is not None and len(restarts[t]):  # the state before a restart was a constant zero
            dh[:, restarts[t]] = 0
    return dh.T


def weight_grads(dz, layer: LayerCache, h0, layer_weights, last, restarts=None, workspace=None) -> list[tuple]:
    """Every weight and bias gradient of one layer, each one product over all T·B columns:

        dW_ih = Σ_t dz_t x_tᵀ      dW_hh = Σ_t dz_t h_prevᵀ      db_ih = db_hh = Σ_t dz_t

    ``dz`` (D*H, T, B) for every step and direction, from ``bptt_loop``; ``h0`` (D, B, H) this layer's initial
    states, ``last`` (B,) each sequence's last step. Returns ``[(dW_ih, dW_hh, db_ih, db_hh)]`` per direction,
    the bias gradients None without bias.
    """
    DH, T, B = dz.shape
    H = DH // len(layer_weights)
    dz_all = dz.reshape(DH, T * B)
    dW_ih = dz_all @ layer.x.T
    ones = _scratch(workspace, "ones", (T * B,), dz.dtype)
    ones.fill(1)
    db = dz_all @ ones  # the bias gradient as the product dz·1: faster than dz_all.sum(axis=1)
    grads = []
    for d, (_, _, b_ih, _) in enumerate(layer_weights):
        rows = slice(d * H, (d + 1) * H)
        dW_hh = _recurrent_weight_grad(dz[rows], layer.h[rows], h0[d], d == 1, last, restarts)
        db_d = None if b_ih is None else db[rows]
        grads.append((dW_ih[rows], dW_hh, db_d, None if db_d is None else db_d.copy()))
    return grads


def _recurrent_weight_grad(dz, h, h0, reverse, last, restarts):
    """dW_hh = Σ_t dz_t h_prevᵀ for one direction: ``dz`` and ``h`` (H, T, B), ``h0`` (B, H); h_prev is the state
    before step t in the direction's own order, h_{t-1} (forward) or h_{t+1} (reverse).

    One product pairs every step with its neighbour in ``h``; the steps whose state before them is not that
    neighbour are then corrected: each sequence begins from h0 (at step 0 forward; in reverse at its last
    step, whose neighbour is padding, zero) and a restart begins from zero.
    """
    H = h.shape[0]
    if reverse:
        dW_hh = dz[:, :-1].reshape(H, -1) @ h[:, 1:].reshape(H, -1).T
    else:
        dW_hh = dz[:, 1:].reshape(H, -1) @ h[:, :-1].reshape(H, -1).T
    if h0.any():
        dz_begin = dz[:, last, np.arange(len(last))] if reverse else dz[:, 0]  # (H, B)
        dW_hh += dz_begin @ h0
    if restarts is not None:  # forward only: the product took h_{t-1} (h0 at t = 0) where the state was zero
        ts = np.concatenate([np.full(len(c), t) for t, c in enumerate(restarts)])
        cs = np.concatenate(restarts)
        h_prev = np.where((ts > 0)[:, None], h[:, ts - 1, cs].T, h0[cs])
        dW_hh -= dz[:, ts, cs] @ h_prev
    return dW_hh


def rnn_backward(cache: SequenceCache, d_output=None, d_h_n=None, *, return_dh_norms=False, workspace=None):
    """BPTT through the whole sequence, layer by layer from the top: ``bptt_loop`` per direction, then
    ``weight_grads``, then the gradient of the layer's input, which is the layer below's dh_above.

    d_output (T, B, D*H) or None, d_h_n (L*D, B, H) or None (zeros). ``workspace``: a dict in which
    scratch buffers are kept for the next call (``RNN`` passes its own).
    Returns (dx, dh0, grads) with ``grads[layer][direction] = (dW_ih, dW_hh, db_ih, db_hh)``; with
    ``return_dh_norms`` also ‖∂L/∂h_t‖ over batch and hidden units, shape (L, D, T).
    """
    layers, weights, order = cache.layers, cache.weights, cache.order
    DH, T, B = layers[-1].h.shape
    L, D = len(weights), len(weights[0])
    H = DH // D
    dtype = cache.h0.dtype
    strided = B > 1 and layers[-1].h.nbytes > STRIDED_BPTT_BYTES  # every layer's states have this size
    if d_output is None:
        dh_above = np.zeros((T, DH, B), dtype)
    else:  # read in place through a time-major view: measured faster than a contiguous copy at every size
        dh_above = (d_output if order is None else d_output[:, order]).transpose(0, 2, 1)
    dh_n = np.zeros((L * D, B, H), dtype) if d_h_n is None else d_h_n
    if order is not None:
        dh_n = dh_n[:, order]
    dh0 = np.empty((L * D, B, H), dtype)
    norms = np.zeros((L, D, T), dtype) if return_dh_norms else None
    grads = [None] * L
    for l in range(L - 1, -1, -1):
        layer, directions = layers[l], slice(l * D, (l + 1) * D)
        dz = _activation_grads(layer.h, cache, strided, workspace)
        store = np.zeros((T, DH, B), dtype) if return_dh_norms else None
        for d in range(D):
            rows = slice(d * H, (d + 1) * H)
            dh0[l * D + d] = bptt_loop(
                dh_above[:, rows],
                dz[:, rows],
                dh_n[l * D + d],
                weights[l][d][1],
                cache.batch_sizes,
                d == 1,
                None if store is None else store[:, rows],
                cache.restarts,
            )
        if store is not None:
            norms[l] = np.sqrt(np.square(store.reshape(T, D, H, B)).sum(axis=(2, 3))).T
        dz = _hidden_major(dz, strided, workspace)
        grads[l] = weight_grads(dz, layer, cache.h0[directions], weights[l], cache.last, cache.restarts, workspace)
        dx = _input_grad(dz, layer, weights[l], l == 0, workspace)
        if l > 0:
            dh_above = dx.reshape(-1, T, B).transpose(1, 0, 2)  # the layer below's, time-major view
    if order is not None:
        inverse = np.argsort(order)
        dx, dh0 = dx[:, inverse], dh0[:, inverse]
    if return_dh_norms:
        return dx, dh0, grads, norms
    return dx, dh0, grads


def _activation_grads(h, cache: SequenceCache, strided: bool, workspace) -> np.ndarray:
    """f'(z_t) of every step of a layer, as the time-major (T, D*H, B) buffer that ``bptt_loop`` turns into dz;
    zero at padded steps, so that they pass no gradient. ``strided``: the buffer is a transposed view of one
    in h's (D*H, T, B) layout (see STRIDED_BPTT_BYTES)."""
    DH, T, B = h.shape
    if strided:
        dz = activation_grad(h, cache.nonlinearity, _scratch(workspace, "dz", (DH, T, B), h.dtype)).transpose(1, 0, 2)
    else:
        dz = _scratch(workspace, "dz_time_major", (T, DH, B), h.dtype)
        activation_grad(h, cache.nonlinearity, dz.transpose(1, 0, 2))
    for t in np.nonzero(cache.batch_sizes < B)[0]:
        dz[t, :, cache.batch_sizes[t] :] = 0
    return dz


def _hidden_major(dz, strided: bool, workspace) -> np.ndarray:
    """The time-major dz (T, D*H, B) as (D*H, T, B), whose (D*H, T*B) matrix the weight gradients take."""
    T, DH, B = dz.shape
    if strided or B == 1:  # a view of a (D*H, T, B) buffer already; (T, D*H, 1) is that matrix, transposed
        return dz.transpose(1, 0, 2)
    return _swap_time_hidden(dz, _scratch(workspace, "dz", (DH, T, B), dz.dtype))


def _input_grad(dz, layer: LayerCache, layer_weights, first: bool, workspace) -> np.ndarray:
    """dx = W_ihᵀ dz for every step: (T, B, I) for the first layer; for the others the layer below's dh, as
    (I, T*B) columns (or (I, T) rows seen transposed when B = 1, each step's column then contiguous), through
    the inter-layer dropout mask."""
    DH, T, B = dz.shape
    dz_all = dz.reshape(DH, T * B)
    W_ih = np.concatenate([w[0] for w in layer_weights]) if len(layer_weights) > 1 else layer_weights[0][0]
    if first:
        return (dz_all.T @ W_ih).reshape(T, B, -1)
    if B == 1:
        dx = np.matmul(dz_all.T, W_ih, out=_scratch(workspace, "dx", (T, W_ih.shape[1]), dz.dtype)).T
    else:
        dx = np.matmul(W_ih.T, dz_all, out=_scratch(workspace, "dx", (W_ih.shape[1], T * B), dz.dtype))
    if layer.dropout_mask is not None:
        dx *= layer.dropout_mask
    return dx
