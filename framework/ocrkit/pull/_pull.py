"""Pull a catalogue model into the store: lock, fetch, verify, then publish.

Guarantees (tested in tests/pull/):

- Nothing becomes visible in the store before every byte matched its sha256:
  files download to ``.part`` files in the store directory, are fsynced,
  verified, and only then renamed into place (a set is assembled in a hidden
  staging directory and renamed as a whole).
- A wrong digest raises :class:`ChecksumMismatchError` and leaves the store as
  it was (the bad ``.part`` is deleted, an existing model is not touched).
- A broken connection is retried with HTTP ``Range``; if it stays broken the
  ``.part`` is kept and the next pull resumes from it.
- Concurrent pulls of one model (threads or processes) serialise on a lock
  file: one downloads, the others find the verified result and return it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .._digest import sha256_of
from .._names import check_store_name
from .._staging import staged_entry
from ..errors import ChecksumMismatchError, DownloadError, ModelExistsError
from ..store import ModelStore
from ._catalog import Catalog, CatalogEntry, CatalogFile, load_catalog
from ._download import Progress, TransferInterrupted, fetch
from ._lock import exclusive_lock

__all__ = ["PullResult", "pull_model", "as_store", "installed_state"]

@dataclass(frozen=True)
class PullResult:
    """What a pull did: ``status`` is ``downloaded``, ``replaced`` or ``present`` (already there)."""

    name: str
    backend: str
    path: Path
    status: str
    bytes_received: int = 0
    resumed: bool = False
    sources: tuple[str, ...] = ()


def as_store(store: ModelStore | str | os.PathLike[str] | None) -> ModelStore:
    return store if isinstance(store, ModelStore) else ModelStore(store)


class _Digests:
    """sha256 per path, computed once (verify compares a file against several entries)."""

    def __init__(self) -> None:
        self._known: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if path not in self._known:
            self._known[path] = sha256_of(path)
        return self._known[path]


def _file_problem(path: Path, spec: CatalogFile, digests: _Digests) -> str | None:
    if path.is_symlink() or not path.is_file():
        return f"{path.name} is missing or not a regular file"
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        return f"{path.name} has {size} bytes, the catalogue says {spec.size}"
    actual = digests(path)
    if actual != spec.sha256:
        return f"{path.name} has sha256 {actual}, the catalogue says {spec.sha256}"
    return None


def installed_state(entry: CatalogEntry, target: Path, digests: _Digests | None = None) -> str | None:
    """``None`` if *target* holds exactly *entry*, else why not (``"absent"`` when missing)."""
    digests = digests or _Digests()
    if not target.exists() and not target.is_symlink():
        return "absent"
    if entry.layout == "file":
        return _file_problem(target, entry.files[0], digests)
    if target.is_symlink() or not target.is_dir():
        return f"{target.name} is not a directory"
    others = sorted(p for p in target.iterdir() if p.is_file() and not p.is_symlink())
    for spec in entry.files:
        problem = _file_problem(target / spec.name, spec, digests)
        # The same bytes under another name count: a set imported from a package
        # (``ocrkit models import``) keeps the upstream file names and its own manifest.
        if problem and not any(_file_problem(p, spec, digests) is None for p in others):
            return problem
    if entry.manifest is not None and not (target / entry.manifest_name).is_file():
        return f"{entry.manifest_name} is missing"
    return None


def _part_path(entry: CatalogEntry, spec: CatalogFile, directory: Path) -> Path:
    """Where *spec* downloads to; the digest in the name keeps another version from resuming onto it."""
    prefix = "" if entry.layout == "file" else f"{entry.target}--"
    return directory / f"{prefix}{spec.name}.{spec.sha256[:12]}.part"


def _remove_stale_parts(entry: CatalogEntry, directory: Path) -> None:
    """Delete ``.part`` files left for this store name (another version, an abandoned pull).

    Runs under the name's lock, so no live download of the same name can own them.
    """
    pattern = f"{entry.target}.*.part" if entry.layout == "file" else f"{entry.target}--*.part"
    for part in directory.glob(pattern):
        part.unlink(missing_ok=True)


@dataclass
class _Fetched:
    part: Path
    received: int
    resumed: bool
    url: str


def _fetch_verified(
    entry: CatalogEntry,
    spec: CatalogFile,
    directory: Path,
    *,
    timeout: float,
    retries: int,
    progress: Progress | None,
) -> _Fetched:
    part = _part_path(entry, spec, directory)
    failures: list[str] = []
    mismatch: ChecksumMismatchError | None = None
    received = 0
    for url in spec.urls:
        attempt = 0
        restarted = False
        while True:
            try:
                result = fetch(url, part, size=spec.size, label=spec.name, timeout=timeout, progress=progress)
            except TransferInterrupted as exc:
                if attempt < retries:
                    attempt += 1
                    time.sleep(min(0.1 * 2**attempt, 2.0))
                    continue
                failures.append(str(exc))
                break
            except ChecksumMismatchError as exc:
                mismatch = exc
                break
            except DownloadError as exc:
                failures.append(str(exc))
                break
            received += result.received
            actual = sha256_of(part)
            if actual == spec.sha256:
                # Resumed only if the verified bytes came partly from before this request
                # (not because a failed mirror once answered 416 to a stale .part).
                return _Fetched(part, received, result.resumed_from > 0, url)
            got = part.stat().st_size
            part.unlink(missing_ok=True)
            if result.resumed_from and not restarted:
                restarted = True  # the kept bytes may come from another version: start over once
                continue
            mismatch = ChecksumMismatchError(
                f"{spec.name} of model {entry.name!r} from {url} has sha256 {actual} ({got} bytes), "
                f"the catalogue expects {spec.sha256}"
                + (f" ({spec.size} bytes)" if spec.size is not None else "")
                + "; rejected, nothing was written to the store"
            )
            break
    if mismatch is not None:
        if failures:
            raise ChecksumMismatchError(f"{mismatch}; other sources failed: {'; '.join(failures)}")
        raise mismatch
    kept = part.stat().st_size if part.exists() else 0
    hint = (
        f"; {kept} bytes are kept and the next pull of {entry.name!r} resumes from there"
        if kept
        else "; check the network connection, or point --catalog / $OCRKIT_CATALOG at a reachable mirror"
    )
    raise DownloadError(f"could not download {spec.name} for model {entry.name!r}: {'; '.join(failures)}{hint}")


def _publish(entry: CatalogEntry, target: Path, fetched: Iterable[_Fetched]) -> None:
    """Swap the verified downloads into place as *target*: the file itself, or a
    directory of them with the entry's manifest. If that fails, the verified
    ``.part`` files are put back for the next attempt."""
    parts = list(fetched)
    moved: list[tuple[Path, Path]] = []
    with staged_entry(target) as staged:
        try:
            if entry.layout == "file":
                os.replace(parts[0].part, staged.path)
                moved.append((staged.path, parts[0].part))
            else:
                staged.path.mkdir()
                for spec, got in zip(entry.files, parts):
                    os.replace(got.part, staged.path / spec.name)
                    moved.append((staged.path / spec.name, got.part))
                manifest = entry.manifest_bytes()
                if manifest is not None:
                    (staged.path / entry.manifest_name).write_bytes(manifest)
            staged.commit()
        except BaseException:
            for inside, part in moved:  # keep the verified bytes for the next attempt
                if inside.exists():
                    os.replace(inside, part)
            raise


def pull_model(
    name: str,
    *,
    store: ModelStore | str | os.PathLike[str] | None = None,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    backend: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    lock_timeout: float = 900.0,
) -> PullResult:
    """Download catalogue model *name* into the store and verify it.

    :param store: a :class:`ModelStore` or its root (default: ``$OCRKIT_HOME``).
    :param catalog: a :class:`Catalog`, a catalogue file or URL (default:
        ``$OCRKIT_CATALOG``, else the catalogue shipped with ocrkit).
    :param backend: refuse a *name* that belongs to another backend.
    :param force: replace a different model already stored under the same name.
    :param progress: ``progress(file_name, bytes_done, bytes_total_or_None)``.
    :param retries: resumes attempted per URL after a broken connection.
    :raises ModelNotFoundError: *name* is not in the catalogue.
    :raises DownloadError: offline, server down or answering errors, or the
        transfer kept breaking (the ``.part`` is kept for the next pull).
    :raises ChecksumMismatchError: the bytes are not the catalogue's (store unchanged).
    :raises ModelExistsError: a different model already has that name (without *force*).
    :raises ModelInUseError: with *force*, the model to replace is loaded by a live engine.
    """
    entry = load_catalog(catalog).get(name, backend)
    check_store_name(entry.target)
    model_store = as_store(store)
    directory = model_store.path(entry.backend)
    target = directory / entry.target
    with exclusive_lock(directory / f"{entry.target}.lock", lock_timeout, f"{entry.name!r}"):
        state = installed_state(entry, target)
        if state is None:
            _remove_stale_parts(entry, directory)
            return PullResult(entry.name, entry.backend, target, "present")
        if state != "absent":
            if not force:
                raise ModelExistsError(
                    f"{target} is already in the {entry.backend} store but is not catalogue model "
                    f"{entry.name!r} ({state}); pass force=True / --force to replace it"
                )
            model_store.check_not_in_use(entry.target, target)
        fetched = [
            _fetch_verified(entry, spec, directory, timeout=timeout, retries=retries, progress=progress)
            for spec in entry.files
        ]
        _publish(entry, target, fetched)
        _remove_stale_parts(entry, directory)
    return PullResult(
        entry.name,
        entry.backend,
        target,
        "downloaded" if state == "absent" else "replaced",
        bytes_received=sum(f.received for f in fetched),
        resumed=any(f.resumed for f in fetched),
        sources=tuple(f.url for f in fetched),
    )
