"""Resident memory of the tesseract backend across open -> recognise -> free cycles.

Run in a fresh interpreter (the test does; so can you):

    OCRKIT_HOME=/tmp/h python benchmarks/tesseract_rss.py 20

Prints one JSON object, all figures in MiB:
``import_tesserocr`` what importing the library adds (code, never returned);
``first_cycle`` RSS after the first open/recognise/free above the figure before
it (includes the import); ``loaded`` RSS while a model with two instances is
loaded and has recognised, above the same figure; ``after_free`` where RSS
settles after a warm cycle, above the warm baseline; ``growth`` the change over
the *cycles* further cycles.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ocrkit
from ocrkit.backend import release_memory, rss_bytes

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
IMAGES = [DATA / "page_simple.png", DATA / "two_columns.png", DATA / "german.png", DATA / "line_hello.png"]
MIB = 1024 * 1024


def settled_rss() -> float:
    release_memory()
    return rss_bytes() / MIB


def cycle(lang: str = "eng") -> float:
    """One open -> recognise (batch, both instances) -> free; returns RSS while loaded."""
    with ocrkit.open("tesseract", lang, pool_size=2) as ocr:
        ocr.recognize(IMAGES)
        loaded = rss_bytes() / MIB
    return loaded


def main(cycles: int) -> dict[str, float]:
    start = settled_rss()
    import tesserocr  # noqa: F401 - measured on purpose

    after_import = settled_rss()
    loaded = cycle()
    after_first = settled_rss()
    cycle("deu+eng")
    warm = settled_rss()
    loaded_warm = cycle()
    after_warm = settled_rss()
    for i in range(cycles):
        cycle("deu+eng" if i % 2 else "eng")
    end = settled_rss()
    return {
        "start": round(start, 1),
        "import_tesserocr": round(after_import - start, 1),
        "loaded": round(max(loaded, loaded_warm) - warm, 1),
        "first_cycle": round(after_first - start, 1),
        "after_free": round(after_warm - warm, 1),
        "growth": round(end - warm, 1),
        "cycles": cycles,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
