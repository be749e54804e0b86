"""Checking that a traineddata loads and recognises, in a throwaway child process.

Why: some corruptions pass the header check and still crash tesseract natively
(a damaged dictionary component segfaults during Init). A crash in the caller's
process is not acceptable, so before a file is loaded in-process it is loaded
once in a child: Init, then recognise a rendered line. Verdicts are cached per
(file, size, mtime, inode, engine mode), in memory and in a small JSON file in
the store directory, so each file is probed once, not on every open.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from ocrkit.backend import ModelCorruptError, parallel_map

from ._traineddata import SUFFIX

__all__ = ["verify_loadable", "CACHE_NAME", "PROBE_TIMEOUT"]

#: Hidden (so never listed as a model) verdict cache in the store directory.
CACHE_NAME = ".verified-traineddata.json"
PROBE_TIMEOUT = 120.0
#: Address-space cap of the probe child: a healthy single-language load needs well under 1 GiB.
PROBE_MEMORY_LIMIT = 4 << 30

# Runs in the child: Init, recognise one rendered line, say "ok". Imports only tesserocr and PIL.
_PROBE = r"""
import sys
try:
    import tesserocr
    from PIL import Image, ImageDraw
except ImportError as exc:
    print("cannot import:", exc)
    sys.exit(4)
path, lang, oem = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:  # a damaged size field must fail fast here, not eat the machine's memory
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[4]), resource.getrlimit(resource.RLIMIT_AS)[1]))
except (ImportError, ValueError, OSError):
    pass
try:
    api = tesserocr.PyTessBaseAPI(path=path, lang=lang, oem=oem, psm=tesserocr.PSM.SINGLE_LINE)
except RuntimeError as exc:
    print("init failed:", exc)
    sys.exit(3)
image = Image.new("L", (420, 40), 255)
ImageDraw.Draw(image).text((8, 12), "Probe 0123 ocrkit tessdata", fill=0)
api.SetImage(image.resize((1260, 120)))
api.GetUTF8Text()
api.End()
print("ok")
"""

_verified: set[str] = set()
_lock = threading.Lock()


def _key(path: Path, oem: int) -> str:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ModelCorruptError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}|oem{oem}"


def _load_cache(cache_file: Path | None) -> set[str]:
    if cache_file is None:
        return set()
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        return {k for k in data.get("verified", []) if isinstance(k, str)}
    except (OSError, ValueError, AttributeError):
        return set()


def _save_cache(cache_file: Path | None, keys: set[str]) -> None:
    """Best effort, atomic: a read-only store only means probing again next process."""
    if cache_file is None:
        return
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # Entries of files that are gone are dropped, so the cache does not grow forever.
        known = {k for k in _load_cache(cache_file) if os.path.exists(k.split("|", 1)[0])} | keys
        fd, tmp = tempfile.mkstemp(prefix=".verified-", suffix=".tmp", dir=cache_file.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"verified": sorted(known)}, fh, indent=0)
        os.replace(tmp, cache_file)
    except OSError:
        pass


def _unverifiable(path: Path, why: str) -> bool:
    """The child could not run at all (no interpreter, no tesserocr there): that says
    nothing about the file, so warn and load it unprobed rather than refuse it."""
    warnings.warn(f"ocrkit could not probe {path} in a child process ({why}); loading it unchecked",
                  RuntimeWarning, stacklevel=4)
    return False


def _probe(path: Path, oem: int) -> bool:
    """True: verified. False: could not be checked. Raises if the file is bad."""
    lang = path.name[: -len(SUFFIX)]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path.parent), lang, str(oem), str(PROBE_MEMORY_LIMIT)],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT, env=env, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelCorruptError(
            f"tesseract did not finish loading {path} within {PROBE_TIMEOUT:.0f} s; the file is likely corrupt"
        ) from exc
    except OSError as exc:
        return _unverifiable(path, f"starting {sys.executable!r} failed: {exc}")
    if done.returncode == 0 and done.stdout.strip().endswith("ok"):
        return True
    if done.returncode == 4:
        return _unverifiable(path, done.stdout.strip())
    if done.returncode < 0:
        what = f"tesseract crashed (signal {-done.returncode}) while loading it"
    elif done.returncode == 3:
        what = "tesseract refused to load it"
    else:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        what = f"loading it failed (exit {done.returncode}: {tail[0]})"
    hint = " (the legacy engine needs a model with legacy data)" if oem in (0, 2) else ""
    raise ModelCorruptError(
        f"{path}: {what}{hint}; the traineddata is corrupt or incompatible: download it again or remove it"
    )


def verify_loadable(paths: list[Path], oem: int, cache_file: Path | None) -> None:
    """Raise :class:`ModelCorruptError` unless every file loads and recognises in a child
    process with engine mode *oem*. Files already verified are skipped."""
    keys = {path: _key(path, oem) for path in paths}
    with _lock:
        pending = [p for p, k in keys.items() if k not in _verified]
    if not pending:
        return
    on_disk = _load_cache(cache_file)
    pending = [p for p in pending if keys[p] not in on_disk]
    with _lock:
        _verified.update(k for p, k in keys.items() if p not in pending)
    if not pending:
        return
    errors: list[ModelCorruptError] = []

    def check(path: Path) -> bool:
        try:
            return _probe(path, oem)
        except ModelCorruptError as exc:
            errors.append(exc)
            return False

    verdicts = parallel_map(check, pending)
    if errors:
        raise errors[0]
    new = {keys[p] for p, ok in zip(pending, verdicts) if ok}
    with _lock:
        _verified.update(new)
    _save_cache(cache_file, new)
