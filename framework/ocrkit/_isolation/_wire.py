"""What crosses the boundary between a :class:`ProcessEngine` and its child process.

The child is told what to open (:class:`ChildSpec`); three things need care,
everything else is plain pickle over a socket:

- **errors** keep their class and message (``ModelNotFoundError`` in the child is a
  ``ModelNotFoundError`` in the caller), even classes whose ``__init__`` takes other
  arguments than the message, which plain pickle cannot rebuild;
- **pixels** travel through a Linux ``memfd`` (shared memory without a name, so
  nothing leaks in ``/dev/shm`` if a process dies) instead of being pickled, for
  images above :data:`SHARED_MIN_BYTES`; elsewhere they are pickled;
- **plugins** registered in the caller's registry are named (module import names)
  or pickled, so the child registers the same plugins in the same order.
"""

from __future__ import annotations

import importlib
import mmap
import os
import pickle
import sys
import traceback
import types
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OcrkitError
from ..images import PageImage

__all__ = [
    "ChildSpec",
    "ErrorPayload",
    "RemoteTraceback",
    "encode_error",
    "decode_error",
    "PluginSpec",
    "plugin_specs",
    "register_plugins",
    "PackedImage",
    "ImagePacker",
    "unpack_images",
    "shared_memory_supported",
    "probe_memfd",
    "read_probe",
]

#: Images at least this large go through shared memory; smaller ones are pickled
#: (a memfd costs a few system calls, pickling a few KB costs less).
SHARED_MIN_BYTES = 64 * 1024


@dataclass
class ChildSpec:
    """Everything the child needs to build the same engine the caller asked for."""

    backend: str
    model: str | None
    store: Any
    lazy: bool
    max_image_pixels: int | None
    options: dict[str, Any]
    plugins: list[PluginSpec]
    sys_path: list[str]
    probe: tuple[int, int] | None = None


# -- errors ----------------------------------------------------------------------------


class RemoteTraceback(Exception):
    """The child's formatted traceback, attached as ``__cause__`` of a rebuilt error."""

    def __init__(self, tb: str) -> None:
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return f"\n\"\"\"  (traceback in the backend process)\n{self.tb}\"\"\""


@dataclass(frozen=True)
class ErrorPayload:
    module: str
    qualname: str
    args: tuple[Any, ...]
    message: str
    state: dict[str, Any]
    traceback: str


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


