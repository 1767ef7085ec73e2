"""Vanishing and exploding gradients, measured on a live ``elman.RNN``.

BPTT carries the gradient from the loss back to an earlier state through a product of step Jacobians:

    h_k = f(z_k),  z_k = W_ih x_k + b_ih + W_hh h_{k-1} + b_hh
    J_k = ∂h_k/∂h_{k-1} = diag(f'(z_k)) W_hh
    ∂h_{T-1}/∂h_k = J_{T-1} J_{T-2} ⋯ J_{k+1}          (the identity for k = T-1)

Since |tanh'| ≤ 1 (and relu' ∈ {0, 1}), ‖J_k‖₂ ≤ ‖W_hh‖₂, so ‖∂h_{T-1}/∂h_k‖₂ ≤ ‖W_hh‖₂^(T-1-k): when
‖W_hh‖₂ < 1 the gradient vanishes geometrically. Near the linear regime (f' ≈ 1) the product behaves like
W_hh^(T-1-k), whose norm grows or shrinks like ρ(W_hh)^(T-1-k), ρ the spectral radius. A constant to keep
in mind: 0.9¹⁰⁰ ≈ 2.66e-5, so even ρ = 0.9 leaves a hundred-step dependency some 4.6 orders of magnitude weaker.

    >>> import numpy as np, elman
    >>> from elman.analysis import jacobian_norms, rho_bound
    >>> f"{rho_bound(0.9, 101)[100]:.3g}"                    # 0.9¹⁰⁰
    '2.66e-05'
    >>> rnn = elman.RNN(2, 4, dtype="float64", rng=np.random.default_rng(0))
    >>> jacobian_norms(rnn, np.zeros((6, 1, 2))).shape          # ‖∂h_5/∂h_k‖₂ for k = 0..5
    (6,)

Every function runs its own forward (in eval mode) and leaves the RNN as it found it: parameters, gradients,
training flag and what the caller's last forward saved for backward (``RNN.saved``).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from elman.nn.rnn_step import activation_grad

LOSSES = ("last", "all")


@contextmanager
def _untouched(rnn):
    """Run in eval mode; restore ``grads`` (which backward accumulates into), the training flag and ``saved``."""
    grads = {name: g.copy() for name, g in rnn.grads.items()}
    training, saved = rnn.training, rnn.saved
    rnn.eval()
    try:
        yield
    finally:
        for name, g in grads.items():
            np.copyto(rnn.grads[name], g)
        rnn.train(training)
        rnn.saved = saved


def _require_single_layer(rnn, what: str) -> None:
    if rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError(
            f"{what} needs a single-layer, unidirectional RNN (the step Jacobian J_k = "
            f"diag(f'(z_k)) W_hh is defined for one recurrence), got num_layers={rnn.num_layers}, "
            f"bidirectional={rnn.bidirectional}"
        )


def _time_major(rnn, a: np.ndarray) -> np.ndarray:
    """(T, B, ·) view of an array in the caller's layout (time-major, batch-first or unbatched (T, ·))."""
    if a.ndim == 2:
        return a[:, None, :]
    return a.transpose(1, 0, 2) if rnn.batch_first else a


def _last_step_ones(rnn, output: np.ndarray) -> np.ndarray:
    d = np.zeros_like(output)
    _time_major(rnn, d)[-1] = 1  # a view, so this writes into d
    return d


def hidden_grad_norms(rnn, x, h0=None, *, loss: str = "last", d_output=None) -> np.ndarray:
    """‖∂L/∂h_t‖ (2-norm over batch and hidden units) for every layer, direction and step: (L, D, T).

    Read from the engine's own BPTT (``backward(..., return_dh_norms=True)``): ∂L/∂h_t there is the total
    gradient at h_t, ∂L/∂y_t from above plus W_hhᵀ ∂L/∂z_{t+1} from the next step. The loss is

        loss="last":  L = Σ_{b,j} y_{T-1}[b, j]     (the top layer's last output; d_output 1 at t = T-1, else 0)
        loss="all":   L = Σ_{t,b,j} y_t[b, j]        (every step)

    or pass ``d_output`` = ∂L/∂output (shaped like the output) for any other loss; it overrides ``loss``.
    """
    if d_output is None and loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES} (or pass d_output), got {loss!r}")
    with _untouched(rnn):
        output, _ = rnn(x, h0)
        if d_output is None:
            d_output = np.ones_like(output) if loss == "all" else _last_step_ones(rnn, output)
        norms = rnn.backward(d_output, return_dh_norms=True)[2]
    return norms


def layer_time_map(rnn, x, h0=None, d_output=None) -> np.ndarray:
    """‖∂L/∂h_t^l‖ as an (L, T) map for a stacked RNN, directions summed in quadrature:

        M[l, t] = sqrt(Σ_d ‖∂L/∂h_t^{l,d}‖²)

    The default loss is ``"last"`` (see ``hidden_grad_norms``): the picture shows the gradient fading both
    leftwards (through time) and downwards (through layers).
    """
    norms = hidden_grad_norms(rnn, x, h0, d_output=d_output)
    return np.sqrt(np.square(norms.astype(np.float64)).sum(axis=1))


