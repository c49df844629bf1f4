"""Manual journals: balanced lines on ordinary accounts.

Lines may use any active account except BANK and INVENTORY-type accounts and the system accounts
Xero posts itself (AR 610, AP 800, GST 820, …): CURRENT accounts such as Stock on Hand (630) and
Work in Progress (635) are fine, as the COGS and stock-adjustment journals need. A line naming an
unknown account is dropped with a Warning, as Xero does — which can then unbalance the journal.
Status: DRAFT → POSTED | DELETED, POSTED → VOIDED.
"""

from __future__ import annotations

import copy

from sandbox.xero import books, dates, errors
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import bool_field, date_field, decimal_field, seed_updated_ms, set_date, text
from sandbox.xero.lines import _tracking, line_amount_types, tax_for
from sandbox.xero.money import ZERO, q2
from sandbox.xero.store import Tx

CREATE_STATUSES = {"DRAFT", "POSTED"}
ALL_STATUSES = {"DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED"}
TRANSITIONS = {"DRAFT": {"DRAFT", "POSTED", "DELETED"}, "POSTED": {"POSTED", "VOIDED"}}


def _forbidden(account: dict) -> str | None:
    if account["Type"] == "BANK":
        return "bank account"
    if account["Type"] == "INVENTORY":
        return "tracked inventory account"
    if account.get("SystemAccount"):
        return "system account"
    return None


def _lines(tx: Tx, raw_lines: object, lat: str, messages: list[str], warnings: list[str]) -> list[dict]:
    result = []
    for raw in raw_lines if isinstance(raw_lines, list) else []:
        if not isinstance(raw, dict):
            continue
        account, code = books.resolve_account(tx, raw.get("AccountCode"), raw.get("AccountID"))
        if account is None:
            warnings.append(errors.JOURNAL_ACCOUNT_REMOVED.format(code=code))
            continue
        amount = q2(decimal_field(raw, "LineAmount", messages) or ZERO)
        if not books.is_active(account):
            messages.append(errors.ACCOUNT_ARCHIVED.format(code=code))
        elif (what := _forbidden(account)) is not None:
            messages.append(errors.JOURNAL_ACCOUNT_FORBIDDEN.format(code=code, what=what))
        tax_type = text(raw, "TaxType") or account.get("TaxType") or "BASEXCLUDED"
        books.check_tax_type(tx, tax_type, account, messages)
        supplied = decimal_field(raw, "TaxAmount", messages)
        tax = q2(supplied) if supplied is not None and lat != "NoTax" else tax_for(
            amount, books.tax_rate_percent(tx, tax_type), lat)
        line = {"LineAmount": amount, "AccountCode": account["Code"], "AccountID": account["AccountID"],
                "Description": text(raw, "Description") or "", "TaxType": tax_type, "TaxAmount": tax,
                "Tracking": _tracking(tx, raw.get("Tracking"), messages), "IsBlank": False}
        result.append(line)
    return result


def _balance(lines: list[dict], lat: str, messages: list[str]) -> None:
    gross = [line["LineAmount"] + (line["TaxAmount"] if lat == "Exclusive" else ZERO) for line in lines]
    debits = sum((amount for amount in gross if amount > 0), ZERO)
    credits = sum((amount for amount in gross if amount < 0), ZERO)
    if debits + credits != 0:
        messages.append(errors.JOURNAL_UNBALANCED.format(debits=f"{q2(debits):.2f}", credits=f"{q2(credits):.2f}"))


