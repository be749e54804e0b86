"""ocrkit.open(..., isolation="process"): same API, results and errors cross intact,
native crashes are contained, freeing ends the child process."""

from __future__ import annotations

import gc
import inspect
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

import ocrkit
from ocrkit import Engine, ModelStore, Registry
from ocrkit._isolation import ProcessEngine
from tests import fakeocr


def _open(registry: Registry, **kw):
    return ocrkit.open("fake", registry=registry, isolation="process", **kw)


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_same_public_api_as_engine():
    public = {n for n, _ in inspect.getmembers(Engine) if not n.startswith("_")}
    missing = public - {n for n, _ in inspect.getmembers(ProcessEngine)}
    assert not missing, f"ProcessEngine lacks Engine's {sorted(missing)}"


def test_results_equal_in_process(fake_registry, ocrkit_home, data_dir):
    rgb = np.random.default_rng(1).integers(0, 256, (40, 70, 3), dtype=np.uint8)
    png = (data_dir / "line_hello.png").read_bytes()
    inputs = [data_dir / "line_hello.png", str(data_dir / "page_simple.png"), png,
              Image.open(io.BytesIO(png)), rgb, rgb[:, :, 0].copy()]
    with ocrkit.open("fake", registry=fake_registry) as local:
        expected = local.recognize(inputs)
    with _open(fake_registry) as isolated:
        assert isolated.pid != os.getpid()
        got = isolated.recognize(inputs)
        single = isolated.recognize(inputs[0], layout="line")
    assert all(p.meta.pop("pid") == isolated.pid for p in got)
    assert all(p.meta.pop("pid") == os.getpid() for p in expected)
    assert [p.to_dict() for p in got] == [p.to_dict() for p in expected]
    assert single.text == fakeocr.expected_text(566, 80, "line") and single.meta["layout"] == "line"
    assert got[0].lines[0].words[0].confidence == expected[0].lines[0].words[0].confidence


@pytest.mark.parametrize("isolation", ["none", "process"])
def test_both_engine_kinds_check_calls_the_same_way(fake_registry, ocrkit_home, isolation):
    with ocrkit.open("fake", registry=fake_registry, isolation=isolation) as engine:
        assert engine.recognize([]) == []
        with pytest.raises(ocrkit.OcrkitError, match="unknown layout 'columns'.*'line', 'page'"):
            engine.recognize(np.zeros((4, 4), np.uint8), layout="columns")
        with pytest.raises(ocrkit.BadImageError):
            engine.recognize(b"not an image")
        assert engine.recognize(np.zeros((4, 4), np.uint8)).text  # still usable


def test_large_image_crosses_through_shared_memory(fake_registry, ocrkit_home):
    big = np.random.default_rng(2).integers(0, 256, (3000, 4000, 3), dtype=np.uint8)  # 36 MB
    with _open(fake_registry) as engine:
        assert engine._shared_memory, "memfd shared memory should be usable on Linux"
        fds_before = len(os.listdir("/proc/self/fd"))
        page = engine.recognize(big)
        assert page.meta["crc"] == fakeocr.checksum(big) and page.text == fakeocr.expected_text(4000, 3000)
        assert len(os.listdir("/proc/self/fd")) == fds_before, "image memfds must be closed after the call"


