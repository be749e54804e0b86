"""Backend options: execution providers checked against this onnxruntime build,
thread counts, and values of the wrong type or out of range."""

from __future__ import annotations

from pathlib import Path

import onnxruntime
import pytest

import ocrkit
from ocrkit.errors import BackendUnavailableError, OcrkitError, UnknownOptionError

from .conftest import DATA


def test_backend_declares_its_options_and_capabilities() -> None:
    from ocrkit._registry import get_registry

    info = get_registry().require("onnx")
    names = info.option_names
    for name in ("providers", "intra_op_threads", "inter_op_threads", "det_limit_side_len", "det_thresh",
                 "det_box_thresh", "det_unclip_ratio", "rec_batch_size", "use_angle_cls", "text_score"):
        assert name in names
    assert {"page", "line", "detect", "words", "polygons", "threadsafe", "gpu"} <= info.capabilities


@pytest.mark.parametrize("providers", [["cpu"], "cpu", ["CPUExecutionProvider"], ("CPU",)])
def test_cpu_provider_by_short_or_full_name(ocrkit_home: Path, providers: object) -> None:
    with ocrkit.open("onnx", providers=providers, use_angle_cls=False) as ocr:
        assert ocr.handle.state.providers == ["CPUExecutionProvider"]
        session = ocr.handle.state.recognizer.session
        assert session.get_providers() == ["CPUExecutionProvider"]


@pytest.mark.parametrize("name", ["cuda", "tensorrt", "coreml", "directml", "openvino"])
def test_missing_accelerator_is_a_clear_unavailable_error(ocrkit_home: Path, name: str) -> None:
    available = onnxruntime.get_available_providers()
    from ocrkit_onnx._sessions import PROVIDER_ALIASES

    if PROVIDER_ALIASES[name] in available:  # pragma: no cover - a GPU/accelerator build
        pytest.skip(f"{name} is available in this onnxruntime build")
    with pytest.raises(BackendUnavailableError) as info:
        ocrkit.open("onnx", providers=[name, "cpu"])
    message = str(info.value)
    assert PROVIDER_ALIASES[name] in message
    assert "CPUExecutionProvider" in message  # says what is available
    assert onnxruntime.__version__ in message


def test_unknown_provider_name_lists_the_known_ones(ocrkit_home: Path) -> None:
    with pytest.raises(OcrkitError) as info:
        ocrkit.open("onnx", providers=["warp-drive"])
    assert "warp-drive" in str(info.value) and "cuda" in str(info.value)


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("intra_op_threads", -1, "intra_op_threads"),
        ("intra_op_threads", "many", "integer"),
        ("det_limit_side_len", 5, "det_limit_side_len"),
        ("det_limit_type", "diagonal", "det_limit_type"),
        ("det_thresh", 1.5, "det_thresh"),
        ("det_box_thresh", "high", "number"),
        ("rec_batch_size", 0, "rec_batch_size"),
        ("use_angle_cls", "maybe", "true or false"),
        ("providers", 42, "providers"),
        ("text_score", True, "number"),
    ],
)
def test_bad_option_values_are_refused_before_loading(ocrkit_home: Path, option: str, value: object,
                                                      needle: str) -> None:
    with pytest.raises(OcrkitError, match=needle) as info:
        ocrkit.open("onnx", **{option: value})
    assert isinstance(info.value, ValueError)


def test_unknown_option_is_refused_by_name(ocrkit_home: Path) -> None:
    with pytest.raises(UnknownOptionError, match="use_gpu"):
        ocrkit.open("onnx", use_gpu=True)


def test_thread_options_reach_the_sessions(ocrkit_home: Path) -> None:
    with ocrkit.open("onnx", intra_op_threads=1, workers=1, rec_batch_size=2) as ocr:
        pipeline = ocr.handle.state
        assert pipeline.workers == 1
        assert pipeline.recognizer.session.get_session_options().intra_op_num_threads == 1
        assert pipeline.detector.session.get_session_options().intra_op_num_threads == 1
        options = pipeline.detector.session.get_session_options()
        assert options.enable_cpu_mem_arena is False and options.enable_mem_pattern is False
        pages = ocr.recognize([DATA / "line_hello.png", DATA / "line_numbers.png", DATA / "line_sentence.png"],
                              layout="line")
        assert [p.text for p in pages][0] == "Hello world from ocrkit"


def test_option_error_is_exported_from_the_package(ocrkit_home: Path) -> None:
    from ocrkit_onnx import OnnxOptionError

    with pytest.raises(OnnxOptionError, match="rec_batch_size") as err:
        ocrkit.open("onnx", rec_batch_size=-3)
    assert isinstance(err.value, ocrkit.InvalidOptionError)  # one class to catch for every backend
