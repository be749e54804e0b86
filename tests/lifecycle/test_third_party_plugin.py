"""examples/third_party_plugin: a separately installable backend. pip installs it
(into a temporary directory, once for this module: the ``installed_example`` fixture),
ocrkit finds it through its entry point, and its own test suite — the conformance
kit, run as a plugin author runs it: ``python -m pytest`` in a fresh interpreter —
passes."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ocrkit
from ocrkit.testing import BackendConformance

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "third_party_plugin"
PLUGIN_SOURCE = EXAMPLE / "src" / "ocrkit_tesseract_cli" / "__init__.py"
TIMEOUT = 600
#: pip installs the example, then its own suite (the kit) runs in a fresh interpreter:
#: the longest test of the suite.
pytestmark = pytest.mark.slow


class Installed:
    """The example installed with pip into ``site`` (``--target``), with its own store."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.site = base / "site"
        (base / "home").mkdir()
        self.install = subprocess.run(
            # a real install (build isolation: pip fetches the build backend as for any sdist)
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(self.site), str(EXAMPLE)],
            capture_output=True, text=True, timeout=TIMEOUT,
        )

    def env(self) -> dict[str, str]:
        """An environment where the plugin is installed: ``PYTHONPATH`` = the pip target."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OCRKIT_", "PYTEST_"))}
        env["PYTHONPATH"] = str(self.site)
        env["OCRKIT_HOME"] = str(self.base / "home")
        return env


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return Installed(tmp_path_factory.mktemp("thirdparty"))


def test_example_is_small_and_not_installed_here():
    assert len(PLUGIN_SOURCE.read_text().splitlines()) < 150
    assert "tesseract-cli" not in ocrkit.backends(), "the example must reach ocrkit only by being installed"


def test_pip_installs_it_with_its_entry_point(installed_example):
    job = installed_example
    assert job.install.returncode == 0, job.install.stdout + job.install.stderr
    entry_points = list(job.site.glob("ocrkit_tesseract_cli-*.dist-info/entry_points.txt"))
    assert entry_points and "[ocrkit]\ntesseract-cli = ocrkit_tesseract_cli" in entry_points[0].read_text()


def test_installed_plugin_is_a_backend(installed_example, data_dir, truth):
    job = installed_example
    assert job.install.returncode == 0, job.install.stdout + job.install.stderr
    env = job.env()
    listing = subprocess.run([sys.executable, "-m", "ocrkit.cli", "backends"], capture_output=True, text=True,
                             env=env, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert re.search(r"tesseract-cli\s.*\bok\b", listing.stdout), listing.stdout
    read = subprocess.run(
        [sys.executable, "-c", "import ocrkit, sys\n"
         "with ocrkit.open('tesseract-cli') as ocr: print(ocr.recognize(sys.argv[1], layout='line').text)",
         str(data_dir / "line_sentence.png")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == truth["line_sentence.png"]


def test_conformance_kit_passes_on_it(installed_example):
    job = installed_example
    assert job.install.returncode == 0, job.install.stdout + job.install.stderr
    kit = subprocess.run(
        [sys.executable, "-m", "pytest", str(EXAMPLE), "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:xdist"],
        capture_output=True, text=True, timeout=TIMEOUT, env=job.env(), cwd=job.base,
    )
    output = kit.stdout + kit.stderr
    assert kit.returncode == 0, output[-6000:]
    kit_tests = {n for n, _ in inspect.getmembers(BackendConformance) if n.startswith("test_")}
    passed = set(re.findall(r"^PASSED \S+::TestTesseractCli::(test_\w+)", output, re.M))
    assert passed == kit_tests, f"not passed: {sorted(kit_tests - passed)}\n{output[-3000:]}"
