"""Fixtures for the core tests: a spying registry, and the
backend cases the lifecycle tests run on (the fake one and every real backend)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ocrkit
from ocrkit import Engine, Page, Registry
from ocrkit._records import ModelHandle
from ocrkit.images import PageImage

from fakeocr import FakeBackend, write_model

TESTS = Path(__file__).resolve().parent.parent
LINE_IMAGE = TESTS / "data" / "line_hello.png"
REAL_BACKENDS = ("tesseract", "onnx")


class SpyRegistry(Registry):
    """A registry that counts recognitions in flight and records what ``free`` saw.

    Works for any backend, so lifecycle guarantees (free waits for in-flight
    calls, frees exactly once) are checked on the real backends too. ``gate``
    holds recognitions before they reach the backend.
    """

    def __init__(self, autoload: bool) -> None:
        super().__init__(autoload=autoload)
        self.spy_lock = threading.Lock()
        self.in_flight = 0
        self.in_flight_at_free: list[int] = []
        self.freed_handles: list[ModelHandle] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Semaphore(0)

    def recognize(self, handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
        with self.spy_lock:
            self.in_flight += 1
        self.entered.release()
        try:
            if self.gate is not None:
                self.gate.wait(30)
            return super().recognize(handle, images, layout)
        finally:
            with self.spy_lock:
                self.in_flight -= 1

    def free(self, handle: ModelHandle) -> None:
        with self.spy_lock:
            self.in_flight_at_free.append(self.in_flight)
            self.freed_handles.append(handle)
        super().free(handle)


@dataclass
class BackendCase:
    """One backend the lifecycle tests run on."""

    name: str
    registry: SpyRegistry
    image: Path
    check: Callable[[Page], None]

    def open(self, **kwargs: Any) -> Engine:
        return ocrkit.open(self.name, registry=self.registry, **kwargs)


def _check_fake(page: Page) -> None:
    assert page.text == "page 566x80"
    assert (page.width, page.height) == (566, 80)


def _check_real(page: Page) -> None:
    assert (page.width, page.height) == (566, 80)
    assert "world" in page.text.lower(), f"unexpected text {page.text!r}"
    assert page.lines and all(0.0 <= ln.confidence <= 1.0 for ln in page.lines)


def _real_case(name: str) -> BackendCase:
    """A case for a real backend, or a skip saying why it cannot run yet."""
    registry = SpyRegistry(autoload=True)
    try:
        status = registry.backend(name)
    except ocrkit.OcrkitError as exc:
        pytest.skip(f"backend {name!r} is not registered here: {exc}")
    if status.status != "ok":
        pytest.skip(f"backend {name!r} is {status.status} here: {status.reason}")
    implemented = {impl.plugin_name for impl in registry.pm.hook.ocrkit_load_model.get_hookimpls()}
    if status.plugin not in implemented:
        pytest.skip(f"backend {name!r} is still a placeholder: its plugin does not implement ocrkit_load_model yet")
    return BackendCase(name, registry, LINE_IMAGE, _check_real)


@pytest.fixture(params=("fake", *REAL_BACKENDS))
def backend_case(request: pytest.FixtureRequest, ocrkit_home: Path) -> BackendCase:
    """The fake backend and every real one (skipped with the reason while unusable)."""
    if request.param == "fake":
        registry = SpyRegistry(autoload=False)
        registry.register(FakeBackend(), name="fake-plugin")
        write_model(ocrkit_home / "fake")
        return BackendCase("fake", registry, LINE_IMAGE, _check_fake)
    return _real_case(request.param)