def test_model_info_and_store_methods(fake_registry, ocrkit_home):
    store_dir = ocrkit_home / "fake"
    (store_dir / "mine.fake").write_bytes(b"fake model mine\n")
    (store_dir / "old_mine.fake").write_bytes(b"fake model old\n")
    with _open(fake_registry, model="mine") as engine:
        assert engine.get_local_path() == str(store_dir)
        assert engine.list_local() == ["default.fake", "mine.fake", "old_mine.fake"]
        assert [m.name for m in engine.list_models()] == ["default", "mine", "old_mine"]
        assert [m.name for m in engine.loaded_models] == ["mine"]
        assert engine.handle.name == "mine" and engine.handle.state is None
        audit = {e.name: e.status for e in engine.audit()}
        assert audit == {"default.fake": "CURRENT", "mine.fake": "CURRENT", "old_mine.fake": "OLD"}
        # loaded in the child, so in use here too
        with pytest.raises(ocrkit.ModelInUseError):
            ModelStore(ocrkit_home).remove("fake", "mine.fake")
        with pytest.raises(ocrkit.ModelInUseError, match="mine.fake"):
            engine.remove_model("mine.fake")
        assert engine.prune(predicate=lambda n: n.startswith("old_"), dry_run=True) == ["old_mine.fake"]
        assert engine.prune() == ["old_mine.fake"]
        assert engine.list_local() == ["default.fake", "mine.fake"]
    ModelStore(ocrkit_home).remove("fake", "mine.fake")  # freed: now it can go


def test_models_loaded_by_caller_are_in_use_in_child(fake_registry, ocrkit_home):
    store_dir = ocrkit_home / "fake"
    (store_dir / "mine.fake").write_bytes(b"fake model mine\n")
    with ocrkit.open("fake", "mine", registry=fake_registry), _open(fake_registry) as isolated:
        with pytest.raises(ocrkit.ModelInUseError):
            isolated.remove_model("mine.fake")
    assert (store_dir / "mine.fake").exists()


def test_errors_cross_with_class_message_and_attributes(fake_registry, ocrkit_home):
    with pytest.raises(ocrkit.ModelNotFoundError) as local:
        ocrkit.open("fake", "nope", registry=fake_registry)
    with pytest.raises(ocrkit.ModelNotFoundError) as remote:
        _open(fake_registry, model="nope")
    assert str(remote.value) == str(local.value)
    assert remote.value.available == local.value.available == ["default"]
    assert "traceback in the backend process" in str(remote.value.__cause__)

    with pytest.raises(ocrkit.UnknownOptionError) as unknown:
        _open(fake_registry, no_such_option=1)
    assert unknown.value.unknown == ["no_such_option"]

    with _open(fake_registry) as engine:
        with pytest.raises(ocrkit.BadImageError, match="empty"):
            engine.recognize(b"")
        with pytest.raises(ocrkit.OcrkitError, match="unknown layout 'sideways'"):
            engine.recognize(np.zeros((5, 5), np.uint8), layout="sideways")
        with pytest.raises(ocrkit.InvalidModelNameError):
            engine.remove_model("../x")
        # the engine is still fine after errors
        assert engine.recognize(np.zeros((5, 5), np.uint8)).text == "page 5x5"


@pytest.mark.parametrize("value, signal_name", [(fakeocr.ABORT_VALUE, "SIGABRT"), (fakeocr.SEGFAULT_VALUE, "SIGSEGV")])
def test_native_crash_is_contained(fake_registry, ocrkit_home, value, signal_name):
    engine = _open(fake_registry)
    pid = engine.pid
    with pytest.raises(ocrkit.BackendCrashedError) as crashed:
        engine.recognize(fakeocr.crash_image(value))
    message = str(crashed.value)
    assert signal_name in message and "while recognizing 1 image" in message
    assert "open a new one with ocrkit.open" in message
    assert "Fatal Python error" in message  # the child's own report is quoted
    assert engine.crashed and "crashed" in repr(engine)
    with pytest.raises(ocrkit.BackendCrashedError):
        engine.recognize(np.zeros((5, 5), np.uint8))
    with pytest.raises(ocrkit.BackendCrashedError):
        engine.list_models()
    engine.free_resources()
    engine.free_resources()
    with pytest.raises(ocrkit.ResourcesFreedError):
        engine.recognize(np.zeros((5, 5), np.uint8))
    assert _gone(pid)
    with _open(fake_registry) as again:  # the next open works
        assert again.recognize(np.zeros((5, 5), np.uint8)).text == "page 5x5"


