"""The 0/180 degree text-line orientation classifier: which crops are upside down."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._imageops import fill_normalised, resize
from ._sessions import run_model

if TYPE_CHECKING:
    import onnxruntime

    from ._manifest import ClsSpec

__all__ = ["AngleClassifier", "MAX_PIECES"]

#: Windows of a long line the orientation classifier looks at.
MAX_PIECES = 3


class AngleClassifier:
    """Batched orientation classification. Thread-safe (no per-call state on self)."""

    def __init__(self, session: onnxruntime.InferenceSession, spec: ClsSpec, bgr: bool) -> None:
        self.session = session
        self.flush_denormals = True  # the pipeline may turn it off (option flush_denormals)
        self.input_name = session.get_inputs()[0].name
        self.output_name = session.get_outputs()[0].name
        self.spec = spec
        self.bgr = bgr
        self.flip_index = spec.labels.index("180")

    def upside_down(self, crops: Sequence[np.ndarray], batch_size: int, thresh: float) -> list[bool]:
        """For each crop: is it rotated by 180 degrees (mean probability above *thresh*)?

        The classifier sees a short window (192 x 48): squashing a long line into it
        destroys the glyphs, so it looks at up to :data:`MAX_PIECES` windows of the
        line at that aspect ratio (ends and middle) and their probabilities are
        averaged.
        """
        _, height, width = self.spec.input_shape
        window = width / height
        pieces: list[tuple[int, np.ndarray]] = []
        for index, crop in enumerate(crops):
            h, w = crop.shape[:2]
            piece_w = max(1, int(round(window * h)))
            count = min(MAX_PIECES, max(1, math.ceil(w / piece_w - 0.25)))
            if count == 1:
                pieces.append((index, crop))
                continue
            # windows of the classifier's own aspect ratio: first at the left end,
            # last at the right end, the others evenly between
            for k in range(count):
                x0 = int(round(k * (w - piece_w) / (count - 1))) if w > piece_w else 0
                pieces.append((index, crop[:, x0 : x0 + piece_w]))
        ratios = np.array([p.shape[1] / max(1, p.shape[0]) for _, p in pieces], dtype=np.float64)
        order = np.argsort(ratios, kind="stable")
        totals = np.zeros(len(crops), dtype=np.float64)
        counts = np.zeros(len(crops), dtype=np.int64)
        for start in range(0, len(pieces), batch_size):
            batch = order[start : start + batch_size]
            blob = np.zeros((len(batch), 3, height, width), dtype=np.float32)
            for row, k in enumerate(batch):
                rw = max(1, min(width, int(math.ceil(height * ratios[k]))))
                fill_normalised(blob[row, :, :, :rw], resize(pieces[k][1], rw, height), self.spec.mean, self.spec.std,
                                self.bgr)
            probs = run_model(
                self.session, self.output_name, {self.input_name: blob}, "angle classification", self.flush_denormals
            )
            for row, k in enumerate(batch):
                index = pieces[k][0]
                totals[index] += float(probs[row, self.flip_index])
                counts[index] += 1
        mean = totals / np.maximum(counts, 1)
        return [bool(p > thresh) for p in mean]
