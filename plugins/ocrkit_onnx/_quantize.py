"""The static int8 (QDQ) recipe for one PP-OCR model file.

Steps, in order (each one was measured; see docs/backends/onnx.md, *int8 sets*):

1. opset 17 (per-channel ``DequantizeLinear`` needs an ``axis``, invalid at opset 11);
2. pre-fuse in fp32 with onnxruntime at ``ORT_ENABLE_EXTENDED`` (Gelu, LayerNorm ...)
   while keeping every Conv/MatMul visible to the quantiser;
3. ``quant_pre_process`` (ONNX shape inference only: symbolic inference fails here);
4. activation ranges from :mod:`._ranges` (streamed, bounded memory) handed to
   ``quantize_static`` as its calibration cache: QDQ, per-channel int8 weights,
   uint8 activations;
5. for the recogniser, every ``DQ -> MatMul -> Add(bias)`` becomes one
   ``com.microsoft.MatMulIntegerToFloat`` with the bias folded in.

Everything heavy (onnx, onnxruntime) is imported here only, and this module is
imported only by ``ocrkit models quantize``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ocrkit.backend import ModelCorruptError

__all__ = ["Recipe", "REC_RECIPE", "DET_RECIPE", "TARGET_OPSET", "prepare", "quantize", "calibration_tensors"]

TARGET_OPSET = 17

#: Fusions that would hide a Conv or MatMul inside a fused node the quantiser
#: cannot see (the rest, Gelu and LayerNorm above all, run in fp32 anyway).
KEEP_VISIBLE = (
    "ConvActivationFusion",
    "MatMulAddFusion",
    "MatMulScaleFusion",
    "MatmulTransposeFusion",
    "GemmActivationFusion",
    "BiasGeluFusion",
    "BiasSoftmaxFusion",
    "MatMulActivationFusion",
    "DynamicQuantizeMatMulFusion",
    "AttentionFusion",
)


@dataclass(frozen=True)
class Recipe:
    """How one model of a set is quantised (recorded in the int8 set's manifest)."""

    op_types: tuple[str, ...]
    calibration: str  # "percentile" or "minmax"
    percentile: float = 99.999
    exclude_output_quantization: tuple[str, ...] = ()
    fold_matmul_bias: bool = False
    per_channel: bool = True
    activations: str = "QUInt8"
    weights: str = "QInt8"
    opset: int = TARGET_OPSET
    prefuse: str = "ORT_ENABLE_EXTENDED"
    keep_visible: tuple[str, ...] = field(default=KEEP_VISIBLE)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
        if self.calibration != "percentile":
            data.pop("percentile")
        return data


#: The recogniser: MinMax ranges cost 2 F1 points on receipts, Softmax and
#: per-tensor weights cost CER; quantising MatMul outputs makes them slower.
REC_RECIPE = Recipe(
    op_types=("Conv", "MatMul"),
    calibration="percentile",
    exclude_output_quantization=("MatMul",),
    fold_matmul_bias=True,
)
#: The detector: MinMax keeps 99.7% of boxes at IoU > 0.5.
DET_RECIPE = Recipe(op_types=("Conv", "ConvTranspose"), calibration="minmax")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:  # pragma: no cover - the onnx extra installs it
        from ocrkit.backend import BackendUnavailableError

        raise BackendUnavailableError(
            'quantising needs the onnx package: pip install "ocrkit[onnx]"'
        ) from None
    return onnx


def _to_opset(src: Path, dst: Path, opset: int) -> None:
    onnx = _onnx()
    from onnx import version_converter

    model = onnx.load(str(src))
    current = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=opset)
    if current < opset:
        model = version_converter.convert_version(model, opset)
    onnx.save(model, str(dst))


def _prefuse(src: Path, dst: Path, keep_visible: Iterable[str]) -> None:
    """fp32 graph fusions by onnxruntime itself, saved for the quantiser."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(dst)
    opts.log_severity_level = 3
    opts.enable_cpu_mem_arena = False
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(str(src), sess_options=opts, providers=["CPUExecutionProvider"],
                                   disabled_optimizers=list(keep_visible))
    del session


def prepare(src: Path, work: Path, recipe: Recipe) -> Path:
    """Steps 1-3: the fp32 model the ranges are measured on and the quantiser reads."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    stem = src.stem
    opset_path = work / f"{stem}.opset{recipe.opset}.onnx"
    fused_path = work / f"{stem}.fused.onnx"
    ready_path = work / f"{stem}.prepared.onnx"
    try:
        _to_opset(src, opset_path, recipe.opset)
        _prefuse(opset_path, fused_path, recipe.keep_visible)
        quant_pre_process(str(fused_path), str(ready_path), skip_optimization=True, skip_symbolic_shape=True)
    except ModelCorruptError:
        raise
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelCorruptError(f"model {src} cannot be prepared for int8 quantisation: {message}") from None
    return ready_path


