"""``BackendConformance``: the lifecycle contract as a pytest class to inherit from.

    from ocrkit.testing import BackendConformance

    class TestMyBackend(BackendConformance):
        backend = "mine"
        sample_image = Path(__file__).parent / "hello.png"
        expected_text = "Hello world"

pytest collects the subclass and runs every ``test_*`` method below against the
backend. Class attributes configure it (see the class docstring); the memory and
descriptor limits default to ocrkit's targets.
"""

from __future__ import annotations

import atexit
import difflib
import gc
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import psutil
import pytest

import ocrkit
from ocrkit._records import SOURCE_PRECEDENCE, BackendInfo, ModelRecord, OptionSpec
from ocrkit._registry import Registry, get_registry
from ocrkit.results import Line, Page, Word
from ocrkit.store import ModelStore

from ._images import bad_inputs, degenerate_images
from ._measure import ReleaseMeasurement, start_release_measurement
from ._stress import comparable, free_while_busy, recognize_concurrently

__all__ = ["BackendConformance", "prestart_release_measurements", "CORE_ENFORCED", "backend_checks"]

_registries: dict[tuple[str, ...], Registry] = {}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def similarity(a: str, b: str) -> float:
    """How alike two texts are, 0..1, ignoring whitespace differences."""
    return difflib.SequenceMatcher(None, _normalise(a), _normalise(b)).ratio()


def _core_enforced(test: Any) -> Any:
    """Mark a contract check the core enforces for every backend (see :data:`CORE_ENFORCED`)."""
    test.core_enforced = True
    return test


