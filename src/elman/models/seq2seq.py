"""An encoder-decoder (unaligned many-to-many): a source sentence read into one state, a target sentence written
from it (Sutskever, Vinyals and Le 2014; Cho et al. 2014), every recurrence the tanh RNN of the chapter.

    encoder:  e_s = E_src[x_s]          h_s = tanh(W_ih e_s + W_hh h_{s-1} + b)        (stacked, optionally both ways)
    bridge:   s_0 = tanh(W_b [h_S^1; …; h_S^{L·D}] + b_b)   when the encoder's final states and the decoder's
              initial state differ in shape (a bidirectional encoder), else s_0 = h_S
    decoder:  d_t = E_tgt[y_{t-1}] (‖ c)   s_t = tanh(V_ih d_t + V_hh s_{t-1} + b')     z_t = W_o s_t + b_o
    P(y_t | y_<t, x) = softmax(z_t)

``c`` (``feed_context``), concatenated to every decoder input (Cho et al.) so that the decoder need not carry the
source in its state alone: with ``context="final"`` the top layer of s_0; with ``context="mean"`` the mean of the
encoder's top-layer outputs over the sentence's own words, c = (1/S) Σ_s [h_s^→; h_s^←], which holds the middle of a
long sentence that a tanh state read to its end has mostly forgotten. ``reverse_source`` feeds the encoder each
source sentence backwards (its own words only, not the padding), so the first source words are read last, right
before the first target words are written (Sutskever et al.). In training the decoder reads the reference target
(teacher forcing): ids <bos> y_1 … y_n predict y_1 … y_n <eos>. Time-major throughout: source (S, B), target (T, B),
logits (T, B, V).

Decoding: ``greedy`` (a batch at once) and ``beam_search`` (one sentence, ``beam`` hypotheses as a batch), both
stopping at <eos> or after ``max_len`` words; beam scores are log P(y | x) / |y|^α (|y| counts the <eos>).

    >>> import numpy as np
    >>> m = Seq2Seq(12, 10, embed_dim=4, hidden_size=6, num_layers=2, bidirectional=True, rng=np.random.default_rng(0))
    >>> m(np.full((5, 3), 4), np.array([5, 2, 1]), np.full((7, 3), 5), np.array([7, 7, 3])).shape
    (7, 3, 10)
"""

from __future__ import annotations

import numpy as np

from elman.nn import init
from elman.nn.layers import Dropout, Embedding, Linear
from elman.nn.module import Module
from elman.nn.rnn import RNN
from elman.nn.softmax import log_softmax

RECURRENT_INITS = ("uniform", "orthogonal")  # torch's U(±1/√H), or orthogonal (only the start; not in config())
CONTEXTS = ("final", "mean")  # what c is: the decoder's initial top state, or the mean of the encoder's outputs


def _lengths(ids, lengths, what: str) -> np.ndarray:
    """Checked (ids (T, B), lengths (B,) int64 in [1, T]); lengths None means every column is full."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{what} ids must be a time-major (T, B) integer array, got {ids.dtype} of shape {ids.shape}")
    T, B = ids.shape
    if lengths is None:
        return np.full(B, T, dtype=np.int64)
    lengths = np.asarray(lengths)
    if lengths.shape != (B,) or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(
            f"{what} lengths must be ({B},) integers (one per column), got {lengths.dtype} of shape {lengths.shape}"
        )
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"{what} lengths must lie in [1, {T}], got min {lengths.min()} and max {lengths.max()}")
    return lengths.astype(np.int64)


def reverse_within(ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each column's first ``lengths[b]`` ids reversed, the padding after them left in place."""
    T = ids.shape[0]
    t = np.arange(T)[:, None]
    rows = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    return np.take_along_axis(ids, rows, axis=0)


