"""Process-level resource accounting and release, shared by every backend.

Freeing a native model returns its memory to the allocator, not always to the
operating system: glibc keeps freed heap in its arenas. ``release_memory`` asks
the allocator to give it back, so that "freed" is visible in resident memory.
The probes (resident size, open files) come from ``psutil``, a core dependency:
the service and batch runs report them too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
from functools import lru_cache
from pathlib import Path

import psutil

__all__ = ["release_memory", "rss_bytes", "open_files", "limit_malloc_arenas"]

#: ``OCRKIT_MALLOC_ARENA_MAX=0`` leaves glibc's arena count alone.
MALLOC_ARENA_ENV = "OCRKIT_MALLOC_ARENA_MAX"
_M_ARENA_MAX = -8  # glibc <malloc.h>


@lru_cache(maxsize=1)
def _malloc_trim():  # type: ignore[no-untyped-def]
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl has no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_memory() -> None:
    """Collect garbage, then return free heap pages to the OS where the allocator can."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def limit_malloc_arenas() -> bool:
    """Make threads share glibc's main malloc arena (once per process; Linux/glibc).

    Each new thread (a recognition pool, onnxruntime's intra-op threads) otherwise
    gets its own arena, and memory freed in those arenas stays resident: their top
    chunks are never trimmed (``malloc_trim`` only trims the main arena's top), so
    RSS grows with every engine opened and never comes back. With one arena,
    :func:`release_memory` returns it. Backends that allocate large native buffers
    from many threads call this before loading. ``OCRKIT_MALLOC_ARENA_MAX`` sets
    another limit (``0`` = leave glibc's default). Returns True if applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        limit = int(os.environ.get(MALLOC_ARENA_ENV, "1"))
    except ValueError:
        limit = 1
    if limit <= 0:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, limit))


def rss_bytes() -> int:
    """Resident set size of this process in bytes."""
    return int(psutil.Process().memory_info().rss)


def open_files() -> list[Path]:
    """Paths of the regular files this process holds open (not shared memory under /dev)."""
    return [Path(f.path) for f in psutil.Process().open_files() if not f.path.startswith(("/dev/", "/proc/"))]
