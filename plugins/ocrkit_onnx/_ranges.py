"""Activation ranges for static quantisation, streamed one input at a time.

onnxruntime's own calibrators keep every intermediate tensor of every
calibration input in memory and then stack them (13 GB for 82 recogniser lines;
a crash when the lines differ in width). Here each input's tensors are reduced
as soon as they exist, so memory is one inference's worth whatever the
calibration size:

- ``minmax``: one pass; the graph itself reduces every tensor to its min and max
  (``ReduceMin``/``ReduceMax`` nodes), so not even one input's activations leave
  onnxruntime;
- ``percentile``: that pass, then a second one filling a fixed 2048-bin histogram
  per tensor over ``[-max|x|, max|x|]``; the range cuts ``(100 - p) / 2`` percent
  on each side, clipped to the observed min/max (onnxruntime's Percentile
  calibrator, computed on the exact histogram instead of re-binned merges).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["HISTOGRAM_BINS", "collect_ranges"]

HISTOGRAM_BINS = 2048

Feeds = Callable[[], Iterable[np.ndarray]]


def _session(model: Any, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    # no fusion: the tensors we watch must stay the ones the quantiser will see
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.enable_cpu_mem_arena = False  # input widths vary; give memory back after every run
    opts.enable_mem_pattern = False
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])


def _augmented(model: Any, tensors: Sequence[str], reduce: bool) -> tuple[Any, list[str]]:
    """A copy of *model* whose outputs are the watched tensors (or their min and max)."""
    import onnx
    from onnx import TensorProto, helper

    augmented = onnx.ModelProto()
    augmented.CopyFrom(model)
    graph = augmented.graph
    del graph.output[:]
    outputs: list[str] = []
    for i, name in enumerate(tensors):
        if reduce:
            for op in ("ReduceMin", "ReduceMax"):
                out = f"{name}__ocrkit_{op}"
                graph.node.append(helper.make_node(op, [name], [out], name=f"ocrkit_calib_{op}_{i}", keepdims=0))
                graph.output.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, []))
                outputs.append(out)
        else:
            graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
            outputs.append(name)
    return augmented, outputs


def _bin_counts(values: np.ndarray, bound: float) -> np.ndarray:
    """Counts of *values* in :data:`HISTOGRAM_BINS` equal bins over ``[-bound, bound]``
    (``np.histogram``'s result for in-range data, in one pass and float32)."""
    scale = np.float32(HISTOGRAM_BINS / (2.0 * bound))
    index = ((values.ravel() + np.float32(bound)) * scale).astype(np.int32)
    np.clip(index, 0, HISTOGRAM_BINS - 1, out=index)
    return np.bincount(index, minlength=HISTOGRAM_BINS)


def _percentile_range(hist: np.ndarray, edges: np.ndarray, percentile: float) -> tuple[float, float]:
    total = hist.sum()
    if total == 0:
        return 0.0, 0.0
    cdf = np.cumsum(hist / total)
    cut = (100.0 - percentile) / 200.0
    left = min(int(np.searchsorted(cdf, cut)), len(edges) - 1)
    right = min(int(np.searchsorted(cdf, 1.0 - cut)), len(edges) - 1)
    return float(edges[left]), float(edges[right])


def collect_ranges(
    model: Any,
    tensors: Sequence[str],
    feeds: Feeds,
    method: str,
    percentile: float = 99.999,
    threads: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, tuple[float, float]]:
    """``{tensor: (low, high)}`` over every input *feeds()* yields (called once per pass).

    *model* is the prepared fp32 ``onnx.ModelProto`` with one input; graph inputs
    among *tensors* are measured on the feed itself.
    """
    input_name = model.graph.input[0].name
    inner = [t for t in tensors if t != input_name]
    low = {t: np.inf for t in tensors}
    high = {t: -np.inf for t in tensors}

    augmented, outputs = _augmented(model, inner, reduce=True)
    session = _session(augmented, threads)
    del augmented
    count = 0
    for blob in feeds():
        values = session.run(outputs, {input_name: blob})
        for i, name in enumerate(inner):
            low[name] = min(low[name], float(values[2 * i]))
            high[name] = max(high[name], float(values[2 * i + 1]))
        if input_name in low:
            low[input_name] = min(low[input_name], float(blob.min()))
            high[input_name] = max(high[input_name], float(blob.max()))
        count += 1
        if progress:
            progress(1)
    del session
    if count == 0:
        raise ValueError("no calibration inputs")
    if method == "minmax":
        return {t: (low[t], high[t]) for t in tensors}

    bound = {t: max(abs(low[t]), abs(high[t]), 1e-12) for t in tensors}
    hists = {t: np.zeros(HISTOGRAM_BINS, dtype=np.int64) for t in tensors}
    augmented, outputs = _augmented(model, inner, reduce=False)
    session = _session(augmented, threads)
    del augmented
    for blob in feeds():
        values = session.run(outputs, {input_name: blob})
        pairs = list(zip(inner, values))
        if input_name in hists:
            pairs.append((input_name, blob))
        for name, value in pairs:
            hists[name] += _bin_counts(value, bound[name])
        del values, pairs
        if progress:
            progress(1)
    del session
    ranges: dict[str, tuple[float, float]] = {}
    for name in tensors:
        edges = np.linspace(-bound[name], bound[name], HISTOGRAM_BINS + 1)
        lo, hi = _percentile_range(hists[name], edges, percentile)
        ranges[name] = (max(lo, low[name]), min(hi, high[name]))
    return ranges
