"""``ocrkit models quantize``: an int8 model set made from an fp32 one, checked
against it, and published into the store with how it was made.

The recogniser and the detector are quantised (:mod:`._quantize`), the angle
classifier (5% of a page's time) is copied as it is. Before anything becomes
visible in the store, the staged int8 set is loaded exactly as ``ocrkit.open``
would load it and read side by side with the fp32 set on the held-out part of
the calibration; outside the tolerance nothing is published and the error says
by how much.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ocrkit.backend import OcrkitError, sha256_of, staged_entry, store_name_problem

from ._calibration import Calibration, default_calibration, directory_calibration
from ._cpu import cpu_features
from ._discovery import BACKEND, discover_sets
from ._imageops import crop_quad
from ._manifest import MANIFEST_NAME, ModelSet, read_manifest
from ._quantize import DET_RECIPE, REC_RECIPE, Recipe, calibration_tensors, prepare
from ._quantize import quantize as quantize_file
from ._ranges import collect_ranges
from ._selection import DEFAULT_SET, select_set, set_from_record
from ._sessions import default_intra_threads

__all__ = ["Tolerance", "QuantizeResult", "QuantizationCheckError", "quantize", "quantize_set", "INT8_SUFFIX"]

INT8_SUFFIX = "-int8"
QUANTIZATION_FORMAT = 1

Progress = Callable[[str], None]


class QuantizationCheckError(OcrkitError):
    """The int8 set reads too differently from its fp32 set; it was not published."""


@dataclass(frozen=True)
class Tolerance:
    """How far the int8 set may read from the fp32 one on the held-out calibration data.

    Measured on this machine (VNNI): 0.1% of characters differ on scanned book
    lines and bag-of-words agreement is 0.99, so the defaults leave room for a
    small held-out part without letting a broken quantisation through.
    """

    max_line_cer: float = 0.01  # characters of held-out lines read differently (fraction)
    min_line_bow_f1: float = 0.95  # words of held-out lines in agreement
    min_page_bow_f1: float = 0.95  # words of held-out pages (detector + recogniser) in agreement
    min_box_match: float = 0.95  # fp32 line boxes found again at IoU > 0.5

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass
class QuantizeResult:
    """What ``quantize_set`` made: where, and the check's figures."""

    name: str
    path: Path
    source: str
    check: dict[str, Any]
    calibration: dict[str, Any]
    seconds: float
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)


# -- helpers ---------------------------------------------------------------------------


def _open_pipeline(model_set: ModelSet, threads: int) -> Any:
    from ._options import parse_options
    from ._pipeline import Pipeline

    return Pipeline(model_set, parse_options({"intra_op_threads": threads}))


def _cropper(pipeline: Any) -> Callable[[np.ndarray], list[np.ndarray]]:
    """A page cut into line crops exactly as the backend cuts it (fp32 detector)."""

    def crop_lines(page: np.ndarray) -> list[np.ndarray]:
        quads, _ = pipeline.detector.detect(page, pipeline.det_params)
        return [crop_quad(page, quad)[0] for quad in quads]

    return crop_lines


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _box_matches(reference: Sequence[Sequence[float]], other: Sequence[Sequence[float]]) -> int:
    """Reference boxes with a distinct partner at IoU > 0.5 (greedy, best first)."""
    pairs = sorted(((_iou(r, o), i, j) for i, r in enumerate(reference) for j, o in enumerate(other)), reverse=True)
    used_r: set[int] = set()
    used_o: set[int] = set()
    for iou, i, j in pairs:
        if iou <= 0.5:
            break
        if i not in used_r and j not in used_o:
            used_r.add(i)
            used_o.add(j)
    return len(used_r)


# -- the steps -------------------------------------------------------------------------


def _quantize_model(src: Path, dst: Path, work: Path, recipe: Recipe, feeds: Callable[[], Iterator[np.ndarray]],
                    threads: int) -> None:
    import onnx

    prepared = prepare(src, work, recipe)
    model = onnx.load(str(prepared))
    tensors = calibration_tensors(model, recipe.op_types)
    ranges = collect_ranges(model, tensors, feeds, recipe.calibration, recipe.percentile, threads)
    del model
    quantize_file(prepared, dst, recipe, ranges)


