"""How much work one server process takes on: a bounded queue per shipped model, one for the model-free numbers.

A request that computes enters its lane. At most ``running`` requests of a lane compute at once, each on a
worker thread limited by the lane (not the thread pool the page's files and the cheap endpoints use); at most
``waiting`` more wait in the event loop, holding no thread at all. One more is refused at once with ``Busy``,
which the app answers 503 with ``Retry-After``. So a flood of slow requests costs one bounded queue, and the
step list, the words, the timeline and the page itself keep answering. The limits hold per server process:
``elman chapter --workers N`` multiplies them by N.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

MODEL_WAITING = 16  # requests that may wait for one shipped model, beside the one computing
COMPUTE_RUNNING, COMPUTE_WAITING = 2, 32
RETRY_AFTER = 1  # seconds: one queue's worth of work, at most a few hundred milliseconds


class Busy(Exception):
    """A lane is full: the request is refused before it waits (503 with Retry-After)."""

    def __init__(self, lane: Lane):
        self.lane = lane
        super().__init__(
            f"too many {lane.what} requests at once: {lane.running} computing and {lane.waiting} "
            f"waiting is the most one server process takes; retry in {RETRY_AFTER} s"
        )


@dataclass
class _Queue:
    """A lane's state in one event loop: the limiter its threads take, and how many requests it holds."""

    limiter: anyio.CapacityLimiter
    admitted: int = 0


class Lane:
    """Requests of one kind: ``running`` compute at once on their own threads, ``waiting`` more wait."""

    def __init__(self, name: str, what: str, running: int, waiting: int):
        self.name, self.what, self.running, self.waiting = name, what, running, waiting
        self._queue = RunVar(f"elman.chapter.lane.{name}")  # per event loop: a limiter belongs to one loop
        # Across event loops too (tests run several servers in one process), the work itself never runs more
        # than ``running`` at a time: a shipped model keeps scratch buffers and caches on itself.
        self._running = threading.BoundedSemaphore(running)

    def _here(self) -> _Queue:
        try:
            return self._queue.get()
        except LookupError:
            queue = _Queue(anyio.CapacityLimiter(self.running))
            self._queue.set(queue)
            return queue

    def _call(self, function, args):
        with self._running:
            return function(*args)

    async def run(self, function, *args):
        """``function(*args)`` on a thread of this lane, once a place is free; ``Busy`` when none will be soon."""
        queue = self._here()
        if queue.admitted >= self.running + self.waiting:  # no await since the check: nothing can slip in
            raise Busy(self)
        queue.admitted += 1
        try:
            return await anyio.to_thread.run_sync(self._call, function, args, limiter=queue.limiter)
        finally:
            queue.admitted -= 1


def _model(name: str, what: str) -> Lane:
    return Lane(name, what, 1, MODEL_WAITING)


LANES = {
    "word_lm": _model("word_lm", "language-model"),
    "char_lm": _model("char_lm", "character-model"),
    "sentiment": _model("sentiment", "sentiment"),
    "names": _model("names", "name-drawing"),
    "pos": _model("pos", "tagging"),
    "translate": _model("translate", "translation"),
    "vectors": _model("vectors", "word-vector"),
    "compute": Lane("compute", "computation", COMPUTE_RUNNING, COMPUTE_WAITING),
}
