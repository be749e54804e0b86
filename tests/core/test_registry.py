"""The registry: plugin loading, validation, routing, and the errors users see."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import ocrkit
from ocrkit import (
    BackendUnavailableError,
    ModelCorruptError,
    ModelNotFoundError,
    PluginError,
    Registry,
    UnknownBackendError,
    UnknownOptionError,
)
from ocrkit.backend import BackendInfo, ModelRecord, hookimpl
from tests.fakeocr import FakeBackend, write_model

from .conftest import LINE_IMAGE


def test_unknown_backend_lists_the_known_ones(fake_registry: Registry) -> None:
    fake_registry.register(FakeBackend("other"), name="other-plugin")
    with pytest.raises(UnknownBackendError) as info:
        ocrkit.open("nope", registry=fake_registry)
    message = str(info.value)
    assert "'nope'" in message and "fake" in message and "other" in message
    assert isinstance(info.value, LookupError)


def test_builtin_backends_come_from_entry_points() -> None:
    registry = Registry()
    assert {"tesseract", "onnx"} <= set(registry.backend_names())
    rows = {s.name: s for s in registry.statuses()}
    assert rows["tesseract"].distribution and rows["tesseract"].distribution.startswith("ocrkit ")


class Misspelt:
    @hookimpl
    def ocrkit_recognise(self, handle: Any, images: Any, layout: Any) -> None:  # British spelling: no such hook
        return None


class WrongArguments:
    @hookimpl
    def ocrkit_discover_models(self, backend: str, folder: Path) -> None:  # spec says store_dir
        return None


def test_misspelt_hook_fails_loudly_and_is_not_registered(fake_registry: Registry) -> None:
    with pytest.raises(PluginError, match="ocrkit_recognise") as info:
        fake_registry.register(Misspelt(), name="misspelt")
    assert "ocrkit_recognize" in str(info.value), "the message lists the real hook names"
    assert "misspelt" not in fake_registry.plugin_names()
    assert fake_registry.backend_names() == ["fake"]


def test_wrong_hook_arguments_fail_loudly(fake_registry: Registry) -> None:
    with pytest.raises(PluginError, match="folder"):
        fake_registry.register(WrongArguments(), name="wrong-args")
    assert "wrong-args" not in fake_registry.plugin_names()


class RaisesOnDescribe:
    @hookimpl
    def ocrkit_describe_backend(self) -> BackendInfo:
        raise RuntimeError("cannot describe myself")


class ReturnsNonsense:
    @hookimpl
    def ocrkit_describe_backend(self) -> Any:
        return {"name": "dict"}


def test_broken_describe_is_reported_and_others_still_work(fake_registry: Registry, fake_store: Path) -> None:
    fake_registry.register(RaisesOnDescribe(), name="raiser")
    fake_registry.register(ReturnsNonsense(), name="nonsense")
    rows = {s.name: s for s in fake_registry.statuses()}
    assert rows["raiser"].status == "broken" and "cannot describe myself" in rows["raiser"].reason
    assert rows["nonsense"].status == "broken" and "not BackendInfo" in rows["nonsense"].reason
    assert rows["fake"].status == "ok"
    with ocrkit.open("fake", registry=fake_registry) as engine:
        assert engine.recognize(LINE_IMAGE).text == "page 566x80"
    with pytest.raises(BackendUnavailableError, match="cannot describe myself"):
        ocrkit.open("raiser", registry=fake_registry)


def test_duplicate_backend_name_marks_the_second_plugin_broken(fake_registry: Registry) -> None:
    fake_registry.register(FakeBackend("fake"), name="impostor")
    rows = {s.plugin: s for s in fake_registry.statuses()}
    assert rows["fake-plugin"].status == "ok"
    assert rows["impostor"].status == "broken" and "already provided" in rows["impostor"].reason


def test_missing_required_module_makes_backend_unavailable_with_hint(ocrkit_home: Path) -> None:
    registry = Registry(autoload=False)
    registry.register(FakeBackend("needy", requires=("surely_not_installed_ocr_lib",)), name="needy")
    status = registry.backend("needy")
    assert status.status == "unavailable"
    assert "surely_not_installed_ocr_lib" in status.reason and "pip install fake-ocr" in status.reason
    with pytest.raises(BackendUnavailableError, match="pip install fake-ocr"):
        ocrkit.open("needy", registry=registry)


def test_unknown_option_lists_accepted_ones(fake_registry: Registry, fake_store: Path) -> None:
    with pytest.raises(UnknownOptionError, match="colour") as info:
        ocrkit.open("fake", registry=fake_registry, colour="red")
    assert "greeting" in str(info.value) and "repeat" in str(info.value)


def test_options_reach_the_backend(fake_registry: Registry, fake_store: Path) -> None:
    with ocrkit.open("fake", registry=fake_registry, greeting="hi ", repeat=2) as engine:
        page = engine.recognize(LINE_IMAGE)
    assert [ln.text for ln in page.lines] == ["hi page 566x80"] * 2


def test_model_not_found_lists_available(fake_registry: Registry, fake_store: Path) -> None:
    write_model(fake_store, "second")
    with pytest.raises(ModelNotFoundError) as info:
        ocrkit.open("fake", "third", registry=fake_registry)
    assert "default" in str(info.value) and "second" in str(info.value)


def test_corrupt_model_raises_model_corrupt(fake_registry: Registry, fake_store: Path, fake: FakeBackend) -> None:
    (fake_store / "broken.fake").write_bytes(b"not a model")
    with pytest.raises(ModelCorruptError, match="bad magic"):
        ocrkit.open("fake", "broken", registry=fake_registry)


class ModelPack:
    """A plugin that provides no backend, only models for one (e.g. extra languages)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def ocrkit_describe_backend(self) -> None:
        return None

    @hookimpl
    def ocrkit_discover_models(self, backend: str) -> list[ModelRecord]:
        if backend != "fake":
            return []
        return [ModelRecord(name=p.stem, backend="fake", path=p, source="package") for p in self.folder.glob("*.fake")]


