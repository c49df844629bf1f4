"""Fixtures for the Xero sandbox tests: a fresh state folder, an authenticated API client whose
every response is validated against Xero's OpenAPI spec, and an admin client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.embedded import forget_apps, transport
from sandbox.xero import credentials, state
from tests.sandbox.xero.openapi_check import XeroContract

BASE = "http://xero.test"


@pytest.fixture(scope="session")
def contract() -> XeroContract:
    return XeroContract()


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "xero"
    forget_apps()
    state.forget()


def token_for(client: httpx.Client, creds: dict[str, str]) -> str:
    response = client.post(f"{BASE}/connect/token", data={
        "grant_type": "client_credentials", "client_id": creds["client_id"], "client_secret": creds["client_secret"]})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class XeroApi:
    """The Accounting API as this project's client calls it (Bearer token, tenant header, JSON)."""

    def __init__(self, http: httpx.Client, creds: dict[str, str]) -> None:
        self.http = http
        self.creds = creds
        self.login()

    def login(self) -> None:
        self.token = token_for(self.http, self.creds)
        self.headers = {"Authorization": f"Bearer {self.token}", "xero-tenant-id": self.creds["tenant_id"],
                        "Accept": "application/json"}

    def request(self, method: str, path: str, body: Any = None, *, params: dict | None = None,
                headers: dict | None = None) -> httpx.Response:
        """One call; like a real client it logs in again when the token has expired (tests move
        the sandbox clock, which tokens are measured on)."""
        for attempt in (1, 2):
            response = self.http.request(method, f"{BASE}/api.xro/2.0/{path.lstrip('/')}", json=body,
                                         params=params, headers={**self.headers, **(headers or {})})
            if response.status_code == 401 and "TokenExpired" in response.text and attempt == 1:
                self.login()
                continue
            return response
        raise AssertionError("unreachable")

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, body, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return self.request("POST", path, body, **kw)

    def ok(self, response: httpx.Response, key: str) -> list[dict]:
        assert response.status_code == 200, response.text
        return response.json()[key]

    def one(self, method: str, path: str, key: str, doc: dict, **kw: Any) -> dict:
        """Write one document and return it (asserting success)."""
        docs = self.ok(self.request(method, path, {key: [doc]}, **kw), key)
        assert docs[0].get("StatusAttributeString") == "OK", docs[0]
        return docs[0]

    def contact(self, name: str = "Jane Citizen", **fields: Any) -> dict:
        return self.one("PUT", "Contacts", "Contacts", {"Name": name, **fields})

    def invoice(self, contact: dict, lines: list[dict] | None = None, **fields: Any) -> dict:
        doc = {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-20",
               "DueDate": "2026-12-20", "Status": "AUTHORISED",
               "LineItems": lines or [{"Description": "Service", "Quantity": 1, "UnitAmount": 100,
                                       "AccountCode": "205", "TaxType": "OUTPUT"}], **fields}
        return self.one("PUT", "Invoices", "Invoices", doc)

    def payment(self, invoice: dict, amount: Any, **fields: Any) -> httpx.Response:
        return self.put("Payments", {"Payments": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                                   "Account": {"Code": "615"}, "Date": "2026-11-21",
                                                   "Amount": amount, **fields}]})

    def fetch(self, plural: str, doc_id: str) -> dict:
        return self.ok(self.get(f"{plural}/{doc_id}"), plural)[0]


class Admin:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        response = self.http.request(method, f"{BASE}/admin/{path.lstrip('/')}", json=body)
        assert response.status_code == expect, response.text
        return response.json()

    def act(self, action: str, body: dict, *, expect: int = 200) -> Any:
        return self.call("POST", f"actions/{action}", body, expect=expect)


@pytest.fixture
def http(state_dir: Path) -> Iterator[httpx.Client]:
    client = httpx.Client(transport=transport("xero", state_dir))
    yield client
    client.close()


@pytest.fixture
def api(state_dir: Path, contract: XeroContract) -> Iterator[XeroApi]:
    """An authenticated client; every /api.xro response is validated against the OpenAPI spec."""
    client = httpx.Client(transport=transport("xero", state_dir), event_hooks={"response": [contract.check_response]})
    yield XeroApi(client, credentials(state_dir))
    client.close()


@pytest.fixture
def admin(http: httpx.Client) -> Admin:
    return Admin(http)
