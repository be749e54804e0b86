"""The FastAPI application: routes, error answers, and what runs at start and stop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import PurePath
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .._inventory import backend_rows, model_rows
from .._open import DEFAULT_BACKEND
from .._registry import get_registry
from ..analysis import AnalysisSettings
from ..documents import DEFAULT_DPI, MAX_DPI, MIN_DPI, ReadSpec
from ..errors import InvalidModelNameError, OcrkitError, ReadDeadlineError
from ..images import max_pixels_from_env
from ..store import ModelStore, plain_name_problem
from ._auth import ApiKeyGuard
from ._config import MEMORY_PER_PIXEL, ServeConfig
from ._engines import EngineCache
from ._errors import ServeError, error_payload
from ._limits import Admission, BodyLimit
from ._metrics import CONTENT_TYPE_LATEST, Metrics, MetricsMiddleware
from ._reading import FORMATS, ReadRequest, media_type, read_document

__all__ = ["create_app", "ServerState"]

log = logging.getLogger("ocrkit.serve")

#: The page size assumed for a request's memory when the pixel limit is off (0).
DEFAULT_UNLIMITED_PIXELS = 150_000_000

ROUTES = frozenset({"/v1/read", "/v1/backends", "/v1/models", "/healthz", "/readyz", "/metrics"})
READ_PARAMETERS = frozenset({"backend", "model", "lang", "layout", "format", "pages", "dpi", "option",
                             "rotate_pages", "deskew"})

_READ_BODY = {
    "required": True,
    "description": "The document: a multipart upload in the part named `file` "
    "(`curl -F file=@scan.pdf`), or the raw bytes as the request body "
    "(`curl --data-binary @scan.png`). An image (PNG, JPEG, TIFF, ...; a multi-page TIFF is "
    "every frame) or a PDF. Only these bytes are read: a request can never name a file on the server.",
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["file"],
                       "properties": {"file": {"type": "string", "format": "binary"}}},
        },
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "image/*": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _error_schema(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"example": {"error": "one line: what was wrong and what to do",
                                                     "type": "OcrkitError class", "status": 422}}},
    }


_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The document in the requested format, as `ocrkit read` prints it",
          "content": {"text/plain": {}, "application/json": {}}},
    401: _error_schema("Missing or wrong API key (only with --api-key-file)"),
    404: _error_schema("Unknown backend or model; `known` lists the known ones"),
    408: _error_schema("The upload did not arrive within --timeout (the connection is closed)"),
    413: _error_schema("Body above --max-body-bytes, or an image above OCRKIT_MAX_IMAGE_PIXELS"),
    414: _error_schema("The request line is longer than 16 KiB"),
    422: _error_schema("Not an image/PDF, corrupt, encrypted; an unknown parameter or option "
                       "(`accepted` lists the accepted ones); a bad parameter value"),
    431: _error_schema("The request's headers are longer than 16 KiB in all"),
    429: _error_schema("Busy: all recognition slots and the queue are taken; see Retry-After"),
    502: _error_schema("The isolated backend process crashed on this input (--isolation process)"),
    503: _error_schema("The backend or its model cannot run on this server, or it is shutting down"),
    504: _error_schema("The request ran longer than --timeout"),
}


#: ``option=`` (a list default: one module-level Query, not a call per definition).
_OPTION_QUERY = Query([], description="backend option KEY=VALUE, repeatable (`option=psm=6`); "
                      "each backend's options are in GET /v1/backends?verbose=true")


class ServerState:
    """What the routes share: the config, the engine cache, the admission, the metrics."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.admission = Admission(config.concurrency, config.queue, config.timeout, config.max_memory)
        self.metrics = Metrics(
            running=lambda: self.admission.running,
            queued=lambda: self.admission.queued,
            open_engines=lambda: self.cache.open_count,
            routes=ROUTES,
        )
        self.cache = EngineCache(
            max_engines=config.max_engines,
            idle_free=config.idle_free,
            max_image_pixels=config.max_image_pixels,
            on_event=self.metrics.engine_event,
        )
        self.ready = False
        self.stopping = False
        self.stop_by: float | None = None  # monotonic time the shutdown must be done by (signal + budget)
        self.abandoned = 0  # requests still running when that time came

    def preload(self) -> None:
        """Open the ``--preload`` engines (``backend`` or ``backend:model``) before serving."""
        for name in self.config.preload:
            backend, _, model = name.partition(":")
            self.cache.preload(ReadSpec(backend, model or None, isolation=self.config.isolation))

    def close(self) -> None:
        """Wait for running recognitions (until ``stop_by``, if set), then free every engine.

        Requests still running then are abandoned: their engines are not freed under them
        (the process is about to exit), and :func:`serve` exits without waiting for them."""
        self.ready = False
        budget = None if self.stop_by is None else max(self.stop_by - time.monotonic(), 0.0)
        self.abandoned = self.admission.close(budget)
        if not self.abandoned:
            self.cache.close()


