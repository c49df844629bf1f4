"""Gaps in the rules, end to end on the sandboxes, acting in them between runs as people do:
an invoice voided after its COGS journals were posted (in Auxo, or in Xero), and a deposit deleted
in Auxo after it reached Xero (plain, allocated to its invoice, and reconciled in Xero)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import sandbox.xero
from pipelines import settings, warehouse
from pipelines.xero.dates import ms_date_to_date
from sandbox.embedded import transport
from tests.e2e.conftest import run_day

DAY = "2026-11-02"
NEXT = "2026-11-03"
LATER = "2026-11-04"

pytestmark = [pytest.mark.slow]


def auxo(method: str, path: str, body: dict | None = None) -> dict[str, Any]:
    with httpx.Client(transport=transport("auxo", settings.sandbox_state_dir("auxo")), base_url="http://auxo") as c:
        response = c.request(method, path, json=body)
    assert response.status_code < 300, response.text
    return response.json().get("data", response.json())


def auxo_record(resource: str, record_id: str) -> dict[str, Any]:
    return auxo("GET", f"/admin/records/{resource}/{record_id}")


def xero_admin() -> httpx.Client:
    return httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")), base_url="http://xero")


def xero_act(action: str, body: dict) -> dict[str, Any]:
    with xero_admin() as admin:
        response = admin.post(f"/admin/actions/{action}", json=body)
    assert response.status_code == 200, response.text
    return next(iter(response.json().values()))[0]


def xero_documents(kind: str) -> list[dict[str, Any]]:
    with xero_admin() as admin:
        return admin.get(f"/admin/documents/{kind}").json()[kind]


def xero_writes() -> list[dict[str, Any]]:
    log = sandbox.xero.request_log(settings.sandbox_state_dir("xero"), path_prefix="/api.xro")
    return [r for r in log if r["method"] in ("PUT", "POST", "DELETE")]


def clear_xero_log() -> None:
    sandbox.xero.clear_request_log(settings.sandbox_state_dir("xero"))


def at_auxo(moment: str) -> None:
    """Auxo's clock at ``moment`` (UTC), so what people do is dated on the days the test runs."""
    auxo("PUT", "/admin/clock", {"frozen_at": moment})


def customer_job(name: str, registration: str) -> str:
    customer = auxo("POST", "/admin/customers", {"name": name, "kind": "business", "phone": "02 9555 1234"})
    vehicle = auxo("POST", "/admin/vehicles", {"customer_id": customer["id"], "registration": registration,
                                               "make": "Toyota", "model": "Hilux"})
    return auxo("POST", "/admin/jobs", {"customer_id": customer["id"], "vehicle_id": vehicle["id"]})["id"]


def ran(day: str) -> None:
    assert run_day(day).success


# ----------------------------------------------------------------------------- voids reverse COGS

def journals(narration: str) -> list[dict[str, Any]]:
    return [j for j in xero_documents("ManualJournals") if j["Narration"] == narration and j["Status"] == "POSTED"]


def amounts(journal: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(line["AccountCode"], Decimal(str(line["LineAmount"]))) for line in journal["JournalLines"]]


