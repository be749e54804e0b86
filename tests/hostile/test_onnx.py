"""The onnx backend on hostile input (issue 11: 7) and onnxruntime's telemetry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ocrkit
from ocrkit.store import ModelStore

from .conftest import SAMPLE, run_python

pytest.importorskip("onnxruntime", reason="the [onnx] extra ships onnxruntime")
rapidocr = pytest.importorskip("rapidocr", reason="the [onnx] extra ships the PP-OCRv6 models in rapidocr")

MODELS = Path(rapidocr.__file__).parent / "models"
FILES = {"det": "PP-OCRv6_det_small.onnx", "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx", "rec": "PP-OCRv6_rec_small.onnx"}


def _set(root: Path, **cls: object) -> ModelStore:
    folder = root / "onnx" / "absurd"
    folder.mkdir(parents=True)
    for name in FILES.values():
        (folder / name).symlink_to(MODELS / name)
    manifest = {
        "format": "ocrkit-ppocr", "format_version": 1,
        "det": {"file": FILES["det"]},
        "cls": {"file": FILES["cls"], "labels": ["0", "180"], **cls},
        "rec": {"file": FILES["rec"], "characters": {"metadata_key": "character"}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return ModelStore(root)


@pytest.mark.parametrize(
    "cls", [{"input_shape": [3, 100000, 100000]}, {"input_shape": [3, 48, 10**12]}, {"mean": [0.5, "nan", 0.5]}]
)
def test_an_absurd_manifest_number_is_a_corrupt_model_set(tmp_path: Path, cls: dict) -> None:
    """7: a cls.input_shape of [3, 100000, 100000] gave numpy._ArrayMemoryError."""
    store = _set(tmp_path, **cls)
    with pytest.raises(ocrkit.ModelCorruptError, match="manifest"), ocrkit.open("onnx", "absurd", store=store) as engine:
        engine.recognize(SAMPLE)


def test_onnxruntime_keeps_no_telemetry_store(tmp_path: Path) -> None:
    """onnxruntime 1.32 wrote ~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db
    at import; ocrkit turns its telemetry off unless telemetry=True."""
    code = "import numpy, ocrkit\nwith ocrkit.open('onnx') as e: e.recognize(numpy.full((32, 32), 255, 'uint8'))\n"
    done = run_python(code, env={"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / ".cache"),
                                 "OCRKIT_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*onnxruntime*")] == []


def test_the_telemetry_option_is_declared() -> None:
    with pytest.raises(ocrkit.InvalidOptionError):
        ocrkit.open("onnx", telemetry="maybe")
