"""Concurrency checks shared by the conformance kit and ocrkit's own stress tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ResourcesFreedError
from ..results import Page

__all__ = ["comparable", "BusyFreeOutcome", "free_while_busy", "recognize_concurrently"]


def comparable(page: Page) -> tuple[Any, ...]:
    """What must be identical between two recognitions of the same image: the text,
    and each line's text and box (confidences to 3 decimals; ``meta`` is free)."""
    return (
        page.width,
        page.height,
        page.text,
        tuple((ln.text, tuple(ln.bbox), round(float(ln.confidence), 3)) for ln in page.lines),
    )


def recognize_concurrently(
    engine: Any, images: Sequence[Any], threads: int = 8, rounds: int = 2, layout: str = "page",
    timeout: float = 300.0,
) -> list[list[tuple[int, Page]]]:
    """Every thread recognises every image *rounds* times, all starting together, each
    thread at a different image (so a backend that mixes up concurrent calls shows).

    Returns, per thread, ``(image index, page)`` pairs. Raises the first error a thread
    met, or ``TimeoutError`` if a thread did not finish.
    """
    barrier = threading.Barrier(threads)
    results: list[list[tuple[int, Page]]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            for r in range(rounds):
                for k in range(len(images)):  # threads start on different images
                    index = (slot + r + k) % len(images)
                    results[slot].append((index, engine.recognize(images[index], layout=layout)))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,), name=f"ocrkit-conc-{i}", daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + timeout
    for w in workers:
        w.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(w.is_alive() for w in workers):
        raise TimeoutError(f"concurrent recognition did not finish within {timeout:.0f} s")
    if errors:
        raise errors[0]
    return results


@dataclass
class BusyFreeOutcome:
    """What happened when ``free_resources()`` ran while threads were recognising."""

    correct: int = 0
    freed_errors: int = 0
    wrong: list[str] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    hung: int = 0
    free_seconds: float = 0.0
    calls_after_free_raised: bool = False

    @property
    def ok(self) -> bool:
        return not self.wrong and not self.unexpected and not self.hung and self.calls_after_free_raised

    def describe(self) -> str:
        parts = [f"{self.correct} correct results", f"{self.freed_errors} ResourcesFreedError"]
        if self.wrong:
            parts.append(f"{len(self.wrong)} WRONG results (first: {self.wrong[0]})")
        if self.unexpected:
            first = self.unexpected[0]
            parts.append(f"{len(self.unexpected)} unexpected errors (first: {type(first).__name__}: {first})")
        if self.hung:
            parts.append(f"{self.hung} threads HUNG")
        if not self.calls_after_free_raised:
            parts.append("a call after free did NOT raise ResourcesFreedError")
        parts.append(f"free took {self.free_seconds:.2f} s")
        return ", ".join(parts)


def free_while_busy(
    engine: Any,
    images: Sequence[Any],
    expected: Sequence[tuple[Any, ...]],
    *,
    threads: int = 8,
    free_after: int = 2,
    layout: str = "page",
    timeout: float = 120.0,
    key: Callable[[Page], tuple[Any, ...]] = comparable,
) -> BusyFreeOutcome:
    """*threads* threads recognise *images* in a loop; another thread frees the engine
    once *free_after* results are in (0: as soon as the threads start).

    Every call must return the result ``expected[i]`` for ``images[i]`` or raise
    :class:`ResourcesFreedError`; every thread must finish within *timeout*.
    """
    outcome = BusyFreeOutcome()
    lock = threading.Lock()
    enough = threading.Event()
    start = threading.Barrier(threads + 1)
    if free_after <= 0:
        enough.set()

    def work(slot: int) -> None:
        try:
            start.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            return
        i = slot
        while True:
            index = i % len(images)
            i += 1
            try:
                page = engine.recognize(images[index], layout=layout)
            except ResourcesFreedError:
                with lock:
                    outcome.freed_errors += 1
                return
            except BaseException as exc:
                with lock:
                    outcome.unexpected.append(exc)
                enough.set()
                return
            with lock:
                if key(page) == expected[index]:
                    outcome.correct += 1
                else:
                    outcome.wrong.append(f"image {index}: {page.text[:80]!r}")
                if outcome.correct + len(outcome.wrong) >= free_after:
                    enough.set()

    def free() -> None:
        start.wait(timeout=timeout)
        enough.wait(timeout=timeout)
        began = time.monotonic()
        engine.free_resources()
        outcome.free_seconds = time.monotonic() - began

    workers = [threading.Thread(target=work, args=(i,), name=f"ocrkit-busy-{i}", daemon=True) for i in range(threads)]
    freer = threading.Thread(target=free, name="ocrkit-busy-free", daemon=True)
    for t in (*workers, freer):
        t.start()
    deadline = time.monotonic() + timeout
    for t in (*workers, freer):
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    outcome.hung = sum(t.is_alive() for t in (*workers, freer))
    if not outcome.hung:
        try:
            engine.recognize(images[0], layout=layout)
        except ResourcesFreedError:
            outcome.calls_after_free_raised = True
        except BaseException as exc:
            outcome.unexpected.append(exc)
    return outcome
