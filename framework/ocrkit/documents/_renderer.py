"""PDFium in a child process, within a budget of time and memory.

A PDF of a few kilobytes can ask PDFium for many gigabytes (nested Form XObjects) or
minutes of work (millions of strokes), and a native call cannot be stopped from the
thread that made it. So no PDFium call runs in the caller's process: each open
document has a render worker (``_render_worker.py``, a fresh interpreter with only
pypdfium2) whose address space is capped (``RLIMIT_AS``) and whose every request has
a deadline; past either, the worker is killed, the page fails with one
:class:`DocumentError`, and the next page gets a fresh worker. Workers are kept
between documents (a few idle ones per process), so a normal PDF pays one round trip
per page; the pixels come back in shared memory (a memfd the worker renders into and
the caller maps), never copied. A worker that a big page left holding much memory is
ended after that page instead of being kept.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import mmap
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidOptionError

__all__ = ["RenderBudget", "RenderWorker", "take_worker", "give_back", "DEFAULT_RENDER_SECONDS",
           "DEFAULT_RENDER_MEMORY"]

#: Seconds a worker may take to open a document or render one page.
DEFAULT_RENDER_SECONDS = 60.0
#: Bytes a worker may allocate above what its interpreter and PDFium's code use.
DEFAULT_RENDER_MEMORY = 1024**3
#: Idle workers kept per process for the next document.
MAX_IDLE = max(2, os.cpu_count() or 1)
#: A worker left holding more resident memory than this after a page (PDFium's allocator
#: keeps a big page's peak) is ended rather than kept: the next page starts a fresh one.
RECYCLE_RESIDENT = 256 * 1024**2
_WORKER = Path(__file__).with_name("_render_worker.py")
_PACKET = 1 << 16


def _env_number(name: str, default: float, kind: type) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if not value >= 0 or (kind is float and value == float("inf")):
        raise InvalidOptionError(f"{name} must be a number >= 0 (0: no limit), got {raw!r}")
    return value


@dataclass(frozen=True)
class RenderBudget:
    """What rendering one PDF page (or opening one PDF) may cost: *seconds* of wall time
    and *memory* bytes above the worker's baseline (0: no limit, for either)."""

    seconds: float = DEFAULT_RENDER_SECONDS
    memory: int = DEFAULT_RENDER_MEMORY

    @classmethod
    def from_env(cls) -> RenderBudget:
        """``OCRKIT_RENDER_SECONDS`` and ``OCRKIT_RENDER_MEMORY`` (bytes), else the defaults."""
        return cls(_env_number("OCRKIT_RENDER_SECONDS", DEFAULT_RENDER_SECONDS, float),
                   _env_number("OCRKIT_RENDER_MEMORY", DEFAULT_RENDER_MEMORY, int))

    def describe_memory(self) -> str:
        return f"{self.memory / 2**20:.0f} MiB"


class _WorkerFailed(Exception):
    """The worker went over its time (``timed_out``) or died (its memory, or a crash)."""

    def __init__(self, timed_out: bool, detail: str) -> None:
        super().__init__(detail)
        self.timed_out = timed_out


class RenderWorker:
    """One worker process and the socket to it; requests go one at a time."""

    def __init__(self, memory: int) -> None:
        self.memory = memory
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(_WORKER), str(child.fileno()), str(memory), *_pdfium_paths()],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True,
            )
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self.sock = parent
        self.broken = False

    def request(self, message: dict[str, Any], seconds: float, fd: int | None = None) -> tuple[dict[str, Any], int | None]:
        """Send *message* (with *fd*); the reply and the descriptor it carries. Past *seconds*
        (0: none) or if the worker dies, it is killed and :class:`_WorkerFailed` raised."""
        rights = [] if fd is None else [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fd.to_bytes(4, sys.byteorder))]
        try:
            self.sock.sendmsg([json.dumps(message).encode()], rights)
            ready, _, _ = select.select([self.sock], [], [], seconds or None)
            if not ready:
                self.kill()
                raise _WorkerFailed(True, f"no answer within {seconds:g} s")
            data, ancillary, _, _ = self.sock.recvmsg(_PACKET, socket.CMSG_SPACE(4))
        except OSError as exc:
            data, ancillary = b"", []
            detail = str(exc)
        else:
            detail = ""
        if not data:
            self.kill()
            raise _WorkerFailed(False, detail or f"the render worker ended ({self._how_it_ended()})")
        fds = [int.from_bytes(d[:4], sys.byteorder) for lvl, typ, d in ancillary
               if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS]
        return json.loads(data), (fds[0] if fds else None)

    def _how_it_ended(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "not answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def kill(self) -> None:
        self.broken = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.sock.close()

    def close(self) -> None:
        """End the worker: closing the socket is its signal to exit."""
        self.broken = True
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _pdfium_paths() -> list[str]:
    """Where this process finds pypdfium2 and its binary (the worker runs isolated from the environment)."""
    paths = []
    for name in ("pypdfium2", "pypdfium2_raw"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            paths.append(str(Path(spec.origin).resolve().parent.parent))
    return list(dict.fromkeys(paths))


_idle: list[RenderWorker] = []
_idle_lock = threading.Lock()


def take_worker(budget: RenderBudget) -> RenderWorker:
    """An idle worker with *budget*'s memory cap, or a new one."""
    with _idle_lock:
        for i, worker in enumerate(_idle):
            if worker.memory == budget.memory and worker.proc.poll() is None:
                return _idle.pop(i)
    return RenderWorker(budget.memory)


def give_back(worker: RenderWorker) -> None:
    """Keep a healthy worker for the next document (a few at most), end the others."""
    if not worker.broken and worker.proc.poll() is None:
        with _idle_lock:
            if len(_idle) < MAX_IDLE:
                _idle.append(worker)
                return
    if not worker.broken:
        worker.close()


@atexit.register
def _end_idle_workers() -> None:
    with _idle_lock:
        workers = list(_idle)
        _idle.clear()
    for worker in workers:
        worker.close()


def _fork_child_forgets_workers() -> None:
    _idle.clear()  # a forked child must not talk to its parent's workers


os.register_at_fork(after_in_child=_fork_child_forgets_workers)


def map_pixels(fd: int, width: int, height: int, channels: int) -> np.ndarray:
    """The worker's rendered page, mapped (copy-on-write) rather than copied."""
    try:
        mem = mmap.mmap(fd, width * height * channels, access=mmap.ACCESS_COPY)
    finally:
        os.close(fd)
    pixels = np.frombuffer(mem, dtype=np.uint8)
    return pixels.reshape((height, width) if channels == 1 else (height, width, channels))
