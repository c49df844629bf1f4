"""Xero's identity endpoints: ``/connect/token``, ``/connect/revocation`` and ``/connections``
(the browser side, ``/identity/connect/authorize``, is in ``authorize.py``).

Grants:

- ``authorization_code`` — a code from the consent page, single-use, valid 5 minutes on the sandbox
  clock; the token request must repeat the ``redirect_uri`` and, when the authorization request
  carried a PKCE ``code_challenge`` (S256), send the matching ``code_verifier``. A refresh token
  comes back only when ``offline_access`` was granted.
- ``refresh_token`` with rotation — every refresh returns a new refresh token, and the old one keeps
  working for a 30-minute grace period (in case the response was lost), then gives ``invalid_grant``.
- ``client_credentials`` (a Custom Connection: one organisation, no refresh token, never
  ``offline_access``).

Clients authenticate with HTTP Basic or with ``client_id``/``client_secret`` in the form body.
Errors are OAuth-shaped (``{"error": …, "error_description": …}``). Scopes are checked against the
app's creation date (``scopes.py``): apps created on or after 2 March 2026 get granular scopes only.
Access tokens are HS256 JWTs carrying ``authentication_event_id`` and the granted ``scope``; they
last 30 minutes on the sandbox clock.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import UTC, date, datetime

import jwt

from sandbox.xero import dates, errors, organisations, scopes, seed_org, state
from sandbox.xero.store import Store, Tx

ACCESS_TOKEN_SECONDS = 1800
REFRESH_TOKEN_DAYS = 60
GRACE_MS = 30 * 60 * 1000
CODE_MS = 5 * 60 * 1000
# what connection_info's refresh token is granted: what a user consenting to the sync would grant
DEFAULT_SCOPE = ("offline_access accounting.contacts accounting.invoices accounting.payments "
                 "accounting.banktransactions accounting.manualjournals accounting.settings")
ISSUER = "xero-sandbox"


def _client(headers: dict[str, str], form: dict[str, str]) -> tuple[str, str]:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:].strip()).decode()
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        except (ValueError, UnicodeDecodeError):
            return "", ""
    return form.get("client_id", ""), form.get("client_secret", "")


def oauth_error(error: str, description: str | None = None) -> dict:
    return {"error": error, **({"error_description": description} if description else {})}


def app_config(tx: Tx) -> dict:
    """The sandbox app's registration, with ``created`` resolved to a date (default: today)."""
    app = dict(state.read_config(tx)["app"])
    created = app.get("created")
    app["created"] = date.fromisoformat(str(created)) if created else datetime.fromtimestamp(
        tx.now_ms / 1000, UTC).date()
    return app


def access_token(store: Store, tx: Tx, *, grant: str, scope: str, auth_event_id: str) -> str:
    creds = store.credentials()
    now = tx.now_ms // 1000
    claims = {"iss": ISSUER, "nbf": now, "iat": now, "exp": now + ACCESS_TOKEN_SECONDS,
              "client_id": creds["client_id"], "sub": creds["client_id"], "jti": secrets.token_hex(16),
              "authentication_event_id": auth_event_id, "scope": scope.split(), "grant": grant}
    return jwt.encode(claims, creds["signing_key"], algorithm="HS256")


def connect_tenants(tx: Tx, auth_event_id: str, tenant_ids: list[str]) -> None:
    """Record that the user connected these organisations to the app in this auth event."""
    for tenant_id in tenant_ids:
        tx.conn.execute("INSERT INTO connections(id, auth_event_id, tenant_id, created_ms) VALUES(?,?,?,?)",
                        (str(uuid.uuid4()), auth_event_id, tenant_id, tx.now_ms))


def issue_refresh_token(tx: Tx, client_id: str, *, scope: str = DEFAULT_SCOPE, auth_event_id: str | None = None) -> str:
    token = secrets.token_hex(32)
    tx.conn.execute(
        "INSERT INTO refresh_tokens(token, client_id, auth_event_id, scope, issued_ms, expires_ms)"
        " VALUES(?,?,?,?,?,?)",
        (token, client_id, auth_event_id or str(uuid.uuid4()), scope, tx.now_ms,
         tx.now_ms + REFRESH_TOKEN_DAYS * 86_400_000))
    return token


def new_refresh_token(store: Store) -> str:
    """A fresh refresh token for ``connection_info`` (as if a user had just connected the seeded org)."""
    creds = store.credentials()
    with store.write(documents=False) as tx:
        event = str(uuid.uuid4())
        connect_tenants(tx, event, [creds["tenant_id"]])
        return issue_refresh_token(tx, creds["client_id"], auth_event_id=event)