def _check_query(request: Request) -> None:
    unknown = sorted(set(request.query_params) - READ_PARAMETERS)
    if unknown:
        raise ServeError(
            422,
            f"unknown query parameter(s) {', '.join(unknown)}; accepted: {', '.join(sorted(READ_PARAMETERS))} "
            "(backend options go in option=KEY=VALUE)",
            accepted=sorted(READ_PARAMETERS),
        )


async def _document(request: Request) -> tuple[bytes, str | None]:
    """The uploaded bytes and the upload's file name (a label only, never opened)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=0) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise ServeError(422, "the multipart upload has no file part named 'file'; send it as -F file=@scan.pdf")
            data = await upload.read()
            name = PurePath(upload.filename.replace("\\", "/")).name if upload.filename else None
    else:
        data, name = await request.body(), None
    if not data:
        raise ServeError(422, "the request has no document; upload it as -F file=@scan.pdf or as the raw body")
    return data, name


def _read_spec(request: Request, config: ServeConfig, backend: str, model: str | None, option: list[str],
               pages: str | None, dpi: float, layout: str, lang: str | None = None,
               analysis: AnalysisSettings | None = None) -> ReadSpec:
    """The query as the read pipeline's request, refused (422/404) before anything is read or queued."""
    _check_query(request)
    if model is not None and (problem := plain_name_problem(model)):
        raise InvalidModelNameError(f"model {model!r} is not a model name: {problem}")
    return ReadSpec.from_arguments(backend, model, option, isolation=config.isolation, pages=pages, dpi=dpi,
                                   layout=layout, lang=lang, analysis=analysis or AnalysisSettings())


async def _receive(request: Request, deadline: float, timeout: float) -> tuple[bytes, str | None]:
    """The upload, read within the request's time (408 past it, and the connection closed)."""
    try:
        return await asyncio.wait_for(_document(request), max(deadline - time.monotonic(), 0.001))
    except asyncio.TimeoutError:
        raise ServeError(
            408, f"the upload did not arrive within the server's timeout of {timeout:g} s; "
            "send it faster, or a smaller file", headers={"Connection": "close"},
        ) from None


def _recognise(state: ServerState, job: ReadRequest) -> str:
    """One admitted read, on a recognition thread; past the request's deadline the client
    has its 504, so the pipeline stops at the next page and frees the slot."""
    with state.cache.engine(job.spec) as engine:
        try:
            return read_document(engine, job)
        except ReadDeadlineError:
            raise ServeError(504, "the request's time ran out; its read was stopped") from None


def _memory_for(upload: int, config: ServeConfig) -> int:
    """What a read of an *upload* of that many bytes may need at most: the upload and its
    largest page (the pixel limit) with the backend's work on it."""
    pixels = config.max_image_pixels if config.max_image_pixels is not None else max_pixels_from_env()
    return upload + (pixels or DEFAULT_UNLIMITED_PIXELS) * MEMORY_PER_PIXEL


