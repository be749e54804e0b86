"""onnxruntime sessions: execution providers, session options chosen so that memory
really returns when a session is released, and load errors mapped to ocrkit errors.

Memory: onnxruntime's CPU arena keeps every block it ever allocated until the
session dies and then some (RapidOCR 3.10 keeps +365 MB after ``del``); the
memory-pattern planner pre-allocates per input shape. Both are off here, so every
tensor is an ordinary ``malloc`` that ``free`` + ``malloc_trim`` hand back.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocrkit.backend import BackendUnavailableError, ModelCorruptError, OcrkitError

from ._fpmode import denormals_flushed, mode_preserved

if TYPE_CHECKING:
    import onnxruntime

__all__ = [
    "import_onnxruntime", "PROVIDER_ALIASES", "resolve_providers", "make_session_options", "load_session", "run_model",
]

#: Short names users may pass in ``providers=``; full onnxruntime names work too.
PROVIDER_ALIASES: dict[str, str] = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "trt": "TensorrtExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "directml": "DmlExecutionProvider",
    "dml": "DmlExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "migraphx": "MIGraphXExecutionProvider",
    "qnn": "QNNExecutionProvider",
}

_INSTALL_HINTS: dict[str, str] = {
    "CUDAExecutionProvider": "pip install onnxruntime-gpu (matching your CUDA/cuDNN) instead of onnxruntime",
    "TensorrtExecutionProvider": "pip install onnxruntime-gpu and install TensorRT",
    "CoreMLExecutionProvider": "use the standard onnxruntime wheel on macOS",
    "DmlExecutionProvider": "pip install onnxruntime-directml (Windows)",
    "OpenVINOExecutionProvider": "pip install onnxruntime-openvino",
    "ROCMExecutionProvider": "install an onnxruntime build with ROCm",
}


def import_onnxruntime(telemetry: bool | None = None) -> types.ModuleType:
    """onnxruntime, with its usage telemetry off unless *telemetry* (``None``: import,
    off if this is the first import, else leave the switch as it is).

    Importing onnxruntime 1.32 starts an event store (``onnxruntime.db`` and a
    ``deviceid`` under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime``, 3 open
    files, a thread); users of a library do not expect that. ``ORT_DISABLE_TELEMETRY``
    is set (unless the user set it) before the first import, which prevents it; if
    onnxruntime was imported before, its events are at least switched off.
    """
    if not telemetry and "onnxruntime" not in sys.modules:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort

    if telemetry is not None:
        switch = getattr(ort, "enable_telemetry_events" if telemetry else "disable_telemetry_events", None)
        if switch is not None:
            switch()
    return ort


def _canonical(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise OcrkitError(f"execution provider names must be non-empty strings, got {name!r}")
    key = name.strip()
    alias = PROVIDER_ALIASES.get(key.lower())
    if alias:
        return alias
    for full in PROVIDER_ALIASES.values():
        if key.lower() == full.lower():
            return full
    if key.endswith("ExecutionProvider"):
        return key
    raise OcrkitError(
        f"unknown execution provider {name!r}; use one of {sorted(set(PROVIDER_ALIASES))} "
        "or a full onnxruntime provider name such as 'CUDAExecutionProvider'"
    )


def resolve_providers(names: str | Sequence[str] | None) -> list[str]:
    """Full provider names in priority order, checked against this onnxruntime build.

    ``None`` means CPU only. CPU is appended as the fallback for operators an
    accelerator does not implement. A provider this build lacks raises
    :class:`BackendUnavailableError` naming what is available and what to install.
    """
    ort = import_onnxruntime()

    if names is None:
        names = ["cpu"]
    elif isinstance(names, str):
        names = [n for n in names.replace(";", ",").split(",") if n.strip()]
    resolved: list[str] = []
    for name in names:
        full = _canonical(name)
        if full not in resolved:
            resolved.append(full)
    if not resolved:
        resolved = ["CPUExecutionProvider"]
    available = ort.get_available_providers()
    missing = [p for p in resolved if p not in available]
    if missing:
        hints = "; ".join(f"{p}: {_INSTALL_HINTS[p]}" for p in missing if p in _INSTALL_HINTS)
        raise BackendUnavailableError(
            f"execution provider(s) {', '.join(missing)} not available in this onnxruntime "
            f"{ort.__version__} build; available: {', '.join(available)}"
            + (f" ({hints})" if hints else "")
        )
    if "CPUExecutionProvider" not in resolved:
        resolved.append("CPUExecutionProvider")
    return resolved


#: Session entries for int8 (QDQ) models, as measured on the PP-OCRv6 recogniser:
#: QDQ fusion on (the point of the set), the QDQ cleanup pass and the x64
#: "quant precision" mode off (0.77x and 0.58x of the plain int8 speed).
INT8_SESSION_ENTRIES = {
    "session.disable_quant_qdq": "0",
    "session.enable_quant_qdq_cleanup": "0",
    "session.x64quantprecision": "0",
}


def make_session_options(
    intra_op_threads: int, inter_op_threads: int, flush_denormals: bool = True, int8: bool = False
) -> onnxruntime.SessionOptions:
    """Options for every session of a pipeline: no arena, no memory pattern, quiet logs.

    Spinning is off so that idle pool threads do not burn the cores other
    recognitions (and other sessions) need when calls run concurrently.
    *flush_denormals* sets flush-to-zero on the session's own pool threads (the
    calling thread is handled per call, see ``_fpmode``). *int8*: the models are
    QDQ-quantised; they need ``ORT_ENABLE_ALL`` (below it, Q/DQ pairs run as
    float ops and the set is slower than fp32) and :data:`INT8_SESSION_ENTRIES`.
    """
    ort = import_onnxruntime()

    opts = ort.SessionOptions()
    opts.enable_cpu_mem_arena = False
    opts.enable_mem_pattern = False
    opts.enable_mem_reuse = True
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.intra_op_num_threads = max(0, int(intra_op_threads))
    opts.inter_op_num_threads = max(0, int(inter_op_threads))
    opts.log_severity_level = 3  # errors only; warnings about unused initializers are noise
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    opts.add_session_config_entry("session.set_denormal_as_zero", "1" if flush_denormals else "0")
    if int8:
        for key, value in INT8_SESSION_ENTRIES.items():
            opts.add_session_config_entry(key, value)
    return opts


def load_session(
    path: Path, options: onnxruntime.SessionOptions, providers: Sequence[str], what: str
) -> onnxruntime.InferenceSession:
    """An InferenceSession for *path*; an unreadable or invalid file raises
    :class:`ModelCorruptError` naming it (never a bare onnxruntime exception).

    The file is read into memory first and handed over as bytes, so onnxruntime
    keeps no descriptor or mapping on it after loading.
    """
    ort = import_onnxruntime()

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        from ocrkit.backend import ModelNotFoundError

        raise ModelNotFoundError(f"{what} model file {path} is missing") from None
    except OSError as exc:
        raise ModelCorruptError(f"{what} model {path} cannot be read: {exc}") from exc
    if not data:
        raise ModelCorruptError(f"{what} model {path} is empty (0 bytes); re-import or re-download the set")
    provider_list: list[Any] = list(providers)
    try:
        with mode_preserved():  # onnxruntime may switch this thread's flush-to-zero mode for good
            return ort.InferenceSession(data, sess_options=options, providers=provider_list)
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf/InvalidGraph types
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelCorruptError(
            f"{what} model {path} cannot be loaded by onnxruntime (truncated or not an ONNX model?): {message}"
        ) from None
    finally:
        del data


def run_model(
    session: onnxruntime.InferenceSession, output: str, feed: dict[str, Any], what: str, flush_denormals: bool = True
) -> Any:
    """``session.run`` for one output, with denormals flushed on this thread for the
    call; a failure inside onnxruntime (a model that loaded but cannot execute)
    becomes :class:`ModelCorruptError`."""
    try:
        with denormals_flushed(flush_denormals):
            return session.run([output], feed)[0]
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelCorruptError(f"{what} model failed during inference: {message}") from None


def default_intra_threads() -> int:
    """Cores this process may use (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
