"""An ensemble of conditioned generators: K networks trained from different random starts, their next-character
distributions averaged,

    P(c_t | c_<t, l) = (1/K) Σ_k softmax(z_t^(k))

The forward returns log P as the logits (softmax(log P) = P, since P sums to one), so the cross-entropy, the
negative log-likelihood and sampling read an ensemble exactly as they read one generator. Averaging
probabilities (not logits) makes it a mixture of the members' distributions, so its NLL on any data is at most
the mean of theirs (−log of a mean ≤ the mean of −log).

    >>> import numpy as np
    >>> from elman.models.generator import ConditionedGenerator
    >>> members = [ConditionedGenerator(10, 3, 4, 5, rng=np.random.default_rng(k)) for k in range(2)]
    >>> log_p = GeneratorEnsemble(members)(np.full((6, 2), 2), np.array([0, 2]))
    >>> log_p.shape, bool(np.allclose(np.exp(log_p).sum(axis=-1), 1))
    ((6, 2, 10), True)
"""

from __future__ import annotations

import numpy as np

from elman.models.generator import ConditionedGenerator
from elman.nn.module import Module
from elman.nn.softmax import softmax


class GeneratorEnsemble(Module):
    """K ``ConditionedGenerator`` of one shape as children ``member0`` … ``member{K-1}``; inference only."""

    def __init__(self, generators):
        super().__init__()
        members = list(generators)
        if not members or not all(isinstance(m, ConditionedGenerator) for m in members):
            raise ValueError(f"an ensemble needs one or more ConditionedGenerator members, got {members!r}")
        configs = [m.config() for m in members]
        if any(c != configs[0] for c in configs):
            raise ValueError(f"ensemble members must share one configuration, got {configs}")
        self.members = [self.add_module(f"member{k}", m) for k, m in enumerate(members)]
        first = members[0]
        self.n_classes, self.padding_idx = first.n_classes, first.padding_idx
        self.bos_idx, self.eos_idx, self.dtype = first.bos_idx, first.eos_idx, first.dtype

    def config(self) -> dict:
        return self.members[0].config()

    def _run(self, ids, classes, lengths=None, h=None):
        """(log of the mean of the members' softmax (T, B, V), each member's h_n); ``h`` a list of member states."""
        states = [None] * len(self.members) if h is None else h
        mean, h_n = 0.0, []
        for member, state in zip(self.members, states):
            z, s = member._run(ids, classes, lengths, state)
            mean = mean + softmax(z)
            h_n.append(s)
        return np.log(mean / len(self.members)), h_n

    def forward(self, ids, classes, lengths=None):
        """ids (T, B), classes (B,), lengths (B,) or None → log P (T, B, V) float64."""
        return self._run(ids, classes, lengths)[0]

    def backward(self, d_logits) -> None:
        raise NotImplementedError("an ensemble is read, not trained: train each member on its own")

    sample = ConditionedGenerator.sample  # steps _run one character at a time, here every member together
