"""Lifecycle tests: the fake backend in its own registry, a check that a real backend
really recognises, and the background jobs started when collection ends."""

from __future__ import annotations

import pytest

import ocrkit
import thirdparty_job
from ocrkit.testing import prestart_release_measurements

def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the long background jobs now, so they overlap with the whole run: the kit's
    release measurements (a fresh interpreter and 100 cycles per backend) and the
    install-and-test of the example plugin."""
    prestart_release_measurements(session)
    if any(getattr(getattr(item, "module", None), "__name__", "") == "test_third_party_plugin" for item in session.items):
        thirdparty_job.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    thirdparty_job.cleanup()


def require_backend(name: str) -> None:
    """Skip, with the reason, where *name* cannot run (its extra is not installed).
    test_conformance_builtin.py does not skip: there a missing backend fails."""
    try:
        ocrkit.get_registry().require(name)
    except ocrkit.OcrkitError as exc:
        pytest.skip(f"backend {name!r} not usable here: {exc}")
