"""Page orientation and skew from what a backend really recognised.

Nothing here guesses: a backend whose results carry no evidence gets angle 0 with
confidence 0 (OCRmyPDF then leaves the page alone).

- Orientation, backends with word polygons (onnx: PP-OCR's detector finds lines at
  any angle, its angle classifier turns upside-down ones, and each word's polygon
  runs in reading order): the reading direction of the recognised text, weighted by
  characters.
- Orientation, other backends (tesseract): the page is recognised at 0, 90, 180 and
  270 degrees and the rotation whose text is read most confidently wins; confidence
  is how clearly it beats the runner-up (full when it reads twice as much).
- Skew: the angle of the detected line polygons (onnx), else the slope of word box
  bottoms along each line (tesseract), median over the page.

Angles follow OCRmyPDF: orientation is the clockwise rotation of the content
(0/90/180/270), confidence 0..15 (its ``--rotate-pages-threshold`` defaults to 14);
skew is in degrees, positive = the text runs downhill (OCRmyPDF turns the image
counter-clockwise by it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image

from ...results import Page

__all__ = ["Orientation", "MAX_CONFIDENCE", "orientation_from_polygons", "orientation_by_recognition",
           "skew_from_polygons", "skew_from_word_boxes", "text_score"]

#: Top of OCRmyPDF's orientation confidence scale (tesseract's OSD units).
MAX_CONFIDENCE = 15.0
#: Characters of evidence for full confidence; fewer scale it down.
ENOUGH_CHARACTERS = 40
#: Steeper than this is not skew but a rotated line (orientation's business).
MAX_SKEW = 30.0


@dataclass(frozen=True)
class Orientation:
    angle: int  # clockwise rotation of the content: 0, 90, 180, 270
    confidence: float  # 0..MAX_CONFIDENCE


def _evidence(characters: float) -> float:
    return min(1.0, characters / ENOUGH_CHARACTERS)


def orientation_from_polygons(page: Page) -> Orientation:
    """The reading direction of the words (first polygon edge), voted by characters."""
    votes = dict.fromkeys((0, 90, 180, 270), 0.0)
    for word in page.words:
        text = word.text.strip()
        if not text or not word.polygon or len(word.polygon) < 2:
            continue
        (x0, y0), (x1, y1) = word.polygon[0], word.polygon[1]
        if x0 == x1 and y0 == y1:
            continue
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 360  # image y runs down: clockwise
        votes[int(round(angle / 90.0)) % 4 * 90] += len(text) * max(0.0, min(1.0, word.confidence))
    total = sum(votes.values())
    if total <= 0:
        return Orientation(0, 0.0)
    best = max(votes, key=lambda a: votes[a])
    return Orientation(best, MAX_CONFIDENCE * votes[best] / total * _evidence(total))


def text_score(page: Page) -> float:
    """Confidently read characters in horizontal words: how plausible a reading of the
    page upright is. Tesseract also reads lines turned by a quarter turn, as tall
    words; counting only wide ones separates upright from sideways."""
    score = 0.0
    for word in page.words:
        text = word.text.strip()
        x0, y0, x1, y1 = word.bbox
        if any(c.isalnum() for c in text) and (len(text) < 2 or x1 - x0 > y1 - y0):
            score += len(text) * max(0.0, min(1.0, word.confidence))
    return score


def orientation_by_recognition(recognize: Callable[[list[Image.Image]], list[Page]], image: Image.Image) -> Orientation:
    """Read *image* turned back by each candidate angle; the best reading names the angle."""
    angles = (0, 90, 180, 270)
    # Image.rotate turns counter-clockwise: content turned clockwise by a comes back upright
    pages = recognize([image if a == 0 else image.rotate(a, expand=True) for a in angles])
    scores = sorted(((text_score(p), a) for p, a in zip(pages, angles)), reverse=True)
    (best, angle), (second, _) = scores[0], scores[1]
    if best <= 0:
        return Orientation(0, 0.0)
    # full confidence once the winner reads twice the runner-up's confident text
    margin = 1.0 if second <= 0 else min(1.0, (best - second) / second)
    return Orientation(angle, MAX_CONFIDENCE * margin * _evidence(best))


def _weighted_median(pairs: Sequence[tuple[float, float]]) -> float | None:
    pairs = sorted(pairs)
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= total / 2:
            return value
    return pairs[-1][0]  # pragma: no cover


def skew_from_polygons(page: Page) -> float | None:
    """Median angle of the lines' top and bottom edges, weighted by their length."""
    pairs = []
    for line in page.lines:
        poly = line.polygon
        if not poly or len(poly) != 4 or not line.text.strip():
            continue
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = poly
        ux, uy = (bx - ax + cx - dx) / 2, (by - ay + cy - dy) / 2  # mean of top and bottom edge
        length = math.hypot(ux, uy)
        height = (math.hypot(dx - ax, dy - ay) + math.hypot(cx - bx, cy - by)) / 2
        if length < 2 * height:
            continue
        angle = math.degrees(math.atan2(uy, ux))
        angle = (angle + 90) % 180 - 90  # a line's direction, either way round
        if abs(angle) <= MAX_SKEW:
            pairs.append((angle, length))
    return _weighted_median(pairs)


def skew_from_word_boxes(page: Page) -> float | None:
    """Median slope of word box bottoms along each line of three or more words."""
    pairs = []
    for line in page.lines:
        words = [w for w in line.words if w.text.strip()]
        if len(words) < 3:
            continue
        xs = [(w.bbox[0] + w.bbox[2]) / 2 for w in words]
        ys = [float(w.bbox[3]) for w in words]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx <= 0:
            continue
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
        angle = math.degrees(math.atan(slope))
        if abs(angle) <= MAX_SKEW:
            pairs.append((angle, float(line.bbox[2] - line.bbox[0])))
    return _weighted_median(pairs)
