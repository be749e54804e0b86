"""Fixtures for the ONNX backend tests: the PP-OCRv6 small set shipped in the
rapidocr wheel, one shared engine for read-only recognition tests, and helpers
that build model sets (good and damaged) in a test's store."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime", reason="the [onnx] extra ships onnxruntime")
pytest.importorskip("cv2", reason="the [onnx] extra ships opencv-python-headless")
rapidocr = pytest.importorskip("rapidocr", reason="the [onnx] extra ships the PP-OCRv6 models in rapidocr")

import ocrkit  # noqa: E402
from ocrkit.store import ModelStore  # noqa: E402

PACKAGE_MODELS = Path(rapidocr.__file__).parent / "models"
DET = "PP-OCRv6_det_small.onnx"
REC = "PP-OCRv6_rec_small.onnx"
CLS = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ocrkit.Engine]:
    """One engine on the default set, shared by tests that only recognise."""
    store = ModelStore(tmp_path_factory.mktemp("onnx-shared-store"))
    with ocrkit.open("onnx", store=store) as ocr:
        yield ocr


def manifest(**overrides: object) -> dict:
    """A manifest for the packaged v6 small files, with top-level or section overrides."""
    data: dict = {
        "format": "ocrkit-ppocr",
        "format_version": 1,
        "family": "PP-OCR",
        "version": "6",
        "variant": "small",
        "det": {"file": DET, "limit_side_len": 960, "limit_type": "max"},
        "cls": {"file": CLS, "input_shape": [3, 48, 192], "labels": ["0", "180"]},
        "rec": {"file": REC, "input_height": 48, "characters": {"metadata_key": "character"}},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def make_set(store_root: Path, name: str, data: dict | None = None, files: dict[str, bytes | Path] | None = None,
             link: bool = True) -> Path:
    """Create ``<store_root>/onnx/<name>/`` with a manifest and model files.

    *files* maps file names to bytes (written) or paths (linked or copied); by
    default the packaged det/cls/rec files are linked under their own names.
    """
    set_dir = store_root / "onnx" / name
    set_dir.mkdir(parents=True)
    files = files if files is not None else {DET: PACKAGE_MODELS / DET, CLS: PACKAGE_MODELS / CLS,
                                              REC: PACKAGE_MODELS / REC}
    for file_name, content in files.items():
        target = set_dir / file_name
        if isinstance(content, Path):
            if link:
                target.symlink_to(content)
            else:
                shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
    (set_dir / "manifest.json").write_text(json.dumps(data if data is not None else manifest()), encoding="utf-8")
    return set_dir


def words_of(text: str) -> list[str]:
    return text.split()