def _token_reply(store: Store, tx: Tx, *, grant: str, scope: str, auth_event_id: str,
                 refresh_token: str | None) -> dict:
    token = access_token(store, tx, grant=grant, scope=scope, auth_event_id=auth_event_id)
    body = {"access_token": token, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "Bearer", "scope": scope}
    if grant != "client_credentials":
        body = {"id_token": token, **body}
    if refresh_token:
        body["refresh_token"] = refresh_token
    return body


def token_endpoint(store: Store, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict]:
    creds = store.credentials()
    client_id, secret = _client(headers, form)
    if client_id != creds["client_id"] or not secrets.compare_digest(secret, creds["client_secret"]):
        return 400, oauth_error("invalid_client")
    grant = form.get("grant_type", "")
    with store.write(documents=False) as tx:
        app = app_config(tx)
        if grant in ("authorization_code", "refresh_token", "client_credentials") and grant not in app["grant_types"]:
            return 400, oauth_error("unauthorized_client", f"this app may not use the {grant} grant")
        if grant == "client_credentials":
            return _client_credentials(store, tx, app, form)
        if grant == "authorization_code":
            return _authorization_code(store, tx, client_id, form)
        if grant == "refresh_token":
            return _refresh(store, tx, client_id, form)
        return 400, oauth_error("unsupported_grant_type")


def _client_credentials(store: Store, tx: Tx, app: dict, form: dict[str, str]) -> tuple[int, dict]:
    allowed = app.get("scopes") or scopes.app_scopes(app["created"])
    requested = (form.get("scope") or "").split() or list(allowed)
    problem = scopes.refused(requested, app["created"])
    if problem is None and scopes.OFFLINE_ACCESS in requested:
        problem = "offline_access is not available with client credentials: a Custom Connection has no refresh token"
    if problem is None:
        effective = set(allowed) | {f"{s}.read" for s in allowed}
        outside = [s for s in requested if s not in effective]
        if outside:
            problem = f"not among the app's scopes: {' '.join(outside)}"
    if problem:
        return 400, oauth_error("invalid_scope", problem)
    scope = " ".join(requested)
    return 200, _token_reply(store, tx, grant="client_credentials", scope=scope,
                             auth_event_id=str(uuid.uuid4()), refresh_token=None)


def _authorization_code(store: Store, tx: Tx, client_id: str, form: dict[str, str]) -> tuple[int, dict]:
    code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
    if not code or not redirect_uri:
        return 400, oauth_error("invalid_request", "code and redirect_uri are required")
    row = tx.conn.execute("SELECT client_id, redirect_uri, scope, code_challenge, auth_event_id, created_ms, used_ms"
                          " FROM auth_codes WHERE code=?", (code,)).fetchone()
    if row is None:
        return 400, oauth_error("invalid_grant")
    code_client, code_redirect, scope, challenge, auth_event_id, created_ms, used_ms = row
    if used_ms is not None:
        # a code presented twice: refuse, and revoke what the first exchange issued (RFC 6749 §4.1.2)
        tx.conn.execute("UPDATE refresh_tokens SET expires_ms=0 WHERE auth_event_id=?", (auth_event_id,))
        return 400, oauth_error("invalid_grant", "the authorization code was already used")
    tx.conn.execute("UPDATE auth_codes SET used_ms=? WHERE code=?", (tx.now_ms, code))
    if tx.now_ms - created_ms > CODE_MS:
        return 400, oauth_error("invalid_grant", "the authorization code expired")
    if code_client != client_id:
        return 400, oauth_error("invalid_grant")
    if code_redirect != redirect_uri:
        return 400, oauth_error("invalid_grant", "redirect_uri does not match the authorization request")
    if challenge:
        verifier = form.get("code_verifier", "")
        if not verifier:
            return 400, oauth_error("invalid_request", "code_verifier is required")
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(computed, challenge):
            return 400, oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
    refresh = (issue_refresh_token(tx, client_id, scope=scope, auth_event_id=auth_event_id)
               if scopes.OFFLINE_ACCESS in scope.split() else None)
    return 200, _token_reply(store, tx, grant="authorization_code", scope=scope, auth_event_id=auth_event_id,
                             refresh_token=refresh)


def _refresh(store: Store, tx: Tx, client_id: str, form: dict[str, str]) -> tuple[int, dict]:
    presented = form.get("refresh_token", "")
    row = tx.conn.execute(
        "SELECT client_id, auth_event_id, scope, expires_ms, rotated_ms FROM refresh_tokens WHERE token=?",
        (presented,)).fetchone()
    if row is None or row[0] != client_id or row[3] < tx.now_ms or (
            row[4] is not None and tx.now_ms - row[4] > GRACE_MS):
        return 400, oauth_error("invalid_grant")
    _client_id, auth_event_id, scope, _expires, rotated = row
    if rotated is None:
        tx.conn.execute("UPDATE refresh_tokens SET rotated_ms=? WHERE token=?", (tx.now_ms, presented))
    new = issue_refresh_token(tx, client_id, scope=scope, auth_event_id=auth_event_id)
    tx.conn.execute("INSERT INTO token_rotations(parent, child, ms) VALUES(?,?,?)", (presented, new, tx.now_ms))
    return 200, _token_reply(store, tx, grant="refresh_token", scope=scope, auth_event_id=auth_event_id,
                             refresh_token=new)


