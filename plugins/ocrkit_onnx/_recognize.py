"""CTC text recognition: resize crops to the model's height, batch them by similar
width ratio (little padding, one session call per batch), greedy CTC decoding, and
word segmentation from the CTC time steps.

Words: the recogniser emits one class per time step (a column of the resized
crop, ``width / steps`` pixels wide). Decoding keeps, for every character, the
step where it fired, so each word gets a horizontal extent in the crop. Some
recognisers (PP-OCRv4) often swallow the space between Latin words; a gap between
two consecutive characters much wider than the line's character pitch is then a
word boundary, and the space is put back into the text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ._imageops import fill_normalised, resize
from ._sessions import run_model

if TYPE_CHECKING:
    import onnxruntime

    from ._modelset import RecSpec

__all__ = ["WordSpan", "LineText", "Recognizer", "split_words", "is_spaceless_script", "MAX_BATCH_WIDTH"]

#: Padded pixels (crops x width at model height) per recogniser call: bounds the
#: activation memory of one call to about 100 MB for PP-OCRv6 small.
MAX_BATCH_WIDTH = 2560


@dataclass
class WordSpan:
    """A word and its horizontal extent in crop pixels."""

    text: str
    confidence: float
    x0: float
    x1: float


@dataclass
class LineText:
    text: str
    confidence: float
    words: list[WordSpan] = field(default_factory=list)


def is_spaceless_script(char: str) -> bool:
    """CJK, kana, hangul...: scripts written without spaces between words."""
    code = ord(char[0]) if char else 0
    return 0x2E80 <= code <= 0xA4CF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def split_words(
    chars: Sequence[str],
    steps: np.ndarray,
    probs: np.ndarray,
    step_px: float,
    crop_width: float,
    gap_factor: float,
    space_probs: np.ndarray | None = None,
    space_threshold: float = 0.0,
) -> LineText:
    """Group decoded characters into words using spaces and time-step gaps.

    *steps* are the time steps at which each character fired, *step_px* the crop
    pixels per time step. Returns the line text (with recovered spaces), its mean
    confidence and the words with their extents.
    """
    if not len(chars):
        return LineText("", 0.0, [])
    confidence = float(np.mean(probs))
    steps = np.asarray(steps, dtype=np.float64)
    is_space = np.fromiter((c.isspace() for c in chars), dtype=bool, count=len(chars))
    solid = np.flatnonzero(~is_space)
    if not len(solid):
        return LineText("", confidence, [])
    solid_steps = steps[solid]
    diffs = np.diff(solid_steps)
    # a space token between two neighbours (cumulative count of spaces before each token)
    spaces_before = np.cumsum(is_space)
    spaced = spaces_before[solid[1:]] > spaces_before[solid[:-1]]
    inner = diffs[~spaced]
    # character pitch: the typical step distance between neighbours inside words
    pitch = max(1.0, float(np.median(inner if len(inner) else diffs)) if len(diffs) else 2.0)
    threshold = gap_factor * pitch
    if spaced.any():  # the line shows what a real space looks like: a missed one is as wide
        threshold = max(threshold, 0.9 * float(diffs[spaced].min()))

    groups: list[list[int]] = [[int(solid[0])]]
    for k in range(1, len(solid)):
        prev, cur = int(solid[k - 1]), int(solid[k])
        gapped = False
        if not spaced[k - 1] and (gap_factor > 0 or space_threshold > 0):
            latin = not is_spaceless_script(chars[prev]) and not is_spaceless_script(chars[cur])
            gapped = latin and gap_factor > 0 and diffs[k - 1] > threshold
            if not gapped and latin and space_threshold > 0 and space_probs is not None:
                between = space_probs[int(steps[prev]) + 1 : int(steps[cur])]
                gapped = bool(len(between)) and float(between.max()) >= space_threshold
        if spaced[k - 1] or gapped:
            groups.append([cur])
        else:
            groups[-1].append(cur)

    half = 0.5 * pitch
    words: list[WordSpan] = []
    for group in groups:
        first, last = steps[group[0]], steps[group[-1]]
        x0 = max(0.0, (first + 0.5 - half) * step_px)
        x1 = min(crop_width, (last + 0.5 + half) * step_px)
        words.append(
            WordSpan("".join(chars[i] for i in group), float(np.mean(probs[group])), x0, max(x1, x0 + 1.0))
        )
    # neighbours never overlap: split contested pixels at the midpoint
    for left, right in zip(words, words[1:]):
        if left.x1 > right.x0:
            mid = 0.5 * (left.x1 + right.x0)
            left.x1 = right.x0 = mid
    return LineText(" ".join(w.text for w in words), confidence, words)


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
        height = self.height
        ratios = np.array([c.shape[1] / max(1, c.shape[0]) for c in crops], dtype=np.float64)
        order = np.argsort(ratios, kind="stable")
        results: list[LineText | None] = [None] * len(crops)
        for batch in self._batches(order, ratios, batch_size, min_w):
            width = self.batch_width(float(ratios[batch].max()), min_w)
            blob = np.zeros((len(batch), 3, height, width), dtype=np.float32)
            widths = []
            for row, index in enumerate(batch):
                rw = max(1, min(width, int(math.ceil(height * ratios[index]))))
                widths.append(rw)
                fill_normalised(blob[row, :, :, :rw], resize(crops[index], rw, height), self.spec.mean, self.spec.std, self.bgr)
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
            results[index] = split_words(chars, positions, best_prob[row, positions], step_px, crop_w, gap_factor,
                                         space_probs, space_threshold)
