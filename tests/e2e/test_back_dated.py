"""A document is synced because it changed, not because of its date.

On the generator's ``tiny`` workshop the first two unsynced days are synced; then a bookkeeper
enters in Auxo documents dated on days already synced — an invoice (with a stocked part) and a
payment on it, a job deposit applied to a new invoice, a credit on an invoice the sync sent, and a
payment on an invoice from before this deployment's first run. The next run, of the *last* day,
sends each of them to Xero once, dated as in Auxo and recorded in the ledger under its own day; its
run after that writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

import sandbox.xero
from pipelines import settings, warehouse
from pipelines.xero.dates import ms_date_to_date
from sandbox.embedded import forget_apps, transport
from sandbox.generator import generate, seed_sandboxes
from tests.e2e.conftest import run_day

END = date(2026, 3, 1)
SEED = 7


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("back_dated") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUXO_XERO_HOME", str(folder))
        forget_apps()
        generated = generate("tiny", SEED, END)
        seed_sandboxes(generated, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        yield generated.meta
        forget_apps()


def auxo_admin() -> httpx.Client:
    return httpx.Client(transport=transport("auxo", settings.sandbox_state_dir("auxo")), base_url="http://auxo")


def auxo(admin: httpx.Client, method: str, path: str, body: dict | None = None) -> Any:
    response = admin.request(method, path, json=body)
    assert response.status_code < 300, response.text
    return response.json()["data"]


def auxo_all(admin: httpx.Client, resource: str) -> list[dict[str, Any]]:
    from sandbox.auxo import credentials

    key = {"X-Api-Key": credentials(settings.sandbox_state_dir("auxo"))["api_key"]}
    records, cursor = [], None
    while True:
        page = admin.get(f"/api/v1/{resource}", params={"limit": 1000, **({"cursor": cursor} if cursor else {})},
                         headers=key).json()
        records += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return records


def xero_documents(kind: str) -> list[dict[str, Any]]:
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        return [d for d in admin.get(f"/documents/{kind}").json()[kind] if d.get("Status") not in ("DELETED", "VOIDED")]


def xero_writes() -> int:
    log = sandbox.xero.request_log(settings.sandbox_state_dir("xero"), path_prefix="/api.xro")
    return sum(1 for r in log if r["method"] in ("PUT", "POST", "DELETE"))


def enter_back_dated(meta: dict[str, Any]) -> dict[str, Any]:
    """What the bookkeeper enters after the first two days were synced, dated on those days (and a
    payment on the day before them, synced before this deployment ran; after Xero's lock date)."""
    first = date.fromisoformat(meta["window_start_date"])
    with auxo_admin() as admin:
        customers = [c for c in auxo_all(admin, "customers") if c.get("xero_contact_id")]
        parts = [p for p in auxo_all(admin, "parts") if p.get("stocked") and p.get("average_cost") not in (None, "0.00")]
        invoices = auxo_all(admin, "invoices")
        synced_on_first = next(i for i in invoices if i["invoice_date"] == first.isoformat()
                               and i.get("xero_invoice_id") and i["status"] == "issued"
                               and Decimal(i["balance"]) >= 20 and not i.get("locked"))
        history = next(i for i in invoices if i["invoice_date"] < meta["window_start_date"]
                       and i.get("xero_invoice_id") and i["status"] == "issued" and Decimal(i["balance"]) >= 20)

        job = auxo(admin, "POST", "/admin/jobs", {"customer_id": customers[0]["id"]})
        invoice = auxo(admin, "POST", f"/admin/jobs/{job['id']}/invoice", {
            "invoice_date": first.isoformat(), "gst_mode": "exclusive",
            "lines": [{"kind": "labour", "description": "Brake service", "quantity": "1", "unit_price": "180.00"},
                      {"kind": "part", "part_id": parts[0]["id"], "supply": "stock", "quantity": "1"}]})
        payment = auxo(admin, "POST", f"/admin/invoices/{invoice['id']}/payments",
                       {"payment_date": first.isoformat(), "amount": "50.00", "method": "eftpos"})

        deposit_job = auxo(admin, "POST", "/admin/jobs", {"customer_id": customers[1]["id"]})
        deposit = auxo(admin, "POST", f"/admin/jobs/{deposit_job['id']}/deposits",
                       {"payment_date": first.isoformat(), "amount": "40.00", "method": "card"})
        deposit_invoice = auxo(admin, "POST", f"/admin/jobs/{deposit_job['id']}/invoice", {
            "invoice_date": (first + timedelta(days=1)).isoformat(), "gst_mode": "exclusive",
            "lines": [{"kind": "labour", "description": "Diagnostics", "quantity": "1", "unit_price": "120.00"}]})

        credit = auxo(admin, "POST", f"/admin/invoices/{synced_on_first['id']}/credits", {
            "credit_date": first.isoformat(), "reason": "Goodwill",
            "lines": [{"kind": "labour", "description": "Goodwill", "quantity": "1", "unit_price": "10.00"}]})
        history_payment = auxo(admin, "POST", f"/admin/invoices/{history['id']}/payments",  # after the lock date
                               {"payment_date": str(first - timedelta(days=1)), "amount": "15.00", "method": "cash"})
    return {"invoice": invoice, "payment": payment, "deposit": deposit, "deposit_invoice": deposit_invoice,
            "credit": credit, "credited": synced_on_first, "history_payment": history_payment,
            "history_invoice": history}


def ledger_days(source_ids: list[str]) -> dict[tuple[str, str, str], tuple[date, str]]:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute(
            "select source_id, entity, operation, business_date, status from sync.writes "
            "where target = 'xero' and source_id in (select unnest(?::varchar[])) and status <> 'superseded'",
            [source_ids]).fetchall()
    return {(s, e, o): (d, st) for s, e, o, d, st in rows}


def test_documents_back_dated_to_synced_days_are_sent_by_the_next_run_once(workshop: dict[str, Any]) -> None:
    first = date.fromisoformat(workshop["window_start_date"])
    last = date.fromisoformat(workshop["end_date"])
    assert (last - first).days == 2
    assert run_day(str(first), last=str(first + timedelta(days=1))).success
    entered = enter_back_dated(workshop)

    result = run_day(str(last))  # the next night's run: only the last day's partition
    assert result.success
    materialized = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    planned = {m.asset_key.path[-1]: m.metadata for m in materialized}
    assert str(first) in planned["invoice_push"]["earlier_days_planned"].value
    assert str(first) in planned["views"]["days"].value  # the day's reconciliation is refreshed
    (once,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "every_document_in_xero_once"]
    assert str(first) in once.metadata["days"].value

    invoice, deposit_invoice = entered["invoice"], entered["deposit_invoice"]
    (sent,) = [i for i in xero_documents("Invoices") if i["InvoiceNumber"] == invoice["number"]]
    assert ms_date_to_date(sent["Date"]) == first and Decimal(str(sent["Total"])) == Decimal(invoice["total"])
    (sent_deposit_invoice,) = [i for i in xero_documents("Invoices") if i["InvoiceNumber"] == deposit_invoice["number"]]
    assert ms_date_to_date(sent_deposit_invoice["Date"]) == first + timedelta(days=1)

    payments = {p["Reference"]: p for p in xero_documents("Payments")}
    for key, on in (("payment", sent["InvoiceID"]), ("history_payment", entered["history_invoice"]["xero_invoice_id"])):
        (payment,) = [p for ref, p in payments.items() if ref.startswith(f"Auxo PAY {entered[key]['id']}")]
        assert payment["Invoice"]["InvoiceID"] == on
        assert ms_date_to_date(payment["Date"]) == date.fromisoformat(entered[key]["payment_date"])
        assert Decimal(str(payment["Amount"])) == Decimal(entered[key]["amount"])

    (prepayment,) = [p for p in xero_documents("Prepayments")
                     if any(a["Invoice"]["InvoiceID"] == sent_deposit_invoice["InvoiceID"]
                            for a in p.get("Allocations", []))]
    assert ms_date_to_date(prepayment["Date"]) == first and Decimal(str(prepayment["Total"])) == Decimal("40.00")

    credit = entered["credit"]
    (note,) = [c for c in xero_documents("CreditNotes") if c["CreditNoteNumber"] == credit["number"]]
    assert ms_date_to_date(note["Date"]) == first
    assert [a["Invoice"]["InvoiceID"] for a in note.get("Allocations", [])] == [entered["credited"]["xero_invoice_id"]]

    cogs = [j for j in xero_documents("ManualJournals") if j["Narration"] == f"COGS for invoice {invoice['number']}"]
    assert len(cogs) == 1 and ms_date_to_date(cogs[0]["Date"]) == first

    states = ledger_days([invoice["id"], entered["payment"]["id"], entered["deposit"]["id"], credit["id"],
                          entered["history_payment"]["id"]])
    assert states[(invoice["id"], "invoice", "create")] == (first, "confirmed")
    assert states[(entered["payment"]["id"], "payment", "create")] == (first, "confirmed")
    assert states[(entered["deposit"]["id"], "prepayment", "create")] == (first, "confirmed")
    assert states[(credit["id"], "credit_note", "create")] == (first, "confirmed")
    history_day = date.fromisoformat(entered["history_payment"]["payment_date"])
    assert states[(entered["history_payment"]["id"], "payment", "create")] == (history_day, "confirmed")

    sandbox.xero.clear_request_log(settings.sandbox_state_dir("xero"))
    assert run_day(str(last)).success
    assert xero_writes() == 0  # everything is in step: nothing is sent again