class BackendConformance:
    """The ocrkit lifecycle contract, as tests. Subclass it as ``Test<Something>``.

    Required class attributes:

    ``backend``         the backend name (``ocrkit.open(backend)``)
    ``sample_image``    path of an image the backend reads well (small: it is
                        recognised a few hundred times)

    Optional:

    ``expected_text``   what the sample says; checked with ``min_similarity`` (0..1,
                        whitespace-insensitive ``difflib`` ratio, default 0.9)
    ``layout``          layout used for the sample (``"page"``; ``"line"`` for a line image)
    ``model``, ``options``  passed to ``ocrkit.open``
    ``plugins``         module names to register when the backend is not installed
                        through an ``ocrkit`` entry point
    ``threads``         concurrent callers (8); ``busy_free_repeats`` (3)
    ``release_limit_mb`` RSS after free minus RSS before load (10.0)
    ``cycles``, ``cycles_limit_mb``  open->recognise->free cycles and their total RSS growth (100, 10.0)
    ``min_loaded_mb``   RSS the loaded model must add at least (0.0): set it to what your model
                        takes, so the release figures are known to see the model at all
    ``check_isolation`` also run the backend with ``isolation="process"`` (True)
    """

    backend: ClassVar[str] = ""
    sample_image: ClassVar[str | os.PathLike[str] | None] = None
    expected_text: ClassVar[str | None] = None
    min_similarity: ClassVar[float] = 0.9
    layout: ClassVar[str] = "page"
    model: ClassVar[str | None] = None
    options: ClassVar[Mapping[str, Any]] = {}
    plugins: ClassVar[Sequence[str]] = ()
    threads: ClassVar[int] = 8
    concurrent_rounds: ClassVar[int] = 1
    busy_free_repeats: ClassVar[int] = 3
    release_limit_mb: ClassVar[float] = 10.0
    cycles: ClassVar[int] = 100
    cycles_limit_mb: ClassVar[float] = 10.0
    min_loaded_mb: ClassVar[float] = 0.0
    check_isolation: ClassVar[bool] = True
    degenerate_budget_s: ClassVar[float | None] = None
    degenerate_budget_factor: ClassVar[float] = 20.0
    degenerate_budget_min_s: ClassVar[float] = 5.0
    timeout: ClassVar[float] = 300.0
    _measurement: ClassVar[ReleaseMeasurement | None] = None

    # -- plumbing ----------------------------------------------------------------------

    @classmethod
    def conformance_registry(cls) -> Registry:
        """The default registry, plus ``plugins`` registered by module name."""
        if not cls.plugins:
            return get_registry()
        key = tuple(cls.plugins)
        if key not in _registries:
            registry = Registry()
            registered = {id(p) for _, p in registry.pm.list_name_plugin()}
            for name in cls.plugins:
                module = importlib.import_module(name)
                if id(module) not in registered:
                    registry.register(module, name=name)
            _registries[key] = registry
        return _registries[key]

    @pytest.fixture(autouse=True)
    def _conformance_setup(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        if not self.backend or self.sample_image is None:
            pytest.fail(f"{type(self).__name__}: set the class attributes `backend` and `sample_image`")
        if not Path(self.sample_image).is_file():
            pytest.fail(f"{type(self).__name__}: sample_image {self.sample_image} does not exist")
        home = tmp_path / "ocrkit-home"
        home.mkdir()
        monkeypatch.setenv("OCRKIT_HOME", str(home))  # child processes see the same store
        self.store = ModelStore(home)
        self.tmp_path = tmp_path
        yield

    def open(self, **kwargs: Any) -> Any:
        """``ocrkit.open`` with this class's backend, model, options and temporary store."""
        options = {**self.options, **kwargs}
        model = options.pop("model", self.model)
        return ocrkit.open(self.backend, model, registry=self.conformance_registry(), store=self.store, **options)

    @pytest.fixture
    def engine(self) -> Iterator[Any]:
        engine = self.open()
        try:
            yield engine
        finally:
            engine.free_resources()

    @property
    def sample(self) -> Path:
        return Path(self.sample_image)  # type: ignore[arg-type]

    def sample_size(self) -> tuple[int, int]:
        from PIL import Image

        with Image.open(self.sample) as img:
            return img.size

    def check_page(self, page: Any, size: tuple[int, int], text: bool = True) -> None:
        """A well-formed page of *size*: boxes inside the image, confidences in [0, 1],
        a JSON round trip that changes nothing."""
        assert isinstance(page, Page), f"recognize() returned {type(page).__name__}, not ocrkit.Page"
        assert (page.width, page.height) == size, f"page size {(page.width, page.height)} != image size {size}"
        assert page.backend == self.backend
        assert isinstance(page.text, str)
        width, height = size
        for line in page.lines:
            items: list[Line | Word] = [line, *line.words]
            for item in items:
                x0, y0, x1, y1 = item.bbox
                assert 0 <= x0 <= x1 <= width + 1 and 0 <= y0 <= y1 <= height + 1, (
                    f"box {item.bbox} of {item.text!r} is outside the {width}x{height} image"
                )
                assert 0.0 <= float(item.confidence) <= 1.0, f"confidence {item.confidence} of {item.text!r}"
                assert isinstance(item.text, str)
        data = page.to_dict()
        json.dumps(data)
        assert Page.from_dict(data).to_dict() == data, "Page.to_dict/from_dict do not round-trip this page"
        if text and self.expected_text is not None:
            score = similarity(page.text, self.expected_text)
            assert score >= self.min_similarity, (
                f"text {page.text!r} is {score:.2f} similar to expected {self.expected_text!r} "
                f"(need {self.min_similarity})"
            )

    # -- describe and discover --------------------------------------------------------------

    def test_backend_describes_itself(self) -> None:
        info = self.conformance_registry().require(self.backend)
        assert isinstance(info, BackendInfo) and info.name == self.backend
        assert isinstance(info.version, str) and info.version, "BackendInfo.version must be set"
        assert {"page", "line"} <= set(info.capabilities), "every backend supports layouts 'page' and 'line'"
        names = [o.name for o in info.options]
        assert all(isinstance(o, OptionSpec) for o in info.options)
        assert len(names) == len(set(names)), f"duplicate option names in {names}"
        assert set(self.options) <= info.option_names

    def test_discovery_returns_valid_records(self, engine: Any) -> None:
        records = engine.list_models()
        assert records, f"discovery found no model for {self.backend!r}"
        ranks = [SOURCE_PRECEDENCE.index(r.source) for r in records if r.source in SOURCE_PRECEDENCE]
        assert ranks == sorted(ranks), "records must come best source first (store, env, package, system, other)"
        for record in records:
            assert isinstance(record, ModelRecord)
            assert record.backend == self.backend
            assert isinstance(record.name, str) and record.name.strip(), f"empty model name in {record}"
            assert record.source in SOURCE_PRECEDENCE, f"{record.name}: unknown source {record.source!r}"
            assert Path(record.path).exists(), f"{record.name}: path {record.path} does not exist"
            for f in record.all_files():
                assert Path(f).is_file(), f"{record.name}: model file {f} is missing"
            assert isinstance(record.size, int) and record.size >= 0
            json.dumps(record.to_dict())
        loaded = engine.loaded_models
        assert loaded, "loaded_models is empty after ocrkit.open()"
        found = {(r.name, str(r.path)) for r in records}
        for record in loaded:
            assert (record.name, str(record.path)) in found, f"loaded {record.name} ({record.path}) was not discovered"

    def test_store_paths(self, engine: Any) -> None:
        local = Path(engine.get_local_path())
        assert local.is_dir() and local.is_relative_to(self.store.root)
        for name in engine.list_local():
            assert (local / name).exists(), f"list_local() name {name!r} is not joinable with get_local_path()"

    # -- recognise ---------------------------------------------------------------------------

    def test_load_recognize_free(self) -> None:
        engine = self.open()
        page = engine.recognize(self.sample, layout=self.layout)
        self.check_page(page, self.sample_size())
        engine.free_resources()
        assert engine.freed

    def test_every_input_kind(self, engine: Any) -> None:
        from PIL import Image

        size = self.sample_size()
        data = self.sample.read_bytes()
        with Image.open(self.sample) as img:
            img.load()
            pil = img.copy()
        inputs = {"path": self.sample, "str": str(self.sample), "bytes": data, "PIL.Image": pil,
                  "numpy": np.asarray(pil)}
        for kind, value in inputs.items():
            page = engine.recognize(value, layout=self.layout)
            try:
                self.check_page(page, size)
            except AssertionError as exc:
                raise AssertionError(f"input given as {kind}: {exc}") from None
        singles = [comparable(engine.recognize(v, layout=self.layout)) for v in (data, pil)]
        batch = engine.recognize([data, pil], layout=self.layout)
        assert isinstance(batch, list) and [comparable(p) for p in batch] == singles
        assert engine.recognize([], layout=self.layout) == []

    def test_layouts(self, engine: Any) -> None:
        """Every declared layout reads the sample: a layout that always returns an empty
        page must not pass just because the kit is configured for another one."""
        size = self.sample_size()
        info = self.conformance_registry().require(self.backend)
        layouts = [name for name in ("page", "line", "detect") if name in info.capabilities or name in ("page", "line")]
        for layout in layouts:
            page = engine.recognize(self.sample, layout=layout)
            self.check_page(page, size, text=layout == self.layout)
            if layout != "detect":
                assert page.text.strip(), f"layout {layout!r} found no text on the sample (layout {self.layout!r} does)"
            if layout not in (self.layout, "detect") and self.expected_text is not None:
                score = similarity(page.text, self.expected_text)
                assert score >= self.min_similarity / 2, (
                    f"layout {layout!r} read {page.text!r}, {score:.2f} similar to {self.expected_text!r}"
                )
        with pytest.raises(ocrkit.OcrkitError, match="layout"):
            engine.recognize(self.sample, layout="no-such-layout")

    # -- free --------------------------------------------------------------------------------

    @_core_enforced
    def test_free_is_idempotent(self) -> None:
        engine = self.open()
        engine.free_resources()
        engine.free_resources()
        assert engine.freed
        with self.open() as other:
            other.recognize(self.sample, layout=self.layout)
        other.free_resources()
        with pytest.raises(ocrkit.ResourcesFreedError):
            other.__enter__()

    @_core_enforced
    def test_every_method_raises_after_free(self) -> None:
        engine = self.open()
        engine.free_resources()
        calls = {
            "recognize": lambda: engine.recognize(self.sample),
            "recognize(list)": lambda: engine.recognize([self.sample]),
            "list_local": engine.list_local,
            "get_local_path": engine.get_local_path,
            "list_models": engine.list_models,
            "remove_model": lambda: engine.remove_model("anything"),
            "prune": engine.prune,
            "audit": engine.audit,
            "load": engine.load,
            "import_model": lambda: engine.import_model("anything"),
            "loaded_models": lambda: engine.loaded_models,
            "handle": lambda: engine.handle,
            "with": engine.__enter__,
        }
        wrong = {}
        for name, call in calls.items():
            try:
                call()
            except ocrkit.ResourcesFreedError as exc:
                if "free_resources" not in str(exc):
                    wrong[name] = f"unclear message: {exc}"
            except BaseException as exc:
                wrong[name] = f"raised {type(exc).__name__}: {exc}"
            else:
                wrong[name] = "did not raise"
        assert not wrong, f"after free_resources(), these did not raise ResourcesFreedError: {wrong}"

    @_core_enforced
    def test_garbage_collection_frees_with_warning(self) -> None:
        engine = self.open()
        engine.recognize(self.sample, layout=self.layout)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del engine
            gc.collect()
        assert any(issubclass(w.category, ResourceWarning) for w in caught), "no ResourceWarning for an unfreed engine"

    def test_loaded_model_cannot_be_removed_until_freed(self) -> None:
        with self.open() as probe:
            loaded = probe.loaded_models[0]
            if loaded.source != "store":
                probe.import_model(loaded.name)
        with self.open() as engine:
            in_store = [m for m in engine.loaded_models if m.source == "store"]
            assert in_store, (
                f"{self.backend}: after import_model() the model still loads from "
                f"{[str(m.path) for m in engine.loaded_models]}, not from the store: discovery must "
                "report store copies (source 'store') and load must prefer them"
            )
            name = Path(in_store[0].path).name
            with pytest.raises(ocrkit.ModelInUseError):
                engine.remove_model(name)
        self.store.remove(self.backend, name)

    # -- threads -----------------------------------------------------------------------------

    def variants(self) -> list[np.ndarray]:
        """The sample and three derived images with other texts or boxes (crops, a border):
        concurrent callers get different images, so mixed-up results are caught."""
        from PIL import Image

        with Image.open(self.sample) as img:
            arr = np.asarray(img.convert("RGB") if img.mode not in ("L", "RGB") else img).copy()
        w = arr.shape[1]
        pad = [(24, 24), (24, 24)] + ([(0, 0)] if arr.ndim == 3 else [])
        return [
            arr,
            np.ascontiguousarray(arr[:, : max(1, w * 55 // 100)]),
            np.ascontiguousarray(arr[:, w * 45 // 100 :]),
            np.pad(arr, pad, mode="edge"),
        ]

    def test_concurrent_recognize_equals_serial(self, engine: Any) -> None:
        images = self.variants()
        expected = [comparable(engine.recognize(img, layout=self.layout)) for img in images]
        per_thread = recognize_concurrently(
            engine, images, threads=self.threads, rounds=self.concurrent_rounds, layout=self.layout,
            timeout=self.timeout,
        )
        for slot, pages in enumerate(per_thread):
            for index, page in pages:
                assert comparable(page) == expected[index], (
                    f"thread {slot}, image {index}: got {page.text!r}, serial gave {expected[index][2]!r}"
                )

    def test_free_while_busy(self) -> None:
        images = self.variants()
        for repeat in range(self.busy_free_repeats):
            engine = self.open()
            expected = [comparable(engine.recognize(img, layout=self.layout)) for img in images]
            outcome = free_while_busy(
                engine, images, expected, threads=self.threads, free_after=(0, 1, self.threads)[repeat % 3],
                layout=self.layout, timeout=self.timeout,
            )
            assert outcome.ok, f"repeat {repeat}: {outcome.describe()}"

    # -- bad input -----------------------------------------------------------------------------

    @_core_enforced
    def test_bad_images_raise_bad_image_error(self, engine: Any) -> None:
        wrong = {}
        for name, make in bad_inputs(self.tmp_path).items():
            try:
                engine.recognize(make(), layout=self.layout)
            except ocrkit.BadImageError:
                continue
            except BaseException as exc:
                wrong[name] = f"{type(exc).__name__}: {exc}"
            else:
                wrong[name] = "no error"
        assert not wrong, f"these inputs did not raise BadImageError: {wrong}"
        with self.open(max_image_pixels=100) as small, pytest.raises(ocrkit.ImageTooLargeError):
            small.recognize(self.sample, layout=self.layout)

    def degenerate_budget(self, engine: Any) -> float:
        """Seconds one degenerate image may take: ``degenerate_budget_s`` or
        ``degenerate_budget_factor`` times a recognition of the sample on this machine,
        never less than ``degenerate_budget_min_s`` (a slow machine is slow for both)."""
        if self.degenerate_budget_s is not None:
            return self.degenerate_budget_s
        started = time.perf_counter()
        engine.recognize(self.sample, layout=self.layout)
        sample_s = time.perf_counter() - started
        return max(self.degenerate_budget_min_s, self.degenerate_budget_factor * sample_s)

    def test_degenerate_images_do_not_crash(self) -> None:
        """Valid but empty/odd images: a page (maybe empty) or BadImageError, each within a
        time budget (a 1x2000 strip must not take minutes). Run in a child process, so a
        backend that crashes on one fails this test, not the test run."""
        engine = self.open(isolation="process")
        try:
            budget = self.degenerate_budget(engine)
            for name, array in degenerate_images().items():
                for layout in ("page", "line"):
                    started = time.perf_counter()
                    try:
                        page = engine.recognize(array, layout=layout)
                    except ocrkit.BadImageError:
                        page = None
                    except ocrkit.BackendCrashedError as exc:
                        pytest.fail(f"{self.backend} crashed on the {name} image (layout={layout}): {exc}")
                    took = time.perf_counter() - started
                    assert took <= budget, (
                        f"{self.backend} took {took:.1f} s on the {name} image (layout={layout}); the budget "
                        f"is {budget:.1f} s: cap such inputs (see MAX_LINE_ASPECT) or reject them"
                    )
                    if page is not None:
                        self.check_page(page, (array.shape[1], array.shape[0]), text=False)
        finally:
            engine.free_resources()

    def test_plugin_import_is_light(self) -> None:
        """Importing the plugin's module imports none of the libraries it ``requires``:
        ``import ocrkit`` and ``ocrkit backends`` must stay fast and load no engine."""
        registry = self.conformance_registry()
        info = registry.require(self.backend)
        plugin = registry.pm.get_plugin(registry.backend(self.backend).plugin)
        module = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
        heavy = sorted({m.split(".")[0] for m in info.requires})
        probe = (
            "import json, sys; import ocrkit, ocrkit.backend; before = set(sys.modules); "
            f"import {module}; print(json.dumps(sorted(set(sys.modules) - before)))"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # same importable modules
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 0, f"importing {module} failed: {proc.stderr[-2000:]}"
        imported = {name.split(".")[0] for name in json.loads(proc.stdout.strip().splitlines()[-1])}
        eager = [m for m in heavy if m in imported]
        assert not eager, (
            f"importing {module} imports {', '.join(eager)} (listed in BackendInfo.requires): "
            "import heavy libraries inside the hooks that need them"
        )

    @_core_enforced
    def test_unknown_option_raises(self) -> None:
        for isolation in ("none", "process"):
            with pytest.raises(ocrkit.UnknownOptionError, match="surely_not_an_option"):
                self.open(surely_not_an_option=1, isolation=isolation)

    def test_unknown_model_raises_model_not_found(self) -> None:
        with pytest.raises(ocrkit.ModelNotFoundError):
            self.open(model="no-such-model-ocrkit-conformance")

    # -- process isolation --------------------------------------------------------------------

    def test_process_isolation_matches_in_process(self) -> None:
        if not self.check_isolation:
            pytest.skip("check_isolation = False")
        with self.open() as local:
            expected = local.recognize(self.sample, layout=self.layout)
            models = [(m.name, str(m.path)) for m in local.loaded_models]
        engine = self.open(isolation="process")
        pid = engine.pid
        page = engine.recognize(self.sample, layout=self.layout)
        assert comparable(page) == comparable(expected)
        assert [(m.name, str(m.path)) for m in engine.loaded_models] == models
        engine.free_resources()
        assert not _alive(pid), "free_resources() did not end the backend process"

    # -- release -------------------------------------------------------------------------------

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _release_measurement(
        cls, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[ReleaseMeasurement | None]:
        """Starts the release measurement (a separate interpreter, minutes of cycles) when
        the class begins, if its test is selected, so it runs alongside the other tests."""
        if cls._measurement is None and _wants_measurement(cls, request.session.items):
            cls._start_measurement(tmp_path_factory.mktemp("release-store"))
        yield cls._measurement
        if cls._measurement is not None:
            cls._measurement.cancel()

    @classmethod
    def _start_measurement(cls, store: Path) -> None:
        if not cls.backend or cls.sample_image is None or not Path(cls.sample_image).is_file():
            return
        cls._measurement = start_release_measurement(
            cls.backend, cls.sample_image, store=store, layout=cls.layout, model=cls.model, options=cls.options,
            plugins=cls.plugins, cycles=cls.cycles, threads=cls.threads, timeout=cls.timeout * 4,
            env={"OCRKIT_HOME": str(store)},
        )

    def test_memory_and_descriptors_released(self, record_property: Any) -> None:
        measurement = type(self)._measurement
        assert measurement is not None, "the release measurement did not start (no backend or sample image)"
        report = measurement.result()
        record_property("release", report.summary())
        print(report.summary())
        assert report.texts_consistent, "the same image gave different texts across cycles"
        assert not report.model_files_open, f"model files still open after free: {report.model_files_open}"
        assert report.fds_after <= report.fds_before, f"descriptors left open after free: {report.new_fds}"
        assert report.threads_after <= report.threads_before, (
            f"threads left running after free: {report.threads_before} before loading, "
            f"{report.threads_after} after free ({report.summary()})"
        )
        assert report.loaded_mb >= self.min_loaded_mb, (
            f"loading added only {report.loaded_mb:.1f} MB of RSS (expected at least {self.min_loaded_mb} MB): "
            f"the measurement does not see the model; {report.summary()}"
        )
        assert report.release_mb <= self.release_limit_mb, (
            f"RSS after free is {report.release_mb:.1f} MB above before loading "
            f"(limit {self.release_limit_mb} MB): {report.summary()}"
        )
        assert report.growth_mb <= self.cycles_limit_mb, (
            f"{report.cycles} open->recognise->free cycles grew RSS by {report.growth_mb:.1f} MB "
            f"(limit {self.cycles_limit_mb} MB): {report.summary()}"
        )


#: Contract checks the core enforces for every backend (input decoding, option names,
#: the freed state, the GC finalizer): they stay in the kit, since a plugin could still
#: break them by bypassing the core, but they cannot fail because of a backend's own
#: code, so they are not counted among the kit's backend checks.
CORE_ENFORCED: tuple[str, ...] = tuple(
    n for n in dir(BackendConformance) if getattr(getattr(BackendConformance, n), "core_enforced", False)
)


def backend_checks() -> list[str]:
    """The kit's tests that depend on the backend: every test but :data:`CORE_ENFORCED`."""
    return [n for n in dir(BackendConformance) if n.startswith("test_") and n not in CORE_ENFORCED]


def _wants_measurement(cls: type, items: Sequence[Any]) -> bool:
    return any(getattr(i, "cls", None) is cls and i.name == "test_memory_and_descriptors_released" for i in items)


def prestart_release_measurements(session: pytest.Session) -> None:
    """Start every selected conformance class's release measurement now, in parallel.

    Call it from ``pytest_collection_finish`` in a conftest.py: the measurements
    (fresh interpreters, a hundred cycles each) then overlap with the whole run
    instead of each with its own class only. Their stores are temporary directories
    removed at exit. Under pytest-xdist it does nothing: every worker collects every
    item, so each would start every measurement; there each class starts its own
    when it begins (run classes whole on one worker: ``--dist loadscope``).
    """
    if hasattr(session.config, "workerinput"):
        return
    seen: set[type] = set()
    for item in session.items:
        cls = getattr(item, "cls", None)
        if cls is None or cls in seen or not issubclass(cls, BackendConformance):
            continue
        seen.add(cls)
        if cls._measurement is None and _wants_measurement(cls, session.items):
            store = Path(tempfile.mkdtemp(prefix="ocrkit-release-"))
            atexit.register(shutil.rmtree, store, True)
            cls._start_measurement(store)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