class FailingPack:
    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord]:
        raise OSError("pack data missing")


def test_model_packs_contribute_models_store_first(
    fake_registry: Registry, fake_store: Path, tmp_path: Path
) -> None:
    pack_dir = tmp_path / "pack"
    write_model(pack_dir, "packed")
    write_model(pack_dir, "default")  # same name as the store model: the store copy ranks first
    fake_registry.register(ModelPack(pack_dir), name="pack")
    assert fake_registry.backend_names() == ["fake"], "a model pack is not a backend"
    with ocrkit.open("fake", "packed", registry=fake_registry) as engine:
        records = engine.list_models()
        assert [(r.name, r.source) for r in records] == [
            ("default", "store"), ("default", "package"), ("packed", "package")
        ]
        assert engine.loaded_models[0].path == pack_dir / "packed.fake"
        assert engine.recognize(LINE_IMAGE).text == "page 566x80"


def test_failing_model_pack_warns_and_does_not_hide_the_others(
    fake_registry: Registry, fake_store: Path
) -> None:
    fake_registry.register(FailingPack(), name="failing-pack")
    with pytest.warns(RuntimeWarning, match="pack data missing"):
        records = fake_registry.discover("fake", fake_store)
    assert [r.name for r in records] == ["default"]
    errors: list[Any] = []
    assert [r.name for r in fake_registry.discover("fake", fake_store, errors=errors)] == ["default"]
    assert errors[0].plugin == "failing-pack" and "pack data missing" in errors[0].reason


def test_failing_owner_discovery_raises_plugin_error(fake: FakeBackend, fake_store: Path) -> None:
    class Owner(FakeBackend):
        @hookimpl
        def ocrkit_discover_models(self, backend: str, store_dir: Path) -> list[ModelRecord]:
            raise ValueError("index unreadable")

    registry = Registry(autoload=False)
    registry.register(Owner(), name="owner")
    with pytest.raises(PluginError, match="index unreadable"):
        ocrkit.open("fake", registry=registry)


