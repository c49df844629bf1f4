"""Invoice credits raised in Auxo → ACCRECCREDIT credit notes in Xero, allocated to their invoice.

Each issued credit dated in the days planned that is not in Xero yet becomes an AUTHORISED credit
note (``CreditNoteNumber`` = the Auxo credit number, lines converted as invoice lines are), then an
allocation of its total to the credited invoice — a separate write after both documents exist,
as Xero requires. An allocation is planned until the ledger confirms it or Xero shows it, never
twice. A credit voided in Auxo after it reached Xero is reported (the write path has no credit
note void).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from assets.findings import Finding
from assets.invoices.books import (
    Books,
    Window,
    credit_allocation_ref,
    credit_note_ref,
    invoice_ref,
    xero_id_or_placeholder,
)
from assets.invoices.documents import PushSet, convert, lines_by_document
from assets.invoices.invoices import PRIORITY_DOCUMENTS, MoneyPlan, contact_of
from mappings import Mappings
from pipelines.sync.plan import PlannedWrite

PLAN_ASSET = "credit_push"
PRIORITY_ALLOCATIONS = 35


def _credits(books: Books) -> pl.DataFrame:
    created = pl.DataFrame({"ref": list(books.known), "created_id": list(books.known.values())},
                           schema={"ref": pl.String, "created_id": pl.String})
    invoices = books.invoices.join(books.xero_invoice_ids, left_on="id", right_on="invoice_id", how="left").select(
        invoice_id="id", invoice_number="number", invoice_date="invoice_date", invoice_status="status",
        invoice_customer_id="customer_id", invoice_xero_id="xero_id", xero_invoice_id="xero_invoice_id")
    return (books.credits.with_columns(ref=pl.lit("credit_note:") + pl.col("id"))
            .join(created, on="ref", how="left")
            .with_columns(xero_credit_note_id=pl.coalesce("xero_id", "created_id"))
            .join(invoices, on="invoice_id", how="left")
            .filter(pl.col("sync_status").fill_null("pending") != "not_required"))


def _allocated_in_xero(books: Books) -> set[tuple[str, str]]:
    rows = books.xero_credit_allocations.filter(~pl.col("is_deleted").fill_null(False))
    return set(zip(rows["source_id"].to_list(), rows["invoice_id"].to_list(), strict=True))


def credit_note_payload(row: dict[str, Any], conversion: Any, contact: dict[str, Any]) -> dict[str, Any]:
    reference = f"Credit for {row['invoice_number']}" if row.get("invoice_number") else ""
    if row.get("reason"):
        reference = f"{reference}: {row['reason']}" if reference else str(row["reason"])
    return {"Type": "ACCRECCREDIT", "CreditNoteNumber": row["number"], "Contact": contact, "Date": row["credit_date"],
            "Reference": reference[:255], "Status": "AUTHORISED", "CurrencyCode": "AUD",
            "LineAmountTypes": conversion.mode.value, "LineItems": [line.payload() for line in conversion.lines]}


def plan_credit_push(books: Books, mappings: Mappings, window: Window) -> MoneyPlan:
    """Credit notes and their allocations for the credits dated in ``window``."""
    plan = MoneyPlan()
    push = PushSet()
    cid = books.connection_id
    allocated_in_xero = _allocated_in_xero(books)
    credits = _credits(books).filter(window.expr("credit_date")).sort("credit_date", "number")
    lines = lines_by_document(books.credit_lines, credits["id"])

    for row in credits.filter(pl.col("status") == "void").iter_rows(named=True):
        if row["xero_credit_note_id"]:
            plan.findings.append(Finding(
                cid, row["credit_date"], "credit_voided", f"credit {row['number']}", row["id"],
                row["xero_credit_note_id"], f"voided in Auxo after it reached Xero: un-allocate and void credit "
                f"note {row['number']} in Xero by hand"))

    for row in credits.filter(pl.col("status") == "issued").iter_rows(named=True):
        document = f"credit {row['number']}"
        if row["invoice_number"] is None:
            plan.findings.append(Finding(cid, row["credit_date"], "missing_invoice", document, row["id"], None,
                                         f"its invoice {row['invoice_id']} is not in the staged Auxo invoices"))
            continue
        credit_lines = lines.get(row["id"], [])
        if row["xero_credit_note_id"] is None:
            conversion = convert(credit_lines, row["gst_mode"], mappings)
            if not conversion.matches:
                plan.findings.append(Finding(cid, row["credit_date"], "totals_cannot_match", document, row["id"],
                                             None, conversion.problem or "totals differ"))
                continue
            contact, depends = contact_of(books, row["customer_id"] or row["invoice_customer_id"])
            push.add(cid, "credit_note", row["id"], row["number"], "create", conversion, credit_lines,
                     (row["subtotal"], row["gst"], row["total"]))
            plan.writes.append(PlannedWrite(
                connection_id=cid, target="xero", entity="credit_note", operation="create",
                ref=credit_note_ref(row["id"]), source_id=row["id"], business_date=row["credit_date"],
                payload=credit_note_payload(row, conversion, contact),
                description=f"{document} ({row['credit_date']}, {row['total']}) on invoice {row['invoice_number']}",
                depends_on=depends, priority=PRIORITY_DOCUMENTS,
                writeback={"resource": "invoice-credits", "id": row["id"]}, plan_asset=PLAN_ASSET))
        _plan_allocation(plan, books, row, allocated_in_xero)

    plan.push_set, plan.push_lines = push.frames()
    return plan


def _plan_allocation(plan: MoneyPlan, books: Books, row: dict[str, Any], allocated_in_xero: set) -> None:
    ref = credit_allocation_ref(row["id"])
    done = ref in books.allocated or (row["xero_credit_note_id"], row["xero_invoice_id"]) in allocated_in_xero
    if done or row["invoice_status"] == "void" or row["total"] <= 0:
        return
    credit_note, credit_depends = xero_id_or_placeholder(credit_note_ref(row["id"]), row["xero_id"], books.known)
    invoice, invoice_depends = xero_id_or_placeholder(invoice_ref(row["invoice_id"]), row["invoice_xero_id"],
                                                      books.known)
    plan.writes.append(PlannedWrite(
        connection_id=books.connection_id, target="xero", entity="credit_note", operation="allocate", ref=ref,
        source_id=row["id"], business_date=row["credit_date"],
        payload={"CreditNoteID": credit_note, "Invoice": {"InvoiceID": invoice}, "Amount": row["total"],
                 "Date": max(row["credit_date"], row["invoice_date"])},
        description=f"credit {row['number']}: allocate {row['total']} to invoice {row['invoice_number']}",
        depends_on=credit_depends + invoice_depends, priority=PRIORITY_ALLOCATIONS, plan_asset=PLAN_ASSET))
