"""A model pack written as docs/plugin-author-guide.md describes, installed as a wheel
would be (a dist-info with RECORD and an ``ocrkit`` entry point): listed once, with
the version and kind read from its header, and usable."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

import ocrkit
from ocrkit import Registry

PACK = textwrap.dedent('''
    """fra for tesseract: a model pack (no backend of its own)."""
    from ocrkit.backend import distribution_files, hookimpl
    from ocrkit_tesseract import traineddata_record

    @hookimpl
    def ocrkit_discover_models(backend, store_dir):
        if backend != "tesseract":
            return None
        return [traineddata_record(p.name.removesuffix(".traineddata"), p)
                for p in distribution_files("ocrkit-frapack", ".traineddata")]
''')


@pytest.fixture
def installed_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    eng = next(r for r in Registry().discover("tesseract", tmp_path / "none") if r.name == "eng")
    site = tmp_path / "site"
    (site / "ocrkit_frapack").mkdir(parents=True)
    shutil.copyfile(eng.path, site / "ocrkit_frapack" / "fra.traineddata")  # any real traineddata serves
    (site / "ocrkit_frapack" / "__init__.py").write_text(PACK)
    info = site / "ocrkit_frapack-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ocrkit-frapack\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ocrkit]\nfrapack = ocrkit_frapack\n")
    (info / "RECORD").write_text(
        "ocrkit_frapack/__init__.py,,\nocrkit_frapack/fra.traineddata,,\n"
        "ocrkit_frapack-1.0.dist-info/METADATA,,\nocrkit_frapack-1.0.dist-info/RECORD,,\n"
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("ocrkit_frapack", None)


def test_model_pack_is_listed_once(installed_pack: Path, ocrkit_home: Path) -> None:
    registry = Registry()
    assert "frapack" in registry.plugin_names()
    records = [r for r in registry.discover("tesseract", ocrkit_home / "tesseract") if r.name == "fra"]
    assert len(records) == 1, records
    (record,) = records
    assert record.source == "package" and record.kind == "fast" and record.version
    with ocrkit.open("tesseract", "fra", registry=registry) as engine:
        assert engine.loaded_models[0].path == record.path
