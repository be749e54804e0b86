"""A fake OCR backend for the lifecycle machinery (isolation, concurrency, the kit).

It "recognises" an image as a deterministic description of its pixels, so a
correct result is checkable. Like a real backend it keeps its model file open and
holds memory while loaded (``ballast_mb``), and it can be told to be slow
(``delay``). Two magic inputs crash it natively, to test crash containment:
a 3x3 grey image of value 66 calls ``abort()``, of value 99 dereferences NULL;
option ``crash="load"`` or ``"free"`` aborts there.

``OCRKIT_FAKE_FAULT`` (comma-separated) plants the faults the conformance kit must
catch: ``leak_memory``, ``leak_fd`` (free keeps them), ``race`` (concurrent calls
mix up results), ``crash_on_blank`` (an all-white image aborts), ``slow_strip`` (an
image 100+ times wider than high takes seconds, like a page layout blowing up),
``thread_leak`` (load starts a thread free never stops), ``heavy_import`` (the module
imports a library it lists in ``requires`` at import time), ``empty_page`` (layout
``page`` always returns an empty page), ``ignore_store`` (store copies are never
reported, so an imported model is not the one loaded).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ocrkit.backend import (
    BackendInfo,
    Block,
    Line,
    ModelCorruptError,
    ModelHandle,
    ModelNotFoundError,
    ModelRecord,
    OptionSpec,
    Page,
    PageImage,
    Word,
    hookimpl,
)

NAME = "fake"
PACKAGE_MODELS = Path(__file__).with_name("fake_models")
FAULTS = set(filter(None, os.environ.get("OCRKIT_FAKE_FAULT", "").split(",")))
if "heavy_import" in FAULTS:
    import sqlite3  # noqa: F401  (the planted fault: a "heavy" library at import time)
SLOW_STRIP_SECONDS = 8.0
_leaked: list[Any] = []
_scratch: dict[str, str] = {}
ABORT_VALUE = 66
SEGFAULT_VALUE = 99


def crash_image(value: int) -> np.ndarray:
    """The magic input that makes the fake backend crash (see module docstring)."""
    return np.full((3, 3), value, dtype=np.uint8)


def expected_text(image: np.ndarray) -> str:
    """What the fake backend returns for *image* (an ``L`` or ``RGB`` uint8 array)."""
    arr = np.ascontiguousarray(image)
    mode = "L" if arr.ndim == 2 else "RGB"
    return f"fake {mode} {arr.shape[1]}x{arr.shape[0]} crc {zlib.crc32(arr.tobytes()):08x}"


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    return BackendInfo(
        name=NAME,
        version="1.0",
        description="deterministic fake backend for lifecycle tests",
        capabilities=frozenset({"page", "line", "threadsafe"}),
        model_formats=("fake",),
        requires=("sqlite3",) if "heavy_import" in FAULTS else (),
        options=(
            OptionSpec("delay", "float", 0.0, "seconds each image takes"),
            OptionSpec("ballast_mb", "int", 32, "memory held while loaded"),
            OptionSpec("crash", "str", "", "'load' or 'free': abort() there (crash containment tests)"),
            OptionSpec("odd_meta", "bool", False, "put an unpicklable object in Page.meta"),
        ),
    )


def _record(path: Path, source: str) -> ModelRecord:
    return ModelRecord(name=path.stem, backend=NAME, path=path, source=source, format="fake", size=path.stat().st_size)


@hookimpl
def ocrkit_discover_models(backend: str, store_dir: Path) -> list[ModelRecord] | None:
    if backend != NAME:
        return None
    found = [_record(p, "store") for p in sorted(store_dir.glob("*.fake"))] if store_dir.is_dir() else []
    if "ignore_store" in FAULTS:
        found = []
    return found + [_record(p, "package") for p in sorted(PACKAGE_MODELS.glob("*.fake"))]


@hookimpl
def ocrkit_load_model(backend: str, model: str | None, models: list[ModelRecord], options: dict[str, Any]):
    if backend != NAME:
        return None
    name = model or "default"
    chosen = [r for r in models if r.name == name]
    if not chosen:
        raise ModelNotFoundError(f"no fake model {name!r}", [r.name for r in models])
    record = chosen[0]
    if options.get("crash") == "load":
        os.abort()
    fh = open(record.path, "rb")  # held while loaded, like a mapped model file
    if not fh.read(10) == b"fake model":
        fh.close()
        raise ModelCorruptError(f"{record.path} is not a fake model")
    ballast = np.ones(int(options.get("ballast_mb", 32)) * (1 << 20), dtype=np.uint8)
    state = {"file": fh, "ballast": ballast, "delay": float(options.get("delay", 0.0)), "closed": False,
             "lock": threading.Lock()}
    if "thread_leak" in FAULTS:  # a worker nobody stops at free
        worker = threading.Thread(target=threading.Event().wait, daemon=True, name="fake-leaked-worker")
        worker.start()
        _leaked.append(worker)
    return ModelHandle(backend=NAME, name=name, models=(record,), state=state, options=options)


@hookimpl
def ocrkit_recognize(handle: ModelHandle, images: list[PageImage], layout: str) -> list[Page]:
    state = handle.state
    pages = []
    for img in images:
        arr = img.array
        if arr.shape == (3, 3) and (arr == ABORT_VALUE).all():
            os.abort()
        if arr.shape == (3, 3) and (arr == SEGFAULT_VALUE).all():
            ctypes.string_at(0)
        if "crash_on_blank" in FAULTS and arr.size and (arr == 255).all():
            os.abort()
        if state["delay"]:
            time.sleep(state["delay"])
        if "slow_strip" in FAULTS and arr.shape[1] >= 100 * arr.shape[0]:
            time.sleep(SLOW_STRIP_SECONDS)
        if "empty_page" in FAULTS and layout == "page":
            pages.append(Page(img.width, img.height))
            continue
        if state["closed"]:  # the engine must never let this happen
            raise AssertionError("fake backend: recognize after free")
        text = expected_text(arr)
        if "race" in FAULTS:  # a shared buffer, as in a backend that is not really threadsafe
            _scratch["text"] = text
            time.sleep(0.002)
            text = _scratch["text"]
        box = (0, 0, img.width, img.height)
        words = [Word(w, 0.9, box) for w in text.split()]
        meta: dict[str, Any] = {"pid": os.getpid(), "layout": layout}
        if handle.options.get("odd_meta"):
            meta["callback"] = lambda: None
        pages.append(Page(img.width, img.height, [Block([Line(text, 0.9, box, words)])], text=text, meta=meta))
    return pages


@hookimpl
def ocrkit_free_model(handle: ModelHandle) -> bool:
    state = handle.state
    if state is None:
        return True
    if handle.options.get("crash") == "free":
        os.abort()
    with state["lock"]:
        state["closed"] = True
        if "leak_fd" in FAULTS:
            _leaked.append(state["file"])
        else:
            state["file"].close()
        if "leak_memory" in FAULTS:
            _leaked.append(state["ballast"])
        state["ballast"] = None
    return True