def state_jacobians(rnn, x, h0=None) -> list[np.ndarray]:
    """[J_0, …, J_{T-1}], each (B, H) × H: J_k = ∂h_k/∂h_{k-1} = diag(f'(z_k)) W_hh, h_{-1} = h0.

    Single layer, unidirectional. f'(z_k) is read through h_k (tanh' = 1 − h², relu' = [h > 0]) from one
    forward pass. Computed in float64; an unbatched input counts as B = 1.
    """
    _require_single_layer(rnn, "state_jacobians")
    with _untouched(rnn):
        output, _ = rnn(x, h0)
    h = _time_major(rnn, output).astype(np.float64)  # (T, B, H): h_k for every step
    fprime = activation_grad(h, rnn.nonlinearity)
    W_hh = rnn.params["weight_hh_l0"].astype(np.float64)
    return [fp[:, :, None] * W_hh for fp in fprime]  # row i scaled by f'(z_k)_i


def _suffix_products(jacobians: list[np.ndarray]):
    """Yield (k, P_k) for k = T-1 down to 0, P_k = J_{T-1} ⋯ J_{k+1}: P_{T-1} = I, P_k = P_{k+1} J_{k+1}."""
    T = len(jacobians)
    B, H, _ = jacobians[0].shape
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    yield T - 1, P
    for k in range(T - 2, -1, -1):
        P = P @ jacobians[k + 1]
        yield k, P


def jacobian_product(rnn, x, h0=None, k: int = 0) -> np.ndarray:
    """∂h_{T-1}/∂h_k = J_{T-1} ⋯ J_{k+1}, exactly, (B, H, H); k indexes steps as Python does (−1 = T−1)."""
    J = state_jacobians(rnn, x, h0)
    T = len(J)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not -T <= k < T:
        raise IndexError(f"k must be an integer step in [{-T}, {T}), got {k!r}")
    k = int(k) % T
    B, H, _ = J[0].shape
    P = np.broadcast_to(np.eye(H), (B, H, H)).copy()
    for j in range(k + 1, T):  # P ← J_j P: J_{k+1} first, J_{T-1} last (leftmost)
        P = J[j] @ P
    return P


def jacobian_norms(rnn, x, h0=None, ord=2) -> np.ndarray:
    """‖∂h_{T-1}/∂h_k‖ for k = 0..T-1, (T,) float64, the matrix norm ``ord`` (numpy's: 2 = spectral,
    "fro", 1, inf, …) averaged over the batch. Entry T-1 is ‖I‖.

    All suffix products come from one backward sweep, P_k = P_{k+1} J_{k+1}: O(T·H³) per sequence. The
    distance from the last step is n = T-1-k, so ``jacobian_norms(...)[::-1]`` lines up with
    ``rho_bound(ρ, T)`` = ρⁿ and with the bound ‖W_hh‖₂ⁿ.
    """
    J = state_jacobians(rnn, x, h0)
    norms = np.empty(len(J))
    for k, P in _suffix_products(J):
        norms[k] = np.linalg.norm(P, ord=ord, axis=(1, 2)).mean()
    return norms


def _jacobians(jacobians, who: str) -> list[np.ndarray]:
    """The step Jacobians as float64 arrays, all square (H, H) or (B, H, H) of one shape, else a ValueError."""
    Js = [np.asarray(J, dtype=np.float64) for J in jacobians]
    if not Js:
        raise ValueError(f"{who} needs at least one Jacobian")
    shape = Js[0].shape
    if len(shape) not in (2, 3) or shape[-1] != shape[-2] or any(J.shape != shape for J in Js):
        raise ValueError(
            f"jacobians must all be square (H, H) or (B, H, H) of one shape, got {sorted({J.shape for J in Js})}"
        )
    return Js


def suffix_product_norms(jacobians, ord=2, chunk: int = 64) -> np.ndarray:
    """‖J_{T-1} ⋯ J_{k+1}‖ for k = 0..T-1, (T,) float64, from step Jacobians [J_0, …, J_{T-1}] in time order,
    each (B, H, H) (as ``state_jacobians`` returns them) or (H, H); the matrix norm ``ord`` averaged over the batch.

    The numbers of ``jacobian_norms`` (``suffix_product_norms(state_jacobians(rnn, x))``), with the norms taken
    ``chunk`` products at a time in one batched call instead of one call per step: for small H and long T the
    per-call overhead dominates, and this is several times faster. Extra memory: chunk·B·H² floats.
    """
    Js = _jacobians(jacobians, "suffix_product_norms")
    if not isinstance(chunk, (int, np.integer)) or isinstance(chunk, bool) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    if Js[0].ndim == 2:
        Js = [J[None] for J in Js]
    norms = np.empty(len(Js))
    buffer = np.empty((min(int(chunk), len(Js)), *Js[0].shape))
    steps: list[int] = []

    def flush():
        n = len(steps)
        norms[steps] = np.linalg.norm(buffer[:n], ord=ord, axis=(2, 3)).mean(axis=1)
        steps.clear()

    for k, P in _suffix_products(Js):
        buffer[len(steps)] = P
        steps.append(k)
        if len(steps) == len(buffer):
            flush()
    if steps:
        flush()
    return norms


