"""The local model server of the pull tests (127.0.0.1, port 0), for pulls that add a language."""

from __future__ import annotations

from tests.pull.conftest import model_server  # noqa: F401 - a fixture, shared rather than copied