def revoke(store: Store, headers: dict[str, str], form: dict[str, str]) -> int:
    creds = store.credentials()
    client_id, secret = _client(headers, form)
    if client_id != creds["client_id"] or secret != creds["client_secret"]:
        return 400
    with store.write(documents=False) as tx:
        tx.conn.execute("UPDATE refresh_tokens SET expires_ms=0 WHERE token=?", (form.get("token", ""),))
    return 200


class AuthError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        self.status = status
        self.body = body
        super().__init__(body.get("Detail"))


def connected_tenants(store: Store, tx: Tx, claims: dict) -> list[str]:
    """The organisations this token may reach: a Custom Connection's one, or those the user
    connected in the token's auth event (a token from before connections were recorded: the seeded one)."""
    primary = store.credentials()["tenant_id"]
    if claims.get("grant") == "client_credentials":
        return [primary]
    rows = tx.conn.execute("SELECT tenant_id FROM connections WHERE auth_event_id=? ORDER BY created_ms, rowid",
                           (claims.get("authentication_event_id"),)).fetchall()
    return [row[0] for row in rows] if rows else [primary]


def authenticate(store: Store, tx: Tx, headers: dict[str, str], *, tenant_required: bool = True) -> dict:
    """The claims of the request's bearer token; ``AuthError`` 401 (missing, invalid, expired) or
    403 (a tenant the token is not connected to; a missing or empty tenant is fine for
    client-credentials tokens). With a tenant, ``claims["tenant_id"]`` is the one addressed."""
    creds = store.credentials()
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        raise AuthError(401, errors.problem(401, "Unauthorized", "AuthenticationUnsuccessful"))
    try:
        claims = jwt.decode(auth[7:].strip(), creds["signing_key"], algorithms=["HS256"],
                            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    except jwt.PyJWTError as exc:
        raise AuthError(401, errors.problem(401, "Unauthorized", "AuthenticationUnsuccessful")) from exc
    if claims.get("exp", 0) * 1000 <= tx.now_ms:
        expired = datetime.fromtimestamp(claims["exp"], UTC).strftime("%m/%d/%Y %H:%M:%S")
        raise AuthError(401, errors.problem(401, "Unauthorized", f"TokenExpired: token expired at {expired}"))
    if tenant_required:
        tenant = (headers.get("xero-tenant-id") or "").strip().lower()
        allowed = [t.lower() for t in connected_tenants(store, tx, claims)]
        if not tenant and claims.get("grant") == "client_credentials":
            tenant = allowed[0]
        if tenant not in allowed:
            raise AuthError(403, errors.problem(403, "Forbidden", "AuthenticationUnsuccessful",
                                                instance=str(uuid.uuid4())))
        claims["tenant_id"] = tenant
    return claims


def authorize_scope(claims: dict, resource: str, method: str) -> None:
    """401 ``AuthorizationUnsuccessful`` when the token's scopes do not cover the call, as Xero
    answers a valid token without the scope (XeroAPI/Xero-NetStandard#178, #298; xero-node#320)."""
    if not scopes.allows(claims.get("scope") or [], resource, method):
        raise AuthError(401, errors.problem(401, "Unauthorized", "AuthorizationUnsuccessful",
                                            instance=str(uuid.uuid4())))


def connections(store: Store, tx: Tx, claims: dict, auth_event_filter: str | None) -> list[dict]:
    creds = store.credentials()
    event = claims.get("authentication_event_id")
    if auth_event_filter and auth_event_filter != event:
        return []
    result = []
    for tenant_id in connected_tenants(store, tx, claims):
        other = organisations.store_for(store, tenant_id, tx)
        if other is store:
            org = tx.all("Organisation")[0]
        else:
            with other.read() as org_tx:
                org = org_tx.all("Organisation")[0]
        created = dates.ms_of(org.get("CreatedDateUTC")) or tx.now_ms
        stamp = datetime.fromtimestamp(created / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        result.append({"id": seed_org.derived_id(tenant_id, f"connection:{creds['client_id']}"),
                       "authEventId": event, "tenantId": tenant_id, "tenantType": "ORGANISATION",
                       "tenantName": org["Name"], "createdDateUtc": stamp,
                       "updatedDateUtc": stamp})
    return result
