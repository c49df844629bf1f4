"""Xero → Auxo: what people did in Xero to synced invoices, written to Auxo.

A change made in Xero belongs to no Auxo business day the pipeline could know, so this plan is
state-based and undated: every run compares Xero with Auxo as staged and plans what Auxo lacks
(the Auxo sink sends undated rows on every day's run). Once Auxo has it, the next run's extract
shows it and nothing is planned again. In the order the Auxo sink applies them:

1. ``invoices/xero-adjustments`` — a synced invoice whose Xero total or GST differs from Auxo's
   (lines added or changed in Xero are not copied) gets one adjustment line for the difference,
   updated when it changes again, removed when it goes back; not while an Auxo edit is waiting to
   be sent (Auxo's content wins until Xero has it).
2. ``payments/from-xero`` — payments entered in Xero against a synced invoice. Never a payment the
   sync wrote (known by its Xero id in Auxo or the ledger, or by its ``Auxo PAY`` reference), and
   never one that doubles an Auxo payment (same invoice, date and amount): that pair is reported
   as ``payment_in_both_systems`` and neither copy is made.
3. ``invoices/credit-allocations`` — a Xero credit note (not one of Auxo's credits) allocated to a
   synced invoice lowers Auxo's balance.
4. ``payments/xero-deletions`` — a payment deleted in Xero that Auxo holds is deleted in Auxo (so is
   a deposit whose prepayment was voided or deleted in Xero).
5. ``invoices/xero-voids`` — an invoice voided or deleted in Xero is voided in Auxo.

Voids and deletions are also reported in ``plans.invoice_exceptions`` so the workshop hears of them.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from assets.findings import Finding
from assets.invoices.books import Books, credit_note_ref
from assets.invoices.invoices import MoneyPlan
from assets.invoices.payments import invoice_links, payments_entered_in_xero, payments_in_both_systems
from pipelines.money import ZERO
from pipelines.sync.plan import PlannedWrite

PLAN_ASSET = "xero_changes_to_auxo"
PRIORITY_ADJUSTMENTS = 110
PRIORITY_PAYMENTS = 130
PRIORITY_ALLOCATIONS = 140
PRIORITY_DELETIONS = 150
PRIORITY_VOIDS = 160


def _write(books: Books, entity: str, operation: str, ref: str, source_id: str, path: str, item: dict[str, Any],
           description: str, priority: int) -> PlannedWrite:
    return PlannedWrite(connection_id=books.connection_id, target="auxo", entity=entity, operation=operation, ref=ref,
                        source_id=source_id, business_date=None, payload={"path": path, "item": item},
                        description=description, priority=priority, plan_asset=PLAN_ASSET)


def plan_xero_changes(books: Books) -> MoneyPlan:
    """Everything done in Xero to synced invoices that Auxo does not have yet."""
    plan = MoneyPlan()
    links = invoice_links(books).filter(pl.col("xero_invoice_id").is_not_null())
    _adjustments(plan, books)
    _payments(plan, books)
    _credit_allocations(plan, books, links)
    _deleted_payments(plan, books)
    _voids(plan, books, links)
    return plan


def _adjustments(plan: MoneyPlan, books: Books) -> None:
    adjustment = (books.invoice_lines.filter(pl.col("kind") == "xero_adjustment")
                  .group_by("document_id").agg(adj_total=pl.col("line_total").sum(), adj_gst=pl.col("gst").sum()))
    xero = books.xero_invoices.select(xero_id="invoice_id", xero_status="status", xero_total="total",
                                      xero_tax="total_tax", xero_updated_at="updated_at")
    rows = (books.invoices
            .filter(pl.col("xero_id").is_not_null() & (pl.col("sync_status") == "synced")
                    & (pl.col("status") != "void"))
            .join(xero, on="xero_id", how="inner")
            .filter(pl.col("xero_status").is_in(["AUTHORISED", "PAID"]))
            .join(adjustment, left_on="id", right_on="document_id", how="left"))
    for row in rows.sort("number").iter_rows(named=True):
        adj_total, adj_gst = row["adj_total"] or ZERO, row["adj_gst"] or ZERO
        auxo_total, auxo_gst = row["total"] - adj_total, row["gst"] - adj_gst
        total_difference, gst_difference = row["xero_total"] - auxo_total, row["xero_tax"] - auxo_gst
        if (total_difference, gst_difference) == (adj_total, adj_gst):
            continue
        updated = row["xero_updated_at"].strftime("%Y-%m-%d %H:%M UTC") if row["xero_updated_at"] else "unknown"
        # the Xero state is in the line's text, so a later change back to an earlier difference is a new write
        text = (f"Changed in Xero: total {row['xero_total']}, GST {row['xero_tax']} (Auxo {auxo_total}, GST "
                f"{auxo_gst}); Xero updated {updated}")
        plan.writes.append(_write(
            books, "invoice_adjustment", "update", f"xero_adjustment:{row['id']}", row["id"],
            "invoices/xero-adjustments",
            {"invoice_id": row["id"], "total_difference": total_difference, "gst_difference": gst_difference,
             "description": text},
            f"invoice {row['number']}: Xero total {row['xero_total']} vs Auxo {auxo_total} → adjustment line "
            f"{total_difference} (GST {gst_difference})", PRIORITY_ADJUSTMENTS))


def _payments(plan: MoneyPlan, books: Books) -> None:
    doubled = payments_in_both_systems(books)
    for row in doubled.sort("date", "xero_payment_id").iter_rows(named=True):
        where = "already synced to Xero" if row["auxo_xero_id"] else "not yet sent to Xero"
        plan.findings.append(Finding(
            books.connection_id, row["date"], "payment_in_both_systems", f"invoice {row['invoice_number']}",
            row["auxo_payment_id"], row["xero_payment_id"],
            f"a payment of {row['amount']} on {row['date']} was entered in Auxo ({row['auxo_payment_id']}, {where}) "
            f"and in Xero (PaymentID {row['xero_payment_id']}): neither is copied to the other system. Delete the "
            "one that is wrong; the next run syncs the other"))
    skip = set(doubled["xero_payment_id"].to_list())
    entered = payments_entered_in_xero(books).filter(~pl.col("payment_id").is_in(sorted(skip))
                                                     & (pl.col("invoice_status") != "void"))
    for row in entered.sort("date", "payment_id").iter_rows(named=True):
        item = {"xero_payment_id": row["payment_id"], "invoice_id": row["invoice_id"], "payment_date": row["date"],
                "amount": row["amount"]}
        if row["reference"]:
            item["reference"] = row["reference"]
        plan.writes.append(_write(
            books, "payment_from_xero", "create", f"xero_payment:{row['payment_id']}", row["payment_id"],
            "payments/from-xero", item,
            f"payment of {row['amount']} on {row['date']} entered in Xero on invoice {row['invoice_number']}",
            PRIORITY_PAYMENTS))


def _credit_allocations(plan: MoneyPlan, books: Books, links: pl.DataFrame) -> None:
    auxo_credit_notes = set(books.credits["xero_id"].drop_nulls().to_list()) | {
        target for ref, target in books.known.items() if ref.startswith("credit_note:")}
    recorded = set(books.auxo_xero_allocations["xero_allocation_id"].to_list())
    notes = books.xero_credit_notes.select(source_id="credit_note_id", note_type="type", note_status="status",
                                           credit_note_number="credit_note_number")
    allocations = (books.xero_credit_allocations.filter(~pl.col("is_deleted").fill_null(False))
                   .join(notes, on="source_id", how="inner")
                   .filter((pl.col("note_type") == "ACCRECCREDIT")
                           & pl.col("note_status").is_in(["AUTHORISED", "PAID"])
                           & ~pl.col("source_id").is_in(sorted(auxo_credit_notes)))
                   .join(links.select("xero_invoice_id", auxo_invoice_id="invoice_id", number="invoice_number",
                                      auxo_status="invoice_status"),
                         left_on="invoice_id", right_on="xero_invoice_id", how="inner")
                   .filter(pl.col("allocation_id").is_not_null() & (pl.col("auxo_status") != "void")))
    live = set(allocations["allocation_id"].to_list())
    for row in allocations.filter(~pl.col("allocation_id").is_in(sorted(recorded))).sort("date", "allocation_id") \
            .iter_rows(named=True):
        item = {"invoice_id": row["auxo_invoice_id"], "xero_allocation_id": row["allocation_id"],
                "xero_credit_note_id": row["source_id"], "amount": row["amount"], "date": row["date"]}
        if row["credit_note_number"]:
            item["xero_credit_note_number"] = row["credit_note_number"]
        plan.writes.append(_write(
            books, "credit_allocation_from_xero", "allocate", f"xero_credit_allocation:{row['allocation_id']}",
            row["allocation_id"], "invoices/credit-allocations", item,
            f"Xero credit note {row['credit_note_number'] or row['source_id']} allocated {row['amount']} to invoice "
            f"{row['number']}", PRIORITY_ALLOCATIONS))
    staged_notes = set(books.xero_credit_notes["credit_note_id"].to_list())
    gone = books.auxo_xero_allocations.filter(pl.col("xero_credit_note_id").is_in(sorted(staged_notes))
                                              & ~pl.col("xero_allocation_id").is_in(sorted(live)))
    numbers = dict(zip(books.invoices["id"].to_list(), books.invoices["number"].to_list(), strict=True))
    for row in gone.iter_rows(named=True):
        plan.findings.append(Finding(
            books.connection_id, row["date"], "xero_allocation_removed", f"invoice {numbers.get(row['invoice_id'])}",
            row["invoice_id"], row["xero_allocation_id"],
            f"the Xero credit allocation of {row['amount']} Auxo recorded is no longer in Xero; Auxo keeps it "
            "(its API cannot remove one): adjust the invoice in Auxo by hand"))
    voided = books.xero_credit_notes.filter(pl.col("status").is_in(["VOIDED", "DELETED"]))
    ours = books.credits.with_columns(xero_credit_note_id=pl.coalesce(
        "xero_id", pl.col("id").map_elements(lambda i: books.known.get(credit_note_ref(i)), return_dtype=pl.String)))
    for row in ours.join(voided, left_on="xero_credit_note_id", right_on="credit_note_id", how="inner") \
            .filter(pl.col("status") == "issued").iter_rows(named=True):
        plan.findings.append(Finding(
            books.connection_id, row["credit_date"], "xero_credit_note_voided", f"credit {row['number']}", row["id"],
            row["xero_credit_note_id"], "its Xero credit note was voided or deleted in Xero; the credit is still "
            "issued in Auxo (Auxo cannot follow): void it in Auxo or re-issue it"))


def _deleted_payments(plan: MoneyPlan, books: Books) -> None:
    """Payments deleted in Xero, and deposits whose prepayment was voided or deleted there."""
    deleted = pl.concat([
        books.xero_payments.filter(pl.col("status") == "DELETED").select("payment_id"),
        books.xero_prepayments.filter(pl.col("status").is_in(["VOIDED", "DELETED"])).select(
            payment_id="prepayment_id")])
    active = books.payments.filter((pl.col("status") == "active") & pl.col("xero_id").is_not_null())
    numbers = dict(zip(books.invoices["id"].to_list(), books.invoices["number"].to_list(), strict=True))
    for row in active.join(deleted, left_on="xero_id", right_on="payment_id", how="inner").sort("id") \
            .iter_rows(named=True):
        document = (f"invoice {numbers.get(row['invoice_id'], row['invoice_id'])}" if row["invoice_id"]
                    else f"{row['kind']} {row['id']}")
        plan.writes.append(_write(
            books, "payment_deleted_in_xero", "delete", f"xero_payment_deletion:{row['xero_id']}", row["xero_id"],
            "payments/xero-deletions", {"xero_payment_id": row["xero_id"]},
            f"{row['kind']} of {row['amount']} ({document}) deleted in Xero: delete in Auxo", PRIORITY_DELETIONS))
        plan.findings.append(Finding(
            books.connection_id, row["payment_date"], "xero_payment_deleted", document, row["id"],
            row["xero_id"], f"the {row['kind']} of {row['amount']} ({row['source']}, {row['payment_date']}) was "
            "deleted in Xero; it is deleted in Auxo too"))


def _voids(plan: MoneyPlan, books: Books, links: pl.DataFrame) -> None:
    voided = links.filter(pl.col("xero_status").is_in(["VOIDED", "DELETED"]) & (pl.col("invoice_status") != "void"))
    for row in voided.sort("invoice_number").iter_rows(named=True):
        plan.writes.append(_write(
            books, "invoice_voided_in_xero", "void", f"xero_void:{row['invoice_id']}", row["invoice_id"],
            "invoices/xero-voids", {"invoice_id": row["invoice_id"]},
            f"invoice {row['invoice_number']} {row['xero_status'].lower()} in Xero: void in Auxo", PRIORITY_VOIDS))
        plan.findings.append(Finding(
            books.connection_id, row["invoice_date"], "xero_invoice_voided", f"invoice {row['invoice_number']}",
            row["invoice_id"], row["xero_invoice_id"],
            f"{row['xero_status'].lower()} in Xero; the Auxo invoice is voided too (Auxo refuses while payments or "
            "credits are still matched to it in Auxo)"))
