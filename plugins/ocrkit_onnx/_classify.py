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

    from ._modelset import ClsSpec

__all__ = ["AngleClassifier"]


class AngleClassifier:
    """Batched orientation classification. Thread-safe (no per-call state on self)."""

    def __init__(self, session: onnxruntime.InferenceSession, spec: ClsSpec, bgr: bool) -> None:
        self.session = session
        self.input_name = session.get_inputs()[0].name
        self.output_name = session.get_outputs()[0].name
        self.spec = spec
        self.bgr = bgr
        self.flip_index = spec.labels.index("180")

    def upside_down(self, crops: Sequence[np.ndarray], batch_size: int, thresh: float) -> list[bool]:
        """For each crop: is it rotated by 180 degrees (with probability above *thresh*)?"""
        _, height, width = self.spec.input_shape
        ratios = np.array([c.shape[1] / max(1, c.shape[0]) for c in crops], dtype=np.float64)
        order = np.argsort(ratios, kind="stable")
        flipped = [False] * len(crops)
        for start in range(0, len(crops), batch_size):
            batch = order[start : start + batch_size]
            blob = np.zeros((len(batch), 3, height, width), dtype=np.float32)
            for row, index in enumerate(batch):
                crop = crops[index]
                rw = max(1, min(width, int(math.ceil(height * ratios[index]))))
                fill_normalised(blob[row, :, :, :rw], resize(crop, rw, height), self.spec.mean, self.spec.std, self.bgr)
            probs = run_model(self.session, self.output_name, {self.input_name: blob}, "angle classification")
            best = probs.argmax(axis=1)
            score = probs[np.arange(len(batch)), best]
            for row, index in enumerate(batch):
                flipped[index] = bool(best[row] == self.flip_index and score[row] > thresh)
        return flipped
