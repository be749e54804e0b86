"""A misbehaving plugin gets a clear, one-line ocrkit error naming it — from the Python
API and from the ``ocrkit`` command — and never takes over a built-in name."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import ocrkit
from ocrkit import PluginError, Registry
from ocrkit import _registry as registry_module
from ocrkit.errors import PluginWarning
from tests.commands import call_ocrkit

from .conftest import LINE_IMAGE

FAULTS_DIR = Path(__file__).resolve().parent.parent / "plugin_faults"
sys.path.insert(0, str(FAULTS_DIR))
import faulty  # noqa: E402  (tests/plugin_faults is not a package on purpose)

#: fault -> what the one-line error must say (besides naming the plugin and hook).
RECOGNIZE_FAULTS = {
    "recognize-dicts": "holds dict, not Page",
    "recognize-strings": "holds str, not Page",
    "recognize-string": "returned str; it must return a list of Page",
    "recognize-bare-page": "returned Page; it must return a list of Page",
    "recognize-none": "returned None for 1 image(s)",
    "recognize-runtime-error": "failed: RuntimeError: engine exploded",
    "recognize-value-error": "failed: ValueError: bad pixels",
    "recognize-bad-block": "failed: AttributeError",
    "recognize-box-outside": "not inside the 566x80 image",
    "recognize-confidence-percent": "confidence 93.0 is outside 0..1",
}


def _registry_with(fault: str) -> Registry:
    registry = Registry(autoload=False)
    registry.register(faulty.PLUGINS[fault](), name=f"{fault}-plugin")
    return registry


@pytest.fixture
def as_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Make a registry the process-wide one, so ``ocrkit`` commands use it."""

    def install(registry: Registry) -> Registry:
        monkeypatch.setattr(registry_module, "_default", registry)
        return registry

    yield install


