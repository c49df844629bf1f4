"""The writes the sync makes into Auxo (docs/auxo-api.md §3), one function per kind of item.

Each function takes the open transaction and one item, and returns ``(outcome, record)`` with
outcome ``created``, ``updated`` or ``unchanged``, or raises :class:`RuleError`. They are
idempotent by their Xero ids by themselves; the ``Idempotency-Key`` replay sits on top, in
``routes.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.auxo.fields import Fields, invalid
from sandbox.auxo.money import format_money
from sandbox.auxo.rules import RuleError, ensure_within_balance, refresh_invoice
from sandbox.auxo.store import Record, Transaction, new_id

Outcome = tuple[str, Record]
ItemWrite = Callable[[Transaction, Fields], Outcome]

XERO_ID_FIELD = {
    "customers": "xero_contact_id", "suppliers": "xero_contact_id", "invoices": "xero_invoice_id",
    "invoice-credits": "xero_credit_note_id", "payments": "xero_payment_id", "purchase-orders": "xero_bill_id",
    "stock-adjustments": "xero_journal_id",
}
CONTACT_FIELDS = ("name", "first_name", "last_name", "contact_person", "email", "phone", "mobile", "abn")
ADDRESS_FIELDS = ("type", "line1", "line2", "suburb", "state", "postcode", "country")


def reprice_invoice(tx: Transaction, invoice: Record) -> Record:
    """The invoice with totals, balance, status and lock recomputed from its lines and matches."""
    return refresh_invoice(invoice, tx.children("payments", invoice["id"]), tx.children("invoice-credits", invoice["id"]))


def _check_xero_id(record: Record, field: str, xero_id: str | None) -> None:
    current = record.get(field)
    if xero_id and current and current != xero_id:
        raise RuleError("xero_id_mismatch", f"This record is already linked to {field} {current}; refusing {xero_id}.",
                        {"field": field, "current": current, "given": xero_id})


# ---------------------------------------------------------------- §3.1 contacts from Xero


def address_from(entry: Fields) -> dict[str, Any]:
    unknown = set(entry.raw) - set(ADDRESS_FIELDS)
    if unknown:
        raise invalid(entry.where, f"unknown address fields: {', '.join(sorted(unknown))}")
    address = {name: entry.text(name, required=False) for name in ADDRESS_FIELDS}
    address["type"] = entry.choice("type", ("street", "postal"))
    return address


def contact_from_xero(resource: str) -> ItemWrite:
    def write(tx: Transaction, item: Fields) -> Outcome:
        record = tx.require(resource, item.text("id"))
        xero_id = item.text("xero_contact_id")
        _check_xero_id(record, "xero_contact_id", xero_id)
        if_edited_at = item.timestamp("if_edited_at", required=False)
        if if_edited_at and record["edited_at"] > if_edited_at:
            raise RuleError("stale", f"{record['name']} was edited in Auxo at {record['edited_at']}, after {if_edited_at}.",
                            {"edited_at": record["edited_at"]}, status=409)
        changes = item.object("changes", required=False) or Fields({}, "changes")
        unknown = set(changes.raw) - {*CONTACT_FIELDS, "addresses", "archived"}
        if unknown:
            raise invalid("changes", f"fields that cannot be changed: {', '.join(sorted(unknown))}")
        updated = dict(record)
        for name in CONTACT_FIELDS:
            if changes.has(name):
                updated[name] = changes.text(name, required=name == "name")
        if changes.has("addresses"):
            updated["addresses"] = [address_from(entry) for entry in changes.objects("addresses") or []]
        if changes.has("archived"):
            updated["archived"] = changes.boolean("archived")
        updated.update(xero_contact_id=xero_id, sync_status="synced", sync_error=None)
        if updated == record:
            return "unchanged", record
        updated["synced_at"] = tx.now()
        return "updated", tx.put(resource, updated)

    return write


# ---------------------------------------------------------------- §3.2 sync status


def sync_status(resource: str) -> ItemWrite:
    xero_field = XERO_ID_FIELD[resource]

    def write(tx: Transaction, item: Fields) -> Outcome:
        record = tx.require(resource, item.text("id"))
        # recording a COGS journal id leaves the invoice's own status alone (it may be pending an update)
        only_journals = item.has("cogs_journals") and not item.has("sync_status")
        status = item.choice("sync_status", ("synced", "error", "pending"), required=not only_journals)
        xero_id = item.text("xero_id", required=False)
        _check_xero_id(record, xero_field, xero_id)
        error_fields = item.object("sync_error", required=status == "error")
        error = None
        if status == "error" and error_fields:
            error = {"code": error_fields.text("code", max_length=100), "message": error_fields.text("message", max_length=2000)}
        updated = {**record, "sync_status": status, "sync_error": error} if status else dict(record)
        if xero_id:
            updated[xero_field] = xero_id
        journals = item.objects("cogs_journals", required=False)
        if journals is not None:
            if resource != "invoices":
                raise invalid("cogs_journals", "cogs_journals are for invoices only")
            by_line = {entry.text("line_id"): entry.text("xero_journal_id") for entry in journals}
            line_ids = {line["id"] for line in record["lines"]}
            missing = sorted(set(by_line) - line_ids)
            if missing:
                raise RuleError("not_found", f"No line {missing[0]} on invoice {record['number']}.",
                                {"line_id": missing[0]}, status=404)
            lines = []
            for line in record["lines"]:
                journal = by_line.get(line["id"])
                if journal and line["xero_cogs_journal_id"] and line["xero_cogs_journal_id"] != journal:
                    raise RuleError("xero_id_mismatch", f"Line {line['id']} already has COGS journal "
                                    f"{line['xero_cogs_journal_id']}.", {"line_id": line["id"],
                                                                         "current": line["xero_cogs_journal_id"]})
                lines.append({**line, "xero_cogs_journal_id": journal or line["xero_cogs_journal_id"]})
            updated["lines"] = lines
        if updated == record:
            return "unchanged", record
        updated["synced_at"] = tx.now()
        return "updated", tx.put(resource, updated)

    return write


# ---------------------------------------------------------------- §3.3–3.4 payments from Xero


def payment_from_xero(tx: Transaction, item: Fields) -> Outcome:
    xero_payment_id = item.text("xero_payment_id")
    existing = tx.find("payments", xero_payment_id)
    if existing is not None:
        return "unchanged", existing
    invoice = tx.require("invoices", item.text("invoice_id"), "invoice")
    amount = item.money("amount")
    ensure_within_balance(invoice, amount)
    now = tx.now()
    payment = {
        "id": new_id("payments"), "kind": "payment", "source": "xero", "status": "active",
        "payment_date": item.date("payment_date"), "amount": format_money(amount), "method": "xero",
        "reference": item.text("reference", required=False), "customer_id": invoice["customer_id"],
        "invoice_id": invoice["id"], "job_id": invoice["job_id"], "applied_at": None, "deleted_at": None,
        "deleted_source": None, "xero_payment_id": xero_payment_id, "sync_status": "synced", "sync_error": None,
        "synced_at": now, "created_at": None,
    }
    payment = tx.put("payments", payment)
    tx.put("invoices", reprice_invoice(tx, invoice))
    return "created", payment


def payment_deleted_in_xero(tx: Transaction, item: Fields) -> Outcome:
    xero_payment_id = item.text("xero_payment_id")
    payment = tx.find("payments", xero_payment_id)
    if payment is None:
        raise RuleError("not_found", f"No payment with Xero id {xero_payment_id}.", {"xero_payment_id": xero_payment_id},
                        status=404)
    if payment["status"] == "deleted":
        return "unchanged", payment
    now = tx.now()
    payment = tx.put("payments", {**payment, "status": "deleted", "deleted_at": now, "deleted_source": "xero",
                                  "synced_at": now})
    if payment["invoice_id"]:
        tx.put("invoices", reprice_invoice(tx, tx.require("invoices", payment["invoice_id"])))
    return "updated", payment


# ---------------------------------------------------------------- §3.5–3.7 invoices


def credit_allocation(tx: Transaction, item: Fields) -> Outcome:
    invoice = tx.require("invoices", item.text("invoice_id"), "invoice")
    allocation_id = item.text("xero_allocation_id")
    if any(a["xero_allocation_id"] == allocation_id for a in invoice["xero_allocations"]):
        return "unchanged", invoice
    amount = item.money("amount")
    ensure_within_balance(invoice, amount)
    allocation = {
        "xero_allocation_id": allocation_id, "xero_credit_note_id": item.text("xero_credit_note_id"),
        "xero_credit_note_number": item.text("xero_credit_note_number", required=False),
        "amount": format_money(amount), "date": item.date("date"), "recorded_at": tx.now(),
    }
    invoice = {**invoice, "xero_allocations": [*invoice["xero_allocations"], allocation]}
    return "updated", tx.put("invoices", reprice_invoice(tx, invoice))


def xero_adjustment(tx: Transaction, item: Fields) -> Outcome:
    invoice = tx.require("invoices", item.text("invoice_id"), "invoice")
    if invoice["status"] == "void":
        raise RuleError("invoice_void", f"Invoice {invoice['number']} is void.", {"invoice_id": invoice["id"]})
    total_difference = item.money("total_difference")
    gst_difference = item.money("gst_difference")
    description = item.text("description", required=False) or "Adjustment to match Xero"
    current = next((line for line in invoice["lines"] if line["kind"] == "xero_adjustment"), None)
    others = [line for line in invoice["lines"] if line["kind"] != "xero_adjustment"]
    if total_difference == 0 and gst_difference == 0:
        if current is None:
            return "unchanged", invoice
        lines = others
    else:
        amount = total_difference - gst_difference
        line = {
            "id": current["id"] if current else new_id("lines"), "kind": "xero_adjustment",
            "description": description, "part_id": None, "supply": None, "purchase_order_id": None,
            "quantity": "1", "unit_price": format_money(amount), "price_includes_gst": False,
            "line_amount": format_money(amount), "gst": format_money(gst_difference),
            "line_total": format_money(total_difference), "tax_code": "GST", "xero_cogs_journal_id": None,
        }
        if current == line:
            return "unchanged", invoice
        lines = [*others, line]
    return "updated", tx.put("invoices", reprice_invoice(tx, {**invoice, "lines": lines}))


def invoice_voided_in_xero(tx: Transaction, item: Fields) -> Outcome:
    invoice = tx.require("invoices", item.text("invoice_id"), "invoice")
    if invoice["status"] == "void":
        return "unchanged", invoice
    if invoice["locked"]:
        raise RuleError("invoice_locked", f"Invoice {invoice['number']} has payments or credits matched; "
                        "remove them before voiding.", {"invoice_id": invoice["id"]})
    now = tx.now()
    return "updated", tx.put("invoices", reprice_invoice(tx, {**invoice, "status": "void", "voided_at": now}))


def _registry() -> dict[str, ItemWrite]:
    writes: dict[str, ItemWrite] = {
        "customers/xero-updates": contact_from_xero("customers"),
        "suppliers/xero-updates": contact_from_xero("suppliers"),
        "payments/from-xero": payment_from_xero,
        "payments/xero-deletions": payment_deleted_in_xero,
        "invoices/credit-allocations": credit_allocation,
        "invoices/xero-adjustments": xero_adjustment,
        "invoices/xero-voids": invoice_voided_in_xero,
    }
    for resource in XERO_ID_FIELD:
        writes[f"{resource}/sync-status"] = sync_status(resource)
    return writes


WRITES = _registry()
__all__ = ["WRITES", "XERO_ID_FIELD", "reprice_invoice"]
