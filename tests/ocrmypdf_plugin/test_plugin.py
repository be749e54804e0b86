"""The ocrkit OCR engine inside the real OCRmyPDF: the ``ocrmypdf`` command and
``ocrmypdf.ocr()``, each built-in backend, corpus PDFs and PDFs built from tests/data.

Every output is read back with pypdfium2: its text layer must hold the words the
backend itself reads on that page (bag-of-words F1) and each word must sit on that
word in the page image (so search and copy land on the right place). OCRmyPDF is
slow per page, so each run happens once (module fixtures) and several tests read it.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import ocrmypdf
import pytest
from ocrmypdf.exceptions import BadArgsError, ExitCode
from PIL import Image

import ocrkit
from ocrkit.integrations.ocrmypdf import _geometry
from ocrkit.integrations.ocrmypdf._engines import ENGINES
from tests.commands import run_ocrkit

from . import textlayer
from .conftest import DATA, corpus_file, run_ocrmypdf

#: Resolution the output pages are rendered at to be read again.
CHECK_DPI = 150
EXAMPLE_PLUGIN_SRC = Path(__file__).resolve().parents[2] / "examples" / "third_party_plugin" / "src"


@dataclass
class Run:
    """One OCRmyPDF run: which backend, its output, and the pages it OCRed (0-based)."""

    backend: str
    output: Path
    pages: list[int]
    returncode: int
    stderr: str = ""
    model: str | None = None  # what -l chose, for the backend's own reading
    env: dict[str, str] = field(default_factory=dict)
    engines_opened: int | None = None  # in-process runs: engines opened during the run
    engines_left: int | None = None  # ... and still open after it


def cli_run(tmp: Path, backend: str, source: Path, checked: list[int], *args: str,
            env: dict[str, str] | None = None, model: str | None = None) -> Run:
    out = tmp / f"{source.stem}-{backend}.pdf"
    done = run_ocrmypdf("--ocr-engine", "ocrkit", "--ocrkit-backend", backend, "--output-type", "pdf",
                        "--optimize", "0", *args, source, out, env=env)
    return Run(backend, out, checked, done.returncode, done.stderr, model, env or {})


def api_run(tmp: Path, backend: str, source: Path, checked: list[int], **kwargs) -> Run:
    out = tmp / f"{source.stem}-{backend}-api.pdf"
    before = ENGINES.opened
    code = ocrmypdf.ocr(source, out, ocr_engine="ocrkit", ocrkit_backend=backend, output_type="pdf",
                        optimize=0, jobs=2, progress_bar=False, **kwargs)
    return Run(backend, out, checked, int(code), engines_opened=ENGINES.opened - before,
               engines_left=len(ENGINES))


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ocrmypdf")


@pytest.fixture(scope="module")
def linn_tesseract_api(tmp: Path) -> Run:
    return api_run(tmp, "tesseract", corpus_file("linn.pdf"), [0])


@pytest.fixture(scope="module")
def built_tesseract_cli(tmp: Path, built_pdf: Path) -> Run:
    return cli_run(tmp, "tesseract", built_pdf, [0, 1], "-l", "eng+deu", model="eng+deu")


@pytest.fixture(scope="module")
def built_onnx_api(tmp: Path, built_pdf: Path) -> Run:
    """Also the sandwich renderer (the engine's generate_pdf) and -l mapped to a model set."""
    return api_run(tmp, "onnx", built_pdf, [0, 1], language=["eng", "deu"], pdf_renderer="sandwich")


@pytest.fixture(scope="module")
def multipage_tesseract_cli(tmp: Path) -> Run:
    # page 2 is a 9000 x 9000 pixel image (left out to keep the suite fast); 3 and 4 are
    # a chart at 96 dpi with a few labels, too little text for a stable F1
    return cli_run(tmp, "tesseract", corpus_file("multipage.pdf"), [0, 4, 5], "--pages", "1,5,6")


@pytest.fixture(scope="module")
def cardinal_onnx_cli(tmp: Path) -> Run:
    return cli_run(tmp, "onnx", corpus_file("cardinal.pdf"), [1], "--rotate-pages", "--pages", "2")


@pytest.fixture(scope="module")
def cardinal_tesseract_api(tmp: Path) -> Run:
    return api_run(tmp, "tesseract", corpus_file("cardinal.pdf"), [2], rotate_pages=True, pages="3")


@pytest.fixture(scope="module")
def skew_tesseract_cli(tmp: Path) -> Run:
    return cli_run(tmp, "tesseract", corpus_file("skew.pdf"), [0], "--deskew")


@pytest.fixture(scope="module")
def third_party_cli(tmp: Path, built_pdf: Path) -> Run:
    """examples/third_party_plugin, unchanged, found through OCRKIT_PLUGINS."""
    env = {"OCRKIT_PLUGINS": "ocrkit_tesseract_cli",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(EXAMPLE_PLUGIN_SRC), os.environ.get("PYTHONPATH")]))}
    return cli_run(tmp, "tesseract-cli", built_pdf, [0], "--ocrkit-option", "psm=3", "--pages", "1", env=env)


