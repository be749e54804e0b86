"""PP-OCR sets shipped inside Python packages (rapidocr, rapidocr-onnxruntime).

Those wheels carry no manifest: this module knows where each keeps its files
and describes the set in memory. Found without importing the packages.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ._manifest import ClsSpec, DetSpec, ModelSet, RecSpec

__all__ = ["PACKAGE_LAYOUTS", "package_sets"]


@dataclass(frozen=True)
class _PackageLayout:
    """Where a known wheel keeps a PP-OCR set (no manifest there, so we describe it)."""

    package: str
    subdir: str
    name: str
    version: str
    variant: str
    det: str
    rec: str
    cls: str | None
    det_limit_side_len: int = 960
    det_limit_type: str = "max"


_CLS_V2 = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

#: Known layouts, in preference order. Sets rapidocr downloads on demand into its
#: ``models`` folder are listed too; a set appears only when its files are present.
PACKAGE_LAYOUTS: tuple[_PackageLayout, ...] = (
    _PackageLayout("rapidocr", "models", "ppocrv6-small", "6", "small",
                   "PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv6-tiny", "6", "tiny",
                   "PP-OCRv6_det_tiny.onnx", "PP-OCRv6_rec_tiny.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv6-medium", "6", "medium",
                   "PP-OCRv6_det_medium.onnx", "PP-OCRv6_rec_medium.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv5-mobile", "5", "mobile",
                   "ch_PP-OCRv5_det_mobile.onnx", "ch_PP-OCRv5_rec_mobile.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv4-mobile", "4", "mobile",
                   "ch_PP-OCRv4_det_mobile.onnx", "ch_PP-OCRv4_rec_mobile.onnx", _CLS_V2),
    _PackageLayout("rapidocr_onnxruntime", "models", "ppocrv4-mobile", "4", "mobile",
                   "ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
                   "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
)


def _package_dir(package: str) -> Path | None:
    """The directory of an installed top-level package, without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        return Path(location)
    return None


def _layout_set(layout: _PackageLayout, models_dir: Path) -> ModelSet:
    return ModelSet(
        name=layout.name,
        root=models_dir,
        det=DetSpec(layout.det, limit_side_len=layout.det_limit_side_len, limit_type=layout.det_limit_type),
        rec=RecSpec(layout.rec),
        cls=ClsSpec(layout.cls) if layout.cls else None,
        version=layout.version,
        variant=layout.variant,
        language="ch",
        source="package",
    )


def package_sets(layouts: Iterable[_PackageLayout] = PACKAGE_LAYOUTS) -> list[ModelSet]:
    """Sets whose det and rec files exist inside installed packages (cls is optional)."""
    found: list[ModelSet] = []
    dirs: dict[str, Path | None] = {}
    for layout in layouts:
        if layout.package not in dirs:
            dirs[layout.package] = _package_dir(layout.package)
        base = dirs[layout.package]
        if base is None:
            continue
        models_dir = base / layout.subdir
        if not ((models_dir / layout.det).is_file() and (models_dir / layout.rec).is_file()):
            continue
        if layout.cls and not (models_dir / layout.cls).is_file():
            layout = _PackageLayout(**{**layout.__dict__, "cls": None})
        found.append(_layout_set(layout, models_dir))
    return found
