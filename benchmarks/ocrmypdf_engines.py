"""OCRmyPDF with its built-in Tesseract engine vs ``--ocr-engine ocrkit`` with the
tesseract and onnx backends, side by side in one run, on one 20-page PDF built
from SROIE receipts (ground truth known).

    python -m benchmarks.ocrmypdf_engines             # ../shared/datasets/sroie-receipts
    python -m benchmarks.ocrmypdf_engines --pages 20 --jobs 2 --rounds 1

Each contender is the real ``ocrmypdf`` command on the same PDF with the same
``--jobs`` (and ``--output-type pdf --optimize 0``: no PDF/A, no image optimisation,
so the time is OCR and text-layer work). Rounds interleave the contenders. The
text layer of each output is extracted with pypdfium2 and scored page by page with
bag-of-words F1 against the ground truth (case-insensitive: SROIE's truth is
upper case). Prints a Markdown table; ``--json`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import img2pdf
import pypdfium2 as pdfium

from ocrkit.eval import bow_f1

REPO = Path(__file__).resolve().parents[1]
SROIE = Path(os.environ.get("OCRKIT_SHARED_DATASETS", REPO.parent / "shared" / "datasets")) / "sroie-receipts"
#: Receipts are ~80 mm wide scans of ~940 pixels: about 300 dpi.
RECEIPT_DPI = 300

CONTENDERS: dict[str, list[str]] = {
    "OCRmyPDF built-in Tesseract": ["--ocr-engine", "tesseract"],
    "ocrkit tesseract": ["--ocr-engine", "ocrkit", "--ocrkit-backend", "tesseract"],
    "ocrkit onnx": ["--ocr-engine", "ocrkit", "--ocrkit-backend", "onnx"],
}


def build_pdf(count: int, out: Path) -> list[str]:
    """The first *count* receipts as one PDF; returns their ground-truth texts."""
    rows = [json.loads(line) for line in (SROIE / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rows = rows[:count]
    layout = img2pdf.get_fixed_dpi_layout_fun((RECEIPT_DPI, RECEIPT_DPI))
    out.write_bytes(img2pdf.convert([str(SROIE / r["image"]) for r in rows], layout_fun=layout))
    return [r["text"] for r in rows]


def page_texts(pdf_path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def run(args: list[str], source: Path, out: Path, jobs: int) -> float:
    ocrmypdf_cmd = Path(sys.executable).with_name("ocrmypdf")
    start = time.perf_counter()
    done = subprocess.run([str(ocrmypdf_cmd), "--jobs", str(jobs), "--output-type", "pdf", "--optimize", "0",
                           "--quiet", *args, str(source), str(out)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not (SROIE / "manifest.jsonl").is_file():
        raise SystemExit(f"SROIE receipts not found at {SROIE}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "receipts.pdf"
        truths = build_pdf(args.pages, source)
        seconds: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        f1: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, extra in CONTENDERS.items():
                out = Path(tmp) / f"{name.replace(' ', '_')}.pdf"
                seconds[name].append(run(extra, source, out, args.jobs))
                texts = page_texts(out)
                f1[name] = sum(bow_f1(t, h, ignore_case=True) for t, h in zip(truths, texts)) / len(truths)
    base = min(seconds["OCRmyPDF built-in Tesseract"])
    rows = []
    print(f"{args.pages} SROIE receipts, --jobs {args.jobs}, best of {args.rounds} interleaved round(s)\n")
    print("| contender | pages/s | throughput vs built-in | bag-of-words F1 |")
    print("|---|---:|---:|---:|")
    for name in CONTENDERS:
        best = min(seconds[name])
        rows.append({"contender": name, "seconds": seconds[name], "pages_per_s": args.pages / best,
                     "throughput_ratio": base / best, "bow_f1": f1[name]})
        print(f"| {name} | {args.pages / best:.2f} | {base / best:.2f}x | {f1[name]:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"pages": args.pages, "jobs": args.jobs, "rounds": args.rounds,
                                         "results": rows}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
