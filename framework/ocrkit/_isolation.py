"""``ocrkit.open(backend, isolation="process")``: the backend runs in a child process.

Why: a native crash (a segfault in a model runtime, an ``abort()`` in a C++
assertion) ends only the child and surfaces as :class:`BackendCrashedError` in
the caller; and freeing ends the process, which returns *everything* to the
operating system — heap the allocator would keep, accelerator memory, threads.

How: the child is a fresh interpreter (``python -c``, the moral equivalent of
multiprocessing's ``spawn`` without re-importing the caller's ``__main__``, so
scripts need no ``if __name__ == "__main__"`` guard) talking over a socketpair
with pickled messages. Images are decoded and validated here, and large pixel
arrays cross through shared memory (:mod:`ocrkit._wire`). A reader thread routes
replies to the waiting callers, so the engine is as thread-safe as the in-process
one, and notices the child's death at once.
"""

from __future__ import annotations

import collections
import itertools
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.spawn import get_executable
from pathlib import Path
from typing import Any, overload

from ._child import ChildSpec
from ._engine import _EngineBase, _InUseKey, _Lifecycle
from ._records import ModelHandle, ModelRecord
from ._registry import Registry
from ._wire import ErrorPayload, ImagePacker, NameIn, decode_error, plugin_specs, probe_memfd, shared_memory_supported
from .errors import BackendCrashedError, OcrkitError
from .images import ImageInput
from .results import Page
from .store import AuditEntry, ModelStore, in_use_paths, mark_in_use

__all__ = ["ProcessEngine"]

#: How long ``free_resources()`` waits for the child to free and exit before killing it.
SHUTDOWN_TIMEOUT = 30.0
#: How many of the child's last stderr lines are kept, and how many a crash report quotes.
STDERR_TAIL_LINES = 400
CRASH_REPORT_LINES = 12


def _describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


