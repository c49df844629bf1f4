"""The authorization-code flow with PKCE, granular scopes and organisations, as a browser and an
OAuth client see them (RFC 6749 §4.1, RFC 7636; Xero's granular-scopes FAQ)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from sandbox.xero import credentials
from sandbox.xero.app import add_organisation, configure_app
from tests.sandbox.xero.conftest import BASE, Admin

AUTHORIZE = f"{BASE}/identity/connect/authorize"
TOKEN_URL = f"{BASE}/connect/token"
REDIRECT = "http://localhost:53682/callback"
SCOPE = "offline_access accounting.contacts accounting.invoices accounting.settings.read"
VERIFIER = "a" * 20 + "-verifier-of-forty-three-chars"


def challenge(verifier: str = VERIFIER) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize_params(creds: dict, **overrides: str) -> dict:
    return {"response_type": "code", "client_id": creds["client_id"], "redirect_uri": REDIRECT, "scope": SCOPE,
            "state": "st@te with spaces/+", "code_challenge": challenge(), "code_challenge_method": "S256",
            **overrides}


def query_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def consent(http: httpx.Client, params: dict, *, decision: str = "allow", tenants: list[str] | None = None) -> dict:
    """What a person does on the consent page: tick organisations, press a button; Xero's redirect."""
    page = http.get(AUTHORIZE, params=params)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"], page.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    boxes = re.findall(r'name="tenant" value="([^"]+)"( checked)?', page.text)
    chosen = tenants if tenants is not None else [value for value, checked in boxes if checked]
    form = [("request_id", request_id), ("decision", decision), *(("tenant", t) for t in chosen)]
    return query_of(http.post(AUTHORIZE, content=urlencode(form),
                              headers={"Content-Type": "application/x-www-form-urlencoded"}))


def exchange(http: httpx.Client, creds: dict, code: str, **overrides: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER,
            **overrides}
    return http.post(TOKEN_URL, data=form, auth=(creds["client_id"], creds["client_secret"]))


def test_consent_gives_a_code_once_for_the_verifier_and_redirect(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    page = http.get(AUTHORIZE, params=authorize_params(creds))
    assert "Allow access" in page.text and "Cancel" in page.text and "Auxo Demo Workshop Pty Ltd" in page.text
    answer = consent(http, authorize_params(creds))
    assert answer["state"] == "st@te with spaces/+" and answer["scope"] == SCOPE and answer["code"]
    assert exchange(http, creds, answer["code"], code_verifier="b" * 43).json()["error"] == "invalid_grant"
    # a code is burnt by its first redemption, right or wrong
    assert exchange(http, creds, answer["code"]).json()["error"] == "invalid_grant"

    answer = consent(http, authorize_params(creds))
    assert exchange(http, creds, answer["code"], redirect_uri="http://localhost:1/callback").json()[
        "error"] == "invalid_grant"
    answer = consent(http, authorize_params(creds))
    assert exchange(http, creds, answer["code"], code_verifier="").json()["error"] == "invalid_request"
    answer = consent(http, authorize_params(creds))
    ok = exchange(http, creds, answer["code"])
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["refresh_token"] and body["scope"] == SCOPE and body["expires_in"] == 1800
    reused = exchange(http, creds, answer["code"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    # reusing a code revokes what it gave: the refresh token from the first exchange is dead
    refresh = http.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
                        auth=(creds["client_id"], creds["client_secret"]))
    assert refresh.json()["error"] == "invalid_grant"


def test_a_code_lives_five_minutes_on_the_sandbox_clock(http: httpx.Client, state_dir: Path, admin: Admin) -> None:
    creds = credentials(state_dir)
    answer = consent(http, authorize_params(creds))
    admin.call("PUT", "clock", {"advance_seconds": 301})
    assert exchange(http, creds, answer["code"]).json() == {"error": "invalid_grant",
                                                            "error_description": "the authorization code expired"}


def test_cancel_and_bad_requests(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    denied = consent(http, authorize_params(creds), decision="cancel")
    assert denied["error"] == "access_denied" and denied["state"] == "st@te with spaces/+" and "code" not in denied
    for bad in ({"client_id": "NOPE"}, {"redirect_uri": "http://evil.example/callback"},
                {"redirect_uri": "http://localhost:53682/other"}):
        page = http.get(AUTHORIZE, params=authorize_params(creds, **bad))
        assert page.status_code == 400 and "location" not in page.headers  # never redirect to an untrusted URI
    assert query_of(http.get(AUTHORIZE, params=authorize_params(creds, response_type="token")))[
        "error"] == "unsupported_response_type"
    for pkce in ({"code_challenge_method": "plain"}, {"code_challenge": "short"}):
        assert query_of(http.get(AUTHORIZE, params=authorize_params(creds, **pkce)))["error"] == "invalid_request"
    assert query_of(http.get(AUTHORIZE, params=authorize_params(creds, scope="accounting.everything")))[
        "error"] == "invalid_scope"
    # loopback redirect URIs: any port; 127.0.0.1 too
    assert http.get(AUTHORIZE, params=authorize_params(creds, redirect_uri="http://127.0.0.1:9/callback")
                    ).status_code == 200


def test_refresh_tokens_only_with_offline_access(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    answer = consent(http, authorize_params(creds, scope="accounting.contacts"))
    body = exchange(http, creds, answer["code"]).json()
    assert "refresh_token" not in body and body["access_token"]
    refused = http.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": "offline_access accounting.contacts"},
                        auth=(creds["client_id"], creds["client_secret"]))
    assert refused.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(("created", "allowed"), [(None, False), ("2026-03-02", False), ("2026-03-01", True),
                                                  ("2024-05-01", True)])
def test_retired_broad_scopes_only_for_apps_older_than_2_march_2026(
        http: httpx.Client, state_dir: Path, created: str | None, allowed: bool) -> None:
    creds = credentials(state_dir)
    configure_app(state_dir, created=created)
    params = authorize_params(creds, scope="offline_access accounting.transactions accounting.settings")
    page = http.get(AUTHORIZE, params=params)
    cc = http.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": "accounting.transactions"},
                   auth=(creds["client_id"], creds["client_secret"]))
    if not allowed:
        assert query_of(page)["error"] == "invalid_scope" and "2 March 2026" in query_of(page)["error_description"]
        assert cc.json()["error"] == "invalid_scope"
        return
    assert page.status_code == 200 and cc.status_code == 200
    token = exchange(http, creds, consent(http, params)["code"]).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": creds["tenant_id"]}
    # an old app's broad scope still covers invoices, payments and journals (for migration)
    for path in ("Invoices", "Payments", "ManualJournals", "BankTransactions"):
        assert http.get(f"{BASE}/api.xro/2.0/{path}", headers=headers).status_code == 200
    assert http.get(f"{BASE}/api.xro/2.0/Contacts", headers=headers).status_code == 401


def test_each_endpoint_needs_its_scope_and_reads_take_read(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    auth = (creds["client_id"], creds["client_secret"])
    token = http.post(TOKEN_URL, data={"grant_type": "client_credentials",
                                       "scope": "accounting.contacts.read accounting.invoices"},
                      auth=auth).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == [
        "accounting.contacts.read", "accounting.invoices"]
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{BASE}/api.xro/2.0"
    assert http.get(f"{api}/Contacts", headers=headers).status_code == 200
    assert http.get(f"{api}/Invoices", headers=headers).status_code == 200
    refused = http.put(f"{api}/Contacts", headers=headers, json={"Contacts": [{"Name": "Read Only"}]})
    assert refused.status_code == 401
    assert {k: refused.json()[k] for k in ("Type", "Title", "Status", "Detail")} == {
        "Type": None, "Title": "Unauthorized", "Status": 401, "Detail": "AuthorizationUnsuccessful"}
    assert refused.json()["Instance"] and refused.json()["Extensions"] == {}
    for path in ("Payments", "ManualJournals", "Organisation", "Accounts", "BankTransactions"):
        assert http.get(f"{api}/{path}", headers=headers).status_code == 401, path
    # a Custom Connection without a scope: every accounting scope the app has
    full = http.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=auth).json()
    assert "accounting.transactions" not in full["scope"] and "accounting.manualjournals" in full["scope"]


def test_two_organisations_each_token_reaches_only_what_was_connected(http: httpx.Client, state_dir: Path,
                                                                        admin: Admin) -> None:
    creds = credentials(state_dir)
    second = add_organisation(state_dir, "Northside Tyres Pty Ltd")
    assert [o["name"] for o in admin.call("GET", "organisations")["organisations"]] == [
        "Auxo Demo Workshop Pty Ltd", "Northside Tyres Pty Ltd"]
    page = http.get(AUTHORIZE, params=authorize_params(creds)).text
    assert "Northside Tyres Pty Ltd" in page
    only_second = exchange(http, creds, consent(http, authorize_params(creds), tenants=[second["tenant_id"]])["code"])
    token = only_second.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    [connection] = http.get(f"{BASE}/connections", headers=auth).json()
    assert (connection["tenantId"], connection["tenantName"]) == (second["tenant_id"], "Northside Tyres Pty Ltd")
    api = f"{BASE}/api.xro/2.0"
    org = http.get(f"{api}/Organisation", headers={**auth, "xero-tenant-id": second["tenant_id"]})
    assert org.json()["Organisations"][0]["Name"] == "Northside Tyres Pty Ltd"
    assert http.get(f"{api}/Organisation", headers={**auth, "xero-tenant-id": creds["tenant_id"]}).status_code == 403
    created = http.put(f"{api}/Contacts", headers={**auth, "xero-tenant-id": second["tenant_id"]},
                       json={"Contacts": [{"Name": "Only In Northside"}]})
    assert created.status_code == 200, created.text

    both = exchange(http, creds, consent(http, authorize_params(creds),
                                         tenants=[creds["tenant_id"], second["tenant_id"]])["code"]).json()
    auth = {"Authorization": f"Bearer {both['access_token']}"}
    assert [c["tenantName"] for c in http.get(f"{BASE}/connections", headers=auth).json()] == [
        "Auxo Demo Workshop Pty Ltd", "Northside Tyres Pty Ltd"]
    def names(tenant: str) -> set[str]:
        response = http.get(f"{api}/Contacts", headers={**auth, "xero-tenant-id": tenant})
        return {c["Name"] for c in response.json()["Contacts"]}
    assert "Only In Northside" in names(second["tenant_id"]) and "Only In Northside" not in names(creds["tenant_id"])


def test_auto_approve_connects_every_organisation_at_once(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    add_organisation(state_dir, "Second Org")
    configure_app(state_dir, auto_approve=True)
    answer = query_of(http.get(AUTHORIZE, params=authorize_params(creds)))
    token = exchange(http, creds, answer["code"]).json()["access_token"]
    assert len(http.get(f"{BASE}/connections", headers={"Authorization": f"Bearer {token}"}).json()) == 2


def test_an_app_without_the_grant_is_an_unauthorized_client(http: httpx.Client, state_dir: Path) -> None:
    creds = credentials(state_dir)
    configure_app(state_dir, grant_types=["client_credentials"])
    assert query_of(http.get(AUTHORIZE, params=authorize_params(creds)))["error"] == "unauthorized_client"
    configure_app(state_dir, grant_types=["authorization_code", "refresh_token"])
    cc = http.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=(creds["client_id"], creds["client_secret"]))
    assert cc.json()["error"] == "unauthorized_client"
