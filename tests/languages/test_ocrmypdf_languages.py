"""OCRmyPDF's ``-l`` and its engine's ``languages()`` answer go through the core's routing:
the same model ``ocrkit.open(backend, lang=...)`` picks, the same one-line error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("ocrmypdf")

import ocrkit
from ocrkit.integrations.ocrmypdf import OcrkitOcrEngine
from ocrkit.integrations.ocrmypdf._errors import ocrmypdf_errors
from ocrkit.integrations.ocrmypdf._settings import OcrkitOptions, engine_config


def _options(backend: str, *languages: str, model: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(ocrkit=OcrkitOptions(backend=backend, model=model), languages=list(languages))


@pytest.fixture
def clean_env(ocrkit_home, monkeypatch):
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.delenv("OCRKIT_CATALOG", raising=False)


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_languages_answer_is_what_ocrkit_languages_lists(clean_env, backend):
    listed = {r.code for r in ocrkit.languages(backend=backend)}
    assert OcrkitOcrEngine.languages(_options(backend, "eng")) == listed
    assert "eng" in listed and "deu" in listed


@pytest.mark.parametrize(("backend", "languages", "model"), [
    ("tesseract", ("eng", "deu"), "eng+deu"),
    ("tesseract", ("de",), "deu"),        # an ISO 639-1 alias, as lang= takes it
    ("onnx", ("fra",), "ppocrv6-small"),
])
def test_l_routes_like_lang(clean_env, backend, languages, model):
    assert engine_config(_options(backend, *languages)).model == model
    assert ocrkit._languages.route(backend, list(languages)) == model


def test_l_nobody_reads_is_one_bad_args_line_naming_the_pull(clean_env):
    from ocrmypdf.exceptions import BadArgsError

    with pytest.raises(BadArgsError, match=r"no installed tesseract model reads kor \(Korean\); `ocrkit models pull kor`"):
        with ocrmypdf_errors():
            engine_config(_options("tesseract", "kor"))
