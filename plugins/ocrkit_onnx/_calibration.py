"""Where calibration images come from: the user's own pages or lines, or a default
that needs no download and no dataset outside the project.

The default renders book-like and receipt-like text lines with the fonts that
installed packages ship (Debian's DejaVu, matplotlib's, Pillow's built-in font),
adds the project's own test images when the source tree is there, and composes a
few pages from rendered lines for the detector. Calibrating on book lines alone
cost 1.6 F1 points on receipts in the feasibility study, hence the mix.

Every image is a plain uint8 array; the recogniser's and detector's own
``tensor`` methods turn them into exactly what the backend feeds.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ocrkit.backend import BadImageError, OcrkitError

__all__ = ["Calibration", "CalibrationError", "default_calibration", "directory_calibration", "font_files",
           "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".pbm", ".pgm", ".ppm")
#: Every this-many-th line or page is held out for the accuracy check, never calibrated on.
HOLDOUT_EVERY = 4
MAX_DIRECTORY_IMAGES = 400
MIN_LINES = 8
#: Calibrated-on and held-out lines at most: time and memory stay bounded for any folder.
MAX_LINES = 160
MAX_CHECK_LINES = 60
#: A crop this many times wider than tall (and not taller than this) is a text line.
LINE_ASPECT = 2.5
LINE_MAX_HEIGHT = 160

_PROJECT_DATA = Path(__file__).resolve().parents[2] / "tests" / "data"


class CalibrationError(OcrkitError, ValueError):
    """The calibration data cannot be used (no images, unreadable folder ...)."""


@dataclass
class Calibration:
    """Calibration images split into the part ranges are measured on and the
    held-out part the accuracy check reads."""

    lines: list[np.ndarray] = field(default_factory=list)
    pages: list[np.ndarray] = field(default_factory=list)
    check_lines: list[np.ndarray] = field(default_factory=list)
    check_pages: list[np.ndarray] = field(default_factory=list)
    description: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What the manifest records about the calibration."""
        return {
            **self.description,
            "lines": len(self.lines),
            "pages": len(self.pages),
            "held_out_lines": len(self.check_lines),
            "held_out_pages": len(self.check_pages),
        }


def _evenly(items: list[np.ndarray], limit: int) -> list[np.ndarray]:
    """At most *limit* of *items*, spread evenly over them (pages' crops and line
    images stay mixed)."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def _split(items: Sequence[np.ndarray], keep: list[np.ndarray], held: list[np.ndarray]) -> None:
    for i, item in enumerate(items):
        (held if i % HOLDOUT_EVERY == 1 else keep).append(item)


# -- fonts ---------------------------------------------------------------------------

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
              Path("/usr/share/fonts/TTF"), Path("/Library/Fonts"), Path("C:/Windows/Fonts"))
_FONT_NAMES = ("DejaVuSans", "DejaVuSerif", "DejaVuSansMono", "DejaVuSansCondensed", "DejaVuSerifCondensed",
               "DejaVuSans-Bold", "DejaVuSerif-Bold", "DejaVuSansMono-Bold", "DejaVuSerif-Italic", "arial",
               "times", "cour")


def font_files() -> list[Path]:
    """TrueType fonts installed packages ship: the system's DejaVu (Debian's
    fonts-dejavu), matplotlib's bundled DejaVu (found without importing it)."""
    found: dict[str, Path] = {}
    spec = importlib.util.find_spec("matplotlib")
    dirs = list(_FONT_DIRS)
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) / "mpl-data" / "fonts" / "ttf" for p in spec.submodule_search_locations]
    for directory in dirs:
        for name in _FONT_NAMES:
            path = directory / f"{name}.ttf"
            if name.lower() not in found and path.is_file():
                found[name.lower()] = path
    return sorted(found.values())


# -- text ------------------------------------------------------------------------------

