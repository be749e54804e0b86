"""Leptonica's messages go to the ``ocrkit.tesseract`` logger, not to stderr.

Leptonica prints lines such as ``Error in boxClipToRectangle: box outside
rectangle`` for conditions tesseract handles itself (3 of 100 SROIE receipts),
which breaks "one error line per bad input" for a CLI user and is noise for a
library user. Leptonica lets a program replace its stderr writer
(``leptSetStderrHandler``); tesserocr does not expose it, so it is set here through
ctypes on the leptonica that tesserocr loaded, once per process.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import logging
import sys
import threading
from typing import Any

__all__ = ["route_messages_to_logging", "LOGGER"]

LOGGER = logging.getLogger("ocrkit.tesseract")

_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _loaded_leptonica() -> ctypes.CDLL | None:
    """The leptonica library already mapped into this process (tesserocr's own copy
    in a wheel), else the system one; ``None`` if neither offers the handler."""
    candidates: list[str] = []
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                candidates = sorted({line.split()[-1] for line in maps if "libleptonica" in line or "liblept." in line})
        except OSError:
            pass
    for name in ("leptonica", "lept"):
        found = ctypes.util.find_library(name)
        if found:
            candidates.append(found)
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            lib.leptSetStderrHandler  # noqa: B018 - the symbol must exist (leptonica >= 1.76)
        except (OSError, AttributeError):
            continue
        return lib
    return None


def _log_message(message: bytes | None) -> None:
    try:
        text = (message or b"").decode("utf-8", "replace").rstrip()
        if text:
            LOGGER.debug("leptonica: %s", text)
    except Exception:
        pass


def _restore_stderr(lib: ctypes.CDLL) -> None:
    # No Python callback may run once the interpreter is finalising.
    lib.leptSetStderrHandler(_HANDLER_TYPE())  # a NULL pointer: leptonica writes to stderr again


def route_messages_to_logging() -> bool:
    """Send leptonica's messages to :data:`LOGGER` (debug level); ``True`` if done.

    Call after tesserocr is imported (so its leptonica is the one found)."""
    with _lock:
        if "lib" in _state:
            return _state["lib"] is not None
        lib = _loaded_leptonica()
        _state["lib"] = lib
        if lib is None:
            return False
        handler = _HANDLER_TYPE(_log_message)
        _state["handler"] = handler  # the C side keeps a bare pointer: keep the object alive
        lib.leptSetStderrHandler.argtypes = [_HANDLER_TYPE]
        lib.leptSetStderrHandler(handler)
        atexit.register(_restore_stderr, lib)
        return True
