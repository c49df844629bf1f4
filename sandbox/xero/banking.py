"""Bank transactions; RECEIVE-PREPAYMENT / SPEND-PREPAYMENT ones create a Prepayment.

Job deposits reach Xero this way: ``PUT /BankTransactions`` with Type RECEIVE-PREPAYMENT records
the money in a bank account and creates a Prepayment (``GET /Prepayments``) holding it as credit
for the contact, later allocated to the invoice (``allocations.py``).
"""

from __future__ import annotations

import copy
from decimal import Decimal

from sandbox.xero import books, contacts, dates, errors, lines
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import bool_field, date_field, ref_of, seed_updated_ms, set_date, text
from sandbox.xero.invoices import CREDIT_NOTE, settle
from sandbox.xero.money import ZERO
from sandbox.xero.store import Tx

SUPPORTED = ("RECEIVE", "SPEND", "RECEIVE-PREPAYMENT", "SPEND-PREPAYMENT")
KNOWN = (*SUPPORTED, "RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT", "RECEIVE-TRANSFER", "SPEND-TRANSFER")


def _bank_account(tx: Tx, raw: dict, messages: list[str]) -> dict | None:
    ref = ref_of(raw.get("BankAccount"))
    account, _code = books.resolve_account(tx, ref.get("Code"), ref.get("AccountID"))
    if account is None or account["Type"] != "BANK" or not books.is_active(account):
        messages.append(errors.BANK_ACCOUNT_INVALID)
        return None
    return account


def create(tx: Tx, raw: dict, *, unitdp: int = 2, seeding: bool = False) -> dict:
    messages: list[str] = []
    doc_type = str(raw.get("Type") or "").upper()
    if not doc_type:
        messages.append(errors.TYPE_REQUIRED)
    elif doc_type not in SUPPORTED:
        messages.append(errors.BANK_TYPE_UNSUPPORTED.format(value=raw.get("Type"))
                        if doc_type in KNOWN else errors.TYPE_INVALID.format(value=raw.get("Type")))
    doc_type = doc_type if doc_type in SUPPORTED else "RECEIVE"
    bank_tx_id = str(raw.get("BankTransactionID") or "").lower() if seeding else ""
    doc: dict = {"BankTransactionID": bank_tx_id or new_id(), "Type": doc_type}
    side = "customer" if doc_type.startswith("RECEIVE") else "supplier"
    contact = contacts.resolve_for_document(tx, raw.get("Contact"), messages, side=side)
    if contact is not None:
        doc["Contact"] = contacts.embedded(contact)
    account = _bank_account(tx, raw, messages)
    if account is not None:
        doc["BankAccount"] = {"AccountID": account["AccountID"], "Code": account["Code"], "Name": account["Name"]}
    when = date_field(raw, "Date", messages) or books.today(tx)
    set_date(doc, "Date", when, with_string=True)
    doc["Reference"] = text(raw, "Reference") or ""
    doc["IsReconciled"] = bool(bool_field(raw, "IsReconciled"))
    doc["Status"] = "AUTHORISED"
    doc["CurrencyCode"] = "AUD"
    doc["CurrencyRate"] = Decimal("1.000000")
    doc["HasAttachments"] = False
    if raw.get("Url") is not None:
        doc["Url"] = text(raw, "Url")
    doc["LineAmountTypes"] = lines.line_amount_types(raw.get("LineAmountTypes"), messages)
    doc["LineItems"] = lines.build_lines(tx, raw.get("LineItems"), lat=doc["LineAmountTypes"], doc_type=doc_type,
                                         unitdp=unitdp, existing=[], require_account=True, messages=messages)
    if not doc["LineItems"]:
        messages.append(errors.LINE_ITEMS_REQUIRED)
    doc.update(lines.totals(doc["LineItems"], doc["LineAmountTypes"]))
    books.check_lock(tx, when, messages, seeding=seeding)
    prepayment = None
    if doc_type.endswith("PREPAYMENT"):
        prepayment = _prepayment(doc, str(raw.get("PrepaymentID") or "").lower() if seeding else "")
        doc["PrepaymentID"] = prepayment["PrepaymentID"]
    if messages:
        raise Invalid(messages, doc)
    seed_ms = seed_updated_ms(raw) if seeding else None
    if prepayment is not None:
        tx.put("Prepayment", prepayment, updated_ms=seed_ms)
    return tx.put("BankTransaction", doc, updated_ms=seed_ms)


def _prepayment(bank_tx: dict, prepayment_id: str) -> dict:
    doc = {
        "PrepaymentID": prepayment_id or new_id(),
        "Type": bank_tx["Type"],
        "Contact": bank_tx.get("Contact", {}),
        "DateString": bank_tx["DateString"],
        "Date": bank_tx["Date"],
        "Status": "AUTHORISED",
        "LineAmountTypes": bank_tx["LineAmountTypes"],
        "LineItems": copy.deepcopy(bank_tx["LineItems"]),
        "SubTotal": bank_tx["SubTotal"],
        "TotalTax": bank_tx["TotalTax"],
        "Total": bank_tx["Total"],
        "Reference": bank_tx.get("Reference", ""),
        "CurrencyCode": "AUD",
        "CurrencyRate": Decimal("1.000000"),
        "RemainingCredit": bank_tx["Total"],
        "Allocations": [],
        "Payments": [],
        "HasAttachments": False,
    }
    return settle(CREDIT_NOTE, doc)


def update(tx: Tx, existing: dict, raw: dict) -> dict:
    """Bank transactions change little through the API here: Reference, IsReconciled, Url, or
    Status DELETED (which voids its prepayment), as long as nothing is allocated from its prepayment
    and it is not reconciled (as in Xero, a reconciled transaction must be unreconciled first)."""
    doc = copy.deepcopy(existing)
    for key in ("Reference", "Url"):
        if raw.get(key) is not None:
            doc[key] = text(raw, key)
    reconciled = bool_field(raw, "IsReconciled")
    if reconciled is not None:
        doc["IsReconciled"] = reconciled
    status = str(raw.get("Status") or existing["Status"]).upper()
    prepayment = tx.get("Prepayment", existing["PrepaymentID"]) if existing.get("PrepaymentID") else None
    messages: list[str] = []
    if status != existing["Status"]:
        if existing["Status"] != "AUTHORISED" or status not in ("DELETED", "VOIDED"):
            messages.append(errors.STATUS_INVALID.format(value=raw.get("Status")))
        elif prepayment is not None and prepayment.get("Allocations"):
            messages.append(errors.BANK_TRANSACTION_LOCKED)
        elif existing.get("IsReconciled"):
            messages.append(errors.BANK_TRANSACTION_RECONCILED)
        books.check_lock(tx, dates.date_of(existing["Date"]), messages)
        doc["Status"] = status
    if messages:
        raise Invalid(messages, doc)
    if doc == existing:
        return existing
    if prepayment is not None and doc["Status"] != "AUTHORISED":
        tx.put("Prepayment", dict(prepayment, Status="VOIDED", RemainingCredit=ZERO))
    elif prepayment is not None and doc.get("Reference") != existing.get("Reference"):
        tx.put("Prepayment", dict(prepayment, Reference=doc.get("Reference", "")))
    return tx.put("BankTransaction", doc)
