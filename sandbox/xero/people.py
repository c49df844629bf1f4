"""Acting as a person working in Xero (for tests and the demo): edit an invoice, enter a payment,
create and allocate a credit note, void, delete, archive, merge.

Each action is one write transaction through the same rules as the API (a person cannot edit a
paid invoice in Xero either), but without authentication, rate limits or idempotency. Every
change bumps ``UpdatedDateUTC``, so the project's incremental reads see it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sandbox.xero import allocations, banking, contacts, invoices, journals, payments
from sandbox.xero.errors import Invalid, NotFound
from sandbox.xero.invoices import CREDIT_NOTE, INVOICE
from sandbox.xero.listing import get_one, render
from sandbox.xero.store import Store, Tx


def _need(body: dict, key: str) -> str:
    value = body.get(key)
    if not value:
        raise Invalid(f"{key} is required")
    return str(value)


def edit_invoice(tx: Tx, body: dict) -> dict:
    """``{"InvoiceID": …, <Xero invoice fields>}``; or ``"SetLine": {"Index": 0, "UnitAmount": …}``
    to change one line's amounts/description, or ``"AddLine": {<line>}`` to add a line."""
    existing = get_one(tx, "Invoice", _need(body, "InvoiceID"))
    change = {k: v for k, v in body.items() if k not in ("InvoiceID", "SetLine", "AddLine")}
    if "SetLine" in body or "AddLine" in body:
        lines = [dict(line, TaxAmount=None) for line in copy.deepcopy(existing["LineItems"])]
        if "SetLine" in body:
            edit = dict(body["SetLine"])
            index = int(edit.pop("Index", 0))
            lines[index].update(edit)
            if "LineAmount" in edit and "UnitAmount" not in edit:
                lines[index].pop("UnitAmount", None)
        if "AddLine" in body:
            lines.append(dict(body["AddLine"]))
        change["LineItems"] = lines
    return invoices.update(tx, INVOICE, existing, change, unitdp=4)


def void_invoice(tx: Tx, body: dict) -> dict:
    existing = get_one(tx, "Invoice", _need(body, "InvoiceID"))
    status = "DELETED" if existing["Status"] in ("DRAFT", "SUBMITTED") else "VOIDED"
    return invoices.update(tx, INVOICE, existing, {"Status": status})


def enter_payment(tx: Tx, body: dict) -> dict:
    return payments.create(tx, body)


def delete_payment(tx: Tx, body: dict) -> dict:
    return payments.delete(tx, get_one(tx, "Payment", _need(body, "PaymentID"), number_column=None),
                           {"Status": "DELETED"})


def credit_note(tx: Tx, body: dict) -> dict:
    """Create a credit note (AUTHORISED unless ``Status`` says otherwise) and allocate it:
    ``"Allocations": [{"Invoice": {"InvoiceID": …}, "Amount": …, "Date": …}]``."""
    raw = {"Status": "AUTHORISED", **{k: v for k, v in body.items() if k != "Allocations"}}
    note = invoices.create(tx, CREDIT_NOTE, raw, unitdp=4)
    for allocation in body.get("Allocations") or []:
        allocations.allocate(tx, "CreditNote", tx.get("CreditNote", note["CreditNoteID"]) or note, allocation)
    return tx.get("CreditNote", note["CreditNoteID"]) or note


def allocate_credit_note(tx: Tx, body: dict) -> dict:
    note = get_one(tx, "CreditNote", _need(body, "CreditNoteID"))
    return allocations.allocate(tx, "CreditNote", note, body)


def remove_allocation(tx: Tx, body: dict) -> dict:
    note = get_one(tx, "CreditNote", _need(body, "CreditNoteID"))
    return allocations.remove(tx, "CreditNote", note, _need(body, "AllocationID"))


def archive_contact(tx: Tx, body: dict) -> dict:
    return contacts.archive(tx, get_one(tx, "Contact", _need(body, "ContactID")))


def edit_contact(tx: Tx, body: dict) -> dict:
    existing = get_one(tx, "Contact", _need(body, "ContactID"))
    return contacts.update(tx, existing, {k: v for k, v in body.items() if k != "ContactID"})


def merge_contacts(tx: Tx, body: dict) -> dict:
    """``{"ContactID": <merged away>, "IntoContactID": <kept>}``."""
    merged = get_one(tx, "Contact", _need(body, "ContactID"))
    kept = get_one(tx, "Contact", _need(body, "IntoContactID"))
    if merged["ContactID"] == kept["ContactID"]:
        raise Invalid("A contact cannot be merged into itself.")
    return contacts.merge(tx, merged, kept)


def edit_journal(tx: Tx, body: dict) -> dict:
    existing = get_one(tx, "ManualJournal", _need(body, "ManualJournalID"), number_column=None)
    return journals.update(tx, existing, {k: v for k, v in body.items() if k != "ManualJournalID"})


def void_journal(tx: Tx, body: dict) -> dict:
    existing = get_one(tx, "ManualJournal", _need(body, "ManualJournalID"), number_column=None)
    status = "DELETED" if existing["Status"] == "DRAFT" else "VOIDED"
    return journals.update(tx, existing, {"Status": status})


def reconcile_bank_transaction(tx: Tx, body: dict) -> dict:
    """``{"BankTransactionID": …}`` or ``{"PrepaymentID": …}`` (the deposit's bank transaction), and
    ``"IsReconciled"`` (default true): a bookkeeper matching it to a bank statement line, or undoing that."""
    if body.get("PrepaymentID"):
        wanted = _need(body, "PrepaymentID").lower()
        found = [doc for doc in tx.find("BankTransaction", "type", "RECEIVE-PREPAYMENT")
                 if str(doc.get("PrepaymentID") or "").lower() == wanted]
        if not found:
            raise NotFound(wanted)
        existing = found[0]
    else:
        existing = get_one(tx, "BankTransaction", _need(body, "BankTransactionID"), number_column=None)
    return banking.update(tx, existing, {"IsReconciled": bool(body.get("IsReconciled", True))})


ACTIONS: dict[str, tuple[str, Callable[[Tx, dict], dict]]] = {
    "edit-invoice": ("Invoices", edit_invoice),
    "void-invoice": ("Invoices", void_invoice),
    "payment": ("Payments", enter_payment),
    "delete-payment": ("Payments", delete_payment),
    "credit-note": ("CreditNotes", credit_note),
    "allocate-credit-note": ("Allocations", allocate_credit_note),
    "remove-allocation": ("Allocations", remove_allocation),
    "archive-contact": ("Contacts", archive_contact),
    "edit-contact": ("Contacts", edit_contact),
    "merge-contacts": ("Contacts", merge_contacts),
    "edit-journal": ("ManualJournals", edit_journal),
    "void-journal": ("ManualJournals", void_journal),
    "reconcile-bank-transaction": ("BankTransactions", reconcile_bank_transaction),
}
KIND_OF = {"Invoices": "Invoice", "Payments": "Payment", "CreditNotes": "CreditNote", "Contacts": "Contact",
           "ManualJournals": "ManualJournal", "Allocations": "Allocation",
           "BankTransactions": "BankTransaction"}


def act(store: Store, action: str, body: dict) -> dict[str, Any]:
    """Run ``action``; returns ``{"<Plural>": [doc]}``. Raises ``Invalid`` (nothing written),
    ``NotFound`` or ``KeyError`` for an unknown action."""
    plural, function = ACTIONS[action]
    with store.write() as tx, store.savepoint(tx):
        doc = function(tx, body)
    return {plural: [render(KIND_OF[plural], doc, unitdp=4)]}


__all__ = ["ACTIONS", "NotFound", "act"]
