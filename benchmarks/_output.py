"""Benchmark results as a markdown report, a PNG chart and a JSON file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocrkit.eval import EvalReport

from ._suite import BenchResults, GroupResult, ParallelResult

__all__ = ["to_markdown", "to_json", "write_chart", "chart_rows"]

FLOOR_SESSION_RUN = "session.run only (floor)"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 0.01 else f"{seconds * 1000:.1f}"


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def chart_rows(group: GroupResult) -> list[tuple[str, str, float, float | None]]:
    """(label, role, images/s, ocrkit ÷ this) for every measured reader, plus the
    session.run floor of the onnx backend."""
    rows: list[tuple[str, str, float, float | None]] = []
    own = group.ocrkit
    for r in group.readers:
        if r.report is None:
            continue
        ratio = None if r is own or own is None else group.ratio(r.label)
        rows.append((r.label, r.role, r.throughput, ratio))
    busy_s = group.session_busy_s
    if own is not None and busy_s:
        floor = own.report.count / busy_s  # type: ignore[union-attr]
        rows.append((FLOOR_SESSION_RUN, "floor", floor, own.throughput / floor))
    return rows


def _run_share(report: EvalReport) -> str:
    """Seconds inside InferenceSession.run (summed over threads) and its share of the read time."""
    run_s = report.extra.get("session_run_s")
    if not run_s or report.recognition_s <= 0:
        return ""
    return f"{run_s:.1f} s ({run_s / report.recognition_s:.0%})"


def _group_table(groups: Sequence[GroupResult]) -> list[str]:
    out = [
        "| dataset | backend group | reader | images | CER | WER | BoW F1 | images/s | ocrkit ÷ reader "
        "| median ms | p95 ms | load s | peak RSS +MiB | in session.run |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for g in groups:
        case = (" (case-insens.)" if g.ignore_case else "") + (f", {g.mode}" if g.mode else "")
        for r in g.readers:
            if r.report is None:
                out.append(f"| {g.dataset} | {g.backend} | {r.label} | — | skipped: {r.skipped} | | | | | | | | | |")
                continue
            rep = r.report
            ratio = "—" if r is g.ocrkit else (f"{g.ratio(r.label):.2f}x" if g.ratio(r.label) else "n/a")
            mem = _mib(rep.peak_rss_increase_bytes)
            child = rep.extra.get("child_peak_rss_bytes")
            if child:
                mem = f"{_mib(child)} (child)"
            name = f"**{r.label}**" if r.role.startswith("ocrkit") else r.label
            out.append(
                f"| {g.dataset}{case} | {g.backend} | {name} | {rep.count} | {rep.cer:.2%} | {rep.wer:.2%} "
                f"| {rep.bow_f1:.3f} | {rep.throughput:.2f} | {ratio} | {_ms(rep.latency_median_s)} "
                f"| {_ms(rep.latency_p95_s)} | {rep.load_s:.2f} | {mem} | {_run_share(rep)} |"
            )
        for label, _role, ips, ratio in chart_rows(g):
            if label == FLOOR_SESSION_RUN:
                calls = g.ocrkit.report.extra.get("session_run_calls", 0)  # type: ignore[union-attr]
                out.append(
                    f"| {g.dataset}{case} | {g.backend} | {label}, {calls} calls | | | | | {ips:.2f} "
                    f"| {ratio:.2f}x | | | | | |"
                )
    return out


def _int8_table(groups: Sequence[GroupResult]) -> list[str]:
    """Each int8 reader beside fp32 and RapidOCR in the same group (same images, same turns)."""
    out = [
        "| dataset | reader | images | CER | BoW F1 | ÷ RapidOCR | ÷ ocrkit fp32 | CER − fp32 | BoW F1 − fp32 "
        "| pipeline ÷ session.run |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for g in groups:
        base = g.ocrkit
        for r in g.readers:
            if r.report is None or base is None or r.role not in ("ocrkit", "ocrkit-int8"):
                continue
            rep, ref = r.report, base.report
            assert ref is not None
            vs_rapid = g.ratio_between(r.label, "RapidOCR")
            over = g.over_session_run(r.label)
            name = g.dataset + (f", {g.mode}" if g.mode else "")
            out.append(
                f"| {name} | {r.label} | {rep.count} | {rep.cer:.2%} | {rep.bow_f1:.3f} "
                f"| {'n/a' if vs_rapid is None else f'{vs_rapid:.2f}x'} | {rep.throughput / ref.throughput:.2f}x "
                f"| {100 * (rep.cer - ref.cer):+.2f} | {rep.bow_f1 - ref.bow_f1:+.3f} "
                f"| {'' if over is None else f'{over:.2f}x'} |"
            )
    return out


def _quantize_table(results: BenchResults) -> list[str]:
    out = [
        "| int8 set | calibration | wall s | CPU s | peak RSS MiB | check: held-out lines (chars differ / word agreement) "
        "| check: held-out pages (word agreement / boxes) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for s in results.int8_sets:
        if s.error:
            out.append(f"| {s.name} | {s.calibration} | failed: {s.error} | | | | |")
            continue
        c = s.derived.get("check") or {}
        boxes = c.get("box_match_vs_fp32")
        pages = (f"{c.get('held_out_pages')}: {c['page_bow_f1_vs_fp32']:.3f} / {boxes:.1%}"
                 if c.get("held_out_pages") and boxes is not None else "")
        out.append(
            f"| {s.name} | {s.calibration} | {s.wall_s:.0f} | {s.cpu_s:.0f} | {s.peak_rss_bytes / 2**20:.0f} "
            f"| {c.get('held_out_lines', 0)}: {c.get('line_cer_vs_fp32', 0):.2%} / {c.get('line_bow_f1_vs_fp32', 0):.3f} "
            f"| {pages} |"
        )
    return out


def _parallel_table(parallel: Sequence[ParallelResult]) -> list[str]:
    out = [
        "| backend | dataset | images | 1 thread / 1 instance | default `recognize(list)` | default, shared by threads "
        "| best ÷ restricted | CPU use (restricted / list / threads) | restricted with |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for p in parallel:
        if p.skipped:
            out.append(f"| {p.backend} | {p.dataset} | {p.images} | skipped: {p.skipped} | | | | | |")
            continue
        cpu = " / ".join(f"{p.cpu.get(k, 0):.2f}" for k in ("restricted", "default", "threads"))
        opts = ", ".join(f"`{k}={v}`" for k, v in p.restricted_options.items())
        out.append(
            f"| {p.backend} | {p.dataset} | {p.images} | {p.throughput(p.restricted_s):.2f} img/s "
            f"| {p.throughput(p.default_s):.2f} img/s | {p.throughput(p.threads_s):.2f} img/s "
            f"| {p.ratio:.2f}x | {cpu} | {opts} |"
        )
    return out


def to_markdown(results: BenchResults, command: str = "") -> str:
    m = results.machine
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    lines = [
        f"Run {results.started}, {results.seconds:.0f} s, on {m['cpus']} CPUs ({m['processor']}), "
        f"Python {m['python']}; {versions}.",
        "",
    ]
    if command:
        lines += [f"Command: `{command}`", ""]
    overrides = results.config.get("options") or {}
    if overrides:
        listed = "; ".join(f"{b}: " + ", ".join(f"{k}={v}" for k, v in o.items()) for b, o in overrides.items())
        lines += [f"**Non-default ocrkit options** (what-if run): {listed}.", ""]
    lines += ["### Targets", "", "| target | goal | measured | verdict |", "|---|---|---|---|"]
    for t in results.targets:
        verdict = f"**{t.verdict}**" if t.met is False else t.verdict
        lines.append(f"| {t.name} | {t.goal} | {t.measured} | {verdict} |")
    lines += ["", "### Side by side (same images, same order, one process)", ""]
    lines += _group_table(results.groups)
    if results.int8_sets:
        lines += ["", "### int8 sets beside fp32 (rows of the table above)", ""]
        lines += _int8_table([g for g in results.groups if g.backend == "onnx"])
        lines += ["", "### `ocrkit models quantize` (the command, in a child process)", ""]
        lines += _quantize_table(results)
    if results.parallel:
        lines += ["", "### Parallel: a batch of many images", ""]
        lines += _parallel_table(results.parallel)
    lines.append("")
    return "\n".join(lines)


def to_json(results: BenchResults) -> str:
    def group(g: GroupResult) -> dict[str, Any]:
        return {
            "dataset": g.dataset,
            "granularity": g.granularity,
            "backend": g.backend,
            "mode": g.mode,
            "ignore_case": g.ignore_case,
            "session_run_s": g.session_run_s,
            "session_busy_s": g.session_busy_s,
            "pipeline_over_session_run": g.pipeline_over_session_run,
            "readers": [
                {
                    "label": r.label,
                    "role": r.role,
                    "skipped": r.skipped,
                    "ratio_ocrkit_over_this": None if r is g.ocrkit else g.ratio(r.label),
                    "report": r.report.to_dict(samples=False) if r.report else None,
                }
                for r in g.readers
            ],
        }

    def parallel(p: ParallelResult) -> dict[str, Any]:
        return {
            "backend": p.backend,
            "dataset": p.dataset,
            "layout": p.layout,
            "images": p.images,
            "restricted_options": p.restricted_options,
            "default_s": p.default_s,
            "threads_s": p.threads_s,
            "restricted_s": p.restricted_s,
            "cpu_per_wall": p.cpu,
            "rounds": p.rounds,
            "ratio": p.ratio,
            "skipped": p.skipped,
        }

    doc = {
        "started": results.started,
        "seconds": results.seconds,
        "config": results.config,
        "machine": results.machine,
        "targets": [t.__dict__ | {"verdict": t.verdict} for t in results.targets],
        "groups": [group(g) for g in results.groups],
        "parallel": [parallel(p) for p in results.parallel],
        "int8_sets": [
            {"label": s.label, "name": s.name, "calibration": s.calibration, "wall_s": s.wall_s, "cpu_s": s.cpu_s,
             "peak_rss_bytes": s.peak_rss_bytes, "derived": s.derived, "error": s.error}
            for s in results.int8_sets
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


_COLOURS = {"ocrkit": "#1f77b4", "ocrkit-int8": "#2ca02c", "anchor": "#ff7f0e", "floor": "#7f7f7f"}


def write_chart(results: BenchResults, path: Path) -> Path:
    """Throughput bars per dataset and backend (plus the parallel check) as a PNG.

    Needs matplotlib (the ``[bench]`` extra); raises ImportError without it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: list[tuple[str, list[tuple[str, str, float, float | None]]]] = []
    for g in results.groups:
        rows = chart_rows(g)
        if rows:
            mode = f", {g.mode}" if g.mode else ""
            panels.append((f"{g.backend} on {g.dataset} ({g.granularity}s{mode})", rows))
    by_dataset: dict[str, list[tuple[str, str, float, float | None]]] = {}
    for p in results.parallel:  # one panel per dataset: lines and pages have very different scales
        if p.ratio is None:
            continue
        rows = by_dataset.setdefault(p.dataset, [])
        rows.append((f"{p.backend}, {p.dataset}: 1 thread", "anchor", p.throughput(p.restricted_s), None))
        rows.append((f"{p.backend}, {p.dataset}: default", "ocrkit", p.throughput(p.best_default_s), p.ratio))
    for dataset, rows in by_dataset.items():
        panels.append((f"parallel batch on {dataset}: default vs one thread", rows))
    if not panels:
        panels.append(("no results", []))
    cols = 2 if len(panels) > 1 else 1
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(6.5 * cols, 2.6 * nrows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (title, rows) in zip(axes.flat, panels):
        labels = [r[0] for r in rows][::-1]
        values = [r[2] for r in rows][::-1]
        colours = [_COLOURS.get(r[1], "#999999") for r in rows][::-1]
        ax.barh(labels, values, color=colours)
        top = max(values) if values else 1.0
        for y, row in enumerate(rows[::-1]):
            note = f"{row[2]:.2f}/s" if row[2] < 10 else f"{row[2]:.1f}/s"
            if row[3] is not None:
                note += f"  (ocrkit {row[3]:.2f}x)" if row[1] != "ocrkit" else f"  ({row[3]:.2f}x)"
            ax.text(row[2] + top * 0.01, y, note, va="center", fontsize=8)
        ax.set_xlim(0, top * 1.6)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("images per second (higher is better)", fontsize=8)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"ocrkit benchmarks, {results.started}, {results.machine['cpus']} CPUs", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
