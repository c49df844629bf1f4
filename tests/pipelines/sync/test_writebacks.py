"""What the sink records in Auxo about the Xero documents it wrote (against the Auxo sandbox)."""

from pathlib import Path

import httpx

import sandbox.auxo
from pipelines.auxo.client import AuxoClient
from pipelines.http import RetryPolicy
from sandbox.embedded import transport


def _workshop(state: Path) -> tuple[AuxoClient, dict]:
    admin = httpx.Client(transport=transport("auxo", state), base_url="http://auxo")

    def post(path: str, body: dict) -> dict:
        response = admin.post(path, json=body)
        assert response.status_code < 300, response.text
        return response.json()["data"]

    customer = post("/admin/customers", {"name": "Jo Citizen"})
    part = post("/admin/parts", {"part_number": "BRK-1", "description": "Brake pads", "stocked": True,
                                 "sell_price": "80.00", "average_cost": "40.00", "quantity_on_hand": "5"})
    job = post("/admin/jobs", {"customer_id": customer["id"]})
    invoice = post(f"/admin/jobs/{job['id']}/invoice", {"invoice_date": "2026-11-02", "lines": [
        {"kind": "part", "part_id": part["id"], "supply": "stock", "quantity": "1"}]})
    client = AuxoClient("http://auxo/api/v1", sandbox.auxo.credentials(state)["api_key"],
                        transport=transport("auxo", state), retry=RetryPolicy(attempts=2, sleep=lambda _: None))
    return client, invoice


def test_a_cogs_journal_id_is_recorded_without_touching_the_invoices_status(tmp_path: Path):
    client, invoice = _workshop(tmp_path / "auxo")
    line = invoice["lines"][0]["id"]
    results = client.write("POST", "invoices/sync-status",
                           [{"id": invoice["id"], "cogs_journals": [{"line_id": line, "xero_journal_id": "mj-1"}]}],
                           idempotency_key="k1")
    assert results[0]["ok"], results
    after = client.get(f"invoices/{invoice['id']}")
    assert after["sync_status"] == "pending"  # still waiting for its own sync
    assert after["lines"][0]["xero_cogs_journal_id"] == "mj-1"
