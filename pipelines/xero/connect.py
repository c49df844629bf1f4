"""``auxo-xero connect xero``: connect a Xero organisation once, so every run can reach it.

A **Web app** (the default) uses Xero's authorization-code flow with PKCE: the user's browser opens
Xero's consent page (or the URL is printed), Xero redirects to a one-off server on
``http://localhost:<port>/callback`` (127.0.0.1 only), the ``state`` is checked, the code is
exchanged for tokens, ``/connections`` lists the organisations the user connected, one is chosen
(``tenant`` or a prompt), the refresh token goes into the :class:`~pipelines.xero.auth.TokenStore`
(never printed) and the connection is verified by reading the Organisation.

A **Custom Connection** (``custom_connection=True``) has no browser step: a client-credentials
token, ``/connections`` (one organisation) and the same verification; any stored refresh token is
removed so the runs use client credentials.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from pipelines.http import ApiError, RetryPolicy, decode_json
from pipelines.xero.auth import TOKEN_ERROR_HINTS, TokenStore, XeroCredentials, post_token_request
from pipelines.xero.client import XeroClient, XeroEndpoints
from pipelines.xero.scopes import authorization_code_scopes, client_credentials_scopes

XERO_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
DEFAULT_PORT = 8765
CALLBACK_PATH = "/callback"


class ConnectError(Exception):
    """The connection could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class ConnectTarget:
    """Where and as which app to connect (from ``XeroSettings``)."""

    credentials: XeroCredentials
    endpoints: XeroEndpoints
    authorize_url: str = XERO_AUTHORIZE_URL
    secrets_dir: Path | None = None
    configured_refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Connected:
    tenant_id: str
    tenant_name: str
    organisation_name: str
    custom_connection: bool
    organisations: list[dict[str, Any]]
    scope: str = ""


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (43 characters of base64url) and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_url(authorize_url: str, *, client_id: str, redirect_uri: str, scope: str, state: str,
                      code_challenge: str) -> str:
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": scope, "state": state, "code_challenge": code_challenge,
                       "code_challenge_method": "S256"})
    return f"{authorize_url}?{query}"


class CallbackServer:
    """A one-request HTTP server on 127.0.0.1 that receives Xero's redirect."""

    def __init__(self, port: int = 0) -> None:
        received: dict[str, str] = {}
        arrived = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                if not arrived.is_set():
                    received.update({k: v[0] for k, v in parse_qs(parts.query).items()})
                    arrived.set()
                ok = "code" in received and "error" not in received
                text = ("Connected: you can close this window and go back to the terminal." if ok else
                        "The connection was not made: see the terminal for why.")
                page = f"<!doctype html><html><body><p>{text}</p></body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:
                return  # the query carries the code: never log it

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise ConnectError(f"cannot listen on 127.0.0.1:{port} for Xero's redirect ({exc.strerror}); "
                               "choose another --port (and register its redirect URI with the app)") from None
        self._received, self._arrived = received, arrived
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}{CALLBACK_PATH}"

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> dict[str, str] | None:
        return dict(self._received) if self._arrived.wait(timeout) else None


def _pick(organisations: list[dict[str, Any]], tenant: str | None,
          choose: Callable[[list[dict[str, Any]]], dict[str, Any]] | None) -> dict[str, Any]:
    if not organisations:
        raise ConnectError("the app is connected to no Xero organisation: choose one on Xero's consent page")
    if tenant:
        wanted = tenant.strip().lower()
        for org in organisations:
            if wanted in (str(org.get("tenantId", "")).lower(), str(org.get("tenantName", "")).lower()):
                return org
        names = ", ".join(f"{o.get('tenantName')} ({o.get('tenantId')})" for o in organisations)
        raise ConnectError(f"--tenant {tenant!r} is not among the connected organisations: {names}")
    if len(organisations) == 1:
        return organisations[0]
    if choose is None:
        names = ", ".join(f"{o.get('tenantName')} ({o.get('tenantId')})" for o in organisations)
        raise ConnectError(f"several organisations are connected ({names}): choose one with --tenant")
    return choose(organisations)


def _organisations(http: httpx.Client, connections_url: str, access_token: str) -> list[dict[str, Any]]:
    try:
        response = http.get(connections_url, headers={"Authorization": f"Bearer {access_token}",
                                                      "Accept": "application/json"})
    except httpx.TransportError as exc:
        raise ConnectError(f"cannot reach Xero's connections endpoint {connections_url}: {exc}") from None
    if response.status_code != 200:
        raise ConnectError(f"Xero's connections endpoint answered {response.status_code}")
    return [c for c in decode_json(response) or [] if c.get("tenantType", "ORGANISATION") == "ORGANISATION"]


