"""Time spent inside the embedded sandboxes, per system: the API's share of a run's wall time.

The sandboxes run in-process (``sandbox.embedded``), on the same two cores as the pipeline, so a
run's wall time mixes the project's own work with the stand-in APIs' work. Wrapping the embedded
transport's ``handle_request`` (in the benchmark's process only) separates them.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

BY_ENDPOINT: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])  # "xero PUT Invoices" -> [seconds, calls]
PASSES: list[dict[str, Any]] = []  # one per read of a paged collection: system, endpoint, records, pages
_lock = threading.Lock()


def _count_passes(cls: Any, system: str) -> None:
    """Wrap ``cls.pages`` so every read of a paged collection records how many records it returned."""
    if getattr(cls.pages, "_bench_counted", False):
        return
    original = cls.pages

    def pages(self: Any, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        entry = {"system": system, "endpoint": endpoint, "records": 0, "pages": 0}
        with _lock:
            PASSES.append(entry)
        for page in original(self, endpoint, *args, **kwargs):
            entry["records"] += len(page)
            entry["pages"] += 1
            yield page

    pages._bench_counted = True  # type: ignore[attr-defined]
    cls.pages = pages


def install() -> None:
    """Time the embedded sandboxes and count what every paged read returns (this process only)."""
    from pipelines.auxo.client import AuxoClient
    from pipelines.xero.client import XeroClient
    from sandbox.embedded import EmbeddedTransport

    _count_passes(XeroClient, "xero")
    _count_passes(AuxoClient, "auxo")

    if getattr(EmbeddedTransport.handle_request, "_bench_timed", False):
        return
    original = EmbeddedTransport.handle_request

    def timed(self: Any, request: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, request)
        finally:
            host = request.url.host.split(".")[0]
            seconds = time.perf_counter() - started
            parts = request.url.path.split("/")
            endpoint = parts[3] if len(parts) > 3 and parts[1] in ("api.xro", "api") else request.url.path
            with _lock:
                figures = BY_ENDPOINT[f"{host} {request.method} {endpoint}"]
                figures[0] += seconds
                figures[1] += 1

    timed._bench_timed = True  # type: ignore[attr-defined]
    EmbeddedTransport.handle_request = timed  # type: ignore[method-assign]


def snapshot() -> dict[str, dict[str, float]]:
    with _lock:
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        for key, (seconds, calls) in BY_ENDPOINT.items():
            host = totals[key.split(" ", 1)[0]]
            host[0] += seconds
            host[1] += calls
        return {host: {"seconds": round(seconds, 2), "calls": int(calls)} for host, (seconds, calls) in totals.items()}


def by_endpoint() -> dict[str, dict[str, float]]:
    """Seconds inside the sandbox per system, method and endpoint (the first path segment)."""
    with _lock:
        return {key: {"seconds": round(seconds, 2), "calls": int(calls),
                      "per_call": round(seconds / calls, 3) if calls else 0.0}
                for key, (seconds, calls) in sorted(BY_ENDPOINT.items(), key=lambda kv: -kv[1][0])}


def passes() -> list[dict[str, Any]]:
    with _lock:
        return [dict(entry) for entry in PASSES]


def unpace_xero_client() -> None:
    """Take the Xero client's own 60-a-minute pacing out (this process only).

    ``pipelines.xero.budget.RateBudget`` paces every Xero client at Xero's 60 calls a minute
    whatever the server says, as it must against real Xero. With the sandbox's limits off the
    benchmarks measure the project's own speed, so the pacing is lifted here; the rate-bound
    benchmark keeps it (and the sandbox's limits on).
    """
    from pipelines.xero import budget

    defaults = list(budget.RateBudget.__init__.__defaults__ or ())
    defaults[0] = 1_000_000  # per_minute
    budget.RateBudget.__init__.__defaults__ = tuple(defaults)
