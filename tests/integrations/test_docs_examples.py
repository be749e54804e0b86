"""Every Python example of docs/integrations.md runs as written (from a folder holding
the repository's ``examples/``), with the real client libraries."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest

from tests.conftest import REPO

DOC = REPO / "docs" / "integrations.md"
EXAMPLES = re.findall(r"^ *```python\n(.*?)^ *```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


def _dedent(block: str) -> str:
    lines = block.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_example_runs(number: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = _dedent(EXAMPLES[number])
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community is being sunset
        exec(compile(code, f"{DOC.name} example {number + 1}", "exec"), {"__name__": "__example__"})
    assert out.getvalue().strip()
