"""Every finding of tools/fuzz.py, kept under tests/data/fuzz, replayed: each must now
give a result or one ocrkit error line, with nothing else on stderr."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from .conftest import REPO, run_python

FINDINGS = sorted(p for p in (REPO / "tests" / "data" / "fuzz").iterdir()
                  if p.suffix != ".jsonl" and not p.name.endswith(".options.json"))
#: The option-parser target's findings: (backend, option, value) as JSON.
OPTION_FINDINGS = sorted((REPO / "tests" / "data" / "fuzz").glob("*.options.json"))

_REPLAY = """
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("fuzz", sys.argv[1]); fuzz = importlib.util.module_from_spec(spec)
sys.modules["fuzz"] = fuzz; spec.loader.exec_module(fuzz)
for name in sys.argv[2:]:
    try:
        fuzz.check_loader(Path(name).read_bytes())
    except fuzz.Finding as finding:
        print(name, finding)
"""


def test_every_option_finding_is_now_a_value_or_one_short_ocrkit_error() -> None:
    assert OPTION_FINDINGS
    fuzz = _harness()
    for path in OPTION_FINDINGS:
        fuzz.check_options(path.read_bytes())  # raises fuzz.Finding otherwise


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ocrkit_fuzz_harness", REPO / "tools" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_there_are_findings_to_replay() -> None:
    assert len(FINDINGS) >= 6


def test_every_fuzz_finding_is_now_a_result_or_one_ocrkit_error() -> None:
    """In a fresh interpreter, as a user meets them (no hook installed beforehand)."""
    done = run_python(_REPLAY, str(REPO / "tools" / "fuzz.py"), *map(str, FINDINGS))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_the_harness_reports_a_non_ocrkit_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness can fail: a loader that raises TypeError is a finding."""
    fuzz = _harness()
    import ocrkit.images

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("'<' not supported between instances of 'str' and 'int'")

    monkeypatch.setattr(ocrkit.images, "load_image", broken)
    with pytest.raises(fuzz.Finding, match="TypeError"):
        fuzz.check_loader(b"\x89PNG\r\n\x1a\n")


def test_every_seed_is_a_valid_file_and_every_format_has_fields() -> None:
    from ocrkit.documents import iter_source_pages

    fuzz = _harness()
    seeds = fuzz.make_seeds()
    assert {s.fmt for s in seeds} == {"png", "jpeg", "tiff", "gif", "bmp", "webp", "pdf"}
    for seed in seeds:
        assert list(iter_source_pages(seed.data, dpi=36)), seed.name
        assert fuzz.fields_of(seed), f"no structure found in {seed.name}"
