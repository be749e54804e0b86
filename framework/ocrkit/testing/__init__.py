"""``ocrkit.testing``: the conformance kit every backend package runs against itself.

    from pathlib import Path
    from ocrkit.testing import BackendConformance

    class TestMyBackend(BackendConformance):
        backend = "mine"
        sample_image = Path(__file__).parent / "hello.png"
        expected_text = "Hello world"

Run it with pytest like any test module. It checks the lifecycle contract:
discovery, load -> recognise -> free, idempotent free, use after free, threads,
free while busy, bad and degenerate images, unknown options and models, process
isolation, and measured release of memory and descriptors (see
docs/plugin-author-guide.md and docs/resource-release.md).

Needs pytest (``pip install "ocrkit[test]"``); ``import ocrkit`` never imports this.
"""

from __future__ import annotations

from ._measure import ReleaseMeasurement, ReleaseReport, measure_release, start_release_measurement
from ._stress import BusyFreeOutcome, comparable, free_while_busy, recognize_concurrently
from ._suite import CORE_ENFORCED, BackendConformance, backend_checks, prestart_release_measurements, similarity

__all__ = [
    "BackendConformance",
    "CORE_ENFORCED",
    "backend_checks",
    "prestart_release_measurements",
    "measure_release",
    "start_release_measurement",
    "ReleaseMeasurement",
    "ReleaseReport",
    "free_while_busy",
    "recognize_concurrently",
    "BusyFreeOutcome",
    "comparable",
    "similarity",
]