def _apply(tx: Tx, doc: dict, raw: dict, messages: list[str], warnings: list[str], *, creating: bool) -> None:
    if "Narration" in raw or creating:
        doc["Narration"] = text(raw, "Narration") or ""
        if not doc["Narration"].strip():
            messages.append(errors.JOURNAL_NARRATION_REQUIRED)
    when = date_field(raw, "Date", messages)
    if when or creating:
        set_date(doc, "Date", when or books.today(tx))
    doc["LineAmountTypes"] = line_amount_types(raw.get("LineAmountTypes"), messages,
                                               default=doc.get("LineAmountTypes", "NoTax"))
    if raw.get("Url") is not None:
        doc["Url"] = text(raw, "Url")
    cash = bool_field(raw, "ShowOnCashBasisReports")
    if cash is not None:
        doc["ShowOnCashBasisReports"] = cash
    if creating or "JournalLines" in raw or "LineAmountTypes" in raw:
        source = raw["JournalLines"] if "JournalLines" in raw else [
            dict(line, TaxAmount=None) for line in doc.get("JournalLines", [])]
        doc["JournalLines"] = _lines(tx, source, doc["LineAmountTypes"], messages, warnings)
    if doc["Status"] in ("DRAFT", "POSTED"):
        if len(doc["JournalLines"]) < 2:
            messages.append(errors.JOURNAL_TWO_LINES)
        _balance(doc["JournalLines"], doc["LineAmountTypes"], messages)


def _with_warnings(doc: dict, warnings: list[str]) -> dict:
    if warnings:
        doc = dict(doc, Warnings=[{"Message": message} for message in warnings])
    return doc


def create(tx: Tx, raw: dict, *, seeding: bool = False) -> dict:
    messages: list[str] = []
    warnings: list[str] = []
    journal_id = str(raw.get("ManualJournalID") or "").lower() if seeding else ""
    status = str(raw.get("Status") or "DRAFT").upper()
    allowed = ALL_STATUSES if seeding else CREATE_STATUSES
    if status not in allowed:
        messages.append(errors.JOURNAL_STATUS_CREATE)
        status = "DRAFT"
    doc = {"ManualJournalID": journal_id or new_id(), "Status": status, "ShowOnCashBasisReports": True,
           "HasAttachments": False}
    _apply(tx, doc, raw, messages, warnings, creating=True)
    if status == "POSTED":
        books.check_lock(tx, dates.date_of(doc["Date"]), messages, seeding=seeding)
    if messages:
        raise Invalid(messages, _with_warnings(doc, warnings))
    tx.put("ManualJournal", doc, updated_ms=seed_updated_ms(raw) if seeding else None)
    return _with_warnings(doc, warnings)


def update(tx: Tx, existing: dict, raw: dict) -> dict:
    messages: list[str] = []
    warnings: list[str] = []
    doc = copy.deepcopy(existing)
    old_status = existing["Status"]
    new_status = str(raw.get("Status") or old_status).upper()
    if new_status not in ALL_STATUSES:
        messages.append(errors.STATUS_INVALID.format(value=raw.get("Status")))
        new_status = old_status
    doc["Status"] = new_status
    _apply(tx, doc, raw, messages, warnings, creating=False)
    if not messages and doc == existing:
        return existing
    if new_status not in TRANSITIONS.get(old_status, set()):
        messages.insert(0, errors.JOURNAL_STATUS_MODIFY)
    if old_status == "POSTED":
        books.check_lock(tx, dates.date_of(existing["Date"]), messages)
    if new_status == "POSTED":
        books.check_lock(tx, dates.date_of(doc["Date"]), messages)
    if messages:
        raise Invalid(messages, _with_warnings(doc, warnings))
    tx.put("ManualJournal", doc)
    return _with_warnings(doc, warnings)


def upsert(tx: Tx, raw: dict) -> dict:
    if raw.get("ManualJournalID"):
        existing = tx.get("ManualJournal", str(raw["ManualJournalID"]))
        if existing is None:
            raise Invalid(errors.DOCUMENT_NOT_FOUND.format(what=f"ManualJournal {raw['ManualJournalID']}"),
                          {"ManualJournalID": str(raw["ManualJournalID"]), "Narration": text(raw, "Narration") or ""})
        return update(tx, existing, raw)
    return create(tx, raw)
