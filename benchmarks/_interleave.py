"""Several readers over the same images, chunk by chunk, taking turns.

On a shared machine the load changes from minute to minute; running reader A
over the whole dataset and then reader B compares A's minute with B's.
Interleaving (every reader reads chunk 1, then every reader reads chunk 2, the
turn order rotating) exposes all of them to the same conditions, so their
throughput *ratios* hold even when absolute figures wander. Memory cannot be
attributed while all readers are open: the suite measures it in a separate,
sequential pass.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ocrkit import OcrkitError
from ocrkit.backend import rss_bytes
from ocrkit.eval import Dataset, EvalReport, Reader, SampleResult, batch_samples, read_batch, score_batch

__all__ = ["run_interleaved"]


def run_interleaved(
    dataset: Dataset,
    readers: Sequence[Reader],
    batch_sizes: Sequence[int],
    *,
    chunk: int,
    ignore_case: bool = False,
    warmup: int = 1,
) -> list[EvalReport | str]:
    """Per reader, its report, or why it could not open (an :class:`OcrkitError`'s message).

    The reports' memory fields hold the resident size before and after the
    reader's load only (``peak_rss_method == "after-load"``).
    """
    loads: dict[int, float] = {}
    rss: dict[int, tuple[int, int]] = {}
    failed: dict[int, str] = {}
    opened: list[int] = []
    try:
        for i, reader in enumerate(readers):
            before = rss_bytes()
            start = time.perf_counter()
            try:
                reader.open()
            except OcrkitError as exc:
                failed[i] = f"failed: {exc}"
                continue
            loads[i] = time.perf_counter() - start
            opened.append(i)
            for sample in dataset.samples[:warmup]:
                read_batch(reader, [sample])
            reset = getattr(reader, "reset_counters", None)
            if callable(reset):
                reset()
            rss[i] = (before, rss_bytes())
        results: dict[int, list[SampleResult]] = {i: [] for i in opened}
        seconds = dict.fromkeys(opened, 0.0)
        wall_start = time.perf_counter()
        samples = dataset.samples
        for turn, first in enumerate(range(0, len(samples), chunk)):
            part = samples[first : first + chunk]
            for k in range(len(opened)):
                i = opened[(turn + k) % len(opened)]
                for batch in batch_samples(part, batch_sizes[i]):
                    texts, errors, elapsed = read_batch(readers[i], batch)
                    seconds[i] += elapsed
                    results[i] += score_batch(batch, texts, errors, elapsed, ignore_case)
        wall = time.perf_counter() - wall_start
        descriptions = {i: readers[i].describe() for i in opened}
        extras = {i: dict(getattr(readers[i], "extra", dict)()) for i in opened}
    finally:
        for i in opened:
            readers[i].close()
    out: list[EvalReport | str] = []
    for i in range(len(readers)):
        if i in failed:
            out.append(failed[i])
            continue
        out.append(
            EvalReport(
                dataset=str(dataset.root),
                dataset_name=dataset.name,
                granularity=dataset.granularity,
                reader=descriptions[i],
                ignore_case=ignore_case,
                batch_size=batch_sizes[i],
                load_s=loads[i],
                recognition_s=seconds[i],
                wall_s=wall,
                rss_before_bytes=rss[i][0],
                peak_rss_bytes=rss[i][1],
                peak_rss_method="after-load",
                samples=results[i],
                extra=extras[i],
            )
        )
    return out
