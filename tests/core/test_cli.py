"""The ``ocrkit`` command: output, exit codes, one-line errors, and nothing outside the store touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ocrkit import Registry, _registry
from ocrkit.cli import main
from tests.commands import run_ocrkit
from tests.fakeocr import write_model

from .conftest import LINE_IMAGE, TESTS

REPO = TESTS.parent
HEAVY = ("onnxruntime", "cv2", "tesserocr")


@pytest.fixture
def cli(fake_registry: Registry, fake_store: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """The CLI's process-wide registry is the fake one."""
    monkeypatch.setattr(_registry, "_default", fake_registry)
    return fake_registry


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# -- read ----------------------------------------------------------------------------------


def test_read_text(cli: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", str(LINE_IMAGE), "--backend", "fake"]) == 0
    assert capsys.readouterr().out == "page 566x80\n"


def test_read_several_files_with_headers_and_line_layout(cli: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    second = TESTS / "data" / "line_numbers.png"
    assert main(["read", str(LINE_IMAGE), str(second), "-b", "fake", "--layout", "line"]) == 0
    assert capsys.readouterr().out == f"==> {LINE_IMAGE} <==\nline 566x80\n\n==> {second} <==\nline 720x80\n"


def test_read_json_one_file_is_an_object_several_an_array(
    cli: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["read", str(LINE_IMAGE), "-b", "fake", "--format", "json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert page["text"] == "page 566x80" and page["backend"] == "fake" and page["model"] == "default"
    assert page["source"] == str(LINE_IMAGE) and page["blocks"][0]["lines"][0]["words"][0]["text"] == "page"
    assert main(["read", str(LINE_IMAGE), str(LINE_IMAGE), "-b", "fake", "-f", "json"]) == 0
    pages = json.loads(capsys.readouterr().out)
    assert isinstance(pages, list) and len(pages) == 2


def test_read_output_file_and_typed_options(cli: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.txt"
    assert main(["read", str(LINE_IMAGE), "-b", "fake", "-o", "repeat=2", "-o", "greeting=hi ", "--output", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert out.read_text() == "hi page 566x80\nhi page 566x80\n"


def test_read_from_stdin(cli: Registry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LINE_IMAGE.read_bytes())))
    assert main(["read", "-", "-b", "fake", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "<stdin>"


def test_read_bad_file_among_good_ones(cli: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    assert main(["read", str(bad), str(LINE_IMAGE), "-b", "fake"]) == 1
    captured = capsys.readouterr()
    assert str(bad) in one_error_line(captured.err)
    assert captured.out == "page 566x80\n", "the good file is still read"


def test_a_crashed_isolated_backend_is_reopened_for_the_next_files(
    cli: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21 item 6: the file that kills the backend's process fails alone; the files
    after it are read by a fresh backend process (the engine pool reopens it)."""
    from PIL import Image

    from tests.fakeocr import ABORT_VALUE, crash_image

    hostile = tmp_path / "hostile.png"
    Image.fromarray(crash_image(ABORT_VALUE)).save(hostile)
    argv = ["read", str(hostile), str(LINE_IMAGE), str(LINE_IMAGE), "-b", "fake", "--isolation", "process"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("ocrkit: error:")]
    assert len(errors) == 1 and str(hostile) in errors[0] and "SIGABRT" in errors[0], captured.err
    assert captured.out.count("page 566x80") == 2, "both files after the crash are read"


def test_progress_on_a_terminal_only(
    cli: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24: a multi-page read shows pages done / total on a terminal, nothing elsewhere."""
    import io

    from PIL import Image

    tiff = tmp_path / "three.tif"
    frame = Image.open(LINE_IMAGE).convert("L")
    frame.save(tiff, save_all=True, append_images=[frame, frame])
    assert main(["read", str(tiff), "-b", "fake"]) == 0
    assert capsys.readouterr().err == "", "not a terminal: no progress"

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["read", str(tiff), "-b", "fake"]) == 0
    shown = terminal.getvalue()
    assert "ocrkit read" in shown and "3/3" in shown and "page" in shown, shown
    assert main(["read", str(LINE_IMAGE), "-b", "fake"]) == 0
    assert terminal.getvalue() == shown, "one page: no bar"


def test_stdin_is_bounded_and_read_after_the_checks(
    cli: Registry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21 item 9: ``-`` reads at most --max-stdin-bytes (one line past it), and
    not before the request is checked."""
    import io

    class Untouchable(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise AssertionError("stdin read before the request was checked")

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Untouchable()))
    assert main(["read", "-", "-b", "fake", "--dpi", "0"]) != 0
    assert "dpi must be" in one_error_line(capsys.readouterr().err)

    document = LINE_IMAGE.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(document)))
    assert main(["read", "-", "-b", "fake", "--max-stdin-bytes", str(len(document) - 1)]) != 0
    assert f"stdin holds more than {len(document) - 1} bytes" in one_error_line(capsys.readouterr().err)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(document)))
    assert main(["read", "-", "-b", "fake", "--max-stdin-bytes", str(len(document))]) == 0
    assert capsys.readouterr().out == "page 566x80\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["read", "x.png", "-b", "nope"], "unknown OCR backend 'nope'; known backends: fake"),
        (["read", str(LINE_IMAGE), "-b", "fake", "-o", "colour=red"],
         "accepted options: ballast_mb, crash, delay, greeting, ink_lines, odd_meta, repeat"),
        (["read", str(LINE_IMAGE), "-b", "fake", "-o", "repeat=many"], "expected a value of type int"),
        (["read", str(LINE_IMAGE), "-b", "fake", "-o", "novalue"], "KEY=VALUE"),
        (["read", str(LINE_IMAGE), "-b", "fake", "-m", "missing"], "available: default"),
        (["read", str(LINE_IMAGE), "-b", "fake", "--layout", "column"], "unknown layout"),
        (["read", str(LINE_IMAGE), "-b", "fake", "--dpi", "100000"], "dpi must be a number from 10 to 2400"),
        (["read", str(LINE_IMAGE), "-b", "fake", "--pages", "9" * 4300], "at most 4096"),
        (["read", str(LINE_IMAGE), "-b", "fake", "--pages", "2-" + "9" * 4000], "page numbers go up to 1000000"),
        (["read", str(LINE_IMAGE), "-b", "fake", "-o", "vars=" + "[" * 1000], "JSON nested deeper than 32 levels"),
        (["read", "/no/such/file.png", "-b", "fake"], "image file not found"),
        (["read", str(LINE_IMAGE), "-b", "fake", "--output", "/no/such/dir/out.txt"], "No such file or directory"),
        (["read"], "required: FILE"),
        (["read", "x.png", "--format", "xml"], "invalid choice: 'xml'"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_errors_are_one_line_and_non_zero(
    cli: Registry, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    assert code != 0
    assert message in one_error_line(capsys.readouterr().err)


# -- backends ---------------------------------------------------------------------------------


def test_backends_table_and_json(cli: Registry, fake_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_model(fake_store, "second")
    assert main(["backends"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["NAME", "VERSION", "STATUS", "MODELS", "DETAILS"]
    assert out[1].split() == ["fake", "1.2.3", "ok", "2"]
    assert main(["backends", "--json", "-v"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "ok" and row["models"] == 2 and row["version"] == "1.2.3"
    assert [o["name"] for o in row["options"]] == ["greeting", "repeat", "delay", "ballast_mb", "crash", "odd_meta", "ink_lines"]
    assert [m["name"] for m in row["model_list"]] == ["default", "second"]


# -- models ---------------------------------------------------------------------------------------


def test_models_list_path_audit(cli: Registry, fake_store: Path, ocrkit_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fake_store / "old_default.fake").write_bytes(b"FAKEMODELold")
    assert main(["models", "list", "--json"]) == 0
    assert [(m["name"], m["source"]) for m in json.loads(capsys.readouterr().out)] == [
        ("default", "store"), ("old_default", "store")
    ]
    assert main(["models", "list", "--local"]) == 0
    assert "old_default.fake" in capsys.readouterr().out
    assert main(["models", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(ocrkit_home.resolve())
    assert main(["models", "path", "--backend", "fake"]) == 0
    assert capsys.readouterr().out.strip() == str((ocrkit_home / "fake").resolve())
    assert main(["models", "audit"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(r[0], r[-1] if r[0] == "CURRENT" else r[-3]) for r in rows] == [
        ("CURRENT", str((fake_store / "default.fake").resolve())),
        ("OLD", str((fake_store / "old_default.fake").resolve())),
    ]


@pytest.fixture
def precious(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_bytes(b"keep me")
    (outside / "model.fake").write_bytes(b"FAKEMODELkeep")
    return outside


def test_models_rm_refuses_escapes_and_touches_nothing_outside(
    cli: Registry, fake_store: Path, ocrkit_home: Path, precious: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ocrkit_home / "x").write_bytes(b"store root file")
    (fake_store / "old_link.fake").symlink_to(precious / "model.fake")
    before = {p: p.read_bytes() for p in precious.iterdir()}
    for argv, message in [
        (["models", "rm", "../x"], "invalid model name '../x'"),
        (["models", "rm", "../x", "--backend", "fake"], "invalid model name '../x'"),
        (["models", "rm", str(precious / "x")], "invalid model name"),
        (["models", "rm", "old_link.fake"], "outside the store"),
        (["models", "rm", "x", "--backend", ".."], "unknown OCR backend '..'"),
        (["models", "rm", "nothing.fake"], "available: default.fake, old_link.fake"),
    ]:
        assert main(argv) == 1, argv
        assert message in one_error_line(capsys.readouterr().err), argv
    assert main(["models", "prune"]) == 0
    assert "Skipped fake/old_link.fake" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in precious.iterdir()} == before
    assert (ocrkit_home / "x").exists() and (fake_store / "old_link.fake").is_symlink()


def test_models_rm_refuses_a_loaded_model(cli: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    import ocrkit

    with ocrkit.open("fake", registry=cli):
        assert main(["models", "rm", "default.fake"]) == 1
        assert "loaded by a live engine" in one_error_line(capsys.readouterr().err)
        assert main(["models", "rm", "default.fake", "--dry-run"]) == 1
        capsys.readouterr()
    assert main(["models", "rm", "default.fake"]) == 0
    assert capsys.readouterr().out.startswith("Deleted ")


def test_models_prune_dry_run_then_real(cli: Registry, fake_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("old_a.fake", "old_b.fake", "keep.fake"):
        (fake_store / name).write_bytes(b"FAKEMODEL")
    assert main(["models", "prune", "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in report["removed"]] == ["old_a.fake", "old_b.fake"] and report["dry_run"]
    assert (fake_store / "old_a.fake").exists()
    assert main(["models", "prune", "--prefix", "keep"]) == 0
    assert capsys.readouterr().out == f"Deleted {(fake_store / 'keep.fake').resolve()}\n"
    assert main(["models", "prune"]) == 0
    assert sorted(p.name for p in fake_store.iterdir()) == ["default.fake"]


def test_models_import_path_and_name(
    cli: Registry, fake_store: Path, precious: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "import", str(precious / "model.fake"), "--dry-run"]) == 0
    assert "Would import" in capsys.readouterr().out and not (fake_store / "model.fake").exists()
    assert main(["models", "import", str(precious / "model.fake")]) == 0, "backend guessed from the .fake format"
    assert (fake_store / "model.fake").read_bytes() == b"FAKEMODELkeep"
    assert (precious / "model.fake").exists()
    assert main(["models", "import", str(precious / "model.fake")]) == 1
    assert "already exists" in one_error_line(capsys.readouterr().err)
    assert main(["models", "import", str(precious / "x")]) == 1
    assert "pass --backend" in one_error_line(capsys.readouterr().err)
    for argv in (["models", "import", "default"], ["models", "import", "default", "--backend", "fake"]):
        assert main(argv) == 1
        assert "already in the fake store" in one_error_line(capsys.readouterr().err)
    assert main(["models", "import", "nothing-like-it"]) == 1
    assert "available: default, model" in one_error_line(capsys.readouterr().err)


# -- subprocess: import cost and third-party plugins ------------------------------------------------


def test_light_commands_import_no_inference_library(ocrkit_home: Path) -> None:
    script = textwrap.dedent(f"""
        import contextlib, io, sys
        from ocrkit.cli import main
        heavy = {HEAVY!r}
        expected = {{"--help": "usage: ocrkit", "backends": "tesseract", "backends -v": "capabilities:",
                    "models list": "", "models audit": "no models in the store"}}
        for command, marker in expected.items():
            argv = command.split()
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                try:
                    code = main(argv)
                except SystemExit as exc:
                    code = exc.code
            assert code == 0, (argv, code)
            loaded = [m for m in heavy if m in sys.modules]
            assert not loaded, f"{{argv}} imported {{loaded}}"
            assert marker in out.getvalue(), (argv, out.getvalue())
        print("light")
    """)
    env = dict(os.environ, OCRKIT_HOME=str(ocrkit_home))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("light")


def make_plugin_site(root: Path) -> Path:
    """A site directory with two installed third-party plugin distributions:
    ``ocrkit-echo`` (a working backend called ``echo``) and ``ocrkit-kaput``
    (raises on import)."""
    site = root / "site"
    pkg = site / "ocrkit_echo"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "plugin.py").write_text(textwrap.dedent("""
        from pathlib import Path
        from ocrkit.backend import (BackendInfo, Block, Line, ModelHandle, ModelRecord, Page, hookimpl)

        SHIPPED = Path(__file__).with_name("echo.model")

        @hookimpl
        def ocrkit_describe_backend():
            return BackendInfo(name="echo", version="0.4.2", description="third-party test backend")

        @hookimpl
        def ocrkit_discover_models(backend, store_dir):
            if backend == "echo":
                return [ModelRecord(name="echo", backend="echo", path=SHIPPED, source="package")]

        @hookimpl
        def ocrkit_load_model(backend, model, models, options):
            if backend == "echo":
                return ModelHandle(backend="echo", name="echo", models=tuple(models[:1]), state=object())

        @hookimpl
        def ocrkit_recognize(handle, images, layout):
            return [Page(width=i.width, height=i.height,
                         blocks=[Block([Line(f"echo {i.width}x{i.height}", 1.0, (0, 0, i.width, i.height))])])
                    for i in images]

        @hookimpl
        def ocrkit_free_model(handle):
            return True
    """))
    (pkg / "echo.model").write_bytes(b"echo")
    kaput = site / "ocrkit_kaput.py"
    kaput.write_text("raise RuntimeError('kaput plugin cannot start: missing licence key')\n")
    for dist, ep in (("ocrkit_echo-0.4.2", "echo = ocrkit_echo.plugin"), ("ocrkit_kaput-1.0", "kaput = ocrkit_kaput")):
        info = site / f"{dist}.dist-info"
        info.mkdir()
        name, version = dist.rsplit("-", 1)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[ocrkit]\n{ep}\n")
    return site


def test_third_party_plugin_in_ocrkit_backends(tmp_path: Path, ocrkit_home: Path) -> None:
    site = make_plugin_site(tmp_path)
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    proc = run_ocrkit("backends", "--json", env={**env, "OCRKIT_HOME": str(ocrkit_home)})
    assert proc.returncode == 0, proc.stderr
    rows = {r["name"]: r for r in json.loads(proc.stdout)}
    assert rows["echo"]["status"] == "ok" and rows["echo"]["version"] == "0.4.2"
    assert rows["echo"]["models"] == 1 and rows["echo"]["distribution"] == "ocrkit-echo 0.4.2"
    assert rows["kaput"]["status"] == "broken"
    assert "RuntimeError: kaput plugin cannot start: missing licence key" in rows["kaput"]["reason"]
    assert {"tesseract", "onnx"} <= set(rows), "built-ins still load next to a broken plugin"
    assert rows["tesseract"]["status"] == "ok"

    table = run_ocrkit("backends", env={**env, "OCRKIT_HOME": str(ocrkit_home)})
    assert table.returncode == 0
    kaput_row = next(line for line in table.stdout.splitlines() if line.startswith("kaput"))
    assert "broken" in kaput_row and "missing licence key" in kaput_row

    read = run_ocrkit("read", str(LINE_IMAGE), "--backend", "echo", env={**env, "OCRKIT_HOME": str(ocrkit_home)})
    assert (read.returncode, read.stdout) == (0, "echo 566x80\n"), read.stderr
    broken = run_ocrkit("read", str(LINE_IMAGE), "--backend", "kaput", env={**env, "OCRKIT_HOME": str(ocrkit_home)})
    assert broken.returncode == 1 and "missing licence key" in one_error_line(broken.stderr)


def test_third_party_plugin_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ocrkit_home: Path) -> None:
    import ocrkit

    monkeypatch.syspath_prepend(str(make_plugin_site(tmp_path)))
    registry = Registry()
    assert registry.backend("echo").status == "ok"
    assert registry.backend("tesseract").status == "ok"
    with ocrkit.open("echo", registry=registry) as engine:
        assert engine.recognize(LINE_IMAGE).text == "echo 566x80"
    for module in ("ocrkit_echo", "ocrkit_echo.plugin", "ocrkit_kaput"):
        sys.modules.pop(module, None)


@pytest.mark.parametrize(
    ("pairs", "types", "expected"),
    [
        (["n=3", "x=0.5", "flag=yes", "langs=deu+eng"], {"n": "int", "x": "float", "flag": "bool", "langs": "list[str]"},
         {"n": 3, "x": 0.5, "flag": True, "langs": ["deu", "eng"]}),
        (["psm=7", "mode=single_line"], {"psm": "int|str", "mode": "int|str"}, {"psm": 7, "mode": "single_line"}),
        (['vars={"a": "0,1"}', "more=a:1,b:2"], {"vars": "dict[str,str]", "more": "dict[str, str]"},
         {"vars": {"a": "0,1"}, "more": {"a": "1", "b": "2"}}),
        (["free-text=a=b"], {}, {"free_text": "a=b"}),
    ],
)
def test_option_values_are_typed_by_the_backend_declaration(
    pairs: list[str], types: dict[str, str], expected: dict[str, object]
) -> None:
    from ocrkit.backend import BackendInfo, OptionSpec

    info = BackendInfo(name="t", version="0", options=tuple(OptionSpec(k, t) for k, t in types.items()))
    assert info.parse_options(pairs) == expected


def test_bad_option_values_are_clear() -> None:
    from ocrkit import OcrkitError
    from ocrkit.backend import BackendInfo, OptionSpec

    info = BackendInfo(name="t", version="0", options=(OptionSpec("n", "int"), OptionSpec("d", "dict[str,str]")))
    with pytest.raises(OcrkitError, match="expected a value of type int"):
        info.parse_options(["n=three"])
    with pytest.raises(OcrkitError, match="key:value"):
        info.parse_options(["d=nonsense"])
    with pytest.raises(OcrkitError, match="expected a value of type int"):
        info.options[0].parse("3.5")


def test_quantize_a_name_two_backends_share_is_one_error_line(
    cli: Registry, ocrkit_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It died with a NameError traceback (OcrkitError was never imported)."""
    from tests.fakeocr import FakeBackend

    cli.register(FakeBackend("fake2"), name="fake2-plugin")
    write_model(ocrkit_home / "fake2")
    assert main(["models", "quantize", "default"]) != 0
    line = one_error_line(capsys.readouterr().err)
    assert "exists for several backends (fake, fake2); choose one with --backend" in line