def check_against(fp32: Any, int8: Any, calibration: Calibration, tolerance: Tolerance) -> dict[str, Any]:
    """Read the held-out lines and pages with both pipelines; the figures and the
    problems (empty when within *tolerance*)."""
    from ocrkit.backend import PageImage, TextScore, score_text

    lines = TextScore()
    for crop in calibration.check_lines:
        image = PageImage(crop)
        a = fp32.recognize([image], "line")[0].text
        b = int8.recognize([image], "line")[0].text
        lines = lines + score_text(a, b)
    pages = TextScore()
    boxes = matched = 0
    for page in calibration.check_pages:
        image = PageImage(page)
        a, b = fp32.recognize([image], "page")[0], int8.recognize([image], "page")[0]
        pages = pages + score_text(a.text, b.text)
        ref = [line.bbox for line in a.lines]
        boxes += len(ref)
        matched += _box_matches(ref, [line.bbox for line in b.lines])
    figures: dict[str, Any] = {
        "held_out_lines": len(calibration.check_lines),
        "line_cer_vs_fp32": round(lines.cer, 5),
        "line_bow_f1_vs_fp32": round(lines.bow_f1, 5),
        "held_out_pages": len(calibration.check_pages),
        "page_bow_f1_vs_fp32": round(pages.bow_f1, 5) if calibration.check_pages else None,
        "box_match_vs_fp32": round(matched / boxes, 5) if boxes else None,
        "tolerance": tolerance.to_dict(),
    }
    problems: list[str] = []
    if lines.cer > tolerance.max_line_cer:
        problems.append(f"held-out lines: {lines.cer:.2%} of characters read differently from fp32 "
                        f"(tolerance {tolerance.max_line_cer:.2%}, {100 * (lines.cer - tolerance.max_line_cer):.2f} "
                        "points over)")
    if lines.bow_f1 < tolerance.min_line_bow_f1:
        problems.append(f"held-out lines: word agreement {lines.bow_f1:.3f} (tolerance >= "
                        f"{tolerance.min_line_bow_f1:.3f}, {tolerance.min_line_bow_f1 - lines.bow_f1:.3f} short)")
    if calibration.check_pages and pages.bow_f1 < tolerance.min_page_bow_f1:
        problems.append(f"held-out pages: word agreement {pages.bow_f1:.3f} (tolerance >= "
                        f"{tolerance.min_page_bow_f1:.3f}, {tolerance.min_page_bow_f1 - pages.bow_f1:.3f} short)")
    if boxes and matched / boxes < tolerance.min_box_match:
        problems.append(f"held-out pages: {matched / boxes:.1%} of line boxes found again (tolerance >= "
                        f"{tolerance.min_box_match:.0%}, {100 * (tolerance.min_box_match - matched / boxes):.1f} "
                        "points short)")
    figures["problems"] = problems
    return figures


def _manifest(source: ModelSet, name: str, rec_file: str, det_file: str, made: dict[str, Any]) -> dict[str, Any]:
    derived = replace(source, name=name, det=replace(source.det, file=det_file),
                      rec=replace(source.rec, file=rec_file), quantization=made)
    return derived.to_manifest()