def _engine_counts(engines: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``/readyz`` says of the open engines: counts only (options and models are other clients')."""
    by_backend: dict[str, int] = {}
    for e in engines:
        by_backend[e["backend"]] = by_backend.get(e["backend"], 0) + 1
    return {"open": len(engines), "in_use": sum(1 for e in engines if e["in_use"]),
            "preloaded": sum(1 for e in engines if e["preloaded"]), "backends": by_backend}


def create_app(config: ServeConfig | None = None, state: ServerState | None = None) -> FastAPI:
    """The ``ocrkit serve`` application. *state* (engines, limits) is made from *config* unless given."""
    state = state or ServerState(config or ServeConfig())
    config = state.config

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.ready = True
        try:
            yield
        finally:
            state.stopping = True
            await run_in_threadpool(state.close)

    app = FastAPI(
        title="ocrkit",
        version=__version__,
        description="OCR over HTTP: one API over every ocrkit backend, with warm shared engines that are "
        "freed when idle. `POST /v1/read` answers what `ocrkit read` prints for the same file.",
        lifespan=lifespan,
    )
    app.state.ocrkit = state
    # Starlette runs the last added outermost: metrics see every answer, then the key, then the body cap.
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    if config.api_key:
        app.add_middleware(ApiKeyGuard, api_key=config.api_key)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)

    @app.exception_handler(OcrkitError)
    @app.exception_handler(ServeError)
    async def _known_error(request: Request, exc: Exception) -> JSONResponse:
        payload = error_payload(exc)
        return JSONResponse(payload, status_code=payload["status"], headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'query')}: {e.get('msg')}"
                    for e in exc.errors()]
        return JSONResponse({"error": "invalid parameter " + "; ".join(problems), "type": "InvalidParameter",
                             "status": 422}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404:
            message = f"no such endpoint {request.url.path}; see /docs for the API"
        return JSONResponse({"error": message, "type": "HTTPException", "status": exc.status_code},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_payload(exc), status_code=500)

    @app.get("/healthz", summary="Liveness: the process answers", tags=["service"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Readiness: able to serve requests (503 while starting or stopping)",
             tags=["service"])
    async def readyz() -> JSONResponse:
        if not state.ready or state.stopping:
            return JSONResponse({"status": "stopping" if state.stopping else "starting"}, status_code=503)
        return JSONResponse({
            "status": "ready", "running": state.admission.running, "queued": state.admission.queued,
            "memory_reserved": state.admission.reserved, "max_memory": config.max_memory,
            "concurrency": config.concurrency, "queue": config.queue,
            "engines": _engine_counts(state.cache.describe()),
        })

    @app.get("/metrics", summary="Prometheus metrics", tags=["service"],
             response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
    async def metrics() -> Response:
        return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/backends", summary="The backends, as `ocrkit backends --json` lists them", tags=["ocr"])
    def backends(verbose: bool = Query(False, description="also capabilities, options and models")) -> list[dict]:
        return backend_rows(get_registry(), ModelStore(), verbose)

    @app.get("/v1/models", summary="The models discovery finds, as `ocrkit models list --json` lists them",
             tags=["ocr"])
    def models(backend: str | None = Query(None, description="only this backend's models")) -> list[dict]:
        return model_rows(get_registry(), ModelStore(), backend)

    @app.post("/v1/read", summary="Recognise a document (image or PDF)", tags=["ocr"],
              response_class=Response, responses=_READ_RESPONSES, openapi_extra={"requestBody": _READ_BODY})
    async def read(
        request: Request,
        backend: str = Query(DEFAULT_BACKEND, description="OCR backend; see GET /v1/backends"),
        model: str | None = Query(None, description="model name, e.g. a tesseract language such as `eng` "
                                  "or `deu+eng`; default: the backend's; see GET /v1/models"),
        lang: str | None = Query(None, max_length=1000, description="languages to read, e.g. `fra` or `fra+eng` "
                                 "(ISO 639-2 as GET /v1/backends lists them; `en`, `de`... work too): the installed "
                                 "model that reads them; 404 naming what to pull when none does"),
        layout: str = Query("page", description="`page`: find the text on the page; `line`: the image is one "
                            "text line; a backend may declare more"),
        format: Literal[FORMATS] = Query("text", description="output format; `json` as in docs/json-format.md"),  # type: ignore[valid-type]
        pages: str | None = Query(None, description="pages to read, 1-based, e.g. `1-3,7` (default: all)"),
        dpi: float = Query(DEFAULT_DPI, ge=MIN_DPI, le=MAX_DPI, description="resolution PDF pages are rendered at"),
        option: list[str] = _OPTION_QUERY,
        rotate_pages: bool = Query(True, description="turn pages upright (0/90/180/270) before reading; boxes stay "
                                   "in the input's pixels (docs/documents-and-formats.md, page analysis)"),
        deskew: bool = Query(True, description="straighten skewed pages before reading"),
    ) -> Response:
        started = time.monotonic()
        deadline = started + config.timeout
        analysis = AnalysisSettings(rotate_pages=rotate_pages, deskew=deskew)
        spec = _read_spec(request, config, backend, model, option, pages, dpi, layout, lang, analysis)
        data, name = await _receive(request, deadline, config.timeout)
        state.admission.admit()  # after the upload: a slow client holds no place
        job = ReadRequest(data=data, spec=spec, name=name, fmt=format, deadline=deadline)
        body = await state.admission.run(lambda: _recognise(state, job), started, _memory_for(len(data), config))
        return Response(body, media_type=media_type(format))

    return app