def _crash_excerpt(lines: list[str]) -> list[str]:
    """The start of the last fatal-error report in *lines* (faulthandler's), else the tail."""
    lines = [line for line in lines if line.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("Fatal Python error"):
            return lines[i : i + CRASH_REPORT_LINES]
    return lines[-CRASH_REPORT_LINES:]


class _Channel:
    """The socket to one child: requests out, replies routed back, death detected.

    Holds no reference to the engine, so an unfreed engine can still be collected
    (and its finalizer shut this channel down).
    """

    def __init__(self, spec: ChildSpec, desc: str) -> None:
        self.desc = desc
        self.backend = spec.backend
        self._lock = threading.Lock()  # guards pending / dead / closing
        self._send_lock = threading.Lock()
        self._pending: dict[int, tuple[Future[Any], str]] = {}
        self._ids = itertools.count(1)
        self._dead: str | None = None
        self._closing = False
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.loaded: list[ModelRecord] | None = None
        self.on_loaded: Callable[[list[ModelRecord]], None] | None = None

        parent_sock, child_sock = socket.socketpair()
        ocrkit_root = str(Path(__file__).resolve().parent.parent)
        # The same ocrkit as ours; the path goes first only if it is not a site dir already.
        bootstrap = (
            f"import sys; p = {ocrkit_root!r}; sys.path.insert(0, p) if p not in sys.path else None; "
            f"from ocrkit._child import main; main({child_sock.fileno()})"
        )
        try:
            self.proc = subprocess.Popen(
                [get_executable(), "-c", bootstrap],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except BaseException:
            parent_sock.close()
            raise
        finally:
            child_sock.close()
        self.conn = Connection(parent_sock.detach())
        self._init_future: Future[Any] = Future()
        self._pending[0] = (self._init_future, "starting")
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, name=f"ocrkit-{spec.backend}-stderr", daemon=True
        )
        self._stderr_thread.start()
        self._reader = threading.Thread(target=self._read, name=f"ocrkit-{spec.backend}-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def dead(self) -> str | None:
        return self._dead

    # -- background threads -------------------------------------------------------

    def _drain_stderr(self) -> None:
        """Forward the child's stderr (tesseract warnings, tracebacks) and keep its tail."""
        assert self.proc.stderr is not None
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            self._stderr_tail.append(line.rstrip("\n"))
            try:
                sys.stderr.write(line)
            except Exception:  # pragma: no cover - a closed stderr must not stop draining
                pass
        self.proc.stderr.close()

    def _read(self) -> None:
        while True:
            try:
                req_id, ok, payload, loaded = self.conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # the frame itself is broken: nothing more can be trusted
                self._fail_all(OcrkitError(f"unreadable reply from the backend process: {exc}"))
                break
            if loaded is not None:
                self.loaded = list(loaded)
                if self.on_loaded is not None:
                    self.on_loaded(self.loaded)
            with self._lock:
                entry = self._pending.pop(req_id, None)
            if entry is not None:
                self._settle(entry[0], ok, payload)
        self._on_eof()

    @staticmethod
    def _settle(fut: Future[Any], ok: bool, payload: bytes) -> None:
        """Unpickle one reply for its caller; one that does not unpickle here fails that caller only."""
        try:
            value = pickle.loads(payload)
        except Exception as exc:
            fut.set_exception(OcrkitError(f"the backend's reply cannot be read in this process: {exc}"))
            return
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(decode_error(value) if isinstance(value, ErrorPayload) else OcrkitError(str(value)))

    def _on_eof(self) -> None:
        with self._lock:
            closing = self._closing
            doing = sorted({what for _, what in self._pending.values()})
        try:
            returncode: int | None = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        if closing and not doing:
            return
        self._stderr_thread.join(timeout=2)  # so the report quotes the crash output
        what = f" while {' and '.join(doing)}" if doing else ""
        tail = "\n".join(f"    {line}" for line in _crash_excerpt(list(self._stderr_tail)))
        message = (
            f"the {self.backend!r} backend process (pid {self.proc.pid}) {_describe_exit(returncode)}{what}. "
            f"This engine cannot be used any more: call free_resources() (or leave its with-block) "
            f"and open a new one with ocrkit.open({self.backend!r}, ..., isolation='process'); "
            f"your process and other engines are unaffected."
        )
        if tail:
            message += f"\nlast output of the backend process:\n{tail}"
        self._fail_all(BackendCrashedError(message))

    def _fail_all(self, error: BaseException) -> None:
        with self._lock:
            if self._dead is None:
                self._dead = str(error)
            pending, self._pending = self._pending, {}
        for fut, _ in pending.values():
            if not fut.done():
                fut.set_exception(error)

    # -- requests -------------------------------------------------------------------

    def crashed_error(self) -> BackendCrashedError:
        return BackendCrashedError(self._dead or f"the {self.backend!r} backend process is gone")

    def start(self, spec: ChildSpec) -> dict[str, Any]:
        """Send the spec and wait for the engine in the child to open."""
        try:
            with self._send_lock:
                self.conn.send(spec)
        except (OSError, EOFError):
            pass  # the reader reports how the child died
        return self._init_future.result()

    def request(self, op: str, *args: Any, what: str | None = None) -> Any:
        fut: Future[Any] = Future()
        with self._lock:
            if self._dead is not None:
                raise self.crashed_error()
            req_id = next(self._ids)
            self._pending[req_id] = (fut, what or op.replace("_", " "))
        try:
            with self._send_lock:
                self.conn.send((req_id, op, args))
        except (OSError, EOFError):
            pass  # the child died: the reader fails this future with the reason
        except BaseException:
            with self._lock:
                self._pending.pop(req_id, None)
            raise
        return fut.result()

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Ask the child to free and exit; kill it if it does not within *timeout*."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            alive = self._dead is None
        try:
            if alive and self.proc.poll() is None:
                fut: Future[Any] = Future()
                with self._lock:
                    self._pending[-1] = (fut, "freeing")
                try:
                    with self._send_lock:
                        self.conn.send((-1, "free", ()))
                    fut.result(timeout=timeout)
                except Exception:
                    pass  # a crash while freeing still ends with the process gone
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        finally:
            try:
                self.conn.close()
            except OSError:
                pass
            if threading.current_thread() is not self._reader:
                self._reader.join(timeout=5)
            self._stderr_thread.join(timeout=5)


def _finalize_unfreed(channel: _Channel, holder: dict[str, Any], owner_key: Any, desc: str) -> None:
    if holder.get("freed"):
        return
    holder["freed"] = True
    warnings.warn(
        f"{desc} was never freed; call free_resources() or use it as a context manager",
        ResourceWarning,
        stacklevel=2,
    )
    try:
        channel.shutdown(timeout=5.0)
    except Exception:  # pragma: no cover - finalizers must not raise
        pass
    finally:
        mark_in_use(owner_key, ())


class ProcessEngine(_EngineBase):
    """An :class:`~ocrkit.Engine` whose backend runs in a child process.

    Same methods and lifecycle as ``Engine``; create it with
    ``ocrkit.open(backend, isolation="process")``. If the child dies (native
    crash, killed), calls raise :class:`BackendCrashedError`: free this engine and
    open a new one. ``free_resources()`` ends the child process.
    """

    isolation = "process"

    def __init__(
        self,
        backend: str,
        model: str | None = None,
        *,
        registry: Registry | None = None,
        store: ModelStore | None = None,
        lazy: bool = False,
        max_image_pixels: int | None = None,
        **options: Any,
    ) -> None:
        # Refuse what we can here, without starting a process for it.
        self._configure(backend, model, registry, store, max_image_pixels, options)
        registry = self._registry
        desc = f"ocrkit engine {backend!r} (process)"
        self._life = _Lifecycle(desc)
        self._in_use_key = _InUseKey()
        self._holder: dict[str, Any] = {"freed": False}

        plugins = plugin_specs(registry.pm.list_name_plugin())
        probe = probe_memfd() if shared_memory_supported() else None
        spec = ChildSpec(
            backend=backend,
            model=model,
            store=self.store,
            lazy=lazy,
            max_image_pixels=max_image_pixels,
            options=self.options,
            plugins=plugins,
            sys_path=[p for p in sys.path if isinstance(p, str)],
            probe=probe,
        )
        key = self._in_use_key
        try:
            self._channel = _Channel(spec, desc)
            self._channel.on_loaded = lambda models: mark_in_use(key, [f for m in models for f in m.all_files()])
            try:
                hello = self._channel.start(spec)
            except BaseException:
                self._channel.shutdown(timeout=5.0)
                mark_in_use(key, ())
                raise
        finally:
            if probe is not None:
                os.close(probe[1])
        self._shared_memory: bool = hello["shared_memory"]
        self._finalizer = weakref.finalize(self, _finalize_unfreed, self._channel, self._holder, key, desc)

    # -- the child ---------------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The child process id (it is gone after ``free_resources()``)."""
        return self._channel.pid

    @property
    def crashed(self) -> bool:
        """True once the child died on its own; every call then raises ``BackendCrashedError``."""
        return self._channel.dead is not None and not self._life.closed

    def _request(self, op: str, *args: Any, what: str | None = None) -> Any:
        with self._life.call():
            return self._channel.request(op, *args, what=what)

    # -- loading -----------------------------------------------------------------------

    def load(self) -> ModelHandle:
        """Load the model in the child now (``ocrkit.open`` does unless ``lazy=True``)."""
        models = self._request("load", what="loading the model")
        return self._handle_view(models)

    @property
    def handle(self) -> ModelHandle:
        """A description of the child's handle; its ``state`` stays in the child (``None`` here)."""
        return self.load()

    def _handle_view(self, models: Sequence[ModelRecord]) -> ModelHandle:
        return ModelHandle(
            backend=self.backend,
            name=models[0].name if models else (self.model or ""),
            models=tuple(models),
            state=None,
            options=dict(self.options),
        )

    @property
    def loaded_models(self) -> list[ModelRecord]:
        """The records of the models the child has loaded (empty before a lazy load)."""
        self._life.check()
        if self._channel.loaded is not None:
            return list(self._channel.loaded)
        return list(self._request("loaded_models"))

    # -- model management ----------------------------------------------------------------

    def get_local_path(self) -> str:
        """This backend's directory in the model store (created if missing)."""
        return str(self._request("get_local_path"))

    def list_local(self) -> list[str]:
        """Model file names in :meth:`get_local_path`, joinable with it."""
        return list(self._request("list_local"))

    def list_models(self) -> list[ModelRecord]:
        """Every model discovery finds for this backend (run in the child)."""
        return list(self._request("list_models"))

    def remove_model(self, name: str) -> Path:
        """Delete a model from the store; models loaded anywhere raise ``ModelInUseError``."""
        return Path(self._request("remove_model", sorted(in_use_paths()), name))

    def prune(
        self,
        prefix: str | None = None,
        predicate: Callable[[str], bool] | None = None,
        dry_run: bool = False,
        skipped: dict[str, str] | None = None,
    ) -> list[str]:
        """Remove store models by prefix/predicate (default: those audited OLD).

        Loaded models are skipped (reasons go to *skipped* if given)."""
        if predicate is not None:
            # The predicate runs here (it may be a lambda); the child gets its answer.
            self._life.check()
            names = [n for n in self.list_local() if (prefix is None or n.startswith(prefix)) and predicate(n)]
            prefix, predicate = None, NameIn(frozenset(names))
        removed, why = self._request("prune", sorted(in_use_paths()), prefix, predicate, dry_run)
        if skipped is not None:
            skipped.update(why)
        return list(removed)

    def import_model(self, model: str | ModelRecord | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Copy a model into this backend's store directory (done by the child)."""
        source = model if isinstance(model, (str, ModelRecord)) else os.fspath(model)
        return Path(self._request("import_model", source, overwrite, what="importing a model"))

    def audit(self) -> list[AuditEntry]:
        """Name, path, size, sha256 and OLD/CURRENT status of every store model."""
        return list(self._request("audit"))

    # -- recognition -----------------------------------------------------------------------

    @overload
    def recognize(self, image: ImageInput, layout: str = ...) -> Page: ...
    @overload
    def recognize(self, image: Sequence[ImageInput], layout: str = ...) -> list[Page]: ...

    def recognize(self, image: Any, layout: str = "page") -> Page | list[Page]:
        """Recognise one image (returns a :class:`Page`) or a list (returns a list).

        Images are decoded and checked here (bad input never reaches the child);
        pixels cross to the child through shared memory.
        """
        self._life.check()
        images, batch = self._inputs(image, layout)
        if not images:
            return []
        what = f"recognizing {len(images)} image{'s' if len(images) != 1 else ''}"
        with self._life.call(), ImagePacker(images, self._shared_memory) as packed:
            pages: list[Page] = self._channel.request("recognize", packed, layout, what=what)
        return pages if batch else pages[0]

    # -- freeing -------------------------------------------------------------------------

    @property
    def freed(self) -> bool:
        return self._life.closed

    def free_resources(self) -> None:
        """Free the model and end the child process. Idempotent, thread-safe; waits for
        calls in flight. Afterwards every other method raises ``ResourcesFreedError``."""
        if not self._life.close():
            return
        self._finalizer.detach()
        self._holder["freed"] = True
        try:
            self._channel.shutdown()
        finally:
            mark_in_use(self._in_use_key, ())

    close = free_resources

    def __enter__(self) -> ProcessEngine:
        self._life.check()
        return self

    def __exit__(self, *exc: object) -> None:
        self.free_resources()

    def __repr__(self) -> str:
        if self.freed:
            state = "freed"
        elif self._channel.dead is not None:
            state = "crashed"
        else:
            state = f"pid={self.pid}"
        return f"<ocrkit.ProcessEngine backend={self.backend!r} model={self.model!r} {state}>"
