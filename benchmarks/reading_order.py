"""Reading order and small text, side by side in one run (issue 22).

    python -m benchmarks.reading_order                       # everything, small counts
    python -m benchmarks.reading_order --receipts 10 --forms 10 --typewritten 30 --json out.json

- **order**: the order score (``ocrkit.eval.order_score``) on the two-column article
  pages (documents/two-column) and on linn.pdf against linn.txt (another engine's
  column-order reading), for ocrkit onnx (the core's reading order), ocrkit tesseract
  (its own layout), RapidOCR (the same PP-OCR models, no column order) and OCRmyPDF's
  built-in Tesseract engine (the text layer of its output PDF, as pypdfium2 extracts it);
- **rows**: receipts (sroie-receipts) and forms (documents/forms): bag-of-words F1, page
  CER and order score against the row-by-row truth, onnx and RapidOCR (case-insensitive);
- **small text**: documents/typewritten-fr, the onnx backend with the detector at a
  fixed 960 px (``det_limit_side_len=960``: the old default) and sized by the page (the
  default), interleaved page by page in one process; CER and CPU seconds per page
  (``time.process_time``: every thread's CPU, less sensitive than wall time to a loaded
  machine). RapidOCR (its own defaults) as the comparison row.

Skips what ``../shared/datasets`` does not have. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocrkit.eval import OrderScore, TextScore, order_score, score_text

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OCRKIT_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))
TWO_COLUMN = SHARED / "documents" / "two-column"
FORMS = SHARED / "documents" / "forms"
TYPEWRITTEN = SHARED / "documents" / "typewritten-fr"
SROIE = SHARED / "sroie-receipts"
LINN = SHARED / "pdf-corpus" / "files" / "linn.pdf"
TWO_COLUMN_DPI = 200  # DocBank pages are rendered at 200 dpi

Reader = Callable[[Path], str]


def _rows(folder: Path, limit: int | None = None) -> list[dict[str, Any]]:
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file():
        return []
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def _ocrkit(backend: str, **options: Any) -> tuple[Reader, Callable[[], None]]:
    import ocrkit

    engine = ocrkit.open(backend, **options)
    return (lambda path: engine.recognize(path).text), engine.free_resources


def _rapidocr() -> tuple[Reader, Callable[[], None]] | None:
    try:
        from rapidocr import RapidOCR
    except ImportError:
        return None
    engine = RapidOCR(params={"Global.log_level": "warning"})
    return (lambda path: "\n".join(engine(str(path)).txts or ())), lambda: None


def _pdf_text(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def _ocrmypdf(source: Path, tmp: Path) -> list[str] | None:
    """Page texts of OCRmyPDF's built-in Tesseract engine on *source* (a PDF), or None."""
    command = Path(sys.executable).with_name("ocrmypdf")
    if not command.exists():
        return None
    out = tmp / f"{source.stem}.ocr.pdf"
    done = subprocess.run([str(command), "--force-ocr", "--output-type", "pdf", "--optimize", "0", "--quiet",
                           "--ocr-engine", "tesseract", str(source), str(out)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"OCRmyPDF failed on {source.name}: {done.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return _pdf_text(out)


def _images_pdf(images: list[Path], dpi: int, out: Path) -> Path:
    import img2pdf

    out.write_bytes(img2pdf.convert([str(p) for p in images], layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))
    return out


def order_table(limit_pages: int | None) -> list[dict[str, Any]]:
    """Order score per contender on the two-column pages and on linn.pdf."""
    rows = _rows(TWO_COLUMN, limit_pages)
    linn_truth = LINN.with_suffix(".txt")
    readers: dict[str, tuple[Reader, Callable[[], None]] | None] = {
        "ocrkit onnx": _ocrkit("onnx"), "ocrkit tesseract": _ocrkit("tesseract"), "RapidOCR": _rapidocr(),
    }
    results: dict[str, dict[str, OrderScore]] = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        linn_png: Path | None = None
        if LINN.is_file():
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(str(LINN))
            linn_png = tmp / "linn.png"
            document[0].render(scale=300 / 72).to_pil().save(linn_png)
            document.close()
        for name, reader in readers.items():
            if reader is None:
                continue
            read, close = reader
            scores = results.setdefault(name, {"two-column": OrderScore(), "linn": OrderScore()})
            for row in rows:
                scores["two-column"] += order_score(row["text"], read(TWO_COLUMN / row["image"]))
            if linn_png is not None and linn_truth.is_file():
                scores["linn"] += order_score(linn_truth.read_text(encoding="utf-8"), read(linn_png))
            close()
        if rows:
            pdf = _images_pdf([TWO_COLUMN / r["image"] for r in rows], TWO_COLUMN_DPI, tmp / "two-column.pdf")
            texts = _ocrmypdf(pdf, tmp)
            linn_texts = _ocrmypdf(LINN, tmp) if LINN.is_file() else None
            if texts is not None:
                scores = results.setdefault("OCRmyPDF built-in Tesseract", {"two-column": OrderScore(), "linn": OrderScore()})
                for row, text in zip(rows, texts):
                    scores["two-column"] += order_score(row["text"], text)
                if linn_texts and linn_truth.is_file():
                    scores["linn"] += order_score(linn_truth.read_text(encoding="utf-8"), linn_texts[0])
    print(f"\n### Order score ({len(rows)} two-column pages; linn.pdf against linn.txt)\n")
    print("| contender | two-column pages | linn.pdf |")
    print("|---|---:|---:|")
    out = []
    for name, scores in results.items():
        print(f"| {name} | {scores['two-column'].score:.3f} | {scores['linn'].score:.3f} |")
        out.append({"contender": name, **{k: v.to_dict() for k, v in scores.items()}})
    return out


def rows_table(receipts: int, forms: int) -> list[dict[str, Any]]:
    """F1, page CER and order on receipts and forms (row-by-row truth), onnx and RapidOCR."""
    sets = [("sroie-receipts", SROIE, _rows(SROIE, receipts)), ("forms", FORMS, _rows(FORMS, forms))]
    readers = {"ocrkit onnx": _ocrkit("onnx"), "RapidOCR": _rapidocr()}
    print("\n### Rows kept: receipts and forms (case-insensitive)\n")
    print("| contender | set | pages | bag-of-words F1 | page CER | order score |")
    print("|---|---|---:|---:|---:|---:|")
    out = []
    for name, reader in readers.items():
        if reader is None:
            continue
        read, close = reader
        for label, folder, rows in sets:
            if not rows:
                continue
            total, order = TextScore(), OrderScore()
            f1 = []
            for row in rows:
                text = read(folder / row["image"])
                # SROIE: F1 against every non-ignored box (its '***' boxes are not words), as tests/onnx does
                reference = (" ".join(b["text"] for b in row["boxes"] if not b.get("ignore"))
                             if label == "sroie-receipts" else row["text"])
                f1.append(score_text(reference, text, ignore_case=True).bow_f1)
                total += score_text(row["text"], text, ignore_case=True)
                order += order_score(row["text"], text, ignore_case=True)
            mean_f1 = sum(f1) / len(f1)
            print(f"| {name} | {label} | {len(rows)} | {mean_f1:.3f} | {total.cer:.2%} | {order.score:.3f} |")
            out.append({"contender": name, "set": label, "pages": len(rows), "mean_bow_f1": mean_f1,
                        "page_cer": total.cer, "order": order.to_dict()})
        close()
    return out


def small_text_table(pages: int, stride: int = 1) -> list[dict[str, Any]]:
    """onnx on typewritten-fr: fixed 960 vs sized by the page, interleaved; RapidOCR.
    *stride*: every stride-th page of the first *pages* (a sample across the sub-corpora)."""
    rows = _rows(TYPEWRITTEN, pages)[::stride]
    if not rows:
        return []
    contenders: dict[str, tuple[Reader, Callable[[], None]] | None] = {
        "ocrkit onnx, detector 960 px (fixed)": _ocrkit("onnx", det_limit_side_len=960),
        "ocrkit onnx, detector sized by the page": _ocrkit("onnx"),
        "RapidOCR": _rapidocr(),
    }
    totals = {name: [TextScore(), 0.0] for name, reader in contenders.items() if reader is not None}
    for row in rows:
        for name in totals:
            read = contenders[name][0]  # type: ignore[index]
            start = time.process_time()
            text = read(TYPEWRITTEN / row["image"])
            totals[name][1] += time.process_time() - start  # type: ignore[operator]
            totals[name][0] += score_text(row["text"], text)  # type: ignore[operator]
    for reader in contenders.values():
        if reader is not None:
            reader[1]()
    base = totals["ocrkit onnx, detector 960 px (fixed)"][1]
    print(f"\n### Small text on large scans: documents/typewritten-fr ({len(rows)} pages)\n")
    print("| contender | CER | CPU s / page | CPU vs fixed 960 |")
    print("|---|---:|---:|---:|")
    out = []
    for name, (score, cpu) in totals.items():
        print(f"| {name} | {score.cer:.2%} | {cpu / len(rows):.2f} | {cpu / base:.2f}x |")  # type: ignore[operator, union-attr]
        out.append({"contender": name, "pages": len(rows), "cer": score.cer, "cpu_s": cpu})  # type: ignore[union-attr]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--two-column", type=int, default=None, metavar="N", help="two-column pages (default: all 4)")
    parser.add_argument("--receipts", type=int, default=10)
    parser.add_argument("--forms", type=int, default=10)
    parser.add_argument("--typewritten", type=int, default=30)
    parser.add_argument("--stride", type=int, default=1, help="every N-th typewritten page only")
    parser.add_argument("--skip", action="append", default=[], choices=["order", "rows", "small-text"])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    if "order" not in args.skip:
        figures["order"] = order_table(args.two_column)
    if "rows" not in args.skip:
        figures["rows"] = rows_table(args.receipts, args.forms)
    if "small-text" not in args.skip:
        figures["small_text"] = small_text_table(args.typewritten, args.stride)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
