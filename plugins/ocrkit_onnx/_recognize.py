"""CTC text recognition: resize crops to the model's height, batch them by similar
width ratio (little padding, few session calls), greedy CTC decoding that keeps the
time step of every character (words are built from those in ``_words``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ocrkit.backend import MAX_LINE_ASPECT

from ._imageops import fill_normalised, resize
from ._sessions import run_model
from ._words import LineText, fit_to_ink, split_words

if TYPE_CHECKING:
    import onnxruntime

    from ._manifest import RecSpec

__all__ = ["Recognizer", "MAX_BATCH_WIDTH", "MAX_RATIO"]

#: Padded pixels (crops x width at model height) per recogniser call: bounds the
#: activation memory of one call to about 100 MB for PP-OCRv6 small.
MAX_BATCH_WIDTH = 2560
#: Widest crop fed whole, in line heights (7680 pixels at height 48): beyond it a
#: crop is squeezed horizontally (the core's limit for every backend).
MAX_RATIO = MAX_LINE_ASPECT


class Recognizer:
    """A CTC recogniser session with its character table. Thread-safe."""

    def __init__(
        self,
        session: onnxruntime.InferenceSession,
        spec: RecSpec,
        characters: Sequence[str],
        bgr: bool,
    ) -> None:
        self.session = session
        self.flush_denormals = True  # the pipeline may turn it off (option flush_denormals)
        self.input_name = session.get_inputs()[0].name
        self.output_name = session.get_outputs()[0].name
        self.spec = spec
        self.height = spec.input_height
        self.bgr = bgr
        table = ["", *characters]
        if spec.space_char:
            table.append(" ")
        self.table = table

    @property
    def num_classes(self) -> int:
        return len(self.table)

    def batch_width(self, max_ratio: float, min_width: int) -> int:
        """Padded batch width: the widest crop at model height, rounded up to 8 pixels."""
        width = int(math.ceil(self.height * max_ratio))
        width = max(width, min_width, 8)
        return (width + 7) // 8 * 8

    def tensor(
        self, crops: Sequence[np.ndarray], ratios: np.ndarray, min_width: int
    ) -> tuple[np.ndarray, list[int]]:
        """The model input for *crops* (their width/height *ratios* already capped):
        resized to the model height, normalised, zero-padded on the right to the
        widest, rounded up to 8 pixels and at least *min_width*; and each crop's width."""
        height = self.height
        width = self.batch_width(float(ratios.max()), min_width)
        blob = np.zeros((len(crops), 3, height, width), dtype=np.float32)
        widths = []
        for row, crop in enumerate(crops):
            rw = max(1, min(width, int(math.ceil(height * ratios[row]))))
            widths.append(rw)
            fill_normalised(blob[row, :, :, :rw], resize(crop, rw, height), self.spec.mean, self.spec.std, self.bgr)
        return blob, widths

    @staticmethod
    def ratios(crops: Sequence[np.ndarray]) -> np.ndarray:
        """Width/height of each crop, capped at :data:`MAX_RATIO` (wider crops are squeezed)."""
        return np.array([min(MAX_RATIO, c.shape[1] / max(1, c.shape[0])) for c in crops], dtype=np.float64)

    def _batches(self, order: np.ndarray, ratios: np.ndarray, batch_size: int, min_width: int) -> list[np.ndarray]:
        """Consecutive runs of the width-sorted crops: at most *batch_size* crops and at
        most :data:`MAX_BATCH_WIDTH` padded pixels per call (activation memory grows with
        crops x width, while bigger calls are not faster per pixel on CPU)."""
        batches: list[np.ndarray] = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and end - start < batch_size:
                width = self.batch_width(float(ratios[order[end]]), min_width)
                if (end - start + 1) * width > MAX_BATCH_WIDTH:
                    break
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def recognize(
        self,
        crops: Sequence[np.ndarray],
        batch_size: int,
        gap_factor: float = 0.0,
        space_threshold: float = 0.0,
        min_width: int | None = None,
    ) -> list[LineText]:
        """Text, confidence and words of every crop, in input order."""
        if not crops:
            return []
        min_w = self.spec.min_width if min_width is None else min_width
        # a crop wider than MAX_RATIO heights is squeezed: memory stays bounded for absurd inputs
        ratios = self.ratios(crops)
        order = np.argsort(ratios, kind="stable")
        results: list[LineText | None] = [None] * len(crops)
        for batch in self._batches(order, ratios, batch_size, min_w):
            blob, widths = self.tensor([crops[i] for i in batch], ratios[batch], min_w)
            width = blob.shape[3]
            out = run_model(
                self.session, self.output_name, {self.input_name: blob}, "recognition", self.flush_denormals
            )
            self._decode(out, batch, widths, width, crops, gap_factor, space_threshold, results)
        return [r if r is not None else LineText("", 0.0) for r in results]

    def _decode(
        self,
        out: np.ndarray,
        batch: np.ndarray,
        widths: list[int],
        width: int,
        crops: Sequence[np.ndarray],
        gap_factor: float,
        space_threshold: float,
        results: list[LineText | None],
    ) -> None:
        steps_total = out.shape[1]
        best = out.argmax(axis=2)
        best_prob = np.take_along_axis(out, best[:, :, None], axis=2)[:, :, 0]
        step_resized = width / steps_total  # resized pixels per time step
        for row, index in enumerate(batch):
            valid = min(steps_total, int(math.ceil(widths[row] / step_resized)) + 1)
            ids = best[row, :valid]
            keep = ids != 0
            keep[1:] &= ids[1:] != ids[:-1]
            positions = np.flatnonzero(keep)
            chars = [self.table[i] for i in ids[positions].tolist()]
            crop_w = crops[index].shape[1]
            step_px = step_resized * crop_w / widths[row]
            space_probs = out[row, :valid, -1] if self.spec.space_char else None
            line = split_words(
                chars, positions, best_prob[row, positions], step_px, crop_w, gap_factor, space_probs, space_threshold
            )
            fit_to_ink(line, crops[index])
            results[index] = line