def workshop_with_parts() -> dict[str, str]:
    # a workshop that switched inventory journals on (again) just before the day, and syncs from 1 November
    at_auxo("2026-11-01T20:00:00Z")
    auxo("PUT", "/admin/sync-settings", {"create_inventory_journals": False, "sync_start_date": "2026-11-01"})
    at_auxo("2026-11-01T20:30:00Z")
    auxo("PUT", "/admin/sync-settings", {"create_inventory_journals": True})
    at_auxo("2026-11-01T21:00:00Z")  # 08:00 on 2 November in Sydney
    brake = auxo("POST", "/admin/parts", {"part_number": "BRK-1", "description": "Brake pads", "stocked": True,
                                          "sell_price": "90.00", "average_cost": "40.00", "quantity_on_hand": "10"})
    invoices = {}
    for name, registration in (("Smith Motors Pty Ltd", "ABC123"), ("Jones Haulage Pty Ltd", "XYZ789"),
                               ("Brown Transport Pty Ltd", "LMN456")):
        job = customer_job(name, registration)
        invoices[registration] = auxo("POST", f"/admin/jobs/{job}/invoice", {
            "invoice_date": DAY, "gst_mode": "exclusive",
            "lines": [{"kind": "labour", "description": "Fit pads", "quantity": "1", "unit_price": "100.00"},
                      {"kind": "part", "part_id": brake["id"], "supply": "stock", "quantity": "2"}]})
    return {"auxo": invoices["ABC123"]["id"], "xero": invoices["XYZ789"]["id"], "early": invoices["LMN456"]["id"],
            "auxo_number": invoices["ABC123"]["number"], "xero_number": invoices["XYZ789"]["number"],
            "early_number": invoices["LMN456"]["number"]}


def test_an_invoice_voided_after_its_cogs_journals_were_posted_gets_them_reversed_once(home: Path) -> None:
    ids = workshop_with_parts()
    auxo("POST", f"/admin/invoices/{ids['early']}/void")  # voided the day it was made, before any run
    ran(DAY)
    for number in (ids["auxo_number"], ids["xero_number"]):
        (journal,) = journals(f"COGS for invoice {number}")
        assert amounts(journal) == [("310", Decimal("80.00")), ("630", Decimal("-80.00"))]
    assert journals(f"COGS for invoice {ids['early_number']}") == []

    # one invoice is voided in Auxo, the other in Xero, on 3 November
    at_auxo("2026-11-02T22:00:00Z")  # 09:00 on 3 November in Sydney
    auxo("POST", f"/admin/invoices/{ids['auxo']}/void")
    xero_act("void-invoice", {"InvoiceID": auxo_record("invoices", ids["xero"])["xero_invoice_id"]})
    ran(NEXT)  # the Xero void comes back to Auxo (voided there now); the Auxo void's journal is reversed
    assert auxo_record("invoices", ids["xero"])["status"] == "void"
    ran(NEXT)  # and now the Xero-voided invoice's journal too
    for number in (ids["auxo_number"], ids["xero_number"]):
        (reversal,) = journals(f"COGS reversal for voided invoice {number}")
        # Stock on Hand goes back up by what the journal took out, on the day of the void
        assert amounts(reversal) == [("630", Decimal("80.00")), ("310", Decimal("-80.00"))]
        assert ms_date_to_date(reversal["Date"]).isoformat() == NEXT
        assert all(number in line["Description"] for line in reversal["JournalLines"])
    # a void before any journal was posted produces nothing
    assert journals(f"COGS reversal for voided invoice {ids['early_number']}") == []

    clear_xero_log()
    ran(NEXT)
    assert [w for w in xero_writes() if "ManualJournals" in w["path"]] == []  # once, ever
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("select ref, status from sync.write_ledger where ref like 'cogs_void:%'").fetchall()
        drift = con.execute("select day, account_code, difference from recon.inventory_movements_by_day "
                            "where difference <> 0").fetchall()
        made_in_xero = con.execute("select xero_number from recon.documents where state = 'only_in_xero' "
                                   "and document_kind = 'journal'").fetchall()
    assert sorted(status for _, status in rows) == ["confirmed", "confirmed"]
    assert drift == []  # both days tie out: the journals on 2 November, their reversals on 3 November
    assert made_in_xero == []  # the sync's own reversals are not taken for journals made in Xero


# ----------------------------------------------------------------------------- deleted deposits

def prepayment_of(deposit_id: str) -> dict[str, Any]:
    xero_id = auxo_record("payments", deposit_id)["xero_payment_id"]
    return next(p for p in xero_documents("Prepayments") if p["PrepaymentID"] == xero_id)


def bank_transaction_of(prepayment_id: str) -> dict[str, Any]:
    return next(t for t in xero_documents("BankTransactions") if t.get("PrepaymentID") == prepayment_id)


