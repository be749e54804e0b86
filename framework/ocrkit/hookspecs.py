"""The ocrkit plugin contract: every hook a backend or model pack may implement.

A plugin is any module or object with functions marked ``@ocrkit.hookimpl``,
registered through the ``ocrkit`` entry-point group (the built-in backends too)
or with ``Registry.register()``. Four concerns, as the lifecycle names them:

========================  ==============  ==========================================
hook                      calling         routed to
========================  ==============  ==========================================
ocrkit_describe_backend   per plugin      every plugin (model packs return ``None``)
ocrkit_discover_models    broadcast       every plugin; results are concatenated
ocrkit_load_model         firstresult     every plugin until one returns a handle
ocrkit_recognize          firstresult     the plugin that owns the handle, only
ocrkit_free_model         firstresult     the plugin that owns the handle, only (optional)
ocrkit_import_model       firstresult     the plugin that describes the record's backend
ocrkit_quantize_model     firstresult     the plugin that describes the record's backend
ocrkit_analyse_page       firstresult     every plugin until one answers (any backend)
========================  ==============  ==========================================

Threads: describe and discover are called from whichever thread opens an engine
or runs a CLI command. ``ocrkit_recognize`` is called concurrently from any
number of user threads when the backend declares the ``threadsafe`` capability
(otherwise the engine serialises calls). ``ocrkit_free_model`` is called exactly
once per handle, after every in-flight recognition on that handle has returned;
it may run on any thread, including the garbage collector's. A backend without it
is freed by the core calling ``handle.state.free()``.

Hooks routed to one plugin (recognize, free, import, quantize) never see another
backend's handle or record: they need no ``if handle.backend != NAME`` check.

Hook implementations must not import their heavy native libraries at module
import time: ``import ocrkit`` and ``ocrkit backends`` stay fast and load no model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ._records import BackendInfo, ModelHandle, ModelRecord
    from .images import PageImage
    from .results import Page, PageAnalysis

PROJECT_NAME = "ocrkit"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def ocrkit_describe_backend() -> BackendInfo | None:
    """Describe the backend this plugin provides.

    :return: a :class:`ocrkit.backend.BackendInfo` (name, version, capabilities,
        model formats, accepted options, required modules), or ``None`` for a
        plugin that provides no backend (a model pack).

    Called once per plugin when the registry builds its backend table (first use
    of a registry, ``ocrkit backends``). Must be cheap: no model loading, no
    import of the inference library. An exception here marks the plugin broken.
    """


@hookspec
def ocrkit_discover_models(backend: str, store_dir: Path) -> Sequence[ModelRecord] | None:
    """Contribute the models that exist for *backend*.

    :param backend: the backend whose models are wanted (a plugin answers for its
        own backend, and a model pack for any backend it ships models for).
    :param store_dir: that backend's directory in the model store
        (``$OCRKIT_HOME/<backend>``); it may not exist yet.
    :return: :class:`ocrkit.backend.ModelRecord` s (or ``None``/empty). The core
        concatenates every plugin's answer and orders it by
        :data:`ocrkit.backend.SOURCE_PRECEDENCE` (``store`` first), keeping each
        plugin's own order within a source. A record's ``languages`` (codes such as
        ``("kor", "eng")``) is what ``lang=`` routes by, for every backend.

    Broadcast (not firstresult). Called when an engine opens and by
    ``list_models()``/``ocrkit models list``. Must not load models.
    """


@hookspec(firstresult=True)
def ocrkit_load_model(
    backend: str,
    model: str | None,
    models: Sequence[ModelRecord],
    options: Mapping[str, Any],
) -> ModelHandle | None:
    """Load a model for *backend* and return its handle.

    :param backend: the backend name the user opened.
    :param model: the model the user asked for (``None`` = the backend's default).
    :param models: everything discovery found for *backend*, best source first.
    :param options: the user's backend options, already checked against the
        names the backend declared.
    :return: a :class:`ocrkit.backend.ModelHandle` with ``backend`` set, or ``None``
        if this plugin does not load models for *backend*.
    :raises ModelNotFoundError: the requested model is not among *models*
        (list the available ones). :raises ModelCorruptError: the file is there but
        does not load. :raises BackendUnavailableError: a required library or an
        execution provider is missing.

    firstresult: the first plugin returning a handle wins. Called when an engine
    opens (or on first use for ``lazy=True``), on the opening thread.
    """


@hookspec(firstresult=True)
def ocrkit_recognize(handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page] | None:
    """Recognise a batch of images with a loaded model.

    :param handle: a handle this plugin returned from ``ocrkit_load_model``.
    :param images: decoded, validated images (``PageImage``: uint8 ``L`` or ``RGB``).
    :param layout: ``"page"`` (find the text), ``"line"`` (each image is one text
        line: skip segmentation/detection), or another layout the backend declared
        as a capability (e.g. ``"detect"``).
    :return: one :class:`ocrkit.results.Page` per image, in order.

    Routed only to the handle's owner. May be called concurrently from several
    threads for ``threadsafe`` backends; never after ``ocrkit_free_model`` for
    the same handle (the engine guarantees that).
    """


@hookspec(firstresult=True)
def ocrkit_free_model(handle: ModelHandle) -> bool | None:
    """Release everything the handle holds: native objects, sessions, file
    descriptors, accelerator memory.

    :return: ``True`` when done. Routed only to the handle's owner; called once,
    after in-flight recognitions have finished. Must not raise for a handle
    whose resources are already partly gone. The core then drops ``handle.state``
    and returns freed heap to the OS (``ocrkit.backend.release_memory``).

    Optional: for a backend that does not implement it, the core calls
    ``handle.state.free()`` instead (the :class:`ocrkit.backend.HandleState`
    convention), so a backend whose state knows how to free itself needs no
    freeing hook. A state without ``free()`` is then a ``PluginWarning``.
    """


@hookspec(firstresult=True)
def ocrkit_import_model(record: ModelRecord, dest_dir: Path) -> Path | None:
    """Copy a discovered model (found outside the store) into the store.

    :param record: a record from ``ocrkit_discover_models`` (e.g. a PP-OCR set
        shipped inside a Python package, a system traineddata).
    :param dest_dir: the backend's store directory (exists).
    :return: the path of the new store entry, or ``None`` to let the core copy
        ``record.all_files()`` as they are. A backend whose models need more than
        their files (a manifest, renamed files) implements this.

    Routed only to the plugin that describes ``record.backend``. Called by
    ``ocrkit models import`` and ``Engine.import_model()``. Must write atomically
    (to a temporary name in *dest_dir*, then rename) so a failed import leaves
    nothing half-copied in the store.
    """


@hookspec(firstresult=True)
def ocrkit_quantize_model(
    record: ModelRecord,
    dest_dir: Path,
    name: str | None,
    calibration: Path | None,
    progress: Callable[[str], None] | None,
) -> Path | None:
    """Make a quantised (int8) model from a discovered one, in the store.

    :param record: a record from ``ocrkit_discover_models`` (store or not).
    :param dest_dir: the backend's store directory (exists).
    :param name: the new entry's name, or ``None`` for the backend's default
        (the onnx backend: ``<record.name>-int8``).
    :param calibration: a folder of the user's own images to calibrate on, or
        ``None`` for the backend's default calibration (no download).
    :param progress: called with a short line at each stage (may be ``None``).
    :return: the path of the new store entry, or ``None`` when this backend
        cannot quantise (the core then says so).

    Routed only to the plugin that describes ``record.backend``. Called by
    ``ocrkit models quantize``. Must check the new model against *record* before
    publishing it (raising an ``OcrkitError`` that says by how much it missed),
    write atomically, and describe the derivation in the new record's
    ``extra["derived"]`` (``{"from": NAME, "precision": "int8", ...}``) so
    ``ocrkit models list`` and ``audit`` can show it.
    """


@hookspec(firstresult=True)
def ocrkit_analyse_page(image: PageImage, backend: str) -> PageAnalysis | None:
    """Find which way up a page image is, and its skew, before any backend reads it.

    :param image: the page as given (``PageImage``, uint8 ``L`` or ``RGB``), on page
        layouts only (never for ``layout="line"``).
    :param backend: the backend that will recognise the page (an analyser may use it
        or ignore it: its answer is used for every backend).
    :return: a :class:`ocrkit.results.PageAnalysis`: ``rotation`` (0/90/180/270, the
        clockwise turn of the content), ``rotation_confidence`` (0..1, compared with the
        user's ``rotate_pages_threshold``), ``skew`` in degrees (positive: lines run
        downhill; ``None`` leaves skew to the built-in measure) and ``analyser`` (a
        name for the record); or ``None`` to let the next plugin, then the built-in
        analyser, answer.

    firstresult, over every plugin (not routed to a backend's owner): a plugin that
    brings a better orientation or layout model turns pages for every backend,
    built-in or third-party. Called by the read pipeline once per page, on the
    thread reading that page, possibly concurrently for different pages. The answer
    is checked (angles, ranges, types); a plugin that raises or answers nonsense
    fails the page with a :class:`PluginError` naming it. Forced angles in the
    user's settings (``rotation=``, ``skew=``) skip the hook. See ``ocrkit.analysis``.
    """
