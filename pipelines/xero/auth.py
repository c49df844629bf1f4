"""OAuth 2.0 for Xero: Custom Connections (client credentials) and refresh-token rotation.

Xero rotates refresh tokens: every refresh returns a new one and the old one dies (after a
30-minute grace period, so a refresh whose response was lost can be retried with the old token).
Losing the new token therefore means losing the connection, so it is written to disk atomically
*before* the new access token is used. Tokens never reach logs, exceptions or asset metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from pipelines.http import AuthError, RetryableApiError, RetryPolicy, decode_json, transport_error

EXPIRY_MARGIN_SECONDS = 60  # refresh a minute before the access token expires


@dataclass(frozen=True)
class XeroCredentials:
    """A Xero app's credentials. With ``refresh_token`` the refresh-token flow is used, else client credentials."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    scopes: str = "accounting.transactions accounting.contacts accounting.settings"

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ValueError(
                "Xero credentials are incomplete: set XERO_CLIENT_ID and XERO_CLIENT_SECRET "
                "(environment or .dlt/secrets.toml [xero])"
            )


class TokenStore:
    """The current refresh token of one Xero app, persisted atomically (0600) under the secrets folder.

    The file remembers which configured token it descends from: if a person configures a new
    refresh token, that one wins over the stored descendant of the old one.
    """

    def __init__(self, folder: Path, client_id: str) -> None:
        self.path = Path(folder) / f"xero-refresh-token-{hashlib.sha256(client_id.encode()).hexdigest()[:16]}.json"

    @staticmethod
    def _fingerprint(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def current(self, configured: str) -> str:
        try:
            stored = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return configured
        if stored.get("configured_fingerprint") != self._fingerprint(configured):
            return configured
        return stored["refresh_token"]

    def save(self, configured: str, refresh_token: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        payload = {"configured_fingerprint": self._fingerprint(configured), "refresh_token": refresh_token,
                   "rotated_at": time.time()}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


class TokenProvider:
    """Hands out a valid access token, fetching or refreshing it when needed (thread-safe)."""

    def __init__(self, http: httpx.Client, token_url: str, credentials: XeroCredentials,
                 store: TokenStore | None, retry: RetryPolicy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if credentials.refresh_token and store is None:
            raise ValueError("the refresh-token flow needs a TokenStore to persist rotated tokens")
        self._http = http
        self._token_url = token_url
        self._credentials = credentials
        self._store = store
        self._retry = retry
        self._clock = clock
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._access_token is None or self._clock() >= self._expires_at:
                self._fetch()
            assert self._access_token is not None
            return self._access_token

    def invalidate(self) -> None:
        """Forget the access token (after a 401) so the next call fetches a new one."""
        with self._lock:
            self._access_token = None

    def _fetch(self) -> None:
        creds = self._credentials
        if creds.refresh_token:
            assert self._store is not None
            current = self._store.current(creds.refresh_token)
            form = {"grant_type": "refresh_token", "refresh_token": current}
        else:
            form = {"grant_type": "client_credentials", "scope": creds.scopes}
        body = self._retry.call(lambda: self._post(form))
        if creds.refresh_token:
            new_refresh = body.get("refresh_token")
            if not new_refresh:
                raise AuthError("Xero's token endpoint returned no refresh token; reconnect the app")
            assert self._store is not None
            self._store.save(creds.refresh_token, new_refresh)  # persist before use
        self._access_token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 1800)) - EXPIRY_MARGIN_SECONDS

    def _post(self, form: dict[str, str]) -> dict:
        creds = self._credentials
        try:
            response = self._http.post(self._token_url, data=form, auth=(creds.client_id, creds.client_secret))
        except httpx.TransportError as exc:
            raise transport_error(exc, "Xero token request") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryableApiError(f"Xero token endpoint answered {response.status_code}", status=response.status_code)
        body = decode_json(response) if response.content else {}
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            hint = (" — the refresh token expired or was already used; issue a new one and set XERO_REFRESH_TOKEN"
                    if error == "invalid_grant" else " — check XERO_CLIENT_ID and XERO_CLIENT_SECRET")
            raise AuthError(f"Xero refused the credentials ({response.status_code} {error or ''}){hint}",
                            status=response.status_code)
        return body
