"""The Auxo sandbox app: the API of docs/auxo-api.md over file-backed state, plus the admin surface.

``create_app(state_dir)`` builds it (initialising an empty workshop on first use);
``connection_info(state_dir, base_url)`` says how a client connects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.auxo.admin import admin_routes
from sandbox.auxo.routes import api_routes, error_response
from sandbox.auxo.store import Store, us_to_timestamp
from sandbox.faults import FaultConfig, FaultInjectionMiddleware, FaultStore

API_PREFIX = "/api/"


def _is_api(scope: Scope) -> bool:
    return scope["path"].startswith(API_PREFIX)


def _fault_response(kind: str, config: FaultConfig) -> Response:
    if kind == "429":
        return error_response(429, "rate_limited", "Too many requests (sandbox fault).",
                              headers={"Retry-After": str(config.retry_after_seconds)})
    if kind == "503":
        return error_response(503, "unavailable", "Auxo is briefly unavailable (sandbox fault).",
                              headers={"Retry-After": str(config.retry_after_seconds)})
    return error_response(500, "internal_error", "Something went wrong in Auxo (sandbox fault).")


def _documents(body: bytes) -> int:
    if not body.strip():
        return 0
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return 0
    items = parsed.get("items") if isinstance(parsed, dict) else None
    return len(items) if isinstance(items, list) else 1


class RequestLogMiddleware:
    """Records every API request (time, method, path, query, Idempotency-Key, status, documents)."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_api(scope):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:  # read the body up front to count its documents, then hand it on unchanged
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = {"code": 0}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            await self.app(scope, replay, watch)
        finally:
            self.store.log_request({
                "at": us_to_timestamp(self.store.now_us()), "method": scope["method"], "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "idempotency_key": headers.get("idempotency-key"), "status": status["code"] or 500,
                "documents": _documents(body),
            })


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "invalid_request")
    return error_response(status, code, f"{request.method} {request.url.path}: {code.replace('_', ' ')}.")


def create_app(state_dir: Path) -> Starlette:
    """The sandbox over the state in ``state_dir`` (created and initialised when new)."""
    store = Store(Path(state_dir))
    faults = FaultStore(Path(state_dir))
    app = Starlette(
        routes=[*api_routes(), *admin_routes()],
        middleware=[
            Middleware(RequestLogMiddleware, store=store),
            Middleware(FaultInjectionMiddleware, store=faults, make_response=_fault_response, applies_to=_is_api),
        ],
        exception_handlers={404: _http_error, 405: _http_error},
    )
    app.state.store = store
    app.state.faults = faults
    app.state.api_key = store.api_key()
    return app


def connection_info(state_dir: Path, base_url: str) -> dict[str, Any]:
    """What a client needs: ``base_url`` (``<base>/api/v1``), ``openapi_url``, ``api_key``, ``admin_url``."""
    base = base_url.rstrip("/")
    return {"system": "auxo", "base_url": f"{base}/api/v1", "openapi_url": f"{base}/api/v1/openapi.yaml",
            "api_key": Store(Path(state_dir)).api_key(), "admin_url": f"{base}/admin"}