def spectrum(W) -> dict:
    """Singular values σ₁ ≥ … ≥ σ_H, eigenvalues, spectral radius ρ = max|λ_i| and spectral norm ‖W‖₂ = σ₁.

    ρ ≤ ‖W‖₂ always (equal for normal matrices, e.g. orthogonal or symmetric ones). Computed in float64.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.size == 0:
        raise ValueError(f"spectrum needs a non-empty square matrix, got shape {W.shape}")
    W = W.astype(np.float64)
    sv = np.linalg.svd(W, compute_uv=False)
    eig = np.linalg.eigvals(W)
    return {
        "singular_values": sv,
        "eigenvalues": eig,
        "spectral_radius": float(np.max(np.abs(eig))),
        "spectral_norm": float(sv[0]),
    }


def rho_bound(rho: float, T: int) -> np.ndarray:
    """ρᵏ for k = 0..T-1 (float64): the geometric rate of ‖∂h_{T-1}/∂h_{T-1-k}‖ near the linear regime,
    and, with ρ = ‖W_hh‖₂, an upper bound on it for tanh and relu."""
    if not (isinstance(rho, (int, float, np.floating, np.integer)) and np.isfinite(rho) and rho >= 0):
        raise ValueError(f"rho must be a finite number >= 0, got {rho!r}")
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or T < 1:
        raise ValueError(f"T must be a positive integer, got {T!r}")
    return np.power(float(rho), np.arange(int(T), dtype=np.float64))


def product_singular_values(jacobians) -> np.ndarray:
    """Singular values (descending) of J_n ⋯ J_1 J_0 for ``jacobians`` = [J_0, J_1, …, J_n] in time order,
    each (H, H) or (B, H, H); returns (H,) or (B, H). Pass ``state_jacobians(...)[k+1:]`` for ∂h_{T-1}/∂h_k.

    The product is formed directly, so singular values below ~1e-16 × σ₁ are round-off, not signal.
    """
    Js = _jacobians(jacobians, "product_singular_values")
    P = Js[0]
    for J in Js[1:]:
        P = J @ P
    return np.linalg.svd(P, compute_uv=False)


def truncated_bptt(rnn, x, d_output, window: int, h0=None) -> tuple[dict, np.ndarray]:
    """Parameter gradients and ‖∂L/∂h_t‖ (L, D=1, T) under truncated BPTT with windows of ``window`` steps.

    The sequence is cut into consecutive windows [0, K), [K, 2K), … from its start, as the language-model
    trainer cuts its streams (k1 = k2 = K). Each window runs forward from the state the previous one ended
    in, taken as a constant (torch's ``h.detach()``), and backpropagates only its own part of ``d_output``
    (∂L/∂output, shaped like the output; the forward states are those of one full pass, so the same
    ``d_output`` serves both). The gradients of all windows are summed: the update truncated BPTT makes
    for this batch. With ``window >= T`` it is full BPTT. Unidirectional; time-major, batch-first or
    unbatched input as the RNN takes it. Returns ({name: gradient}, norms).
    """
    if rnn.bidirectional or rnn.learn_h0:
        raise ValueError(
            "truncated_bptt needs a unidirectional RNN without a learned h0, got "
            f"bidirectional={rnn.bidirectional}, learn_h0={rnn.learn_h0}"
        )
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")
    x, d_output = np.asarray(x), np.asarray(d_output)
    axis = 1 if (rnn.batch_first and x.ndim == 3) else 0
    T = x.shape[axis]
    if d_output.ndim != x.ndim or d_output.shape[axis] != T:
        raise ValueError(f"d_output must have the output's time steps ({T}) on axis {axis}, got shape {d_output.shape}")
    norms = []
    with _untouched(rnn):
        for g in rnn.grads.values():
            g.fill(0)
        h = h0
        for start in range(0, T, int(window)):
            part = slice(start, min(start + int(window), T))
            cut = (slice(None), part) if axis == 1 else (part,)
            _, h_n = rnn(np.ascontiguousarray(x[cut]), h)
            norms.append(rnn.backward(np.ascontiguousarray(d_output[cut]), return_dh_norms=True)[2])
            h = h_n.copy()  # the next window starts from this state as a constant: nothing flows back into it
        grads = {name: g.copy() for name, g in rnn.grads.items()}
    return grads, np.concatenate(norms, axis=2)
