"""How much a batch gains from the API pool: the same batch with ``pool_size=1``
(the anchor, measured in the same run) and with one instance per core.

    python benchmarks/tesseract_pool.py [IMAGE ...]

Prints wall time, CPU time and the speed-up ratio. Other load on the machine
shows up as CPU utilisation well below the pool size; rerun when it is quiet.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import ocrkit
from ocrkit.backend import default_workers

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEFAULT_IMAGES = [DATA / n for n in ("page_simple.png", "two_columns.png", "german.png")] * 4


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(images: list[Path], pool_size: int, repeats: int = 3) -> tuple[float, float]:
    """Best wall time of *repeats* batches, and the CPU seconds of that run."""
    best = (float("inf"), 0.0)
    with ocrkit.open("tesseract", pool_size=pool_size) as ocr:
        ocr.recognize(images[:pool_size])  # build the instances outside the timing
        for _ in range(repeats):
            wall, cpu = time.perf_counter(), _cpu()
            ocr.recognize(images)
            best = min(best, (time.perf_counter() - wall, _cpu() - cpu))
    return best


def main(argv: list[str]) -> None:
    images = [Path(a) for a in argv] or DEFAULT_IMAGES
    cores = default_workers()
    anchor_wall, anchor_cpu = run(images, 1)
    pool_wall, pool_cpu = run(images, cores)
    print(f"{len(images)} images, {cores} cores")
    print(f"pool_size=1      wall {anchor_wall:6.2f}s  cpu {anchor_cpu:6.2f}s  utilisation {anchor_cpu / anchor_wall:4.2f}")
    print(f"pool_size={cores:<6} wall {pool_wall:6.2f}s  cpu {pool_cpu:6.2f}s  utilisation {pool_cpu / pool_wall:4.2f}")
    print(f"speed-up {anchor_wall / pool_wall:4.2f}x (ideal {cores}x)")


if __name__ == "__main__":
    main(sys.argv[1:])
