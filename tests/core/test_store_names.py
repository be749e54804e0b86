"""One name rule for every way into the store (issue 21, item 14): ``models quantize
--name .hidden`` made an entry ``list`` and ``audit`` never showed, ``--name " "`` one
listed with an empty name. Import, pull, a backend's quantisation and the CLI all go
through ``ocrkit._names.store_name_problem`` now."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocrkit import InvalidModelNameError, ModelRecord, Registry, _registry
from ocrkit._names import is_listed, store_name_problem
from ocrkit.backend import hookimpl
from ocrkit.cli import main
from ocrkit.pull import CatalogError, parse_catalog
from ocrkit.store import ModelStore
from tests.fakeocr import MAGIC, FakeBackend

REFUSED = [".hidden", " ", "", "  ", " eng", "eng ", "a\nb", "a\tb", "a\u2028b", "a\x1cb", "eng.part", "x.tmp",
           "x.lock", "..", "../x", "a/b", "a\\b", "/abs", "C:x"]
ACCEPTED = ["eng.traineddata", "ppocrv6-small-int8", "my set", "deu+eng", "old_eng", "Ünïcode"]


@pytest.mark.parametrize("name", REFUSED)
def test_the_rule_refuses_what_the_store_would_hide_or_nobody_could_type(name: str) -> None:
    assert store_name_problem(name)


@pytest.mark.parametrize("name", ACCEPTED)
def test_the_rule_lets_in_plain_names_and_the_store_lists_them(name: str, tmp_path: Path) -> None:
    assert store_name_problem(name) is None and is_listed(name)
    store = ModelStore(tmp_path)
    (store.path("fake") / name).write_bytes(MAGIC)
    assert store.list_local("fake") == [name]
    assert [e.name for e in store.audit("fake")] == [name]


def _record(path: Path, **extra: str) -> ModelRecord:
    return ModelRecord(name=path.name, backend="fake", path=path, source="other", format="fake",
                       size=1, files=tuple(path.iterdir()) if path.is_dir() else (), extra=dict(extra))


@pytest.mark.parametrize("name", [".hidden.fake", " .fake", "eng.fake.part"])
def test_import_refuses_a_file_the_store_would_hide(name: str, tmp_path: Path) -> None:
    source = tmp_path / "outside" / name
    source.parent.mkdir()
    source.write_bytes(MAGIC)
    store = ModelStore(tmp_path / "home")
    with pytest.raises(InvalidModelNameError, match="invalid model name"):
        store.import_model(_record(source))
    assert list(store.path("fake").iterdir()) == []


@pytest.mark.parametrize("store_name", [".set", " "])
def test_import_refuses_a_backend_given_store_name_the_store_would_hide(store_name: str, tmp_path: Path) -> None:
    source = tmp_path / "outside" / "set"
    source.mkdir(parents=True)
    (source / "a.fake").write_bytes(MAGIC)
    store = ModelStore(tmp_path / "home")
    with pytest.raises(InvalidModelNameError):
        store.import_model(_record(source, store_name=store_name))
    assert list(store.path("fake").iterdir()) == []


class QuantizingFake(FakeBackend):
    """The fake backend with a quantisation that writes ``<name>`` (default ``<source>-int8``)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str | None] = []

    @hookimpl
    def ocrkit_quantize_model(self, record: ModelRecord, dest_dir: Path, name: str | None,
                              calibration: Path | None, progress: object) -> Path:
        self.asked.append(name)
        made = dest_dir / (name or f"{record.path.stem}-int8.fake")
        made.write_bytes(record.path.read_bytes())
        return made


@pytest.fixture
def quantizing(fake_store: Path, monkeypatch: pytest.MonkeyPatch) -> QuantizingFake:
    plugin = QuantizingFake()
    registry = Registry(autoload=False)
    registry.register(plugin, name="fake-plugin")
    monkeypatch.setattr(_registry, "_default", registry)
    return plugin


@pytest.mark.parametrize("name", [".hidden", " ", "x.part", "a\nb"])
def test_models_quantize_refuses_the_name_in_one_line_before_the_backend_runs(
    name: str, quantizing: QuantizingFake, fake_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "quantize", "default", "--backend", "fake", "--name", name]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "invalid model name" in err and "Traceback" not in err
    assert quantizing.asked == []
    assert sorted(p.name for p in fake_store.iterdir()) == ["default.fake"]


def test_models_quantize_with_a_plain_name_still_works(quantizing: QuantizingFake, fake_store: Path) -> None:
    assert main(["models", "quantize", "default", "--backend", "fake", "--name", "small.fake"]) == 0
    assert quantizing.asked == ["small.fake"]
    assert ModelStore(fake_store.parent).list_local("fake") == ["default.fake", "small.fake"]


@pytest.mark.parametrize("name", [" eng", "eng\n", ".eng"])
def test_a_catalogue_cannot_name_a_model_the_store_would_hide(name: str) -> None:
    sha = "0" * 64
    document = {"format": 1, "models": {name: {"backend": "tesseract", "layout": "file", "files": [
        {"name": f"{name.strip('.')}.traineddata", "sha256": sha, "urls": ["https://example.org/x"]}]}}}
    with pytest.raises(CatalogError, match="invalid model name"):
        parse_catalog(document, source="test")
