"""Damaged model sets: every one fails at open with a clear ocrkit error naming the
file, never with a bare onnxruntime exception or a native crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ocrkit
from ocrkit.errors import ModelCorruptError, ModelNotFoundError

from .conftest import CLS, DATA, DET, PACKAGE_MODELS, REC, make_set, manifest

GOOD = {DET: PACKAGE_MODELS / DET, CLS: PACKAGE_MODELS / CLS, REC: PACKAGE_MODELS / REC}


def _damaged(slot: str, content: bytes) -> dict[str, bytes | Path]:
    return {**GOOD, slot: content}


def _truncated(name: str, keep: float) -> bytes:
    data = (PACKAGE_MODELS / name).read_bytes()
    return data[: int(len(data) * keep)]


@pytest.mark.parametrize(
    ("slot", "content"),
    [
        (DET, b""),
        (DET, b"\x00" * 4096),
        (DET, os.urandom(50_000)),
        (DET, _truncated(DET, 0.5)),
        (REC, _truncated(REC, 0.999)),
        (REC, _truncated(REC, 0.01)),
        (CLS, _truncated(CLS, 0.7)),
        (REC, b"<html>404 Not Found</html>"),
    ],
    ids=["empty", "zeros", "random", "det-half", "rec-last-bytes", "rec-head", "cls-truncated", "html"],
)
def test_damaged_model_file_is_model_corrupt_with_its_path(ocrkit_home: Path, slot: str, content: bytes) -> None:
    set_dir = make_set(ocrkit_home, "damaged", files=_damaged(slot, content))
    with pytest.raises(ModelCorruptError) as info:
        ocrkit.open("onnx", "damaged")
    assert str(set_dir / slot) in str(info.value)
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, OSError)


def test_recogniser_without_character_list_is_corrupt(ocrkit_home: Path) -> None:
    """A model in the rec slot whose metadata has no ``character`` key (the classifier here)."""
    set_dir = make_set(ocrkit_home, "no-chars", files={**GOOD, REC: PACKAGE_MODELS / CLS})
    with pytest.raises(ModelCorruptError, match="no character list") as info:
        ocrkit.open("onnx", "no-chars")
    assert str(set_dir / REC) in str(info.value)


def test_dictionary_that_does_not_fit_the_model_is_corrupt(ocrkit_home: Path) -> None:
    make_set(ocrkit_home, "wrong-dict", manifest(rec={"characters": {"file": "keys.txt"}}),
             files={**GOOD, "keys.txt": "abcdefghijklmnopqrstuvwxyz\n".replace("", "\n").encode()})
    with pytest.raises(ModelCorruptError, match="classes"):
        ocrkit.open("onnx", "wrong-dict")


def test_missing_dictionary_file_is_model_not_found(ocrkit_home: Path) -> None:
    set_dir = make_set(ocrkit_home, "no-dict", manifest(rec={"characters": {"file": "keys.txt"}}))
    with pytest.raises(ModelNotFoundError) as info:
        ocrkit.open("onnx", "no-dict")
    assert str(set_dir / "keys.txt") in str(info.value)


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        ({**GOOD, DET: PACKAGE_MODELS / REC}, "detection model"),
        ({**GOOD, DET: PACKAGE_MODELS / CLS}, "detection model"),
        ({**GOOD, CLS: PACKAGE_MODELS / DET}, "angle classification model"),
        ({**GOOD, REC: PACKAGE_MODELS / DET}, "recognition model"),
    ],
    ids=["rec-as-det", "cls-as-det", "det-as-cls", "det-as-rec"],
)
def test_model_in_the_wrong_slot_is_refused_at_open(ocrkit_home: Path, files: dict, needle: str) -> None:
    with pytest.raises(ModelCorruptError, match=needle):
        ocrkit.open("onnx", "swapped") if make_set(ocrkit_home, "swapped", files=files) else None


def test_wrong_input_height_in_the_manifest_is_refused(ocrkit_home: Path) -> None:
    make_set(ocrkit_home, "tall", manifest(rec={"input_height": 32}))
    with pytest.raises(ModelCorruptError, match="height 48"):
        ocrkit.open("onnx", "tall")


def test_a_corrupt_set_does_not_disturb_a_good_engine(ocrkit_home: Path) -> None:
    make_set(ocrkit_home, "damaged", files=_damaged(REC, _truncated(REC, 0.5)))
    with ocrkit.open("onnx") as good:
        with pytest.raises(ModelCorruptError):
            ocrkit.open("onnx", "damaged")
        assert good.recognize(DATA / "line_hello.png", layout="line").text == "Hello world from ocrkit"
