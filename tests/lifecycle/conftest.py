"""Lifecycle tests: a check that a real backend is usable here, and the kit's release
measurements started when collection ends."""

from __future__ import annotations

import pytest

import ocrkit
from ocrkit.testing import prestart_release_measurements


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the kit's release measurements (a fresh interpreter and 100 cycles per
    backend) now, so they overlap with the whole run (not under pytest-xdist: there
    each class starts its own when it begins)."""
    prestart_release_measurements(session)


def require_backend(name: str) -> None:
    """Skip, with the reason, where *name* cannot run (its extra is not installed).
    test_conformance_builtin.py does not skip: there a missing backend fails."""
    try:
        ocrkit.get_registry().require(name)
    except ocrkit.OcrkitError as exc:
        pytest.skip(f"backend {name!r} not usable here: {exc}")
