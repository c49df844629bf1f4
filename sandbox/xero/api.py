"""The ASGI app behind ``/api.xro/2.0``: authentication, rate limits, faults, then the resources.

Order matters and mirrors Xero: a request is first authenticated (401/403; a token without the
resource's scope: 401 ``AuthorizationUnsuccessful``), then counted against
the tenant's limits (429), then exposed to the configured faults (429/500/503/slow/drop), and only
then handled by the books of the organisation addressed. Every response carries the ``X-*Limit-Remaining`` headers.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sandbox.faults import FaultConfig, FaultInjectionMiddleware, FaultStore
from sandbox.xero import errors, jsonio, organisations, ratelimit, routes, state
from sandbox.xero.identity import AuthError, authenticate, authorize_scope
from sandbox.xero.store import Store
from sandbox.xero.wire import ApiRequest, Reply

API_PREFIX = "/api.xro/2.0"
JSON = "application/json; charset=utf-8"


def headers_of(scope: Scope) -> dict[str, str]:
    return {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}


def segments_of(path: str) -> list[str]:
    index = path.lower().find(API_PREFIX.lower())
    rest = path[index + len(API_PREFIX):] if index >= 0 else path
    return [part for part in rest.split("/") if part]


def response_of(reply: Reply, extra_headers: dict[str, str] | None = None) -> Response:
    headers = {**reply.headers, **(extra_headers or {})}
    if reply.status == 204:
        return Response(status_code=204, headers=headers)
    return Response(reply.content(), status_code=reply.status, headers=headers, media_type=JSON)


def fault_response(kind: str, config: FaultConfig) -> Response:
    """Xero-shaped answers for injected faults."""
    if kind == "429":
        body = errors.problem(429, "Too Many Requests", "Rate limit exceeded")
        return Response(jsonio.dumps(body), 429, media_type=JSON,
                        headers={"Retry-After": str(config.retry_after_seconds), "X-Rate-Limit-Problem": "minute"})
    if kind == "503":
        body = errors.problem(503, "Service Unavailable", "The Xero API is temporarily unavailable")
        return Response(jsonio.dumps(body), 503, media_type=JSON)
    body = {"ErrorNumber": 500, "Type": "UnknownErrorException",
            "Message": "An error occurred in Xero. Check the API Status page http://status.developer.xero.com "
                       "for current service status."}
    return Response(jsonio.dumps(body), 500, media_type=JSON)


class ApiApp:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.concurrency = ratelimit.Concurrency()
        self.faults = FaultStore(store.state_dir)
        self.inner = FaultInjectionMiddleware(self.dispatch, self.faults, fault_response, lambda scope: True)

    def _admit(self, headers: dict[str, str], method: str, path: str) -> tuple[dict, dict]:
        with self.store.read() as tx:
            claims = authenticate(self.store, tx, headers)
            segments = segments_of(path)
            if segments:
                authorize_scope(claims, segments[0], method)
            return claims, state.read_config(tx)["rate_limits"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = headers_of(scope)
        scope.setdefault("state", {})
        try:
            claims, limits = await anyio.to_thread.run_sync(self._admit, headers, scope["method"], scope["path"])
        except AuthError as exc:
            await response_of(Reply(exc.status, exc.body))(scope, receive, send)
            return
        tenant = claims["tenant_id"]
        scope["state"]["xero_tenant"] = tenant
        acquired = False
        if limits.get("enabled"):
            if not self.concurrency.acquire(tenant, int(limits["concurrent"])):
                verdict = ratelimit.unlimited(limits)
                verdict.problem, verdict.retry_after = "concurrent", 1
            else:
                acquired = True
                verdict = await anyio.to_thread.run_sync(ratelimit.count_call, self.store, tenant, limits)
        else:
            verdict = ratelimit.unlimited(limits)
        try:
            if verdict.problem:
                body = errors.problem(429, "Too Many Requests", f"You've exceeded the per {verdict.problem} rate limit")
                reply = Reply(429, body, {"Retry-After": str(verdict.retry_after),
                                          "X-Rate-Limit-Problem": verdict.problem})
                await response_of(reply, verdict.headers)(scope, receive, send)
                return
            await self.inner(scope, receive, _with_headers(send, verdict.headers))
        finally:
            if acquired:
                self.concurrency.release(tenant)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = headers_of(scope)
        tenant = scope["state"].get("xero_tenant", "")
        store = await anyio.to_thread.run_sync(organisations.store_for, self.store, tenant) if tenant else self.store
        request = ApiRequest(store=store, method=scope["method"].upper(), path=scope["path"],
                             segments=segments_of(scope["path"]),
                             query_string=scope.get("query_string", b"").decode("latin-1"),
                             headers=headers, body=bytes(body), tenant_id=tenant)
        reply = await run_in_threadpool(routes.dispatch, request)
        if "documents" in request.info:
            scope["state"]["xero_documents"] = request.info["documents"]
        await response_of(reply)(scope, receive, send)


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    encoded = [(key.lower().encode(), value.encode()) for key, value in extra.items()]

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return wrapped