def test_crash_fails_every_caller_in_flight(fake_registry, ocrkit_home):
    engine = _open(fake_registry, delay=0.5)
    outcomes: list[BaseException | str] = []

    def work(image: np.ndarray) -> None:
        try:
            outcomes.append(engine.recognize(image).text)
        except BaseException as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=work, args=(np.full((9, 9), i, np.uint8),)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    with pytest.raises(ocrkit.BackendCrashedError):
        engine.recognize(fakeocr.crash_image(fakeocr.ABORT_VALUE))
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert len(outcomes) == 4
    for outcome in outcomes:  # each finished before the crash, or learnt of it
        assert isinstance(outcome, (str, ocrkit.BackendCrashedError)), outcome
    engine.free_resources()


def test_crash_while_loading(fake_registry, ocrkit_home):
    """A backend that dies natively while loading: open() raises, the caller lives."""
    with pytest.raises(ocrkit.BackendCrashedError, match="SIGABRT while starting"):
        _open(fake_registry, crash="load")
    with _open(fake_registry) as engine:
        assert engine.recognize(np.zeros((4, 4), np.uint8)).text == "page 4x4"


def test_crash_while_freeing_still_frees(fake_registry, ocrkit_home):
    engine = _open(fake_registry, crash="free")
    pid = engine.pid
    engine.free_resources()  # the process is gone either way: nothing to report
    assert _gone(pid) and engine.freed


def test_free_ends_the_child_and_is_idempotent(fake_registry, ocrkit_home):
    engine = _open(fake_registry)
    pid = engine.pid
    assert psutil.Process(pid).is_running()
    engine.free_resources()
    assert _gone(pid)
    engine.free_resources()
    assert engine.freed and "freed" in repr(engine)
    for call in (lambda: engine.recognize(np.zeros((4, 4), np.uint8)), engine.list_local, engine.get_local_path,
                 engine.list_models, engine.audit, engine.load, lambda: engine.remove_model("x"),
                 engine.prune, lambda: engine.loaded_models, lambda: engine.handle,
                 lambda: engine.import_model("default"), engine.__enter__):
        with pytest.raises(ocrkit.ResourcesFreedError):
            call()


def test_garbage_collected_engine_frees_with_warning(fake_registry, ocrkit_home):
    engine = _open(fake_registry)
    pid = engine.pid
    with pytest.warns(ResourceWarning, match="never freed"):
        del engine
        gc.collect()
    assert _gone(pid)


def test_lazy_open_loads_in_child_on_first_use(fake_registry, ocrkit_home):
    with _open(fake_registry, lazy=True) as engine:
        assert engine.loaded_models == []
        engine.recognize(np.zeros((4, 4), np.uint8))
        assert [m.name for m in engine.loaded_models] == ["default"]


class ExtraModels:
    """A model-pack plugin given as an object: it reaches the child pickled."""

    @ocrkit.hookimpl
    def ocrkit_discover_models(self, backend, store_dir):
        if backend != "fake":
            return None
        return [replace(fakeocr.BACKEND._record(fakeocr.PACKAGE_MODELS / "default.fake", "other"), name="extra")]


def test_plugins_reach_the_child(fake_registry, ocrkit_home):
    fake_registry.register(ExtraModels(), name="extra-models")
    with _open(fake_registry, model="extra") as engine:
        assert [m.name for m in engine.list_models()] == ["default", "extra"]
        assert [m.name for m in engine.loaded_models] == ["extra"]


def test_unpicklable_plugin_is_refused_clearly(fake_registry, ocrkit_home):
    class Local:  # defined in a function: cannot pickle
        @ocrkit.hookimpl
        def ocrkit_discover_models(self, backend, store_dir):
            return None

    fake_registry.register(Local(), name="local")
    with pytest.raises(ocrkit.OcrkitError, match="plugin 'local' .* cannot be sent to the backend process"):
        _open(fake_registry)


