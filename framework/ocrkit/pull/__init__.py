"""Model pulls: download named models from a catalogue into the model store, safely.

    from ocrkit.pull import pull_model, verify_store

    result = pull_model("deu")                 # tessdata_fast German -> $OCRKIT_HOME/tesseract/
    print(result.status, result.path)          # "downloaded" /.../tesseract/deu.traineddata
    for row in verify_store("tesseract"):      # re-hash what is stored
        print(row.status, row.name)            # OK / MISMATCH / UNKNOWN

Nothing appears in the store before its sha256 matched; interrupted downloads
resume; concurrent pulls of one model produce one verified result. See
docs/model-pulls.md.
"""

from __future__ import annotations

from ._catalog import (
    CATALOG_ENV,
    Catalog,
    CatalogEntry,
    CatalogError,
    CatalogFile,
    load_catalog,
    parse_catalog,
)
from ._download import Progress
from ._progress import ProgressBar
from ._pull import PullResult, pull_model
from ._verify import MISMATCH, OK, UNKNOWN, VerifyResult, verify_store

__all__ = [
    "CATALOG_ENV",
    "Catalog",
    "CatalogEntry",
    "CatalogFile",
    "CatalogError",
    "load_catalog",
    "parse_catalog",
    "Progress",
    "ProgressBar",
    "PullResult",
    "pull_model",
    "VerifyResult",
    "verify_store",
    "OK",
    "MISMATCH",
    "UNKNOWN",
]
