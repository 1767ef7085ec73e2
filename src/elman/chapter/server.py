"""How the chapter's server holds its connections: idle ones closed, slow or oversized request heads answered.

uvicorn's h11 protocol arms its keep-alive timer only after a response, so a connection that never sends a
byte, or sends half a request head and stops, stays open for ever; and a head past h11's buffer limit gets a
400 and a close while the client is still sending, which the client sees as a connection reset. This protocol
adds three bounds, per connection:

- idle: a connection waiting for a request's first byte is closed after ``KEEP_ALIVE`` seconds (also before
  its first request);
- slow: a request must arrive whole within ``REQUEST_DEADLINE`` seconds of its first byte, however the bytes
  trickle in; if not, 408 and close;
- large: a request line over ``MAX_REQUEST_LINE`` bytes gets 414, a head over ``MAX_HEAD`` bytes 431.

Each refusal is a short JSON ``{"detail": …}`` with ``Connection: close``; the server then stops sending and
reads (and drops) what the client still sends for up to ``LINGER`` seconds before closing, so that the client
reads the answer instead of a reset.
"""

from __future__ import annotations

import http
import json
import re

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

KEEP_ALIVE = 5  # seconds an open connection may wait for the first byte of a request
REQUEST_DEADLINE = 10.0  # seconds from a request's first byte to its last
MAX_REQUEST_LINE = 8 * 1024  # bytes of "GET /path?query HTTP/1.1": the longest query the chapter takes is ~1 KB
MAX_HEAD = 64 * 1024  # bytes of the request line and headers together: room for a browser's cookies
LINGER = 2.0  # seconds a refused connection keeps reading before it closes
BLANK_LINE = re.compile(rb"\r?\n\r?\n")
COMPLETE = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR, h11.MIGHT_SWITCH_PROTOCOL, h11.SWITCHED_PROTOCOL)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the idle, slow and large bounds above. The idle bound is uvicorn's
    ``timeout_keep_alive``; the others are class attributes, so a test can shorten them in a subclass."""

    request_deadline = REQUEST_DEADLINE
    max_request_line = MAX_REQUEST_LINE
    max_head = MAX_HEAD
    linger = LINGER

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._timer = None
        self._refused = False
        self._await_request()

    # --- the timers ----------------------------------------------------------------------------------------
    def _arm(self, seconds: float, callback) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _await_request(self) -> None:
        """Between requests: no byte of the next one yet, and none due for ``timeout_keep_alive`` seconds."""
        self._head_bytes, self._line_end, self._tail = 0, None, b""
        self._receiving = False
        self._arm(self.timeout_keep_alive, self._idle)

    def _idle(self) -> None:
        self._timer = None
        if not self._receiving and self.conn.their_state is h11.IDLE:
            self.transport.close()

    def _too_slow(self) -> None:
        self._timer = None
        if self.conn.their_state is h11.IDLE:  # the head is still incomplete: nothing answered it yet
            self._refuse(
                408,
                f"the request did not arrive whole within {self.request_deadline:g} s of its first "
                "byte; send it again in one go",
            )
        elif self.conn.their_state is h11.SEND_BODY:  # a body trickling in after its head: stop it
            self.transport.close()

    # --- the bytes -----------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self._refused:  # answered already: read and drop the rest
            return
        if self.conn.their_state is h11.IDLE and data:
            if not self._receiving:
                self._receiving = True
                self._arm(self.request_deadline, self._too_slow)
            refusal = self._oversized(data)
            if refusal:
                self._refuse(*refusal)
                return
        super().data_received(data)
        if self.conn.their_state in COMPLETE and not self._refused:  # whole: the app answers in its own time
            self._disarm()

    def _oversized(self, data: bytes) -> tuple[int, str] | None:
        """(status, sentence) when the head being received has outgrown its bounds, counting as bytes arrive
        (each byte is looked at once, however the head is split)."""
        start = self._head_bytes
        self._head_bytes += len(data)
        if self._line_end is None and (newline := data.find(b"\n")) >= 0:
            self._line_end = start + newline
        line = self._head_bytes if self._line_end is None else self._line_end
        if line > self.max_request_line:
            return 414, (
                f"the request line is longer than {self.max_request_line} bytes; the chapter's longest "
                "query is about 1 KB: shorten the URL"
            )
        blank = BLANK_LINE.search(self._tail + data)
        end = start - len(self._tail) + blank.end() if blank else self._head_bytes
        self._tail = (self._tail + data)[-3:]
        if end > self.max_head:
            return 431, (
                f"the request's headers are larger than {self.max_head // 1024} KB in all; send fewer or "
                "shorter headers (clear this site's cookies)"
            )
        return None

    def send_400_response(self, msg: str) -> None:
        """h11 could not parse the request: the same JSON sentence and lingering close as the other refusals."""
        self._refuse(400, "the request is not valid HTTP/1.1; send a request line, headers and a blank line")

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_request()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    # --- refusing ------------------------------------------------------------------------------------------
    def _refuse(self, status: int, detail: str) -> None:
        """Answer ``status`` with a JSON sentence, stop sending, and keep reading until the client is done."""
        self._refused = True
        body = json.dumps({"detail": detail}).encode()
        head = (
            f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm(self.linger, self.transport.close)


def uvicorn_options() -> dict:
    """The uvicorn settings of every chapter server: ``elman chapter`` and the tests' servers."""
    return {
        "http": BoundedH11Protocol,
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEAD,
        "log_level": "warning",
    }
