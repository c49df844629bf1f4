"""Seeding: put Xero-shaped documents into the state without going through the API.

The documents may carry their own ids and ``UpdatedDateUTC``; they run through the same
computations as the API (lines, tax, totals, numbers, statuses, money applied) but skip
authentication, rate limits, idempotency and the lock dates. Everything happens in one
transaction: the payload goes in whole or not at all. Contacts take a bulk path (one
``executemany``), so tens of thousands seed in a second or two.
"""

from __future__ import annotations

import gc
from typing import Any

from sandbox.xero import allocations, banking, contacts, dates, errors, invoices, journals, payments, settings
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import seed_updated_ms
from sandbox.xero.kinds import KINDS
from sandbox.xero.store import Store, Tx, row_for

ORDER = ("Items", "Contacts", "Invoices", "CreditNotes", "BankTransactions", "ManualJournals", "Payments")


class SeedError(ValueError):
    def __init__(self, problems: list[dict]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} seed document(s) rejected: {problems[:3]}")


def _bulk_contacts(tx: Tx, items: list[dict], problems: list[dict]) -> int:
    """Contacts in one ``executemany`` (the garbage collector paused: it would otherwise walk the
    hundreds of thousands of fresh dicts again and again)."""
    gc.disable()
    try:
        return _bulk_contacts_inner(tx, items, problems)
    finally:
        gc.enable()


def _bulk_contacts_inner(tx: Tx, items: list[dict], problems: list[dict]) -> int:
    active_names = {row[0].lower() for row in tx.conn.execute(
        "SELECT name FROM docs WHERE kind='Contact' AND status='ACTIVE' AND name IS NOT NULL")}
    numbers = {row[0].lower() for row in tx.conn.execute(
        "SELECT number FROM docs WHERE kind='Contact' AND number IS NOT NULL")}
    kind, rows, stamp = KINDS["Contact"], [], tx.stamp()
    for index, raw in enumerate(items):
        messages: list[str] = []
        contact_id = str(raw.get("ContactID") or "").lower()
        doc = contacts.apply_fields(contacts.blank_contact(contact_id or new_id()), raw, messages)
        for flag in ("IsCustomer", "IsSupplier"):
            if isinstance(raw.get(flag), bool):
                doc[flag] = raw[flag]
        if raw.get("MergedToContactID"):
            doc["MergedToContactID"] = str(raw["MergedToContactID"]).lower()
        name = (doc.get("Name") or "").strip()
        if not name:
            messages.append(errors.CONTACT_NAME_EMPTY)
        elif doc["ContactStatus"] == "ACTIVE":
            if name.lower() in active_names:
                messages.append(errors.CONTACT_NAME_UNIQUE.format(name=name))
            active_names.add(name.lower())
        number = (doc.get("ContactNumber") or "").lower()
        if number:
            if number in numbers:
                messages.append(errors.CONTACT_NUMBER_UNIQUE)
            numbers.add(number)
        if messages:
            problems.append({"kind": "Contacts", "index": index, "messages": messages})
            continue
        updated = seed_updated_ms(raw) or stamp
        if updated != stamp:
            tx.note_timestamp(updated)
        doc["UpdatedDateUTC"] = dates.ms_timestamp(updated)
        rows.append(row_for(kind, doc, updated))
    tx.put_rows(rows)
    return len(rows)


def _apply_allocations(tx: Tx, source_kind: str, source: dict, raw: dict) -> None:
    for allocation in raw.get("Allocations") or []:
        allocations.allocate(tx, source_kind, tx.get(source_kind, source[f"{source_kind}ID"]) or source,
                             allocation, seeding=True, updated_ms=seed_updated_ms(raw))


def _seed_one(tx: Tx, key: str, raw: dict) -> None:
    if key == "Items":
        settings.create_item(tx, raw, unitdp=4, seeding=True)
    elif key == "Invoices":
        invoices.create(tx, invoices.INVOICE, raw, unitdp=4, seeding=True)
    elif key == "CreditNotes":
        note = invoices.create(tx, invoices.CREDIT_NOTE, {k: v for k, v in raw.items() if k != "Allocations"},
                               unitdp=4, seeding=True)
        _apply_allocations(tx, "CreditNote", note, raw)
    elif key == "BankTransactions":
        bank_tx = banking.create(tx, {k: v for k, v in raw.items() if k != "Allocations"}, unitdp=4, seeding=True)
        if bank_tx.get("PrepaymentID"):
            prepayment = tx.get("Prepayment", bank_tx["PrepaymentID"])
            assert prepayment is not None
            _apply_allocations(tx, "Prepayment", prepayment, raw)
    elif key == "ManualJournals":
        journals.create(tx, raw, seeding=True)
    elif key == "Payments":
        payments.create(tx, raw, seeding=True)


def seed_payload(store: Store, payload: dict[str, Any]) -> dict[str, int]:
    """Seed ``payload`` (``{"Contacts": [...], "Invoices": [...], ...}``); returns counts per key.
    Raises ``SeedError`` (and writes nothing) if any document is rejected."""
    unknown = set(payload) - set(ORDER)
    if unknown:
        raise SeedError([{"kind": key, "messages": [f"unknown seed key {key!r}: expected {', '.join(ORDER)}"]}
                         for key in sorted(unknown)])
    counts: dict[str, int] = {}
    problems: list[dict] = []
    with store.write() as tx:
        for key in ORDER:
            items = payload.get(key) or []
            if key == "Contacts":
                counts[key] = _bulk_contacts(tx, items, problems)
                continue
            done = 0
            for index, raw in enumerate(items):
                try:
                    with store.savepoint(tx):
                        _seed_one(tx, key, raw)
                    done += 1
                except Invalid as exc:
                    problems.append({"kind": key, "index": index, "messages": exc.messages})
            counts[key] = done
        if problems:
            raise SeedError(problems)
    return counts
