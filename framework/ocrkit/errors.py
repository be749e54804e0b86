"""The ocrkit exception hierarchy.

Every error a user can cause is an :class:`OcrkitError`; each message says what
was wrong and what to do about it. Several classes also derive from the matching
builtin (``LookupError``, ``ValueError`` ...) so generic handlers keep working.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "OcrkitError",
    "UnknownBackendError",
    "BackendUnavailableError",
    "BackendCrashedError",
    "BackendTimeoutError",
    "UnknownOptionError",
    "InvalidOptionError",
    "PluginError",
    "ModelNotFoundError",
    "ModelExistsError",
    "LanguageNotAvailableError",
    "ModelCorruptError",
    "ModelInUseError",
    "InvalidModelNameError",
    "NotRegularFileError",
    "ResourcesFreedError",
    "BadImageError",
    "ImageTooLargeError",
    "DocumentError",
    "EncryptedDocumentError",
    "ReadDeadlineError",
    "DocumentWarning",
    "ChecksumMismatchError",
    "DownloadError",
    "TransferInterrupted",
    "CatalogError",
    "UnknownFormatError",
    "DatasetError",
    "OcrkitWarning",
    "PluginWarning",
]


def _known(names: Iterable[str]) -> str:
    names = sorted(set(names))
    return ", ".join(names) if names else "(none)"


class OcrkitError(Exception):
    """Root of every error ocrkit raises on purpose."""


class UnknownBackendError(OcrkitError, LookupError):
    """A backend name nobody registered."""

    def __init__(self, name: str, known: Iterable[str], broken: Iterable[str] = ()):
        self.name = name
        self.known = sorted(set(known))
        self.broken = sorted(set(broken))
        msg = f"unknown OCR backend {name!r}; known backends: {_known(self.known)}"
        if self.broken:
            msg += f" (failed to load: {_known(self.broken)}; see `ocrkit backends`)"
        super().__init__(msg)


class BackendUnavailableError(OcrkitError, ImportError):
    """The backend is registered but cannot run here (missing library, provider...)."""


class BackendCrashedError(OcrkitError, RuntimeError):
    """An isolated backend process died (native crash, killed); the caller survives."""


class BackendTimeoutError(BackendCrashedError):
    """An isolated backend call ran past its deadline (``call_timeout``): the child was
    killed, as for a crash; the caller survives."""


class UnknownOptionError(OcrkitError, TypeError):
    """An option the backend does not declare."""

    def __init__(self, backend: str, unknown: Iterable[str], known: Iterable[str]):
        self.backend = backend
        self.unknown = sorted(unknown)
        self.known = sorted(known)
        super().__init__(
            f"backend {backend!r} does not accept option(s) {', '.join(self.unknown)}; "
            f"accepted options: {_known(self.known)}"
        )


class InvalidOptionError(OcrkitError, ValueError):
    """A declared backend option given a value of the wrong type or out of range.

    Backends raise it (or a subclass of their own) from option validation, so one
    ``except ocrkit.InvalidOptionError`` covers every backend."""


class PluginError(OcrkitError):
    """A plugin at fault: it cannot be registered (a misspelt hook name, wrong hook
    arguments), its hook raised, or it answered with something unusable. The message
    names the plugin and the hook; the plugin's own exception is ``__cause__``."""


class ModelNotFoundError(OcrkitError, LookupError):
    """No model with that name/language exists where discovery looked."""

    def __init__(self, message: str, available: Iterable[str] = ()):
        self.available = sorted(set(available))
        if self.available:
            message += f"; available: {_known(self.available)}"
        super().__init__(message)


class LanguageNotAvailableError(ModelNotFoundError):
    """No installed model of the backend reads the languages asked for with ``lang=``;
    the message names the models that would and how to get them. ``languages``: the
    codes nobody reads; ``pulls``: catalogue models of the backend that would."""

    def __init__(self, message: str, languages: Iterable[str] = (), pulls: Iterable[str] = ()):
        super().__init__(message)
        self.languages = tuple(languages)
        self.pulls = tuple(pulls)


class ModelExistsError(OcrkitError, FileExistsError):
    """An import would overwrite a model already in the store."""


class ModelCorruptError(OcrkitError, ValueError):
    """A model file exists but cannot be loaded (truncated, wrong format...)."""


class ModelInUseError(OcrkitError, PermissionError):
    """Refused to remove a model that a live engine has loaded."""


class InvalidModelNameError(OcrkitError, ValueError):
    """A model name that would escape the model store (``../x``, ``/abs``, a symlink out)."""


class NotRegularFileError(OcrkitError, OSError):
    """A store entry (or a file inside a model directory) that is not a regular file:
    a FIFO would block a reader forever, a device never ends. Remove or replace it."""


class ResourcesFreedError(OcrkitError, RuntimeError):
    """The engine was freed with ``free_resources()``; open a new one to continue."""


class BadImageError(OcrkitError, ValueError):
    """Input that is not a usable image: unreadable, empty, zero-sized, wrong dtype."""


class ImageTooLargeError(BadImageError):
    """An image above the configured pixel limit (decompression-bomb guard)."""


class DocumentError(BadImageError):
    """A document (PDF, multi-page TIFF) that cannot be read: not a valid PDF, a page
    that fails to render, a page selection outside the document."""


class EncryptedDocumentError(DocumentError):
    """An encrypted PDF opened without its password, or with a wrong one."""


class ReadDeadlineError(OcrkitError, TimeoutError):
    """A read ran past the deadline its caller gave (the server's ``--timeout``): it
    stopped between two pages; the pages not yet read were not recognised."""


class DocumentWarning(UserWarning):
    """Something about a document the caller should know but that did not stop it:
    a page rendered at a lower DPI than asked, animation frames left out."""


class ChecksumMismatchError(OcrkitError, ValueError):
    """Downloaded or stored bytes do not match the expected sha256."""


class DownloadError(OcrkitError, OSError):
    """A model download failed (offline, server error, interrupted)."""


class TransferInterrupted(DownloadError):
    """The connection broke mid-file; the bytes received are kept for a resume."""


class CatalogError(OcrkitError, ValueError):
    """A model catalogue that cannot be read or does not follow the format (docs/model-pulls.md)."""


class UnknownFormatError(OcrkitError, ValueError):
    """An output format name the writers do not know."""

    def __init__(self, fmt: object, known: Iterable[str] = ()) -> None:
        self.format = fmt
        self.known = tuple(known)
        super().__init__(f"unknown output format {fmt!r}; use one of {', '.join(self.known) or '(none)'}")


class DatasetError(OcrkitError, ValueError):
    """An evaluation dataset folder or manifest that cannot be evaluated (docs/eval.md)."""


class OcrkitWarning(UserWarning):
    """Root of the warnings ocrkit issues (the CLI prints them as ``ocrkit: warning: ...``)."""


class PluginWarning(OcrkitWarning, RuntimeWarning):
    """A plugin misbehaved where ocrkit could go on: its free raised, a model pack's
    discovery failed, a function looks like a hook but is not marked as one."""
