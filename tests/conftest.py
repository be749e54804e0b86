"""Fixtures shared by every test package: an isolated model store, the test
images, the optional shared datasets (skipped cleanly when absent), and the one
fake backend (tests/fakeocr.py) in a registry of its own."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocrkit import Registry
from tests.fakeocr import FakeBackend, write_model

TESTS = Path(__file__).parent
DATA = TESTS / "data"
REPO = TESTS.parent
SHARED_DATASETS = Path(os.environ.get("OCRKIT_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))

def _xdist_scope(item: pytest.Item) -> str:
    """The unit ``--dist loadscope`` runs on one worker: a test class, else a module."""
    return item.nodeid.rsplit("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker, put the scopes (modules, classes) that hold a ``slow``
    test first, in their order, so the longest work starts at once instead of last
    (``--no-loadscope-reorder`` keeps this order; within a scope nothing moves)."""
    if hasattr(config, "workerinput"):
        slow = {_xdist_scope(i) for i in items if i.get_closest_marker("slow")}
        items.sort(key=lambda i: _xdist_scope(i) not in slow)


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep every test (even those without ``ocrkit_home``) off the user's real model
    store, and a ``TESSDATA_PREFIX`` from the environment out of discovery."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OCRKIT_HOME", str(tmp_path_factory.mktemp("session-home")))
        mp.delenv("TESSDATA_PREFIX", raising=False)
        yield


@pytest.fixture
def ocrkit_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty OCRKIT_HOME for this test."""
    home = tmp_path / "ocrkit-home"
    home.mkdir()
    monkeypatch.setenv("OCRKIT_HOME", str(home))
    return home


@pytest.fixture
def fake() -> FakeBackend:
    """A fresh fake backend: its counters, gate and hooks are this test's."""
    return FakeBackend()


@pytest.fixture
def fake_registry(fake: FakeBackend, fake_store: Path) -> Registry:
    """A registry holding only *fake* (no entry points) and its store with ``default.fake``;
    isolation="process" re-creates it in the child (it pickles as its configuration)."""
    registry = Registry(autoload=False)
    registry.register(fake, name="fake-plugin")
    return registry


@pytest.fixture
def fake_store(ocrkit_home: Path) -> Path:
    """The fake backend's store directory with one valid model, ``default.fake``."""
    write_model(ocrkit_home / "fake")
    return ocrkit_home / "fake"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def truth() -> dict[str, str]:
    """Ground truth of the images in tests/data (see tools/make_images.py)."""
    return json.loads((DATA / "truth.json").read_text(encoding="utf-8"))


def load_manifest(name: str) -> tuple[Path, list[dict]]:
    folder = SHARED_DATASETS / name
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip(f"shared dataset {name} not found at {folder} (only present beside the repo in CI)")
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    return folder, rows


@pytest.fixture(scope="session")
def uw3_lines() -> tuple[Path, list[dict]]:
    return load_manifest("uw3-lines")


@pytest.fixture(scope="session")
def sroie_receipts() -> tuple[Path, list[dict]]:
    return load_manifest("sroie-receipts")