def calibration_tensors(model: Any, op_types: Iterable[str]) -> list[str]:
    """The float activations the quantiser needs ranges for: inputs and outputs of
    the quantised op types (what onnxruntime's own calibrators select)."""
    onnx = _onnx()
    types = set(op_types)
    infos = {vi.name: vi for vi in [*model.graph.value_info, *model.graph.output, *model.graph.input]}
    constants = {init.name for init in model.graph.initializer}
    floats = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16}
    names: list[str] = []
    seen: set[str] = set()
    for node in model.graph.node:
        if node.op_type not in types:
            continue
        for name in [*node.input, *node.output]:
            vi = infos.get(name)
            if (name and name not in seen and name not in constants and vi is not None
                    and vi.type.tensor_type.elem_type in floats):
                seen.add(name)
                names.append(name)
    return names


def quantize(prepared: Path, dst: Path, recipe: Recipe, ranges: Mapping[str, tuple[float, float]]) -> None:
    """Steps 4-5: QDQ quantisation with the given activation ranges, then the bias fold."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.calibrate import TensorData, TensorsData, save_tensors_data

    method = CalibrationMethod.Percentile if recipe.calibration == "percentile" else CalibrationMethod.MinMax
    data = {name: TensorData(lowest=np.float32(lo), highest=np.float32(hi)) for name, (lo, hi) in ranges.items()}
    extra: dict[str, Any] = {}
    if recipe.exclude_output_quantization:
        extra["OpTypesToExcludeOutputQuantization"] = list(recipe.exclude_output_quantization)
    with tempfile.TemporaryDirectory(prefix="ocrkit-quant-") as tmp:
        cache = Path(tmp) / "ranges.json"
        save_tensors_data(TensorsData(method, data), cache)
        quantize_static(
            str(prepared),
            str(dst),
            calibration_data_reader=None,
            calibration_cache_path=str(cache),
            calibrate_method=method,
            quant_format=QuantFormat.QDQ,
            per_channel=recipe.per_channel,
            activation_type=getattr(QuantType, recipe.activations),
            weight_type=getattr(QuantType, recipe.weights),
            op_types_to_quantize=list(recipe.op_types),
            extra_options=extra,
        )
    if recipe.fold_matmul_bias:
        onnx = _onnx()
        model = onnx.load(str(dst))
        fold_matmul_bias(model)
        onnx.save(model, str(dst))


# -- step 5: DQ -> MatMul -> Add(bias)  =>  MatMulIntegerToFloat -----------------------


def _constant(model: Any, name: str) -> np.ndarray | None:
    from onnx import numpy_helper

    for init in model.graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    return None


def fold_matmul_bias(model: Any) -> int:
    """Replace each ``DQ(a) x DQ(w) -> MatMul -> Add(const bias)`` by one
    ``com.microsoft.MatMulIntegerToFloat`` (onnxruntime fuses the first three by
    itself but leaves the Add: +4% on the recogniser). Returns the folds made."""
    onnx = _onnx()
    helper = onnx.helper
    nodes = list(model.graph.node)
    producer = {out: n for n in nodes for out in n.output}
    consumers: dict[str, list[Any]] = {}
    for n in nodes:
        for name in n.input:
            consumers.setdefault(name, []).append(n)
    graph_outputs = {o.name for o in model.graph.output}

    def dq_parts(name: str) -> tuple[Any, list[str]] | None:
        node = producer.get(name)
        if node is None or node.op_type != "DequantizeLinear" or len(consumers.get(name, ())) != 1:
            return None
        inputs = list(node.input) + [""] * (3 - len(node.input))
        return node, inputs

    removed: set[int] = set()
    added: list[tuple[int, Any]] = []
    folds = 0
    for index, matmul in enumerate(nodes):
        if matmul.op_type != "MatMul" or matmul.output[0] in graph_outputs:
            continue
        users = consumers.get(matmul.output[0], [])
        if len(users) != 1 or users[0].op_type != "Add":
            continue
        add = users[0]
        bias_name = add.input[1] if add.input[0] == matmul.output[0] else add.input[0]
        bias = _constant(model, bias_name)
        a, w = dq_parts(matmul.input[0]), dq_parts(matmul.input[1])
        weight = _constant(model, w[1][0]) if w else None
        if a is None or w is None or bias is None or weight is None or weight.ndim != 2:
            continue
        if bias.ndim != 1 or bias.shape[0] != weight.shape[1]:
            continue
        w_scale = _constant(model, w[1][1])
        axis = next((att.i for att in w[0].attribute if att.name == "axis"), 1)
        if w_scale is None or (w_scale.size > 1 and axis not in (1, -1)):
            continue  # MatMulIntegerToFloat takes per-column weight scales only
        fused = helper.make_node(
            "MatMulIntegerToFloat",
            [a[1][0], w[1][0], a[1][1], w[1][1], a[1][2], w[1][2], bias_name],
            [add.output[0]],
            name=f"{matmul.name or 'matmul'}_int8",
            domain="com.microsoft",
        )
        for node in (a[0], w[0], matmul, add):
            removed.add(id(node))
        added.append((index, fused))
        folds += 1
    if not folds:
        return 0
    by_position = dict(added)
    rebuilt = []
    for index, node in enumerate(nodes):
        if index in by_position:
            rebuilt.append(by_position[index])
        if id(node) not in removed:
            rebuilt.append(node)
    del model.graph.node[:]
    model.graph.node.extend(rebuilt)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return folds