_WORDS = [
    'the', 'of', 'and', 'to', 'in', 'is', 'that', 'for', 'it', 'as', 'was', 'with', 'be', 'by', 'on', 'not', 'he',
    'this', 'are', 'or', 'his', 'from', 'at', 'which', 'but', 'have', 'an', 'they', 'one', 'you', 'were', 'her',
    'all', 'she', 'there', 'would', 'their', 'we', 'him', 'been', 'has', 'when', 'who', 'will', 'more', 'no',
    'if', 'out', 'so', 'said', 'what', 'up', 'its', 'about', 'into', 'than', 'them', 'can', 'only', 'other',
    'new', 'some', 'could', 'time', 'these', 'two', 'may', 'then', 'do', 'first', 'any', 'my', 'now', 'such',
    'like', 'our', 'over', 'man', 'me', 'even', 'most', 'made', 'after', 'also', 'did', 'many', 'before', 'must',
    'through', 'back', 'years', 'where', 'much', 'your', 'way', 'well', 'down', 'should', 'because', 'each',
    'just', 'those', 'people', 'how', 'too', 'little', 'state', 'good', 'very', 'make', 'world', 'still', 'own',
    'see', 'men', 'work', 'long', 'get', 'here', 'between', 'both', 'life', 'being', 'under', 'never', 'day',
    'same', 'another', 'know', 'while', 'last', 'might', 'us', 'great', 'old', 'year', 'off', 'come', 'since',
    'against', 'go', 'came', 'right', 'used', 'take', 'three', 'system', 'program', 'data', 'analysis',
    'performance', 'memory', 'processor', 'network', 'function', 'results', 'section', 'figure', 'table',
    'algorithm', 'model', 'parallel', 'distributed', 'interface', 'structure', 'control', 'information',
    'computer', 'design', 'method', 'value', 'number', 'problem', 'process', 'however', 'therefore', 'example',
    'general', 'particular', 'following', 'described', 'shown', 'important',
]

_ITEMS = ("RICE", "SUGAR", "TEA", "MILK", "BREAD", "EGGS", "CHICKEN", "NOODLE", "PAINT", "BRUSH", "SCREW",
          "CABLE", "TAPE", "GLUE", "BOLT", "NUT", "PIPE", "LAMP", "SOAP", "OIL", "WATER", "COFFEE", "BISCUIT",
          "PEN", "FILE", "PAPER", "CUTTING DISC", "SPRAY", "HOSE", "VALVE", "BATTERY", "CHARGER")
_RECEIPT_TEMPLATES: tuple[Callable[[random.Random], str], ...] = (
    lambda r: f"{r.choice(_ITEMS)} {r.choice(_ITEMS)} {r.randint(1, 9)} {r.uniform(0.5, 199):.2f}",
    lambda r: f"TOTAL SALES (INCLUSIVE OF GST) : {r.uniform(1, 999):.2f}",
    lambda r: f"DATE: {r.randint(1, 28):02d}/{r.randint(1, 12):02d}/20{r.randint(10, 25)} "
              f"TIME: {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
    lambda r: f"TEL: 0{r.randint(1, 9)}-{r.randint(1000000, 99999999)}",
    lambda r: f"GST ID: {r.randint(10**11, 10**12 - 1)}",
    lambda r: f"INVOICE NO. : CS{r.randint(10**7, 10**8 - 1)}",
    lambda r: f"NO {r.randint(1, 400)}, JALAN {r.choice(_ITEMS)} {r.randint(1, 30)},",
    lambda r: f"{r.randint(10000, 99999)} KUALA LUMPUR.",
    lambda r: f"CASH {r.uniform(1, 500):.2f} CHANGE {r.uniform(0, 50):.2f}",
    lambda r: f"QTY {r.randint(1, 20)} @ RM {r.uniform(0.1, 99):.2f}",
    lambda r: f"SR {r.randint(1, 9)} {r.uniform(1, 99):.2f} {r.uniform(0, 9):.2f}",
    lambda r: "THANK YOU. PLEASE COME AGAIN",
    lambda r: f"{r.choice(_ITEMS)} ({r.randint(1, 99)}MM) X{r.randint(1, 12)}",
)


