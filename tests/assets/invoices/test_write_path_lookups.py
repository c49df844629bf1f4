"""Finding an allocation or a prepayment whose answer was lost (pipelines/sync/targets.py lookups).

The money plans' allocation payloads are the allocation beside the document's id (what the
single-document adapter sends); a prepayment is known by its PrepaymentID, which allocations name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipelines.sync.targets import adapter_for


class FakeXero:
    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.asked: list[tuple[str, dict]] = []

    def get(self, endpoint: str, *, params: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
        self.asked.append((endpoint, params or {}))
        return self.documents[endpoint]


def test_a_credit_note_allocation_of_unknown_outcome_is_found_by_invoice_and_amount() -> None:
    client = FakeXero({"CreditNotes/cn-1": {"CreditNotes": [{"CreditNoteID": "cn-1", "Allocations": [
        {"AllocationID": "al-9", "Amount": Decimal("33.00"), "Invoice": {"InvoiceID": "inv-1"}}]}]}})
    payload = {"CreditNoteID": "cn-1", "Invoice": {"InvoiceID": "inv-1"}, "Amount": "33.00", "Date": "2026-03-02"}
    assert adapter_for("xero", "credit_note", "allocate").lookup(client, payload, "cr_1") == "al-9"
    other = dict(payload, Amount="30.00")
    assert adapter_for("xero", "credit_note", "allocate").lookup(client, other, "cr_1") is None


def test_a_prepayment_allocation_of_unknown_outcome_is_found() -> None:
    client = FakeXero({"Prepayments/pp-1": {"Prepayments": [{"PrepaymentID": "pp-1", "Allocations": [
        {"AllocationID": "al-1", "Amount": "50.00", "Invoice": {"InvoiceID": "inv-1"}}]}]}})
    payload = {"PrepaymentID": "pp-1", "Invoice": {"InvoiceID": "inv-1"}, "Amount": "50.00", "Date": "2026-03-02"}
    assert adapter_for("xero", "prepayment", "allocate").lookup(client, payload, "dep_1") == "al-1"


def test_a_deposit_of_unknown_outcome_is_found_as_its_prepayment() -> None:
    client = FakeXero({"BankTransactions": {"BankTransactions": [
        {"BankTransactionID": "bt-1", "PrepaymentID": "pp-1", "Status": "AUTHORISED", "Reference": "Auxo DEP dep_1"}]}})
    payload = {"Type": "RECEIVE-PREPAYMENT", "Reference": "Auxo DEP dep_1"}
    assert adapter_for("xero", "prepayment", "create").lookup(client, payload, "dep_1") == "pp-1"
    assert client.asked == [("BankTransactions", {"where": 'Reference=="Auxo DEP dep_1" AND Type=="RECEIVE-PREPAYMENT"'})]


def test_a_deleted_deposits_removals_of_unknown_outcome_are_found_done_only_when_xero_shows_them_done() -> None:
    payload = {"PrepaymentID": "pp-1", "AllocationID": "al-1"}
    removal = adapter_for("xero", "prepayment_allocation", "delete")
    still = FakeXero({"Prepayments/pp-1": {"Prepayments": [{"PrepaymentID": "pp-1", "Status": "PAID", "Allocations": [
        {"AllocationID": "al-1", "Amount": "50.00", "Invoice": {"InvoiceID": "inv-1"}}]}]}})
    assert removal.lookup(still, payload, "dep_1") is None  # still allocated: send it
    gone = FakeXero({"Prepayments/pp-1": {"Prepayments": [{"PrepaymentID": "pp-1", "Status": "AUTHORISED",
                                                            "Allocations": []}]}})
    assert removal.lookup(gone, payload, "dep_1") == "al-1"
    deletion = adapter_for("xero", "prepayment", "delete")
    delete = {"PrepaymentID": "pp-1", "Reference": "Auxo DEP dep_1", "Date": "2026-03-02", "Status": "DELETED"}
    assert deletion.lookup(gone, delete, "dep_1") is None  # the prepayment is still live
    voided = FakeXero({"Prepayments/pp-1": {"Prepayments": [{"PrepaymentID": "pp-1", "Status": "VOIDED"}]}})
    assert deletion.lookup(voided, delete, "dep_1") == "pp-1"
