"""Allocating credit notes and prepayments to invoices, and removing allocations.

A credit note (or prepayment) must be AUTHORISED and the invoice AUTHORISED, of the matching side
(ACCRECCREDIT/RECEIVE-PREPAYMENT → ACCREC, ACCPAYCREDIT/SPEND-PREPAYMENT → ACCPAY), and the amount
may not exceed what is left on either. The invoice's AmountDue drops (AmountCredited for credit
notes, AmountPaid for prepayments) and it becomes PAID when nothing is left.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.xero import books, dates, errors
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid, NotFound
from sandbox.xero.fields import date_field, decimal_field, ref_of, text
from sandbox.xero.invoices import CREDIT_NOTE, INVOICE, settle
from sandbox.xero.money import q2
from sandbox.xero.store import Tx

SOURCES = {
    "CreditNote": ("Credit Note", "CreditNoteID", "CreditNoteNumber", "CreditNotes",
                   {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}),
    "Prepayment": ("Prepayment", "PrepaymentID", None, "Prepayments",
                   {"RECEIVE-PREPAYMENT": "ACCREC", "SPEND-PREPAYMENT": "ACCPAY"}),
}


def _invoice(tx: Tx, raw: dict, messages: list[str]) -> dict | None:
    ref = ref_of(raw.get("Invoice"))
    invoice = None
    if ref.get("InvoiceID"):
        invoice = tx.get("Invoice", str(ref["InvoiceID"]))
    elif ref.get("InvoiceNumber"):
        found = [d for d in tx.find("Invoice", "number", text(ref, "InvoiceNumber") or "")
                 if d["Status"] != "DELETED"]
        invoice = found[0] if found else None
    if invoice is None:
        what = ref.get("InvoiceID") or ref.get("InvoiceNumber") or ""
        messages.append(errors.DOCUMENT_NOT_FOUND.format(what=f"Invoice {what}".strip()))
    return invoice


def allocate(tx: Tx, source_kind: str, source: dict, raw: dict, *, seeding: bool = False,
             updated_ms: int | None = None) -> dict:
    """Allocate ``source`` to the invoice ``raw`` names. ``updated_ms``: the time a seeded
    allocation happened (both documents keep it, never moving back)."""
    what, id_field, number_field, invoice_key, matching = SOURCES[source_kind]
    messages: list[str] = []
    invoice = _invoice(tx, raw, messages)
    amount = decimal_field(raw, "Amount", messages)
    if amount is None or amount <= 0:
        messages.append(errors.ALLOCATION_AMOUNT_POSITIVE)
    amount = q2(amount or Decimal(0))
    when = date_field(raw, "Date", messages) or books.today(tx)
    source_ref = {id_field: source[id_field]}
    if number_field:
        source_ref[number_field] = source.get(number_field, "")
    allocation: dict = {"AllocationID": new_id(), "Amount": amount, "Date": dates.ms_date(when),
                        "Invoice": {"InvoiceID": (invoice or {}).get("InvoiceID", errors.EMPTY_ID),
                                    "InvoiceNumber": (invoice or {}).get("InvoiceNumber", "")},
                        source_kind: source_ref}
    if source["Status"] == "PAID":
        messages.append(errors.ALLOCATION_EXCEEDS.format(what=what))
    elif source["Status"] != "AUTHORISED":
        messages.append(errors.ALLOCATION_SOURCE_NOT_AUTHORISED.format(what=what))
    if invoice is not None:
        if invoice["Type"] != matching.get(source["Type"]):
            messages.append(errors.ALLOCATION_WRONG_TYPE.format(what=what))
        elif invoice["Status"] == "PAID":
            messages.append(errors.ALLOCATION_PAID)
        elif invoice["Status"] != "AUTHORISED":
            messages.append(errors.ALLOCATION_INVOICE_NOT_AUTHORISED)
        elif amount > source["RemainingCredit"] or amount > invoice["AmountDue"]:
            messages.append(errors.ALLOCATION_EXCEEDS.format(what=what))
    books.check_lock(tx, when, messages, seeding=seeding)
    if messages:
        raise Invalid(list(dict.fromkeys(messages)), allocation)
    assert invoice is not None
    source["Allocations"].append({key: allocation[key] for key in ("AllocationID", "Amount", "Date", "Invoice")})
    tx.put(source_kind, settle(CREDIT_NOTE, source), updated_ms=_later(source, updated_ms))
    applied = {id_field: source[id_field], "ID": allocation["AllocationID"], "AppliedAmount": amount,
               "Date": allocation["Date"], "Total": source["Total"]}
    if number_field:
        applied[number_field] = source.get(number_field, "")
    invoice[invoice_key].append(applied)
    tx.put("Invoice", settle(INVOICE, invoice), updated_ms=_later(invoice, updated_ms))
    return allocation


def _later(doc: dict, updated_ms: int | None) -> int | None:
    if updated_ms is None:
        return None
    return max(updated_ms, dates.ms_of(doc.get("UpdatedDateUTC")) or 0)


def remove(tx: Tx, source_kind: str, source: dict, allocation_id: str) -> dict:
    """``DELETE …/Allocations/{AllocationID}``: returns the allocation with ``IsDeleted``."""
    _what, id_field, _number, invoice_key, _matching = SOURCES[source_kind]
    allocation = next((a for a in source["Allocations"] if a["AllocationID"] == allocation_id.lower()), None)
    if allocation is None:
        raise NotFound(allocation_id)
    messages: list[str] = []
    books.check_lock(tx, dates.date_of(allocation["Date"]), messages)
    if messages:
        raise Invalid(messages, allocation)
    source["Allocations"] = [a for a in source["Allocations"] if a is not allocation]
    tx.put(source_kind, settle(CREDIT_NOTE, source))
    invoice = tx.get("Invoice", allocation["Invoice"]["InvoiceID"])
    if invoice is not None:
        invoice[invoice_key] = [a for a in invoice[invoice_key] if a.get("ID") != allocation["AllocationID"]]
        tx.put("Invoice", settle(INVOICE, invoice))
    return {**allocation, source_kind: {id_field: source[id_field]}, "IsDeleted": True}
