"""Installs examples/third_party_plugin with pip into a temporary directory and runs
its own test suite (the conformance kit) there, in the background: started when
collection ends (conftest.py), collected by test_third_party_plugin.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "third_party_plugin"
TIMEOUT = 600.0


@dataclass
class Done:
    returncode: int
    output: str


@dataclass
class ThirdPartyJob:
    base: Path
    results: dict[str, Done] = field(default_factory=dict)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def site(self) -> Path:
        return self.base / "site"

    def env(self) -> dict[str, str]:
        """An environment where the plugin is installed: ``PYTHONPATH`` = the pip target."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OCRKIT_", "PYTEST_"))}
        env["PYTHONPATH"] = str(self.site)
        env["OCRKIT_HOME"] = str(self.base / "home")
        return env

    def _run(self, name: str, cmd: list[str], **kw) -> bool:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kw)
            self.results[name] = Done(proc.returncode, proc.stdout + proc.stderr)
        except subprocess.TimeoutExpired as exc:
            self.results[name] = Done(-1, f"timed out after {TIMEOUT} s: {exc}")
        return self.results[name].returncode == 0

    def run(self) -> None:
        try:
            # A real install (build isolation: pip fetches the build backend as for any sdist).
            if self._run("install", [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                                     "--target", str(self.site), str(EXAMPLE)]):
                self._run("kit", [sys.executable, "-m", "pytest", str(EXAMPLE), "-q", "-rA", "-p", "no:cacheprovider"],
                          env=self.env(), cwd=self.base)
        finally:
            self.finished.set()


_job: ThirdPartyJob | None = None


def start() -> ThirdPartyJob:
    """Start the job once per session (idempotent)."""
    global _job
    if _job is None:
        base = Path(tempfile.mkdtemp(prefix="ocrkit-thirdparty-"))
        (base / "home").mkdir()
        _job = ThirdPartyJob(base)
        threading.Thread(target=_job.run, name="ocrkit-thirdparty", daemon=True).start()
    return _job


def cleanup() -> None:
    if _job is not None and _job.finished.is_set():
        shutil.rmtree(_job.base, ignore_errors=True)
