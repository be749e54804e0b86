"""The evaluation layer keeps ocrkit light: ``import ocrkit.eval`` / the ``benchmarks`` harness
and ``ocrkit eval --help`` import no inference, plotting or anchor library, and the
listing commands open no model file (tests/core/test_cli.py checks the imports of
``--help``, ``backends`` and ``models list``; this adds the eval modules and the
"no model loaded" side, checked on open file descriptors). A fresh interpreter,
since this test process has those libraries loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("onnxruntime", "cv2", "tesserocr", "rapidocr", "pytesseract", "matplotlib")
MODEL_SUFFIXES = (".onnx", ".traineddata")


def test_eval_modules_and_listing_commands_stay_light(ocrkit_home: Path) -> None:
    script = textwrap.dedent(f"""
        import contextlib, io, sys
        heavy, suffixes = {HEAVY!r}, {MODEL_SUFFIXES!r}
        import ocrkit.eval, benchmarks  # noqa: F401
        from ocrkit.backend import open_files
        from ocrkit.cli import main
        seen = {{}}
        for command in ("eval --help", "backends", "backends -v", "models list"):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                try:
                    code = main(command.split())
                except SystemExit as exc:
                    code = exc.code
            assert code == 0, (command, code)
            seen[command] = out.getvalue()
            loaded = [m for m in heavy if m in sys.modules]
            assert not loaded, f"{{command}} imported {{loaded}}"
            models = [str(p) for p in open_files() if p.suffix in suffixes]
            assert not models, f"{{command}} opened model files {{models}}"
        assert "--ignore-case" in seen["eval --help"]
        # discovery really ran (so "no model opened" is not vacuous): packaged models are listed
        assert "tesseract" in seen["models list"] and "onnx" in seen["models list"], seen["models list"]
        print("light")
    """)
    env = dict(os.environ, OCRKIT_HOME=str(ocrkit_home))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])  # the repository root, where benchmarks/ is
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("light")
