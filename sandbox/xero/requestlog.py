"""The request log: every ``/api.xro``, ``/connect`` and ``/connections`` request, kept in the state.

Tests count API calls with it and prove a dry run sends nothing. Each entry: ``seq``, ``time``
(sandbox clock), ``method``, ``path``, ``query``, ``idempotency_key``, ``status`` (the status the
app produced, also when the response was then dropped), ``dropped``, ``tenant`` and ``documents``
(elements in the request body's envelope).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.faults import SandboxDroppedResponse
from sandbox.xero import clock, dates, jsonio
from sandbox.xero.store import Store

LOGGED_PREFIXES = ("/api.xro", "/connect", "/connections")


def _count_documents(body: bytes) -> int:
    if not body.strip():
        return 0
    try:
        parsed = jsonio.loads(body)
    except ValueError:
        return 0
    if isinstance(parsed, list):
        return len(parsed)
    if isinstance(parsed, dict):
        lists = [value for value in parsed.values() if isinstance(value, list)]
        return len(lists[0]) if len(lists) == 1 else 1
    return 0


def record(store: Store, entry: dict[str, Any]) -> None:
    with store.write(documents=False) as tx:
        tx.conn.execute(
            "INSERT INTO request_log(ts_ms, method, path, query, idempotency_key, status, tenant, documents, dropped)"
            " VALUES(?,?,?,?,?,?,?,?,?)",
            (clock.now_ms(tx), entry["method"], entry["path"], entry["query"], entry["idempotency_key"],
             entry["status"], entry["tenant"], entry["documents"], int(entry["dropped"])))


def entries(store: Store, *, method: str | None = None, path_prefix: str | None = None,
            since: str | int | None = None, after_seq: int | None = None) -> list[dict]:
    """Logged requests, oldest first. ``since``: an ISO instant or ms (sandbox clock, inclusive)."""
    clauses, params = ["1=1"], []
    if method:
        clauses.append("method = ?")
        params.append(method.upper())
    if path_prefix:
        clauses.append("lower(path) LIKE ?")
        params.append(path_prefix.lower().replace("%", "") + "%")
    if since not in (None, ""):
        clauses.append("ts_ms >= ?")
        params.append(int(since) if str(since).lstrip("-").isdigit() else dates.parse_timestamp_ms(str(since)))
    if after_seq is not None:
        clauses.append("seq > ?")
        params.append(after_seq)
    with store.read() as tx:
        rows = tx.conn.execute(
            "SELECT seq, ts_ms, method, path, query, idempotency_key, status, tenant, documents, dropped"
            f" FROM request_log WHERE {' AND '.join(clauses)} ORDER BY seq", params).fetchall()
    return [{"seq": seq, "time": datetime.fromtimestamp(ts / 1000, UTC).isoformat().replace("+00:00", "Z"),
             "time_ms": ts, "method": m, "path": p, "query": q, "idempotency_key": key, "status": status,
             "tenant": tenant, "documents": documents, "dropped": bool(dropped)}
            for seq, ts, m, p, q, key, status, tenant, documents, dropped in rows]


def clear(store: Store) -> None:
    with store.write(documents=False) as tx:
        tx.conn.execute("DELETE FROM request_log")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.lower().startswith(LOGGED_PREFIXES):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        body = bytearray()
        status: list[int] = []
        dropped = False

        async def receive_and_keep() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        async def send_and_note(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_note)
        except SandboxDroppedResponse:
            dropped = True
            raise
        finally:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            documents = scope["state"].get("xero_documents")
            entry = {
                "method": scope["method"].upper(), "path": path,
                "query": scope.get("query_string", b"").decode("latin-1"),
                "idempotency_key": (headers.get("idempotency-key") or "").strip() or None,
                "status": status[0] if status else None,
                "tenant": scope["state"].get("xero_tenant") or headers.get("xero-tenant-id") or None,
                "documents": documents if documents is not None else (
                    _count_documents(bytes(body)) if path.lower().startswith("/api.xro") else 0),
                "dropped": dropped,
            }
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(record, self.store, entry)