def _verify(target: ConnectTarget, tenant_id: str, transport: httpx.BaseTransport | None) -> dict[str, Any]:
    creds = XeroCredentials(target.credentials.client_id, target.credentials.client_secret,
                            target.configured_refresh_token, target.credentials.scopes)
    with XeroClient(creds, tenant_id=tenant_id, endpoints=target.endpoints, secrets_dir=target.secrets_dir,
                    transport=transport, retry=RetryPolicy(attempts=3, base_delay=0.2)) as client:
        try:
            return client.organisation()
        except ApiError as exc:
            raise ConnectError(f"connected, but reading the organisation failed: {exc}") from None


def connect_custom_connection(target: ConnectTarget, *, tenant: str | None = None,
                              transport: httpx.BaseTransport | None = None) -> Connected:
    """Verify a Custom Connection (client credentials) and make the runs use it."""
    if target.secrets_dir is not None:
        TokenStore(target.secrets_dir, target.credentials.client_id).forget()
    with httpx.Client(transport=transport, timeout=30) as http:
        form = {"grant_type": "client_credentials", "scope": client_credentials_scopes(target.credentials.scopes)}
        body = _token(http, target, form)
        organisations = _organisations(http, target.endpoints.connections_url, body["access_token"])
    chosen = _pick(organisations, tenant, None)
    org = _verify(target, chosen["tenantId"], transport)
    return Connected(chosen["tenantId"], str(chosen.get("tenantName") or ""), str(org.get("Name") or ""),
                     True, organisations, str(body.get("scope") or ""))


def _token(http: httpx.Client, target: ConnectTarget, form: dict[str, str]) -> dict[str, Any]:
    try:
        return post_token_request(http, target.endpoints.token_url, target.credentials, form)
    except ApiError as exc:
        raise ConnectError(str(exc)) from None


def connect_web_app(target: ConnectTarget, *, port: int = DEFAULT_PORT, tenant: str | None = None,
                    open_browser: bool = True, timeout: float = 300.0,
                    say: Callable[[str], None] = print,
                    choose: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
                    transport: httpx.BaseTransport | None = None) -> Connected:
    """The authorization-code flow with PKCE, from the browser to a stored, verified refresh token."""
    if target.secrets_dir is None:
        raise ConnectError("no secrets folder to keep the refresh token in")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    scope = authorization_code_scopes(target.credentials.scopes)
    with CallbackServer(port) as callback:
        url = authorization_url(target.authorize_url, client_id=target.credentials.client_id,
                                redirect_uri=callback.redirect_uri, scope=scope, state=state,
                                code_challenge=challenge)
        opened = open_browser and _open(url)
        say(("Opened your browser at Xero's consent page. If nothing appeared, open this address:\n" if opened else
             "Open this address in a browser signed in to Xero:\n") + url)
        say(f"Waiting up to {timeout:.0f} s for Xero to redirect to {callback.redirect_uri} …")
        answer = callback.wait(timeout)
    if answer is None:
        raise ConnectError(f"no answer from Xero within {timeout:.0f} s: run `auxo-xero connect xero` again "
                           f"(check that {callback.redirect_uri} is a redirect URI of the app)")
    if not secrets.compare_digest(answer.get("state", ""), state):
        raise ConnectError("the answer's state does not match this sign-in (a stale or forged redirect): "
                           "nothing was stored; run `auxo-xero connect xero` again")
    if answer.get("error"):
        error, description = answer["error"], answer.get("error_description", "")
        if error == "access_denied":
            raise ConnectError("access was not allowed on Xero's consent page (Cancel): nothing was stored")
        raise ConnectError(f"Xero refused the sign-in: {error} {description}".rstrip()
                           + TOKEN_ERROR_HINTS.get(error, ""))
    if not answer.get("code"):
        raise ConnectError("Xero's redirect carried no code: run `auxo-xero connect xero` again")
    with httpx.Client(transport=transport, timeout=30) as http:
        body = _token(http, target, {"grant_type": "authorization_code", "code": answer["code"],
                                     "redirect_uri": callback.redirect_uri, "code_verifier": verifier})
        if not body.get("refresh_token"):
            raise ConnectError("Xero issued no refresh token (the offline_access scope was not granted)")
        organisations = _organisations(http, target.endpoints.connections_url, body["access_token"])
    chosen = _pick(organisations, tenant, choose)
    store = TokenStore(target.secrets_dir, target.credentials.client_id)
    with store.lock():
        store.save(target.configured_refresh_token, body["refresh_token"], tenant_id=chosen["tenantId"],
                   tenant_name=str(chosen.get("tenantName") or ""), scope=str(body.get("scope") or scope))
    org = _verify(target, chosen["tenantId"], transport)
    return Connected(chosen["tenantId"], str(chosen.get("tenantName") or ""), str(org.get("Name") or ""),
                     False, organisations, str(body.get("scope") or ""))


def _open(url: str) -> bool:
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False


__all__ = ["ConnectError", "ConnectTarget", "Connected", "connect_custom_connection",
           "connect_web_app", "pkce_pair"]
