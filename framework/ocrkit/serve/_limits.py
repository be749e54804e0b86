"""Bounded work: how many requests recognise at once, how many may wait, how long
one may take, and how large a request body may be.

Recognition runs on a pool of exactly ``concurrency`` threads, so the server
never does more OCR at once than it was sized for; ``queue`` more requests may
wait, and any beyond get 429 at once (cheap for the server, a clear signal for
the client) instead of piling up until everything times out. A request that
runs past ``timeout`` answers 504; its thread stops at the next page (the read checks
the request's deadline) and keeps its slot until then, so the bound stays true.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from ._errors import Receive, Send, ServeError, drain_body, error_payload, send_error

__all__ = ["Admission", "BodyLimit"]

T = TypeVar("T")

#: Bodies declared up to this many times the cap are read to their end (within
#: ``DRAIN_SECONDS``) before the 413, so the client sees the status; a larger declared
#: length (``Content-Length: 10**12``) is answered at once and the connection closed.
DRAIN_FACTOR = 4


class Admission:
    """Admit, queue or refuse units of blocking work; run them on a bounded thread pool.

    Each unit also reserves an estimate of the memory it needs; units run only while
    their reservations together stay within *max_memory* (a unit larger than the
    whole budget runs alone), so the server's memory is bounded, not only its count
    of requests. A unit waiting for memory holds its thread and stops at its deadline."""

    def __init__(self, concurrency: int, queue: int, timeout: float, max_memory: int | None = None) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="ocrkit-serve")
        self._lock = threading.Lock()
        self._admitted = 0
        self._running = 0
        self._mean_seconds = 1.0  # moving average of a unit's run time, for Retry-After
        self._futures: set[Future[Any]] = set()
        self.max_memory = max_memory
        self._reserved = 0
        self._memory_freed = threading.Condition(self._lock)

    @property
    def running(self) -> int:
        return self._running

    @property
    def reserved(self) -> int:
        """Bytes reserved by running units."""
        return self._reserved

    @property
    def queued(self) -> int:
        with self._lock:
            return self._admitted - self._running

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the work ahead of a new request over the threads."""
        with self._lock:
            ahead = self._admitted
        return max(1, math.ceil(self._mean_seconds * ahead / self.concurrency))

    def admit(self) -> None:
        """Take a place (running or queued) or raise 429; pair with :meth:`run`."""
        with self._lock:
            full = self._admitted >= self.concurrency + self.queue
            if not full:
                self._admitted += 1
        if full:
            raise ServeError(
                429,
                f"the server is busy ({self.concurrency} requests running, {self.queue} waiting); "
                "retry after the number of seconds in the Retry-After header",
                headers={"Retry-After": str(self.retry_after())},
            )

    async def run(self, fn: Callable[[], T], started: float, memory: int = 0) -> T:
        """Run *fn* on the pool for an admitted request that arrived at *started* (monotonic),
        once *memory* bytes can be reserved for it."""
        future: Future[T] = self._pool.submit(self._call, fn, memory, started + self.timeout)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._finished)
        remaining = self.timeout - (time.monotonic() - started)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), max(remaining, 0.001))
        except asyncio.TimeoutError:
            future.cancel()  # stops it only while still queued; a running one finishes in its thread
            raise ServeError(
                504,
                f"the request took longer than the server's timeout of {self.timeout:g} s; "
                "send fewer pages, a smaller image, or ask the operator for a longer --timeout",
            ) from None

    def _reserve(self, memory: int, deadline: float) -> None:
        """Wait until *memory* fits beside the running units' (alone, if it never fits)."""
        with self._lock:
            while self.max_memory is not None and self._reserved and self._reserved + memory > self.max_memory:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServeError(504, "the request's time ran out waiting for memory; its read never started")
                self._memory_freed.wait(left)
            self._reserved += memory

    def _call(self, fn: Callable[[], T], memory: int, deadline: float) -> T:
        self._reserve(memory, deadline)
        with self._lock:
            self._running += 1
        begin = time.monotonic()
        try:
            return fn()
        finally:
            took = time.monotonic() - begin
            with self._lock:
                self._running -= 1
                self._reserved -= memory
                self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * took
                self._memory_freed.notify_all()

    def _finished(self, future: Future[Any]) -> None:
        with self._lock:
            self._admitted -= 1
            self._futures.discard(future)

    def release_unrun(self) -> None:
        """Give back a place taken by :meth:`admit` whose work never reached :meth:`run`."""
        with self._lock:
            self._admitted -= 1

    def close(self, timeout: float | None = None) -> int:
        """Drop queued units and wait for running ones (timed-out ones too), at most
        *timeout* seconds; how many are still running then."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            pending = set(self._futures)
        _, running = wait(pending, timeout=timeout)
        return len(running)


class _BodyTooLarge(Exception):
    pass


def _declared_length(value: bytes | None) -> int | None:
    """The ``Content-Length`` as a number; a run of digits too long to matter counts as huge."""
    if value is None or not value.isdigit():
        return None
    return int(value) if len(value) <= 18 else 10**18


class BodyLimit:
    """ASGI middleware: a request body above *max_bytes* gets 413 before the app holds it all.

    The declared ``Content-Length`` is checked first; a chunked body is counted as
    it arrives and cut off at the cap."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _payload(self) -> dict[str, Any]:
        return error_payload(ServeError(
            413, f"the request body is larger than the server's limit of {self.max_bytes} bytes; "
            "send a smaller file (the operator sets the limit with --max-body-bytes)"))

    async def _refuse(self, receive: Receive, send: Send, declared: int | None = None) -> None:
        drained = False
        if declared is None or declared <= self.max_bytes * DRAIN_FACTOR:
            drained = await drain_body(receive, self.max_bytes * DRAIN_FACTOR)
        await send_error(send, 413, self._payload(), close=not drained)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(dict(scope["headers"]).get(b"content-length"))
        if declared is not None and declared > self.max_bytes:
            await self._refuse(receive, send, declared)
            return
        seen = 0
        started = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(receive, send)
