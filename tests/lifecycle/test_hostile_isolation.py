"""Isolation against a hung child (issue 11: 4, 12): calls have a deadline, the child
is killed past it, free never waits longer; a crash while opening gives advice that
fits (there is no engine to free)."""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import ocrkit
import ocrkit.images

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "images" / "sample.png"


def _stopped(engine: ocrkit.Engine) -> None:
    os.kill(engine.pid, signal.SIGSTOP)  # a child stuck forever (native loop, stopped)


def test_free_does_not_wait_for_a_hung_child_longer_than_the_deadline(ocrkit_home: Path) -> None:
    """4: free_resources() from another thread was still blocked after 45 s."""
    engine = ocrkit.open("tesseract", isolation="process", call_timeout=1.5)
    pages = [ocrkit.images.load_image(SAMPLE)] * 8
    outcome: list[BaseException | object] = []

    def read() -> None:
        try:
            outcome.append(engine.recognize(pages))
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 30
    while not engine._channel._pending and time.monotonic() < deadline:  # the call reached the child
        time.sleep(0.01)
    _stopped(engine)
    freeing = threading.Thread(target=engine.free_resources)
    freeing.start()
    freeing.join(timeout=30)
    reader.join(timeout=30)
    assert not freeing.is_alive(), "free_resources() is still waiting for the hung child"
    assert not reader.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ocrkit.BackendTimeoutError), outcome
    assert engine.freed


def test_a_call_past_its_deadline_kills_the_child_and_says_so(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", isolation="process", call_timeout=1.0) as engine:
        pid = engine.pid
        _stopped(engine)
        with pytest.raises(ocrkit.BackendTimeoutError, match=r"did not finish recognizing .*sample.png within 1 s") as info:
            engine.recognize(SAMPLE)
        assert "\n" not in str(info.value) and isinstance(info.value, ocrkit.BackendCrashedError)
        assert engine.crashed
        with pytest.raises(ocrkit.BackendTimeoutError):
            engine.recognize(np.zeros((8, 8), np.uint8))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_call_timeout_is_checked(fake_registry: ocrkit.Registry, ocrkit_home: Path) -> None:
    for bad in (0, -1, "soon", math.nan, True):
        with pytest.raises(ocrkit.InvalidOptionError, match="call_timeout"):
            ocrkit.open("fake", registry=fake_registry, isolation="process", call_timeout=bad)
    with pytest.raises(ocrkit.InvalidOptionError, match="isolation='process'"):
        ocrkit.open("fake", registry=fake_registry, call_timeout=10)
    with ocrkit.open("fake", registry=fake_registry, isolation="process", call_timeout=math.inf) as engine:
        assert engine.recognize(np.zeros((4, 4), np.uint8)).text == "page 4x4"


def test_a_crash_while_opening_does_not_ask_to_free_an_engine_never_returned(
    fake_registry: ocrkit.Registry, ocrkit_home: Path
) -> None:
    """12: the message said "call free_resources()" for an engine the caller never got."""
    with pytest.raises(ocrkit.BackendCrashedError) as info:
        ocrkit.open("fake", registry=fake_registry, isolation="process", crash="load")
    first_line = str(info.value).splitlines()[0]
    assert "free_resources" not in first_line and "nothing to free" in first_line


def test_a_crash_names_the_files_not_only_their_count(fake_registry: ocrkit.Registry, ocrkit_home: Path, tmp_path: Path) -> None:
    """12: the CLI's crash line said "while recognizing 8 images"."""
    from PIL import Image

    from tests import fakeocr

    files = []
    for n in range(4):
        files.append(tmp_path / f"page{n}.png")
        Image.fromarray(fakeocr.crash_image(fakeocr.ABORT_VALUE)).save(files[-1])
    with ocrkit.open("fake", registry=fake_registry, isolation="process") as engine:
        with pytest.raises(ocrkit.BackendCrashedError, match=r"recognizing .*page0.png, .*page1.png, .*page2.png and 1 more image\b"):
            engine.recognize(files)
