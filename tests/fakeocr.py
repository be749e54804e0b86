"""The fake OCR backend of the test suite, for the registry, store, lifecycle and
isolation machinery (never for OCR itself: that is tested on the real backends).

It behaves like a real backend where the core can observe it: models are files
(``*.fake`` in the store; the module plugin also finds ``default`` in
``fake_models/``, as a package ships models) that it keeps open while loaded, it holds memory while loaded
(option ``ballast_mb``), it can be slow (``delay``). It "recognises" an image as
``"<layout> <width>x<height>"`` (``Page.meta["crc"]`` is the pixels' CRC-32), so
results are deterministic and checkable. With option ``ink_lines`` it is a backend of
bare lines (no layout of its own): one line per run of dark pixels, in detection order.

One plugin, two ways to register it:

- ``registry.register(fakeocr)``: the module (its hooks are the methods of
  :data:`BACKEND`); ``plugins = ("tests.fakeocr",)`` in the conformance kit;
- ``registry.register(FakeBackend())``: a fresh instance whose counters a test
  reads (``loaded``, ``freed``, ``recognize_calls``, ``active_at_free``) and whose
  ``gate`` / ``on_recognize`` it sets. It pickles as its configuration, so a
  process-isolated engine re-creates it in its child (which imports this module:
  it is on the tests' ``sys.path``).

Faults, for crash containment: a 3x3 grey image of value 66 (:func:`crash_image`)
calls ``abort()``, of value 99 dereferences NULL; option ``crash="load"`` or
``"free"`` aborts there. ``OCRKIT_FAKE_FAULT`` (comma-separated, read at import,
so a child process sees it too) plants the faults the conformance kit must catch:
``leak_memory``, ``leak_fd`` (free keeps them), ``race`` (concurrent calls mix up
results), ``crash_on_blank`` (an all-white image aborts), ``slow_strip`` (an image
100+ times wider than high takes seconds, like a page layout blowing up),
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
from collections.abc import Callable, Mapping, Sequence
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
MAGIC = b"fake model"
PACKAGE_MODELS = Path(__file__).resolve().with_name("fake_models")
FAULTS = set(filter(None, os.environ.get("OCRKIT_FAKE_FAULT", "").split(",")))
if "heavy_import" in FAULTS:
    import sqlite3  # noqa: F401  (the planted fault: a "heavy" library at import time)
SLOW_STRIP_SECONDS = 8.0
ABORT_VALUE = 66
SEGFAULT_VALUE = 99
_leaked: list[Any] = []  # what a planted leak keeps alive
_scratch: dict[str, str] = {}  # the shared buffer of the planted race


def write_model(store_dir: Path, name: str = "default", body: bytes = b" weights") -> Path:
    """Create a valid fake model file ``<name>.fake`` in *store_dir*."""
    store_dir.mkdir(parents=True, exist_ok=True)
    path = store_dir / f"{name}.fake"
    path.write_bytes(MAGIC + body)
    return path


def crash_image(value: int) -> np.ndarray:
    """The magic input that makes the fake backend crash (see module docstring)."""
    return np.full((3, 3), value, dtype=np.uint8)


def checksum(image: np.ndarray) -> str:
    """``Page.meta["crc"]`` of *image* (an ``L`` or ``RGB`` uint8 array): the pixels arrived intact."""
    return f"{zlib.crc32(np.ascontiguousarray(image).tobytes()):08x}"


def expected_text(width: int, height: int, layout: str = "page", greeting: str = "") -> str:
    """What the fake backend reads in a *width* x *height* image."""
    return f"{greeting}{layout} {width}x{height}"


class FakeBackend:
    """The fake backend as a plugin object (hooks as methods) providing backend *name*."""

    def __init__(self, name: str = NAME, requires: tuple[str, ...] = (), package_models: bool = False) -> None:
        self.name = name
        self.requires = requires
        self.package_models = package_models
        self.lock = threading.Lock()
        self.loaded: list[ModelHandle] = []
        self.freed: list[ModelHandle] = []
        self.recognize_calls = 0
        self.active = 0
        self.active_at_free: list[int] = []
        self.gate: threading.Event | None = None  # when set, recognize waits for it
        self.entered = threading.Semaphore(0)  # released once per recognize call entered
        self.on_recognize: Callable[[], None] | None = None  # runs inside each recognize call

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its configuration (a child process gets a fresh fake)."""
        return (type(self), (self.name, self.requires, self.package_models))

    def _record(self, path: Path, source: str) -> ModelRecord:
        return ModelRecord(name=path.stem, backend=self.name, path=path, source=source, format="fake",
                           size=path.stat().st_size)

    @hookimpl
    def ocrkit_describe_backend(self) -> BackendInfo:
        return BackendInfo(
            name=self.name,
            version="1.2.3",
            description="deterministic fake backend for the lifecycle machinery",
            capabilities=frozenset({"page", "line", "threadsafe"}),
            model_formats=("fake",),
            options=(
                OptionSpec("greeting", "str", "", "text prepended to every line"),
                OptionSpec("repeat", "int", 1, "lines per page"),
                OptionSpec("delay", "float", 0.0, "seconds each image takes"),
                OptionSpec("ballast_mb", "int", 32, "memory held while loaded"),
                OptionSpec("crash", "str", "", "'load' or 'free': abort() there (crash containment tests)"),
                OptionSpec("odd_meta", "bool", False, "put an unpicklable object in Page.meta"),
                OptionSpec("ink_lines", "bool", False, "bare lines: one line per run of ink, in detection order"),
            ),
            requires=self.requires,
            install_hint="pip install fake-ocr",
        )

    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord] | None:
        if backend != self.name:
            return None
        found = [self._record(p, "store") for p in sorted(store_dir.glob("*.fake"))] if store_dir.is_dir() else []
        if "ignore_store" in FAULTS:
            found = []
        if self.package_models:
            found += [self._record(p, "package") for p in sorted(PACKAGE_MODELS.glob("*.fake"))]
        return found

    @hookimpl
    def ocrkit_load_model(
        self, backend: str, model: str | None, models: Sequence[ModelRecord], options: Mapping[str, Any]
    ) -> ModelHandle | None:
        if backend != self.name:
            return None
        name = model or "default"
        chosen = [r for r in models if r.name == name]
        if not chosen:
            raise ModelNotFoundError(f"no fake model {name!r}", [r.name for r in models])
        record = chosen[0]
        if options.get("crash") == "load":
            os.abort()
        fh = open(record.path, "rb")
        if fh.read(len(MAGIC)) != MAGIC:
            fh.close()
            raise ModelCorruptError(f"{record.path} is not a fake model (bad magic)")
        state = {
            "file": fh, "ballast": np.ones(int(options.get("ballast_mb", 32)) << 20, dtype=np.uint8),
            "delay": float(options.get("delay", 0.0)), "closed": False, "lock": threading.Lock(),
        }
        if "thread_leak" in FAULTS:  # a worker nobody stops at free
            worker = threading.Thread(target=threading.Event().wait, daemon=True, name="fake-leaked-worker")
            worker.start()
            _leaked.append(worker)
        handle = ModelHandle(backend=self.name, name=name, models=(record,), state=state, options=options)
        with self.lock:
            self.loaded.append(handle)
        return handle

    @hookimpl
    def ocrkit_recognize(self, handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
        state = handle.state
        if state is None or state["closed"]:  # the engine must never let this happen
            raise AssertionError("fake backend: recognize called on a freed handle")
        with self.lock:
            self.recognize_calls += 1
            self.active += 1
        self.entered.release()
        try:
            if self.on_recognize is not None:
                self.on_recognize()
            if self.gate is not None:
                self.gate.wait(30)
            return [self._read(img, layout, handle.options, state["delay"]) for img in images]
        finally:
            with self.lock:
                self.active -= 1

    def _read(self, img: PageImage, layout: str, options: Mapping[str, Any], delay: float) -> Page:
        arr = img.array
        if arr.shape == (3, 3) and (arr == ABORT_VALUE).all():
            os.abort()
        if arr.shape == (3, 3) and (arr == SEGFAULT_VALUE).all():
            ctypes.string_at(0)
        if "crash_on_blank" in FAULTS and arr.size and (arr == 255).all():
            os.abort()
        if delay:
            time.sleep(delay)
        if "slow_strip" in FAULTS and arr.shape[1] >= 100 * arr.shape[0]:
            time.sleep(SLOW_STRIP_SECONDS)
        meta: dict[str, Any] = {"pid": os.getpid(), "layout": layout, "crc": checksum(arr)}
        if options.get("odd_meta"):
            meta["callback"] = lambda: None
        if "empty_page" in FAULTS and layout == "page":
            return Page(img.width, img.height, meta=meta)
        if options.get("ink_lines") and layout == "page":
            return Page(img.width, img.height, [Block(ink_lines(arr))], meta=meta)
        text = expected_text(img.width, img.height, layout, options.get("greeting", ""))
        if "race" in FAULTS:  # a shared buffer, as in a backend that is not really threadsafe
            _scratch["text"] = text
            time.sleep(0.002)
            text = _scratch["text"]
        box = (0, 0, img.width, img.height)
        lines = [Line(text, 0.9, box, [Word(w, 0.9, box) for w in text.split()])
                 for _ in range(int(options.get("repeat", 1)))]
        return Page(img.width, img.height, [Block(lines)], meta=meta)

    @hookimpl
    def ocrkit_free_model(self, handle: ModelHandle) -> bool:
        with self.lock:
            self.active_at_free.append(self.active)
            self.freed.append(handle)
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


def _runs(ink: np.ndarray, min_gap: int = 1) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in *ink*, runs closer than *min_gap* merged."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ink.astype(np.int8), [0]))))
    runs: list[tuple[int, int]] = []
    for start, end in zip(edges[::2].tolist(), edges[1::2].tolist()):
        if runs and start - runs[-1][1] < min_gap:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def ink_lines(pixels: np.ndarray) -> list[Line]:
    """Bare lines the way a detector without layout returns them: each horizontal band
    of dark pixels cut at gaps wider than its height, band after band (so two columns
    on one baseline grid come out interleaved); a line's text is ``"x0,y0"``."""
    grey = pixels if pixels.ndim == 2 else pixels[..., :3].mean(axis=2)
    dark = grey < 128
    lines = []
    for y0, y1 in _runs(dark.any(axis=1)):
        for x0, x1 in _runs(dark[y0:y1].any(axis=0), min_gap=y1 - y0):
            text = f"{x0},{y0}"
            lines.append(Line(text, 0.9, (x0, y0, x1, y1), [Word(text, 0.9, (x0, y0, x1, y1))]))
    return lines


#: The module as a plugin: ``registry.register(fakeocr)`` registers these hooks.
BACKEND = FakeBackend(requires=("sqlite3",) if "heavy_import" in FAULTS else (), package_models=True)
ocrkit_describe_backend = BACKEND.ocrkit_describe_backend
ocrkit_discover_models = BACKEND.ocrkit_discover_models
ocrkit_load_model = BACKEND.ocrkit_load_model
ocrkit_recognize = BACKEND.ocrkit_recognize
ocrkit_free_model = BACKEND.ocrkit_free_model
