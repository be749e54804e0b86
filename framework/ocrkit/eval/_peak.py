"""Peak resident memory of this process over a stretch of code.

On Linux the kernel tracks the high-water mark (``VmHWM``) and lets a process
reset it (``echo 5 > /proc/self/clear_refs``), which is exact and free. Where
that is not possible a background thread samples the resident size every few
milliseconds instead (it can miss a short spike; the report says which method
was used).
"""

from __future__ import annotations

import threading
from types import TracebackType

from .._memory import rss_bytes

__all__ = ["PeakMemory"]

_STATUS = "/proc/self/status"
_CLEAR_REFS = "/proc/self/clear_refs"


def _read_hwm() -> int | None:
    try:
        with open(_STATUS, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open(_CLEAR_REFS, "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return _read_hwm() is not None


class PeakMemory:
    """``with PeakMemory() as peak: ...``; then ``peak.before``, ``peak.peak`` (bytes)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.before = 0
        self.peak = 0
        self.method = ""
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        self.before = rss_bytes()
        self.peak = self.before
        if _reset_hwm():
            self.method = "vmhwm"
        else:
            self.method = "sampled"
            self._sampler = threading.Thread(target=self._sample, name="ocrkit-peak-rss", daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def current_peak(self) -> int:
        """The peak so far (callable inside the block)."""
        if self.method == "vmhwm":
            return max(self.peak, _read_hwm() or 0)
        return max(self.peak, rss_bytes())

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._sampler is not None:
            self._stop.set()
            self._sampler.join()
        self.peak = self.current_peak()
