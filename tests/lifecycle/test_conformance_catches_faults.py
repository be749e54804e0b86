"""The kit must fail backends that break the contract: run it on the fake backend
with planted faults and check that exactly the right tests fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
#: Every case runs the kit on the fake backend in a fresh pytest process.
pytestmark = pytest.mark.slow


def run_kit(fault: str, select: str) -> tuple[set[str], set[str], str]:
    env = dict(os.environ, OCRKIT_FAKE_FAULT=fault)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "test_conformance_fake.py"), "-q", "-rfEp",
         "-p", "no:cacheprovider", "-n", "0", "-k", select],
        capture_output=True, text=True, timeout=300, env=env, cwd=HERE,
    )
    failed = set(re.findall(r"^FAILED \S+::(test_\w+)", proc.stdout, re.M))
    passed = set(re.findall(r"^PASSED \S+::(test_\w+)", proc.stdout, re.M))
    return failed, passed, proc.stdout


@pytest.mark.parametrize(
    "fault, select, must_fail, must_pass",
    [
        ("leak_memory", "memory or load_recognize", {"test_memory_and_descriptors_released"},
         {"test_load_recognize_free"}),
        ("leak_fd", "memory", {"test_memory_and_descriptors_released"}, set()),
        ("race", "concurrent or busy or every_input", {"test_concurrent_recognize_equals_serial", "test_free_while_busy"},
         {"test_every_input_kind"}),
        ("crash_on_blank", "degenerate or bad_images", {"test_degenerate_images_do_not_crash"},
         {"test_bad_images_raise_bad_image_error"}),
        ("slow_strip", "degenerate or bad_images", {"test_degenerate_images_do_not_crash"},
         {"test_bad_images_raise_bad_image_error"}),
        ("thread_leak", "memory or load_recognize", {"test_memory_and_descriptors_released"},
         {"test_load_recognize_free"}),
        ("heavy_import", "import_is_light or load_recognize", {"test_plugin_import_is_light"},
         {"test_load_recognize_free"}),
        ("empty_page", "layouts or load_recognize", {"test_layouts"}, {"test_load_recognize_free"}),
        ("ignore_store", "removed or load_recognize", {"test_loaded_model_cannot_be_removed_until_freed"},
         {"test_load_recognize_free"}),
    ],
)
def test_kit_fails_a_faulty_backend(fault, select, must_fail, must_pass):
    failed, passed, out = run_kit(fault, select)
    assert failed == must_fail, out[-3000:]
    assert must_pass <= passed, out[-3000:]
    if fault == "leak_fd":
        assert "descriptors left open" in out or "model files still open" in out
    if fault == "leak_memory":
        assert "MB above before loading" in out
    if fault == "crash_on_blank":
        assert "crashed on the" in out
    if fault == "slow_strip":
        assert "on the 1x2000 strip image" in out and "the budget is" in out
    if fault == "thread_leak":
        assert "threads left running after free" in out
    if fault == "heavy_import":
        assert "imports sqlite3" in out
    if fault == "empty_page":
        assert "layout 'page' found no text" in out
    if fault == "ignore_store":
        assert "not from the store" in out
