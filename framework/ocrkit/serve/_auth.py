"""``--api-key-file``: every endpoint except ``/healthz`` wants the key.

The key comes as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``. Both sides
are hashed before a constant-time comparison, so neither the key's content nor
its length leaks through response timing.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ._errors import Receive, Send, ServeError, drain_body, error_payload, send_error

__all__ = ["ApiKeyGuard", "OPEN_PATHS"]

#: Liveness probes come from orchestrators that hold no key.
OPEN_PATHS = frozenset({"/healthz"})
#: A refused request's body is read to its end up to this size, so the client sees the 401.
DRAIN_LIMIT = 64 * 1024 * 1024


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


class ApiKeyGuard:
    """ASGI middleware refusing requests without the right key with 401."""

    def __init__(self, app: Any, api_key: str) -> None:
        self.app = app
        self._expected = _digest(api_key.encode("utf-8"))

    def _given(self, headers: dict[bytes, bytes]) -> bytes | None:
        auth = headers.get(b"authorization", b"")
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() == b"bearer" and token.strip():
            return token.strip()
        return headers.get(b"x-api-key")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = self._given(dict(scope["headers"]))
        if given is not None and hmac.compare_digest(_digest(given), self._expected):
            await self.app(scope, receive, send)
            return
        error = ServeError(401, "missing or wrong API key; send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
        drained = await drain_body(receive, DRAIN_LIMIT)
        await send_error(send, 401, error_payload(error), headers={"WWW-Authenticate": "Bearer"}, close=not drained)