def _book_line(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 11))]
    if rng.random() < 0.5:
        words[0] = words[0].capitalize()
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), str(rng.randint(1, 2024)))
    if rng.random() < 0.15:
        words[rng.randrange(len(words))] = f"({rng.choice(_WORDS)})"
    text = " ".join(words)
    end = rng.random()
    return text + (". " if end < 0.3 else ", " if end < 0.45 else "-" if end < 0.55 else "").rstrip()


def _receipt_line(rng: random.Random) -> str:
    return rng.choice(_RECEIPT_TEMPLATES)(rng)


# -- rendering -------------------------------------------------------------------------


def _font(path: Path | None, size: int) -> Any:
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def _render_line(text: str, font: Any, rng: random.Random, receipt: bool) -> np.ndarray:
    """One text line as a scan would give it: tight margins, paper and ink tones, a
    little blur (receipts) or a hard threshold (binarised book scans)."""
    from PIL import Image, ImageDraw, ImageFilter

    left, top, right, bottom = font.getbbox(text)
    pad_x, pad_y = rng.randint(2, 12), rng.randint(2, 8)
    width, height = right - left + 2 * pad_x, bottom - top + 2 * pad_y
    paper = rng.randint(205, 255) if receipt else 255
    ink = rng.randint(20, 110) if receipt else 0
    image = Image.new("L", (max(8, width), max(8, height)), paper)
    ImageDraw.Draw(image).text((pad_x - left, pad_y - top), text, font=font, fill=ink)
    if receipt and rng.random() < 0.7:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    pixels: np.ndarray = np.asarray(image, dtype=np.float32)
    if receipt:
        pixels = pixels + np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(2, 8), pixels.shape)
    elif rng.random() < 0.5:
        pixels = np.where(pixels < 128, 0.0, 255.0)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _compose_page(lines: Sequence[np.ndarray], rng: random.Random) -> np.ndarray:
    """A page of rendered lines (left-aligned or centred, like books and receipts)."""
    width = max(max(line.shape[1] for line in lines) + 80, 600)
    gap = rng.randint(6, 24)
    height = sum(line.shape[0] + gap for line in lines) + 120
    page = np.full((height, width), 250, dtype=np.uint8)
    centred = rng.random() < 0.5
    y = 60
    for line in lines:
        h, w = line.shape
        x = (width - w) // 2 if centred else 40 + rng.randint(0, 20)
        page[y : y + h, x : x + w] = np.minimum(page[y : y + h, x : x + w], line)
        y += h + gap
    return page


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            return np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise BadImageError(f"calibration image {path} cannot be read: {exc}") from None


def _is_line(image: np.ndarray) -> bool:
    h, w = image.shape[:2]
    return h <= LINE_MAX_HEIGHT and w >= LINE_ASPECT * h


Cropper = Callable[[np.ndarray], list[np.ndarray]]