class Seq2Seq(Module):
    """Source Embedding → encoder RNN → (bridge) → decoder RNN over the target Embedding → Linear over the target
    vocabulary. ``forward(source, source_lengths, target_in, target_lengths)`` → logits; ``backward(d_logits)``."""

    def __init__(
        self,
        source_vocab_size,
        target_vocab_size,
        embed_dim=256,
        hidden_size=512,
        num_layers=1,
        bidirectional=False,
        reverse_source=True,
        feed_context=True,
        dropout=0.0,
        padding_idx=0,
        bos_idx=2,
        eos_idx=3,
        context="final",
        *,
        dtype="float32",
        rng=None,
        recurrent_init="uniform",
    ):
        super().__init__()
        if recurrent_init not in RECURRENT_INITS:
            raise ValueError(f"recurrent_init must be one of {RECURRENT_INITS}, got {recurrent_init!r}")
        if context not in CONTEXTS:
            raise ValueError(f"context must be one of {CONTEXTS}, got {context!r}")
        self.rng = np.random.default_rng() if rng is None else rng
        self.source_vocab_size, self.target_vocab_size = int(source_vocab_size), int(target_vocab_size)
        self.embed_dim, self.hidden_size, self.num_layers = int(embed_dim), int(hidden_size), int(num_layers)
        self.bidirectional, self.reverse_source = bool(bidirectional), bool(reverse_source)
        self.feed_context, self.context, self.dropout = bool(feed_context), context, float(dropout)
        self.padding_idx, self.bos_idx, self.eos_idx = padding_idx, int(bos_idx), int(eos_idx)
        E, H, L, D = self.embed_dim, self.hidden_size, self.num_layers, 2 if bidirectional else 1
        self.src_embed = self.add_module(
            "src_embed", Embedding(source_vocab_size, E, padding_idx, dtype=dtype, rng=self.rng)
        )
        self.src_drop = self.add_module("src_drop", Dropout(dropout, rng=self.rng))
        self.encoder = self.add_module(
            "encoder", RNN(E, H, L, "tanh", dropout=dropout, bidirectional=bidirectional, dtype=dtype, rng=self.rng)
        )
        self.bridge = None
        if D != 1:  # L·D final states of H against L initial states of H
            self.bridge = self.add_module("bridge", Linear(L * D * H, L * H, dtype=dtype, rng=self.rng))
        self.tgt_embed = self.add_module(
            "tgt_embed", Embedding(target_vocab_size, E, padding_idx, dtype=dtype, rng=self.rng)
        )
        self.tgt_drop = self.add_module("tgt_drop", Dropout(dropout, rng=self.rng))
        C = 0 if not self.feed_context else D * H if context == "mean" else H  # the width of c
        self.decoder = self.add_module("decoder", RNN(E + C, H, L, "tanh", dropout=dropout, dtype=dtype, rng=self.rng))
        self.out_drop = self.add_module("out_drop", Dropout(dropout, rng=self.rng))
        self.head = self.add_module("head", Linear(H, target_vocab_size, dtype=dtype, rng=self.rng))
        self.dtype = self.decoder.dtype
        if recurrent_init == "orthogonal":  # W_hh with every singular value 1: a longer memory for tanh units
            for rnn in (self.encoder, self.decoder):
                for name, value in rnn.params.items():
                    if name.startswith("weight_hh"):
                        value[...] = init.orthogonal(value.shape, self.rng, dtype=value.dtype)
        self._cache = None

    # --- training: teacher forcing ------------------------------------------------------------------------------
    def encode(self, source, source_lengths=None) -> np.ndarray:
        """source (S, B) ids, lengths (B,) → the decoder's initial state s_0 (L, B, H)."""
        return self._encode(source, source_lengths)[0]

    def _encode(self, source, source_lengths):
        """(s_0 (L, B, H), the context c (B, C) or None)."""
        lengths = _lengths(source, source_lengths, "source")
        source = np.asarray(source, dtype=np.int64)
        if self.reverse_source:
            source = reverse_within(source, lengths)
        output, h_n = self.encoder(self.src_drop(self.src_embed(source)), None, lengths)
        self._source_shape = (output.shape, lengths)
        if self.bridge is None:
            s0 = h_n
        else:
            B, L, H = h_n.shape[1], self.num_layers, self.hidden_size
            self._bridge_out = np.tanh(self.bridge(np.ascontiguousarray(h_n.transpose(1, 0, 2)).reshape(B, -1)))
            s0 = np.ascontiguousarray(self._bridge_out.reshape(B, L, H).transpose(1, 0, 2))
        if not self.feed_context:
            return s0, None
        if self.context == "final":
            return s0, s0[-1]
        return s0, (output.sum(axis=0) / lengths[:, None]).astype(self.dtype)  # padded outputs are zero

    def _decoder_input(self, ids, context):
        d = self.tgt_drop(self.tgt_embed(ids))
        if context is None:
            return d
        return np.concatenate([d, np.broadcast_to(context, (*ids.shape, context.shape[-1]))], axis=-1)

    def forward(self, source, source_lengths, target_in, target_lengths=None):
        """source (S, B), source_lengths (B,), target_in (T, B) = <bos> y_1 … (padded), target_lengths (B,)
        → logits (T, B, V_target). Padded target steps get the head's bias: mask them out of the loss."""
        target_lengths = _lengths(target_in, target_lengths, "target")
        if np.asarray(source).shape[1:] != np.asarray(target_in).shape[1:]:
            raise ValueError(
                f"source and target must have the same batch size, got shapes "
                f"{np.asarray(source).shape} and {np.asarray(target_in).shape}"
            )
        s0, context = self._encode(source, source_lengths)
        output, _ = self.decoder(
            self._decoder_input(np.asarray(target_in, dtype=np.int64), context), s0, target_lengths
        )
        self._cache = True
        return self.head(self.out_drop(output))

    def backward(self, d_logits) -> None:
        """dL/dlogits (T, B, V) → every parameter's gradient: head, decoder, target embedding, the bridge into the
        encoder's final states, the encoder and the source embedding."""
        if self._cache is None:
            raise RuntimeError("Seq2Seq.backward() needs a forward() first")
        self._cache = None
        d_output = self.out_drop.backward(self.head.backward(np.asarray(d_logits, dtype=self.dtype)))
        d_input, d_s0 = self.decoder.backward(d_output, None)
        d_s0 = np.array(d_s0, dtype=self.dtype)  # our own copy, added into below
        d_enc_output = None
        if self.feed_context:
            d_context = d_input[..., self.embed_dim :].sum(axis=0)
            if self.context == "final":
                d_s0[-1] += d_context
            else:  # c = Σ_s h_s / S over each sentence's own steps
                shape, lengths = self._source_shape
                valid = (np.arange(shape[0])[:, None] < lengths[None, :])[..., None]
                d_enc_output = np.where(valid, d_context / lengths[:, None].astype(self.dtype), 0).astype(self.dtype)
            d_input = d_input[..., : self.embed_dim]
        self.tgt_embed.backward(self.tgt_drop.backward(np.ascontiguousarray(d_input)))
        if self.bridge is None:
            d_h_n = d_s0
        else:
            s0 = self._bridge_out
            B = s0.shape[0]
            d_pre = np.ascontiguousarray(d_s0.transpose(1, 0, 2)).reshape(B, -1) * (1 - s0 * s0)
            D = 2 if self.bidirectional else 1
            d_h_n = np.ascontiguousarray(
                self.bridge.backward(d_pre).reshape(B, self.num_layers * D, -1).transpose(1, 0, 2)
            )
        d_embedded, _ = self.encoder.backward(d_enc_output, d_h_n)
        self.src_embed.backward(self.src_drop.backward(d_embedded))

    # --- decoding ----------------------------------------------------------------------------------------------
    def step(self, tokens, state, context=None):
        """One decoder step: tokens (B,), state (L, B, H) → (log-probabilities (B, V) float64, next state)."""
        d = self._decoder_input(np.asarray(tokens, dtype=np.int64)[None, :], context)
        output, state = self.decoder(d, state)
        return log_softmax(self.head(output)[0]), state

    def _blocked(self, banned) -> list[int]:
        return [i for i in (self.padding_idx, self.bos_idx, *banned) if i is not None]

    @staticmethod
    def default_max_len(n_source: int) -> int:
        """The longest output for a source of n words unless told otherwise: 1.5·n + 5 (English runs ~1.2·n)."""
        return int(1.5 * n_source) + 5

    def _check_source(self, ids) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"a source sentence must be 1-D integer ids, got {ids.dtype} of shape {ids.shape}")
        if ids.size == 0:
            raise ValueError("a source sentence must hold at least one id, got an empty one")
        if ids.min() < 0 or ids.max() >= self.source_vocab_size:
            raise ValueError(
                f"source ids must lie in [0, {self.source_vocab_size}), got min {ids.min()} and max {ids.max()}"
            )
        return ids.astype(np.int64)

    def greedy(self, sources, max_len=None, banned=()) -> list[list[int]]:
        """The most likely next word at every step, for a list of source id arrays decoded as one batch.
        Returns each sentence's ids without <bos>/<eos>; <pad>, <bos> and ``banned`` ids are never written."""
        sources = [self._check_source(s) for s in sources]
        if not sources:
            return []
        limits = np.array([self.default_max_len(len(s)) if max_len is None else int(max_len) for s in sources])
        blocked = self._blocked(banned)
        was = self.training
        self.eval()
        try:
            B, S = len(sources), max(len(s) for s in sources)
            ids = np.full((S, B), self.padding_idx or 0, dtype=np.int64)
            for b, s in enumerate(sources):
                ids[: len(s), b] = s
            state, context = self._encode(ids, np.array([len(s) for s in sources]))
            tokens = np.full(B, self.bos_idx, dtype=np.int64)
            out = [[] for _ in range(B)]
            done = limits <= 0
            for _ in range(int(limits.max())):
                if done.all():
                    break
                logp, state = self.step(tokens, state, context)
                logp[:, blocked] = -np.inf
                tokens = logp.argmax(axis=1)
                for b in np.flatnonzero(~done):
                    if tokens[b] == self.eos_idx:
                        done[b] = True
                    else:
                        out[b].append(int(tokens[b]))
                        done[b] = len(out[b]) >= limits[b]
        finally:
            self.train(was)
        return out

    def beam_search(self, source, beam: int = 5, max_len=None, alpha: float = 1.0, banned=()) -> list[int]:
        """The best of ``beam`` hypotheses by log P(y | x) / |y|^α, for one source id array; ids without <bos>/<eos>.

        Each step extends every live hypothesis by every word; of the ``beam`` best extensions those ending in
        <eos> are finished, the best non-<eos> extensions (up to ``beam``) live on. The search stops when ``beam``
        hypotheses are finished or ``max_len`` words are written (live ones then count as finished). With
        ``beam=1`` this is exactly ``greedy``.
        """
        if isinstance(beam, bool) or not isinstance(beam, (int, np.integer)) or beam < 1:
            raise ValueError(f"beam must be an integer >= 1, got {beam!r}")
        if not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
        source = self._check_source(source)
        limit = self.default_max_len(len(source)) if max_len is None else int(max_len)
        blocked = self._blocked(banned)
        was = self.training
        self.eval()
        try:
            state, context = self._encode(source[:, None], np.array([len(source)]))
            live, scores = [[]], np.zeros(1)
            finished: list[tuple[float, list[int]]] = []
            for _ in range(limit):
                logp, state = self.step(np.array([h[-1] if h else self.bos_idx for h in live]), state, context)
                logp[:, blocked] = -np.inf
                total = (scores[:, None] + logp).ravel()
                m = min(2 * beam, total.size)
                top = np.argpartition(-total, m - 1)[:m]  # the m best, unordered: O(V), not a full sort
                order = top[np.lexsort((top, -total[top]))]  # best first, ties by index as a stable sort
                keep, new_live, new_scores = [], [], []
                for rank, k in enumerate(order):
                    i, w = divmod(int(k), logp.shape[1])
                    if not np.isfinite(total[k]):
                        break
                    if w == self.eos_idx:
                        if rank < beam:
                            finished.append((total[k] / (len(live[i]) + 1) ** alpha, live[i]))
                    elif len(new_live) < beam:
                        keep.append(i)
                        new_live.append(live[i] + [w])
                        new_scores.append(total[k])
                if len(finished) >= beam or not new_live:
                    break
                live, scores = new_live, np.array(new_scores)
                state = np.ascontiguousarray(state[:, keep])
                if context is not None:
                    context = np.ascontiguousarray(context[keep])
            else:
                finished += [(s / max(len(h), 1) ** alpha, h) for s, h in zip(scores, live)]
            if not finished:  # only reachable when the live hypotheses were cut on the first step
                finished = [(s / max(len(h), 1) ** alpha, h) for s, h in zip(scores, live)]
        finally:
            self.train(was)
        return max(finished, key=lambda f: f[0])[1]
