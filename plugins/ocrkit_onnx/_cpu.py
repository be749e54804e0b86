"""Which int8 dot-product instructions this CPU has.

onnxruntime's u8 x s8 kernels are exact on CPUs with VNNI (x86 ``avx512_vnni`` /
``avx_vnni``) or ARM's dot-product extension (``asimddp``); on older x86 CPUs the
AVX2 path multiplies pairs into 16-bit sums that can saturate, so an int8 set's
accuracy there is not the accuracy measured where it was made.
"""

from __future__ import annotations

import functools
import platform
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["INT8_DOT_FLAGS", "Int8AccuracyWarning", "cpu_features", "int8_dot_product", "warn_if_unverified"]

#: Flags (as /proc/cpuinfo names them) meaning exact int8 dot products.
INT8_DOT_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp")
_REPORTED = ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "asimddp")


@functools.lru_cache(maxsize=1)
def _flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def _model_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model"):
                return value.strip()
    except OSError:
        pass
    return platform.processor() or ""


def cpu_features() -> dict[str, object]:
    """What an int8 set's manifest records about the CPU it was made and checked on."""
    flags = _flags()
    return {
        "machine": platform.machine(),
        "model": _model_name(),
        "flags": sorted(f for f in _REPORTED if f in flags),
        "int8_dot_product": int8_dot_product(),
    }


def int8_dot_product() -> bool | None:
    """True/False where /proc/cpuinfo says; None where it cannot tell (not Linux)."""
    flags = _flags()
    if not flags:
        return None
    return any(f in flags for f in INT8_DOT_FLAGS)


class Int8AccuracyWarning(UserWarning):
    """An int8 set runs on a CPU without int8 dot-product instructions, and was not
    checked on one: its accuracy there may be below what its manifest records."""


_warned: set[str] = set()
_warned_lock = threading.Lock()


def warn_if_unverified(set_name: str, quantization: Mapping[str, Any] | None) -> bool:
    """Warn once per set and process when *quantization* (an int8 set's manifest
    section) was checked on a CPU with VNNI / dot-product and this one has none.
    A set made (and so checked) on such a CPU itself declares it and is quiet."""
    if not quantization or int8_dot_product() is not False:
        return False
    made_on = quantization.get("made_on") or {}
    if isinstance(made_on, Mapping) and made_on.get("int8_dot_product") is False:
        return False  # its accuracy check ran on a CPU like this one
    with _warned_lock:
        if set_name in _warned:
            return False
        _warned.add(set_name)
    warnings.warn(
        f"int8 model set {set_name!r} was checked on a CPU with int8 dot-product instructions (VNNI) but this "
        "CPU has none: onnxruntime's u8 x s8 kernels may saturate here and read less accurately. Make the set on "
        "this machine (ocrkit models quantize) to check it here, or use the fp32 set",
        Int8AccuracyWarning,
        stacklevel=4,
    )
    return True
