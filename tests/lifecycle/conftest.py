"""Fixtures for the lifecycle tests: the fake backend in its own registry, and the
real backends (skipped, with the reason, where they cannot run)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import fakeocr
import ocrkit
import thirdparty_job
from ocrkit import Registry
from ocrkit.testing import prestart_release_measurements

REAL_BACKENDS = ("tesseract", "onnx")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the long background jobs now, so they overlap with the whole run: the kit's
    release measurements (a fresh interpreter and 100 cycles per backend) and the
    install-and-test of the example plugin."""
    prestart_release_measurements(session)
    if any(item.module.__name__ == "test_third_party_plugin" for item in session.items if item.module):
        thirdparty_job.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    thirdparty_job.cleanup()


@pytest.fixture
def fake_registry() -> Registry:
    """A registry holding only the fake backend (registered from an importable module,
    so process-isolated engines re-create it in their child)."""
    registry = Registry(autoload=False)
    registry.register(fakeocr, name="fake")
    return registry


def require_backend(name: str) -> None:
    """Skip unless *name* is registered, usable, and really recognises (not a placeholder)."""
    registry = ocrkit.get_registry()
    try:
        registry.require(name)
    except ocrkit.OcrkitError as exc:
        pytest.skip(f"backend {name!r} not usable here: {exc}")
    impls = registry.pm.hook.ocrkit_recognize.get_hookimpls()
    owner = registry.backend(name).plugin
    if not any(impl.plugin_name == owner for impl in impls):
        pytest.skip(f"backend {name!r} does not implement recognition yet")


@pytest.fixture(params=REAL_BACKENDS)
def real_backend(request: pytest.FixtureRequest, ocrkit_home) -> Iterator[str]:
    require_backend(request.param)
    yield request.param
