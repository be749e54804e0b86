"""The model store: listing, audit, prune, import, and refusing to touch anything outside it."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

import ocrkit
from ocrkit import (
    InvalidModelNameError,
    ModelExistsError,
    ModelInUseError,
    ModelNotFoundError,
    ModelStore,
    Registry,
)
from ocrkit.backend import ModelRecord
from ocrkit.store import default_home
from tests.fakeocr import write_model


@pytest.fixture
def store(ocrkit_home: Path) -> ModelStore:
    return ModelStore()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files outside the store that every test checks survive."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "precious.traineddata").write_bytes(b"do not delete")
    (folder / "old_precious.traineddata").write_bytes(b"do not delete either")
    (folder / "dir").mkdir()
    (folder / "dir" / "weights.onnx").write_bytes(b"keep")
    return folder


def _all_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_home_comes_from_env_or_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OCRKIT_HOME", str(tmp_path / "h"))
    assert ModelStore().root == tmp_path / "h"
    monkeypatch.delenv("OCRKIT_HOME")
    import platformdirs

    assert default_home() == Path(platformdirs.user_data_dir("ocrkit", appauthor=False))


def test_list_local_names_are_joinable_and_skip_partials(store: ModelStore) -> None:
    directory = store.path("tesseract")
    for name in ("eng.traineddata", "deu.traineddata", ".hidden", "fra.traineddata.part", "x.tmp"):
        (directory / name).write_bytes(b"x")
    (directory / "ppocr-set").mkdir()
    names = store.list_local("tesseract")
    assert names == ["deu.traineddata", "eng.traineddata", "ppocr-set"]
    assert all(os.path.exists(os.path.join(str(directory), n)) for n in names)
    assert store.list_local("never-used") == []
    assert not (store.root / "never-used").exists(), "listing must not create directories"


@pytest.mark.parametrize("name", ["../x", "..", ".", "", "/etc/passwd", "a/b", "a\\b", "x\0y", "../outside/precious.traineddata"])
def test_remove_refuses_names_that_leave_the_store(store: ModelStore, outside: Path, name: str) -> None:
    before = _all_files(outside.parent)
    store.path("tesseract")
    with pytest.raises(InvalidModelNameError, match="invalid model name"):
        store.remove("tesseract", name)
    assert _all_files(outside.parent) == before


@pytest.mark.parametrize(
    ("name", "plain"),
    [("eng", True), ("ppocrv6-small", True), ("eng.traineddata", True), ("..", False), (".", False), ("", False),
     ("a/b", False), ("a\\b", False), ("/etc/passwd", False), ("C:evil", False), ("x\0y", False), (None, False)],
)
def test_one_plain_name_check_for_store_catalogue_and_manifests(name: object, plain: bool) -> None:
    """The check every path-component name goes through (store, pull catalogue, onnx manifests)."""
    from ocrkit.backend import plain_name_problem

    assert (plain_name_problem(name) is None) is plain


@pytest.mark.parametrize("backend", ["../outside", "..", "/tmp", "a/b"])
def test_backend_names_cannot_leave_the_store(store: ModelStore, outside: Path, backend: str) -> None:
    before = _all_files(outside)
    with pytest.raises(InvalidModelNameError, match="invalid backend name"):
        store.remove(backend, "precious.traineddata")
    assert _all_files(outside) == before


def test_symlink_leading_out_of_the_store_is_refused(store: ModelStore, outside: Path) -> None:
    directory = store.path("tesseract")
    (directory / "old_link.traineddata").symlink_to(outside / "precious.traineddata")
    (directory / "old_dirlink").symlink_to(outside / "dir")
    before = _all_files(outside)
    for name in ("old_link.traineddata", "old_dirlink"):
        with pytest.raises(InvalidModelNameError, match="outside the store"):
            store.remove("tesseract", name)
    result = store.prune("tesseract", prefix="old_")
    skipped = result.skipped
    assert result == []
    assert set(skipped) == {"old_link.traineddata", "old_dirlink"}
    assert all("outside the store" in r for r in skipped.values())
    assert store.prune("tesseract") == [], "OLD-by-default prune skips them as well"
    audit = {e.name: e for e in store.audit("tesseract")}
    assert "outside the store" in audit["old_link.traineddata"].reason
    assert _all_files(outside) == before
    assert (directory / "old_link.traineddata").is_symlink()


def test_symlink_inside_the_store_is_removed_as_a_link(store: ModelStore) -> None:
    directory = store.path("tesseract")
    (directory / "eng.traineddata").write_bytes(b"eng")
    (directory / "alias.traineddata").symlink_to(directory / "eng.traineddata")
    store.remove("tesseract", "alias.traineddata")
    assert (directory / "eng.traineddata").read_bytes() == b"eng"


def test_removing_a_model_directory_never_follows_links_out(store: ModelStore, outside: Path) -> None:
    model_set = store.path("onnx") / "old_ppocr"
    model_set.mkdir()
    (model_set / "det.onnx").write_bytes(b"det")
    (model_set / "shared").symlink_to(outside / "dir")
    before = _all_files(outside)
    assert store.remove("onnx", "old_ppocr") == store.path("onnx") / "old_ppocr"
    assert not model_set.exists()
    assert _all_files(outside) == before


def test_remove_unknown_lists_what_exists(store: ModelStore) -> None:
    (store.path("tesseract") / "eng.traineddata").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match="available: eng.traineddata"):
        store.remove("tesseract", "fra.traineddata")


def test_audit_marks_old_and_superseded_with_digests(store: ModelStore) -> None:
    directory = store.path("tesseract")
    contents = {
        "old_eng.traineddata": b"old",
        "eng.traineddata": b"eng",
        "deu-v1.traineddata": b"v1",
        "deu-v2.traineddata": b"v2",
        "fra_1.2.traineddata": b"f12",
        "fra_1.10.traineddata": b"f110",
    }
    for name, data in contents.items():
        (directory / name).write_bytes(data)
    audit = {e.name: e for e in store.audit("tesseract")}
    assert {n: e.status for n, e in audit.items()} == {
        "old_eng.traineddata": "OLD",
        "eng.traineddata": "CURRENT",
        "deu-v1.traineddata": "OLD",
        "deu-v2.traineddata": "CURRENT",
        "fra_1.2.traineddata": "OLD",
        "fra_1.10.traineddata": "CURRENT",
    }
    assert audit["deu-v1.traineddata"].reason == "superseded by version 2"
    for name, entry in audit.items():
        assert entry.path == directory.resolve() / name and entry.path.is_absolute()
        assert entry.sha256 == hashlib.sha256(contents[name]).hexdigest()
        assert entry.size == len(contents[name])


def test_audit_of_a_directory_model_hashes_its_files(store: ModelStore) -> None:
    model_set = store.path("onnx") / "ppocr"
    model_set.mkdir()
    (model_set / "det.onnx").write_bytes(b"d")
    (model_set / "rec.onnx").write_bytes(b"rr")
    (entry,) = store.audit("onnx")
    assert entry.size == 3 and len(entry.sha256) == 64
    (model_set / "rec.onnx").write_bytes(b"rX")
    assert store.audit("onnx")[0].sha256 != entry.sha256


def test_prune_dry_run_prefix_predicate_and_default(store: ModelStore, outside: Path) -> None:
    directory = store.path("tesseract")
    for name in ("old_a.traineddata", "old_b.traineddata", "eng.traineddata", "deu-v1.traineddata", "deu-v2.traineddata"):
        (directory / name).write_bytes(b"x")
    assert store.prune("tesseract", prefix="old_", dry_run=True) == ["old_a.traineddata", "old_b.traineddata"]
    assert len(store.list_local("tesseract")) == 5
    assert store.prune("tesseract", predicate=lambda n: n.startswith("old_b")) == ["old_b.traineddata"]
    assert store.prune("tesseract") == ["deu-v1.traineddata", "old_a.traineddata"]
    assert store.list_local("tesseract") == ["deu-v2.traineddata", "eng.traineddata"]
    assert (outside / "old_precious.traineddata").exists()


def test_loaded_model_cannot_be_removed_or_pruned(fake_registry: Registry, fake_store: Path) -> None:
    (fake_store / "old_spare.fake").write_bytes(b"x")
    engine = ocrkit.open("fake", "default", registry=fake_registry)
    with pytest.raises(ModelInUseError, match="free_resources"):
        engine.remove_model("default.fake")
    with pytest.raises(ModelInUseError):
        ModelStore().remove("fake", "default.fake")  # any store object in the process
    result = engine.prune(predicate=lambda n: True)
    skipped = result.skipped
    assert result == ["old_spare.fake"]
    assert "loaded by a live engine" in skipped["default.fake"]
    assert [e.in_use for e in engine.audit()] == [True]
    engine.free_resources()
    ModelStore().remove("fake", "default.fake")
    assert ModelStore().list_local("fake") == []


# -- import ------------------------------------------------------------------------------


def test_import_file_copies_atomically_and_refuses_overwrite(store: ModelStore, outside: Path) -> None:
    record = store.record_for_path("tesseract", outside / "precious.traineddata")
    assert record.name == "precious" and record.format == "traineddata"
    made = store.import_model(record)
    assert made == store.path("tesseract") / "precious.traineddata"
    assert made.read_bytes() == b"do not delete"
    assert store.list_local("tesseract") == ["precious.traineddata"]
    assert [p.name for p in store.path("tesseract").iterdir()] == ["precious.traineddata"], "no temp files left"
    with pytest.raises(ModelExistsError, match="already exists"):
        store.import_model(record)
    (outside / "precious.traineddata").write_bytes(b"newer")
    store.import_model(store.record_for_path("tesseract", outside / "precious.traineddata"), overwrite=True)
    assert made.read_bytes() == b"newer"
    assert (outside / "precious.traineddata").exists(), "import copies, never moves"


def test_import_directory_model(store: ModelStore, outside: Path) -> None:
    made = store.import_model(store.record_for_path("onnx", outside / "dir"))
    assert made == store.path("onnx") / "dir"
    assert (made / "weights.onnx").read_bytes() == b"keep"


def test_import_from_inside_the_store_is_refused(store: ModelStore) -> None:
    path = store.path("tesseract") / "eng.traineddata"
    path.write_bytes(b"x")
    with pytest.raises(ModelExistsError, match="already in the tesseract store"):
        store.import_model(store.record_for_path("tesseract", path))


def test_import_missing_path(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no such model file"):
        store.record_for_path("tesseract", tmp_path / "nope.traineddata")


def test_interrupted_import_leaves_nothing(store: ModelStore, outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail_midway(src: str, dst: str, **kwargs: object) -> None:
        Path(dst).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", fail_midway)
    with pytest.raises(OSError, match="No space"):
        store.import_model(store.record_for_path("tesseract", outside / "precious.traineddata"))
    assert list(store.path("tesseract").iterdir()) == []


def test_import_uses_the_backend_hook_when_it_copies(store: ModelStore, outside: Path) -> None:
    calls: list[tuple[ModelRecord, Path]] = []

    def importer(record: ModelRecord, dest: Path) -> Path:
        calls.append((record, dest))
        target = dest / "converted.traineddata"
        target.write_bytes(b"converted")
        return target

    made = store.import_model(store.record_for_path("tesseract", outside / "precious.traineddata"), importer=importer)
    assert made.read_bytes() == b"converted" and len(calls) == 1
    assert store.list_local("tesseract") == ["converted.traineddata"]


def test_engine_imports_a_discovered_model_by_name(
    fake_registry: Registry, fake_store: Path, tmp_path: Path
) -> None:
    from .test_registry import ModelPack

    write_model(tmp_path / "pack", "packed")
    fake_registry.register(ModelPack(tmp_path / "pack"), name="pack")
    with ocrkit.open("fake", registry=fake_registry, lazy=True) as engine:
        made = engine.import_model("packed")
        assert made == fake_store / "packed.fake"
        assert [(r.name, r.source) for r in engine.list_models() if r.name == "packed"] == [
            ("packed", "store"), ("packed", "package")
        ]
        with pytest.raises(ModelExistsError, match="already in the fake store"):
            engine.import_model("default")
        with pytest.raises(ModelNotFoundError, match="available: default, packed"):
            engine.import_model("missing")
