"""Bulk reading: ``ocrkit batch INPUT... --out DIR`` and its Python API.

    import ocrkit.batch

    run = ocrkit.batch.run(["scans/"], "out", formats=["text", "json"], recursive=True, jobs=2)
    for event in run:                      # FileResult per input, Progress snapshots
        ...
    print(run.summary.line())

The same run goes to a Dask cluster with ``dask="local:2"``, ``dask="tcp://host:8786"``
or ``dask=client``; :mod:`ocrkit.batch.dask` has the pieces for users who drive
their own ``distributed.Client``.
"""

from __future__ import annotations

from ._inputs import INPUT_SUFFIXES, plan
from ._records import FAILURES_NAME, JOURNAL_NAME, BatchSettings, FileResult, Job, Progress, Summary
from ._run import BatchRun, default_jobs, run

__all__ = [
    "run",
    "BatchRun",
    "BatchSettings",
    "FileResult",
    "Progress",
    "Summary",
    "Job",
    "plan",
    "default_jobs",
    "INPUT_SUFFIXES",
    "JOURNAL_NAME",
    "FAILURES_NAME",
]
