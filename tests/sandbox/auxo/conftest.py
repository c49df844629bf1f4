"""Fixtures for the Auxo sandbox: a fresh state folder, an API client whose every response is
validated against the served OpenAPI file, and an admin client to act as a person using Auxo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.auxo.app import connection_info
from sandbox.embedded import forget_apps, transport
from tests.sandbox.auxo.openapi_check import ContractValidator


@pytest.fixture(scope="session")
def contract() -> ContractValidator:
    return ContractValidator.from_served_file()


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "auxo"
    yield folder
    forget_apps()


@pytest.fixture
def info(state_dir: Path) -> dict[str, Any]:
    return connection_info(state_dir, "http://auxo.test")


@pytest.fixture
def api(state_dir: Path, info: dict[str, Any], contract: ContractValidator) -> Iterator[httpx.Client]:
    """The API with the key; every response is checked against openapi.yaml as it arrives."""
    client = httpx.Client(transport=transport("auxo", state_dir), base_url=info["base_url"],
                          headers={"X-Api-Key": info["api_key"]},
                          event_hooks={"response": [contract.check_response]})
    yield client
    client.close()


@pytest.fixture
def admin(state_dir: Path) -> Iterator[AdminClient]:
    client = AdminClient(httpx.Client(transport=transport("auxo", state_dir), base_url="http://auxo.test/admin"))
    yield client
    client.http.close()


class AdminClient:
    """Acting as a person using Auxo: each call returns the ``data`` of a successful answer."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def do(self, method: str, path: str, body: dict[str, Any] | None = None, *, expect: int | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        if expect is not None:
            assert response.status_code == expect, response.text
            return response.json()
        assert response.status_code < 300, response.text
        return response.json()["data"]

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.do("POST", path, body or {}, **kw)

    def workshop(self) -> dict[str, Any]:
        """A small workshop: a customer with a vehicle, a supplier, a stocked and a non-stocked part."""
        customer = self.post("/customers", {"name": "Jane Citizen", "first_name": "Jane", "last_name": "Citizen",
                                            "email": "jane@example.com", "phone": "02 9876 5432"})
        vehicle = self.post("/vehicles", {"customer_id": customer["id"], "registration": "abc 123",
                                          "make": "Toyota", "model": "Corolla", "year": 2015})
        supplier = self.post("/suppliers", {"name": "Parts Direct Pty Ltd", "phone": "1300 555 000"})
        oil = self.post("/parts", {"part_number": "OIL-5W30", "description": "Engine oil 5W-30 (L)", "stocked": True,
                                   "sell_price": "15.00", "average_cost": "8.00", "quantity_on_hand": "10"})
        pump = self.post("/parts", {"part_number": "WP-100", "description": "Water pump", "stocked": False,
                                    "sell_price": "180.00", "average_cost": "0.00"})
        return {"customer": customer, "vehicle": vehicle, "supplier": supplier, "oil": oil, "pump": pump}

    def invoiced_job(self, shop: dict[str, Any], lines: list[dict[str, Any]] | None = None,
                     **fields: Any) -> dict[str, Any]:
        job = self.post("/jobs", {"customer_id": shop["customer"]["id"], "vehicle_id": shop["vehicle"]["id"]})
        lines = lines or [{"kind": "labour", "description": "Service", "quantity": "1.5", "unit_price": "110.00"},
                          {"kind": "part", "part_id": shop["oil"]["id"], "supply": "stock", "quantity": "4"}]
        return self.post(f"/jobs/{job['id']}/invoice", {"lines": lines, **fields})
