"""Identity: client credentials, refresh-token rotation with a grace period, /connections, 401/403."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import jwt

from sandbox.xero import credentials
from sandbox.xero.app import connection_info
from tests.sandbox.xero.conftest import BASE, Admin

TOKEN_URL = f"{BASE}/connect/token"


def test_client_credentials_with_basic_or_form_auth(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
    by_header = http.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                          headers={"Authorization": f"Basic {basic}"})
    by_form = http.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                         "client_secret": creds["client_secret"], "scope": "accounting.invoices"})
    for response in (by_header, by_form):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 1800 and "refresh_token" not in body
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["authentication_event_id"] and claims["exp"] - claims["iat"] == 1800
    wrong = http.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                       "client_secret": "nope"})
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_client"})
    odd = http.post(TOKEN_URL, data={"grant_type": "password", "client_id": creds["client_id"],
                                     "client_secret": creds["client_secret"]})
    assert (odd.status_code, odd.json()) == (400, {"error": "unsupported_grant_type"})


def test_refresh_token_rotation_and_grace(http: httpx.Client, state_dir: Path, admin: Admin) -> None:
    info = connection_info(state_dir, BASE)
    form = {"grant_type": "refresh_token", "client_id": info["client_id"], "client_secret": info["client_secret"]}
    first = http.post(TOKEN_URL, data={**form, "refresh_token": info["refresh_token"]}).json()
    assert first["refresh_token"] != info["refresh_token"] and first["expires_in"] == 1800
    admin.call("PUT", "clock", {"advance_seconds": 29 * 60})
    retry = http.post(TOKEN_URL, data={**form, "refresh_token": info["refresh_token"]})
    assert retry.status_code == 200  # the old token still works within 30 minutes of its rotation
    admin.call("PUT", "clock", {"advance_seconds": 2 * 60})
    late = http.post(TOKEN_URL, data={**form, "refresh_token": info["refresh_token"]})
    assert (late.status_code, late.json()) == (400, {"error": "invalid_grant"})
    newest = retry.json()["refresh_token"]
    assert http.post(TOKEN_URL, data={**form, "refresh_token": newest}).status_code == 200
    assert http.post(TOKEN_URL, data={**form, "refresh_token": "made-up"}).json() == {"error": "invalid_grant"}


def test_connections(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    token = http.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                       "client_secret": creds["client_secret"]}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/connections", "/Connections"):
        response = http.get(f"{BASE}{path}", headers=auth)
        assert response.status_code == 200
        [connection] = response.json()
        assert connection["tenantId"] == creds["tenant_id"] and connection["tenantType"] == "ORGANISATION"
        assert connection["authEventId"] == jwt.decode(token, options={"verify_signature": False})[
            "authentication_event_id"]
        assert "X-AppMinLimit-Remaining" in response.headers and "X-DayLimit-Remaining" not in response.headers
    assert http.get(f"{BASE}/connections").status_code == 401
    assert http.delete(f"{BASE}/connections/{connection['id']}", headers=auth).status_code == 204


def test_unauthorised_and_forbidden(http: httpx.Client, state_dir: Path, admin: Admin) -> None:
    creds = credentials(state_dir)
    url = f"{BASE}/api.xro/2.0/Organisation"
    missing = http.get(url)
    assert missing.status_code == 401
    assert missing.json() == {"Type": None, "Title": "Unauthorized", "Status": 401,
                              "Detail": "AuthenticationUnsuccessful"}
    assert http.get(url, headers={"Authorization": "Bearer not.a.jwt"}).status_code == 401
    token = http.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                       "client_secret": creds["client_secret"]}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for tenant in (None, "", creds["tenant_id"], creds["tenant_id"].upper()):
        headers = auth if tenant is None else {**auth, "Xero-Tenant-Id": tenant}
        assert http.get(url, headers=headers).status_code == 200
    wrong = http.get(url, headers={**auth, "xero-tenant-id": "3f0c6a4e-0000-4000-8000-000000000000"})
    assert wrong.status_code == 403
    assert {k: wrong.json()[k] for k in ("Title", "Status", "Detail")} == {
        "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}
    admin.call("PUT", "clock", {"advance_seconds": 1801})
    expired = http.get(url, headers=auth)
    assert expired.status_code == 401 and expired.json()["Detail"].startswith("TokenExpired: token expired at ")


def test_refreshed_tokens_need_the_tenant(http: httpx.Client, state_dir: Path) -> None:
    info = connection_info(state_dir, BASE)
    token = http.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": info["refresh_token"],
                                       "client_id": info["client_id"],
                                       "client_secret": info["client_secret"]}).json()["access_token"]
    url = f"{info['base_url']}/Organisation"
    assert http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert http.get(url, headers={"Authorization": f"Bearer {token}",
                                  "xero-tenant-id": info["tenant_id"]}).status_code == 200


def test_connection_info_shape(state_dir: Path) -> None:
    info = connection_info(state_dir, "http://127.0.0.1:8123/")
    assert info["base_url"] == "http://127.0.0.1:8123/api.xro/2.0"
    assert info["token_url"] == "http://127.0.0.1:8123/connect/token"
    assert info["connections_url"] == "http://127.0.0.1:8123/connections"
    assert info["admin_url"] == "http://127.0.0.1:8123/admin"
    assert {k: info[k] for k in ("client_id", "client_secret", "tenant_id")} == credentials(state_dir)
    assert connection_info(state_dir, "http://x")["refresh_token"] != info["refresh_token"]
