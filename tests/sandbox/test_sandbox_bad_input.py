"""Malformed requests that generated examples rarely reach: bodies that are not JSON or nest past
the parser, wrong content types, out-of-range numbers, dates and timestamps in queries and
headers, non-ASCII paths. Both sandboxes answer each with a 4xx in their own error shape, never a
5xx (each case here was a 500 before)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.auxo.app import connection_info
from sandbox.embedded import forget_apps, transport
from sandbox.xero import credentials, state
from tests.sandbox.xero.conftest import token_for

BODIES = {
    "nested past the parser": b"[" * 100_000,
    "nested inside the envelope": b'{"items":' + b"[" * 50_000,
    "not JSON": b"\xff\xfe\x00",
    "latin-1 text": '{"items":[{"id":"é"}]}'.encode("latin-1"),
    "a bare string": b'"x"',
    "a number past any range": b"1e999999",
    "UTF-16": '{"items":[]}'.encode("utf-16"),
}


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder: Path = tmp_path_factory.mktemp("bad-input")
    auxo = httpx.Client(transport=transport("auxo", folder / "auxo"), base_url="http://auxo.test")
    xero = httpx.Client(transport=transport("xero", folder / "xero"), base_url="http://xero.test")
    creds = credentials(folder / "xero")
    yield {"auxo": auxo, "auxo_headers": {"X-Api-Key": connection_info(folder / "auxo", "http://auxo.test")["api_key"]},
           "xero": xero, "xero_headers": {"Authorization": f"Bearer {token_for(xero, creds)}",
                                          "xero-tenant-id": creds["tenant_id"], "Accept": "application/json"}}
    auxo.close()
    xero.close()
    forget_apps()
    state.forget()


def xero_error(response: httpx.Response) -> dict:
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert {"ErrorNumber", "Type", "Message"} <= set(body), body
    return body


def auxo_error(response: httpx.Response, status: int = 400) -> dict:
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}, error
    return error


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/xml"])
@pytest.mark.parametrize("name", list(BODIES))
def test_bodies_that_are_not_a_document(clients: dict, name: str, content_type: str) -> None:
    body = BODIES[name]
    auxo = clients["auxo"].post("/api/v1/payments/from-xero", content=body,
                                headers={**clients["auxo_headers"], "Content-Type": content_type})
    assert auxo_error(auxo)["code"] == "invalid_request"
    xero = clients["xero"].put("/api.xro/2.0/Invoices", content=body.replace(b"items", b"Invoices"),
                               headers={**clients["xero_headers"], "Content-Type": content_type})
    assert xero_error(xero)["Type"] == "PostDataInvalidException"


@pytest.mark.parametrize("query", ["updated_since=9999-12-31T23:59:59.999999-23:59", "updated_since=9999-99",
                                   "limit=1e999", "cursor=%FF%FF"])
def test_auxo_query_parameters_out_of_range(clients: dict, query: str) -> None:
    auxo_error(clients["auxo"].get(f"/api/v1/invoices?{query}", headers=clients["auxo_headers"]))


def test_xero_queries_and_headers_out_of_range(clients: dict) -> None:
    http, headers = clients["xero"], clients["xero_headers"]
    deep = http.get("/api.xro/2.0/Invoices", params={"where": "(" * 3000 + "Total > 1"}, headers=headers)
    assert xero_error(deep)["Type"] == "QueryParseException"
    far = http.get("/api.xro/2.0/Invoices", headers={**headers, "If-Modified-Since": "/Date(99999999999999999999)/"})
    assert "If-Modified-Since" in xero_error(far)["Message"]
    # a page past int32 is not a page (as "abc" is not): the unpaged list
    assert http.get("/api.xro/2.0/Invoices", params={"page": 10**23}, headers=headers).status_code == 200


def test_out_of_range_dates_and_amounts_are_validation_errors(clients: dict) -> None:
    http, headers = clients["xero"], clients["xero_headers"]
    doc = {"Type": "ACCREC", "Contact": {"Name": "Range Test"}, "Date": "/Date(99999999999999999)/",
           "LineItems": [{"Description": "x", "Quantity": 1e300, "UnitAmount": 1, "AccountCode": "200"}]}
    body = xero_error(http.put("/api.xro/2.0/Invoices", json={"Invoices": [doc]}, headers=headers))
    assert body["Type"] == "ValidationException"
    assert [e["Message"] for e in body["Elements"][0]["ValidationErrors"]] == [
        "'/Date(99999999999999999)/' is not a valid date for Date.",
        "'1E+300' is not a valid number for LineItems[0].Quantity."]
    payment = http.post("/api.xro/2.0/Payments", json={"Amount": 1.7976931348623157e308}, headers=headers)
    assert xero_error(payment)["Type"] == "ValidationException"


@pytest.mark.parametrize("tail", ["Zoë", "%FE", "\U0002cbfd", "a%2Fb"])
def test_non_ascii_paths_reach_the_sandbox(clients: dict, tail: str) -> None:
    auxo = clients["auxo"].get(f"/api/v1/customers/{tail}", headers=clients["auxo_headers"])
    assert auxo_error(auxo, 404)["code"] == "not_found"
    xero = clients["xero"].get(f"/api.xro/2.0/Contacts/{tail}", headers=clients["xero_headers"])
    # the sandbox answers (no contact has that id or number), not the bridge in front of it
    assert xero.status_code == 404 or (xero.status_code == 200 and xero.json()["Contacts"] == []), xero.text
