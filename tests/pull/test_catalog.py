"""The catalogue: what ships, how it is overridden, what is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ocrkit import DownloadError
from ocrkit.pull import CATALOG_ENV, CatalogError, load_catalog, parse_catalog, pull_model

from .conftest import sha256_file

SHA = "0" * 64


def _doc(**models) -> dict:
    return {"format": 1, "models": models}


def _one_file(name: str = "x.traineddata", **overrides) -> dict:
    entry = {"backend": "tesseract", "files": [{"name": name, "size": 3, "sha256": SHA, "urls": ["https://e.org/x"]}]}
    entry.update(overrides)
    return entry


# -- the shipped catalogue -------------------------------------------------------------------


def test_shipped_catalogue_has_tesseract_languages_and_ppocr_sets():
    catalog = load_catalog()
    assert catalog.source == "(shipped with ocrkit)"
    for name in ("eng", "deu", "fra", "eng-best", "ppocrv6-small", "ppocrv6-tiny"):
        assert name in catalog
    assert catalog.get("eng-fast").name == "eng"
    assert {e.name for e in catalog.for_target("tesseract", "eng.traineddata")} == {"eng", "eng-best"}
    small = catalog.get("ppocrv6-small", backend="onnx")
    assert small.layout == "directory" and [f.name for f in small.files] == ["det.onnx", "cls.onnx", "rec.onnx"]
    assert small.size == sum(f.size for f in small.files)
    for entry in catalog:
        for spec in entry.files:
            assert spec.urls and all(u.startswith("https://") for u in spec.urls)


def test_shipped_tessdata_urls_are_pinned_to_a_commit():
    for entry in load_catalog():
        if entry.backend == "tesseract":
            for url in entry.files[0].urls:
                assert "/main/" not in url and "/master/" not in url, url


@pytest.mark.parametrize("lang", ["eng", "deu"])
def test_shipped_tessdata_fast_digests_are_those_of_the_wheel_files(real_models, lang):
    spec = load_catalog().get(lang).files[0]
    local = real_models[f"{lang}.traineddata"]
    assert (spec.size, spec.sha256) == (local.stat().st_size, sha256_file(local))
    assert "tessdata_fast" in spec.urls[0]


def test_shipped_ppocr_small_set_is_the_rapidocr_wheel_files(real_models):
    entry = load_catalog().get("ppocrv6-small")
    for spec in entry.files:
        local = real_models[spec.name]
        assert (spec.size, spec.sha256) == (local.stat().st_size, sha256_file(local))


def test_shipped_ppocr_urls_and_digests_come_from_rapidocr_config():
    yaml = pytest.importorskip("yaml")
    import rapidocr

    config = yaml.safe_load((Path(rapidocr.__file__).parent / "default_models.yaml").read_text(encoding="utf-8"))
    published = {
        spec["model_dir"]: spec["SHA256"].lower()
        for version in config["onnxruntime"].values()
        for kind, models in version.items() if kind in ("det", "cls", "rec")
        for spec in models.values()
    }
    for entry in load_catalog():
        if entry.backend == "onnx":
            for spec in entry.files:
                assert published[spec.urls[0]] == spec.sha256, (entry.name, spec.name)


# -- overriding ---------------------------------------------------------------------------------


def test_env_var_replaces_the_shipped_catalogue(tmp_path, monkeypatch):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(_doc(mine=_one_file())))
    monkeypatch.setenv(CATALOG_ENV, str(path))
    catalog = load_catalog()
    assert catalog.source == str(path)
    assert list(catalog.entries) == ["mine"]


def test_catalogue_by_url_with_relative_file_urls(model_server, real_models, ocrkit_home, monkeypatch):
    data = real_models["eng.traineddata"].read_bytes()
    model_server.files["mirror/models/eng.traineddata"] = data
    model_server.files["mirror/catalog.json"] = json.dumps(_doc(eng=_one_file(
        "eng.traineddata",
        files=[{"name": "eng.traineddata", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "urls": ["models/eng.traineddata"]}],
    ))).encode()
    monkeypatch.setenv(CATALOG_ENV, model_server.url + "mirror/catalog.json")

    result = pull_model("eng", store=ocrkit_home, timeout=10)

    assert result.sources == (model_server.url + "mirror/models/eng.traineddata",)
    assert sha256_file(result.path) == hashlib.sha256(data).hexdigest()


def test_unreachable_catalogue_url_is_a_download_error(model_server):
    url = model_server.url + "catalog.json"
    model_server.stop()
    with pytest.raises(DownloadError, match="cannot fetch the catalogue"):
        load_catalog(url, timeout=5)


def test_missing_or_broken_catalogue_files(tmp_path):
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(bad)


# -- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"format": 2, "models": {}}, "format 2 is not supported"),
        (_doc(x=_one_file("../evil.traineddata")), "invalid file name"),
        (_doc(x=_one_file("sub/evil.traineddata")), "invalid file name"),
        (_doc(x=_one_file(".hidden")), "invalid file name"),
        (_doc(x=_one_file("eng.part")), "reserved for downloads"),
        (_doc(x=_one_file(backend="../tesseract")), "invalid backend"),
        (_doc(**{"../x": _one_file()}), "invalid model name"),
        (_doc(x=_one_file(files=[{"name": "a", "sha256": "abc", "urls": ["https://e.org/a"]}])), "64 hex digits"),
        (_doc(x=_one_file(files=[{"name": "a", "sha256": SHA, "urls": []}])), "at least one URL"),
        (_doc(x=_one_file(files=[{"name": "a", "sha256": SHA, "urls": ["ftp://e.org/a"]}])), "must be http"),
        (_doc(x=_one_file(files=[{"name": "a", "sha256": SHA, "size": -1, "urls": ["https://e.org/a"]}])), "size"),
        (_doc(x=_one_file(target="other.traineddata")), "installs under its file name"),
        (_doc(x=_one_file(manifest={"a": 1})), "only for directory models"),
        (_doc(x=_one_file(aliases=["y"]), y=_one_file()), "already a name"),
    ],
)
def test_invalid_catalogues_are_refused_with_a_reason(document, message):
    with pytest.raises(CatalogError, match=message):
        parse_catalog(document, source="test")


def test_a_mirror_directory_works_offline_through_file_urls(tmp_path, real_models, ocrkit_home):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = real_models["deu.traineddata"].read_bytes()
    (mirror / "deu.traineddata").write_bytes(data)
    (mirror / "catalog.json").write_text(json.dumps(_doc(deu=_one_file(
        "deu.traineddata",
        files=[{"name": "deu.traineddata", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "urls": ["deu.traineddata"]}],
    ))))

    result = pull_model("deu", store=ocrkit_home, catalog=mirror / "catalog.json")

    assert result.sources == ((mirror / "deu.traineddata").resolve().as_uri(),)
    assert (ocrkit_home / "tesseract" / "deu.traineddata").read_bytes() == data
