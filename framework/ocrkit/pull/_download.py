"""Fetch one URL into a ``.part`` file, resuming what an earlier attempt left.

Stdlib only (urllib): pulling models must not add a dependency to the core.
The ``.part`` file lives in the store directory, so the final rename into
place is atomic (same file system); ``ModelStore.list_local`` never shows it.
A transfer cut short raises :class:`TransferInterrupted` and keeps the bytes
received; the next attempt asks for the rest with an HTTP ``Range`` request.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .._versions import __version__
from ..errors import ChecksumMismatchError, DownloadError, TransferInterrupted

__all__ = ["Progress", "FetchResult", "TransferInterrupted", "fetch", "one_line", "open_url", "REDIRECT_SCHEMES"]

#: ``progress(label, bytes_done, bytes_total_or_None)``, called as bytes arrive.
Progress = Callable[[str, int, "int | None"], None]

_CHUNK = 1 << 16
_CONTENT_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
#: Upper bound for a file whose size the catalogue does not give (a runaway body guard).
MAX_UNKNOWN_SIZE = 4 << 30


@dataclass(frozen=True)
class FetchResult:
    url: str
    resumed_from: int  # bytes already in the .part file that the server agreed to skip
    received: int  # bytes received in this request


def _user_agent() -> str:
    return f"ocrkit/{__version__} (+model pull)"


def one_line(text: object) -> str:
    """*text* on one line (urllib's redirect-loop reason spans three)."""
    return " ".join(str(text).split())


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(reason).__name__}: {reason}" if not str(reason) else one_line(reason)


#: Where a download may be redirected: the catalogue allows http(s) and file URLs,
#: and an HTTP server must not send the client to a local file or an FTP server.
REDIRECT_SCHEMES = ("http", "https")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """urllib follows redirects to ``ftp://`` too; refuse every scheme but http(s)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in REDIRECT_SCHEMES:
            raise DownloadError(
                f"{req.full_url} redirects to {one_line(newurl)}: a {scheme or 'relative'}:// redirect is refused "
                f"(only {' or '.join(REDIRECT_SCHEMES)}); fix the catalogue or the mirror"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def open_url(request: urllib.request.Request, timeout: float) -> http.client.HTTPResponse:
    """``urlopen`` with redirects limited to :data:`REDIRECT_SCHEMES`."""
    return _opener.open(request, timeout=timeout)


def _open(url: str, offset: int, timeout: float) -> http.client.HTTPResponse:
    headers = {"User-Agent": _user_agent(), "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return open_url(urllib.request.Request(url, headers=headers), timeout)


def _flush(out: BinaryIO, part: Path) -> None:
    """Make the bytes received durable, so a resume after a crash starts from real data."""
    try:
        out.flush()
        os.fsync(out.fileno())
    except OSError as exc:
        raise DownloadError(f"cannot write {part}: {exc.strerror or exc}") from exc


def fetch(
    url: str,
    part: Path,
    *,
    size: int | None,
    label: str,
    timeout: float,
    progress: Progress | None = None,
) -> FetchResult:
    """Append the rest of *url* to *part* (or restart it if the server ignores ``Range``).

    :raises TransferInterrupted: the connection broke mid-body (bytes kept).
    :raises DownloadError: the server cannot be reached or answers with an error.
    :raises ChecksumMismatchError: the server sends more bytes than the catalogue's size.
    """
    offset = _kept_bytes(part, size)
    if size is not None and offset == size:
        return FetchResult(url, resumed_from=offset, received=0)  # complete; the digest decides
    try:
        response = _open(url, offset, timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            if exc.headers.get("Content-Range", "") == f"bytes */{offset}":
                return FetchResult(url, resumed_from=offset, received=0)  # the .part is complete
            # Our .part is not a prefix the server can continue: start again.
            part.unlink(missing_ok=True)
            return fetch(url, part, size=size, label=label, timeout=timeout, progress=progress)
        raise DownloadError(f"{url}: the server answered HTTP {exc.code} {one_line(exc.reason)}") from exc
    except DownloadError:
        raise
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"cannot reach {url}: {_describe(exc)} (offline, or the server is down?)") from exc

    with response:
        start = _resumed_at(response, url, offset)
        length_header = response.headers.get("Content-Length")
        expected_body = int(length_header) if length_header and length_header.isdigit() else None
        total = size if size is not None else (start + expected_body if expected_body is not None else None)
        limit = size if size is not None else MAX_UNKNOWN_SIZE
        received = _copy_body(response, part, url, start=start, limit=limit, label=label, total=total,
                              progress=progress)
        done = start + received
        if expected_body is not None and received < expected_body:
            raise TransferInterrupted(
                f"{url}: the connection closed after {done} of {start + expected_body} bytes"
            )
        if size is not None and done < size:
            raise TransferInterrupted(f"{url}: the body ended after {done} of {size} bytes")
        if progress and total is None:
            progress(label, done, done)  # the size was unknown: say it is complete now
        return FetchResult(url, resumed_from=start, received=received)


def _kept_bytes(part: Path, size: int | None) -> int:
    """Bytes of *part* a resume can start from (a ``.part`` longer than the file is dropped)."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset > size:
        part.unlink()
        offset = 0
    return offset


def _resumed_at(response: http.client.HTTPResponse, url: str, offset: int) -> int:
    """Where the body starts: *offset* when the server resumed there (206), else 0."""
    status = getattr(response, "status", None) or 200
    if not (offset and status == 206):
        return 0
    match = _CONTENT_RANGE_RE.match(response.headers.get("Content-Range", ""))
    if not match or int(match.group(1)) != offset:
        raise DownloadError(
            f"{url}: the server resumed at the wrong place "
            f"(asked for byte {offset}, got Content-Range {response.headers.get('Content-Range')!r})"
        )
    return offset


def _copy_body(response: http.client.HTTPResponse, part: Path, url: str, *, start: int, limit: int,
               label: str, total: int | None, progress: Progress | None) -> int:
    """Write the body to *part* (appended after *start* bytes, or from scratch), flushed
    to disk; returns the bytes received. More than *limit* in all deletes *part*."""
    done = start
    received = 0
    try:
        out = open(part, "ab" if start else "wb")
    except OSError as exc:
        raise DownloadError(f"cannot write {part}: {exc.strerror or exc}") from exc
    with out:
        if progress:
            progress(label, done, total)
        while True:
            try:
                block = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:  # reset, timeout, IncompleteRead
                _flush(out, part)
                raise TransferInterrupted(f"{url}: the transfer broke after {done} bytes ({_describe(exc)})") from exc
            if not block:
                break
            if done + len(block) > limit:
                out.close()
                part.unlink(missing_ok=True)
                raise ChecksumMismatchError(
                    f"{url} sends more than the {limit} bytes the catalogue gives for {label}; "
                    "refused (nothing was written to the store)"
                )
            try:
                out.write(block)
            except OSError as exc:  # disk full, quota: retrying would not help
                raise DownloadError(
                    f"cannot write {part} after {done} bytes: {exc.strerror or exc}; "
                    "free some space and pull again to resume"
                ) from exc
            done += len(block)
            received += len(block)
            if progress:
                progress(label, done, total)
        _flush(out, part)
    return received
