"""The backend process behind ``ocrkit.open(..., isolation="process")``.

Started by :mod:`ocrkit._isolation` as a fresh interpreter (never ``fork``: the
caller has threads and native libraries loaded), it re-creates the caller's
plugins, opens an ordinary :class:`~ocrkit.Engine` and serves requests on a
socket until it is told to free, or the caller goes away. A native crash here
ends only this process; the caller sees :class:`~ocrkit.BackendCrashedError`.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["ChildSpec", "main"]

#: Requests served at once; the engine itself serialises backends that are not threadsafe.
MAX_CONCURRENT_REQUESTS = 64


@dataclass
class ChildSpec:
    """Everything the child needs to build the same engine the caller asked for."""

    backend: str
    model: str | None
    store: Any
    lazy: bool
    max_image_pixels: int | None
    options: dict[str, Any]
    plugins: list[Any]
    sys_path: list[str]
    probe: tuple[int, int] | None = None


class _Server:
    def __init__(self, conn: Connection, engine: Any) -> None:
        self.conn = conn
        self.engine = engine
        self.send_lock = threading.Lock()
        self.announced = False

    def reply(self, req_id: int, ok: bool, payload: Any) -> None:
        from ._wire import encode_error

        loaded = None
        if not self.announced and not self.engine.freed:
            models = self.engine.loaded_models
            if models:
                loaded, self.announced = models, True
        # The payload is pickled on its own, so that one the caller cannot unpickle
        # fails that caller only, not the channel.
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the result does not pickle: say so instead
            from .errors import OcrkitError

            err = OcrkitError(f"the backend's result cannot be sent back to the caller: {exc}")
            ok, data = False, pickle.dumps(encode_error(err), protocol=pickle.HIGHEST_PROTOCOL)
        with self.send_lock:
            self.conn.send((req_id, ok, data, loaded))

    def handle(self, req_id: int, op: str, args: tuple[Any, ...]) -> None:
        from ._wire import encode_error

        try:
            result = self.dispatch(op, args)
        except BaseException as exc:  # noqa: BLE001 - every error goes back to the caller
            ok, payload = False, encode_error(exc)
        else:
            ok, payload = True, result
        try:
            self.reply(req_id, ok, payload)
        except (OSError, EOFError):  # the caller is gone; main() notices on recv
            pass

    def dispatch(self, op: str, args: tuple[Any, ...]) -> Any:
        from ._wire import unpack_images
        from .store import mark_in_use

        engine = self.engine
        if op == "recognize":
            packed, layout = args
            with ExitStack() as stack:
                images = unpack_images(packed, stack)
                pages = engine.recognize(images, layout=layout)
                del images  # mappings close on exit; pages do not reference pixels
                return pages
        if op == "load":
            engine.load()
            return engine.loaded_models
        if op in ("remove_model", "prune"):
            # Models the caller's own in-process engines hold are in use here too.
            caller_in_use, call_args = args[0], args[1:]
            token = _Token()
            mark_in_use(token, caller_in_use)
            try:
                if op == "remove_model":
                    return engine.remove_model(*call_args)
                skipped: dict[str, str] = {}
                return engine.prune(*call_args, skipped=skipped), skipped
            finally:
                mark_in_use(token, ())
        if op == "import_model":
            model, overwrite = args
            return engine.import_model(model, overwrite=overwrite)
        if op in ("list_local", "get_local_path", "list_models", "audit"):
            return getattr(engine, op)(*args)
        if op == "loaded_models":
            return engine.loaded_models
        raise ValueError(f"unknown request {op!r}")


class _Token:
    """Weak-referenceable owner for temporary in-use marks."""


def _serve(conn: Connection, spec: ChildSpec) -> None:
    from . import _registry
    from ._engine import Engine
    from ._registry import Registry
    from ._wire import encode_error, read_probe, register_plugins

    for entry in spec.sys_path:
        if entry not in sys.path:
            sys.path.append(entry)
    try:
        registry = Registry(autoload=False)
        register_plugins(registry, spec.plugins)
        _registry._default = registry  # code asking for the default registry gets this one
        engine = Engine(
            spec.backend,
            spec.model,
            registry=registry,
            store=spec.store,
            lazy=spec.lazy,
            max_image_pixels=spec.max_image_pixels,
            **spec.options,
        )
    except BaseException as exc:  # noqa: BLE001
        conn.send((0, False, pickle.dumps(encode_error(exc)), None))
        return
    shared_ok = spec.probe is not None and read_probe(*spec.probe)
    server = _Server(conn, engine)
    server.reply(0, True, {"info": engine.info, "shared_memory": shared_ok, "pid": os.getpid()})
    pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_REQUESTS, thread_name_prefix="ocrkit-child")
    try:
        while True:
            try:
                req_id, op, args = conn.recv()
            except (EOFError, OSError):
                break  # the caller went away without freeing: free and leave
            if op == "free":
                pool.shutdown(wait=True)
                engine.free_resources()
                server.reply(req_id, True, None)
                return
            pool.submit(server.handle, req_id, op, args)
    finally:
        pool.shutdown(wait=True)
        engine.free_resources()


def main(fd: int) -> None:
    """Serve the engine on socket *fd*; exits the process without interpreter teardown."""
    # The caller owns this process's life: Ctrl-C goes to the caller, which frees us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.enable()  # a native crash prints the Python stack the caller reports
    conn = Connection(fd)
    code = 0
    try:
        spec = conn.recv()
        _serve(conn, spec)
    except BaseException:  # noqa: BLE001 - report and exit non-zero
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            # Skip interpreter teardown: native libraries' exit-time destructors are a
            # crash risk we do not need, the engine is already freed.
            os._exit(code)


if __name__ == "__main__":  # pragma: no cover - started as `python -c` by _isolation
    main(int(sys.argv[1]))
