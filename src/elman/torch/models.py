"""The torch twins of elman's trained models: the same layers, the same parameter names, the same numbers.

``TorchLanguageModel`` is ``elman.models.language_model.LanguageModel`` (Embedding → stacked RNN → Linear, time-major,
with elman's ``resets``: where True a stream starts a new sequence from a zero state); ``TorchSequenceClassifier``
is ``elman.models.classifier.SequenceClassifier`` (Embedding → RNN → pooling of the valid steps → Dropout →
Linear). Each is built from the same keyword arguments as its elman model (a run's ``config["model"]``), and
``load_state_dict(elman_model.state_dict())`` works as it is: elman already uses torch.nn.RNN's names.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {tuple(DTYPES)}, got {name!r}")
    return DTYPES[name]


class TorchLanguageModel(nn.Module):
    def __init__(
        self, vocab_size, embed_dim=64, hidden_size=512, num_layers=2, dropout=0.0, nonlinearity="tanh", dtype="float32"
    ):
        super().__init__()
        kind = {"dtype": _dtype(dtype)}
        self.embed = nn.Embedding(vocab_size, embed_dim, **kind)
        self.rnn = nn.RNN(embed_dim, hidden_size, num_layers, nonlinearity=nonlinearity, dropout=dropout, **kind)
        self.head = nn.Linear(hidden_size, vocab_size, **kind)

    def forward(self, ids, h0=None, resets=None, *, keep_state_at=None):
        """ids (T, B) → (logits (T, B, V), h_n (L, B, H), the state after step ``keep_state_at`` or None).

        ``resets`` (T, B) bool: where True the stream restarts from a zero state at that step, and no gradient
        crosses the boundary. ``keep_state_at``: also return every layer's state after that step (what a
        truncated-BPTT window with k2 > k1 carries on); the RNN runs in segments between these points.
        """
        x = self.embed(ids)
        T, B = ids.shape
        h = x.new_zeros(self.rnn.num_layers, B, self.rnn.hidden_size) if h0 is None else h0
        cuts = {0, T}
        if resets is not None:
            cuts.update(torch.nonzero(resets.any(dim=1)).flatten().tolist())
        if keep_state_at is not None:
            cuts.add(keep_state_at + 1)
        bounds, outputs, kept = sorted(cuts), [], None
        for start, end in zip(bounds, bounds[1:]):
            if resets is not None:
                h = h * (~resets[start]).to(h.dtype)[None, :, None]
            out, h = self.rnn(x[start:end], h)
            outputs.append(out)
            if keep_state_at is not None and end == keep_state_at + 1:
                kept = h
        return self.head(torch.cat(outputs)), h, kept


class TorchSequenceClassifier(nn.Module):
    def __init__(
        self,
        vocab_size,
        num_classes,
        embed_dim=50,
        hidden_size=128,
        num_layers=1,
        bidirectional=False,
        pooling="last",
        dropout=0.0,
        padding_idx=0,
        freeze_embedding=False,
        dtype="float32",
    ):
        super().__init__()
        if pooling not in ("last", "mean", "max"):
            raise ValueError(f"pooling must be one of ('last', 'mean', 'max'), got {pooling!r}")
        kind = {"dtype": _dtype(dtype)}
        self.pooling, self.directions = pooling, 2 if bidirectional else 1
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx, **kind)
        self.embed.weight.requires_grad_(not freeze_embedding)
        self.rnn = nn.RNN(embed_dim, hidden_size, num_layers, dropout=dropout, bidirectional=bidirectional, **kind)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * self.directions, num_classes, **kind)

    def forward(self, ids, lengths=None):
        """ids (T, B), lengths (B,) in [1, T] or None (all T) → logits (B, C)."""
        T, B = ids.shape
        lengths = torch.full((B,), T) if lengths is None else torch.as_tensor(lengths)
        packed = pack_padded_sequence(self.embed(ids), lengths.cpu(), enforce_sorted=False)
        out, h_n = self.rnn(packed)
        if self.pooling == "last":  # the forward state at the last valid step, the reverse one at step 0
            pooled = torch.cat(list(h_n[-self.directions :]), dim=-1)
        else:
            output, _ = pad_packed_sequence(out, total_length=T)
            mask = (torch.arange(T, device=ids.device)[:, None] < lengths.to(ids.device)[None])[..., None]
            if self.pooling == "mean":
                pooled = (output * mask).sum(0) / lengths.to(output)[:, None]
            else:
                pooled = output.masked_fill(~mask, float("-inf")).amax(0)
        return self.head(self.drop(pooled))
