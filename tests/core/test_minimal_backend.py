"""The simplest backend: describe, load, recognise, and no freeing hook. The registry
frees its handle by calling ``handle.state.free()`` (the ``HandleState`` convention),
exactly once, and says so in one line when the state cannot be freed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import ocrkit
from ocrkit import Registry
from ocrkit.backend import BackendInfo, Block, Line, ModelHandle, ModelRecord, Page, PageImage, hookimpl
from ocrkit.errors import PluginWarning
from ocrkit.store import ModelStore

from .conftest import LINE_IMAGE


class Session:
    """What a backend keeps loaded: here, an open model file."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("rb")
        self.frees = 0

    def free(self) -> None:
        self.frees += 1
        self.file.close()


class Minimal:
    """A complete backend in four hooks; ``state`` says how to free itself."""

    def __init__(self, state: type = Session) -> None:
        self.state = state
        self.handles: list[ModelHandle] = []

    @hookimpl
    def ocrkit_describe_backend(self) -> BackendInfo:
        return BackendInfo(name="minimal", version="1.0", capabilities=frozenset({"page", "line"}))

    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord]:
        if backend != "minimal":
            return []
        return [ModelRecord(name=p.stem, backend=backend, path=p, source="store", size=p.stat().st_size)
                for p in sorted(store_dir.glob("*.min"))]

    @hookimpl
    def ocrkit_load_model(self, backend: str, models: Sequence[ModelRecord]) -> ModelHandle | None:
        if backend != "minimal":
            return None
        handle = ModelHandle(backend=backend, name=models[0].name, models=(models[0],), state=self.state(models[0].path))
        self.handles.append(handle)
        return handle

    @hookimpl
    def ocrkit_recognize(self, handle: ModelHandle, images: Sequence[PageImage]) -> list[Page]:
        return [Page(i.width, i.height, blocks=[Block([Line("hi", 0.9, (0, 0, i.width, i.height))])]) for i in images]


class Unfreeable:
    def __init__(self, path: Path) -> None:
        self.path = path


@pytest.fixture
def store(ocrkit_home: Path) -> Path:
    folder = ModelStore(ocrkit_home).path("minimal")
    (folder / "tiny.min").write_bytes(b"weights")
    return folder


def _registry(plugin: Any) -> Registry:
    registry = Registry(autoload=False)
    registry.register(plugin, name="minimal-plugin")
    return registry


def test_a_backend_without_a_free_hook_is_usable_and_freed_through_its_state(store: Path) -> None:
    plugin = Minimal()
    registry = _registry(plugin)
    assert registry.backend("minimal").status == "ok"
    with ocrkit.open("minimal", registry=registry) as engine:
        assert engine.recognize(LINE_IMAGE).text == "hi"
        session = plugin.handles[0].state
        with pytest.raises(ocrkit.ModelInUseError):
            engine.remove_model("tiny.min")
    assert session.frees == 1 and session.file.closed
    assert plugin.handles[0].state is None
    ModelStore(store.parent).remove("minimal", "tiny.min")  # the in-use mark is gone too


def test_a_state_without_free_is_one_warning_naming_the_plugin(store: Path) -> None:
    plugin = Minimal(state=Unfreeable)
    engine = ocrkit.open("minimal", registry=_registry(plugin))
    with pytest.warns(PluginWarning, match=r"plugin 'minimal-plugin' has no ocrkit_free_model and its handle.state "
                                           r"\(Unfreeable\) has no free\(\) method"):
        engine.free_resources()
    with pytest.raises(ocrkit.ResourcesFreedError):
        engine.recognize(LINE_IMAGE)


def test_a_free_hook_when_there_is_one_is_still_what_frees(store: Path) -> None:
    class WithFree(Minimal):
        freed: list[ModelHandle] = []

        @hookimpl
        def ocrkit_free_model(self, handle: ModelHandle) -> bool:
            self.freed.append(handle)
            handle.state.free()
            return True

    plugin = WithFree()
    with ocrkit.open("minimal", registry=_registry(plugin)):
        pass
    assert plugin.freed == plugin.handles
    assert plugin.handles[0].state is None  # the core drops the state after the hook
