"""Reading a ``.traineddata`` file's header without tesseract: the component
table, the version string and what kind of model it is.

Why: tesseract trusts this file. A truncated one makes Init fail cleanly, but
offsets that run backwards make it allocate garbage sizes, and one flipped byte
in a dictionary (dawg) edge makes it read far out of bounds and segfault, not at
Init but when a word happens to walk that edge. So before a file is loaded the
component table is checked, and (``deep=True``) every dawg's edges are checked
to point inside the dawg; the subprocess probe (``_probe``) covers the rest.

Layout (tesseract ``TessdataManager``): ``int32`` entry count, then one
``int64`` offset per component (``-1`` = absent), then the components in order.
"""

from __future__ import annotations

import math
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ocrkit.backend import ModelCorruptError

__all__ = ["TraineddataInfo", "read_traineddata", "SUFFIX"]

SUFFIX = ".traineddata"

_MAX_ENTRIES = 1000  # tesseract's kMaxNumTessdataEntries
# Component indices (tesseract's TessdataType).
_LEGACY_UNICHARSET = 1
_INTTEMP = 3  # legacy classifier templates: present only where the legacy engine can run
_LSTM = 17
_LSTM_UNICHARSET = 21
_VERSION = 23
_VERSION_MAX = 4096
# Dictionary components: legacy punc/system/number/freq/bigram/unambig, LSTM punc/system/number.
_DAWGS = (6, 7, 8, 9, 14, 15, 18, 19, 20)
_DAWG_MAGIC = 42  # kDawgMagicNumber
_DAWG_FLAG_BITS = 3
# Bytes per weight above this mean float weights ("best"); int8 ("fast") models store ~1.04.
_FLOAT_BYTES_PER_WEIGHT = 2.0


@dataclass(frozen=True)
class TraineddataInfo:
    """What the header of one traineddata says."""

    size: int
    components: tuple[int, ...]  # indices of the components present
    version: str | None
    lstm: bool
    legacy: bool
    lstm_int8: bool | None  # None: no LSTM, or its header is unreadable

    @property
    def kind(self) -> str:
        """``fast`` (int8 LSTM), ``best`` (float LSTM), ``legacy``, or ``fast+legacy``/``best+legacy``
        (the tessdata repository's models carry both engines)."""
        lstm = {True: "fast", False: "best", None: "lstm"}[self.lstm_int8] if self.lstm else ""
        if lstm and self.legacy:
            return f"{lstm}+legacy"
        return lstm or ("legacy" if self.legacy else "unknown")


def _corrupt(path: Path, why: str) -> ModelCorruptError:
    return ModelCorruptError(
        f"{path} is not a usable tesseract traineddata ({why}); the file is truncated or corrupt: "
        "download it again or remove it"
    )


def _lstm_int8(fh: BinaryIO, offset: int, length: int) -> bool | None:
    """Guess int8 vs float weights from the top network's weight count (``Network::Serialize``:
    int8 type, string name, int8 training, int8 backprop, int32 flags, ni, no, num_weights)."""
    fh.seek(offset)
    head = fh.read(min(length, 256))
    try:
        (name_len,) = struct.unpack_from("<I", head, 1)
        if name_len > 64:
            return None
        (num_weights,) = struct.unpack_from("<i", head, 1 + 4 + name_len + 2 + 12)
    except struct.error:
        return None
    if num_weights <= 0:
        return None
    return length / num_weights < _FLOAT_BYTES_PER_WEIGHT


_cache: dict[tuple[str, int, int, int, bool], TraineddataInfo] = {}
_cache_lock = threading.Lock()