def default_calibration(crop_lines: Cropper, lines: int = 96, pages: int = 6, seed: int = 17) -> Calibration:
    """Rendered lines (half book-like, half receipt-like) in every font found,
    the project's ``tests/data`` images when the source tree is present, and
    *pages* pages composed from further rendered lines.

    *crop_lines* cuts a page into line crops (the fp32 detector, as the backend
    would): the project's page images feed the recogniser that way too.
    """
    rng = random.Random(seed)
    crops_per_page = max(6, lines // 8)  # the project's pages add a few real crops, not a flood
    fonts: list[Path | None] = [*font_files(), None]  # None: Pillow's built-in font
    rendered: list[np.ndarray] = []
    for i in range(lines):
        receipt = i % 2 == 1
        font = _font(fonts[i % len(fonts)], rng.randint(16, 40))
        text = _receipt_line(rng) if receipt else _book_line(rng)
        rendered.append(_render_line(text, font, rng, receipt))
    composed: list[np.ndarray] = []
    for p in range(pages):
        receipt = p % 2 == 1
        font = _font(fonts[(p * 3) % len(fonts)], rng.randint(18, 30))
        page_lines = [_render_line(_receipt_line(rng) if receipt else _book_line(rng), font, rng, receipt)
                      for _ in range(rng.randint(10, 22))]
        composed.append(_compose_page(page_lines, rng))
    cal = Calibration()
    _split(rendered, cal.lines, cal.check_lines)
    _split(composed, cal.pages, cal.check_pages)
    project: list[str] = []
    if _PROJECT_DATA.is_dir():
        for path in sorted(_PROJECT_DATA.glob("*.png")):
            image = _read_image(path)
            project.append(path.name)
            if _is_line(image):
                cal.check_lines.append(image)  # the project's own lines are held out (the tests read them)
            else:
                cal.pages.append(image)
                cal.lines.extend(crop_lines(image)[:crops_per_page])
    cal.description = {
        "source": "default",
        "fonts": [p.name if p else "Pillow built-in" for p in fonts],
        "rendered_lines": lines,
        "rendered_pages": pages,
        "seed": seed,
        "project_images": project,
    }
    return cal


def _images_in(directory: Path) -> Iterator[Path]:
    try:
        entries = sorted(directory.rglob("*"))
    except OSError as exc:
        raise CalibrationError(f"calibration folder {directory} cannot be read: {exc}") from None
    for path in entries:
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith("."):
            yield path


def directory_calibration(directory: Path, crop_lines: Cropper, fallback_pages: Callable[[], Calibration]) -> Calibration:
    """The user's own images: text lines calibrate the recogniser, pages the detector
    and (cut into lines by *crop_lines*) the recogniser. Without any page, the
    detector is calibrated on *fallback_pages()* (the default's pages)."""
    if not directory.is_dir():
        raise CalibrationError(f"calibration folder {directory} does not exist or is not a folder")
    paths = list(_images_in(directory))[:MAX_DIRECTORY_IMAGES]
    if not paths:
        raise CalibrationError(
            f"calibration folder {directory} holds no images ({', '.join(IMAGE_SUFFIXES)}); "
            "put some of your own pages or text-line crops there"
        )
    line_images: list[np.ndarray] = []
    page_images: list[np.ndarray] = []
    for path in paths:
        image = _read_image(path)
        (line_images if _is_line(image) else page_images).append(image)
    cal = Calibration()
    _split(line_images, cal.lines, cal.check_lines)
    _split(page_images, cal.pages, cal.check_pages)
    if len(page_images) == 1:  # one page: calibrate on it, check on it too rather than not at all
        cal.check_pages = list(cal.pages)
    for page in page_images:
        crops = crop_lines(page)
        _split(crops, cal.lines, cal.check_lines)
    detector_from = "directory"
    if not page_images:
        fallback = fallback_pages()
        cal.pages, cal.check_pages = fallback.pages, fallback.check_pages
        detector_from = "default (no pages in the folder)"
    if len(cal.lines) + len(cal.check_lines) < MIN_LINES or not cal.check_lines or not cal.lines:
        raise CalibrationError(
            f"calibration folder {directory} gives {len(cal.lines) + len(cal.check_lines)} text lines; "
            f"at least {MIN_LINES} are needed (more lines or pages with text)"
        )
    cal.lines, cal.check_lines = _evenly(cal.lines, MAX_LINES), _evenly(cal.check_lines, MAX_CHECK_LINES)
    cal.description = {
        "source": "directory",
        "path": str(directory),
        "images": len(paths),
        "line_images": len(line_images),
        "page_images": len(page_images),
        "detector_calibrated_on": detector_from,
    }
    return cal
