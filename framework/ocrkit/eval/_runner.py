"""Run a reader over a dataset and measure it: accuracy, latency, throughput,
model load time and peak memory.

A *reader* is anything that turns image paths into text: an ocrkit engine
(:class:`EngineReader`) or, in the benchmarks, an anchor such as the
``tesseract`` command. One loop measures them all, so their figures compare.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .._text_metrics import score_text
from ..errors import OcrkitError
from ._dataset import Dataset, Sample, load_dataset
from ._order import order_score
from ._peak import PeakMemory
from ._report import EvalReport, SampleResult

__all__ = ["Reader", "EngineReader", "run_reader", "evaluate", "ProgressCallback", "batch_samples", "read_batch", "score_batch"]

#: ``progress(done, total)`` after every batch.
ProgressCallback = Callable[[int, int], None]


@runtime_checkable
class Reader(Protocol):
    """Something that reads text from image files (see :class:`EngineReader`)."""

    def open(self) -> None:
        """Load the model (timed as "model load")."""

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        """Text of each image, in order. *layout*: ``"page"`` or ``"line"``."""

    def close(self) -> None:
        """Free everything :meth:`open` loaded."""

    def describe(self) -> dict[str, Any]:
        """What this reader is (backend, model, options...), for the report."""


class EngineReader:
    """An ocrkit backend as a reader: ``ocrkit.open(backend, model, **options)``."""

    def __init__(self, backend: str, model: str | None = None, options: Mapping[str, Any] | None = None) -> None:
        self.backend = backend
        self.model = model
        self.options = dict(options or {})
        self.engine: Any = None

    def open(self) -> None:
        import ocrkit

        self.engine = ocrkit.open(self.backend, self.model, **self.options)

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        return [page.text for page in self.engine.recognize(list(images), layout=layout)]

    def close(self) -> None:
        if self.engine is not None:
            self.engine.free_resources()

    def describe(self) -> dict[str, Any]:
        model = self.model
        if self.engine is not None and not self.engine.freed:
            loaded = self.engine.loaded_models
            model = "+".join(m.name for m in loaded) or model
        return {"label": f"ocrkit {self.backend}", "backend": self.backend, "model": model, "options": self.options}


def batch_samples(samples: Sequence[Sample], size: int) -> list[list[Sample]]:
    """Consecutive runs of at most *size* samples with the same layout."""
    out: list[list[Sample]] = []
    for sample in samples:
        if out and len(out[-1]) < size and out[-1][0].layout == sample.layout:
            out[-1].append(sample)
        else:
            out.append([sample])
    return out


def read_batch(reader: Reader, batch: list[Sample]) -> tuple[list[str], list[str | None], float]:
    """Texts, per-image errors and seconds; a bad image fails alone, not its whole batch."""
    layout = batch[0].layout
    start = time.perf_counter()
    try:
        texts = reader.read([s.image for s in batch], layout)
        elapsed = time.perf_counter() - start
        if len(texts) != len(batch):
            raise OcrkitError(f"reader returned {len(texts)} results for {len(batch)} images")
        return list(texts), [None] * len(batch), elapsed
    except OcrkitError as exc:
        if len(batch) == 1:
            return [""], [str(exc)], time.perf_counter() - start
    texts, errors, elapsed = [], [], 0.0
    for sample in batch:
        t, e, s = read_batch(reader, [sample])
        texts += t
        errors += e
        elapsed += s
    return texts, errors, elapsed


def score_batch(
    batch: Sequence[Sample], texts: Sequence[str], errors: Sequence[str | None], elapsed: float, ignore_case: bool
) -> list[SampleResult]:
    """One result per sample of a batch read in *elapsed* seconds (shared equally)."""
    return [
        SampleResult(
            id=sample.id,
            granularity=sample.granularity,
            reference=sample.text,
            hypothesis=text,
            latency_s=elapsed / len(batch),
            score=score_text(sample.text, text, ignore_case),
            error=error,
            order=order_score(sample.text, text, ignore_case),
        )
        for sample, text, error in zip(batch, texts, errors)
    ]


def run_reader(
    dataset: Dataset,
    reader: Reader,
    *,
    ignore_case: bool = False,
    batch_size: int = 1,
    progress: ProgressCallback | None = None,
    warmup: int = 0,
    close: bool = True,
) -> EvalReport:
    """Open *reader*, read every sample, score it, close it; return the report.

    *warmup*: read the first *warmup* samples once, untimed, before measuring
    (first calls pay one-off allocations); a reader with ``reset_counters()``
    has it called after the warm-up. Peak memory covers loading and recognition.
    Images that the reader rejects with an :class:`ocrkit.OcrkitError` are
    recorded with their error and scored as empty output; any other exception
    propagates (it is a bug, not bad data).
    """
    if batch_size < 1:
        raise OcrkitError(f"batch size must be at least 1, got {batch_size}")
    wall_start = time.perf_counter()
    results: list[SampleResult] = []
    recognition_s = 0.0
    with PeakMemory() as peak:
        start = time.perf_counter()
        reader.open()
        load_s = time.perf_counter() - start
        try:
            for sample in dataset.samples[:warmup]:
                read_batch(reader, [sample])
            reset = getattr(reader, "reset_counters", None)
            if callable(reset):
                reset()
            done = 0
            if progress:
                progress(0, len(dataset))
            for batch in batch_samples(dataset.samples, batch_size):
                texts, errors, elapsed = read_batch(reader, batch)
                recognition_s += elapsed
                results += score_batch(batch, texts, errors, elapsed, ignore_case)
                done += len(batch)
                if progress:
                    progress(done, len(dataset))
            description = reader.describe()
            extra = dict(getattr(reader, "extra", dict)())
        finally:
            if close:
                reader.close()
    return EvalReport(
        dataset=str(dataset.root),
        dataset_name=dataset.name,
        granularity=dataset.granularity,
        reader=description,
        ignore_case=ignore_case,
        batch_size=batch_size,
        load_s=load_s,
        recognition_s=recognition_s,
        wall_s=time.perf_counter() - wall_start,
        rss_before_bytes=peak.before,
        peak_rss_bytes=peak.peak,
        peak_rss_method=peak.method,
        samples=results,
        extra=extra,
    )


def evaluate(
    dataset: Dataset | str | Path,
    backend: str,
    *,
    model: str | None = None,
    options: Mapping[str, Any] | None = None,
    ignore_case: bool = False,
    limit: int | None = None,
    batch_size: int = 1,
    progress: ProgressCallback | None = None,
    warmup: int = 0,
) -> EvalReport:
    """Evaluate an ocrkit backend on a dataset folder (see docs/eval.md).

    Line samples are read with ``layout="line"``, pages with ``layout="page"``.
    *batch_size* > 1 passes lists of images to ``recognize`` (what batched line
    recognition needs to be fast). The model is loaded, timed, and freed.
    """
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset, limit)
    else:
        dataset = dataset.head(limit)
    reader = EngineReader(backend, model, options)
    return run_reader(
        dataset, reader, ignore_case=ignore_case, batch_size=batch_size, progress=progress, warmup=warmup
    )
