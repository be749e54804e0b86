"""Flush-to-zero for model calls, on the calling thread only and only for the call.

PP-OCR's detector produces denormal floats on ordinary pages (the background of
its probability map), and x86 CPUs compute with denormals many times slower: the
PP-OCRv6 detector runs 3x faster on a receipt with flush-to-zero/denormals-are-zero
set. onnxruntime's ``session.set_denormal_as_zero`` sets the mode for its intra-op
pool threads, but the calling thread (which computes its share of every parallel
loop) is only set once per process, permanently, on whichever thread creates the
first session: a side effect on a user's thread. So the mode is set here around
each call and restored afterwards, through C99 ``fegetenv``/``fesetenv``.

Supported where the ``fenv_t`` layout is known: glibc/musl on x86-64 (MXCSR
FTZ|DAZ) and aarch64 (FPCR.FZ). Elsewhere :func:`denormals_flushed` is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

__all__ = ["denormals_flushed", "mode_preserved", "supported"]

_ENV_BYTES = 64  # larger than fenv_t on every supported platform


@lru_cache(maxsize=1)
def _fenv() -> tuple[ctypes.CDLL, int, int] | None:
    """(libm, byte offset of the control word in fenv_t, bits to set), verified."""
    if not sys.platform.startswith("linux"):
        return None
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        offset, bits = 28, 0x8040  # fenv_t.__mxcsr: FTZ (bit 15) | DAZ (bit 6)
    elif machine in ("aarch64", "arm64"):
        offset, bits = 0, 1 << 24  # fenv_t.__fpcr: FZ
    else:
        return None
    try:
        libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        libm.fegetenv.argtypes = [ctypes.c_void_p]
        libm.fesetenv.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    saved = ctypes.create_string_buffer(_ENV_BYTES)
    if libm.fegetenv(saved) != 0:
        return None
    try:
        _write(libm, saved, offset, bits)
        probe = ctypes.create_string_buffer(_ENV_BYTES)
        libm.fegetenv(probe)
        ok = _word(probe, offset) & bits == bits
    finally:
        libm.fesetenv(saved)
    return (libm, offset, bits) if ok else None


def _word(buf: ctypes.Array, offset: int) -> int:
    return int.from_bytes(buf.raw[offset : offset + 4], "little")


def _write(libm: ctypes.CDLL, env: ctypes.Array, offset: int, bits: int) -> None:
    changed = ctypes.create_string_buffer(env.raw, _ENV_BYTES)
    word = (_word(env, offset) | bits).to_bytes(4, "little")
    ctypes.memmove(ctypes.addressof(changed) + offset, word, 4)
    libm.fesetenv(changed)


def supported() -> bool:
    """Whether this platform's floating-point mode can be switched."""
    return _fenv() is not None


@contextmanager
def denormals_flushed(enabled: bool = True) -> Iterator[None]:
    """Run the block with denormals flushed to zero on this thread, then restore the mode."""
    fenv = _fenv() if enabled else None
    if fenv is None:
        yield
        return
    libm, offset, bits = fenv
    saved = ctypes.create_string_buffer(_ENV_BYTES)
    libm.fegetenv(saved)
    _write(libm, saved, offset, bits)
    try:
        yield
    finally:
        libm.fesetenv(saved)


@contextmanager
def mode_preserved() -> Iterator[None]:
    """Restore this thread's floating-point mode after the block, whatever it changed
    (onnxruntime sets or clears flush-to-zero on the thread creating its first session)."""
    fenv = _fenv()
    if fenv is None:
        yield
        return
    libm = fenv[0]
    saved = ctypes.create_string_buffer(_ENV_BYTES)
    libm.fegetenv(saved)
    try:
        yield
    finally:
        libm.fesetenv(saved)
