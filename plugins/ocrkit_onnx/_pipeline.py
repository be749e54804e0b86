"""The loaded model set and the full OCR pipeline over it.

``Pipeline`` owns the three InferenceSessions. Every per-call value lives on the
stack, so ``recognize`` may run from many threads at once (onnxruntime's
``InferenceSession.run`` is thread-safe); ``close`` drops the sessions, which
releases their weights, kernels and any accelerator memory.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ocrkit.backend import (
    UPSIDE_DOWN_META,
    Block,
    ModelCorruptError,
    OcrkitError,
    Page,
    PageImage,
    limit_malloc_arenas,
    parallel_map,
)

from ._classify import AngleClassifier
from ._cpu import warn_if_unverified
from ._detect import Detector, DetParams
from ._imageops import crop_quad
from ._layout import RecognisedLine, build_line
from ._manifest import ModelSet
from ._options import Settings
from ._recognize import Recognizer
from ._sessions import (
    default_intra_threads,
    import_onnxruntime,
    load_session,
    make_session_options,
    resolve_providers,
)
from ._words import LineText

if TYPE_CHECKING:
    import onnxruntime

__all__ = ["Pipeline"]

T = TypeVar("T")


def _characters(model_set: ModelSet, session: onnxruntime.InferenceSession) -> list[str]:
    """The recogniser's character list, from the ONNX metadata or the set's dictionary file."""
    source = model_set.rec.characters
    if "file" in source:
        path = model_set.path_of(source["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelCorruptError(f"character dictionary {path} cannot be read: {exc}") from exc
        chars = [line.rstrip("\r\n") for line in text.split("\n")]
        if chars and chars[-1] == "":
            chars.pop()
    else:
        key = source["metadata_key"]
        meta = session.get_modelmeta().custom_metadata_map
        if key not in meta:
            raise ModelCorruptError(
                f"recognition model {model_set.rec_path} has no character list: its ONNX metadata lacks "
                f"the {key!r} key; give the set a dictionary file (rec.characters = {{\"file\": ...}} in "
                "its manifest)"
            )
        chars = meta[key].splitlines()
    if not chars:
        raise ModelCorruptError(f"recognition model {model_set.rec_path}: the character list is empty")
    return chars


#: Recogniser batch when an accelerator provider leads (PaddleOCR's rec_batch_num is 6).
GPU_REC_BATCH_SIZE = 8


class Pipeline:
    """Detection, angle classification and recognition for one model set."""

    def __init__(self, model_set: ModelSet, settings: Settings) -> None:
        self.model_set = model_set
        self.settings = settings
        import_onnxruntime(settings.telemetry)  # first: telemetry off before onnxruntime starts
        self.providers = resolve_providers(settings.providers)
        # Tensors are malloc'd by whichever thread runs a model; keep them in the main
        # arena so freeing really returns them (see ocrkit.backend.limit_malloc_arenas).
        limit_malloc_arenas()
        self.cores = default_intra_threads()
        self.workers = settings.workers or self.cores
        # On CPU, single-line recogniser calls spread over the workers beat batches
        # (measured on uw3-lines: 1.3x the throughput of batches of 4, pages equal);
        # accelerators want batches.
        on_cpu_only = self.providers == ["CPUExecutionProvider"]
        self.rec_batch_size = settings.rec_batch_size or (1 if on_cpu_only else GPU_REC_BATCH_SIZE)
        # Threads: the detector gets intra-op parallelism (one big image per call);
        # the classifier and recogniser run single-threaded calls and we spread their
        # batches over `workers` threads instead: small inputs scale poorly inside a
        # call but perfectly across calls, and nothing is oversubscribed.
        det_threads = settings.intra_op_threads or self.cores
        line_threads = settings.intra_op_threads or 1
        flush = settings.flush_denormals
        int8 = model_set.precision == "int8"
        if int8:
            warn_if_unverified(model_set.name, model_set.quantization)
        det_options = make_session_options(det_threads, settings.inter_op_threads, flush, int8)
        line_options = make_session_options(line_threads, settings.inter_op_threads, flush, int8)
        bgr = model_set.color_order == "BGR"
        det_spec = model_set.det
        self.det_params = DetParams(
            limit_side_len=settings.det_limit_side_len or det_spec.limit_side_len,
            limit_type=settings.det_limit_type or det_spec.limit_type,
            max_side_len=settings.det_max_side_len,
            # an explicit det_limit_side_len is a fixed size, as before
            glyph_px=0.0 if settings.det_limit_side_len else settings.det_glyph_px,
            thresh=settings.det_thresh,
            box_thresh=settings.det_box_thresh,
            unclip_ratio=settings.det_unclip_ratio,
        )
        self._close_lock = threading.Lock()
        self.detector: Detector | None = None
        self.classifier: AngleClassifier | None = None
        self.recognizer: Recognizer | None = None
        # A call with fewer lines than workers would leave cores idle with one-thread
        # sessions: it runs on a second recogniser session whose calls use every core.
        self.wide_recognizer: Recognizer | None = None
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        try:
            det = load_session(model_set.det_path, det_options, self.providers, "detection")
            self.detector = Detector(det, det_spec.mean, det_spec.std, bgr)
            self._check_detector(det)
            if settings.use_angle_cls and model_set.cls is not None and model_set.cls_path is not None:
                cls = load_session(model_set.cls_path, line_options, self.providers, "angle classification")
                self.classifier = AngleClassifier(cls, model_set.cls, bgr)
                self._check_classifier(cls)
            rec = load_session(model_set.rec_path, line_options, self.providers, "recognition")
            chars = _characters(model_set, rec)
            self.recognizer = Recognizer(rec, model_set.rec, chars, bgr)
            self._check_recognizer(rec, len(chars))
            if self._wants_wide(settings):
                wide = load_session(model_set.rec_path, det_options, self.providers, "recognition")
                self.wide_recognizer = Recognizer(wide, model_set.rec, chars, bgr)
            for part in (self.detector, self.classifier, self.recognizer, self.wide_recognizer):
                if part is not None:
                    part.flush_denormals = flush
        except BaseException:
            self.free()
            raise
        rec_spec = model_set.rec
        self.word_gap = rec_spec.word_gap if settings.word_gap is None else settings.word_gap
        self.space_threshold = (
            rec_spec.space_threshold if settings.space_threshold is None else settings.space_threshold
        )

    def _wants_wide(self, settings: Settings) -> bool:
        """A whole-machine recogniser session pays off only where lines otherwise run
        one thread each: CPU only, automatic threads, several workers and cores."""
        return (self.providers == ["CPUExecutionProvider"] and not settings.intra_op_threads
                and self.workers > 1 and self.cores > 1)

    # -- load-time checks: a wrong file in a slot fails at open, not mid-recognition ----

    def _check_detector(self, session: onnxruntime.InferenceSession) -> None:
        shape = session.get_inputs()[0].shape
        out = session.get_outputs()[0].shape
        if len(shape) != 4 or shape[1] not in (3, "3") or len(out) != 4 or out[1] not in (1, "1"):
            raise ModelCorruptError(
                f"detection model {self.model_set.det_path} maps {shape} to {out}; expected an N x 3 x H x W "
                "image in and an N x 1 x H x W text probability map out (a DB text detector)"
            )

    def _check_classifier(self, session: onnxruntime.InferenceSession) -> None:
        out = session.get_outputs()[0].shape
        assert self.model_set.cls is not None
        if len(out) != 2 or (isinstance(out[1], int) and out[1] != len(self.model_set.cls.labels)):
            raise ModelCorruptError(
                f"angle classification model {self.model_set.cls_path} outputs {out}, "
                f"expected N x {len(self.model_set.cls.labels)} class probabilities"
            )

    def _check_recognizer(self, session: onnxruntime.InferenceSession, n_chars: int) -> None:
        assert self.recognizer is not None
        in_shape = session.get_inputs()[0].shape
        out_shape = session.get_outputs()[0].shape
        path = self.model_set.rec_path
        if len(in_shape) != 4 or len(out_shape) != 3:
            raise ModelCorruptError(
                f"recognition model {path} has input {in_shape} and output {out_shape}; expected an "
                "N x 3 x H x W image in and N x T x classes probabilities out"
            )
        if isinstance(in_shape[2], int) and in_shape[2] != self.model_set.rec.input_height:
            raise ModelCorruptError(
                f"recognition model {path} expects height {in_shape[2]} but the set says "
                f"rec.input_height={self.model_set.rec.input_height}"
            )
        classes = out_shape[2]
        if isinstance(classes, int) and classes != self.recognizer.num_classes:
            raise ModelCorruptError(
                f"recognition model {path} outputs {classes} classes but its character list gives "
                f"{self.recognizer.num_classes} (blank + {n_chars} characters"
                f"{' + space' if self.model_set.rec.space_char else ''}); wrong dictionary for this model?"
            )

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self.recognizer is None

    def free(self) -> None:
        """Drop every session (their memory goes with them). Idempotent
        (the :class:`ocrkit.backend.HandleState` convention)."""
        with self._close_lock:
            for name in ("detector", "classifier", "recognizer", "wide_recognizer"):
                part = getattr(self, name, None)
                if part is not None:
                    part.session = None
                setattr(self, name, None)

    def _parts(self) -> tuple[Detector, AngleClassifier | None, Recognizer]:
        det, cls, rec = self.detector, self.classifier, self.recognizer
        if det is None or rec is None:
            raise OcrkitError("the ONNX pipeline was freed; open a new engine")
        return det, cls, rec

    # -- recognition ------------------------------------------------------------------

    def recognize(self, images: Sequence[PageImage], layout: str) -> list[Page]:
        """One Page per image: each page spreads its lines over ``workers`` threads;
        a list of pages also detects the next page while the current one is read."""
        with self._in_flight_lock:
            self._in_flight += 1
        try:
            return self._recognize(images, layout)
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1

    def _recognize(self, images: Sequence[PageImage], layout: str) -> list[Page]:
        if layout == "line":
            return self._lines(images)
        if len(images) == 1 or self.workers <= 1:
            return [self._page(img, layout, self.workers) for img in images]
        return self._page_stream(images, layout)

    def _page_stream(self, images: Sequence[PageImage], layout: str) -> list[Page]:
        """Pages one after another, each spreading its lines over the workers, while
        the next page's text detection runs alongside on one more thread.

        Measured on 12 receipts (2 cores), against one page per worker: the same or
        better throughput, no tail where one worker idles while the other finishes
        the last page, and at most two pages' pixels and crops alive at a time.
        """
        pages: list[Page] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocrkit-detect") as ahead:
            upcoming = ahead.submit(self._detect, images[0])
            for i, image in enumerate(images):
                quads = upcoming.result()
                if i + 1 < len(images):
                    upcoming = ahead.submit(self._detect, images[i + 1])
                pages.append(self._page(image, layout, self.workers, quads))
        return pages

    def _detect(self, image: PageImage) -> list[np.ndarray]:
        det, _, _ = self._parts()
        quads, _scores = det.detect(image.array, self.det_params)
        return quads

    def _spread(self, fn: Callable[[list[np.ndarray]], list[T]], crops: Sequence[np.ndarray], workers: int) -> list[T]:
        """``fn(crops)`` with the crops cut into width-sorted batches run on *workers* threads."""
        n = len(crops)
        batch = self.rec_batch_size
        if workers <= 1 or n <= 1:
            return fn(list(crops))
        size = max(1, min(batch, math.ceil(n / workers)))
        order = np.argsort([c.shape[1] / max(1, c.shape[0]) for c in crops], kind="stable")
        chunks = [order[i : i + size] for i in range(0, n, size)]
        parts = parallel_map(lambda ids: fn([crops[i] for i in ids]), chunks, workers)
        out: list[Any] = [None] * n
        for ids, part in zip(chunks, parts):
            for i, result in zip(ids.tolist(), part):
                out[i] = result
        return out

    def _read_lines(self, crops: Sequence[np.ndarray], workers: int, wide_ok: bool = True) -> list[LineText]:
        """Text of every crop: spread over *workers* one-thread sessions, or, when
        there are fewer crops than workers and no other call is running, on the
        calling thread with the session that uses every core."""
        _, _, rec = self._parts()
        wide = self.wide_recognizer
        if wide is not None and wide_ok and len(crops) < workers and self._in_flight <= 1:
            return self._reader(wide)(list(crops))
        return self._spread(self._reader(rec), crops, workers)

    def _reader(self, rec: Recognizer) -> Callable[[list[np.ndarray]], list[LineText]]:
        batch = self.rec_batch_size
        min_width = self.settings.rec_min_width
        return lambda crops: rec.recognize(crops, batch, self.word_gap, self.space_threshold, min_width)

    def _page(self, image: PageImage, layout: str, workers: int, quads: Sequence[np.ndarray] | None = None) -> Page:
        """One page; *quads* when its text detection already ran (see ``_page_stream``)."""
        _, cls, _ = self._parts()
        streaming = quads is not None  # the next page's detection is running alongside
        pixels = image.array
        height, width = pixels.shape[:2]
        if quads is None:
            quads = self._detect(image)
        if layout == "detect":
            items = [RecognisedLine(q, np.eye(3), (1, 1), False, LineText("", 0.0)) for q in quads]
            lines = [build_line(item, (width, height)) for item in items]
            return Page(width=width, height=height, blocks=[Block(lines)] if lines else [], meta={"layout": "detect"})
        crops: list[np.ndarray] = []
        matrices: list[np.ndarray] = []
        for quad in quads:
            crop, matrix = crop_quad(pixels, quad)
            crops.append(crop)
            matrices.append(matrix)
        batch = self.rec_batch_size
        flipped = [False] * len(crops)
        if cls is not None and crops:
            import cv2

            flipped = self._spread(lambda cs: cls.upside_down(cs, batch, self.settings.cls_thresh), crops, workers)
            crops = [cv2.rotate(c, cv2.ROTATE_180) if f else c for c, f in zip(crops, flipped)]
        texts = self._read_lines(crops, workers, wide_ok=not streaming)
        lines = []
        turned = upright = 0
        for quad, matrix, crop, flip, text in zip(quads, matrices, crops, flipped, texts):
            if not text.text.strip() or text.confidence < self.settings.text_score:
                continue
            item = RecognisedLine(quad, matrix, (crop.shape[1], crop.shape[0]), flip, text)
            lines.append(build_line(item, (width, height)))
            if flip:
                turned += len(text.text)
            else:
                upright += len(text.text)
        # bare lines in detection order: the core puts them in reading order (ocrkit.analysis)
        meta = {UPSIDE_DOWN_META: True} if turned > upright else {}
        return Page(width=width, height=height, blocks=[Block(lines)] if lines else [], meta=meta)

    def _lines(self, images: Sequence[PageImage]) -> list[Page]:
        """Recognition only: every image is one text line, batched across images."""
        texts = self._read_lines([img.array for img in images], self.workers)
        pages = []
        for image, text in zip(images, texts):
            h, w = image.height, image.width
            quad = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
            line = build_line(RecognisedLine(quad, np.eye(3), (w, h), False, text), (w, h))
            blocks = [Block([line])] if text.text else []
            pages.append(Page(width=w, height=h, blocks=blocks, text=text.text, meta={"layout": "line"}))
        return pages
