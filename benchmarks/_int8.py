"""The int8 sets the onnx rows compare: made fresh by the real ``ocrkit models
quantize`` command in a child process (its wall time, CPU time and peak RSS are
the command's figures), once with the built-in calibration and once calibrated on
real scans (the first uw3 lines and the last receipts), which are then left out
of every onnx group so all of them read held-out images only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocrkit.eval import Dataset

__all__ = ["Int8Set", "SCAN_CALIBRATION", "held_out", "make_int8_sets"]

SOURCE_SET = "ppocrv6-small"
#: Calibration part of each dataset for the scan-calibrated set: (from the start or end, count).
SCAN_CALIBRATION = {"uw3-lines": ("head", 100), "sroie-receipts": ("tail", 6)}
#: Reader labels of the two int8 sets.
DEFAULT_LABEL = "ocrkit onnx int8"
SCANS_LABEL = "ocrkit onnx int8 (scan-calibrated)"


@dataclass
class Int8Set:
    label: str
    name: str
    home: Path
    calibration: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_bytes: int = 0
    derived: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def held_out(dataset: Dataset) -> Dataset:
    """*dataset* without the images the scan-calibrated set was calibrated on."""
    part = SCAN_CALIBRATION.get(dataset.name)
    if part is None:
        return dataset
    where, count = part
    samples = dataset.samples[count:] if where == "head" else dataset.samples[:-count]
    return Dataset(dataset.root, samples)


def _calibration_part(dataset: Dataset) -> list[Path]:
    where, count = SCAN_CALIBRATION[dataset.name]
    samples = dataset.samples[:count] if where == "head" else dataset.samples[-count:]
    return [s.image for s in samples]


def _run_quantize(args: Sequence[str], home: Path) -> tuple[dict[str, Any] | None, str, float, float, int]:
    """The command as a child: (its JSON, stderr, wall s, CPU s, peak RSS bytes)."""
    env = {**os.environ, "OCRKIT_HOME": str(home)}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ocrkit", "models", "quantize", *args, "--json"],
                                stdout=out, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    data = json.loads(stdout) if proc.returncode == 0 and stdout.strip() else None
    return data, stderr.strip().splitlines()[-1] if stderr.strip() else "", wall, cpu, peak


def make_int8_sets(home: Path, datasets: Sequence[Dataset], log: Callable[[str], None]) -> list[Int8Set]:
    """Both int8 sets in *home* (an OCRKIT_HOME), each made by the command."""
    sets = [Int8Set(DEFAULT_LABEL, f"{SOURCE_SET}-int8", home, "built-in (rendered lines, project images)")]
    scans = [d for d in datasets if d.name in SCAN_CALIBRATION]
    calib_dir = home / "scan-calibration"
    if scans:
        calib_dir.mkdir(parents=True, exist_ok=True)
        parts = []
        for dataset in scans:
            images = _calibration_part(dataset)
            parts.append(f"{dataset.name} {SCAN_CALIBRATION[dataset.name][0]} {len(images)}")
            for i, image in enumerate(images):
                link = calib_dir / f"{dataset.name}-{i:03d}{image.suffix}"
                if not link.exists():
                    link.symlink_to(image.resolve())
        sets.append(Int8Set(SCANS_LABEL, f"{SOURCE_SET}-int8-scans", home, "real scans: " + ", ".join(parts)))
    for entry in sets:
        args = [SOURCE_SET, "--name", entry.name]
        if entry.label == SCANS_LABEL:
            args += ["--calibrate", str(calib_dir)]
        log(f"  quantize {SOURCE_SET} -> {entry.name} ({entry.calibration}) ...")
        data, last, entry.wall_s, entry.cpu_s, entry.peak_rss_bytes = _run_quantize(args, home)
        if data is None:
            entry.error = last or "ocrkit models quantize failed"
            log(f"    failed: {entry.error}")
            continue
        entry.derived = data.get("derived", {})
        log(f"    {entry.wall_s:.0f} s wall, {entry.cpu_s:.0f} s CPU, peak RSS {entry.peak_rss_bytes / 2**20:.0f} MiB")
    return sets
