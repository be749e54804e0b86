"""Installed versions of distributions, for ``BackendInfo.version`` and reports."""

from __future__ import annotations

import importlib.metadata

__all__ = ["installed_version"]


def installed_version(distribution: str, missing: str | None = None) -> str | None:
    """The installed version of *distribution* (a pip name), without importing it;
    *missing* when it is not installed. Cheap enough for ``ocrkit_describe_backend``."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return missing
