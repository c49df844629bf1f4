"""OAuth 2.0 for Xero: Custom Connections (client credentials) and refresh-token rotation.

Xero rotates refresh tokens: every refresh returns a new one and the old one dies (after a
30-minute grace period, so a refresh whose response was lost can be retried with the old token).
Losing the new token therefore means losing the connection, so it is written to disk atomically
*before* the new access token is used, and every refresh runs under a cross-process file lock
beside the store, re-reading the store once the lock is held: two runs (Dagster workers, the CLI)
never both spend the same token. Tokens never reach logs, exceptions or asset metadata.
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
from filelock import FileLock, Timeout

from pipelines.http import AuthError, RetryableApiError, RetryPolicy, decode_json, transport_error
from pipelines.xero.scopes import DEFAULT_SCOPES, client_credentials_scopes

EXPIRY_MARGIN_SECONDS = 60  # refresh a minute before the access token expires
LOCK_TIMEOUT_SECONDS = 120.0  # a refresh takes a second; minutes mean a stuck process


@dataclass(frozen=True)
class XeroCredentials:
    """A Xero app's credentials. With ``refresh_token`` (configured, or stored by ``auxo-xero connect
    xero``) the refresh-token flow is used, else client credentials (a Custom Connection)."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    scopes: str = DEFAULT_SCOPES

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ValueError(
                "Xero credentials are incomplete: set XERO_CLIENT_ID and XERO_CLIENT_SECRET "
                "(environment or .dlt/secrets.toml [xero])"
            )


class TokenStore:
    """The current refresh token of one Xero app, persisted atomically (0600) under the secrets folder.

    The file remembers which configured token it descends from: if a person configures a new
    refresh token, that one wins over the stored descendant of the old one. A token stored by
    ``auxo-xero connect xero`` descends from none and is used while no token is configured.
    """

    def __init__(self, folder: Path, client_id: str) -> None:
        self.path = Path(folder) / f"xero-refresh-token-{hashlib.sha256(client_id.encode()).hexdigest()[:16]}.json"
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @staticmethod
    def _fingerprint(token: str | None) -> str | None:
        return hashlib.sha256(token.encode()).hexdigest() if token else None

    def _read(self) -> dict | None:
        try:
            stored = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return stored if isinstance(stored, dict) and stored.get("refresh_token") else None

    def has_token(self) -> bool:
        return self._read() is not None

    def current(self, configured: str | None) -> str | None:
        stored = self._read()
        if stored is None:
            return configured or None
        if configured and stored.get("configured_fingerprint") != self._fingerprint(configured):
            return configured
        return stored["refresh_token"]

    def details(self) -> dict:
        """What ``connect`` recorded beside the token (tenant, scopes), never the token itself."""
        stored = self._read() or {}
        return {k: v for k, v in stored.items() if k in ("tenant_id", "tenant_name", "scope", "rotated_at")}

    def save(self, configured: str | None, refresh_token: str, **details: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        previous = self.details()
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        payload = {**previous, **details, "configured_fingerprint": self._fingerprint(configured),
                   "refresh_token": refresh_token, "rotated_at": time.time()}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a crash
        finally:
            os.close(dir_fd)

    def forget(self) -> None:
        """Remove the stored token (switching to a Custom Connection)."""
        self.path.unlink(missing_ok=True)

    def lock(self) -> FileLock:
        """The cross-process lock every refresh of this app's token runs under."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(self.lock_path, timeout=LOCK_TIMEOUT_SECONDS)


class TokenProvider:
    """Hands out a valid access token, fetching or refreshing it when needed (thread- and process-safe)."""

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
        self.refresh_flow = bool(credentials.refresh_token) or bool(store and store.has_token())
        self.granted: frozenset[str] | None = None  # the scopes of the current access token

    def __repr__(self) -> str:
        flow = "refresh_token" if self.refresh_flow else "client_credentials"
        return f"TokenProvider({self._credentials.client_id!r}, {flow})"

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
        if not self.refresh_flow:
            form = {"grant_type": "client_credentials", "scope": client_credentials_scopes(self._credentials.scopes)}
            self._use(self._retry.call(lambda: self._post(form)))
            return
        store = self._store
        assert store is not None
        configured = self._credentials.refresh_token
        try:
            with store.lock():
                # read under the lock: another process may have rotated the token a moment ago
                current = store.current(configured)
                if not current:
                    raise AuthError("no Xero refresh token is stored: run `auxo-xero connect xero` "
                                    "(or set XERO_REFRESH_TOKEN)")
                body = self._retry.call(lambda: self._post({"grant_type": "refresh_token",
                                                            "refresh_token": current}))
                new_refresh = body.get("refresh_token")
                if not new_refresh:
                    raise AuthError("Xero's token endpoint returned no refresh token: the connection lacks "
                                    "offline_access; reconnect with `auxo-xero connect xero`")
                store.save(configured, new_refresh, scope=str(body.get("scope") or ""))  # persist before use
        except Timeout:
            raise AuthError(f"another process has held the Xero token lock {store.lock_path} for "
                            f"{LOCK_TIMEOUT_SECONDS:.0f} s; if none is running, delete that file") from None
        self._use(body)

    def _use(self, body: dict) -> None:
        scope = body.get("scope")
        if scope:
            self.granted = frozenset(scope.split() if isinstance(scope, str) else scope)
        self._access_token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 1800)) - EXPIRY_MARGIN_SECONDS

    def _post(self, form: dict[str, str]) -> dict:
        return post_token_request(self._http, self._token_url, self._credentials, form)


def post_token_request(http: httpx.Client, token_url: str, credentials: XeroCredentials,
                       form: dict[str, str]) -> dict:
    """One request to Xero's token endpoint (client_secret_basic); the JSON answer, or a clear error."""
    try:
        response = http.post(token_url, data=form, auth=(credentials.client_id, credentials.client_secret))
    except httpx.TransportError as exc:
        raise transport_error(exc, "Xero token request") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise RetryableApiError(f"Xero token endpoint answered {response.status_code}", status=response.status_code)
    body = decode_json(response) if response.content else {}
    if response.status_code != 200:
        error = body.get("error") if isinstance(body, dict) else None
        hint = TOKEN_ERROR_HINTS.get(error or "", " — check XERO_CLIENT_ID and XERO_CLIENT_SECRET")
        raise AuthError(f"Xero refused the credentials ({response.status_code} {error or ''}){hint}",
                        status=response.status_code)
    return body


TOKEN_ERROR_HINTS = {
    "invalid_grant": (" — the refresh token expired or was already used; reconnect with "
                      "`auxo-xero connect xero` (or set a new XERO_REFRESH_TOKEN)"),
    "invalid_scope": (" — the app may not ask for these scopes (XERO_SCOPES); apps created since 2 March 2026 "
                      "get granular scopes only: add them to the app in the Xero developer portal"),
    "unauthorized_client": (" — this app may not use this grant: a Web app needs the browser sign-in first "
                            "(`auxo-xero connect xero`); a Custom Connection uses client credentials "
                            "(`auxo-xero connect xero --custom-connection`)"),
    "invalid_client": " — check XERO_CLIENT_ID and XERO_CLIENT_SECRET",
}