def _one_error_line(err: str, *fragments: str) -> None:
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("ocrkit: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)


@pytest.mark.parametrize("fault", sorted(RECOGNIZE_FAULTS))
def test_recognize_faults_are_plugin_errors(fault: str) -> None:
    with ocrkit.open(fault, registry=_registry_with(fault)) as engine, pytest.raises(PluginError) as info:
        engine.recognize(LINE_IMAGE)
    message = str(info.value)
    assert f"plugin '{fault}-plugin'" in message and "ocrkit_recognize" in message
    assert RECOGNIZE_FAULTS[fault] in message
    if "failed:" in RECOGNIZE_FAULTS[fault]:
        assert info.value.__cause__ is not None, "the plugin's own exception is kept"


@pytest.mark.parametrize("fault", sorted(RECOGNIZE_FAULTS))
def test_recognize_faults_are_one_cli_line(fault: str, as_default, capsys: pytest.CaptureFixture[str]) -> None:
    as_default(_registry_with(fault))
    # page analysis off: it would meet the fault first, on line crops of other sizes
    code, out, err = call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", fault, "--no-rotate-pages", "--no-deskew")
    assert code == 1 and out == ""
    _one_error_line(err, f"'{fault}-plugin'", RECOGNIZE_FAULTS[fault])


def test_the_reference_tiny_plugin_works(as_default, capsys: pytest.CaptureFixture[str]) -> None:
    """The faults above are faults: the same plugin done right reads fine."""
    registry = Registry(autoload=False)
    registry.register(faulty.Tiny(), name="tiny-plugin")
    as_default(registry)
    assert call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", "tiny") == (0, "hello\n", "")


def test_load_raising_is_a_plugin_error(as_default, capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry_with("load-raises")
    with pytest.raises(PluginError, match=r"'load-raises-plugin'.*ocrkit_load_model failed: MemoryError: cannot map") as info:
        ocrkit.open("load-raises", registry=registry)
    assert isinstance(info.value.__cause__, MemoryError)
    as_default(registry)
    code, _, err = call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", "load-raises")
    assert code == 1
    _one_error_line(err, "ocrkit_load_model failed: MemoryError")


def test_load_returning_none_says_so() -> None:
    with pytest.raises(PluginError, match="ocrkit_load_model returned None") as info:
        ocrkit.open("load-none", registry=_registry_with("load-none"))
    assert "does not implement" not in str(info.value)


def test_options_that_are_not_option_specs_mark_the_plugin_broken(as_default, capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry_with("options-strings")
    row = {s.name: s for s in registry.statuses()}["options-strings-plugin"]
    assert row.status == "broken" and "not OptionSpec" in row.reason
    as_default(registry)
    code, _, err = call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", "options-strings")
    assert code == 1
    _one_error_line(err, "unknown OCR backend 'options-strings'", "failed to load: options-strings-plugin")


def test_discovery_with_a_str_path_is_a_plugin_error(as_default, tmp_path: Path, ocrkit_home: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry_with("discovery-str-path")
    with pytest.raises(PluginError, match="whose path is str, not pathlib.Path"):
        ocrkit.open("discovery-str-path", registry=registry)
    as_default(registry)
    code, _, err = call_ocrkit(capsys, "models", "import", "m", "-b", "discovery-str-path")
    assert code == 1
    _one_error_line(err, "'discovery-str-path-plugin'", "ocrkit_discover_models")


def test_free_raising_keeps_results_and_warns(as_default, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry_with("free-raises")
    engine = ocrkit.open("free-raises", registry=registry)
    page = engine.recognize(LINE_IMAGE)
    with pytest.warns(PluginWarning, match=r"'free-raises-plugin'.*ocrkit_free_model failed: RuntimeError"):
        engine.free_resources()
    assert engine.freed and page.text == "hello"
    with pytest.raises(ocrkit.ResourcesFreedError):
        engine.recognize(LINE_IMAGE)

    as_default(registry)
    out_file = tmp_path / "out.txt"
    code, _, err = call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", "free-raises", "-O", str(out_file))
    assert code == 0 and out_file.read_text() == "hello\n", "the results are delivered"
    assert "Traceback" not in err
    assert err.startswith("ocrkit: warning: ") and "ocrkit_free_model failed" in err and err.count("\n") == 1


def test_free_raising_under_garbage_collection_warns() -> None:
    import gc

    engine = ocrkit.open("free-raises", registry=_registry_with("free-raises"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del engine
        gc.collect()
    categories = {w.category for w in caught}
    assert ResourceWarning in categories and PluginWarning in categories


def test_a_badly_named_backend_does_not_break_listing(as_default, capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry_with("../evil")
    registry.register(faulty.Tiny(), name="tiny-plugin")
    rows = {s.name: s for s in registry.statuses()}
    assert rows["../evil-plugin"].status == "broken" and "not usable" in rows["../evil-plugin"].reason
    assert rows["tiny"].status == "ok"
    as_default(registry)
    code, out, err = call_ocrkit(capsys, "backends")
    assert "tiny" in out and "broken" in out and "Traceback" not in err
    code, out, err = call_ocrkit(capsys, "models", "list")
    assert code == 0 and "Traceback" not in err and "tiny" in out


def test_a_backend_without_recognize_is_broken() -> None:
    """Freeing is optional since the registry falls back to ``handle.state.free()``
    (tests/core/test_minimal_backend.py); recognising is not."""
    row = {s.name: s for s in _registry_with("no-recognize").statuses()}["no-recognize-plugin"]
    assert row.status == "broken"
    assert row.reason.endswith("does not implement ocrkit_recognize")


def test_an_unmarked_hook_like_function_warns() -> None:
    registry = Registry(autoload=False)
    with pytest.warns(PluginWarning, match=r"ocrkit_recognise \(not a hook name either\) that is not marked"):
        registry.register(faulty.Unmarked(), name="unmarked-plugin")


def test_register_refuses_a_string() -> None:
    with pytest.raises(PluginError, match="takes a plugin module or object, not str"):
        Registry(autoload=False).register("ocrkit_tesseract.plugin")


def test_plugins_env_naming_a_registered_module_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCRKIT_PLUGINS", "ocrkit_tesseract.plugin")
    monkeypatch.delenv("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    rows = Registry().statuses()
    assert [r for r in rows if r.status == "broken"] == []
    assert {"tesseract", "onnx"} <= {r.name for r in rows}


# -- an entry-point plugin claiming a built-in name ------------------------------------


@pytest.fixture
def impostor_dist(tmp_path: Path) -> Path:
    """A real installed distribution (dist-info on sys.path) whose ``ocrkit`` entry
    point describes a backend called ``tesseract``."""
    site = tmp_path / "site"
    info = site / "impostor_ocr-6.6.6.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: impostor-ocr\nVersion: 6.6.6\n")
    (info / "entry_points.txt").write_text("[ocrkit]\naaa-impostor = impostor\n")
    (site / "impostor.py").write_text((FAULTS_DIR / "impostor.py").read_text())
    return site


def test_entry_point_impostor_never_replaces_a_builtin(impostor_dist: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(impostor_dist), os.environ.get("PYTHONPATH", "")])}
    env.pop("OCRKIT_DISABLE_PLUGIN_AUTOLOAD", None)
    env.pop("OCRKIT_PLUGINS", None)
    ocrkit_cmd = [sys.executable, "-m", "ocrkit"]
    read = subprocess.run([*ocrkit_cmd, "read", str(LINE_IMAGE), "-b", "tesseract"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert read.returncode == 0, read.stderr
    assert "IMPOSTOR" not in read.stdout and "hello" in read.stdout.lower()
    listing = subprocess.run([*ocrkit_cmd, "backends"], capture_output=True, text=True, env=env, timeout=120)
    assert "aaa-impostor" in listing.stdout and "broken" in listing.stdout
    assert "impostor-ocr 6.6.6" in listing.stdout and "ocrkit " in listing.stdout, listing.stdout


def test_a_model_pack_warning_is_one_cli_line(as_default, capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry(autoload=False)
    registry.register(faulty.Tiny(), name="tiny-plugin")
    registry.register(faulty.PackDiscoveryRaises(), name="pack-plugin")
    as_default(registry)
    code, out, err = call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", "tiny")
    assert code == 0 and out == "hello\n"
    assert err.startswith("ocrkit: warning: plugin 'pack-plugin''s ocrkit_discover_models failed")
    assert err.count("\n") == 1 and "warnings.warn" not in err and ".py:" not in err


def test_the_measurement_command_prints_no_runpy_warning() -> None:
    proc = subprocess.run([sys.executable, "-W", "always", "-m", "ocrkit.testing", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: python -m ocrkit.testing" in proc.stdout
    assert "RuntimeWarning" not in proc.stderr, proc.stderr


def test_free_raising_under_isolation_warns_the_same(as_default, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry_with("free-raises")
    engine = ocrkit.open("free-raises", registry=registry, isolation="process")
    page = engine.recognize(LINE_IMAGE)
    with pytest.warns(PluginWarning, match=r"'free-raises-plugin'.*ocrkit_free_model failed: RuntimeError"):
        engine.free_resources()
    assert engine.freed and page.text == "hello"

    as_default(registry)
    out_file = tmp_path / "out.txt"
    code, _, err = call_ocrkit(capsys, "read", str(LINE_IMAGE), "-b", "free-raises", "--isolation", "process",
                        "-O", str(out_file))
    assert code == 0 and out_file.read_text() == "hello\n"
    assert err.startswith("ocrkit: warning: ") and "ocrkit_free_model failed" in err and "Traceback" not in err


def test_a_directory_set_is_imported_under_its_record_name(tmp_path: Path, ocrkit_home: Path) -> None:
    folder = tmp_path / "pkg" / "models"
    folder.mkdir(parents=True)
    (folder / "weights.bin").write_bytes(b"w" * 10)
    plugin = faulty.DirectorySet()
    plugin.folder = folder
    registry = Registry(autoload=False)
    registry.register(plugin, name="directory-set-plugin")
    with ocrkit.open("directory-set", "myset", registry=registry, lazy=True) as engine:
        made = engine.import_model("myset")
        assert made.name == "myset" and (made / "weights.bin").is_file()
        assert engine.list_local() == ["myset"]
    with ocrkit.open("directory-set", "myset", registry=registry) as engine:
        assert engine.loaded_models[0].source == "store"