# onnx on linn itself is left out for time: cardinal page 2 is linn, read by onnx
RUNS = ["linn_tesseract_api", "built_tesseract_cli", "built_onnx_api", "multipage_tesseract_cli",
        "cardinal_onnx_cli", "cardinal_tesseract_api", "skew_tesseract_cli", "third_party_cli"]


_READINGS: dict[tuple[Path, int], ocrkit.Page] = {}


def _own_reading(run: Run, page: int) -> ocrkit.Page:
    """The backend's recognition of the output page as a viewer renders it (once a page)."""
    if (run.output, page) not in _READINGS:
        _READINGS[run.output, page] = _read(run, page)
    return _READINGS[run.output, page]


def _example_plugin_registry() -> ocrkit.Registry:
    """A registry with only the example plugin (it is not installed in this process,
    and the process-wide registry must not learn about it: other tests check that)."""
    sys.path.insert(0, str(EXAMPLE_PLUGIN_SRC))
    try:
        module = importlib.import_module("ocrkit_tesseract_cli")
    finally:
        sys.path.remove(str(EXAMPLE_PLUGIN_SRC))
    registry = ocrkit.Registry(autoload=False)
    registry.register(module, name="ocrkit_tesseract_cli")
    return registry


def _read(run: Run, page: int) -> ocrkit.Page:
    image = textlayer.render(run.output, page, CHECK_DPI)
    registry = _example_plugin_registry() if run.env else None
    with ocrkit.open(run.backend, run.model, registry=registry) as engine:
        return engine.recognize(image)


