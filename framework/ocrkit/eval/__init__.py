"""Measure an OCR backend on your own data: accuracy (CER, WER, bag-of-words F1,
reading order),
latency, throughput, model load time and peak memory.

    from ocrkit.eval import evaluate

    report = evaluate("datasets/uw3-lines", "onnx", batch_size=16)
    print(report.cer, report.throughput)
    report.to_json()

A dataset is a folder with a ``manifest.jsonl`` (docs/eval.md). The command
``ocrkit eval`` is a thin layer over :func:`evaluate`; the side-by-side
benchmarks against other OCR tools are a maintainer's tool outside the package
(``benchmarks/`` in the repository, built on :func:`run_reader`,
:func:`batch_samples`, :func:`read_batch` and :func:`score_batch`).
This package imports no backend library: engines load when a run starts.
"""

from __future__ import annotations

from .._text_metrics import TextScore, bow_f1, cer, levenshtein, normalize_text, score_text, tokenize, wer
from ._dataset import GRANULARITIES, MANIFEST_NAME, Dataset, DatasetError, Sample, load_dataset
from ._order import OrderScore, order_score
from ._peak import PeakMemory
from ._report import EvalReport, SampleResult
from ._runner import EngineReader, Reader, batch_samples, evaluate, read_batch, run_reader, score_batch

__all__ = [
    "evaluate",
    "run_reader",
    "batch_samples",
    "read_batch",
    "score_batch",
    "Reader",
    "EngineReader",
    "EvalReport",
    "SampleResult",
    "Dataset",
    "Sample",
    "DatasetError",
    "load_dataset",
    "MANIFEST_NAME",
    "GRANULARITIES",
    "TextScore",
    "OrderScore",
    "order_score",
    "score_text",
    "cer",
    "wer",
    "bow_f1",
    "levenshtein",
    "normalize_text",
    "tokenize",
    "PeakMemory",
]
