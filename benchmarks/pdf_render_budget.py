"""What the render budget costs a normal PDF: PDFium in a worker process against PDFium
in the caller (what ocrkit did before issue 21).

    python -m benchmarks.pdf_render_budget                  # 20 pages at 300 dpi, 3 rounds
    python -m benchmarks.pdf_render_budget --pages 10 --dpi 200 --rounds 5

Builds a PDF of scanned-looking pages (a SROIE receipt or, without the shared datasets,
rendered text, embedded as JPEG at 300 dpi) and renders every page, taking turns:

- ``in-process``: pypdfium2 in this process, RGB, the array copied out of the bitmap,
  as ``PdfSource.render`` did before;
- ``worker``: ``ocrkit.documents.iter_source_pages`` (a render worker with its memory cap
  and deadline, pixels back through a memfd, grey pages as grey);
- ``worker, first document``: the same with no idle worker (a worker is started).

Prints ms per page and the ratio worker / in-process (the per-page cost of the budget),
and writes the figures as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

SROIE = Path("..") / "shared" / "datasets" / "sroie-receipts"


def _page_image(index: int) -> Image.Image:
    found = sorted(SROIE.rglob("*.jpg"))[index:index + 1] if SROIE.is_dir() else []
    if found:
        return Image.open(found[0]).convert("RGB")
    img = Image.new("RGB", (2480, 3508), "white")  # A4 at 300 dpi
    draw = ImageDraw.Draw(img)
    for line in range(60):
        draw.text((150, 150 + line * 55), f"Line {line} of page {index}: the quick brown fox jumps over the lazy dog",
                  fill=(20, 20, 20))
    return img


def build_pdf(pages: int) -> bytes:
    frames = [_page_image(i) for i in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, format="PDF", save_all=True, append_images=frames[1:], resolution=300.0, quality=85)
    return out.getvalue()


def in_process(data: bytes, dpi: float) -> list[float]:
    """The pre-issue-21 renderer: PDFium here, RGB, copied out of the bitmap."""
    import pypdfium2

    times = []
    doc = pypdfium2.PdfDocument(data)
    try:
        for i in range(len(doc)):
            begin = time.perf_counter()
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True, may_draw_forms=False)
            view = bitmap.to_numpy()
            pixels = np.array(view if view.ndim == 2 else view[:, :, :3], dtype=np.uint8, order="C")
            bitmap.close()
            page.close()
            times.append(time.perf_counter() - begin)
            del pixels
    finally:
        doc.close()
    return times


def in_worker(data: bytes, dpi: float) -> list[float]:
    from ocrkit.documents import iter_source_pages

    times = []
    pages = iter_source_pages(data, dpi=dpi)
    while True:
        begin = time.perf_counter()
        try:
            page = next(pages)
        except StopIteration:
            break
        times.append(time.perf_counter() - begin)
        del page
    return times


def first_document(data: bytes, dpi: float) -> float:
    """Seconds for the whole document with no idle worker (one is started)."""
    from ocrkit.documents import _renderer

    _renderer._end_idle_workers()
    begin = time.perf_counter()
    in_worker(data, dpi)
    return time.perf_counter() - begin


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=20)
    p.add_argument("--dpi", type=float, default=300.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = p.parse_args(argv)
    data = build_pdf(args.pages)
    in_worker(data, args.dpi)  # warm: a worker is idle, pypdfium2 imported
    rounds: dict[str, list[float]] = {"in-process": [], "worker": []}
    for _ in range(args.rounds):
        rounds["in-process"].append(statistics.median(in_process(data, args.dpi)))
        rounds["worker"].append(statistics.median(in_worker(data, args.dpi)))
    first = first_document(data, args.dpi)
    result: dict[str, Any] = {
        "pages": args.pages, "dpi": args.dpi, "pdf_bytes": len(data),
        "ms_per_page": {k: round(1000 * statistics.median(v), 1) for k, v in rounds.items()},
        "first_document_seconds": round(first, 2),
    }
    result["ratio_worker_vs_in_process"] = round(
        result["ms_per_page"]["worker"] / result["ms_per_page"]["in-process"], 3)
    print(f"{args.pages} pages at {args.dpi:g} dpi ({len(data) / 2**20:.1f} MiB PDF), median of {args.rounds} rounds:")
    for name, ms in result["ms_per_page"].items():
        print(f"  {name:<11} {ms:8.1f} ms/page")
    print(f"  ratio worker / in-process: {result['ratio_worker_vs_in_process']:.3f}")
    print(f"  a first document (worker started): {first:.2f} s for {args.pages} pages")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
