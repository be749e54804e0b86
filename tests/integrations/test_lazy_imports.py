"""Importing ocrkit never imports a client library; an adapter whose client is missing
says which extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: adapter module -> (the client's top-level modules, the extra that installs it)
ADAPTERS = {
    "ocrkit.integrations.langchain": (("langchain_core", "langchain_community"), "langchain"),
    "ocrkit.integrations.llamaindex": (("llama_index",), "llamaindex"),
    "ocrkit.integrations.haystack": (("haystack",), "haystack"),
}
CLIENT_MODULES = sorted({m for modules, _ in ADAPTERS.values() for m in modules})


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_ocrkit_imports_no_client() -> None:
    code = (
        "import sys, ocrkit, ocrkit.integrations, ocrkit.documents, ocrkit.cli\n"
        "from ocrkit.integrations import _reading\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {CLIENT_MODULES!r}))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_adapter_without_its_client_names_the_extra(adapter: str) -> None:
    modules, extra = ADAPTERS[adapter]
    blocked = "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    result = run_python(f"import sys\n{blocked}import {adapter}")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and f'pip install "ocrkit[{extra}]"' in last
