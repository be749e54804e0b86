"""Regenerate the test images (committed as PNGs, so tests need no fonts).

    python tools/make_images.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "tests" / "data"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

PAGE_LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "Optical character recognition turns scans into text.",
    "Invoice 2024-117 total due: 349.50 EUR",
    "Models are loaded once and freed on request.",
]
LEFT = [
    "Plugins register through",
    "entry points and share",
    "one lifecycle contract.",
]
RIGHT = [
    "Every backend frees its",
    "native memory and file",
    "handles when asked to.",
]
LINES = {
    "line_hello.png": "Hello world from ocrkit",
    "line_numbers.png": "Order 42 shipped on 2025-03-14",
    "line_sentence.png": "Pack my box with five dozen liquor jugs",
}
GERMAN = ["Grüße aus München über die Straße.", "Äpfel und Öl für den Bäcker."]


def render(lines: list[str], size: tuple[int, int], font_path: str, pt: int, origin=(60, 60), gap=1.6):
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path, pt)
    x, y = origin
    for line in lines:
        draw.text((x, y), line, fill=0, font=font)
        y += int(pt * gap)
    return img


def main() -> None:
    truth: dict[str, str] = {}
    render(PAGE_LINES, (1400, 420), FONT, 36).save(HERE / "page_simple.png")
    truth["page_simple.png"] = "\n".join(PAGE_LINES)
    cols = Image.new("L", (1500, 360), 255)
    cols.paste(render(LEFT, (700, 360), SERIF, 34), (0, 0))
    cols.paste(render(RIGHT, (700, 360), SERIF, 34), (800, 0))
    cols.save(HERE / "two_columns.png")
    truth["two_columns.png"] = "\n".join(LEFT + RIGHT)
    for name, text in LINES.items():
        render([text], (60 + 22 * len(text), 80), FONT, 32, origin=(20, 18)).save(HERE / name)
        truth[name] = text
    render(GERMAN, (1000, 260), FONT, 36).save(HERE / "german.png")
    truth["german.png"] = "\n".join(GERMAN)
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
    sample = render(
        ["ocrkit reads this sample page.", "One API, many OCR engines,", "resources freed when you say so."],
        (1100, 330), SERIF, 40,
    )
    sample.save(REPO / "examples" / "images" / "sample.png")


if __name__ == "__main__":
    main()
