"""Side-by-side benchmarks of ocrkit's backends against the tools users would
use instead, in one process, on the same images in the same order.

    pip install -e ".[bench]"            # matplotlib, pytesseract (nothing else is installed by the run)
    python -m ocrkit.eval.bench          # ../shared/datasets/{uw3-lines,sroie-receipts}
    python -m ocrkit.eval.bench --limit 20 --backend onnx

Tesseract backend vs the ``tesseract`` command, ``pytesseract`` and raw
``tesserocr`` calls (the floor); ONNX backend vs RapidOCR 3.10 and the pure
``session.run`` time of its own pipeline (the floor); plus default vs
single-threaded throughput on a batch. Writes ``latest.md``, ``latest.json``
and ``latest.png`` (docs/benchmarks/ by default). See docs/benchmarks.md.
"""

from __future__ import annotations

from ._ort_timer import SessionRunTimer
from ._suite import BenchConfig, BenchResults, run_benchmarks, single_thread_options

__all__ = ["BenchConfig", "BenchResults", "run_benchmarks", "single_thread_options", "SessionRunTimer"]
