"""Time spent inside onnxruntime, measured from outside the backend.

The benchmark's floor for the ONNX backend is the sum of the pure
``InferenceSession.run`` times of our own pipeline: whatever the pipeline takes
beyond that is pre/post-processing overhead. Rather than instrument the backend,
:class:`SessionRunTimer` wraps the ``run`` method of onnxruntime's
``InferenceSession`` class while it is active, so every session (created before
or after) is timed and the backend code stays as it is. Calls from several
threads add up (the floor is CPU-side work done, not wall time).

Only calls made while the timer is *armed* count (``with timer.armed(): ...``
around our pipeline's calls), so another onnxruntime user in the same process
(RapidOCR, read in turns with ours) is not counted as ours.
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


class SessionRunTimer:
    """``with SessionRunTimer() as t: ...``; ``t.seconds``, ``t.calls``; ``t.reset()``.

    Not reentrant across instances: one timer at a time per process. Armed from
    the start unless ``armed=False``; then only inside ``with t.armed():``.
    """

    def __init__(self, armed: bool = True) -> None:
        self._armed = 1 if armed else 0
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()
        self._originals: dict[str, Any] = {}
        self._cls: Any = None

    def reset(self) -> None:
        with self._lock:
            self.seconds = 0.0
            self.calls = 0

    def _add(self, seconds: float) -> None:
        with self._lock:
            if self._armed:
                self.seconds += seconds
                self.calls += 1

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
        import onnxruntime

        cls = onnxruntime.InferenceSession
        self._cls = cls
        for name in _PATCHED:
            original = getattr(cls, name, None)
            if original is None:
                continue
            self._originals[name] = cls.__dict__.get(name)  # None: inherited, delete to restore
            setattr(cls, name, self._wrap(original))
        return self

    def _wrap(self, original: Any) -> Any:
        timer = self

        def timed(session: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(session, *args, **kwargs)
            finally:
                timer._add(time.perf_counter() - start)

        timed.__wrapped__ = original  # type: ignore[attr-defined]
        return timed

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for name, own in self._originals.items():
            if own is None:
                delattr(self._cls, name)
            else:
                setattr(self._cls, name, own)
        self._originals.clear()
