"""Issue 21, item 10, and issue 24's "Also": ``ocrkit read --format pdf`` with the real
OCRmyPDF.

- ``--pages 5`` on a one-page PDF exited 0 with a PDF without OCR, and ``--pages
  1-99999`` on a 10,000-page PDF ran on; now both fail at once, as plain ``read``.
- An RGBA PNG and a CMYK JPEG (no ICC profile), which plain ``read`` reads, were
  refused as "not a readable PDF or image"; now they become searchable PDFs.
- OCRmyPDF's own log lines (a creation date without time zone) reached stderr.
- A PDF that already has text was refused with no way on; now OCRmyPDF's
  ``--skip-text``/``--redo-ocr``/``--force-ocr`` are offered and passed through.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from ocrkit.errors import DocumentError, InvalidOptionError
from ocrkit.integrations.ocrmypdf import write_searchable_pdf
from tests.commands import run_ocrkit

from . import textlayer
from .conftest import DATA, build_pdf, run_ocrmypdf


@pytest.fixture(scope="module")
def one_page_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_pdf([Image.open(DATA / "line_hello.png")], tmp_path_factory.mktemp("one") / "one.pdf")


def _words(pdf: Path, page: int = 0) -> list[str]:
    return [w.text for w in textlayer.text_words(pdf, page, 72)]


def test_a_page_past_the_end_fails_before_ocrmypdf_runs(one_page_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    with pytest.raises(InvalidOptionError, match="asks for page 5 but .* has 1 page"):
        write_searchable_pdf(one_page_pdf, out, backend="tesseract", pages="5")
    assert not out.exists()


def test_a_range_past_the_end_of_a_long_pdf_fails_at_once(tmp_path: Path) -> None:
    """10,000 blank pages: the selection is checked against the page count, so
    OCRmyPDF never starts on the first 10,000 pages."""
    long_pdf = tmp_path / "long.pdf"
    with pikepdf.new() as pdf:
        for _ in range(10_000):
            pdf.add_blank_page(page_size=(72, 72))
        pdf.save(long_pdf)
    with pytest.raises(InvalidOptionError, match="asks for page 99999 but .* has 10000 pages"):
        write_searchable_pdf(long_pdf, tmp_path / "out.pdf", backend="tesseract", pages="1-99999")


@pytest.mark.parametrize("kind", ["rgba.png", "cmyk.jpg"])
def test_images_plain_read_reads_become_searchable_pdfs(kind: str, tmp_path: Path) -> None:
    """As pdf-corpus's baiona_alpha.png and baiona_cmyk.jpg: OCRmyPDF refuses both."""
    line = Image.open(DATA / "line_hello.png")
    source = tmp_path / kind
    if kind == "rgba.png":
        line.convert("RGBA").save(source, dpi=(150, 150))
    else:
        line.convert("CMYK").save(source, dpi=(150, 150), quality=95)
        assert "icc_profile" not in Image.open(source).info
    out = tmp_path / "out.pdf"
    write_searchable_pdf(source, out, backend="tesseract")
    assert textlayer.page_count(out) == 1 and "Hello" in _words(out)


def test_ocrmypdf_log_lines_stay_off_the_terminal(tmp_path: Path) -> None:
    """A creation date without a time zone made OCRmyPDF warn on stderr (through
    Python's last-resort handler: only a fresh ``ocrkit`` process shows it)."""
    source = build_pdf([Image.open(DATA / "line_hello.png")], tmp_path / "dated.pdf")
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/CreationDate"] = "D:20200101120000"
        pdf.save(source)
    done = run_ocrkit("read", source, "--format", "pdf", "-O", tmp_path / "out.pdf")
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.fixture(scope="module")
def with_text(one_page_pdf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("text") / "with_text.pdf"
    write_searchable_pdf(one_page_pdf, out, backend="tesseract")
    assert "Hello" in _words(out)
    return out


class TestExistingText:
    """OCRmyPDF's three answers to a PDF that already has text, by their names."""

    def test_without_a_choice_the_message_names_the_three(self, with_text: Path, tmp_path: Path) -> None:
        with pytest.raises(DocumentError) as err:
            write_searchable_pdf(with_text, tmp_path / "out.pdf", backend="tesseract")
        assert all(flag in str(err.value) for flag in ("--skip-text", "--redo-ocr", "--force-ocr"))

    @pytest.mark.parametrize("choice", ["skip", "redo", "force"])
    def test_each_choice_gives_a_pdf_with_the_text(self, with_text: Path, tmp_path: Path, choice: str) -> None:
        out = tmp_path / "out.pdf"
        write_searchable_pdf(with_text, out, backend="tesseract", existing_text=choice)  # type: ignore[arg-type]
        words = _words(out)
        assert words.count("Hello") == 1, words  # redo replaces the layer; force rasterises; skip keeps it

    @pytest.mark.slow
    def test_the_cli_takes_ocrmypdfs_flag_names(self, with_text: Path, tmp_path: Path) -> None:
        out = tmp_path / "out.pdf"
        done = run_ocrkit("read", with_text, "--format", "pdf", "-O", out, "--skip-text")
        assert done.returncode == 0 and done.stderr == "", done.stderr
        refused = run_ocrkit("read", with_text, "--redo-ocr")
        assert refused.returncode == 1 and "--redo-ocr applies to --format pdf only" in refused.stderr


def test_a_deeply_nested_option_inside_ocrmypdf_is_one_line(one_page_pdf: Path, tmp_path: Path) -> None:
    """3,000 ``[`` in --ocrkit-option was a RecursionError traceback inside OCRmyPDF."""
    done = run_ocrmypdf("--ocr-engine", "ocrkit", "--ocrkit-option", 'variables={"a": ' + "[" * 3000 + "}",
                        one_page_pdf, tmp_path / "out.pdf")
    assert done.returncode != 0 and "Traceback" not in done.stderr and "RecursionError" not in done.stderr, done.stderr
    assert "nested deeper than 32 levels" in done.stderr
