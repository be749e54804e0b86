"""Page analysis (issue 22): orientation, deskew and their cost, both built-in backends
side by side in one run.

    python -m benchmarks.page_analysis                       # documents/ sets + cardinal, skew, linn
    python -m benchmarks.page_analysis --step 4 --f1-pages 3  # a quick run on a loaded machine

- orientation: every --step-th page of documents/forms, typewritten-fr and two-column,
  and the four pages of pdf-corpus cardinal.pdf, turned 0/90/180/270 here (PIL), each
  analysed with the default settings: the share that comes out upright (the rotation
  applied is the one that was turned in);
- F1: --f1-pages pages per set read upright and turned by 90/180/270 (analysis on),
  bag-of-words F1 against the page's truth: turned minus upright;
- skew: skew.pdf and linn.pdf read with analysis on (and skew.pdf off, for reference),
  F1 against linn.txt (another engine's reading: the comparison is relative);
- cost: the upright F1 pages read with analysis on and off, interleaved (off, on, off,
  on; the faster of each), per backend: the ratio of the CPU times (process time, all
  threads: wall time on a loaded machine varies more than the 10 % being measured).

Skips (exit 0, a message) without ../shared. Writes the figures as JSON (--out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image

import ocrkit
from ocrkit.analysis import AnalysisSettings, analyse, find_angles, finish
from ocrkit.eval import bow_f1
from ocrkit.images import PageImage, load_image

SETS = ("forms", "typewritten-fr", "two-column")
ROTATIONS = (0, 90, 180, 270)
RENDER_DPI = 200.0


def _shared() -> Path:
    env = os.environ.get("OCRKIT_SHARED_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _documents(step: int) -> list[tuple[str, Image.Image, str]]:
    pages = []
    for folder in SETS:
        root = _shared() / "documents" / folder
        rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
        for row in rows[::step]:
            image = Image.open(root / row["image"])
            image.load()
            pages.append((f"{folder}/{Path(row['image']).name}", image, row["text"]))
    return pages


def _pdf_pages(name: str) -> list[Image.Image]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(_shared() / "pdf-corpus" / "files" / name))
    try:
        return [pdf[i].render(scale=RENDER_DPI / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    finally:
        pdf.close()


def _turned(image: Image.Image, rotation: int) -> Image.Image:
    """Content turned clockwise by *rotation*, as a scanner would hand it over."""
    return image.rotate(-rotation, expand=True) if rotation else image


def _read(engine: Any, image: PageImage, settings: AnalysisSettings) -> tuple[ocrkit.Page, float]:
    """The page read with *settings*, and the CPU seconds it took (this process, every
    thread: on a loaded machine wall time swings by 20 % between identical runs)."""
    start = time.process_time()
    ready, transform = analyse(image, settings, engine)
    page = finish(engine.recognize(ready), transform)
    return page, time.process_time() - start


def _orientation(engine: Any, pages: list[tuple[str, Image.Image]]) -> dict[str, Any]:
    settings = AnalysisSettings()
    right, wrong, seconds = 0, [], 0.0
    for name, image in pages:
        for rotation in ROTATIONS:
            page = load_image(_turned(image, rotation))
            start = time.perf_counter()
            found = find_angles(page, settings, engine)
            seconds += time.perf_counter() - start
            applied = found.rotation if found.rotation_confidence >= settings.rotate_pages_threshold else 0
            if applied == rotation:
                right += 1
            else:
                wrong.append(f"{name}@{rotation}: {applied} ({found.rotation_confidence:.2f})")
    total = right + len(wrong)
    return {"pages": total, "upright": right, "share": right / total, "wrong": wrong,
            "analysis_ms": 1000 * seconds / total}


def _f1_and_cost(engine: Any, pages: list[tuple[str, Image.Image, str]]) -> dict[str, Any]:
    on, off = AnalysisSettings(), AnalysisSettings.off()
    upright_f1, turned_f1, time_on, time_off = [], [], 0.0, 0.0
    for _, image, truth in pages:
        upright = load_image(image)
        # interleaved: the same page off, on, off, on; the faster of each pair
        _, t_off = _read(engine, upright, off)
        page, t_on = _read(engine, upright, on)
        _, t_off2 = _read(engine, upright, off)
        _, t_on2 = _read(engine, upright, on)
        time_off += min(t_off, t_off2)
        time_on += min(t_on, t_on2)
        f1 = bow_f1(truth, page.text)
        upright_f1.append(f1)
        for rotation in ROTATIONS[1:]:
            turned, _ = _read(engine, load_image(_turned(image, rotation)), on)
            turned_f1.append(bow_f1(truth, turned.text) - f1)
    n = len(pages)
    return {
        "pages": n,
        "upright_f1": sum(upright_f1) / n,
        "turned_minus_upright_f1": sum(turned_f1) / len(turned_f1),
        "worst_turned_minus_upright_f1": min(turned_f1),
        "seconds_per_page_on": time_on / n,  # CPU seconds
        "seconds_per_page_off": time_off / n,
        "cost_ratio": time_on / time_off,
    }


def _skew(engine: Any) -> dict[str, Any]:
    reference = (_shared() / "pdf-corpus" / "files" / "linn.txt").read_text(encoding="utf-8")
    linn = load_image(_pdf_pages("linn.pdf")[0])
    skewed = load_image(_pdf_pages("skew.pdf")[0])
    on = AnalysisSettings()
    linn_page, _ = _read(engine, linn, on)
    skew_page, _ = _read(engine, skewed, on)
    skew_off, _ = _read(engine, skewed, AnalysisSettings.off())
    return {
        "linn_f1": bow_f1(reference, linn_page.text),
        "skew_f1": bow_f1(reference, skew_page.text),
        "skew_f1_analysis_off": bow_f1(reference, skew_off.text),
        "skew_measured": skew_page.skew,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.page_analysis", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", dest="backends", action="append", choices=("tesseract", "onnx"))
    parser.add_argument("--step", type=int, default=1, help="every STEP-th page of each documents/ set (default 1)")
    parser.add_argument("--f1-pages", type=int, default=3, help="pages per set for F1 and cost (default 3)")
    parser.add_argument("--out", type=Path, default=Path("docs") / "benchmarks" / "page-analysis.json")
    args = parser.parse_args(argv)
    if not (_shared() / "documents").is_dir():
        print(f"skipped: {_shared() / 'documents'} not found (the shared datasets sit beside the repository)")
        return 0
    documents = _documents(args.step)
    cardinal = [(f"cardinal.pdf#{i + 1}", p) for i, p in enumerate(_pdf_pages("cardinal.pdf"))]
    # cardinal's pages are linn turned 0/90/180/270: its first page is the upright one to turn here
    orientation_pages = [(name, image) for name, image, _ in documents] + cardinal[:1]
    f1_pages = []
    for folder in SETS:
        f1_pages += [p for p in documents if p[0].startswith(folder)][: args.f1_pages]
    results: dict[str, Any] = {"step": args.step, "f1_pages_per_set": args.f1_pages}
    for backend in args.backends or ["tesseract", "onnx"]:
        with ocrkit.open(backend) as engine:
            row = {"orientation": _orientation(engine, orientation_pages),
                   "cardinal_as_given": _orientation_as_given(engine, cardinal),
                   "f1_and_cost": _f1_and_cost(engine, f1_pages), "skew": _skew(engine)}
        results[backend] = row
        _print(backend, row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def _orientation_as_given(engine: Any, cardinal: list[tuple[str, Image.Image]]) -> dict[str, Any]:
    """cardinal.pdf's own four pages (0/90/180/270 as the file has them): the applied rotation."""
    settings = AnalysisSettings()
    applied = []
    for _, image in cardinal:
        found = find_angles(load_image(image), settings, engine)
        applied.append(found.rotation if found.rotation_confidence >= settings.rotate_pages_threshold else 0)
    return {"applied": applied}


def _print(backend: str, row: dict[str, Any]) -> None:
    o, f, s = row["orientation"], row["f1_and_cost"], row["skew"]
    print(f"{backend}: upright {o['upright']}/{o['pages']} ({100 * o['share']:.1f}%), analysis {o['analysis_ms']:.0f} ms/page; "
          f"cardinal.pdf as given -> rotations {row['cardinal_as_given']['applied']}")
    print(f"  F1 upright {f['upright_f1']:.3f}, turned - upright {f['turned_minus_upright_f1']:+.4f} "
          f"(worst {f['worst_turned_minus_upright_f1']:+.4f}); CPU on/off {f['seconds_per_page_on']:.2f}/"
          f"{f['seconds_per_page_off']:.2f} s = {f['cost_ratio']:.3f}x")
    print(f"  linn F1 {s['linn_f1']:.3f}, skew F1 {s['skew_f1']:.3f} (off: {s['skew_f1_analysis_off']:.3f}), "
          f"skew measured {s['skew_measured']:+.2f} deg")
    for miss in o["wrong"]:
        print(f"  not upright: {miss}")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
