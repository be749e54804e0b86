"""The one step every runner shares: read one input file into pages, render each
requested format, write each output atomically. The local workers, the in-process
runner and the Dask tasks all call :func:`read_file`, which reads through the one read
pipeline (:func:`ocrkit.documents.read_pages`), so they write the same bytes as
``ocrkit read`` of the same file.

Documents and formats come from the core (``ocrkit.documents``, ``ocrkit.formats``);
this module only connects them to a batch job.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from .. import formats
from .._memory import rss_bytes
from .._protocol import OcrEngine
from ..documents import read_pages
from ..errors import OcrkitError
from ..results import Page
from ._atomic import write_atomic
from ._records import BatchSettings, FileResult, Job, PagesRead

__all__ = ["read_file", "extension", "check_formats"]


def extension(fmt: str) -> str:
    """The output file's extension, with its dot (``".hocr"``)."""
    return formats.extension(fmt)


def check_formats(asked: Sequence[str]) -> tuple[str, ...]:
    """*asked* without repeats, or an error naming the known formats."""
    unknown = [f for f in asked if f not in formats.FORMATS]
    if unknown or not asked:
        raise OcrkitError(
            f"unknown output format {', '.join(unknown) or '(none)'}; known formats: {', '.join(formats.FORMATS)}")
    return tuple(dict.fromkeys(asked))


def read_file(
    engine: OcrEngine, job: Job, settings: BatchSettings, worker: str | None = None
) -> Iterator[PagesRead | FileResult]:
    """Read *job* with *engine*: a :class:`PagesRead` per page, then its :class:`FileResult`.

    Any failure of this one input (a bad file, a backend error, a crash of an
    isolated backend, an unwritable output) becomes a failed result; the batch goes
    on. Outputs are written only once every page is read, each atomically.
    """
    start = time.perf_counter()
    pages: list[Page] = []
    try:
        for page in read_pages(engine, str(job.source), settings.spec):
            assert isinstance(page, Page)  # errors="raise": a failed page raises
            pages.append(page)
            yield PagesRead(job.name)
        for fmt, path in job.outputs:
            write_atomic(path, formats.render(pages, fmt))
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not isinstance(exc, (OcrkitError, OSError)):
            message = f"{message} (an unexpected error from the backend; please report it)"
        yield FileResult(
            source=str(job.source), name=job.name, status="failed", pages=len(pages),
            seconds=time.perf_counter() - start, error_class=type(exc).__name__, error=message,
            worker=worker, worker_rss=rss_bytes(),
        )
        return
    yield FileResult(
        source=str(job.source), name=job.name, status="done", outputs=tuple(str(p) for _, p in job.outputs),
        pages=len(pages), seconds=time.perf_counter() - start, worker=worker, worker_rss=rss_bytes(),
    )
