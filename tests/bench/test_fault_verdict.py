"""The faults benchmark's verdict counts documents: a planted duplicate or a missing document fails it."""

from __future__ import annotations

import copy
from typing import Any

import polars as pl
import pytest

from bench.fault_verdict import verdict

S = pl.String


def frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def expected() -> dict[str, pl.DataFrame]:
    return {
        "invoices": frame([
            {"invoice_id": "inv_1", "number": "INV-1", "outcome": "to_create", "planted": None},
            {"invoice_id": "inv_2", "number": "INV-2", "outcome": "existing", "planted": None},
            {"invoice_id": "inv_3", "number": "INV-3", "outcome": "error", "planted": "number_clash"},
            {"invoice_id": "inv_4", "number": "INV-4", "outcome": "waiting", "planted": "review_contact"},
        ], {"invoice_id": S, "number": S, "outcome": S, "planted": S}),
        "credit_notes": frame([{"credit_id": "crd_1", "number": "CN-1", "state": "to_create"}],
                              {"credit_id": S, "number": S, "state": S}),
        "payments": frame([
            {"payment_id": "pay_1", "kind": "payment", "state": "to_create", "xero_payment_id": None},
            {"payment_id": "pay_2", "kind": "deposit", "state": "to_create", "xero_payment_id": None},
            {"payment_id": "pay_3", "kind": "payment", "state": "existing", "xero_payment_id": "xp-3"},
        ], {"payment_id": S, "kind": S, "state": S, "xero_payment_id": S}),
        "cogs_journals": frame([{"line_id": "lin_000000001", "state": "to_create", "xero_journal_id": None},
                                {"line_id": "lin_000000002", "state": "blocked", "xero_journal_id": None}],
                               {"line_id": S, "state": S, "xero_journal_id": S}),
        "stock_journals": frame([{"adjustment_id": "adj_1", "kind": "adjustment", "narration": "Stock adjustment A-1",
                                  "adjustment_date": "2026-03-01", "amount": 1250, "state": "to_create"}],
                                {"adjustment_id": S, "kind": S, "narration": S, "adjustment_date": S,
                                 "amount": pl.Int64, "state": S}),
        "bills": frame([{"purchase_order_id": "po_1", "number": "PO-1", "state": "to_create"}],
                       {"purchase_order_id": S, "number": S, "state": S}),
        "contacts_to_create": frame([{"auxo_kind": "customer", "auxo_id": "cus_1", "name": "Smith Motors"}],
                                    {"auxo_kind": S, "auxo_id": S, "name": S}),
        "xero_actions": frame([
            {"action": "xero_payment", "invoice_number": "INV-2", "xero_id": "xp-9", "xero_payment_id": None,
             "amount": 5000},
            {"action": "xero_edited_total", "invoice_number": "INV-2", "xero_id": None, "xero_payment_id": None,
             "amount": 100},
        ], {"action": S, "invoice_number": S, "xero_id": S, "xero_payment_id": S, "amount": pl.Int64}),
    }


