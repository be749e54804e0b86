"""HTTP status and JSON body for every error a request can meet.

One rule: a client's mistake (bad file, unknown backend, wrong option) gets a
4xx with ocrkit's own one-line message; a server-side fault that is not a bug
(a backend process that crashed, a broken model file) a 502/503; only an
unexpected exception becomes 500, and that is always a bug to fix.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .. import errors

__all__ = ["ServeError", "status_for", "error_payload", "send_error", "drain_body"]

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]

#: A refused request's body is drained at most this long (a slow client cannot hold the answer).
DRAIN_SECONDS = 10.0


class ServeError(Exception):
    """An error the server itself decides (overload, timeout, body cap, a bad parameter)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        self.extra = extra


#: Most specific first: the first class an error is an instance of decides its status.
_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (errors.ImageTooLargeError, 413),
    (errors.BadImageError, 422),  # not an image/PDF, corrupt, encrypted (documents derive from it)
    (errors.UnknownBackendError, 404),
    (errors.ModelNotFoundError, 404),
    (errors.UnknownOptionError, 422),
    (errors.InvalidOptionError, 422),
    (errors.InvalidModelNameError, 422),
    (errors.BackendCrashedError, 502),
    (errors.BackendUnavailableError, 503),
    (errors.ModelCorruptError, 503),
    (errors.ResourcesFreedError, 503),  # only while shutting down
    (errors.OcrkitError, 422),  # a bad parameter value (layout, pages, option type ...)
)


def status_for(exc: BaseException) -> int:
    if isinstance(exc, ServeError):
        return exc.status
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_payload(exc: BaseException) -> dict[str, Any]:
    """``{"error": one line, "type": class name, "status": N}`` plus the lists a client needs to fix it."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    status = status_for(exc)
    if status == 500:
        message = f"internal server error ({type(exc).__name__}); this is a bug in ocrkit serve, please report it"
    payload: dict[str, Any] = {"error": message, "type": type(exc).__name__, "status": status}
    if isinstance(exc, errors.UnknownBackendError):
        payload["known"] = exc.known
    elif isinstance(exc, errors.LanguageNotAvailableError):
        payload["pulls"] = list(exc.pulls)  # `ocrkit models pull NAME` adds a model that reads it
    elif isinstance(exc, errors.ModelNotFoundError):
        payload["known"] = exc.available
    elif isinstance(exc, errors.UnknownOptionError):
        payload["accepted"] = exc.known
    elif isinstance(exc, ServeError):
        payload.update(exc.extra)
    return payload


async def drain_body(receive: Receive, limit: int, seconds: float = DRAIN_SECONDS) -> bool:
    """Read and discard the rest of the request body (up to *limit* bytes, *seconds* long).

    Answering before the client has finished sending makes the kernel reset the
    connection, and the client then sees a dropped connection instead of our
    status. True if the body was read to its end."""
    try:
        return await asyncio.wait_for(_drain(receive, limit), seconds)
    except asyncio.TimeoutError:
        return False


async def _drain(receive: Receive, limit: int) -> bool:
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return False
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


async def send_error(send: Send, status: int, payload: dict[str, Any], headers: Mapping[str, str] | None = None,
                     close: bool = False) -> None:
    """A JSON error response straight on the ASGI channel (for the middlewares)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