def test_child_exits_when_the_caller_dies(tmp_path):
    """A caller killed with SIGKILL cannot free: its child notices and exits."""
    script = textwrap.dedent(f"""
        import sys, os, time
        sys.path.insert(0, {str(Path(fakeocr.__file__).parent)!r})
        import fakeocr, ocrkit
        reg = ocrkit.Registry(autoload=False); reg.register(fakeocr, name="fake")
        engine = ocrkit.open("fake", registry=reg, isolation="process", store={str(tmp_path)!r})
        print(engine.pid, flush=True)
        time.sleep(60)
    """)
    caller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child_pid = int(caller.stdout.readline())
        assert psutil.Process(child_pid).is_running()
        caller.kill()
        caller.wait(timeout=10)
        assert _gone(child_pid), "the backend process outlived its caller"
    finally:
        caller.kill()
        caller.wait()


def test_scripts_need_no_main_guard(tmp_path, data_dir):
    """Unlike multiprocessing's spawn, the child does not re-run the caller's script."""
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(fakeocr.__file__).parent)!r})
        import fakeocr, ocrkit
        reg = ocrkit.Registry(autoload=False); reg.register(fakeocr, name="fake")
        with ocrkit.open("fake", registry=reg, isolation="process", store={str(tmp_path)!r}) as ocr:
            print(ocr.recognize({str(data_dir / "line_hello.png")!r}).text)
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("page 566x80") == 1, out.stdout


def test_caller_keeps_no_descriptors_or_threads(fake_registry, ocrkit_home):
    """Sockets, pipes, memfds and helper threads of isolated engines all go with them,
    after a normal free and after a crash."""
    big = np.zeros((600, 800, 3), np.uint8)
    with _open(fake_registry) as warm:
        warm.recognize(big)
    fds = sorted(os.listdir("/proc/self/fd"))
    threads = threading.active_count()
    for _ in range(3):
        with _open(fake_registry) as engine:
            engine.recognize([big, big])
    crashed = _open(fake_registry)
    with pytest.raises(ocrkit.BackendCrashedError):
        crashed.recognize(fakeocr.crash_image(fakeocr.SEGFAULT_VALUE))
    crashed.free_resources()
    assert sorted(os.listdir("/proc/self/fd")) == fds
    assert threading.active_count() == threads


def test_result_that_cannot_cross_fails_that_call_only(fake_registry, ocrkit_home):
    with _open(fake_registry, odd_meta=True) as engine:
        with pytest.raises(ocrkit.OcrkitError, match="cannot be sent back"):
            engine.recognize(np.zeros((4, 4), np.uint8))
        assert not engine.crashed
        assert engine.list_models()  # the channel is still fine


def test_cli_isolation_turns_a_native_crash_into_an_error_line(tmp_path, ocrkit_home):
    """`ocrkit read --isolation process`: the image that aborts the backend natively
    gives an error line and exit code 1; without isolation the command dies (SIGABRT)."""
    crash = tmp_path / "crash.png"
    Image.fromarray(fakeocr.crash_image(fakeocr.ABORT_VALUE)).save(crash)
    fine = tmp_path / "fine.png"
    Image.fromarray(np.full((20, 30), 200, np.uint8)).save(fine)
    env = {**os.environ, "OCRKIT_PLUGINS": "fakeocr",
           "PYTHONPATH": os.pathsep.join([str(Path(fakeocr.__file__).parent), os.environ.get("PYTHONPATH", "")])}

    def read(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ocrkit", "read", "-b", "fake", *args],
                              capture_output=True, text=True, env=env, timeout=120)

    ok = read(str(fine), "--isolation", "process")
    assert ok.returncode == 0 and ok.stdout.startswith("page 30x20"), ok.stderr
    isolated = read(str(crash), "--isolation", "process")
    assert isolated.returncode == 1
    assert "ocrkit: error:" in isolated.stderr and "SIGABRT" in isolated.stderr, isolated.stderr
    bare = read(str(crash))
    assert bare.returncode < 0  # killed by the signal: what isolation is for
