"""Requests and replies of the Accounting API, independent of the ASGI plumbing.

Handlers are plain synchronous functions ``(ApiRequest) -> Reply`` run in a worker thread, so the
SQLite work never blocks the event loop and several requests can be in flight (the concurrency
limit needs that). Query parameter names are matched case-insensitively and boolean values
accept any case (xero-python sends ``True``/``False``), as Xero does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sandbox.xero import dates, jsonio
from sandbox.xero.errors import BadRequest
from sandbox.xero.store import Store

PROVIDER_NAME = "auxo-xero-sync sandbox"


@dataclass
class Reply:
    status: int
    body: Any  # a dict/list to serialise, or ready JSON text/bytes
    headers: dict[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return jsonio.dumps(self.body).encode()


@dataclass
class ApiRequest:
    store: Store
    method: str
    path: str  # the full path, e.g. /api.xro/2.0/Invoices/123
    segments: list[str]  # after /api.xro/2.0
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    tenant_id: str
    info: dict[str, Any] = field(default_factory=dict)  # for the request log (documents count)

    def __post_init__(self) -> None:
        self.query = {key.lower(): value for key, value in parse_qsl(self.query_string, keep_blank_values=True)}
        self._json: Any = None

    def param(self, name: str) -> str | None:
        value = self.query.get(name.lower())
        return value if value not in (None, "") else None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.param(name)
        return default if value is None else value.strip().lower() in ("true", "1", "yes")

    def int_param(self, name: str) -> int | None:
        value = self.param(name)
        try:
            number = int(value) if value is not None else None
        except ValueError:
            return None
        # the spec's integer parameters are int32; a larger page would overflow SQLite's OFFSET
        return number if number is None or -2**31 <= number < 2**31 else None

    @property
    def unitdp(self) -> int:
        return 4 if self.int_param("unitdp") == 4 else 2

    @property
    def summarize(self) -> bool:
        """All-or-nothing unless the client opts out with ``summarizeErrors=false``."""
        return self.flag("summarizeErrors", default=True)

    def json(self) -> Any:
        if self._json is None:
            if not self.body.strip():
                raise BadRequest("The request body is empty.")
            try:
                self._json = jsonio.loads(self.body)
            except ValueError as exc:
                raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
            except RecursionError as exc:
                raise BadRequest("The request body is not valid JSON: nested too deeply.") from exc
        return self._json

    def elements(self, plural: str) -> list[dict]:
        """The documents of an envelope body ``{"<Plural>": [...]}`` (a bare object or list is
        accepted too)."""
        body = self.json()
        if isinstance(body, dict):
            key = next((k for k in body if k.lower() == plural.lower()), None)
            items = body[key] if key is not None else [body]
        else:
            items = body
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise BadRequest(f"Expected {{\"{plural}\": [ ... ]}} in the request body.")
        self.info["documents"] = len(items)
        return items


def envelope(plural: str, docs: list[dict], now_ms: int, *, pagination: dict | None = None,
             warnings: list[dict] | None = None) -> dict:
    body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": PROVIDER_NAME,
                            "DateTimeUTC": dates.envelope_timestamp(now_ms)}
    if pagination is not None:
        body["pagination"] = pagination
    if warnings:
        body["Warnings"] = warnings
    body[plural] = docs
    return body


def bad_request(exc: BadRequest) -> Reply:
    return Reply(400, {"ErrorNumber": exc.number, "Type": exc.error_type, "Message": exc.message})
