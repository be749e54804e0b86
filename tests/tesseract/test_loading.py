"""Loading: languages, staging across directories, options, and every way a
model can be missing or broken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ocrkit
from ocrkit import ModelCorruptError, ModelNotFoundError, OcrkitError
from ocrkit_tesseract import TesseractOptionError

from .conftest import DATA, PACKAGE_TESSDATA, copy_language, damaged_copy, traineddata_fds

GERMAN = DATA / "german.png"


def test_multi_language_reads_umlauts(ocrkit_home: Path, truth: dict[str, str]) -> None:
    with ocrkit.open("tesseract", "deu+eng") as ocr:
        page = ocr.recognize(GERMAN)
        assert ocr.handle.name == "deu+eng"
        assert [r.name for r in ocr.loaded_models] == ["deu", "eng"]
    assert page.text.strip() == truth["german.png"]
    assert page.model == "deu+eng" and page.meta["lang"] == "deu+eng"
    with ocrkit.open("tesseract", lang="eng") as ocr:  # the same languages through the option
        english_only = ocr.recognize(GERMAN).text
    assert "ü" not in english_only, "eng alone cannot read umlauts: the deu model did the work above"


def test_languages_from_different_directories_are_staged(store: Path, truth: dict[str, str]) -> None:
    copy_language("deu", store)  # deu from the store, eng from the package
    with ocrkit.open("tesseract", "deu+eng") as ocr:
        assert [(r.name, r.source) for r in ocr.loaded_models] == [("deu", "store"), ("eng", "package")]
        staged = ocr.handle.state.tessdata
        assert staged.staged and staged.path.is_dir()
        assert sorted(p.name for p in staged.path.iterdir()) == ["deu.traineddata", "eng.traineddata"]
        assert (staged.path / "deu.traineddata").resolve() == (store / "deu.traineddata").resolve()
        assert ocr.recognize(GERMAN).text.strip() == truth["german.png"]
        staging_dir = staged.path
    assert not staging_dir.exists(), "free removes the staging directory"
    assert traineddata_fds() == []


def test_one_directory_needs_no_staging(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", "eng+deu") as ocr:
        tessdata = ocr.handle.state.tessdata
        assert not tessdata.staged
        assert tessdata.path == PACKAGE_TESSDATA.resolve()


def test_missing_language_lists_the_available_ones(ocrkit_home: Path) -> None:
    with pytest.raises(ModelNotFoundError) as err:
        ocrkit.open("tesseract", "eng+fra")
    assert "'fra'" in str(err.value)
    assert {"eng", "deu"} <= set(err.value.available)
    assert "available: " in str(err.value)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"psm": "bogus"}, "unknown psm 'bogus'"),
        ({"psm": 14}, "unknown psm 14"),
        ({"oem": "cube"}, "unknown oem 'cube'"),
        ({"dpi": 10}, "dpi must be within 70..2400"),
        ({"pool_size": 0}, "pool_size must be a positive integer"),
        ({"variables": ["x"]}, "variables must be a dict"),
        ({"variables": {"no_such_tesseract_variable": "1"}}, "'no_such_tesseract_variable' cannot be set through ocrkit"),
        ({"variables": {"debug_file": "/tmp/x"}}, "'debug_file' cannot be set through ocrkit"),
    ],
)
def test_bad_option_values_are_clear_errors(ocrkit_home: Path, options: dict, words: str) -> None:
    with pytest.raises(TesseractOptionError) as err:
        ocrkit.open("tesseract", **options)
    assert isinstance(err.value, ocrkit.InvalidOptionError)  # one class to catch for every backend
    assert isinstance(err.value, OcrkitError) and isinstance(err.value, ValueError)
    assert words in str(err.value)
    assert traineddata_fds() == []


@pytest.mark.parametrize(
    "lang, words",
    [("../eng", "language '../eng' is not a language code"), ("eng+~deu", "language '~deu' is not a language code")],
)
def test_bad_languages_are_clear_errors(ocrkit_home: Path, lang: str, words: str) -> None:
    """lang= is routed by the core for every backend (issue 23): a path or tesseract's
    '~' syntax is refused there, before the backend sees it."""
    with pytest.raises(ocrkit.InvalidOptionError) as err:
        ocrkit.open("tesseract", lang=lang)
    assert words in str(err.value)
    assert traineddata_fds() == []


def test_model_and_lang_must_agree(ocrkit_home: Path) -> None:
    with pytest.raises(ocrkit.InvalidOptionError, match="tesseract model 'eng' does not read deu"):
        ocrkit.open("tesseract", "eng", lang="deu")
    with ocrkit.open("tesseract", "eng", lang="eng") as ocr:
        assert ocr.handle.name == "eng"


def test_legacy_engine_on_a_fast_model_is_refused_with_the_reason(ocrkit_home: Path) -> None:
    with pytest.raises(TesseractOptionError, match="without legacy data"):
        ocrkit.open("tesseract", oem="legacy")


def test_psm_and_variables_reach_tesseract(ocrkit_home: Path) -> None:
    image = DATA / "line_numbers.png"  # "Order 42 shipped on 2025-03-14"
    with ocrkit.open("tesseract", psm="single_line", variables={"tessedit_char_whitelist": "0123456789- "}) as ocr:
        page = ocr.recognize(image)  # layout page, but psm 7 was asked for
    assert page.meta["psm"] == 7
    assert set(page.text.strip()) <= set("0123456789- ")
    assert "2025-03-14" in page.text


@pytest.mark.parametrize("how", ["truncated-0", "truncated-3", "truncated-500", "truncated-2000000", "garbage", "table"])
def test_truncated_or_corrupt_traineddata_raises_model_corrupt(store: Path, how: str) -> None:
    path = damaged_copy(store, how)
    with pytest.raises(ModelCorruptError) as err:
        ocrkit.open("tesseract")
    assert str(path) in str(err.value)
    assert traineddata_fds() == []
    assert path.exists(), "a corrupt model is reported, never deleted"


def test_corruption_that_crashes_tesseract_natively_is_caught_before_loading(
    store: Path, ocrkit_home: Path
) -> None:
    """This file passes Init and segfaults tesseract mid-recognition; the process
    opening it must get ModelCorruptError and survive (checked in a child so a
    regression cannot take the test run down)."""
    damaged_copy(store, "dawg-edge")
    code = (
        "import ocrkit\n"
        "try:\n"
        "    ocrkit.open('tesseract').recognize(r'%s')\n"
        "    print('LOADED')\n"
        "except ocrkit.ModelCorruptError as exc:\n"
        "    print('CORRUPT', exc)\n" % (DATA / "line_hello.png")
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OCRKIT_HOME=str(ocrkit_home)))
    assert done.returncode == 0, f"the process died: {done.returncode} {done.stderr[-500:]}"
    assert done.stdout.startswith("CORRUPT"), done.stdout
    assert "dictionary component 19" in done.stdout


def test_a_file_that_only_crashes_at_init_is_caught_by_the_probe(store: Path) -> None:
    """The probe (a child process) is the last line: simulate a crash there."""
    from ocrkit_tesseract import _probe

    path = copy_language("eng", store)
    original = _probe._PROBE
    _probe._PROBE = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    try:
        with pytest.raises(ModelCorruptError, match=r"crashed \(signal 11\)"):
            _probe.verify_loadable([path], 3, None)
    finally:
        _probe._PROBE = original


def test_import_refuses_a_corrupt_traineddata(ocrkit_home: Path, tmp_path: Path) -> None:
    bad = damaged_copy(tmp_path / "elsewhere", "dawg-edge")
    with ocrkit.open("tesseract", lazy=True) as ocr:
        with pytest.raises(ModelCorruptError):
            ocr.import_model(bad)
        assert ocr.list_local() == []
        made = ocr.import_model("deu")
        assert made == Path(ocr.get_local_path()) / "deu.traineddata"
        assert [r.source for r in ocr.list_models() if r.name == "deu"][0] == "store"


def test_dpi_becomes_user_defined_dpi_on_every_instance(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", dpi=300, pool_size=2) as ocr:
        page = ocr.recognize(DATA / "line_hello.png", layout="line")
        assert page.text == "Hello world from ocrkit\n"
        pool = ocr.handle.state.pool
        with pool.borrow() as api:
            assert api.GetVariableAsString("user_defined_dpi") == "300"


def test_probe_verdicts_persist_in_the_store(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is probed once; a later process (simulated: memory cache emptied) reuses
    the verdict stored in the store, and a changed file is probed again."""
    from ocrkit_tesseract import _probe

    path = copy_language("deu", store)
    cache = store / _probe.CACHE_NAME
    with ocrkit.open("tesseract", "deu"):
        pass
    assert any(key.startswith(str(path.resolve())) for key in json.loads(cache.read_text())["verified"])
    probed: list[Path] = []
    monkeypatch.setattr(_probe, "_verified", set())
    monkeypatch.setattr(_probe, "_probe", lambda p, oem: probed.append(p) or True)
    _probe.verify_loadable([path], 3, cache)
    assert probed == []
    os.utime(path, ns=(1, 1))  # "replaced": a new mtime
    _probe.verify_loadable([path], 3, cache)
    assert probed == [path]