def deposits() -> dict[str, str]:
    at_auxo("2026-11-01T21:00:00Z")
    plain = customer_job("Smith Motors Pty Ltd", "ABC123")
    applied = customer_job("Jones Haulage Pty Ltd", "XYZ789")
    reconciled = customer_job("Brown Transport Pty Ltd", "LMN456")
    found = {name: auxo("POST", f"/admin/jobs/{job}/deposits", {"amount": "50.00", "payment_date": DAY})["id"]
             for name, job in (("plain", plain), ("applied", applied), ("reconciled", reconciled))}
    found["invoice"] = auxo("POST", f"/admin/jobs/{applied}/invoice", {
        "invoice_date": DAY, "gst_mode": "exclusive",
        "lines": [{"kind": "labour", "description": "Service", "quantity": "1", "unit_price": "100.00"}]})["id"]
    return found


def test_a_deposit_deleted_in_auxo_is_taken_out_of_xero_as_xero_allows_once(home: Path) -> None:
    ids = deposits()
    ran(DAY)
    prepayments = {name: prepayment_of(ids[name]) for name in ("plain", "applied", "reconciled")}
    invoice_x = auxo_record("invoices", ids["invoice"])["xero_invoice_id"]
    assert [a["Invoice"]["InvoiceID"] for a in prepayments["applied"]["Allocations"]] == [invoice_x]
    # a bookkeeper reconciles one deposit against the bank statement in Xero
    xero_act("reconcile-bank-transaction", {"PrepaymentID": prepayments["reconciled"]["PrepaymentID"]})

    at_auxo("2026-11-02T22:00:00Z")
    for name in ("plain", "applied", "reconciled"):
        auxo("POST", f"/admin/payments/{ids[name]}/delete")
    clear_xero_log()
    ran(NEXT)

    voided = {p["PrepaymentID"]: p for p in xero_documents("Prepayments")}
    for name in ("plain", "applied"):
        prepayment_id = prepayments[name]["PrepaymentID"]
        assert voided[prepayment_id]["Status"] == "VOIDED", name
        assert bank_transaction_of(prepayment_id)["Status"] == "DELETED", name
        assert auxo_record("payments", ids[name])["sync_status"] == "synced", name
    # the allocation went first: the invoice owes its whole total again in Xero
    invoice = next(i for i in xero_documents("Invoices") if i["InvoiceID"] == invoice_x)
    assert Decimal(str(invoice["AmountDue"])) == Decimal(str(invoice["Total"])) == Decimal("110.00")
    deletes = [w for w in xero_writes() if w["method"] == "DELETE"]
    assert [w["path"].rsplit("/Allocations/", 1)[0].endswith(prepayments["applied"]["PrepaymentID"])
            for w in deletes] == [True]

    # the reconciled one stays in Xero; the bookkeeper is told what to do there, and so is the workshop
    reconciled_id = prepayments["reconciled"]["PrepaymentID"]
    assert voided[reconciled_id]["Status"] == "AUTHORISED"
    assert bank_transaction_of(reconciled_id)["Status"] == "AUTHORISED"
    record = auxo_record("payments", ids["reconciled"])
    assert (record["sync_status"], record["sync_error"]["code"]) == ("error", "reconciled")
    clear_xero_log()
    ran(LATER)  # the next plan explains the refusal, and sends nothing again
    assert xero_writes() == []  # each removal once; the refusal waits for a person (--resend-refused)
    with warehouse.connect(read_only=True) as con:
        findings = con.execute("select reason, auxo_id, xero_id, detail from plans.invoice_exceptions "
                               "where reason = 'deposit_deleted'").fetchall()
        errors = con.execute("select error_class, error_code from sync.sync_errors "
                             "where entity = 'prepayment'").fetchall()
    ((_, auxo_id, xero_id, detail),) = findings
    assert (auxo_id, xero_id) == (ids["reconciled"], reconciled_id)
    assert "unreconcile it" in detail and "--resend-refused" in detail
    assert errors == [("needs_person", "reconciled")]
