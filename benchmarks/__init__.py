"""Side-by-side benchmarks of ocrkit's backends against the tools users would
use instead, in one process, on the same images in the same order.

    pip install -e ".[bench]"            # matplotlib, pytesseract (nothing else is installed by the run)
    python -m benchmarks                 # from the repository root; ../shared/datasets/{uw3-lines,sroie-receipts}
    python -m benchmarks --limit 20 --backend onnx

Tesseract backend vs the ``tesseract`` command, ``pytesseract`` and raw
``tesserocr`` calls (the floor); ONNX backend vs RapidOCR 3.10 and the pure
``session.run`` time of its own pipeline (the floor); plus default vs
single-threaded throughput on a batch. Writes ``latest.md``, ``latest.json``
and ``latest.png`` (docs/benchmarks/ by default). See docs/benchmarks.md.

A maintainer's tool, not part of the installed package: it reads the datasets
beside the repository and imports competitors; it uses only ocrkit's public API
(``ocrkit``, ``ocrkit.backend``, ``ocrkit.eval``).
"""

from __future__ import annotations

from ._ort_timer import SessionRunTimer
from ._suite import BenchConfig, BenchResults, run_benchmarks, single_thread_options

__all__ = ["BenchConfig", "BenchResults", "run_benchmarks", "single_thread_options", "SessionRunTimer"]
