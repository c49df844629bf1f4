"""Both sandboxes seeded from one workshop: the Auxo records honour the API contract and the
sandbox's own arithmetic, the Xero books agree with Auxo, and the planted Xero-side actions are
there for the sync to find."""

from __future__ import annotations

from decimal import Decimal

import httpx
import polars as pl
import pytest

from sandbox.auxo.app import connection_info
from sandbox.auxo.rules import refresh_invoice
from sandbox.auxo.store import RESOURCES
from sandbox.embedded import transport
from tests.sandbox.auxo.openapi_check import ContractValidator


def _cents(value: object) -> int:
    return int(Decimal(str(value)) * 100)


@pytest.fixture(scope="module")
def auxo(seeded) -> dict[str, list[dict]]:
    """Every Auxo record, read through the API, each response validated against openapi.yaml."""
    validator = ContractValidator.from_served_file()
    info = connection_info(seeded["auxo"], "http://auxo.test")
    records: dict[str, list[dict]] = {}
    with httpx.Client(transport=transport("auxo", seeded["auxo"]), base_url=info["base_url"],
                      headers={"X-Api-Key": info["api_key"]}, event_hooks={"response": [validator.check_response]}) as api:
        for resource in RESOURCES:
            records[resource], cursor = [], None
            while True:
                page = api.get(f"/{resource}", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
                records[resource] += page["data"]
                cursor = page["next_cursor"]
                if not cursor:
                    break
        records["account"] = [api.get("/account").json()]
        records["sync-settings"] = [api.get("/sync-settings").json()]
    assert validator.checked >= len(RESOURCES) + 2
    return records


@pytest.fixture(scope="module")
def xero(seeded) -> dict[str, list[dict]]:
    with httpx.Client(transport=transport("xero", seeded["xero"]), base_url="http://xero.test/admin") as admin:
        return {kind: admin.get(f"/documents/{kind}").json()[kind]
                for kind in ("Contacts", "Invoices", "Payments", "CreditNotes", "ManualJournals", "Prepayments")}


def test_every_generated_record_is_served_and_valid(workshop, auxo) -> None:
    sizes = {"customers": workshop.customers, "invoices": workshop.invoices, "payments": workshop.payments,
             "purchase-orders": workshop.orders, "stock-adjustments": workshop.adjustments,
             "part-cost-history": workshop.cost_history, "jobs": workshop.jobs}
    for resource, frame in sizes.items():
        assert len(auxo[resource]) == frame.height, resource
    assert auxo["sync-settings"][0]["sync_start_date"] == workshop.meta["sync_start_date"]


def test_seeded_invoices_agree_with_the_sandbox_arithmetic(auxo) -> None:
    payments, credits = {}, {}
    for payment in auxo["payments"]:
        payments.setdefault(payment["invoice_id"], []).append(payment)
    for credit in auxo["invoice-credits"]:
        credits.setdefault(credit["invoice_id"], []).append(credit)
    for invoice in auxo["invoices"]:
        fresh = refresh_invoice(invoice, payments.get(invoice["id"], []), credits.get(invoice["id"], []))
        assert fresh == invoice, invoice["number"]


def test_the_xero_books_match_the_synced_auxo_documents(workshop, tables, xero) -> None:
    by_id = {doc["InvoiceID"]: doc for doc in xero["Invoices"]}
    for row in tables["invoices"].filter(pl.col("outcome") == "existing").iter_rows(named=True):
        doc = by_id[row["xero_invoice_id"]]
        assert (_cents(doc["Total"]), _cents(doc["TotalTax"])) == (row["xero_total"], row["xero_total_tax"]), row["number"]
    voided = tables["invoices"].filter(pl.col("planted") == "xero_voided_invoice")["xero_invoice_id"][0]
    assert by_id[voided]["Status"] == "VOIDED"
    journals = {doc["ManualJournalID"] for doc in xero["ManualJournals"]}
    existing = tables["cogs_journals"].filter(pl.col("state") == "existing")["xero_journal_id"]
    assert existing.len() > 0 and set(existing) <= journals


def test_the_planted_xero_side_actions_are_in_xero(tables, xero) -> None:
    actions = {row["action"]: row for row in tables["xero_actions"].iter_rows(named=True)}
    invoices = {doc["InvoiceID"]: doc for doc in xero["Invoices"]}
    paid = actions["xero_payment"]
    assert invoices[paid["xero_invoice_id"]]["Status"] == "PAID"
    deleted = next(p for p in xero["Payments"] if p["PaymentID"] == actions["xero_deleted_payment"]["xero_payment_id"])
    assert deleted["Status"] == "DELETED"
    assert _cents(invoices[actions["xero_deleted_payment"]["xero_invoice_id"]]["AmountDue"]) == \
        actions["xero_deleted_payment"]["amount"]
    edited = invoices[actions["xero_edited_total"]["xero_invoice_id"]]
    expected = tables["invoices"].filter(pl.col("planted") == "xero_edited_total").row(0, named=True)
    assert _cents(edited["Total"]) == expected["xero_total"] and expected["auxo_adjustment_total"] == 5_500
    credit = actions["xero_credit_allocation"]
    note = next(n for n in xero["CreditNotes"] if n["CreditNoteID"] == credit["xero_id"])
    assert _cents(note["Allocations"][0]["Amount"]) == credit["amount"]
    clash = actions["xero_invoice_number_clash"]
    assert sum(1 for doc in xero["Invoices"] if doc.get("InvoiceNumber") == clash["xero_number"]) == 1


def test_the_period_lock_date_is_set_in_xero(workshop, seeded) -> None:
    with httpx.Client(transport=transport("xero", seeded["xero"]), base_url="http://xero.test/admin") as admin:
        organisation = admin.get("/organisation").json()["Organisations"][0]
    assert "PeriodLockDate" in organisation
    assert seeded["report"]["xero"]["Contacts"] == workshop.xero_contacts.height


def test_auxo_rules_hold_on_seeded_data(seeded, auxo) -> None:
    """A person keeps working on the seeded workshop: numbers continue, locks hold."""
    admin = httpx.Client(transport=transport("auxo", seeded["auxo"]), base_url="http://auxo.test/admin")
    locked = next(i for i in auxo["invoices"] if i["locked"] and i["status"] != "void")
    refused = admin.patch(f"/invoices/{locked['id']}", json={"invoice_date": "2026-01-01"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invoice_locked"
    job = next(j for j in auxo["jobs"] if j["status"] == "open")
    invoice = admin.post(f"/jobs/{job['id']}/invoice", json={"lines": [{"kind": "labour", "unit_price": "900.00"}]})
    assert invoice.status_code == 201, invoice.text
    highest = max(int(i["number"].removeprefix("INV-")) for i in auxo["invoices"])
    assert int(invoice.json()["data"]["number"].removeprefix("INV-")) == highest + 1
