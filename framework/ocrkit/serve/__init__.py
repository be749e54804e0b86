"""``ocrkit serve``: OCR over HTTP, on FastAPI and uvicorn (the ``serve`` extra).

    from ocrkit.serve import ServeConfig, create_app, serve

    serve(ServeConfig(port=8080, idle_free=300))        # what the command runs
    app = create_app(ServeConfig())                      # or mount the ASGI app yourself

Engines are opened on first use per (backend, model, options), shared by
concurrent requests, and freed when idle; recognition is bounded (threads,
queue, timeout) and every fault has its own status code. See docs/serve.md.

FastAPI, uvicorn and prometheus-client are imported on first use of an app
name, so ``ocrkit --help`` stays fast and works without the extra.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._config import ServeConfig, read_api_key

__all__ = ["ServeConfig", "ServerState", "EngineCache", "create_app", "serve", "read_api_key"]

_LAZY = {"ServerState": "._app", "create_app": "._app", "EngineCache": "._engines", "serve": "._server"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
