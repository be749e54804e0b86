"""Fixtures for the core tests: a spying registry, and the fake backend case the
lifecycle tests run on."""

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
from tests.fakeocr import FakeBackend, write_model

TESTS = Path(__file__).resolve().parent.parent
LINE_IMAGE = TESTS / "data" / "line_hello.png"


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


@pytest.fixture
def backend_case(ocrkit_home: Path) -> BackendCase:
    """The fake backend behind a spying registry. The engine's lifecycle is the core's,
    the same for every backend; the real backends' side of it is checked by the
    conformance kit (tests/lifecycle/test_conformance_builtin.py) and their own freeing
    tests (tests/onnx/test_lifecycle.py, tests/tesseract/test_freeing.py)."""
    registry = SpyRegistry(autoload=False)
    registry.register(FakeBackend(), name="fake-plugin")
    write_model(ocrkit_home / "fake")
    return BackendCase("fake", registry, LINE_IMAGE, _check_fake)
