"""A loaded tesseract model: choosing the files, checking them, the API pool,
recognising, and freeing.

Loading never hands tesseract a file it has not checked: the header is read in
Python and, once per file, the file is loaded in a child process (``_probe``), so a
corrupt traineddata becomes :class:`ModelCorruptError` rather than a crash.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ocrkit.backend import (
    MAX_LINE_ASPECT,
    BackendUnavailableError,
    ImageTooLargeError,
    ModelCorruptError,
    ModelHandle,
    ModelNotFoundError,
    ModelRecord,
    ModelStore,
    OcrkitError,
    Page,
    PageImage,
    parallel_map,
)

from ._discovery import BACKEND
from ._leptonica import route_messages_to_logging
from ._options import LEGACY_OEMS, ONE_LINE_PSMS, OSD_PSMS, TesseractOptionError, TesseractOptions, parse_options
from ._pool import ApiPool, freed_error
from ._probe import CACHE_NAME, verify_loadable
from ._results import page_from_api
from ._staging import TessdataDir, tessdata_for
from ._traineddata import read_traineddata

__all__ = ["TesseractModel", "TesseractImageTooLargeError", "MAX_SIDE", "load_model"]

# Init may set process-wide tesseract parameters (configs, init variables): never
# run two Inits at once. Recognition on other instances goes on meanwhile.
_init_lock = threading.Lock()
# Live models in this process; the last one freed also drops tesseract's shared
# dictionary cache, which otherwise keeps unreferenced dawgs until exit.
_live_lock = threading.Lock()
_live = 0


#: Tesseract's largest image side: its coordinates are 16-bit (``Failed to
#: recognize. No image set?`` is all it says beyond that).
MAX_SIDE = 32767


class TesseractImageTooLargeError(ImageTooLargeError):
    """An image with a side above tesseract's :data:`MAX_SIDE`; an
    :class:`ocrkit.ImageTooLargeError`."""


def _import_tesserocr() -> Any:
    try:
        import tesserocr
    except ImportError as exc:
        raise BackendUnavailableError(
            f'the tesseract backend needs tesserocr ({exc}); install it with: pip install "ocrkit[tesseract]"'
        ) from exc
    route_messages_to_logging()
    return tesserocr


@dataclass
class TesseractModel:
    """``ModelHandle.state`` of a tesseract model."""

    options: TesseractOptions
    tessdata: TessdataDir
    pool: ApiPool

    def recognize(self, images: Sequence[PageImage], layout: str) -> list[Page]:
        psm = self.options.psm_for(layout)
        if self.pool.closed:
            raise freed_error()
        # Instances the batch will need are built here, on the caller's thread, not in
        # the short-lived batch workers (see ApiPool.prefill: memory comes back on free).
        self.pool.prefill(len(images))
        return parallel_map(lambda image: self._recognize_one(image, psm), images, workers=self.pool.size)

    def _recognize_one(self, image: PageImage, psm: int) -> Page:
        with self.pool.borrow() as api:
            api.SetPageSegMode(psm)
            buffer, squeeze = _set_image(api, image, psm)
            try:
                text = api.GetUTF8Text()
            except RuntimeError as exc:
                raise OcrkitError(f"tesseract could not recognise {image.source or 'the image'}: {exc}") from exc
            del buffer  # tesseract has its own copy once recognition ran
            meta: dict[str, Any] = {"lang": self.options.lang, "psm": psm, "oem": self.options.oem}
            if squeeze < 1.0:
                meta["squeezed"] = squeeze
            page = page_from_api(api, image.width, image.height, text or "", meta, x_scale=1.0 / squeeze)
            api.Clear()  # drop the image and results now rather than at the next call
            return page

    def free(self) -> None:
        global _live
        try:
            self.pool.close()
        finally:
            self.tessdata.cleanup()
            with _live_lock:
                _live -= 1
                last = _live == 0
            if last:
                _import_tesserocr().PyTessBaseAPI.ClearPersistentCache()


def _set_image(api: Any, image: PageImage, psm: int) -> tuple[bytes, float]:
    """Give tesseract the checked pixels and the file's resolution; returns the
    pixel buffer, which must outlive recognition (tesserocr documents no copy), and
    the horizontal scale applied (< 1 only for an absurdly long line, see
    :func:`_line_squeeze`).

    Always the pixels ocrkit decoded and size-checked, never the file again: a file
    replaced after the check is not read, leptonica never sees a format it lacks
    (GIF) or a crafted file, and tesserocr's fallback of re-saving a file leptonica
    rejects through Pillow (which raises anything) never runs. With the file's
    resolution, the pixels give the ``tesseract`` command's text (tested on every
    image in tests/data and all 60 SROIE receipts).
    """
    squeeze = _line_squeeze(image, psm)
    array = image.array if squeeze == 1.0 else _squeezed(image, squeeze)
    height, width = array.shape[:2]
    if max(width, height) > MAX_SIDE:
        raise TesseractImageTooLargeError(
            f"{image.source or 'the image'} is {width}x{height}; tesseract reads no side longer than "
            f"{MAX_SIDE} pixels: scale it down or cut it into parts (the onnx backend has no such limit)"
        )
    buffer = _set_pixels(api, array)
    if image.dpi is not None and 1 <= image.dpi < 2**31:
        api.SetSourceResolution(int(image.dpi + 0.5))  # leptonica's rounding of a file's resolution
    return buffer, squeeze


def _set_pixels(api: Any, array: Any) -> bytes:
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    buffer = array.tobytes()
    api.SetImageBytes(buffer, width, height, channels, width * channels)
    return buffer


def _line_squeeze(image: PageImage, psm: int) -> float:
    """Horizontal scale (< 1) for a line longer than ``MAX_LINE_ASPECT`` heights, else 1.

    Tesseract scales a line to its network's height (36 px) before reading it, so a
    1 x 2000 strip becomes 36 x 72000 and takes minutes; no real line is that long.
    """
    if psm not in ONE_LINE_PSMS or image.width <= MAX_LINE_ASPECT * image.height:
        return 1.0
    return MAX_LINE_ASPECT * image.height / image.width


def _squeezed(image: PageImage, scale: float) -> Any:
    from PIL import Image

    width = max(1, round(image.width * scale))
    return np.asarray(image.to_pil().resize((width, image.height), Image.Resampling.BOX))


def _choose(options: TesseractOptions, models: Sequence[ModelRecord]) -> list[ModelRecord]:
    """The best-source record for each requested language (``models`` is already ordered)."""
    ours = [m for m in models if m.backend == BACKEND]
    wanted = list(options.languages)
    if options.psm in OSD_PSMS and "osd" not in wanted:
        wanted.append("osd")
    chosen = []
    for name in wanted:
        record = next((m for m in ours if m.name == name), None)
        if record is None:
            why = f"psm {options.psm} (orientation detection) needs" if name == "osd" else "no"
            raise ModelNotFoundError(
                f"{why} tesseract language {name!r} ({name}.traineddata) found in the store, "
                "TESSDATA_PREFIX, installed packages or system tessdata; put the file in the "
                "store directory (`ocrkit models path tesseract`)",
                [m.name for m in ours if m.kind != "corrupt"],
            )
        chosen.append(record)
    return chosen


def _check_files(records: Sequence[ModelRecord], oem: int) -> None:
    for record in records:
        info = read_traineddata(record.path, deep=True)  # ModelCorruptError if broken
        if oem in LEGACY_OEMS and not info.legacy:
            raise TesseractOptionError(
                f"oem={oem} needs the legacy engine, but {record.path} is a {info.kind} model without "
                "legacy data; use oem='lstm' (or 'default'), or a traineddata from the tessdata repository"
            )
    cache = ModelStore().path(BACKEND, create=False) / CACHE_NAME
    verify_loadable([r.path for r in records], oem, cache)


def _check_variables(api: Any, names: Sequence[str]) -> None:
    unknown = sorted(n for n in names if api.GetVariableAsString(n) is None)
    if unknown:
        raise TesseractOptionError(
            f"unknown tesseract variable(s): {', '.join(unknown)}; see `tesseract --print-parameters`"
        )


def load_model(model: str | None, models: Sequence[ModelRecord], raw_options: Mapping[str, Any]) -> ModelHandle:
    """Everything ``ocrkit_load_model`` does for the tesseract backend."""
    global _live
    options = parse_options(model, raw_options)
    records = _choose(options, models)
    _check_files(records, options.oem)
    tesserocr = _import_tesserocr()
    tessdata = tessdata_for(records)
    init_variables = options.init_variables() or None
    lang = "+".join(r.name for r in records if r.name != "osd")

    def make_api() -> Any:
        with _init_lock:
            try:
                return tesserocr.PyTessBaseAPI(
                    path=str(tessdata.path) + os.sep, lang=lang, oem=options.oem,
                    psm=options.psm_for("page"), variables=init_variables,
                )
            except RuntimeError as exc:
                raise ModelCorruptError(
                    f"tesseract could not initialise {lang!r} from {', '.join(str(r.path) for r in records)} "
                    f"(oem={options.oem}): {exc}"
                ) from exc

    pool = ApiPool(make_api, options.pool_size, end=lambda api: api.End())
    with _live_lock:
        _live += 1
    state = TesseractModel(options=options, tessdata=tessdata, pool=pool)
    try:
        # One instance now, so a bad file or variable fails at open, not at first use;
        # all of them when variables are set, so no Init changes parameters mid-recognition.
        pool.prefill(options.pool_size if options.variables else 1)
        with pool.borrow() as api:
            _check_variables(api, list(options.variables))
    except BaseException:
        state.free()
        raise
    return ModelHandle(
        backend=BACKEND,
        name=options.lang,
        models=tuple(records),
        state=state,
        options=dict(raw_options),
    )
