"""Load test of ``ocrkit serve``: a real server on 127.0.0.1 driven by a bounded async client.

    python benchmarks/serve_load.py [--requests 1000] [--concurrency 16] [--steady 120]

1. Throughput: the same good requests through HTTP and through the in-process API
   with as many threads as the client has connections, interleaved (in-process,
   HTTP, in-process, HTTP); the ratio of the best rounds is the HTTP layer's cost.
2. Mixed: ``--requests`` requests, 10% bad (corrupt, oversized body, too many pixels,
   not an image); every status is counted, every good answer compared with the
   in-process result.
3. Steady: ``--steady`` seconds of the same mix; the server's RSS is sampled each
   second (the last minute's max against the first minute's).

Targets (issue 16): zero 5xx, zero dropped connections, every good answer equal to
in-process, throughput >= 0.85x in-process, RSS flat (last minute max <= first + 20 MB).
Only 127.0.0.1; the server is always stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import psutil
from PIL import Image

import ocrkit
from ocrkit import formats

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
GOOD = ("line_hello.png", "line_numbers.png", "line_sentence.png")
MAX_BODY = 1_000_000
PARAMS = {"layout": "line"}


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def bad_inputs() -> list[tuple[str, bytes, int]]:
    """(kind, body, the status the server must answer)."""
    page = (DATA / "page_simple.png").read_bytes()
    return [
        ("corrupt", page[: len(page) // 3], 422),
        ("oversized body", os.urandom(MAX_BODY + 100_000), 413),
        ("too many pixels", _png(np.zeros((12_500, 12_500), dtype=np.uint8)), 413),
        ("not an image", b"%PDF-1.7 this is not a document" * 10, 422),
    ]


def mix(n: int, seed: int = 16) -> list[tuple[str, bytes, int]]:
    """*n* requests, every tenth one bad, in a fixed shuffled order."""
    good = [(name, (DATA / name).read_bytes(), 200) for name in GOOD]
    bad = bad_inputs()
    items = [bad[i // 10 % len(bad)] if i % 10 == 9 else good[i % len(good)] for i in range(n)]
    random.Random(seed).shuffle(items)
    return items


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocrkit", "serve", "--port", str(port), "--queue", "256",
         "--max-body-bytes", str(MAX_BODY), "--preload", "tesseract"],
        stdout=out, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start; see {log}")


class Tally:
    def __init__(self) -> None:
        self.statuses: dict[int, int] = {}
        self.dropped = 0
        self.wrong_status = 0
        self.mismatched = 0
        self.latencies: list[float] = []

    def line(self) -> str:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
        return (f"statuses {dict(sorted(self.statuses.items()))}  dropped {self.dropped}  "
                f"wrong status {self.wrong_status}  text mismatches {self.mismatched}  "
                f"latency p50 {q[49] * 1000:.0f} ms  p95 {q[94] * 1000:.0f} ms  p99 {q[98] * 1000:.0f} ms")


async def drive(url: str, items: list[tuple[str, bytes, int]], concurrency: int, expected: dict[str, str],
                tally: Tally, until: float | None = None) -> float:
    """Send *items* (cycled until *until*, if given) with at most *concurrency* in flight; wall seconds."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        queue: asyncio.Queue[tuple[str, bytes, int]] = asyncio.Queue()
        for item in items:
            queue.put_nowait(item)

        async def worker() -> None:
            while True:
                try:
                    name, body, want = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if until is not None and time.monotonic() < until:
                    queue.put_nowait((name, body, want))  # steady phase: keep cycling
                begin = time.perf_counter()
                try:
                    r = await client.post("/v1/read", params=PARAMS, content=body)
                except httpx.TransportError:
                    tally.dropped += 1
                    continue
                tally.latencies.append(time.perf_counter() - begin)
                tally.statuses[r.status_code] = tally.statuses.get(r.status_code, 0) + 1
                if r.status_code != want:
                    tally.wrong_status += 1
                elif want == 200 and r.text != expected[name]:
                    tally.mismatched += 1

        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - begin


