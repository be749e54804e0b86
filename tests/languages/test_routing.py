"""The core's routing, on a third-party backend that declares its models' languages
(the fake of tests/fakeocr.py, its records given ``languages``) and a model pack
adding one: the same rules as for the built-in backends, nothing backend-specific."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ocrkit
from ocrkit import InvalidOptionError, LanguageNotAvailableError, ModelRecord, Registry, hookimpl
from tests.fakeocr import FakeBackend, write_model

#: What each fake model reads ("default" is the backend's default model).
READS = {"default": ("eng", "fra", "deu"), "latin": ("eng", "fra", "deu", "ita", "spa"), "french": ("fra",),
         "korean": ("kor", "eng")}


class DeclaringFake(FakeBackend):
    """The fake backend, its records declaring languages; ``default`` is its default model."""

    def _record(self, path: Path, source: str) -> ModelRecord:
        record = super()._record(path, source)
        return ModelRecord(**{**record.__dict__, "languages": READS.get(record.name, ())})

    @hookimpl
    def ocrkit_describe_backend(self):
        info = super().ocrkit_describe_backend()
        return type(info)(**{**info.__dict__, "default_model": "default"})


class ThaiPack:
    """A model pack: another distribution's plugin contributing a Thai model to the fake backend."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def ocrkit_discover_models(self, backend: str, store_dir: Path):
        if backend != "fake":
            return None
        return [ModelRecord(name="thai", backend="fake", path=self.path, source="package", format="fake",
                            size=self.path.stat().st_size, languages=("tha",))]


@pytest.fixture
def registry(ocrkit_home: Path, tmp_path: Path) -> Registry:
    for name in ("default", "latin", "korean"):
        write_model(ocrkit_home / "fake", name)
    registry = Registry(autoload=False)
    registry.register(DeclaringFake(), name="fake-plugin")
    registry.register(ThaiPack(write_model(tmp_path / "pack", "thai")), name="thai-pack")
    return registry


def _read_with(registry: Registry, **kwargs) -> str:
    with ocrkit.open("fake", registry=registry, ballast_mb=0, **kwargs) as engine:
        page = engine.recognize(np.full((20, 30), 255, np.uint8))
        assert page.text  # it read, with the model routing chose
        return page.model


@pytest.mark.parametrize(
    ("lang", "model"),
    [
        ("fra", "default"),        # the default model reads it: kept
        ("fr+it", "latin"),        # only latin reads both
        ("ko", "korean"),
        (["kor", "eng"], "korean"),
        ("tha", "thai"),           # contributed by the model pack
    ],
)
def test_lang_routes_to_the_model_that_reads_it(registry, lang, model):
    assert _read_with(registry, lang=lang) == model


def test_an_explicit_model_that_reads_the_language_is_kept(registry):
    assert _read_with(registry, lang="fra", model="latin") == "latin"


def test_an_explicit_model_that_does_not_read_it_is_refused(registry):
    with pytest.raises(InvalidOptionError, match=r"model 'korean' does not read ita \(Italian\)") as info:
        ocrkit.open("fake", "korean", lang="ita", registry=registry)
    assert "\n" not in str(info.value)


def test_nothing_reads_it_one_line_error(registry):
    with pytest.raises(LanguageNotAvailableError) as info:
        ocrkit.open("fake", lang="ell", registry=registry)
    message = str(info.value)
    assert message.startswith("no installed fake model reads ell (Greek)") and "\n" not in message
    assert info.value.languages == ("ell",)


def test_no_single_model_reads_all_of_them(registry):
    with pytest.raises(LanguageNotAvailableError, match=r"reads kor \(Korean\)\+ita \(Italian\) together"):
        ocrkit.open("fake", lang="kor+ita", registry=registry)


def test_languages_lists_what_each_model_reads(registry):
    rows = {(r.code, r.backend): r for r in ocrkit.languages(registry=registry)}
    assert rows["fra", "fake"].models == ("default", "latin")
    assert rows["tha", "fake"].models == ("thai",) and rows["tha", "fake"].name == "Thai"
    assert ("ell", "fake") not in rows
