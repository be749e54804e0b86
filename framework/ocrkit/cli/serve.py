"""``ocrkit serve``: the HTTP service (FastAPI + uvicorn, the ``serve`` extra).

Only ``--help`` is cheap: FastAPI and uvicorn are imported when the command runs.
"""

from __future__ import annotations

import argparse

from ..errors import OcrkitError

__all__ = ["add_parser", "run"]

#: The libraries of the ``serve`` extra, checked before starting so a missing one is one line.
SERVE_MODULES = ("fastapi", "uvicorn", "multipart", "prometheus_client")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from ..serve._config import DEFAULT_MAX_BODY_BYTES, ServeConfig

    defaults = ServeConfig()
    p = subparsers.add_parser(
        "serve",
        help="serve OCR over HTTP (POST /v1/read)",
        description="Serve OCR over HTTP: POST /v1/read takes an image or PDF and answers what "
        "`ocrkit read` prints; engines stay warm, are shared, and are freed when idle. "
        "API docs at /docs once running. Stops cleanly on SIGTERM/SIGINT.",
    )
    p.add_argument("--host", default=defaults.host, help="address to bind (default: %(default)s, this machine only)")
    p.add_argument("--port", type=int, default=defaults.port, help="port (default: %(default)s)")
    p.add_argument("--concurrency", type=int, default=defaults.concurrency,
                   help="requests recognised at once (default: the machine's cores, %(default)s)")
    p.add_argument("--queue", type=int, default=defaults.queue,
                   help="requests that may wait for a slot; beyond them 429 (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=defaults.timeout, metavar="SECONDS",
                   help="a request's time budget, queueing included; 504 after it (default: %(default)s)")
    p.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, metavar="N",
                   help="largest request body; 413 above it (default: %(default)s = 50 MB)")
    p.add_argument("--max-memory", type=int, default=None, metavar="BYTES",
                   help="memory running requests may reserve together, each its upload plus its largest page "
                   "at 18 bytes a pixel of OCRKIT_MAX_IMAGE_PIXELS (default: half the machine's memory)")
    p.add_argument("--max-engines", type=int, default=defaults.max_engines, metavar="N",
                   help="engines open at once; the least recently used idle one is freed first (default: %(default)s)")
    p.add_argument("--idle-free", type=float, default=None, metavar="SECONDS",
                   help="free an engine unused this long, memory given back (default: keep engines open)")
    p.add_argument("--preload", action="append", default=[], metavar="BACKEND[:MODEL]",
                   help="open this engine at start and keep it open (repeatable)")
    p.add_argument("--isolation", choices=("none", "process"), default=defaults.isolation,
                   help="process: each engine runs in a child process, so a native crash on a hostile "
                   "file answers 502 and the next request gets a fresh child (default: none)")
    p.add_argument("--api-key-file", metavar="FILE",
                   help="require the key in FILE on every endpoint but /healthz "
                   "(Authorization: Bearer KEY or X-API-Key: KEY)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                   help="server log level (default: %(default)s)")
    p.add_argument("--access-log", action="store_true", help="log every request (default: off)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import importlib.util

    missing = [m for m in SERVE_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise OcrkitError(
            f"ocrkit serve needs {', '.join(missing)}; install the serve extra: pip install 'ocrkit[serve]'"
        )
    from ..serve import ServeConfig, read_api_key, serve

    for spec in args.preload:
        if not spec.partition(":")[0]:
            raise OcrkitError(f"--preload {spec!r}: give BACKEND or BACKEND:MODEL")
    config = ServeConfig(
        host=args.host, port=args.port, concurrency=args.concurrency, queue=args.queue, timeout=args.timeout,
        max_body_bytes=args.max_body_bytes, max_engines=args.max_engines, idle_free=args.idle_free,
        preload=tuple(args.preload), isolation=args.isolation,
        api_key=read_api_key(args.api_key_file) if args.api_key_file else None,
        **({"max_memory": args.max_memory} if args.max_memory is not None else {}),
    )
    return serve(config, log_level=args.log_level, access_log=args.access_log)
