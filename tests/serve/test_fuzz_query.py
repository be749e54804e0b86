"""Every finding of ``tools/fuzz.py --targets query`` (kept as tests/data/fuzz/*.query.json),
replayed through the app: each must now be a documented status with a one-line JSON error."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

REPO = Path(__file__).resolve().parents[2]
QUERY_FINDINGS = sorted((REPO / "tests" / "data" / "fuzz").glob("*.query.json"))


def test_every_query_finding_is_now_a_documented_answer() -> None:
    assert QUERY_FINDINGS  # pages= of 5,000 digits was a 500 (seed 21)
    spec = importlib.util.spec_from_file_location("ocrkit_fuzz_query", REPO / "tools" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    fuzz = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fuzz
    spec.loader.exec_module(fuzz)
    target = fuzz.QueryTarget()
    try:
        for path in QUERY_FINDINGS:
            target(path.read_bytes())  # raises fuzz.Finding otherwise
    finally:
        target.close()
