"""Xero's identity endpoints: ``/connect/token``, ``/connect/revocation`` and ``/connections``.

Grants: ``client_credentials`` (a Custom Connection: no refresh token) and ``refresh_token`` with
rotation — every refresh returns a new refresh token, and the old one keeps working for a 30-minute
grace period (in case the response was lost), then gives ``invalid_grant``. Clients authenticate
with HTTP Basic or with ``client_id``/``client_secret`` in the form body. Access tokens are
HS256 JWTs carrying ``authentication_event_id``; they last 30 minutes on the sandbox clock.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import UTC, datetime

import jwt

from sandbox.xero import dates, errors, seed_org
from sandbox.xero.store import Store, Tx

ACCESS_TOKEN_SECONDS = 1800
REFRESH_TOKEN_DAYS = 60
GRACE_MS = 30 * 60 * 1000
DEFAULT_SCOPE = "offline_access accounting.transactions accounting.contacts accounting.settings"
CC_SCOPE = "accounting.transactions accounting.contacts accounting.settings"
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


def access_token(store: Store, tx: Tx, *, grant: str, scope: str, auth_event_id: str) -> str:
    creds = store.credentials()
    now = tx.now_ms // 1000
    claims = {"iss": ISSUER, "nbf": now, "iat": now, "exp": now + ACCESS_TOKEN_SECONDS,
              "client_id": creds["client_id"], "sub": creds["client_id"], "jti": secrets.token_hex(16),
              "authentication_event_id": auth_event_id, "scope": scope.split(), "grant": grant}
    return jwt.encode(claims, creds["signing_key"], algorithm="HS256")


def issue_refresh_token(tx: Tx, client_id: str, *, scope: str = DEFAULT_SCOPE, auth_event_id: str | None = None) -> str:
    token = secrets.token_hex(32)
    tx.conn.execute(
        "INSERT INTO refresh_tokens(token, client_id, auth_event_id, scope, issued_ms, expires_ms)"
        " VALUES(?,?,?,?,?,?)",
        (token, client_id, auth_event_id or str(uuid.uuid4()), scope, tx.now_ms,
         tx.now_ms + REFRESH_TOKEN_DAYS * 86_400_000))
    return token


def new_refresh_token(store: Store) -> str:
    """A fresh refresh token for ``connection_info`` (as if a user had just connected)."""
    with store.write(documents=False) as tx:
        return issue_refresh_token(tx, store.credentials()["client_id"])


def token_endpoint(store: Store, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict]:
    creds = store.credentials()
    client_id, secret = _client(headers, form)
    if client_id != creds["client_id"] or not secrets.compare_digest(secret, creds["client_secret"]):
        return 400, {"error": "invalid_client"}
    grant = form.get("grant_type", "")
    with store.write(documents=False) as tx:
        if grant == "client_credentials":
            scope = form.get("scope") or CC_SCOPE
            token = access_token(store, tx, grant=grant, scope=scope, auth_event_id=str(uuid.uuid4()))
            return 200, {"access_token": token, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "Bearer",
                         "scope": scope}
        if grant == "refresh_token":
            row = tx.conn.execute(
                "SELECT client_id, auth_event_id, scope, expires_ms, rotated_ms FROM refresh_tokens WHERE token=?",
                (form.get("refresh_token", ""),)).fetchone()
            if row is None or row[0] != client_id or row[3] < tx.now_ms or (
                    row[4] is not None and tx.now_ms - row[4] > GRACE_MS):
                return 400, {"error": "invalid_grant"}
            _client_id, auth_event_id, scope, _expires, rotated = row
            if rotated is None:
                tx.conn.execute("UPDATE refresh_tokens SET rotated_ms=? WHERE token=?",
                                (tx.now_ms, form["refresh_token"]))
            new = issue_refresh_token(tx, client_id, scope=scope, auth_event_id=auth_event_id)
            token = access_token(store, tx, grant=grant, scope=scope, auth_event_id=auth_event_id)
            return 200, {"id_token": token, "access_token": token, "expires_in": ACCESS_TOKEN_SECONDS,
                         "token_type": "Bearer", "refresh_token": new, "scope": scope}
        return 400, {"error": "unsupported_grant_type"}


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


def authenticate(store: Store, tx: Tx, headers: dict[str, str], *, tenant_required: bool = True) -> dict:
    """The claims of the request's bearer token; ``AuthError`` 401 (missing, invalid, expired) or
    403 (wrong tenant; a missing or empty tenant is fine for client-credentials tokens)."""
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
        allowed_blank = claims.get("grant") == "client_credentials"
        if tenant != creds["tenant_id"].lower() and not (allowed_blank and not tenant):
            raise AuthError(403, errors.problem(403, "Forbidden", "AuthenticationUnsuccessful",
                                                instance=str(uuid.uuid4())))
    return claims


def connections(store: Store, tx: Tx, claims: dict, auth_event_filter: str | None) -> list[dict]:
    creds = store.credentials()
    if auth_event_filter and auth_event_filter != claims.get("authentication_event_id"):
        return []
    org = tx.all("Organisation")[0]
    created = dates.ms_of(org.get("CreatedDateUTC")) or tx.now_ms
    stamp = datetime.fromtimestamp(created / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return [{"id": seed_org.derived_id(creds["tenant_id"], f"connection:{creds['client_id']}"),
             "authEventId": claims.get("authentication_event_id"), "tenantId": creds["tenant_id"],
             "tenantType": "ORGANISATION", "tenantName": org["Name"], "createdDateUtc": stamp,
             "updatedDateUtc": stamp}]
