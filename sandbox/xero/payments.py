"""Payments against invoices and credit notes (refunds), and deleting them.

A payment goes to a BANK account or one with payments enabled (615 Payment Clearing), only on an
AUTHORISED document and never for more than is outstanding. Deleting it (Status DELETED) puts the
money back: a PAID document returns to AUTHORISED. Deleted payments stay listed.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.xero import books, dates, errors
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import bool_field, date_field, decimal_field, ref_of, seed_updated_ms, text
from sandbox.xero.invoices import CREDIT_NOTE, INVOICE, Spec, reference, settle
from sandbox.xero.money import q2
from sandbox.xero.store import Tx

PAYMENT_TYPE = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT", "ACCRECCREDIT": "ARCREDITPAYMENT",
                "ACCPAYCREDIT": "APCREDITPAYMENT"}


def _find(tx: Tx, spec: Spec, ref: dict, number: str | None) -> dict | None:
    if ref.get(spec.id_field):
        return tx.get(spec.kind, str(ref[spec.id_field]))
    number = number or text(ref, spec.number_field)
    if number:
        found = [d for d in tx.find(spec.kind, "number", number) if d["Status"] != "DELETED"]
        return found[0] if found else None
    return None


def target_of(tx: Tx, raw: dict, messages: list[str]) -> tuple[Spec | None, dict | None]:
    """The document a payment is for: Invoice{InvoiceID|InvoiceNumber}, InvoiceNumber, or the
    CreditNote equivalents."""
    invoice, credit = ref_of(raw.get("Invoice")), ref_of(raw.get("CreditNote"))
    for spec, ref, number in ((INVOICE, invoice, text(raw, "InvoiceNumber")),
                              (CREDIT_NOTE, credit, text(raw, "CreditNoteNumber"))):
        if ref.get(spec.id_field) or ref.get(spec.number_field) or number:
            doc = _find(tx, spec, ref, number)
            if doc is None:
                what = ref.get(spec.id_field) or ref.get(spec.number_field) or number
                messages.append(errors.DOCUMENT_NOT_FOUND.format(what=f"{spec.kind} {what}"))
            return spec, doc
    messages.append(errors.PAYMENT_TARGET_REQUIRED)
    return None, None


def _account(tx: Tx, raw: dict, messages: list[str]) -> dict | None:
    ref = ref_of(raw.get("Account"))
    account, code = books.resolve_account(tx, ref.get("Code") or raw.get("Code"), ref.get("AccountID"))
    if not code:
        messages.append(errors.PAYMENT_ACCOUNT_REQUIRED)
    elif account is None:
        messages.append(errors.ACCOUNT_INVALID.format(code=code))
    elif not books.is_active(account):
        messages.append(errors.ACCOUNT_ARCHIVED.format(code=code))
    elif account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
        messages.append(errors.PAYMENT_ACCOUNT_INVALID.format(code=code))
    return account


def create(tx: Tx, raw: dict, *, seeding: bool = False) -> dict:
    messages: list[str] = []
    spec, target = target_of(tx, raw, messages)
    account = _account(tx, raw, messages)
    when = date_field(raw, "Date", messages) or books.today(tx)
    amount = decimal_field(raw, "Amount", messages)
    if amount is None or amount <= 0:
        messages.append(errors.PAYMENT_AMOUNT_POSITIVE)
    amount = q2(amount or Decimal(0))
    payment_id = str(raw.get("PaymentID") or "").lower() if seeding else ""
    doc: dict = {
        "PaymentID": payment_id or new_id(),
        "Date": dates.ms_date(when),
        "BankAmount": amount,
        "Amount": amount,
        "Reference": text(raw, "Reference") or "",
        "CurrencyRate": Decimal("1.000000"),
        "PaymentType": PAYMENT_TYPE.get((target or {}).get("Type", ""), "ACCRECPAYMENT"),
        "Status": "AUTHORISED",
        "HasAccount": account is not None,
        "IsReconciled": bool(bool_field(raw, "IsReconciled")),
        "HasValidationErrors": False,
    }
    if account is not None:
        doc["Account"] = {"AccountID": account["AccountID"], "Code": account["Code"], "Name": account["Name"]}
    if spec is not None and target is not None:
        doc[spec.kind] = reference(spec, target)
        outstanding = target["AmountDue"] if spec is INVOICE else target["RemainingCredit"]
        if target["Status"] != "AUTHORISED":
            messages.append(errors.PAYMENT_NOT_AUTHORISED)
        elif amount > outstanding:
            messages.append(errors.PAYMENT_EXCEEDS)
    books.check_lock(tx, when, messages, seeding=seeding)
    if messages:
        raise Invalid(messages, doc)
    assert spec is not None and target is not None
    seed_ms = seed_updated_ms(raw) if seeding else None
    target["Payments"].append({"PaymentID": doc["PaymentID"], "Date": doc["Date"], "Amount": amount,
                               "Reference": doc["Reference"], "CurrencyRate": doc["CurrencyRate"],
                               "HasAccount": True, "HasValidationErrors": False})
    tx.put(spec.kind, settle(spec, target), updated_ms=_later(target, seed_ms))
    return tx.put("Payment", doc, updated_ms=seed_ms)


def _later(doc: dict, seed_ms: int | None) -> int | None:
    """A seeded change keeps its own time, but never moves a document's UpdatedDateUTC back."""
    if seed_ms is None:
        return None
    return max(seed_ms, dates.ms_of(doc.get("UpdatedDateUTC")) or 0)


def delete(tx: Tx, payment: dict, raw: dict) -> dict:
    """``POST /Payments/{id}`` with ``{"Status": "DELETED"}``."""
    if str(raw.get("Status") or "").upper() != "DELETED":
        raise Invalid(errors.PAYMENT_ONLY_DELETE, payment)
    if payment["Status"] == "DELETED":
        raise Invalid(errors.PAYMENT_ALREADY_DELETED, payment)
    messages: list[str] = []
    books.check_lock(tx, dates.date_of(payment["Date"]), messages)
    if messages:
        raise Invalid(messages, payment)
    for spec in (INVOICE, CREDIT_NOTE):
        ref = payment.get(spec.kind)
        target = tx.get(spec.kind, ref[spec.id_field]) if isinstance(ref, dict) else None
        if target is not None:
            target["Payments"] = [p for p in target["Payments"] if p["PaymentID"] != payment["PaymentID"]]
            tx.put(spec.kind, settle(spec, target))
    return tx.put("Payment", dict(payment, Status="DELETED"))
