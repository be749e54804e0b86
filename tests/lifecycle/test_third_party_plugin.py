"""examples/third_party_plugin: a separately installable backend. pip installs it
(into a temporary directory), ocrkit finds it through its entry point, and its own
test suite — the conformance kit — passes."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import ocrkit
import thirdparty_job
from ocrkit.testing import BackendConformance

PLUGIN_SOURCE = thirdparty_job.EXAMPLE / "src" / "ocrkit_tesseract_cli" / "__init__.py"


def finished_job() -> thirdparty_job.ThirdPartyJob:
    job = thirdparty_job.start()  # normally already running since collection ended
    assert job.finished.wait(thirdparty_job.TIMEOUT * 2), "installing and testing the example plugin hung"
    return job


def test_example_is_small_and_not_installed_here():
    assert len(PLUGIN_SOURCE.read_text().splitlines()) < 150
    assert "tesseract-cli" not in ocrkit.backends(), "the example must reach ocrkit only by being installed"


def test_pip_installs_it_with_its_entry_point():
    job = finished_job()
    assert job.results["install"].returncode == 0, job.results["install"].output
    entry_points = list(job.site.glob("ocrkit_tesseract_cli-*.dist-info/entry_points.txt"))
    assert entry_points and "[ocrkit]\ntesseract-cli = ocrkit_tesseract_cli" in entry_points[0].read_text()


def test_installed_plugin_is_a_backend(data_dir, truth):
    job = finished_job()
    assert job.results["install"].returncode == 0, job.results["install"].output
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


def test_conformance_kit_passes_on_it():
    job = finished_job()
    assert "kit" in job.results, job.results["install"].output
    kit = job.results["kit"]
    assert kit.returncode == 0, kit.output[-6000:]
    kit_tests = {n for n, _ in inspect.getmembers(BackendConformance) if n.startswith("test_")}
    passed = set(re.findall(r"^PASSED \S+::TestTesseractCli::(test_\w+)", kit.output, re.M))
    assert passed == kit_tests, f"not passed: {sorted(kit_tests - passed)}\n{kit.output[-3000:]}"