class Interloper:
    """Implements recognition and freeing but owns no backend: must never be called."""

    calls = 0

    @hookimpl(tryfirst=True)
    def ocrkit_recognize(self, handle: Any, images: Any, layout: str) -> list[Any]:
        Interloper.calls += 1
        return ["garbage"] * len(images)

    @hookimpl(tryfirst=True)
    def ocrkit_free_model(self, handle: Any) -> bool:
        Interloper.calls += 1
        return True


def test_recognition_and_freeing_go_to_the_owner_only(
    fake_registry: Registry, fake_store: Path, fake: FakeBackend
) -> None:
    fake_registry.register(Interloper(), name="interloper")
    with ocrkit.open("fake", registry=fake_registry) as engine:
        assert engine.recognize(LINE_IMAGE).text == "page 566x80"
    assert Interloper.calls == 0
    assert len(fake.freed) == 1


def test_backend_returning_wrong_number_of_pages_is_a_plugin_error(
    fake_registry: Registry, fake_store: Path, fake: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_registry.pm.hook.ocrkit_recognize.get_hookimpls()[0], "function",
                        lambda handle, images, layout: [])
    with ocrkit.open("fake", registry=fake_registry) as engine, pytest.raises(PluginError, match="0 results"):
        engine.recognize(LINE_IMAGE)


def test_backend_without_loader_is_unavailable(ocrkit_home: Path) -> None:
    class DescribeOnly:
        @hookimpl
        def ocrkit_describe_backend(self) -> BackendInfo:
            return BackendInfo(name="stub", version="0")

    registry = Registry(autoload=False)
    registry.register(DescribeOnly(), name="stub")
    with pytest.raises(BackendUnavailableError, match="does not implement ocrkit_load_model"):
        ocrkit.open("stub", registry=registry)


def test_unknown_layout_is_refused(fake_registry: Registry, fake_store: Path) -> None:
    with ocrkit.open("fake", registry=fake_registry) as engine:
        with pytest.raises(ocrkit.OcrkitError, match="unknown layout 'column'"):
            engine.recognize(LINE_IMAGE, layout="column")
        assert engine.recognize(LINE_IMAGE, layout="line").text == "line 566x80"


# -- environment switches ----------------------------------------------------------------


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable module ``envfake_plugin`` with a backend called ``envfake``."""
    (tmp_path / "envfake_plugin.py").write_text(textwrap.dedent("""
        from ocrkit.backend import BackendInfo, hookimpl

        @hookimpl
        def ocrkit_describe_backend():
            return BackendInfo(name="envfake", version="0.0.1")

        @hookimpl
        def ocrkit_load_model(backend, model, models, options):
            return None

        @hookimpl
        def ocrkit_recognize(handle, images, layout):
            return None

        @hookimpl
        def ocrkit_free_model(handle):
            return True
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "envfake_plugin"
    sys.modules.pop("envfake_plugin", None)


def test_disable_autoload_loads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("OCRKIT_PLUGINS", raising=False)
    registry = Registry()
    assert registry.backend_names() == []
    with pytest.raises(UnknownBackendError, match=r"known backends: \(none\)"):
        registry.backend("tesseract")


def test_disable_autoload_keeps_the_named_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("OCRKIT_PLUGINS", "tesseract")
    assert Registry().backend_names() == ["tesseract"]


def test_plugins_env_registers_modules(monkeypatch: pytest.MonkeyPatch, plugin_module: str) -> None:
    monkeypatch.setenv("OCRKIT_PLUGINS", plugin_module)
    monkeypatch.delenv("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    names = Registry().backend_names()
    assert "envfake" in names and "tesseract" in names
    monkeypatch.setenv("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", "yes")
    assert Registry().backend_names() == ["envfake"]


def test_plugins_env_module_that_fails_is_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("OCRKIT_PLUGINS", "no_such_ocrkit_plugin_module")
    rows = Registry().statuses()
    assert [(r.name, r.status) for r in rows] == [("no_such_ocrkit_plugin_module", "broken")]
    assert "ModuleNotFoundError" in rows[0].reason
