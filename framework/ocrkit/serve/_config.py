"""The settings of one ``ocrkit serve`` process, shared by the app, the engine cache and the limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OcrkitError

__all__ = ["ServeConfig", "read_api_key", "MEMORY_PER_PIXEL"]

DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024
#: What one request may need per pixel of its largest page: the page (3 bytes on colour)
#: and the backend's own work on it (tesseract measured at ~10 B/px grey, ~18 B/px colour).
MEMORY_PER_PIXEL = 18


def default_max_memory() -> int:
    """Half of the machine's memory: what admitted requests may reserve together."""
    import psutil

    return int(psutil.virtual_memory().total // 2)


@dataclass(frozen=True)
class ServeConfig:
    """What ``ocrkit serve`` was told; every field has the command's default.

    *concurrency* requests are recognised at once (default: the machine's cores)
    and at most *queue* more wait; beyond that a request gets 429. *timeout* is
    the whole request's budget in seconds (504 after it). *idle_free* frees an
    engine unused that long (``None``: never). *preload* entries are
    ``backend`` or ``backend:model``, opened at start and kept open. *max_memory*
    bytes are what running requests may reserve together (each its upload plus its
    largest page's pixels at :data:`MEMORY_PER_PIXEL`; default: half the machine's
    memory): a request that does not fit waits for one that does to finish.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    queue: int = 64
    timeout: float = 120.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_engines: int = 4
    idle_free: float | None = None
    preload: tuple[str, ...] = ()
    isolation: str = "none"
    api_key: str | None = None
    max_image_pixels: int | None = None
    max_memory: int = field(default_factory=default_max_memory)

    def __post_init__(self) -> None:
        for name in ("concurrency", "max_engines", "max_body_bytes", "max_memory"):
            if getattr(self, name) < 1:
                raise OcrkitError(f"serve: {name.replace('_', '-')} must be at least 1")
        if self.queue < 0:
            raise OcrkitError("serve: queue must be 0 or more")
        if self.timeout <= 0:
            raise OcrkitError("serve: timeout must be more than 0 seconds")
        if self.idle_free is not None and self.idle_free <= 0:
            raise OcrkitError("serve: idle-free must be more than 0 seconds (leave it out to keep engines open)")
        if self.isolation not in ("none", "process"):
            raise OcrkitError(f"serve: unknown isolation {self.isolation!r}; use 'none' or 'process'")


def read_api_key(path: str | os.PathLike[str]) -> str:
    """The key in *path* (surrounding whitespace stripped); a clear error if it is missing or empty."""
    try:
        key = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise OcrkitError(f"cannot read the API key file {os.fspath(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise OcrkitError(f"the API key file {os.fspath(path)!r} is not UTF-8 text") from None
    if not key:
        raise OcrkitError(f"the API key file {os.fspath(path)!r} is empty; put the key in it")
    return key
