"""What an evaluation run measured, as an object, a JSON document and a few text lines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._text_metrics import TextScore
from ._order import OrderScore

__all__ = ["SampleResult", "EvalReport", "REPORT_SCHEMA"]

REPORT_SCHEMA = 1


@dataclass(frozen=True)
class SampleResult:
    """One image: what came out, how long it took, how wrong it was."""

    id: str
    granularity: str
    reference: str
    hypothesis: str
    latency_s: float
    score: TextScore
    error: str | None = None  # an OcrkitError message when the image could not be read
    order: OrderScore = field(default_factory=OrderScore)  # order of the words both texts share

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "granularity": self.granularity,
            "latency_s": self.latency_s,
            "cer": self.score.cer,
            "wer": self.score.wer,
            "bow_f1": self.score.bow_f1,
            "order_score": self.order.score,
            "reference": self.reference,
            "hypothesis": self.hypothesis,
            "error": self.error,
        }


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


@dataclass
class EvalReport:
    """Accuracy, speed and memory of one reader (backend or anchor) on one dataset.

    Latency is per image: for batched runs each image gets its batch's time
    divided by the batch size. ``recognition_s`` sums the recognition calls only
    (no scoring, no progress bar); throughput is ``count / recognition_s``.
    """

    dataset: str
    dataset_name: str
    granularity: str
    reader: Mapping[str, Any]
    ignore_case: bool
    batch_size: int
    load_s: float
    recognition_s: float
    wall_s: float
    rss_before_bytes: int
    peak_rss_bytes: int
    peak_rss_method: str
    samples: list[SampleResult] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.error)

    @property
    def score(self) -> TextScore:
        total = TextScore()
        for sample in self.samples:
            total = total + sample.score
        return total

    @property
    def order(self) -> OrderScore:
        """Reading-order counts over every sample (see :class:`OrderScore`)."""
        total = OrderScore()
        for sample in self.samples:
            total = total + sample.order
        return total

    @property
    def order_score(self) -> float:
        return self.order.score

    @property
    def cer(self) -> float:
        return self.score.cer

    @property
    def wer(self) -> float:
        return self.score.wer

    @property
    def bow_f1(self) -> float:
        return self.score.bow_f1

    @property
    def latencies(self) -> list[float]:
        return [s.latency_s for s in self.samples]

    @property
    def latency_median_s(self) -> float:
        return _percentile(self.latencies, 50)

    @property
    def latency_p95_s(self) -> float:
        return _percentile(self.latencies, 95)

    @property
    def throughput(self) -> float:
        """Images per second of recognition time."""
        return self.count / self.recognition_s if self.recognition_s > 0 else 0.0

    @property
    def peak_rss_increase_bytes(self) -> int:
        return max(0, self.peak_rss_bytes - self.rss_before_bytes)

    def to_dict(self, samples: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "dataset": {
                "path": self.dataset,
                "name": self.dataset_name,
                "granularity": self.granularity,
                "count": self.count,
            },
            "reader": dict(self.reader),
            "ignore_case": self.ignore_case,
            "accuracy": {**self.score.to_dict(), **self.order.to_dict()},
            "errors": self.errors,
            "timing": {
                "model_load_s": self.load_s,
                "recognition_s": self.recognition_s,
                "wall_s": self.wall_s,
                "batch_size": self.batch_size,
                "latency_median_s": self.latency_median_s,
                "latency_p95_s": self.latency_p95_s,
                "throughput_per_s": self.throughput,
            },
            "memory": {
                "rss_before_bytes": self.rss_before_bytes,
                "peak_rss_bytes": self.peak_rss_bytes,
                "peak_rss_increase_bytes": self.peak_rss_increase_bytes,
                "method": self.peak_rss_method,
            },
        }
        if self.extra:
            out["extra"] = dict(self.extra)
        if samples:
            out["samples"] = [s.to_dict() for s in self.samples]
        return out

    def to_json(self, indent: int | None = 2, samples: bool = True) -> str:
        return json.dumps(self.to_dict(samples=samples), ensure_ascii=False, indent=indent)

    def format(self) -> str:
        """A short human summary (what ``ocrkit eval`` prints)."""
        what = self.reader.get("label") or self.reader.get("backend", "?")
        model = self.reader.get("model")
        case = "case-insensitive" if self.ignore_case else "case-sensitive"
        s = self.score
        lines = [
            f"dataset      {self.dataset_name}: {self.count} {self.granularity} images ({self.dataset})",
            f"backend      {what}" + (f" (model {model})" if model else ""),
            f"accuracy     CER {s.cer:.2%}   WER {s.wer:.2%}   "
            f"bag-of-words F1 {s.bow_f1:.3f} (P {s.bow_precision:.3f}, R {s.bow_recall:.3f})   "
            f"order {self.order_score:.3f}   [{case}]",
            f"latency      median {self.latency_median_s * 1000:.1f} ms   p95 {self.latency_p95_s * 1000:.1f} ms"
            + (f"   (batches of {self.batch_size})" if self.batch_size > 1 else ""),
            f"throughput   {self.throughput:.2f} images/s   ({self.recognition_s:.2f} s recognising)",
            f"model load   {self.load_s:.2f} s",
            f"peak RSS     {self.peak_rss_bytes / 2**20:.0f} MiB "
            f"(+{self.peak_rss_increase_bytes / 2**20:.0f} MiB over the {self.rss_before_bytes / 2**20:.0f} MiB before loading)",
        ]
        if self.errors:
            lines.append(f"errors       {self.errors} image(s) could not be read (counted as empty output)")
        return "\n".join(lines)
