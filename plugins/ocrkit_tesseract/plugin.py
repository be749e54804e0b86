"""Tesseract backend hooks (placeholder until the tesseract issue lands)."""

from __future__ import annotations

import importlib.metadata

from ocrkit.backend import BackendInfo, hookimpl


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    try:
        version = importlib.metadata.version("tesserocr")
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return BackendInfo(
        name="tesseract",
        version=version,
        description="Tesseract 5 via tesserocr",
        capabilities=frozenset({"page", "line", "words", "blocks", "languages", "threadsafe"}),
        model_formats=("traineddata",),
        requires=("tesserocr",),
        install_hint='pip install "ocrkit[tesseract]"',
    )
