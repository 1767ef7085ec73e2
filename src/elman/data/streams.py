"""Contiguous token streams for truncated-BPTT language modelling.

>>> import numpy as np
>>> from elman.data.streams import LMStreams
>>> streams = LMStreams(np.arange(10), batch_size=2)   # two streams: 0..4 and 5..9
>>> x, y = streams.next_window(3)
>>> x.T.tolist(), y.T.tolist()
([[0, 1, 2], [5, 6, 7]], [[1, 2, 3], [6, 7, 8]])
>>> x, y = streams.next_window(3)                      # only one step is left in this epoch
>>> x.T.tolist(), y.T.tolist(), streams.epoch
([[3], [8]], [[4], [9]], 0)
"""

from __future__ import annotations

import numpy as np

from elman.nn.checks import check_int, check_int_sequence


class LMStreams:
    """A token stream cut into ``batch_size`` contiguous streams, read in consecutive windows.

    With N tokens and B streams, each stream holds ``L = N // B`` tokens: stream ``b`` is
    ``ids[b * L:(b + 1) * L]``, and the last ``N % B`` tokens are dropped. They are stored time-major as
    ``data`` of shape ``(L, B)`` (int64), the layout the RNN reads.

    :meth:`next_window` returns the inputs ``x = data[p:p + k']`` and targets ``y = data[p + 1:p + k' + 1]``
    (the next token of each input), both ``(k', B)``, and moves ``p`` on by ``k'``. One epoch predicts the
    ``L - 1`` targets of every stream once; consecutive windows within it are contiguous, so the hidden
    state can be carried from one to the next. A window never crosses the end of an epoch (``k'`` is
    ``min(k, L - 1 - p)``). The call after the last window of an epoch wraps to the top: ``epoch`` increases
    by one and the window it returns is the new epoch's first, so ``epoch`` is always the epoch of the last
    window returned (a caller resets its carried state when it changes). ``epochs_completed`` counts the
    epochs read to the end.

    ``position`` and ``epoch`` are the whole state (:meth:`state_dict`, :meth:`load_state_dict`): restoring
    them resumes at exactly the same window.
    """

    def __init__(self, ids: np.ndarray, batch_size: int):
        check_int_sequence("ids", ids)
        batch_size = check_int("batch_size", batch_size, minimum=1)
        length = len(ids) // batch_size
        if length < 2:
            raise ValueError(
                f"each of the batch_size={batch_size} streams needs at least 2 tokens (an input and "
                f"its target), got {len(ids)} tokens in all"
            )
        self.batch_size = batch_size
        self.data = ids[: length * batch_size].astype(np.int64).reshape(batch_size, length).T.copy()
        self.data.flags.writeable = False
        self.position, self.epoch = 0, 0

    def __len__(self) -> int:
        """Tokens per stream, L."""
        return self.data.shape[0]

    @property
    def steps_per_epoch(self) -> int:
        """Targets per stream in one epoch, ``L - 1``."""
        return len(self) - 1

    @property
    def epochs_completed(self) -> int:
        """Epochs read to their end: ``epoch``, plus one once the current epoch's last window is out."""
        return self.epoch + (self.position == self.steps_per_epoch)

    def windows_per_epoch(self, k: int) -> int:
        """Windows of (at most) ``k`` steps in one epoch: ``ceil((L - 1) / k)``."""
        k = check_int("k", k, minimum=1)
        return -(-self.steps_per_epoch // k)

    def next_window(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``(x, y)``, each int64 of shape ``(k', B)`` with ``k' = min(k, steps left in the epoch)``."""
        k = check_int("k", k, minimum=1)
        if self.position == self.steps_per_epoch:
            self.position, self.epoch = 0, self.epoch + 1
        p = self.position
        k = min(k, self.steps_per_epoch - p)
        self.position = p + k
        return self.data[p : p + k].copy(), self.data[p + 1 : p + k + 1].copy()

    def state_dict(self) -> dict[str, int]:
        return {"position": self.position, "epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        """Restore a :meth:`state_dict` (of streams over the same ids and batch size)."""
        if not isinstance(state, dict) or set(state) != {"position", "epoch"}:
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state must be a dict with keys ['epoch', 'position'], got {got}")
        position = check_int("state['position']", state["position"], minimum=0)
        epoch = check_int("state['epoch']", state["epoch"], minimum=0)
        if position > self.steps_per_epoch:
            raise ValueError(
                f"state['position'] must be in [0, {self.steps_per_epoch}] for streams of "
                f"{len(self)} tokens, got {position}"
            )
        self.position, self.epoch = position, epoch
