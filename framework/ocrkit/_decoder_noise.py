"""Decoder chatter about a corrupt file goes to the ``ocrkit.images`` logger, not stderr.

Decoding a hostile file makes Pillow warn (``Corrupt EXIF data``, ``Tag data larger
than file``), log (``More samples per pixel than can be decoded``) and its bundled
libtiff print (``TIFFReadDirectory: Failed to read directory``), before ocrkit
raises its one-line error for the same file. Inside :func:`decoder_messages_to_log`
all three go to :data:`LOGGER` at debug level. The Python hooks act only for the
thread inside the block: other threads and the user's own Pillow calls see their
warnings and records unchanged. libtiff has one process-wide handler; outside the
block its messages go to the ``PIL.TiffImagePlugin`` logger as warnings (as text:
libtiff's ``printf`` arguments cannot be formatted from Python).
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["LOGGER", "decoder_messages_to_log"]

LOGGER = logging.getLogger("ocrkit.images")

_decoding = threading.local()
_lock = threading.Lock()
_installed: dict[str, Any] = {}
_TIFF_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)


def _active() -> bool:
    return bool(getattr(_decoding, "depth", 0))


class _DecoderRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _active():
            LOGGER.debug("%s: %s", record.name, record.getMessage())
            return False
        return True


def _quiet_showwarning(shown: Callable[..., Any]) -> Callable[..., Any]:
    def showwarning(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if _active():
            LOGGER.debug("%s: %s", category.__name__, message)
            return None
        return shown(message, category, filename, lineno, file, line)

    showwarning.ocrkit_wraps = shown  # type: ignore[attr-defined]
    return showwarning


def _libtiff_message(module: bytes | None, fmt: bytes | None, _args: int | None) -> None:
    try:
        text = ": ".join(p.decode("utf-8", "replace") for p in (module, fmt) if p)
        if _active():
            LOGGER.debug("libtiff: %s", text)
        else:
            logging.getLogger("PIL.TiffImagePlugin").warning("libtiff: %s", text)
    except Exception:
        pass


def _pillow_libtiff() -> ctypes.CDLL | None:
    """Pillow's own bundled libtiff, if this process mapped one (a wheel's pillow.libs)."""
    if not sys.platform.startswith("linux"):
        return None
    import PIL

    bundled = str(Path(PIL.__file__).resolve().parent.parent / "pillow.libs")
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "libtiff" in line and bundled in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.TIFFSetErrorHandler.argtypes = lib.TIFFSetWarningHandler.argtypes = [ctypes.c_void_p]
            lib.TIFFSetErrorHandler.restype = lib.TIFFSetWarningHandler.restype = ctypes.c_void_p
        except (OSError, AttributeError):
            continue
        return lib
    return None


def _restore_libtiff(lib: ctypes.CDLL, previous: tuple[int | None, int | None]) -> None:
    lib.TIFFSetErrorHandler(previous[0])
    lib.TIFFSetWarningHandler(previous[1])


def _install() -> None:
    """Filter Pillow's loggers and route libtiff once; wrap ``warnings.showwarning``
    whenever it is not ours (a ``warnings.catch_warnings()`` block restores whatever
    it saved, so this is checked on every entry)."""
    if _installed and getattr(warnings.showwarning, "ocrkit_wraps", None) is not None:
        return
    with _lock:
        if not _installed:
            from PIL import Image

            Image.init()  # every plugin module imported: their loggers exist
            records = _DecoderRecords()
            for name in list(logging.root.manager.loggerDict):
                if name == "PIL" or name.startswith("PIL."):
                    logging.getLogger(name).addFilter(records)
            lib = _pillow_libtiff()
            if lib is not None:
                handler = _TIFF_HANDLER(_libtiff_message)
                pointer = ctypes.cast(handler, ctypes.c_void_p)
                previous = (lib.TIFFSetErrorHandler(pointer), lib.TIFFSetWarningHandler(pointer))
                _installed["libtiff"] = (lib, handler)  # the C side keeps a bare pointer
                atexit.register(_restore_libtiff, lib, previous)  # no Python callback after finalising
            _installed["records"] = records
        if getattr(warnings.showwarning, "ocrkit_wraps", None) is None:
            warnings.showwarning = _quiet_showwarning(warnings.showwarning)


@contextmanager
def decoder_messages_to_log() -> Iterator[None]:
    """Within the block, this thread's decoder warnings and messages go to :data:`LOGGER`."""
    _install()
    _decoding.depth = getattr(_decoding, "depth", 0) + 1
    try:
        yield
    finally:
        _decoding.depth -= 1
