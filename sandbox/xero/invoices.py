"""Invoices (ACCREC, ACCPAY) and credit notes (ACCRECCREDIT, ACCPAYCREDIT).

Both are the same kind of document to Xero: a contact, dated lines with tax, a status, and money
applied to them afterwards (payments; credit-note and prepayment allocations). Amounts applied are
kept on the document itself (``Payments``, ``CreditNotes``, ``Prepayments``, ``Allocations``), and
``settle`` derives AmountDue/AmountPaid/AmountCredited/RemainingCredit and the AUTHORISED ⇄ PAID
status from them, so every path (API, admin, seed) computes them the same way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

from sandbox.xero import books, contacts, dates, errors, lines
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import bool_field, date_field, seed_updated_ms, set_date, text
from sandbox.xero.money import ZERO, q2
from sandbox.xero.store import Tx

POSTED = {"AUTHORISED", "PAID", "VOIDED"}
CREATE_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
SEED_STATUSES = CREATE_STATUSES | {"VOIDED", "DELETED"}
ALL_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
EDITABLE_FROM = {"DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
                 "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
                 "AUTHORISED": {"AUTHORISED", "VOIDED"}}
OPTIONAL_TEXT = ("Url", "BrandingThemeID", "RepeatingInvoiceID")


@dataclass(frozen=True)
class Spec:
    kind: str
    plural: str
    id_field: str
    number_field: str
    types: tuple[str, str]
    unique_type: str  # numbers unique and auto-generated for this type
    prefix: str
    status_create: str
    status_modify: str
    number_unique: str

    def side(self, doc_type: str) -> str:
        return "customer" if doc_type in ("ACCREC", "ACCRECCREDIT") else "supplier"


INVOICE = Spec("Invoice", "Invoices", "InvoiceID", "InvoiceNumber", ("ACCREC", "ACCPAY"), "ACCREC", "INV-",
               errors.INVALID_STATUS_CREATE, errors.INVALID_STATUS_MODIFY, errors.INVOICE_NUMBER_UNIQUE)
CREDIT_NOTE = Spec("CreditNote", "CreditNotes", "CreditNoteID", "CreditNoteNumber",
                   ("ACCRECCREDIT", "ACCPAYCREDIT"), "ACCRECCREDIT", "CN-", errors.CREDIT_NOTE_STATUS_CREATE,
                   errors.CREDIT_NOTE_STATUS_MODIFY, errors.CREDIT_NOTE_NUMBER_UNIQUE)
SPECS = {"Invoice": INVOICE, "CreditNote": CREDIT_NOTE}


def blank(spec: Spec, doc_id: str, doc_type: str) -> dict:
    doc: dict = {"Type": doc_type, spec.id_field: doc_id, spec.number_field: "", "Reference": ""}
    if spec is INVOICE:
        doc.update({"Payments": [], "CreditNotes": [], "Prepayments": [], "Overpayments": [],
                    "AmountDue": ZERO, "AmountPaid": ZERO, "AmountCredited": ZERO})
    else:
        doc.update({"Payments": [], "Allocations": [], "RemainingCredit": ZERO})
    doc.update({"SentToContact": False, "CurrencyRate": Decimal("1.000000"), "IsDiscounted": False,
                "HasAttachments": False, "HasErrors": False})
    return doc


def _applied(doc: dict) -> Decimal:
    total = sum((Decimal(p["Amount"]) for p in doc.get("Payments", [])), ZERO)
    total += sum((Decimal(a["AppliedAmount"]) for a in doc.get("Prepayments", [])), ZERO)
    total += sum((Decimal(a["AppliedAmount"]) for a in doc.get("Overpayments", [])), ZERO)
    return total


def has_money_applied(doc: dict) -> bool:
    return bool(doc.get("Payments") or doc.get("CreditNotes") or doc.get("Prepayments")
                or doc.get("Allocations") or doc.get("Overpayments"))


def settle(spec: Spec, doc: dict) -> dict:
    """Derive the amounts still due and the AUTHORISED ⇄ PAID status from the money applied."""
    total = Decimal(doc.get("Total", ZERO))
    events = [p["Date"] for p in doc.get("Payments", [])]
    if spec is INVOICE:
        paid = q2(_applied(doc))
        credited = q2(sum((Decimal(c["AppliedAmount"]) for c in doc.get("CreditNotes", [])), ZERO))
        events += [c["Date"] for c in doc.get("CreditNotes", []) + doc.get("Prepayments", [])]
        doc["AmountPaid"], doc["AmountCredited"] = paid, credited
        due = q2(total - paid - credited)
        doc["AmountDue"] = ZERO if doc["Status"] in ("VOIDED", "DELETED") else due
    else:
        used = sum((Decimal(a["Amount"]) for a in doc.get("Allocations", [])), ZERO) + _applied(doc)
        events += [a["Date"] for a in doc.get("Allocations", [])]
        due = q2(total - used)
        doc["RemainingCredit"] = ZERO if doc["Status"] in ("VOIDED", "DELETED") else due
    if doc["Status"] == "AUTHORISED" and due == 0:
        doc["Status"] = "PAID"
        last = max((dates.date_of(value) for value in events), default=None) or dates.date_of(doc["Date"])
        set_date(doc, "FullyPaidOnDate", last)
    elif doc["Status"] == "PAID" and due != 0:
        doc["Status"] = "AUTHORISED"
        doc.pop("FullyPaidOnDate", None)
    return doc


def _next_number(tx: Tx, spec: Spec) -> str:
    key = f"next_number:{spec.prefix}"
    number = int(tx.meta(key, "1") or 1)
    while tx.exists(spec.kind, "number", f"{spec.prefix}{number:04d}"):
        number += 1
    tx.set_meta(key, str(number + 1))
    return f"{spec.prefix}{number:04d}"


def _number_taken(tx: Tx, spec: Spec, doc_type: str, number: str, doc_id: str) -> bool:
    return tx.exists(spec.kind, "number", number,
                     where=" AND type=? AND id<>? AND status<>'DELETED'", params=(doc_type, doc_id))


def _apply(tx: Tx, spec: Spec, doc: dict, raw: dict, *, unitdp: int, creating: bool,
           messages: list[str]) -> None:
    """Copy what ``raw`` sets onto ``doc`` and recompute lines and totals."""
    doc_type = doc["Type"]
    if creating or "Contact" in raw:
        contact = contacts.resolve_for_document(tx, raw.get("Contact"), messages, side=spec.side(doc_type))
        if contact is not None:
            doc["Contact"] = contacts.embedded(contact)
    when = date_field(raw, "Date", messages)
    if when or creating:
        set_date(doc, "Date", when or dates.date_of(doc.get("Date")) or books.today(tx), with_string=True)
    for key in ("DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"):
        value = date_field(raw, key, messages)
        if value:
            set_date(doc, key, value, with_string=key == "DueDate")
    for key in ("Reference", *OPTIONAL_TEXT):
        if raw.get(key) is not None:
            doc[key] = text(raw, key)
    if raw.get(spec.number_field) is not None:
        doc[spec.number_field] = text(raw, spec.number_field).strip()
    sent = bool_field(raw, "SentToContact")
    if sent is not None:
        doc["SentToContact"] = sent
    currency = text(raw, "CurrencyCode")
    if currency and currency.upper() != "AUD":
        messages.append(errors.CURRENCY_INVALID.format(code=currency))
    doc["CurrencyCode"] = "AUD"
    doc["LineAmountTypes"] = lines.line_amount_types(raw.get("LineAmountTypes"), messages,
                                                     default=doc.get("LineAmountTypes", "Exclusive"))
    approving = "Status" in raw and doc["Status"] in ("SUBMITTED", "AUTHORISED")
    if creating or "LineItems" in raw or "LineAmountTypes" in raw or approving:
        if "LineItems" in raw or creating:
            source = raw.get("LineItems")
        else:  # recompute the stored lines (new tax basis or approval): their tax is derived again
            source = [dict(line, TaxAmount=None) for line in doc.get("LineItems", [])]
            unitdp = 4
        doc["LineItems"] = lines.build_lines(
            tx, source, lat=doc["LineAmountTypes"], doc_type=doc_type, unitdp=unitdp,
            existing=doc.get("LineItems", []), require_account=doc["Status"] != "DRAFT", messages=messages)
        if not doc["LineItems"]:
            messages.append(errors.LINE_ITEMS_REQUIRED)
    doc.pop("TotalDiscount", None)
    doc.update(lines.totals(doc.get("LineItems", []), doc["LineAmountTypes"]))
    doc["IsDiscounted"] = "TotalDiscount" in doc


def _check_number(tx: Tx, spec: Spec, doc: dict, messages: list[str]) -> None:
    number = doc.get(spec.number_field) or ""
    if doc["Type"] != spec.unique_type:
        return
    if not number:
        doc[spec.number_field] = _next_number(tx, spec)
    elif _number_taken(tx, spec, doc["Type"], number, doc[spec.id_field]):
        messages.append(spec.number_unique)


def create(tx: Tx, spec: Spec, raw: dict, *, unitdp: int = 2, seeding: bool = False) -> dict:
    messages: list[str] = []
    doc_type = str(raw.get("Type") or "").upper()
    if not doc_type:
        messages.append(errors.TYPE_REQUIRED)
    elif doc_type not in spec.types:
        messages.append(errors.TYPE_INVALID.format(value=raw.get("Type")))
    doc_type = doc_type if doc_type in spec.types else spec.types[0]
    doc_id = str(raw.get(spec.id_field) or "").lower() if seeding else ""
    doc = blank(spec, doc_id or new_id(), doc_type)
    status = str(raw.get("Status") or "DRAFT").upper()
    if status not in (SEED_STATUSES if seeding else CREATE_STATUSES):
        messages.append(spec.status_create)
        status = "DRAFT"
    doc["Status"] = status
    _apply(tx, spec, doc, raw, unitdp=unitdp, creating=True, messages=messages)
    _check_number(tx, spec, doc, messages)
    if status in POSTED:
        books.check_lock(tx, dates.date_of(doc["Date"]), messages, seeding=seeding)
    if messages:
        raise Invalid(messages, doc)
    settle(spec, doc)
    return tx.put(spec.kind, doc, updated_ms=seed_updated_ms(raw) if seeding else None)


def _comparable(doc: dict) -> dict:
    clean = {k: v for k, v in doc.items() if k != "UpdatedDateUTC"}
    clean["LineItems"] = [{k: v for k, v in line.items() if k != "LineItemID"} for line in doc.get("LineItems", [])]
    return clean


def update(tx: Tx, spec: Spec, existing: dict, raw: dict, *, unitdp: int = 2) -> dict:
    messages: list[str] = []
    old_status = existing["Status"]
    doc = copy.deepcopy(existing)
    new_status = str(raw.get("Status") or old_status).upper()
    if new_status not in ALL_STATUSES:
        messages.append(errors.STATUS_INVALID.format(value=raw.get("Status")))
        new_status = old_status
    doc["Status"] = new_status if new_status != "PAID" else old_status
    _apply(tx, spec, doc, raw, unitdp=unitdp, creating=False, messages=messages)
    if doc.get(spec.number_field) != existing.get(spec.number_field):
        _check_number(tx, spec, doc, messages)
    settle(spec, doc)
    if not messages and _comparable(doc) == _comparable(existing):
        return existing
    if old_status in ("VOIDED", "DELETED"):
        raise Invalid(spec.status_modify, doc)
    if old_status == "PAID":
        raise Invalid([spec.status_modify, errors.HAS_PAYMENT], doc)
    if has_money_applied(existing):
        raise Invalid(errors.VOID_WITH_PAYMENT if new_status == "VOIDED" else errors.HAS_PAYMENT, doc)
    if new_status not in EDITABLE_FROM.get(old_status, set()):
        messages.append(spec.status_modify)
    if old_status in POSTED:
        books.check_lock(tx, dates.date_of(existing["Date"]), messages)
    if new_status in POSTED:
        books.check_lock(tx, dates.date_of(doc["Date"]), messages)
    if messages:
        raise Invalid(messages, doc)
    return tx.put(spec.kind, doc)


def find_existing(tx: Tx, spec: Spec, raw: dict) -> dict | None:
    """What a POST element means: its ID, else (for ACCREC documents) its number."""
    if raw.get(spec.id_field):
        return tx.get(spec.kind, str(raw[spec.id_field]))
    number = text(raw, spec.number_field)
    if number and str(raw.get("Type") or spec.unique_type).upper() == spec.unique_type:
        found = [d for d in tx.find(spec.kind, "number", number)
                 if d["Type"] == spec.unique_type and d["Status"] != "DELETED"]
        return found[0] if found else None
    return None


def upsert(tx: Tx, spec: Spec, raw: dict, *, unitdp: int = 2) -> dict:
    existing = find_existing(tx, spec, raw)
    if existing is None and raw.get(spec.id_field):
        raise Invalid(errors.DOCUMENT_NOT_FOUND.format(what=f"{spec.kind} {raw[spec.id_field]}"),
                      {spec.id_field: str(raw[spec.id_field])})
    if existing is None:
        return create(tx, spec, raw, unitdp=unitdp)
    return update(tx, spec, existing, raw, unitdp=unitdp)


def reference(spec: Spec, doc: dict) -> dict:
    """How a payment or allocation names the document."""
    ref = {"Type": doc["Type"], spec.id_field: doc[spec.id_field], spec.number_field: doc.get(spec.number_field, "")}
    if "Contact" in doc:
        ref["Contact"] = doc["Contact"]
    ref["CurrencyCode"] = doc.get("CurrencyCode", "AUD")
    return ref
