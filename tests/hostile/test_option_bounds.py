"""Issue 21, items 1 and 8: every option a request or a command line can send is
bounded where it is parsed: nothing that sizes native work (detector input, thread
counts, tesseract instances) is unbounded, and no option value can nest deeper
than the parser allows."""

from __future__ import annotations

import pytest

from ocrkit._json_bounds import MAX_JSON_DEPTH
from ocrkit._records import MAX_OPTION_CHARS, OptionSpec
from ocrkit.errors import InvalidOptionError

from .conftest import SAMPLE, run_ocrkit

pytest.importorskip("ocrkit_onnx")
from ocrkit_onnx._options import MAX_DET_SIDE, MAX_THREADS
from ocrkit_onnx._options import parse_options as parse_onnx
from ocrkit_tesseract._options import MAX_POOL_SIZE
from ocrkit_tesseract._options import parse_options as parse_tesseract


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("det_max_side_len", 16384),  # ~80 GB of detector activations were accepted
        ("det_limit_side_len", MAX_DET_SIDE + 1),
        ("intra_op_threads", 1024),
        ("inter_op_threads", MAX_THREADS + 1),
        ("workers", 1024),
        ("providers", ["cpu"] * 1000),
        ("det_thresh", float("nan")),
        ("word_gap", "inf"),
    ],
)
def test_onnx_options_that_size_native_work_are_bounded(option: str, value: object) -> None:
    with pytest.raises(InvalidOptionError, match=option.split("_")[0]):
        parse_onnx({option: value})


def test_onnx_bounds_still_take_the_largest_allowed_values() -> None:
    settings = parse_onnx({"det_max_side_len": MAX_DET_SIDE, "det_limit_side_len": MAX_DET_SIDE, "workers": MAX_THREADS})
    assert (settings.det_max_side_len, settings.workers) == (MAX_DET_SIDE, MAX_THREADS)


def test_tesseract_pool_size_is_bounded() -> None:
    """pool_size=1000 with variables set would initialise 1000 tesseract instances at open."""
    assert parse_tesseract(None, {"pool_size": MAX_POOL_SIZE}).pool_size == MAX_POOL_SIZE
    with pytest.raises(InvalidOptionError, match=f"pool_size must be within 1..{MAX_POOL_SIZE}"):
        parse_tesseract(None, {"pool_size": 1000})


@pytest.mark.parametrize("value", ['{"a": ' + "[" * 3000 + "]" * 3000 + "}", '{"a": ' + "[" * 3000, "[" * 100_000])
def test_deeply_nested_option_json_is_refused_where_it_is_parsed(value: str) -> None:
    """3,000 ``[`` was a RecursionError traceback (HTTP 500 in serve, a traceback
    inside OCRmyPDF): every way in parses options through OptionSpec.parse."""
    spec = OptionSpec("variables", "dict[str,str]")
    with pytest.raises(InvalidOptionError) as err:
        spec.parse(value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_option_json_within_the_bound_still_parses() -> None:
    nested = '{"a": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + ', "b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'
    assert OptionSpec("x", "dict[str,str]").parse(nested)["b"].startswith("[[[")


def test_an_overlong_option_value_is_refused() -> None:
    with pytest.raises(InvalidOptionError, match=f"at most {MAX_OPTION_CHARS}"):
        OptionSpec("lang", "str").parse("eng+" * 20_000)


def test_a_nested_option_through_the_cli_is_one_line() -> None:
    done = run_ocrkit("read", str(SAMPLE), "-o", 'variables={"a": ' + "[" * 3000 + "}")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    # the read request's own check (ReadSpec) may answer first: either way one line about the nesting
    assert len(done.stderr.strip().splitlines()) == 1 and "nest" in done.stderr and "levels" in done.stderr


@pytest.mark.parametrize(("backend", "option", "value"), [
    ("tesseract", "psm", "1" * 5000),  # int() of 5,000 digits: ValueError traceback (found by tools/fuzz.py)
    ("tesseract", "oem", "7" * 5000),
    ("tesseract", "lang", '{"a": ' + "[" * 2000 + "]" * 2000 + "}"),  # echoed twice: a 4,003-character error
    ("tesseract", "variables", '{"' + "x" * 5000 + '": 1}'),
    ("onnx", "providers", "x" * 5000),
    ("onnx", "det_limit_type", "y" * 5000),
])
def test_option_errors_are_one_short_line_whatever_the_value(backend: str, option: str, value: str) -> None:
    parse = {"tesseract": lambda o: parse_tesseract(None, o), "onnx": parse_onnx}[backend]
    with pytest.raises(InvalidOptionError) as err:
        parse({option: OptionSpec(option, "int|str").parse(value) if option in ("psm", "oem") else value})
    message = str(err.value)
    assert "\n" not in message and len(message) < 2000, len(message)
