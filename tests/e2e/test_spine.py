"""The spine end to end: extract both sandboxes, stage, plan, write, on a small workshop."""

from pathlib import Path

import httpx

import sandbox.auxo
import sandbox.xero
from pipelines import settings, warehouse
from sandbox.embedded import transport
from tests.e2e.conftest import run_day


def auxo_admin() -> httpx.Client:
    return httpx.Client(transport=transport("auxo", settings.sandbox_state_dir("auxo")), base_url="http://auxo")


def small_workshop() -> None:
    admin = auxo_admin()

    def post(path: str, body: dict) -> dict:
        response = admin.post(path, json=body)
        assert response.status_code < 300, response.text
        return response.json()["data"]

    customer = post("/admin/customers", {"name": "Smith Motors Pty Ltd", "kind": "business",
                                         "email": "accounts@smithmotors.com.au", "phone": "02 9555 1234"})
    vehicle = post("/admin/vehicles", {"customer_id": customer["id"], "registration": "ABC123", "make": "Toyota",
                                       "model": "Hilux"})
    job = post("/admin/jobs", {"customer_id": customer["id"], "vehicle_id": vehicle["id"]})
    post(f"/admin/jobs/{job['id']}/invoice", {"invoice_date": "2026-11-02", "gst_mode": "exclusive",
                                              "lines": [{"kind": "labour", "description": "Service",
                                                         "quantity": "1", "unit_price": "150.00"}]})


def test_a_day_runs_end_to_end_and_a_rerun_extracts_only_what_changed(home: Path):
    small_workshop()
    assert run_day("2026-11-02").success
    with warehouse.connect(read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables").fetchall()}
        assert {"raw_auxo.invoices", "raw_xero.accounts", "staging.auxo_invoices", "staging.xero_accounts"} <= tables
        assert con.execute("select number, total from staging.auxo_invoices").fetchall()[0][0] == "INV-000001"
        assert con.execute("select count(*) from staging.xero_accounts where code = '630'").fetchone() == (1,)
    sandbox.auxo.clear_request_log(settings.sandbox_state_dir("auxo"))
    sandbox.xero.clear_request_log(settings.sandbox_state_dir("xero"))
    assert run_day("2026-11-02").success
    auxo_reads = [r for r in sandbox.auxo.request_log(settings.sandbox_state_dir("auxo")) if r["method"] == "GET"]
    xero_reads = [r for r in sandbox.xero.request_log(settings.sandbox_state_dir("xero"), path_prefix="/api.xro")
                  if r["method"] == "GET"]
    assert len(auxo_reads) == 13  # one per Auxo resource, nothing new to page through
    assert len(xero_reads) == 10  # one per Xero collection, the Organisation (lock dates) included
    assert len({r["path"] for r in xero_reads}) == 10


def test_a_dry_run_sends_nothing(home: Path):
    small_workshop()
    assert run_day("2026-11-02", dry_run=True).success
    writes = [r for r in sandbox.xero.request_log(settings.sandbox_state_dir("xero"), path_prefix="/api.xro")
              if r["method"] in ("PUT", "POST")]
    assert writes == []