@pytest.mark.dataset
@pytest.mark.parametrize("name", RUNS)
def test_text_layer_is_the_backends_reading_in_place(name: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(name)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    for page in run.pages:
        words = textlayer.text_words(run.output, page, CHECK_DPI)
        reading = _own_reading(run, page)
        assert len(reading.words) >= 5, f"page {page + 1}: nothing to compare"
        f1 = textlayer.bag_f1([w.text for w in words], [w.text for w in reading.words])
        assert f1 >= 0.95, f"page {page + 1}: text layer F1 {f1:.3f} vs the backend's own reading"
        placed = textlayer.placed_fraction(words, [(w.text, w.bbox) for w in reading.words])
        assert placed >= 0.95, f"page {page + 1}: only {placed:.1%} of the words sit on their image"


@pytest.mark.dataset
def test_every_page_kept_and_only_the_chosen_ones_ocred(multipage_tesseract_cli: Run) -> None:
    run = multipage_tesseract_cli
    assert run.returncode == 0, run.stderr[-3000:]
    source = corpus_file("multipage.pdf")
    assert textlayer.page_count(run.output) == textlayer.page_count(source) == 6
    for untouched in (1, 2, 3):  # --pages left their text as it was
        before = [w.text for w in textlayer.text_words(source, untouched, 72)]
        assert [w.text for w in textlayer.text_words(run.output, untouched, 72)] == before


@pytest.mark.dataset
@pytest.mark.parametrize("name", ["cardinal_onnx_cli", "cardinal_tesseract_api"])
def test_rotate_pages_turns_the_page_upright(name: str, request: pytest.FixtureRequest) -> None:
    """cardinal.pdf is linn turned by 0/90/180/270 degrees: the corrected page is portrait
    and its text runs left to right (onnx: the words' polygons; tesseract, which reads
    upside-down text as garbage: it reads like linn.txt)."""
    run: Run = request.getfixturevalue(name)
    assert run.returncode == 0, run.stderr[-3000:]
    page = run.pages[0]
    reading = _own_reading(run, page)
    assert reading.height > reading.width, "the page was not turned back to portrait"
    if run.backend == "onnx":
        assert _geometry.orientation_from_polygons(reading) == _geometry.Orientation(0, _geometry.MAX_CONFIDENCE)
    else:
        linn = corpus_file("linn.txt").read_text(encoding="utf-8").split()
        assert textlayer.bag_f1([w.text for w in reading.words], linn) >= 0.8


@pytest.mark.dataset
def test_deskew_straightens_the_page(skew_tesseract_cli: Run) -> None:
    run = skew_tesseract_cli
    assert run.returncode == 0, run.stderr[-3000:]
    with ocrkit.open("tesseract") as engine:
        skew_before = _geometry.skew_from_word_boxes(engine.recognize(textlayer.render(corpus_file("skew.pdf"), 0, 100)))
    skew_after = _geometry.skew_from_word_boxes(_own_reading(run, 0))
    assert skew_before is not None and abs(skew_before) > 1.0
    assert skew_after is not None and abs(skew_after) < 0.5


def test_one_engine_for_all_pages_freed_when_ocrmypdf_finishes(built_onnx_api: Run) -> None:
    assert built_onnx_api.returncode == 0
    assert built_onnx_api.engines_opened == 1  # two pages, two worker threads, one model load
    assert built_onnx_api.engines_left == 0


# -- bad cases: OCRmyPDF's one-line errors and exit codes ---------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--ocrkit-backend", "nosuch"], "ocrkit: unknown OCR backend 'nosuch'; known backends: onnx, tesseract"),
    (["--ocrkit-backend", "onnx", "-l", "rus"], "ocrkit: no installed onnx model reads rus (Russian)"),
    (["--ocrkit-backend", "tesseract", "-l", "fra"], "ocrkit: no installed tesseract model reads fra (French); "
                                                     "`ocrkit models pull fra` adds one"),
    (["--ocrkit-backend", "onnx", "--ocrkit-option", "det_thresh=high"], "expected a value of type float"),
    (["--ocrkit-backend", "onnx", "--ocrkit-model", "nosuch"], "backend 'onnx' has no model nosuch"),
])
def test_bad_arguments_are_one_line_exit_1(args: list[str], message: str, built_pdf: Path, tmp_path: Path) -> None:
    done = run_ocrmypdf("--ocr-engine", "ocrkit", *args, built_pdf, tmp_path / "out.pdf")
    assert done.returncode == ExitCode.bad_args, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.dataset
def test_invalid_pdf_exits_like_ocrmypdf(tmp_path: Path) -> None:
    invalid = corpus_file("invalid.pdf")
    done = run_ocrmypdf("--ocr-engine", "ocrkit", "--ocrkit-backend", "onnx", invalid, tmp_path / "out.pdf")
    assert done.returncode == ExitCode.input_file, done.stderr
    assert "Traceback" not in done.stderr


