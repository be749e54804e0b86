"""A fake OCR backend for the registry, lifecycle and store machinery.

It behaves like a real one where the core can observe it: models are files in
the store that it opens (an fd held while loaded), recognition can be held at a
gate so tests can free an engine mid-call, and every hook call is recorded.
It "recognises" by describing the image (``"page 566x80"``), so results are
deterministic and checkable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

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

MAGIC = b"FAKEMODEL"


def write_model(store_dir: Path, name: str = "default", body: bytes = b"weights") -> Path:
    """Create a valid fake model file ``<name>.fake`` in *store_dir*."""
    store_dir.mkdir(parents=True, exist_ok=True)
    path = store_dir / f"{name}.fake"
    path.write_bytes(MAGIC + body)
    return path


def expected_text(image: PageImage, layout: str) -> str:
    return f"{layout} {image.width}x{image.height}"


class FakeBackend:
    """Plugin object (hooks as methods) providing backend *name*."""

    def __init__(self, name: str = "fake", requires: tuple[str, ...] = ()) -> None:
        self.name = name
        self.requires = requires
        self.lock = threading.Lock()
        self.loaded: list[ModelHandle] = []
        self.freed: list[ModelHandle] = []
        self.recognize_calls = 0
        self.active = 0
        self.active_at_free: list[int] = []
        self.gate: threading.Event | None = None  # when set, recognize waits for it
        self.entered = threading.Semaphore(0)  # released once per recognize call entered
        self.on_recognize: Callable[[], None] | None = None  # runs inside each recognize call

    @hookimpl
    def ocrkit_describe_backend(self) -> BackendInfo:
        return BackendInfo(
            name=self.name,
            version="1.2.3",
            description="fake backend for tests",
            capabilities=frozenset({"page", "line", "threadsafe"}),
            model_formats=("fake",),
            options=(
                OptionSpec("greeting", "str", "", "text prepended to every line"),
                OptionSpec("repeat", "int", 1, "lines per page"),
            ),
            requires=self.requires,
            install_hint="pip install fake-ocr",
        )

    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord] | None:
        if backend != self.name or not store_dir.is_dir():
            return None
        return [
            ModelRecord(name=p.stem, backend=self.name, path=p, source="store", format="fake", size=p.stat().st_size)
            for p in sorted(store_dir.glob("*.fake"))
        ]

    @hookimpl
    def ocrkit_load_model(
        self, backend: str, model: str | None, models: Sequence[ModelRecord], options: Mapping[str, Any]
    ) -> ModelHandle | None:
        if backend != self.name:
            return None
        chosen = [m for m in models if model is None or m.name == model]
        if not chosen:
            raise ModelNotFoundError(f"no fake model {model!r}", [m.name for m in models])
        record = chosen[0]
        fh = open(record.path, "rb")  # noqa: SIM115 - held while loaded, like a real model
        if fh.read(len(MAGIC)) != MAGIC:
            fh.close()
            raise ModelCorruptError(f"{record.path} is not a fake model (bad magic)")
        handle = ModelHandle(backend=self.name, name=record.name, models=(record,), state={"fh": fh}, options=options)
        with self.lock:
            self.loaded.append(handle)
        return handle

    @hookimpl
    def ocrkit_recognize(self, handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
        state = handle.state
        if state is None or state["fh"].closed:
            raise AssertionError("recognize called on a freed handle: the engine let a call through")
        with self.lock:
            self.recognize_calls += 1
            self.active += 1
        self.entered.release()
        try:
            if self.on_recognize is not None:
                self.on_recognize()
            if self.gate is not None:
                self.gate.wait(30)
            greeting = handle.options.get("greeting", "")
            pages = []
            for img in images:
                text = greeting + expected_text(img, layout)
                box = (0, 0, img.width, img.height)
                lines = [
                    Line(text=text, confidence=0.9, bbox=box, words=[Word(w, 0.9, box) for w in text.split()])
                    for _ in range(int(handle.options.get("repeat", 1)))
                ]
                pages.append(Page(width=img.width, height=img.height, blocks=[Block(lines=lines)]))
            return pages
        finally:
            with self.lock:
                self.active -= 1

    @hookimpl
    def ocrkit_free_model(self, handle: ModelHandle) -> bool:
        with self.lock:
            self.active_at_free.append(self.active)
            self.freed.append(handle)
        if handle.state is not None:
            handle.state["fh"].close()
        return True
