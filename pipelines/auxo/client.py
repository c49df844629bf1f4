"""The one HTTP client for the Auxo Workshop API (contract: docs/auxo-api.md).

API-key auth, keyset-cursor paging with ``updated_since``/``updated_before`` windows, retries on
what is worth retrying, and an ``Idempotency-Key`` on every write, so a write whose response was
lost can be retried without doing it twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from pipelines.http import (
    ApiError,
    AuthError,
    BadRequest,
    ClosingClient,
    NotFound,
    RetryableApiError,
    RetryPolicy,
    decode_answer,
    decode_json,
    expect_shape,
    retry_after_seconds,
    transport_error,
)

MAX_PAGE_SIZE = 1000
MAX_BATCH = 100


def format_timestamp(value: datetime) -> str:
    """An Auxo timestamp: RFC 3339 UTC with microseconds and ``Z``."""
    if value.tzinfo is None:
        raise ValueError("Auxo timestamps need an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class AuxoClient(ClosingClient):
    """One Auxo Workshop account."""

    def __init__(self, base_url: str, api_key: str, *, transport: httpx.BaseTransport | None = None,
                 retry: RetryPolicy | None = None, timeout: float = 60.0) -> None:
        if not api_key:
            raise ValueError("Auxo API key missing: set AUXO_API_KEY (environment or .dlt/secrets.toml [auxo])")
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(transport=transport, timeout=timeout,
                                  headers={"Accept": "application/json", "X-Api-Key": api_key,
                                           "User-Agent": "auxo-xero-sync"})
        self.calls: Counter[tuple[str, str]] = Counter()

    def _send(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
              headers: dict[str, str] | None = None) -> Any:
        endpoint = path.strip("/").split("/")[0]

        def attempt() -> Any:
            self.calls[(method, endpoint)] += 1
            try:
                response = self._http.request(method, f"{self.base_url}/{path.lstrip('/')}", params=params,
                                              json=json_body, headers=headers)
            except httpx.TransportError as exc:
                raise transport_error(exc, f"Auxo {method} {endpoint}") from exc
            return self._interpret(response, f"Auxo {method} {path}")

        return self.retry.call(attempt)

    @staticmethod
    def _interpret(response: httpx.Response, what: str) -> Any:
        status = response.status_code
        if status < 300:
            return decode_answer(response, what, "AUXO_API_URL")
        try:
            body = decode_json(response)
        except ValueError:
            body = response.text[:2000]
        error = body.get("error", {}) if isinstance(body, dict) else {}
        message = error.get("message") or str(body)[:300]
        if status == 429 or status >= 500:
            raise RetryableApiError(f"{what}: Auxo answered {status}: {message}", status=status, body=body,
                                    retry_after=retry_after_seconds(response))
        if status in (401, 403):
            raise AuthError(f"{what}: Auxo refused the API key ({status}) — check AUXO_API_KEY", status=status,
                            body=body)
        if status == 404:
            raise NotFound(f"{what}: {message}", status=status, body=body)
        if status in (400, 409, 422):
            raise BadRequest(f"{what}: {message}", status=status, body=body)
        raise ApiError(f"{what}: unexpected HTTP {status}: {message}", status=status, body=body)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._send("GET", path, params=params)

    def pages(self, resource: str, *, updated_since: datetime | None = None, updated_before: datetime | None = None,
              limit: int = MAX_PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Every record of ``resource`` changed in ``[updated_since, updated_before)``, a page at a time."""
        params: dict[str, Any] = {"limit": min(limit, MAX_PAGE_SIZE)}
        if updated_since:
            params["updated_since"] = format_timestamp(updated_since)
        if updated_before:
            params["updated_before"] = format_timestamp(updated_before)
        cursor = None
        while True:
            body = self.get(resource, {**params, **({"cursor": cursor} if cursor else {})})
            what = f"Auxo GET {resource}"
            records = expect_shape(expect_shape(body, dict, what, "the answer").get("data", []), list, what, "data")
            if records:
                yield records
            cursor = body.get("next_cursor")
            if not cursor:
                return

    def write(self, method: str, path: str, items: list[dict[str, Any]], *, idempotency_key: str) -> list[dict[str, Any]]:
        """A bulk write of up to 100 items; per-item results ``{"ok": bool, "data"|"error": ...}`` in order."""
        if not 0 < len(items) <= MAX_BATCH:
            raise ValueError(f"an Auxo bulk write takes 1 to {MAX_BATCH} items, got {len(items)}")
        body = self._send(method, path, json_body={"items": items}, headers={"Idempotency-Key": idempotency_key})
        return list((body or {}).get("results", []))
