"""The one way the tests run the ``ocrkit`` command: in this process (fast; output
through pytest's ``capsys``) or in a fresh interpreter (what a shell runs: import
cost, exit codes, signals, stderr of native code)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocrkit.cli import main

REPO = Path(__file__).resolve().parent.parent


def call_ocrkit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``ocrkit ARGV`` in this process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_ocrkit(*args: str | os.PathLike[str], timeout: float = 120,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``ocrkit ARGS`` in a fresh interpreter, run from the repository with this
    environment plus *env*."""
    return subprocess.run(
        [sys.executable, "-m", "ocrkit", *map(str, args)], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=REPO,
    )
