"""Time spent inside onnxruntime, measured from outside the pipelines.

The benchmark's floor for the ONNX backend is the sum of the pure
``InferenceSession.run`` times of our own pipeline: whatever the pipeline takes
beyond that is pre/post-processing overhead. Rather than instrument the backend,
:class:`SessionRunTimer` wraps the ``run`` method of onnxruntime's
``InferenceSession`` class while any timer is active, so every session (created
before or after) is timed and the backend code stays as it is. Calls from
several threads add up (the floor is work done, not wall time).

Only calls made while a timer is *armed* count for it (``with timer.armed():``
around one pipeline's calls), so two onnxruntime users in the same process (our
backend and RapidOCR, reading in turns) each get their own figure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

__all__ = ["SessionRunTimer"]

_PATCHED = ("run", "run_with_ort_values")
_lock = threading.Lock()
_active: list[SessionRunTimer] = []
_saved: dict[str, Any] = {}  # name -> the class's own attribute (None: inherited)


def _wrap(original: Any) -> Any:
    def timed(session: Any, *args: Any, **kwargs: Any) -> Any:
        # One pair of timestamps feeds both the summed and the busy time, so the
        # busy (union) time can never exceed the sum by measurement jitter.
        start = time.perf_counter()
        counting = [timer for timer in list(_active) if timer._begin(start)]
        try:
            return original(session, *args, **kwargs)
        finally:
            end = time.perf_counter()
            for timer in counting:
                timer._end(start, end)

    timed.__wrapped__ = original  # type: ignore[attr-defined]
    return timed


def _install() -> None:
    import onnxruntime

    cls = onnxruntime.InferenceSession
    for name in _PATCHED:
        original = getattr(cls, name, None)
        if original is not None:
            _saved[name] = cls.__dict__.get(name)
            setattr(cls, name, _wrap(original))


def _uninstall() -> None:
    import onnxruntime

    cls = onnxruntime.InferenceSession
    for name, own in _saved.items():
        if own is None:
            delattr(cls, name)
        else:
            setattr(cls, name, own)
    _saved.clear()


class SessionRunTimer:
    """``with SessionRunTimer() as t: ...``; then ``t.seconds`` (summed over calls),
    ``t.busy_seconds`` (wall time during which at least one call ran: the two
    differ when calls run concurrently), ``t.calls``; ``t.reset()``.

    Armed from the start unless ``armed=False``; then it counts only inside
    ``with t.armed():``. Several timers may be active at once.
    """

    def __init__(self, armed: bool = True) -> None:
        self._armed = 1 if armed else 0
        self.seconds = 0.0
        self.busy_seconds = 0.0
        self.calls = 0
        self._inflight = 0
        self._busy_since = 0.0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self in _active

    def reset(self) -> None:
        with self._lock:
            self.seconds = 0.0
            self.busy_seconds = 0.0
            self.calls = 0
            if self._inflight:
                self._busy_since = time.perf_counter()

    def _begin(self, start: float) -> bool:
        """A call starts at *start*; True if this timer counts it (armed)."""
        with self._lock:
            if not self._armed:
                return False
            if self._inflight == 0:
                self._busy_since = start
            else:
                self._busy_since = min(self._busy_since, start)
            self._inflight += 1
            return True

    def _end(self, start: float, end: float) -> None:
        with self._lock:
            self.seconds += end - start
            self.calls += 1
            self._inflight -= 1
            if self._inflight == 0:
                self.busy_seconds += end - self._busy_since

    @contextmanager
    def armed(self) -> Iterator[None]:
        """Count the calls made (from any thread) until the block ends."""
        with self._lock:
            self._armed += 1
        try:
            yield
        finally:
            with self._lock:
                self._armed -= 1

    def __enter__(self) -> SessionRunTimer:
        with _lock:
            if not _active:
                _install()
            _active.append(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with _lock:
            if self in _active:
                _active.remove(self)
                if not _active:
                    _uninstall()
