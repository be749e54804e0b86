"""Tiny plugins, each with one fault a careless plugin author makes (as OCRmyPDF's
tests/plugins do). :class:`Tiny` is a correct backend; each subclass breaks one
hook. The tests register them with ``Registry.register`` and drive both the
Python API and the ``ocrkit`` command through that registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocrkit.backend import BackendInfo, Block, Line, ModelHandle, ModelRecord, OptionSpec, Page, hookimpl


class Tiny:
    """A correct backend named after its fault: one line "hello" per image."""

    fault = "tiny"

    def info(self) -> BackendInfo:
        return BackendInfo(name=self.fault, version="0.0.1", options=(OptionSpec("speed", "int", 1),))

    def page(self, image: Any) -> Page:
        w, h = image.width, image.height
        return Page(w, h, blocks=[Block([Line("hello", 0.9, (0, 0, w, h))])])

    @hookimpl
    def ocrkit_describe_backend(self) -> BackendInfo:
        return self.info()

    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord]:
        if backend != self.fault:
            return []
        return [ModelRecord(name="m", backend=backend, path=Path(__file__), source="package")]

    @hookimpl
    def ocrkit_load_model(self, backend: str, model: str | None, models: Any, options: Any) -> ModelHandle | None:
        if backend != self.fault:
            return None
        return ModelHandle(backend=backend, name=model or "m", models=tuple(models), state={"open": True})

    @hookimpl
    def ocrkit_recognize(self, handle: ModelHandle, images: Any, layout: str) -> Any:
        return [self.page(img) for img in images]

    @hookimpl
    def ocrkit_free_model(self, handle: ModelHandle) -> bool:
        handle.state = None
        return True


class RecognizeDicts(Tiny):
    fault = "recognize-dicts"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return [{"text": "hello"} for _ in images]


class RecognizeStrings(Tiny):
    fault = "recognize-strings"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return ["hello" for _ in images]


class RecognizeString(Tiny):
    fault = "recognize-string"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return "hello"


class RecognizeBarePage(Tiny):
    fault = "recognize-bare-page"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return self.page(images[0])


class RecognizeNone(Tiny):
    fault = "recognize-none"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return None


class RecognizeRaisesRuntime(Tiny):
    fault = "recognize-runtime-error"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        raise RuntimeError("engine exploded")


class RecognizeRaisesValue(Tiny):
    fault = "recognize-value-error"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        raise ValueError("bad pixels, says the engine")


class RecognizeOwnBlockFails(Tiny):
    fault = "recognize-bad-block"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return [Page(img.width, img.height, blocks=[Block(["hello"])]) for img in images]  # type: ignore[list-item]


class RecognizeBoxOutside(Tiny):
    fault = "recognize-box-outside"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return [
            Page(img.width, img.height, blocks=[Block([Line("hello", 0.9, (0, 0, img.width + 50, img.height))])])
            for img in images
        ]


class RecognizeConfidencePercent(Tiny):
    fault = "recognize-confidence-percent"

    @hookimpl
    def ocrkit_recognize(self, handle, images, layout):  # type: ignore[override]
        return [
            Page(img.width, img.height, blocks=[Block([Line("hello", 93.0, (0, 0, img.width, img.height))])])
            for img in images
        ]


class LoadRaises(Tiny):
    fault = "load-raises"

    @hookimpl
    def ocrkit_load_model(self, backend, model, models, options):  # type: ignore[override]
        if backend != self.fault:
            return None
        raise MemoryError("cannot map the model")


class LoadReturnsNone(Tiny):
    fault = "load-none"

    @hookimpl
    def ocrkit_load_model(self, backend, model, models, options):  # type: ignore[override]
        return None


class OptionsAsStrings(Tiny):
    fault = "options-strings"

    def info(self) -> BackendInfo:
        return BackendInfo(name=self.fault, version="0.0.1", options=("speed", "quality"))  # type: ignore[arg-type]


class DiscoveryStrPath(Tiny):
    fault = "discovery-str-path"

    @hookimpl
    def ocrkit_discover_models(self, backend, store_dir):  # type: ignore[override]
        if backend != self.fault:
            return []
        return [ModelRecord(name="m", backend=backend, path=str(__file__), source="package")]  # type: ignore[arg-type]


class FreeRaises(Tiny):
    fault = "free-raises"

    @hookimpl
    def ocrkit_free_model(self, handle):  # type: ignore[override]
        raise RuntimeError("double free in the engine")


class EvilName(Tiny):
    fault = "../evil"


class NoRecognize:
    """Describes a backend but forgot recognize and free."""

    fault = "no-recognize"

    @hookimpl
    def ocrkit_describe_backend(self) -> BackendInfo:
        return BackendInfo(name=self.fault, version="0.0.1")

    @hookimpl
    def ocrkit_load_model(self, backend: str, model: Any, models: Any, options: Any) -> ModelHandle | None:
        return ModelHandle(backend=backend, name="m", models=(), state={}) if backend == self.fault else None


class Unmarked(Tiny):
    """A recognize hook the author forgot to mark, spelt the British way."""

    fault = "unmarked"

    def ocrkit_recognise(self, handle, images, layout):
        return [self.page(img) for img in images]


#: Fault name -> plugin class, for parametrised tests.
PLUGINS: dict[str, type] = {
    cls.fault: cls
    for cls in (
        RecognizeDicts, RecognizeStrings, RecognizeString, RecognizeBarePage, RecognizeNone,
        RecognizeRaisesRuntime, RecognizeRaisesValue, RecognizeOwnBlockFails, RecognizeBoxOutside,
        RecognizeConfidencePercent, LoadRaises, LoadReturnsNone, OptionsAsStrings, DiscoveryStrPath,
        FreeRaises, EvilName, NoRecognize, Unmarked,
    )
}


class PackDiscoveryRaises:
    """A model pack (no backend) whose discovery raises for every backend."""

    fault = "pack-discovery-raises"

    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord]:
        raise KeyError("pack data missing")


class DirectorySet(Tiny):
    """A backend whose model is a directory set called ``myset`` in a folder ``models``
    (no import hook of its own: the core's default import copies it)."""

    fault = "directory-set"
    folder: Path | None = None

    @hookimpl
    def ocrkit_discover_models(self, backend, store_dir):  # type: ignore[override]
        if backend != self.fault:
            return []
        found = [ModelRecord(name=p.name, backend=backend, path=p, source="store",
                             files=tuple(sorted(p.iterdir())))
                 for p in sorted(store_dir.iterdir())] if store_dir.is_dir() else []
        assert self.folder is not None
        return found + [ModelRecord(name="myset", backend=backend, path=self.folder, source="package",
                                    files=tuple(sorted(self.folder.iterdir())))]
