"""One exceptions module: every error class ocrkit defines lives in ``ocrkit.errors``,
derives from ``OcrkitError`` (warnings from ``UserWarning``), and the modules that
used to define some of them still export the same class."""

from __future__ import annotations

import ast
import inspect
import os
from pathlib import Path

import pytest

import ocrkit.errors

FRAMEWORK = Path(ocrkit.errors.__file__).resolve().parent


#: Exception classes that are not part of the user-facing tree, and why they live elsewhere.
CARRIERS = {
    "_isolation/_wire.py: RemoteTraceback": "the child's traceback text, attached as __cause__",
    "serve/_errors.py: ServeError": "an HTTP answer (status and body) the server turns into a response",
    "integrations/ocrmypdf/_errors.py: OcrkitEngineError": "must derive from OCRmyPDF's own exception",
}


def test_no_exception_class_is_defined_outside_errors_py() -> None:
    """Private control-flow exceptions (``_Stop``) and the carriers above excepted."""
    defined = []
    for path in sorted(FRAMEWORK.rglob("*.py")):
        if path.name == "errors.py" and path.parent == FRAMEWORK:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in getattr(node, "bases", ())]
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and any(
                b.endswith(("Error", "Warning", "Exception", "Interrupted")) for b in bases
            ):
                defined.append(f"{path.relative_to(FRAMEWORK).as_posix()}: {node.name}")
    assert sorted(set(defined) - set(CARRIERS)) == []
    assert set(CARRIERS) <= set(defined)  # the list stays true


def test_every_error_is_an_ocrkit_error() -> None:
    classes = [c for _, c in inspect.getmembers(ocrkit.errors, inspect.isclass) if c.__module__ == "ocrkit.errors"]
    errors = [c for c in classes if issubclass(c, Exception) and not issubclass(c, Warning)]
    assert len(errors) > 20
    assert [c.__name__ for c in errors if not issubclass(c, ocrkit.errors.OcrkitError)] == []
    assert set(ocrkit.errors.__all__) == {c.__name__ for c in classes}


@pytest.mark.parametrize(
    ("module", "name"),
    [("ocrkit.formats", "UnknownFormatError"), ("ocrkit.pull", "CatalogError"),
     ("ocrkit.eval", "DatasetError"), ("ocrkit.store", "NotRegularFileError"),
     ("ocrkit.pull._download", "TransferInterrupted")],
)
def test_moved_errors_are_still_exported_where_they_were(module: str, name: str) -> None:
    imported = __import__(module, fromlist=[name])
    assert getattr(imported, name) is getattr(ocrkit.errors, name)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_the_store_is_an_ocrkit_error_and_an_os_error(tmp_path: Path) -> None:
    from ocrkit.store import sha256_of

    os.mkfifo(tmp_path / "fifo.traineddata")
    with pytest.raises(ocrkit.errors.OcrkitError, match="is a FIFO, not a regular file") as info:
        sha256_of(tmp_path / "fifo.traineddata")
    assert isinstance(info.value, OSError)


def test_unknown_format_lists_the_formats() -> None:
    from ocrkit.formats import FORMATS, render

    with pytest.raises(ocrkit.errors.UnknownFormatError, match=f"unknown output format 'docx'; use one of {', '.join(FORMATS)}"):
        render([], "docx")
