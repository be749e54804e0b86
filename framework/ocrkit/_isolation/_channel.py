"""The parent's end of the socket to one backend process: starts the child,
sends requests, routes replies to the callers waiting for them, and notices the
child's death at once (a reader thread), quoting its last stderr lines.

The child is a fresh interpreter (``python -c``, the moral equivalent of
multiprocessing's ``spawn`` without re-importing the caller's ``__main__``, so
scripts need no ``if __name__ == "__main__"`` guard) talking over a socketpair
with pickled messages (:mod:`ocrkit._isolation._wire`).
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import math
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.spawn import get_executable
from pathlib import Path
from typing import Any

from .._records import ModelRecord
from ..errors import BackendCrashedError, BackendTimeoutError, OcrkitError
from ._wire import ChildSpec, ErrorPayload, decode_error

__all__ = ["Channel", "SHUTDOWN_TIMEOUT", "DEFAULT_CALL_TIMEOUT"]

#: How long ``free_resources()`` waits for the child to free and exit before killing it.
SHUTDOWN_TIMEOUT = 30.0
#: Default deadline of one call to the child, in seconds (per image for recognition):
#: far beyond any sane page, short of "forever" for a child stuck in native code.
DEFAULT_CALL_TIMEOUT = 300.0
#: How many of the child's last stderr lines are kept, and how many a crash report quotes.
STDERR_TAIL_LINES = 400
CRASH_REPORT_LINES = 12


def describe_exit(returncode: int | None) -> str:
    """How a process ended, for a message: ``was killed by SIGKILL``, ``exited with status 1``."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


_describe_exit = describe_exit  # the former private name, still imported by batch/_local.py


def _crash_excerpt(lines: list[str]) -> list[str]:
    """The start of the last fatal-error report in *lines* (faulthandler's), else the tail."""
    lines = [line for line in lines if line.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("Fatal Python error"):
            return lines[i : i + CRASH_REPORT_LINES]
    return lines[-CRASH_REPORT_LINES:]


class Channel:
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
        self._killed_for: str | None = None  # why we killed the child, if we did
        self._closing = False
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.loaded: list[ModelRecord] | None = None
        self.on_loaded: Callable[[list[ModelRecord]], None] | None = None

        parent_sock, child_sock = socket.socketpair()
        ocrkit_root = str(Path(__file__).resolve().parents[2])
        # The same ocrkit as ours; the path goes first only if it is not a site dir already.
        bootstrap = (
            f"import sys; p = {ocrkit_root!r}; sys.path.insert(0, p) if p not in sys.path else None; "
            f"from ocrkit._isolation._child import main; main({child_sock.fileno()})"
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
        """Why the child is gone (or being killed); ``None`` while it serves."""
        return self._dead or self._killed_for

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
            killed_for = self._killed_for
        opening = not self._init_future.done()
        try:
            returncode: int | None = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        if closing and not doing:
            return
        if killed_for is not None:
            self._fail_all(BackendTimeoutError(killed_for))
            return
        self._stderr_thread.join(timeout=2)  # so the report quotes the crash output
        what = f" while {' and '.join(doing)}" if doing else ""
        tail = "\n".join(f"    {line}" for line in _crash_excerpt(list(self._stderr_tail)))
        if opening:  # the caller never got an engine: there is nothing to free
            advice = "ocrkit.open() failed and there is nothing to free; see the backend's output, fix the cause, open again"
        else:
            advice = (
                f"This engine cannot be used any more: call free_resources() (or leave its with-block) "
                f"and open a new one with ocrkit.open({self.backend!r}, ..., isolation='process')"
            )
        message = (
            f"the {self.backend!r} backend process (pid {self.proc.pid}) {describe_exit(returncode)}{what}. "
            f"{advice}; your process and other engines are unaffected."
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
        if self._killed_for is not None:
            return BackendTimeoutError(self._killed_for)
        return BackendCrashedError(self._dead or f"the {self.backend!r} backend process is gone")

    def kill(self, reason: str) -> None:
        """End the child now (SIGKILL: a stopped or looping child cannot ignore it);
        every pending and later call raises :class:`BackendTimeoutError` with *reason*."""
        with self._lock:
            if self._dead is not None or self._killed_for is not None:
                return
            self._killed_for = reason
        try:
            self.proc.kill()
        except OSError:  # pragma: no cover - already reaped
            pass

    def _wait(self, fut: Future[Any], what: str, timeout: float | None) -> Any:
        """The reply, or the child killed once *timeout* seconds pass without one."""
        try:
            return fut.result(timeout=None if timeout is None or math.isinf(timeout) else timeout)
        except concurrent.futures.TimeoutError:
            advice = (
                "ocrkit.open() failed and there is nothing to free" if fut is self._init_future
                else "This engine cannot be used any more: free it and open a new one"
            )
            reason = (
                f"the {self.backend!r} backend process (pid {self.proc.pid}) did not finish {what} within "
                f"{timeout:g} s (call_timeout), so it was killed. {advice}; pass a larger call_timeout= to "
                f"ocrkit.open() for inputs that need longer"
            )
            self.kill(reason)
            raise BackendTimeoutError(reason) from None

    def start(self, spec: ChildSpec, timeout: float | None = None) -> dict[str, Any]:
        """Send the spec and wait for the engine in the child to open."""
        try:
            with self._send_lock:
                self.conn.send(spec)
        except (OSError, EOFError):
            pass  # the reader reports how the child died
        return self._wait(self._init_future, "opening the engine", timeout)

    def request(self, op: str, *args: Any, what: str | None = None, timeout: float | None = None) -> Any:
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
        return self._wait(fut, what or op.replace("_", " "), timeout)

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> list[str]:
        """Ask the child to free and exit; kill it if it has not within *timeout* in all.

        :return: the plugin warnings the child's free raised (re-issued by the caller)."""
        freeing_warnings: list[str] = []
        with self._lock:
            if self._closing:
                return freeing_warnings
            self._closing = True
            alive = self._dead is None and self._killed_for is None
        deadline = time.monotonic() + timeout
        try:
            if alive and self.proc.poll() is None:
                fut: Future[Any] = Future()
                with self._lock:
                    self._pending[-1] = (fut, "freeing")
                try:
                    with self._send_lock:
                        self.conn.send((-1, "free", ()))
                    freeing_warnings = list(fut.result(timeout=max(0.0, deadline - time.monotonic())) or ())
                except Exception:
                    pass  # a crash while freeing, or no answer in time, still ends with the process gone
            try:
                self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
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
        return freeing_warnings
