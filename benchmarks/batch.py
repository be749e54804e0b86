"""``ocrkit batch`` against the other ways to read a folder, side by side in one run.

    python -m benchmarks.batch                  # 200 images: 60 SROIE receipts + 140 UW3 lines
    python -m benchmarks.batch --receipts 10 --lines 40      # a quick look

Contenders, interleaved round by round on the same images (all with the tesseract
backend, page layout, text output):

- ``batch``      ``ocrkit batch DIR --out OUT`` with the default ``--jobs``
- ``batch-j1``   the same with ``--jobs 1`` (one process, one engine)
- ``loop``       a shell loop: ``for f in DIR/*; do ocrkit read "$f"; done``
- ``read-all``   one ``ocrkit read DIR/*`` (one process, the backend's own threads)
- ``dask``       ``ocrkit batch DIR --out OUT --dask local:2``

Then one more batch through the Python API with ``--max-pages-per-worker`` to
record every worker's resident memory after each file (peak per worker, first
worker vs last). Prints ratios against ``loop``; figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(os.environ.get("OCRKIT_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
OCRKIT = [sys.executable, "-m", "ocrkit.cli"]


def build_inputs(folder: Path, receipts: int, lines: int) -> list[Path]:
    """Copy *receipts* SROIE pages and *lines* UW3 lines into *folder* (interleaved names)."""
    folder.mkdir(parents=True)
    picked: list[Path] = []
    for name, count in (("sroie-receipts", receipts), ("uw3-lines", lines)):
        rows = [json.loads(x) for x in (SHARED / name / "manifest.jsonl").read_text().splitlines() if x.strip()]
        picked += [SHARED / name / r["image"] for r in rows[:count]]
    files = []
    for i, src in enumerate(picked):
        dst = folder / f"{i:03d}{src.suffix}"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def contenders(inputs: Path, files: list[Path], work: Path) -> dict[str, object]:
    def batch(*extra: str):
        def go(out: Path) -> None:
            subprocess.run([*OCRKIT, "batch", str(inputs), "--out", str(out), "-q", *extra], check=False)
        return go

    def loop(out: Path) -> None:
        out.mkdir()
        for f in files:
            with open(out / f"{f.name}.txt", "wb") as fh:
                subprocess.run([*OCRKIT, "read", str(f)], stdout=fh, check=False)

    def read_all(out: Path) -> None:
        out.mkdir()
        with open(out / "all.txt", "wb") as fh:
            subprocess.run([*OCRKIT, "read", *map(str, files)], stdout=fh, check=False)

    return {"batch": batch(), "batch-j1": batch("--jobs", "1"), "loop": loop, "read-all": read_all,
            "dask": batch("--dask", "local:2")}


def rss_run(inputs: Path, out: Path, max_pages: int) -> dict[str, list[int]]:
    import ocrkit.batch

    per_worker: dict[str, list[int]] = {}
    for event in ocrkit.batch.run([inputs], out, max_pages_per_worker=max_pages):
        if isinstance(event, ocrkit.batch.FileResult) and event.worker_rss:
            per_worker.setdefault(event.worker, []).append(event.worker_rss)
    return per_worker


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--receipts", type=int, default=60)
    ap.add_argument("--lines", type=int, default=140)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--max-pages-per-worker", type=int, default=20)
    args = ap.parse_args()
    if not (SHARED / "uw3-lines").is_dir():
        sys.exit(f"shared datasets not found at {SHARED}")
    import ocrkit.batch

    with tempfile.TemporaryDirectory(prefix="ocrkit-bench-batch-") as tmp:
        work = Path(tmp)
        files = build_inputs(work / "in", args.receipts, args.lines)
        runs = contenders(work / "in", files, work)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for r in range(args.rounds):
            order = list(runs) if r % 2 == 0 else list(reversed(runs))  # interleaved, alternating order
            for name in order:
                out = work / f"out-{name}-{r}"
                start = time.perf_counter()
                runs[name](out)  # type: ignore[operator]
                times[name].append(time.perf_counter() - start)
                print(f"  round {r + 1} {name:9s} {times[name][-1]:7.1f} s", file=sys.stderr, flush=True)
        rss = rss_run(work / "in", work / "out-rss", args.max_pages_per_worker)
    n = len(files)
    base = statistics.median(times["loop"])
    print(f"{n} images ({args.receipts} receipts + {args.lines} lines), {args.rounds} round(s), "
          f"default --jobs = {ocrkit.batch.default_jobs()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'contender':10s} {'images/s':>9s} {'x loop':>7s}")
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"{name:10s} {n / t:9.2f} {base / t:7.2f}")
    print(f"dask local:2 / batch = {statistics.median(times['batch']) / statistics.median(times['dask']):.2f}")
    print(f"per-worker peak RSS with --max-pages-per-worker {args.max_pages_per_worker} (MB), in start order:")
    print("  " + ", ".join(f"{max(v) / 2**20:.0f}" for v in rss.values()))


if __name__ == "__main__":
    main()
