"""The engine's lifecycle contract, on the fake backend behind a spying registry
(the real backends: the conformance kit, tests/lifecycle/test_conformance_builtin.py).

open -> (recognise ...) -> free_resources() -> every call raises ResourcesFreedError.
Freeing is idempotent, thread-safe, waits for calls in flight, and happens on
garbage collection (with a ResourceWarning) when the user forgets.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ocrkit
from ocrkit import Engine, ModelInUseError, OcrkitError, Registry, ResourcesFreedError
from ocrkit.backend import open_files
from tests.fakeocr import FakeBackend

from .conftest import LINE_IMAGE, BackendCase

#: Every public way to use an engine, each called on a freed engine.
AFTER_FREE_CALLS: dict[str, Callable[[Engine, BackendCase], Any]] = {
    "recognize": lambda e, c: e.recognize(c.image),
    "recognize(list)": lambda e, c: e.recognize([c.image, c.image]),
    "recognize(line)": lambda e, c: e.recognize(c.image, layout="line"),
    "load": lambda e, c: e.load(),
    "handle": lambda e, c: e.handle,
    "loaded_models": lambda e, c: e.loaded_models,
    "get_local_path": lambda e, c: e.get_local_path(),
    "list_local": lambda e, c: e.list_local(),
    "list_models": lambda e, c: e.list_models(),
    "audit": lambda e, c: e.audit(),
    "prune": lambda e, c: e.prune(dry_run=True),
    "remove_model": lambda e, c: e.remove_model("anything"),
    "import_model": lambda e, c: e.import_model("anything"),
    "with": lambda e, c: e.__enter__(),
}


def test_open_recognise_free(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    page = engine.recognize(backend_case.image)
    backend_case.check(page)
    assert page.backend == backend_case.name
    assert page.source == str(backend_case.image)
    pages = engine.recognize([backend_case.image, str(backend_case.image)])
    assert isinstance(pages, list) and len(pages) == 2
    for p in pages:
        backend_case.check(p)
    handle = engine.handle
    engine.free_resources()
    assert engine.freed
    assert handle.state is None, "the core drops the backend's state after freeing"
    assert backend_case.registry.freed_handles == [handle]


def test_every_method_raises_after_free(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    engine.free_resources()
    outcomes = {}
    for name, call in AFTER_FREE_CALLS.items():
        try:
            call(engine, backend_case)
            outcomes[name] = "returned normally"
        except ResourcesFreedError as exc:
            outcomes[name] = "ok" if "free_resources()" in str(exc) else f"unclear message: {exc}"
        except Exception as exc:
            outcomes[name] = f"{type(exc).__name__}: {exc}"
    assert {name: o for name, o in outcomes.items() if o != "ok"} == {}


def test_free_is_idempotent(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    engine.free_resources()
    engine.free_resources()
    engine.close()
    assert len(backend_case.registry.freed_handles) == 1


def test_context_manager_frees(backend_case: BackendCase) -> None:
    with backend_case.open() as engine:
        backend_case.check(engine.recognize(backend_case.image))
    assert engine.freed
    assert len(backend_case.registry.freed_handles) == 1
    with pytest.raises(ResourcesFreedError):
        engine.recognize(backend_case.image)


def test_context_manager_frees_on_exception(backend_case: BackendCase) -> None:
    with pytest.raises(KeyError), backend_case.open() as engine:
        raise KeyError("user code failed")
    assert engine.freed and len(backend_case.registry.freed_handles) == 1


def test_no_model_file_open_after_free(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    backend_case.check(engine.recognize(backend_case.image))
    model_files = {f.resolve() for f in engine.handle.files() if f.is_file()}
    engine.free_resources()
    still_open = model_files & {p.resolve() for p in open_files() if p.exists()}
    assert not still_open


def test_garbage_collected_engine_frees_with_resource_warning(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    backend_case.check(engine.recognize(backend_case.image))
    handle = engine.handle
    with pytest.warns(ResourceWarning, match="never freed"):
        del engine
        gc.collect()
    assert backend_case.registry.freed_handles == [handle]
    assert handle.state is None


def test_lazy_engine_loads_on_first_use_and_frees(backend_case: BackendCase) -> None:
    engine = backend_case.open(lazy=True)
    assert engine.loaded_models == []
    backend_case.check(engine.recognize(backend_case.image))
    assert engine.loaded_models
    engine.free_resources()
    assert len(backend_case.registry.freed_handles) == 1


def test_unloaded_lazy_engine_frees_without_calling_backend(backend_case: BackendCase) -> None:
    engine = backend_case.open(lazy=True)
    engine.free_resources()
    assert backend_case.registry.freed_handles == []
    with pytest.raises(ResourcesFreedError):
        engine.recognize(backend_case.image)


def test_free_waits_for_calls_in_flight(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    registry = backend_case.registry
    registry.gate = threading.Event()
    results: list[Any] = []
    reader = threading.Thread(target=lambda: results.append(engine.recognize(backend_case.image)))
    reader.start()
    assert registry.entered.acquire(timeout=30), "recognition never started"
    freer = threading.Thread(target=engine.free_resources)
    freer.start()
    freer.join(0.3)
    assert freer.is_alive(), "free_resources() returned while a recognition was in flight"
    assert registry.freed_handles == []
    with pytest.raises(ResourcesFreedError):  # new calls are refused while freeing waits
        engine.recognize(backend_case.image)
    registry.gate.set()
    reader.join(30)
    freer.join(30)
    assert not freer.is_alive() and not reader.is_alive()
    backend_case.check(results[0])
    assert registry.in_flight_at_free == [0]


def test_eight_threads_share_one_engine(backend_case: BackendCase) -> None:
    with backend_case.open() as engine:
        serial = engine.recognize(backend_case.image).text
        errors: list[BaseException] = []
        texts: list[str] = []
        lock = threading.Lock()

        def work() -> None:
            try:
                for _ in range(2):
                    text = engine.recognize(backend_case.image).text
                    with lock:
                        texts.append(text)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not errors, errors
    assert texts == [serial] * 16, "concurrent results differ from the serial one"


def test_free_while_eight_threads_recognise(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    expected = engine.recognize(backend_case.image).text
    assert backend_case.registry.entered.acquire(timeout=1)  # consume that call's signal
    outcomes: list[str] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()
    started = threading.Barrier(9)

    def work() -> None:
        started.wait()
        while True:
            try:
                text = engine.recognize(backend_case.image).text
            except ResourcesFreedError:
                with lock:
                    outcomes.append("freed")
                return
            except BaseException as exc:
                unexpected.append(exc)
                return
            with lock:
                outcomes.append("ok" if text == expected else f"wrong: {text!r}")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    started.wait()
    assert backend_case.registry.entered.acquire(timeout=30)
    engine.free_resources()
    for t in threads:
        t.join(120)
    assert not unexpected, unexpected
    assert outcomes.count("freed") == 8
    assert set(outcomes) <= {"ok", "freed"}, outcomes
    assert backend_case.registry.in_flight_at_free == [0]


def test_concurrent_free_frees_once(backend_case: BackendCase) -> None:
    engine = backend_case.open()
    threads = [threading.Thread(target=engine.free_resources) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(backend_case.registry.freed_handles) == 1


def test_loaded_store_model_cannot_be_removed_until_freed(backend_case: BackendCase) -> None:
    """A model copied into the store is preferred, and is protected while loaded."""
    with backend_case.open() as first:
        record = first.loaded_models[0]
        if record.source != "store":
            first.import_model(record)
    engine = backend_case.open(model=record.name)
    loaded = engine.loaded_models[0]
    assert loaded.source == "store", f"the store copy should win over {record.source}: {loaded}"
    entry = loaded.path.resolve().relative_to(Path(engine.get_local_path()).resolve()).parts[0]
    with pytest.raises(ModelInUseError, match="free_resources"):
        engine.remove_model(entry)
    assert engine.prune(prefix=entry[:1], dry_run=True) == []
    assert loaded.path.exists()
    engine.free_resources()
    other = backend_case.open(lazy=True)
    other.remove_model(entry)
    assert not loaded.path.exists()
    other.free_resources()


def test_free_from_inside_its_own_call_is_refused_not_a_hang(
    fake_registry: Registry, fake_store: Path, fake: FakeBackend
) -> None:
    engine = ocrkit.open("fake", registry=fake_registry)
    fake.on_recognize = engine.free_resources  # e.g. a callback that frees too early
    with pytest.raises(OcrkitError, match="would wait for itself"):
        engine.recognize(LINE_IMAGE)
    assert not engine.freed
    fake.on_recognize = None
    assert engine.recognize(LINE_IMAGE).text == "page 566x80"
    engine.free_resources()
    assert engine.freed and len(fake.freed) == 1


def test_empty_batch_does_not_reach_the_backend(fake_registry: Registry, fake_store: Path, fake: FakeBackend) -> None:
    with ocrkit.open("fake", registry=fake_registry) as engine:
        assert engine.recognize([]) == []
    assert fake.recognize_calls == 0