def in_step() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Both systems as a correct sync of ``expected()`` leaves them."""
    xero = {
        "Invoices": [
            {"Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-1", "InvoiceID": "xi-1"},
            {"Type": "ACCREC", "Status": "PAID", "InvoiceNumber": "INV-2", "InvoiceID": "xi-2"},
            {"Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-3", "InvoiceID": "xi-clash"},
            {"Type": "ACCPAY", "Status": "AUTHORISED", "InvoiceNumber": "SI-1", "Reference": "PO-1", "InvoiceID": "xb-1"},
        ],
        "CreditNotes": [{"Type": "ACCRECCREDIT", "Status": "PAID", "CreditNoteNumber": "CN-1"}],
        "Payments": [{"PaymentID": "xp-1", "Status": "AUTHORISED", "Reference": "Auxo PAY pay_1"},
                     {"PaymentID": "xp-3", "Status": "AUTHORISED", "Reference": "pay_3"},
                     {"PaymentID": "xp-9", "Status": "AUTHORISED", "Reference": "paid in Xero"}],
        "Prepayments": [{"PrepaymentID": "xd-2", "Status": "PAID", "Reference": "Auxo DEP pay_2"}],
        "ManualJournals": [
            {"ManualJournalID": "xj-1", "Status": "POSTED", "Narration": "COGS for invoice INV-1", "Date": "2026-03-01",
             "JournalLines": [{"Description": "INV-1 line lin_000000001: 1 × oil", "LineAmount": 10.0},
                              {"Description": "INV-1 line lin_000000001: 1 × oil", "LineAmount": -10.0}]},
            {"ManualJournalID": "xj-2", "Status": "POSTED", "Narration": "Stock adjustment A-1",
             "Date": "/Date(1772323200000+0000)/",
             "JournalLines": [{"Description": "", "LineAmount": 12.5}, {"Description": "", "LineAmount": -12.5}]},
        ],
        "Contacts": [{"ContactID": "xc-1", "Name": "Smith Motors"}, {"ContactID": "xc-2", "Name": "Other"}],
    }
    auxo = {
        "customers": [{"id": "cus_1", "xero_contact_id": "xc-1"}],
        "suppliers": [],
        "invoices": [
            {"id": "inv_1", "number": "INV-1", "xero_invoice_id": "xi-1",
             "lines": [{"id": "lin_000000001", "kind": "part", "xero_cogs_journal_id": "xj-1"}], "xero_allocations": []},
            {"id": "inv_2", "number": "INV-2", "xero_invoice_id": "xi-2",
             "lines": [{"id": "lin_000000005", "kind": "xero_adjustment"}], "xero_allocations": []},
            {"id": "inv_3", "number": "INV-3", "xero_invoice_id": None, "lines": [], "xero_allocations": []},
        ],
        "invoice-credits": [{"id": "crd_1", "xero_credit_note_id": "xn-1"}],
        "payments": [{"id": "pay_1", "source": "auxo", "xero_payment_id": "xp-1"},
                     {"id": "pay_2", "source": "auxo", "xero_payment_id": "xd-2"},
                     {"id": "pay_3", "source": "auxo", "xero_payment_id": "xp-3"},
                     {"id": "pay_x1", "source": "xero", "xero_payment_id": "xp-9"}],
        "purchase-orders": [{"id": "po_1", "xero_bill_id": "xb-1"}],
        "stock-adjustments": [{"id": "adj_1", "xero_journal_id": "xj-2"}],
    }
    return {"xero": xero, "auxo": auxo}


def check(result: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in result["checks"] if c["kind"].startswith(kind))


def test_books_in_step_pass() -> None:
    result = verdict(in_step(), expected())
    assert (result["ok"], result["duplicated"], result["missing"], result["unexpected"]) == (True, 0, 0, 0)
    assert result["by_system"]["xero"]["documents_checked"] >= 10


@pytest.mark.parametrize(("plant", "kind", "key"), [
    (lambda d: d["xero"]["Invoices"].append({**d["xero"]["Invoices"][0], "InvoiceID": "xi-1b"}),
     "ACCREC invoices", "INV-1 ×2"),
    (lambda d: d["xero"]["Payments"].append({"PaymentID": "xp-1b", "Status": "AUTHORISED",
                                             "Reference": "Auxo PAY pay_1"}), "payments and prepayments",
     "Auxo PAY pay_1 ×2"),
    # an existing payment (in Xero before the sync, its own Reference) entered a second time by the sync
    (lambda d: d["xero"]["Payments"].append({"PaymentID": "xp-3b", "Status": "AUTHORISED",
                                             "Reference": "Auxo PAY pay_3"}), "payments and prepayments",
     "Auxo PAY pay_3 ×2"),
    (lambda d: d["xero"]["ManualJournals"].append({**d["xero"]["ManualJournals"][0], "ManualJournalID": "xj-1b"}),
     "COGS journals", "lin_000000001 ×2"),
    (lambda d: d["xero"]["ManualJournals"].append({**d["xero"]["ManualJournals"][1], "ManualJournalID": "xj-2b"}),
     "stock journals", "Stock adjustment A-1 | 2026-03-01 | 1250 ×2"),
    (lambda d: d["xero"]["Contacts"].append({"ContactID": "xc-1b", "Name": "Smith Motors"}), "contacts created",
     "Smith Motors ×2"),
    (lambda d: d["auxo"]["payments"].append({"id": "pay_x2", "source": "xero", "xero_payment_id": "xp-9"}),
     "payments entered in Xero", "xp-9 ×2"),
    (lambda d: d["auxo"]["invoices"][1]["lines"].append({"id": "lin_6", "kind": "xero_adjustment"}),
     "Xero-edited totals", "INV-2 ×2"),
])
def test_a_planted_duplicate_is_found(plant: Any, kind: str, key: str) -> None:
    documents = copy.deepcopy(in_step())
    plant(documents)
    result = verdict(documents, expected())
    assert not result["ok"] and result["duplicated"] == 1 and result["missing"] == 0
    assert check(result, kind)["duplicated_keys"] == [key]


def drop(collection: list[dict[str, Any]], field: str, value: str) -> None:
    collection[:] = [d for d in collection if d.get(field) != value]


@pytest.mark.parametrize(("plant", "kind", "key"), [
    (lambda d: drop(d["xero"]["Invoices"], "InvoiceNumber", "INV-1"), "ACCREC invoices", "INV-1"),
    (lambda d: drop(d["xero"]["Prepayments"], "PrepaymentID", "xd-2"), "payments and prepayments",
     "Auxo DEP pay_2"),
    (lambda d: drop(d["xero"]["CreditNotes"], "CreditNoteNumber", "CN-1"), "credit notes", "CN-1"),
    (lambda d: drop(d["xero"]["Invoices"], "Reference", "PO-1"), "bills", "PO-1"),
    (lambda d: d["auxo"]["payments"][0].update(xero_payment_id=None), "payments: Xero id written back", "pay_1"),
    (lambda d: drop(d["auxo"]["payments"], "source", "xero"), "payments entered in Xero", "xp-9"),
    (lambda d: d["auxo"]["customers"][0].update(xero_contact_id="xc-2"), "customers created", "cus_1"),
])
def test_a_missing_document_is_found(plant: Any, kind: str, key: str) -> None:
    documents = copy.deepcopy(in_step())
    plant(documents)
    result = verdict(documents, expected())
    assert not result["ok"] and result["missing"] >= 1
    assert key in check(result, kind)["missing_keys"]


def test_a_document_that_must_wait_is_reported_but_is_not_a_duplicate() -> None:
    documents = copy.deepcopy(in_step())
    documents["xero"]["Invoices"].append({"Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-4",
                                          "InvoiceID": "xi-4"})
    result = verdict(documents, expected())
    assert result["ok"] and check(result, "ACCREC invoices")["unexpected_keys"] == ["INV-4"]


def test_a_deleted_payment_does_not_count() -> None:
    documents = copy.deepcopy(in_step())
    documents["xero"]["Payments"].append({"PaymentID": "xp-1c", "Status": "DELETED", "Reference": "Auxo PAY pay_1"})
    assert verdict(documents, expected())["ok"]