def test_api_raises_ocrmypdfs_exception(built_pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(BadArgsError, match="unknown OCR backend 'nosuch'; known backends: onnx, tesseract"):
        ocrmypdf.ocr(built_pdf, tmp_path / "out.pdf", ocr_engine="ocrkit", ocrkit_backend="nosuch",
                     progress_bar=False)


def test_ocrkit_is_an_ocr_engine_choice() -> None:
    done = run_ocrmypdf("--help")
    assert "--ocrkit-backend" in done.stdout
    for needle in ("--ocrkit-model", "--ocrkit-option", "--ocrkit-isolation"):
        assert needle in done.stdout
    bad = run_ocrmypdf("--ocr-engine", "ocrkit-typo", "in.pdf", "out.pdf")
    assert bad.returncode == 2  # argparse's usage error
    assert "(choose from 'auto', 'tesseract', 'none', 'ocrkit')" in bad.stderr


# -- the other renderers' entry points -------------------------------------------------------------------


def test_generate_hocr_is_read_back_by_ocrmypdfs_hocr_parser(tmp_path: Path) -> None:
    """OCRmyPDF's hOCR pipeline calls generate_hocr; its own parser must read our hOCR."""
    from ocrmypdf.api import create_options, setup_plugin_infrastructure
    from ocrmypdf.cli import get_parser
    from ocrmypdf.hocrtransform import HocrParser, OcrClass

    manager = setup_plugin_infrastructure()
    image = tmp_path / "page.png"
    Image.open(DATA / "page_simple.png").save(image, dpi=(150, 150))
    options = create_options(input_file=image, output_file=tmp_path / "o.pdf", parser=get_parser(),
                             ocr_engine="ocrkit", ocrkit_backend="tesseract")
    engine = manager.get_ocr_engine(options=options)
    with ENGINES.job():
        engine.generate_hocr(image, tmp_path / "page.hocr", tmp_path / "page.txt", options)
        with ocrkit.open("tesseract") as direct:
            expected = direct.recognize(image)
    tree = HocrParser(tmp_path / "page.hocr").parse()
    words = tree.iter_by_class(OcrClass.WORD)
    assert [w.text for w in words] == [w.text for w in expected.words]
    assert [(w.bbox.left, w.bbox.top, w.bbox.right, w.bbox.bottom) for w in words] == [w.bbox for w in expected.words]
    assert (tmp_path / "page.txt").read_text(encoding="utf-8") == expected.text
    assert len(ENGINES) == 0


# -- ocrkit read --format pdf: OCRmyPDF's Python API with the ocrkit engine -------------------------------


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_ocrkit_read_writes_a_searchable_pdf_from_an_image(backend: str, tmp_path: Path) -> None:
    out = tmp_path / "page.pdf"
    done = run_ocrkit("read", DATA / "page_simple.png", "--format", "pdf", "-O", out, "-b", backend, timeout=300)
    assert done.returncode == 0, done.stderr
    assert textlayer.page_count(out) == 1
    run = Run(backend, out, [0], 0)
    words = textlayer.text_words(out, 0, CHECK_DPI)
    reading = _own_reading(run, 0)
    assert textlayer.bag_f1([w.text for w in words], [w.text for w in reading.words]) >= 0.95
    assert textlayer.placed_fraction(words, [(w.text, w.bbox) for w in reading.words]) >= 0.95


def test_ocrkit_read_writes_a_searchable_pdf_from_a_pdf(built_pdf: Path, tmp_path: Path, truth: dict[str, str]) -> None:
    out = tmp_path / "built.pdf"
    done = run_ocrkit("read", built_pdf, "--format", "pdf", "-O", out, "--pages", "2", "-m", "deu", timeout=300)
    assert done.returncode == 0, done.stderr
    assert textlayer.page_count(out) == 2
    assert textlayer.text_words(out, 0, 72) == []  # --pages 2 only
    german = [w.text for w in textlayer.text_words(out, 1, 72)]
    assert textlayer.bag_f1(german, truth["german.png"].split()) >= 0.9


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "pdf", "a.png", "b.png", "-O", "x.pdf"], "--format pdf writes one searchable PDF"),
    (["--format", "pdf", "-b", "nosuch", str(DATA / "page_simple.png"), "-O", "x.pdf"], "unknown OCR backend 'nosuch'"),
])
def test_ocrkit_read_pdf_errors_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = run_ocrkit("read", *args, timeout=300)
    assert done.returncode == 1
    assert done.stderr.startswith("ocrkit: error: ") and message in done.stderr
    assert "Traceback" not in done.stderr
