"""The HTTP connection under the app: uvicorn's h11 protocol with answers a client can read.

h11 refuses a request head above 16 KiB only while it is incomplete (one that arrives
whole passes at any size); uvicorn then writes a bare 400 and closes at once, and the
client, still sending, usually sees a reset connection instead. This protocol checks
every request head as it arrives: a request line above 16 KiB is answered ``414``, a
header block above 16 KiB ``431`` (other unparsable requests ``400``), with the server's
JSON error; then it half-closes and reads and discards what the client still sends for
a bounded time, so the answer reaches it.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._errors import ServeError, error_payload

__all__ = ["BoundedH11Protocol", "MAX_HEAD_BYTES", "LINGER_SECONDS", "LINGER_BYTES"]

#: A request line, and the whole header block, may be this long (h11's bound).
MAX_HEAD_BYTES = 16 * 1024
#: After a refusal, what the client still sends is read and dropped this long, at most this much.
LINGER_SECONDS = 2.0
LINGER_BYTES = 1024 * 1024


def head_problem(received: bytes) -> ServeError | None:
    """The limit the request head at the start of *received* breaks, if any."""
    end = received.find(b"\r\n\r\n")
    head = received if end == -1 else received[:end]
    line_end = head.find(b"\n")
    line = head if line_end == -1 else head[:line_end]
    if len(line) > MAX_HEAD_BYTES:
        return ServeError(414, f"the request line is longer than {MAX_HEAD_BYTES} bytes; "
                          "send the options in fewer or shorter query parameters")
    if len(head) - len(line) > MAX_HEAD_BYTES:
        return ServeError(431, f"the request's headers are longer than {MAX_HEAD_BYTES} bytes in all; "
                          "send fewer or shorter headers")
    return None


def _response(error: ServeError) -> bytes:
    body = json.dumps(error_payload(error)).encode()
    phrase = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}[error.status]
    head = (f"HTTP/1.1 {error.status} {phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode() + body


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; a request it cannot parse gets a JSON 400/414/431 and a lingering close."""

    _lingering = False
    _dropped = 0

    def send_400_response(self, msg: str) -> None:
        received, _ = self.conn.trailing_data
        self._refuse(head_problem(received) or ServeError(400, "not a valid HTTP/1.1 request"))

    def _refuse(self, error: ServeError) -> None:
        self.transport.write(_response(error))
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the answer is complete: the client reads it, then sees EOF
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if not self._lingering and self.conn.their_state is h11.IDLE:
            problem = head_problem(self.conn.trailing_data[0] + data)
            if problem is not None:
                self._refuse(problem)
        if not self._lingering:
            super().data_received(data)
            return
        self._dropped += len(data)
        if self._dropped > LINGER_BYTES:
            self.transport.close()

    def eof_received(self) -> None:
        if self._lingering:
            self.transport.close()
            return
        super().eof_received()

