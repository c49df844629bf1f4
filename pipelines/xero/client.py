"""The one HTTP client for Xero's Accounting API.

It works unchanged against api.xero.com and against the sandbox: only the URLs, the credentials
and (for the embedded sandbox) the httpx transport differ. It authenticates (client credentials
or rotating refresh tokens), sends the tenant header, pages with ``pageSize=1000``, reads
incrementally with ``If-Modified-Since``, keeps within the rate limits, and retries what is worth
retrying. Writes always carry an ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from pipelines.http import (
    ApiError,
    AuthError,
    BadRequest,
    ClosingClient,
    DailyLimitReached,
    NotFound,
    RetryableApiError,
    RetryPolicy,
    decode_answer,
    decode_json,
    expect_shape,
    retry_after_seconds,
    transport_error,
)
from pipelines.xero.auth import TokenProvider, TokenStore, XeroCredentials
from pipelines.xero.budget import RateBudget
from pipelines.xero.dates import format_if_modified_since
from pipelines.xero.scopes import covers, missing_scope_message, needed_scope

log = logging.getLogger(__name__)

XERO_API_URL = "https://api.xero.com/api.xro/2.0"
XERO_TOKEN_URL = "https://identity.xero.com/connect/token"
XERO_CONNECTIONS_URL = "https://api.xero.com/connections"
MAX_PAGE_SIZE = 1000
MAX_BATCH = 50


class MissingScope(AuthError):
    """Xero refused a call because the connection lacks its scope; the message names it and the fix."""

    def __init__(self, message: str, *, scope: str | None, status: int, body: object = None) -> None:
        super().__init__(message, status=status, body=body)
        self.scope = scope


@dataclass(frozen=True)
class XeroEndpoints:
    api_url: str = XERO_API_URL
    token_url: str = XERO_TOKEN_URL
    connections_url: str = XERO_CONNECTIONS_URL


class XeroClient(ClosingClient):
    """A Xero organisation reached through one app's credentials."""

    def __init__(
        self,
        credentials: XeroCredentials,
        *,
        tenant_id: str | None = None,
        endpoints: XeroEndpoints | None = None,
        secrets_dir: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        budget: RateBudget | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.endpoints = endpoints or XeroEndpoints()
        self.retry = retry or RetryPolicy()
        self.budget = budget or RateBudget()
        self._http = httpx.Client(transport=transport, timeout=timeout,
                                  headers={"Accept": "application/json", "User-Agent": "auxo-xero-sync"})
        # with a secrets folder, a token stored by `auxo-xero connect xero` selects the refresh-token flow
        store = TokenStore(secrets_dir, credentials.client_id) if secrets_dir else None
        self._tokens = TokenProvider(self._http, self.endpoints.token_url, credentials, store, self.retry)
        # unset: the organisation chosen at `auxo-xero connect xero`, else the single connected one
        remembered = store.details().get("tenant_id") if store is not None and self._tokens.refresh_flow else None
        self._tenant_id = tenant_id or remembered
        # a Custom Connection's token is bound to its one organisation; a user's token (refresh-token
        # flow) names none, so without a tenant its organisation is looked up in /connections first
        self._tenant_by_connection = self._tokens.refresh_flow
        self.calls: Counter[tuple[str, str]] = Counter()  # (method, endpoint) -> calls made

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def custom_connection(self) -> bool:
        """Client credentials (a Custom Connection) rather than a refresh token."""
        return not self._tokens.refresh_flow

    @property
    def tenant_id(self) -> str | None:
        return self._tenant_id

    def resolve_tenant(self) -> str:
        """The tenant id: configured, or the single organisation ``/connections`` lists."""
        if self._tenant_id:
            return self._tenant_id
        connections = self.connections()
        orgs = [c for c in connections if c.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if len(orgs) != 1:
            names = ", ".join(f"{c.get('tenantName')} ({c.get('tenantId')})" for c in orgs) or "none"
            raise AuthError(f"set XERO_TENANT_ID: this app is connected to {len(orgs)} organisations: {names}")
        self._tenant_id = orgs[0]["tenantId"]
        return self._tenant_id

    def connections(self) -> list[dict[str, Any]]:
        body = self._send("GET", self.endpoints.connections_url, endpoint="connections", tenant=False)
        return list(body or [])

    def _send(self, method: str, url: str, *, endpoint: str, params: dict[str, Any] | None = None,
              json_body: Any = None, headers: dict[str, str] | None = None, tenant: bool = True) -> Any:
        if tenant and not self._tenant_id and self._tenant_by_connection:
            self.resolve_tenant()

        def attempt() -> Any:
            request_headers = {"Authorization": f"Bearer {self._tokens.token()}", **(headers or {})}
            if tenant and self._tenant_id:
                request_headers["xero-tenant-id"] = self._tenant_id
            with self.budget.slot():
                self.calls[(method, endpoint)] += 1
                try:
                    response = self._http.request(method, url, params=params, json=json_body,
                                                  headers=request_headers)
                except httpx.TransportError as exc:
                    raise transport_error(exc, f"Xero {method} {endpoint}") from exc
            self.budget.observe(response)
            return self._interpret(response, method, endpoint)

        try:
            return self.retry.call(attempt)
        except AuthError as exc:
            if exc.status != 401 or isinstance(exc, MissingScope):
                raise
            self._tokens.invalidate()  # an access token revoked early: fetch a new one, once
            return self.retry.call(attempt)

    def _interpret(self, response: httpx.Response, method: str, endpoint: str) -> Any:
        status = response.status_code
        what = f"Xero {method} {endpoint}"
        if status < 300:
            return decode_answer(response, what, "XERO_API_URL")
        body = _safe_json(response)
        if status == 429:
            problem = response.headers.get("X-Rate-Limit-Problem", "minute").lower()
            if problem == "day":
                self.budget.day_remaining = 0
                raise DailyLimitReached(
                    "Xero's daily API limit for this organisation is used up; the rest will be sent by the next run",
                    status=429, body=body)
            raise RetryableApiError(f"{what}: Xero's {problem} rate limit was hit", status=429, body=body,
                                    retry_after=retry_after_seconds(response) or 1.0)
        if status >= 500:
            raise RetryableApiError(f"{what}: Xero answered {status}", status=status, body=body,
                                    retry_after=retry_after_seconds(response))
        if status in (401, 403):
            self._raise_if_scope_missing(status, body, method, endpoint)
        if status == 401:
            raise AuthError(f"{what}: Xero refused the access token (401)", status=401, body=body)
        if status == 403:
            raise AuthError(f"{what}: Xero refused access to this organisation (403) — check XERO_TENANT_ID "
                            "and that the app is still connected", status=403, body=body)
        if status == 404:
            raise NotFound(f"{what}: not found", status=404, body=body)
        if status == 400:
            raise BadRequest(f"{what}: {validation_summary(body)}", status=400, body=body)
        raise ApiError(f"{what}: unexpected HTTP {status}", status=status, body=body)

    def _raise_if_scope_missing(self, status: int, body: Any, method: str, endpoint: str) -> None:
        """A refusal for want of a scope: Xero answers 401 ``AuthorizationUnsuccessful`` (token valid,
        scope missing), or 403 for a call the token's granted scopes do not cover."""
        detail = body.get("Detail") if isinstance(body, dict) else None
        granted = self._tokens.granted
        lacks = granted is not None and not covers(granted, method, endpoint)
        if needed_scope(method, endpoint) and (detail == "AuthorizationUnsuccessful" or lacks):
            raise MissingScope(missing_scope_message(method, endpoint, custom_connection=self.custom_connection),
                               scope=needed_scope(method, endpoint), status=status, body=body)

    # -- reads --------------------------------------------------------------------------------

    def get(self, endpoint: str, *, params: dict[str, Any] | None = None,
            modified_since: datetime | None = None) -> dict[str, Any]:
        headers = {"If-Modified-Since": format_if_modified_since(modified_since)} if modified_since else None
        return self._send("GET", f"{self.endpoints.api_url}/{endpoint}", endpoint=endpoint, params=params,
                          headers=headers)

    def pages(self, endpoint: str, collection: str | None = None, *, params: dict[str, Any] | None = None,
              modified_since: datetime | None = None, page_size: int = MAX_PAGE_SIZE,
              ordered: bool = True) -> Iterator[list[dict[str, Any]]]:
        """Every record of a paged endpoint, a page at a time, oldest change first.

        Stops at the first page shorter than ``page_size``. ``ordered=False`` leaves out
        ``order=UpdatedDateUTC ASC`` (Xero's ManualJournals misbehave with it).
        """
        collection = collection or endpoint
        query = dict(params or {})
        query["pageSize"] = min(page_size, MAX_PAGE_SIZE)
        if ordered:
            query.setdefault("order", "UpdatedDateUTC ASC")
        page = 1
        while True:
            body = self.get(endpoint, params={**query, "page": page}, modified_since=modified_since)
            what = f"Xero GET {endpoint}"
            records = expect_shape(expect_shape(body or {}, dict, what, "the answer").get(collection, []), list, what,
                                   collection)
            if records:
                yield records
            if len(records) < query["pageSize"]:
                return
            page += 1

    def get_all(self, endpoint: str, collection: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        return [record for page in self.pages(endpoint, collection, **kwargs) for record in page]

    def organisation(self) -> dict[str, Any]:
        return self.get("Organisation")["Organisations"][0]

    # -- writes -------------------------------------------------------------------------------

    def write(self, method: str, endpoint: str, collection: str, documents: list[dict[str, Any]], *,
              idempotency_key: str, summarize_errors: bool = False) -> list[dict[str, Any]]:
        """PUT (create) or POST (update) up to 50 documents; the per-document results, in order.

        With ``summarize_errors=False`` (the default) Xero answers 200 and marks each element with
        ``StatusAttributeString`` and ``ValidationErrors``, so one bad document fails alone.
        """
        if method not in ("PUT", "POST"):
            raise ValueError(f"write method must be PUT or POST, not {method}")
        if not 0 < len(documents) <= MAX_BATCH:
            raise ValueError(f"a Xero write takes 1 to {MAX_BATCH} documents, got {len(documents)}")
        if not idempotency_key or len(idempotency_key) > 128:
            raise ValueError("every Xero write needs an Idempotency-Key of at most 128 characters")
        params = {"summarizeErrors": "false" if not summarize_errors else "true"}
        body = self._send(method, f"{self.endpoints.api_url}/{endpoint}", endpoint=endpoint.split("/")[0],
                          params=params, json_body={collection: documents},
                          headers={"Idempotency-Key": idempotency_key})
        return list((body or {}).get(collection, []))


    def delete(self, endpoint: str, *, idempotency_key: str) -> dict[str, Any]:
        """``DELETE`` one sub-resource (an allocation); Xero answers with what it removed (``IsDeleted``)."""
        if not idempotency_key or len(idempotency_key) > 128:
            raise ValueError("every Xero write needs an Idempotency-Key of at most 128 characters")
        body = self._send("DELETE", f"{self.endpoints.api_url}/{endpoint}", endpoint=endpoint.split("/")[0],
                          headers={"Idempotency-Key": idempotency_key})
        return body if isinstance(body, dict) else {}


def _safe_json(response: httpx.Response) -> Any:
    try:
        return decode_json(response)
    except ValueError:
        return response.text[:2000]


def validation_messages(element: dict[str, Any]) -> list[str]:
    """Xero's validation messages on one element of a write result or a 400's ``Elements``."""
    messages = [e.get("Message", "") for e in element.get("ValidationErrors") or []]
    for nested in ("LineItems", "JournalLines", "Allocations", "Payments"):
        for item in element.get(nested) or []:
            if isinstance(item, dict):
                messages += [e.get("Message", "") for e in item.get("ValidationErrors") or []]
    return [m for m in messages if m]


def validation_summary(body: Any) -> str:
    """One readable line from a Xero 400 body."""
    if isinstance(body, dict):
        messages = [m for element in body.get("Elements") or [] for m in validation_messages(element)]
        if messages:
            return "; ".join(dict.fromkeys(messages))
        if body.get("Message"):
            return str(body["Message"])
        if body.get("Detail"):
            return str(body["Detail"])
    return str(body)[:500] if body else "bad request"
