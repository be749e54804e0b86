"""Running the app under uvicorn, with the shutdown an operator expects.

SIGTERM or SIGINT: stop accepting connections, let the requests in flight finish,
free every engine (the app's lifespan), exit 0. uvicorn by itself re-raises the
signal after a graceful stop, so the process would report death by SIGTERM; a
service manager should see a clean exit instead. A second SIGINT forces the stop.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from ._app import ServerState, create_app
from ._config import ServeConfig
from ._http import MAX_HEAD_BYTES, BoundedH11Protocol

__all__ = ["serve"]

#: Seconds the app may take after its last request to free its engines, on top of --timeout.
SHUTDOWN_MARGIN = 30.0

log = logging.getLogger("ocrkit.serve")


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_signal: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_signal = on_signal

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self._handle) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def _handle(self, sig: int, frame: FrameType | None) -> None:
        self._on_signal()
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def serve(config: ServeConfig, *, log_level: str = "info", access_log: bool = False) -> int:
    """Preload, serve until SIGTERM/SIGINT, free everything; the exit code (0 after a clean stop)."""
    state = ServerState(config)
    try:
        state.preload()
    except BaseException:
        state.close()
        raise
    app = create_app(state=state)

    def stopping() -> None:
        if not state.stopping:  # /readyz says so at once, while requests in flight finish
            state.stop_by = time.monotonic() + config.timeout + SHUTDOWN_MARGIN
            state.stopping = True

    server = _Server(
        uvicorn.Config(
            app, host=config.host, port=config.port, log_level=log_level, access_log=access_log,
            lifespan="on", timeout_graceful_shutdown=int(config.timeout + SHUTDOWN_MARGIN),
            server_header=False, http=BoundedH11Protocol, h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        ),
        on_signal=stopping,
    )
    server.run()
    code = 0 if server.started else 1
    if state.abandoned:
        # Threads still inside a backend call past the shutdown budget: the interpreter
        # would wait for them at exit; the promise is --timeout + 30 s, so leave now.
        log.warning("%d request(s) still running past the shutdown budget; exiting without them", state.abandoned)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
