"""ocrkit errors as OCRmyPDF's: one line, OCRmyPDF's exit code, no traceback.

OCRmyPDF prints an :class:`~ocrmypdf.exceptions.ExitCodeException` as one line and
exits with its code; anything else becomes a traceback and exit code 15.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ocrmypdf.exceptions import (
    BadArgsError,
    ExitCode,
    ExitCodeException,
    InputFileError,
    MissingDependencyError,
    SubprocessOutputError,
)

from ...errors import (
    BackendCrashedError,
    BackendUnavailableError,
    BadImageError,
    InvalidModelNameError,
    InvalidOptionError,
    ModelNotFoundError,
    OcrkitError,
    UnknownBackendError,
    UnknownOptionError,
)

__all__ = ["OcrkitEngineError", "as_ocrmypdf_error", "ocrmypdf_errors"]


class OcrkitEngineError(ExitCodeException):
    """An ocrkit failure OCRmyPDF has no closer class for (a corrupt model...)."""

    exit_code = ExitCode.other_error


#: Most specific first: the first class an error is an instance of decides.
_EXIT_CLASSES: tuple[tuple[type[OcrkitError], type[ExitCodeException]], ...] = (
    (UnknownBackendError, BadArgsError),
    (UnknownOptionError, BadArgsError),
    (InvalidOptionError, BadArgsError),
    (ModelNotFoundError, BadArgsError),
    (InvalidModelNameError, BadArgsError),
    (BackendUnavailableError, MissingDependencyError),
    (BadImageError, InputFileError),
    (BackendCrashedError, SubprocessOutputError),
)


def as_ocrmypdf_error(exc: OcrkitError, fallback: type[ExitCodeException] = OcrkitEngineError) -> ExitCodeException:
    """The OCRmyPDF exception that reports *exc* (message prefixed with ``ocrkit:``);
    *fallback* for an error no class above matches."""
    for ours, theirs in _EXIT_CLASSES:
        if isinstance(exc, ours):
            return theirs(f"ocrkit: {exc}")
    return fallback(f"ocrkit: {exc}")


@contextmanager
def ocrmypdf_errors(fallback: type[ExitCodeException] = OcrkitEngineError) -> Iterator[None]:
    """Re-raise any :class:`OcrkitError` inside the block as OCRmyPDF's exception.

    While OCRmyPDF checks options it prints only bad-argument and missing-dependency
    errors as one line, so the option check passes ``fallback=BadArgsError``."""
    try:
        yield
    except OcrkitError as exc:
        raise as_ocrmypdf_error(exc, fallback) from exc