def read_traineddata(path: Path, deep: bool = False) -> TraineddataInfo:
    """Check *path*'s component table (and with *deep*, its dictionaries) and describe
    it; :class:`ModelCorruptError` if broken.

    Discovery reads headers only (a system tessdata may hold hundreds of files);
    loading and importing go deep. Cached per (path, size, mtime, inode).
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _corrupt(path, f"cannot stat: {exc.strerror}") from exc
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    with _cache_lock:
        hit = _cache.get((*key, True)) or (None if deep else _cache.get((*key, False)))
    if hit is not None:
        return hit
    info = _read(path, st.st_size, deep)
    with _cache_lock:
        _cache[(*key, deep)] = info
    return info


def _check_dawg(fh: BinaryIO, path: Path, index: int, start: int, length: int) -> None:
    """A squished dawg: int16 magic, int32 unicharset size, int32 edge count, then
    uint64 edges holding (next edge << flag bits+3 | flags | unichar id)."""
    fh.seek(start)
    data = fh.read(length)
    if len(data) < 10:
        raise _corrupt(path, f"dictionary component {index} is cut off")
    magic, unichars, count = struct.unpack_from("<hii", data)
    if magic != _DAWG_MAGIC or unichars <= 0 or count <= 0 or 10 + 8 * count > len(data):
        raise _corrupt(path, f"dictionary component {index} has a bad header")
    edges = np.frombuffer(data, dtype="<u8", count=count, offset=10)
    flag_start = math.ceil(math.log(unichars + 1.0) / math.log(2.0))
    next_edge = edges >> np.uint64(flag_start + _DAWG_FLAG_BITS)
    unichar = edges & np.uint64((1 << flag_start) - 1)
    if int(next_edge.max()) >= count or int(unichar.max()) > unichars:
        raise _corrupt(path, f"dictionary component {index} has edges pointing outside it")


def _read(path: Path, size: int, deep: bool) -> TraineddataInfo:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            if len(head) < 4:
                raise _corrupt(path, f"{size} bytes, too short for a header")
            (count,) = struct.unpack("<i", head)
            if not 0 < count <= _MAX_ENTRIES:
                (swapped,) = struct.unpack(">i", head)
                if not 0 < swapped <= _MAX_ENTRIES:
                    raise _corrupt(path, f"component count {count} is not plausible")
                raise _corrupt(path, "big-endian traineddata is not supported")
            table_end = 4 + 8 * count
            raw = fh.read(8 * count)
            if len(raw) < 8 * count:
                raise _corrupt(path, "the component table is cut off")
            offsets = struct.unpack(f"<{count}q", raw)
            present = [(i, off) for i, off in enumerate(offsets) if off != -1]
            if not present:
                raise _corrupt(path, "no components")
            previous = table_end - 1  # the first component may start right after the table
            for i, off in present:
                if not previous < off <= size:
                    raise _corrupt(path, f"component {i} at offset {off} lies outside {previous + 1}..{size}")
                previous = off
            if present[-1][1] >= size:
                raise _corrupt(path, "the last component is empty (file cut off)")
            ends = {i: (present[k + 1][1] if k + 1 < len(present) else size) for k, (i, _) in enumerate(present)}
            starts = dict(present)
            lstm = _LSTM in starts and _LSTM_UNICHARSET in starts
            legacy = _INTTEMP in starts and _LEGACY_UNICHARSET in starts
            if not (lstm or legacy):
                raise _corrupt(path, "neither an LSTM model nor legacy classifier data")
            version = None
            if _VERSION in starts:
                fh.seek(starts[_VERSION])
                version = fh.read(min(ends[_VERSION] - starts[_VERSION], _VERSION_MAX)).decode("utf-8", "replace")
            int8 = _lstm_int8(fh, starts[_LSTM], ends[_LSTM] - starts[_LSTM]) if lstm else None
            if deep:
                for index in _DAWGS:
                    if index in starts:
                        _check_dawg(fh, path, index, starts[index], ends[index] - starts[index])
    except OSError as exc:
        raise _corrupt(path, f"cannot read: {exc.strerror or exc}") from exc
    return TraineddataInfo(
        size=size,
        components=tuple(i for i, _ in present),
        version=(version or "").strip("\0 \n") or None,
        lstm=lstm,
        legacy=legacy,
        lstm_int8=int8,
    )
