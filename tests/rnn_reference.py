"""The test oracle: a stacked, bidirectional RNN run one sequence and one step at a time with the
reference step kernels, forward and backward, written for obviousness rather than speed."""

import numpy as np

from elman.nn import rnn_step_backward, rnn_step_forward


def reference_rnn(weights, x, h0, lengths, d_output, d_h_n, nonlinearity="tanh"):
    """Time-major x (T, B, I). Returns output, h_n, dx, dh0, grads[l][d] (4-tuples), dh norms (L, D, T)."""
    T, B, _ = x.shape
    L, D = len(weights), len(weights[0])
    H = weights[0][0][1].shape[0]
    output = np.zeros((T, B, D * H), x.dtype)
    h_n, dh0, dx = np.zeros_like(h0), np.zeros_like(h0), np.zeros_like(x)
    grads = [[[np.zeros_like(w) if w is not None else None for w in wd] for wd in wl] for wl in weights]
    norms_sq = np.zeros((L, D, T))
    for b in range(B):
        Tb = int(lengths[b])
        inp, caches = x[:Tb, b : b + 1], []
        for l in range(L):
            outs, layer_caches = [], []
            for d in range(D):
                h, hs, cs = h0[l * D + d, b : b + 1], [None] * Tb, [None] * Tb
                for t in range(Tb) if d == 0 else reversed(range(Tb)):
                    h, cs[t] = rnn_step_forward(inp[t], h, *weights[l][d], nonlinearity)
                    hs[t] = h
                h_n[l * D + d, b] = h[0]
                outs.append(np.stack(hs))
                layer_caches.append(cs)
            inp = np.concatenate(outs, axis=-1)
            caches.append(layer_caches)
        output[:Tb, b] = inp[:, 0]
        d_out = d_output[:Tb, b : b + 1]
        for l in reversed(range(L)):
            d_inp = None
            for d in range(D):
                dh = d_h_n[l * D + d, b : b + 1]
                for t in reversed(range(Tb)) if d == 0 else range(Tb):
                    dh = dh + d_out[t, :, d * H : (d + 1) * H]
                    norms_sq[l, d, t] += np.sum(dh * dh)
                    dx_t, dh, *dW = rnn_step_backward(dh, caches[l][d][t])
                    for acc, g in zip(grads[l][d], dW):
                        if g is not None:
                            acc += g
                    if d_inp is None:
                        d_inp = np.zeros((Tb, 1, dx_t.shape[1]), x.dtype)
                    d_inp[t] += dx_t
                dh0[l * D + d, b] = dh[0]
            d_out = d_inp
        dx[:Tb, b] = d_out[:, 0]
    return output, h_n, dx, dh0, grads, np.sqrt(norms_sq)