def encode_error(exc: BaseException) -> ErrorPayload:
    """Everything needed to raise the same error class with the same message elsewhere."""
    state = {k: v for k, v in getattr(exc, "__dict__", {}).items() if _picklable(v)}
    args = exc.args if _picklable(exc.args) else (str(exc),)
    return ErrorPayload(
        module=type(exc).__module__,
        qualname=type(exc).__qualname__,
        args=tuple(args),
        message=str(exc),
        state=state,
        traceback="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )


def _find_class(module: str, qualname: str) -> type | None:
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception:
        return None
    return obj if isinstance(obj, type) and issubclass(obj, BaseException) else None


def decode_error(payload: ErrorPayload) -> BaseException:
    """Rebuild the child's error: same class, same ``str()``, same attributes.

    The class's ``__init__`` is bypassed (``UnknownOptionError(backend, unknown,
    known)`` cannot be called with its message); a class the caller cannot import
    becomes an :class:`OcrkitError` naming it.
    """
    cls = _find_class(payload.module, payload.qualname)
    exc: BaseException
    if cls is None:
        exc = OcrkitError(f"{payload.qualname}: {payload.message}")
    else:
        try:
            exc = cls.__new__(cls, *payload.args)
            BaseException.__init__(exc, *payload.args)
            exc.__dict__.update(payload.state)
        except Exception:
            exc = OcrkitError(f"{payload.qualname}: {payload.message}")
    exc.__cause__ = RemoteTraceback(payload.traceback)
    return exc


# -- plugins ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PluginSpec:
    """How the child re-creates one registered plugin: by module name, or pickled."""

    name: str
    module: str | None = None
    pickled: bytes | None = None


def plugin_specs(plugins: Iterable[tuple[str, object]]) -> list[PluginSpec]:
    """Describe the caller's plugins (``Registry.pm.list_name_plugin()``) for the child.

    Modules travel by import name (the child sees the caller's ``sys.path``);
    other plugin objects must pickle. A plugin defined in ``__main__`` can do
    neither reliably, so it is refused with an explanation.
    """
    specs = []
    for name, plugin in plugins:
        if isinstance(plugin, types.ModuleType):
            if plugin.__name__ == "__main__":
                raise OcrkitError(
                    f"plugin {name!r} is the __main__ module; isolation='process' re-creates "
                    "plugins in a child process by importing them, so move the hook "
                    "implementations into an importable module"
                )
            specs.append(PluginSpec(name, module=plugin.__name__))
            continue
        try:
            specs.append(PluginSpec(name, pickled=pickle.dumps(plugin)))
        except Exception as exc:
            raise OcrkitError(
                f"plugin {name!r} ({type(plugin).__name__}) cannot be sent to the backend process "
                f"({exc}); register a module, or an object that pickles, to use isolation='process'"
            ) from exc
    return specs


def register_plugins(registry: Any, specs: Sequence[PluginSpec]) -> None:
    """Register *specs* in *registry* in order (pluggy's call order depends on it)."""
    for spec in specs:
        if spec.module is not None:
            plugin: object = importlib.import_module(spec.module)
        else:
            assert spec.pickled is not None
            plugin = pickle.loads(spec.pickled)
        registry.register(plugin, name=spec.name)


# -- images -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PackedImage:
    """A :class:`PageImage` in transit: inline pixels, or a memfd of the sender."""

    shape: tuple[int, ...]
    source: str | None
    path: str | None
    array: np.ndarray | None = None  # inline
    pid: int = 0  # memfd owner
    fd: int = -1  # memfd number in the owner
    dpi: float | None = None


def shared_memory_supported() -> bool:
    return hasattr(os, "memfd_create") and sys.platform.startswith("linux")


MEMFD_NAME = "ocrkit-image"


def _memfd_with(data: memoryview | bytes) -> int:
    fd = os.memfd_create(MEMFD_NAME)
    try:
        # pwrite, not an mmap copy: the kernel fills the pages directly (2x faster).
        view, done = memoryview(data), 0
        os.ftruncate(fd, len(view))
        while done < len(view):
            done += os.pwrite(fd, view[done:], done)
    except BaseException:
        os.close(fd)
        raise
    return fd


class ImagePacker:
    """Pack images for sending; keeps their memfds open until the reply is in.

    Use as a context manager around the request: the child opens
    ``/proc/<pid>/fd/<fd>`` while the request runs, so the descriptors must stay
    open until then, and are closed on exit (the memory goes with the last close).
    """

    def __init__(self, images: Sequence[PageImage], shared: bool) -> None:
        self._images = images
        self._shared = shared
        self._stack = ExitStack()

    def __enter__(self) -> list[PackedImage]:
        packed = []
        try:
            for img in self._images:
                arr = np.ascontiguousarray(img.array)
                path = str(img.path) if img.path is not None else None
                if self._shared and arr.nbytes >= SHARED_MIN_BYTES:
                    fd = _memfd_with(memoryview(arr.data).cast("B"))
                    self._stack.callback(os.close, fd)
                    packed.append(PackedImage(arr.shape, img.source, path, pid=os.getpid(), fd=fd, dpi=img.dpi))
                else:
                    packed.append(PackedImage(arr.shape, img.source, path, array=arr, dpi=img.dpi))
        except BaseException:
            self._stack.close()
            raise
        return packed

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


def probe_memfd() -> tuple[int, int]:
    """A small memfd the child must be able to read before images travel that way."""
    return os.getpid(), _memfd_with(b"ocrkit-probe")


def read_probe(pid: int, fd: int) -> bool:
    try:
        with open(f"/proc/{pid}/fd/{fd}", "rb") as fh:
            return fh.read() == b"ocrkit-probe"
    except OSError:
        return False


def unpack_images(packed: Sequence[PackedImage], stack: ExitStack) -> list[PageImage]:
    """Rebuild :class:`PageImage` s; memfd pixels are mapped copy-on-write, not copied.

    Mappings are closed by *stack*; one still referenced by a backend at that point
    is left to the garbage collector instead.
    """
    images = []
    for item in packed:
        if item.array is not None:
            arr = item.array
        else:
            size = int(np.prod(item.shape))
            link = f"/proc/{item.pid}/fd/{item.fd}"
            with open(link, "rb") as fh:
                # The descriptor must still be the sender's image (not a number reused
                # after the sender gave up on the call).
                if not os.readlink(link).startswith(f"/memfd:{MEMFD_NAME}") or os.fstat(fh.fileno()).st_size != size:
                    raise OcrkitError("image shared memory is gone (the caller abandoned the call)")
                mm = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_COPY)
            stack.callback(_close_quietly, mm)
            arr = np.ndarray(item.shape, dtype=np.uint8, buffer=mm)
        images.append(PageImage(arr, source=item.source, path=Path(item.path) if item.path else None, dpi=item.dpi))
    return images


def _close_quietly(mm: mmap.mmap) -> None:
    try:
        mm.close()
    except BufferError:  # a backend kept a view; the mapping goes with it
        pass
