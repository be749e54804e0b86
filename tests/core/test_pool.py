"""The one engine pool: opened on first use, shared, reopened after a crash, bounded,
freed on close; both engine kinds satisfy the engine protocol."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import ocrkit
from ocrkit import Registry, _registry
from ocrkit._pool import EnginePool
from ocrkit._protocol import OcrEngine
from ocrkit.documents import ReadSpec
from tests.fakeocr import ABORT_VALUE, crash_image, write_model

from .conftest import LINE_IMAGE


@pytest.fixture
def fake_default(fake_registry: Registry, fake_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process-wide registry is the fake one (the pool opens through ``ocrkit.open``)."""
    monkeypatch.setattr(_registry, "_default", fake_registry)
    return fake_store


def test_shared_per_spec_and_bounded_least_recently_used_first(fake_default: Path) -> None:
    write_model(fake_default, "second")
    events: list[str] = []
    first, second = ReadSpec("fake"), ReadSpec("fake", "second")
    with EnginePool(max_engines=1, on_event=events.append) as pool:
        with pool.engine(first) as a, pool.engine(first) as b:
            assert a.engine is b.engine and pool.opened == 1
            held = a.engine
        with pool.engine(second) as c:
            assert c.recognize(str(LINE_IMAGE)).text == "page 566x80"
        assert held.freed and pool.open_count == 1 and pool.opened == 2
        assert events == ["load", "load", "free:lru"]
        assert [e["model"] for e in pool.describe()] == ["second"]
    assert events[-1] == "free:shutdown"
    with pytest.raises(ocrkit.ResourcesFreedError), pool.engine(first):
        pass


def test_an_engine_in_use_is_never_freed_under_its_user(fake_default: Path) -> None:
    write_model(fake_default, "second")
    with EnginePool(max_engines=1) as pool, pool.engine(ReadSpec("fake")) as busy:
        with pool.engine(ReadSpec("fake", "second")):
            pass
        assert not busy.freed and busy.recognize(str(LINE_IMAGE)).text == "page 566x80"


def test_a_crashed_isolated_engine_is_replaced_before_the_next_call(fake_default: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.png"
    Image.fromarray(crash_image(ABORT_VALUE)).save(hostile)
    events: list[str] = []
    with EnginePool(on_event=events.append) as pool, pool.engine(ReadSpec("fake", isolation="process")) as engine:
        first = engine.engine
        with pytest.raises(ocrkit.BackendCrashedError):
            engine.recognize(str(hostile))
        assert first.crashed
        assert engine.recognize(str(LINE_IMAGE)).text == "page 566x80"
        assert engine.engine is not first and first.freed and pool.opened == 2
    assert events == ["load", "free:crash", "load", "free:shutdown"]


def test_both_engine_kinds_satisfy_the_protocol(fake_default: Path) -> None:
    for isolation in ("none", "process"):
        with ocrkit.open("fake", isolation=isolation) as engine:
            assert isinstance(engine, OcrEngine) and engine.crashed is False
