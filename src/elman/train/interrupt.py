"""Ctrl-C during training: held until the current update is whole, so that what is saved is a real step.

A KeyboardInterrupt raised in the middle of an update would leave the parameters, the optimiser, the data
position and the carried state out of step with each other. Inside :class:`DeferredInterrupt` the first
Ctrl-C only sets :attr:`requested`; the loop looks at it between updates, saves and stops. A second Ctrl-C
raises KeyboardInterrupt at once, for a user who does not want to wait (nothing is saved then).
"""

from __future__ import annotations

import signal
import sys
import threading


class DeferredInterrupt:
    """``with DeferredInterrupt() as stop: ... if stop.requested: ...``; a no-op outside the main thread,
    where Python delivers no signals anyway."""

    def __init__(self, notice: str = "elman: stopping after this update (Ctrl-C again to stop at once, unsaved)"):
        self.notice, self.requested, self._previous, self._installed = notice, False, None, False

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(self.notice, file=sys.stderr, flush=True)

    def __enter__(self) -> DeferredInterrupt:
        self.requested = False
        if threading.current_thread() is threading.main_thread():
            self._previous, self._installed = signal.signal(signal.SIGINT, self._handle), True
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:  # None: the handler before was not set from Python; Python's own is the closest
            signal.signal(signal.SIGINT, signal.default_int_handler if self._previous is None else self._previous)
            self._installed = False
