"""The backend process behind ``ocrkit.open(..., isolation="process")``.

Started by :mod:`ocrkit._isolation._channel` as a fresh interpreter (never
``fork``: the caller has threads and native libraries loaded), it re-creates the
caller's plugins, opens an ordinary :class:`~ocrkit.Engine` and serves what must
run next to the loaded model: *load*, *recognize* and *free*. Model listing and
the store are plain files the caller reads itself. A native crash here ends only
this process; the caller sees :class:`~ocrkit.BackendCrashedError`.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import signal
import sys
import threading
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing.connection import Connection
from typing import Any

from .._engine import Engine
from .._registry import Registry, set_default_registry
from ..errors import OcrkitError, PluginWarning
from ..images import ImageInput, PageImage
from ._wire import ChildSpec, encode_error, read_probe, register_plugins, unpack_images

__all__ = ["main"]

#: Requests served at once; the engine itself serialises backends that are not threadsafe.
MAX_CONCURRENT_REQUESTS = 64


class _Server:
    def __init__(self, conn: Connection, engine: Engine) -> None:
        self.conn = conn
        self.engine = engine
        self.send_lock = threading.Lock()
        self.announced = False

    def reply(self, req_id: int, ok: bool, payload: Any) -> None:
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
            err = OcrkitError(f"the backend's result cannot be sent back to the caller: {exc}")
            ok, data = False, pickle.dumps(encode_error(err), protocol=pickle.HIGHEST_PROTOCOL)
        with self.send_lock:
            self.conn.send((req_id, ok, data, loaded))

    def handle(self, req_id: int, op: str, args: tuple[Any, ...]) -> None:
        try:
            result = self.dispatch(op, args)
        except BaseException as exc:
            ok, payload = False, encode_error(exc)
        else:
            ok, payload = True, result
        try:
            self.reply(req_id, ok, payload)
        except (OSError, EOFError):  # the caller is gone; main() notices on recv
            pass

    def dispatch(self, op: str, args: tuple[Any, ...]) -> Any:
        engine = self.engine
        if op == "recognize":
            packed, layout = args
            with ExitStack() as stack:
                images: list[ImageInput | PageImage] = list(unpack_images(packed, stack))
                pages = engine.recognize(images, layout=layout)
                del images  # mappings close on exit; pages do not reference pixels
                return pages
        if op == "load":
            engine.load()
            return engine.loaded_models
        raise ValueError(f"unknown request {op!r}")


def _serve(conn: Connection, spec: ChildSpec) -> None:
    for entry in spec.sys_path:
        if entry not in sys.path:
            sys.path.append(entry)
    try:
        registry = Registry(autoload=False)
        register_plugins(registry, spec.plugins)
        set_default_registry(registry)  # code asking for the default registry gets this one
        engine = Engine(
            spec.backend,
            spec.model,
            registry=registry,
            store=spec.store,
            lazy=spec.lazy,
            max_image_pixels=spec.max_image_pixels,
            **spec.options,
        )
    except BaseException as exc:
        conn.send((0, False, pickle.dumps(encode_error(exc)), None))
        return
    shared_ok = spec.probe is not None and read_probe(*spec.probe)
    server = _Server(conn, engine)
    server.reply(0, True, {"shared_memory": shared_ok, "pid": os.getpid()})
    pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_REQUESTS, thread_name_prefix="ocrkit-child")
    try:
        while True:
            try:
                req_id, op, args = conn.recv()
            except (EOFError, OSError):
                break  # the caller went away without freeing: free and leave
            if op == "free":
                pool.shutdown(wait=True)
                # A plugin whose free fails warns (the engine is freed anyway): the
                # caller re-issues those warnings, so isolation reports what in-process does.
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", PluginWarning)
                    engine.free_resources()
                server.reply(req_id, True, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)])
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
    except BaseException:
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


if __name__ == "__main__":  # pragma: no cover - started as `python -c` by _channel
    main(int(sys.argv[1]))