def in_process(engine: ocrkit.Engine, items: list[tuple[str, bytes, int]], threads: int) -> float:
    """The call the server makes for each request (read the document, render it), from *threads* threads."""
    begin = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda item: formats.render(list(engine.read_document(item[1], **PARAMS)), "text"), items))
    return time.perf_counter() - begin


def _cpu_seconds() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--steady", type=float, default=120.0, metavar="SECONDS")
    ap.add_argument("--log", type=Path, default=Path("serve-load.log"), help="the server's output")
    args = ap.parse_args()

    items = mix(args.requests)
    good = [it for it in items if it[2] == 200]
    proc, url = start_server(args.log)
    server = psutil.Process(proc.pid)
    try:
        with ocrkit.open("tesseract") as engine:
            expected = {n: formats.render([engine.recognize((DATA / n).read_bytes(), layout="line")], "text")
                        for n in GOOD}
            asyncio.run(drive(url, good[:32], args.concurrency, expected, Tally()))  # warm both sides
            in_process(engine, good[:32], args.concurrency)
            api_s, http_s, client_cpu = [], [], []
            for _ in range(2):  # interleaved rounds, same work
                api_s.append(in_process(engine, good, args.concurrency))
                cpu = _cpu_seconds()
                http_s.append(asyncio.run(drive(url, good, args.concurrency, expected, Tally())))
                client_cpu.append(_cpu_seconds() - cpu)
        print(f"throughput, {len(good)} good requests, {args.concurrency} threads/connections, 2 interleaved rounds:")
        print(f"  in-process {len(good) / min(api_s):.1f}/s  HTTP {len(good) / min(http_s):.1f}/s  "
              f"ratio HTTP/in-process {min(api_s) / min(http_s):.2f} (rounds: api {api_s}, http {http_s})")
        share = [c / (w * (os.cpu_count() or 1)) for c, w in zip(client_cpu, http_s)]
        print(f"  the HTTP client itself used {max(share):.0%} of the machine's CPU during the HTTP rounds "
              f"(on the same cores as the server)")

        mixed = Tally()
        wall = asyncio.run(drive(url, items, args.concurrency, expected, mixed))
        print(f"mixed: {len(items)} requests (10% bad) in {wall:.1f} s: {mixed.line()}")

        rss: list[tuple[float, int]] = []
        steady = Tally()
        start = time.monotonic()

        async def sample() -> None:
            while time.monotonic() - start < args.steady:
                rss.append((time.monotonic() - start, server.memory_info().rss))
                await asyncio.sleep(1.0)

        async def steady_phase() -> None:
            await asyncio.gather(sample(), drive(url, items, args.concurrency, expected, steady,
                                                 until=start + args.steady))

        asyncio.run(steady_phase())
        half = args.steady / 2
        first = max(r for t, r in rss if t < half) / 2**20
        last = max(r for t, r in rss if t >= half) / 2**20
        print(f"steady: {sum(steady.statuses.values())} requests in {args.steady:.0f} s: {steady.line()}")
        print(f"  server RSS max first half {first:.1f} MB, last half {last:.1f} MB, growth {last - first:+.1f} MB")
        fivexx = sum(n for s, n in {**mixed.statuses}.items() if s >= 500) + \
            sum(n for s, n in steady.statuses.items() if s >= 500)
        ok = (fivexx == 0 and mixed.dropped + steady.dropped == 0 and mixed.mismatched + steady.mismatched == 0
              and mixed.wrong_status + steady.wrong_status == 0 and last - first <= 20)
        print(f"targets (zero 5xx/dropped/mismatch, RSS flat): {'met' if ok else 'NOT met'}; "
              f"throughput ratio {min(api_s) / min(http_s):.2f} (target >= 0.85)")
        return 0 if ok else 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
            print(f"server stopped with exit code {code}")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
