"""``/metrics``: what an operator watches, in Prometheus text format.

Requests by route and status, a latency histogram, in-flight and queued work,
open engines, engine loads and frees (by reason), and the process's resident
memory. Each app has its own collector registry, so two apps in one process
(tests) never share counters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .._memory import rss_bytes
from ._errors import Receive, Send

__all__ = ["Metrics", "MetricsMiddleware", "CONTENT_TYPE_LATEST"]

#: Seconds; OCR requests take from tens of milliseconds to minutes.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, float("inf"))


class Metrics:
    """The server's collectors (see :class:`MetricsMiddleware` for the request counts)."""

    def __init__(self, running: Callable[[], int], queued: Callable[[], int], open_engines: Callable[[], int],
                 routes: frozenset[str]) -> None:
        self.registry = CollectorRegistry()
        self.routes = routes
        self.requests = Counter("ocrkit_http_requests", "HTTP requests answered, by route and status",
                                ("route", "status"), registry=self.registry)
        self.latency = Histogram("ocrkit_http_request_duration_seconds", "Time to answer a request, by route",
                                 ("route",), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.in_flight = Gauge("ocrkit_http_requests_in_flight", "HTTP requests being answered",
                               registry=self.registry)
        Gauge("ocrkit_recognitions_running", "Requests being recognised now",
              registry=self.registry).set_function(running)
        Gauge("ocrkit_recognitions_queued", "Admitted requests waiting for a recognition slot",
              registry=self.registry).set_function(queued)
        Gauge("ocrkit_engines_open", "Engines open in the cache",
              registry=self.registry).set_function(open_engines)
        self.engine_events = Counter("ocrkit_engine_events", "Engines loaded and freed (event=load|free:<reason>)",
                                     ("event",), registry=self.registry)
        Gauge("ocrkit_process_resident_memory_bytes", "Resident memory of the server process",
              registry=self.registry).set_function(rss_bytes)

    def engine_event(self, kind: str) -> None:
        self.engine_events.labels(kind).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)



class MetricsMiddleware:
    """ASGI middleware: count each HTTP request under its route (unknown paths as ``other``).

    Added last, it is the outermost user middleware: 401s and 413s are counted too."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        m = self.metrics
        route = scope["path"] if scope["path"] in m.routes else "other"
        status = 500  # what the server answers if the app fails before responding

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        begin = time.perf_counter()
        m.in_flight.inc()
        try:
            await self.app(scope, receive, watched_send)
        finally:
            m.in_flight.dec()
            m.latency.labels(route).observe(time.perf_counter() - begin)
            m.requests.labels(route, str(status)).inc()
