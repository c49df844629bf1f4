"""The Auxo API (docs/auxo-api.md): reads with keyset paging, bulk idempotent writes, one error shape."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.auxo.fields import Fields
from sandbox.auxo.rules import RuleError
from sandbox.auxo.store import RESOURCES, Store, canonical_timestamp, decode_cursor, dumps, request_hash
from sandbox.auxo.writes import WRITES

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
MAX_ITEMS = 100
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
JSON = "application/json"


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = dumps({"error": {"code": code, "message": message, "details": details or {}}})
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def json_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, media_type=JSON, headers=headers)


class RequestError(Exception):
    """A whole request refused (as opposed to one item of a bulk write)."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


def _store(request: Request) -> Store:
    return request.app.state.store


def _authorised(request: Request) -> None:
    if request.headers.get("x-api-key") != request.app.state.api_key:
        raise RequestError(401, "unauthorized", "Missing or wrong X-Api-Key header.")


def _timestamp_param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return canonical_timestamp(value)
    except ValueError:
        raise RequestError(400, "invalid_request", f"{name} must be an RFC 3339 timestamp with a time zone.",
                           {"parameter": name}) from None


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestError(400, "invalid_request", f"limit must be between 1 and {MAX_LIMIT}.", {"parameter": "limit"})
    return limit


Endpoint = Callable[[Request], Awaitable[Response]]


def _handled(handler: Endpoint) -> Endpoint:
    """Authorise, then turn refusals into the error shape."""

    async def endpoint(request: Request) -> Response:
        try:
            _authorised(request)
            return await handler(request)
        except RequestError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details)
        except RuleError as exc:
            return error_response(exc.status if exc.status != 422 else 400, exc.code, exc.message, exc.details)

    return endpoint


# ---------------------------------------------------------------- reads


async def openapi(request: Request) -> Response:
    return Response(OPENAPI_PATH.read_bytes(), media_type="application/yaml")


@_handled
async def singleton(request: Request) -> Response:
    resource = request.url.path.rsplit("/", 1)[1]
    body = await run_in_threadpool(_store(request).get_body, resource, resource)
    return json_response(body or "{}")


@_handled
async def collection(request: Request) -> Response:
    resource = request.path_params["resource"]
    if resource not in RESOURCES:
        raise RequestError(404, "not_found", f"No resource {resource!r}.", {"resource": resource})
    since = _timestamp_param(request, "updated_since")
    before = _timestamp_param(request, "updated_before")
    limit = _limit(request)
    cursor = request.query_params.get("cursor")
    after = None
    if cursor:
        try:
            after = decode_cursor(cursor)
        except ValueError:
            raise RequestError(400, "invalid_cursor", "This cursor was not issued by this server.") from None
    bodies, next_cursor = await run_in_threadpool(
        _store(request).page, resource, updated_since=since, updated_before=before, limit=limit, after=after)
    return json_response('{"data":[' + ",".join(bodies) + '],"next_cursor":' + dumps(next_cursor) + "}")


@_handled
async def member(request: Request) -> Response:
    """``GET /<resource>/<id>`` reads one record; ``POST /<resource>/<write>`` is a bulk write."""
    resource, name = request.path_params["resource"], request.path_params["name"]
    if request.method == "POST":
        write = f"{resource}/{name}"
        if write not in WRITES:
            raise RequestError(404, "not_found", f"No write {write!r}.")
        return await bulk_write(request, write)
    if resource not in RESOURCES:
        raise RequestError(404, "not_found", f"No resource {resource!r}.", {"resource": resource})
    body = await run_in_threadpool(_store(request).get_body, resource, name)
    if body is None:
        raise RequestError(404, "not_found", f"No {resource} record {name!r}.", {"resource": resource, "id": name})
    return json_response(body)


# ---------------------------------------------------------------- writes


async def bulk_write(request: Request, write: str) -> Response:
    raw = await request.body()
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= 255:
        raise RequestError(400, "invalid_request", "Idempotency-Key must be 1 to 255 characters.")
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise RequestError(400, "invalid_request", "The body is not valid JSON.") from None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise RequestError(400, "invalid_request", f'The body must be {{"items": [...]}} with 1 to {MAX_ITEMS} items.',
                           {"max_items": MAX_ITEMS})
    status, payload, replayed = await run_in_threadpool(_apply, _store(request), write, request.url.path, key, raw, items)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(payload, status_code=status, media_type=JSON, headers=headers)


def _apply(store: Store, write: str, path: str, key: str | None, raw: bytes,
           items: list[Any]) -> tuple[int, bytes, bool]:
    """Apply every item in one transaction (a savepoint each), remembering the response under the key."""
    fingerprint = request_hash("POST", path, raw)
    handler = WRITES[write]
    with store.transaction() as tx:
        if key is not None:
            previous = tx.idempotent_response(key, "POST", path)
            if previous is not None:
                if previous[0] != fingerprint:
                    body = dumps({"error": {"code": "idempotency_key_reused",
                                            "message": f"Idempotency-Key {key} was used with a different request.",
                                            "details": {"idempotency_key": key}}}).encode()
                    return 409, body, False
                return previous[1], previous[2], True
        results = []
        for index, item in enumerate(items):
            tx.con.execute("SAVEPOINT item")
            try:
                outcome, record = handler(tx, Fields(item, f"items[{index}]"))
            except RuleError as exc:
                tx.con.execute("ROLLBACK TO item")
                results.append({"ok": False, "error": {"code": exc.code, "message": exc.message, "details": exc.details}})
            except sqlite3.IntegrityError as exc:  # a constraint the handler did not foresee
                tx.con.execute("ROLLBACK TO item")
                results.append({"ok": False, "error": {"code": "conflict", "message": str(exc), "details": {}}})
            else:
                results.append({"ok": True, "outcome": outcome, "data": record})
            tx.con.execute("RELEASE item")
        payload = dumps({"results": results}).encode()
        if key is not None:
            tx.remember_response(key, "POST", path, fingerprint, 200, payload)
    return 200, payload, False


def api_routes() -> list[Route]:
    return [
        Route("/api/v1/openapi.yaml", openapi, methods=["GET"]),
        Route("/api/v1/account", singleton, methods=["GET"]),
        Route("/api/v1/sync-settings", singleton, methods=["GET"]),
        Route("/api/v1/{resource}", collection, methods=["GET"]),
        Route("/api/v1/{resource}/{name}", member, methods=["GET", "POST"]),
    ]
