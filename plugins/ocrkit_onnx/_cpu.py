"""Which int8 dot-product instructions this CPU has.

onnxruntime's u8 x s8 kernels are exact on CPUs with VNNI (x86 ``avx512_vnni`` /
``avx_vnni``) or ARM's dot-product extension (``asimddp``); on older x86 CPUs the
AVX2 path multiplies pairs into 16-bit sums that can saturate, so an int8 set's
accuracy there is not the accuracy measured where it was made.
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path

__all__ = ["INT8_DOT_FLAGS", "cpu_features", "int8_dot_product"]

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