def quantize_set(
    source: ModelSet,
    dest_dir: Path,
    *,
    name: str | None = None,
    calibrate: Path | None = None,
    lines: int = 96,
    pages: int = 6,
    tolerance: Tolerance = Tolerance(),
    threads: int = 0,
    progress: Progress | None = None,
) -> QuantizeResult:
    """Make ``dest_dir/<name>`` (default ``<source>-int8``): an int8 copy of *source*
    calibrated on *calibrate* (a folder of pages or line images) or on the default
    calibration (*lines* rendered lines, *pages* composed pages, the project's test
    images), checked against *source* on the held-out part.

    Raises :class:`QuantizationCheckError` (nothing published) when the int8 set
    reads outside *tolerance*. The set is built in a hidden staging directory
    beside its final place and renamed into place only once checked
    (``ocrkit.backend.staged_entry``).
    """
    import json

    import onnxruntime as ort

    from ocrkit.backend import installed_version

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    name = name or f"{source.name}{INT8_SUFFIX}"
    problem = store_name_problem(name)
    if problem:
        raise OcrkitError(f"int8 set name {name!r} is not a plain store name ({problem}); choose another --name")
    threads = threads or default_intra_threads()
    fp32 = _open_pipeline(source, threads)
    try:
        crop_lines = _cropper(fp32)
        rec, det = fp32.recognizer, fp32.detector
        say("collecting the calibration images")
        if calibrate is None:
            cal = default_calibration(crop_lines, lines=lines, pages=pages)
        else:
            cal = directory_calibration(Path(calibrate), crop_lines,
                                        lambda: default_calibration(crop_lines, lines=0, pages=pages))
        min_width = fp32.settings.rec_min_width or source.rec.min_width

        def line_feeds() -> Iterator[np.ndarray]:
            for crop in cal.lines:
                yield rec.tensor([crop], rec.ratios([crop]), min_width)[0]

        def page_feeds() -> Iterator[np.ndarray]:
            for page in cal.pages:
                yield det.tensor(page, fp32.det_params)

        final = dest_dir / name
        if final.exists() or final.is_symlink():
            raise OcrkitError(f"{final} already exists; remove it first (ocrkit models rm) or choose another --name")
        with staged_entry(final) as entry:
            staged = entry.path
            staged.mkdir()
            work = staged.parent / "work"  # inside the hidden staging directory, deleted with it
            work.mkdir()
            rec_file = f"{Path(source.rec.file).stem}.int8.onnx"
            det_file = f"{Path(source.det.file).stem}.int8.onnx"
            say(f"recogniser: ranges on {len(cal.lines)} lines (two passes), then int8")
            _quantize_model(source.rec_path, staged / rec_file, work, REC_RECIPE, line_feeds, threads)
            say(f"detector: ranges on {len(cal.pages)} pages, then int8")
            _quantize_model(source.det_path, staged / det_file, work, DET_RECIPE, page_feeds, threads)
            shutil.rmtree(work)
            for path in source.model_files():
                if path not in (source.rec_path, source.det_path):
                    shutil.copyfile(path, staged / path.name)
            made_with = {
                "format": QUANTIZATION_FORMAT,
                "precision": "int8",
                "from": {
                    "name": source.name,
                    "source": source.source,
                    "path": str(source.root),
                    "sha256": {p.name: sha256_of(p) for p in source.model_files()},
                },
                "recipe": {"rec": REC_RECIPE.to_dict(), "det": DET_RECIPE.to_dict(), "cls": "copied (fp32)"},
                "calibration": cal.summary(),
                "made_on": cpu_features(),
                "made_with": {"ocrkit": installed_version("ocrkit"), "onnxruntime": ort.__version__},
                "made_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            manifest = _manifest(source, name, rec_file, det_file, made_with)
            (staged / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

            say(f"checking against {source.name} on {len(cal.check_lines)} held-out lines "
                f"and {len(cal.check_pages)} pages")
            int8 = _open_pipeline(read_manifest(staged), threads)  # loads like ocrkit.open would
            try:
                check = check_against(fp32, int8, cal, tolerance)
            finally:
                int8.free()
            if check["problems"]:
                raise QuantizationCheckError(
                    f"int8 set {name!r} not published: " + "; ".join(check["problems"])
                    + ". Calibrate on your own pages or lines (--calibrate DIR) or keep the fp32 set"
                )
            manifest["quantization"]["check"] = check
            manifest["quantization"]["seconds"] = round(time.perf_counter() - started, 1)
            manifest["sha256"] = {p.name: sha256_of(p) for p in sorted(staged.iterdir()) if p.name != MANIFEST_NAME}
            (staged / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            read_manifest(staged)  # what is published parses
            entry.commit()
    finally:
        fp32.free()
    return QuantizeResult(
        name=name, path=final, source=source.name, check=check, calibration=cal.summary(),
        seconds=time.perf_counter() - started, manifest=manifest,
    )


def quantize(
    source: str = DEFAULT_SET,
    *,
    calibrate: str | os.PathLike[str] | None = None,
    name: str | None = None,
    home: str | os.PathLike[str] | None = None,
    tolerance: Tolerance = Tolerance(),
    lines: int = 96,
    pages: int = 6,
    progress: Progress | None = None,
) -> QuantizeResult:
    """``ocrkit models quantize`` from Python: an int8 copy of the onnx set named
    *source* (the store's copy first, then sets inside installed packages) in the
    store (*home*: an ``OCRKIT_HOME``; default: the usual one). *lines* and *pages*
    size the default calibration (ignored with *calibrate*)."""
    from ocrkit.backend import ModelStore

    store_dir = ModelStore(home).path(BACKEND)
    model_set = set_from_record(select_set(source, discover_sets(store_dir)))
    return quantize_set(model_set, store_dir, name=name, calibrate=Path(calibrate) if calibrate else None,
                        tolerance=tolerance, lines=lines, pages=pages, progress=progress)
