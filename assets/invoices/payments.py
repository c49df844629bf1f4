"""Payments and job deposits taken in Auxo → Xero, once each.

* A payment dated in the days planned that is not in Xero yet becomes a Xero payment against its
  invoice (or against the invoice still to be created, which the sink writes first), to the
  payment method's account (``mappings/payment_methods.yaml``; the clearing account otherwise),
  with ``Reference`` ``Auxo PAY <id>`` — unique, so a write of unknown outcome is found again and
  the payment is never pulled back from Xero as a new one.
* A job deposit becomes a Xero prepayment (``RECEIVE-PREPAYMENT`` bank transaction into
  ``accounts.payments.deposit_bank``, Reference ``Auxo DEP <id>``) on the day it was taken, and is
  allocated to the job's invoice on the day the invoice exists.
* A payment deleted in Auxo after it reached Xero is deleted there. A deposit deleted in Auxo after it
  reached Xero is taken out as Xero allows: the prepayment's allocations are removed, then its bank
  transaction is deleted (Xero voids the prepayment); what Xero refuses (reconciled, locked period)
  is reported (``deposit_deleted``) with what to do in Xero.
* Never above the amount due: payments, then deposit allocations, are planned against what Xero
  says is owing (Auxo's total for an invoice not in Xero yet); one that would go over is reported
  (``payment_exceeds_amount_due``) instead of being refused by Xero.
* A payment entered in both systems (same invoice, date and amount; see
  :func:`payments_in_both_systems`) is not sent; ``plans/xero_changes_to_auxo`` reports it.
* A payment or deposit Xero already holds under its Reference (the ledger lost track of it) is
  linked in Auxo instead of being sent again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import polars as pl

from assets.findings import Finding
from assets.invoices.books import (
    OUR_REFERENCE,
    Books,
    Window,
    invoice_ref,
    payment_ref,
    payment_reference,
    prepayment_allocation_ref,
    prepayment_allocation_removal_ref,
    prepayment_ref,
    xero_id_or_placeholder,
)
from assets.invoices.documents import clamp, local_date
from assets.invoices.invoices import MoneyPlan, contact_of
from assets.invoices.models import PaymentPushSet
from mappings import Mappings
from pipelines.sync.plan import PlannedWrite

PLAN_ASSET = "payment_push"
PRIORITY_PREPAYMENTS = 20
PRIORITY_PAYMENTS = 30
PRIORITY_ALLOCATIONS = 35
PRIORITY_DEPOSIT_UNALLOCATIONS = 36  # a prepayment's allocations go before the prepayment itself
PRIORITY_DEPOSIT_DELETIONS = 37
PRIORITY_PAYMENT_DELETIONS = 38  # before voids (40): Xero voids an invoice only once its payments are gone
PRIORITY_AUXO_STATUS = 190
_OUR_REFERENCE = re.compile(OUR_REFERENCE)


def xero_reference(row: dict[str, Any]) -> str:
    reference = payment_reference(row["id"], row["kind"])
    if row.get("reference"):
        reference += f" {row['reference']}"
    return reference[:255]


def referenced_in_xero(books: Books) -> dict[str, str]:
    """Auxo payment id → the Xero payment or prepayment carrying our Reference for it (not deleted)."""
    found: dict[str, str] = {}
    for frame, id_column in ((books.xero_payments, "payment_id"), (books.xero_prepayments, "prepayment_id")):
        live = frame.filter(~pl.col("status").fill_null("").is_in(["DELETED", "VOIDED"]))
        for reference, xero_id in zip(live["reference"].to_list(), live[id_column].to_list(), strict=True):
            match = _OUR_REFERENCE.match(reference or "")
            if match:
                found[match.group(1)] = xero_id
    return found


def invoice_links(books: Books) -> pl.DataFrame:
    """Auxo invoice id ↔ Xero invoice id, Auxo's link and the ledger's, with Xero's amounts."""
    xero = books.xero_invoices.select(xero_invoice_id="invoice_id", xero_status="status",
                                      xero_amount_due="amount_due", xero_total="total")
    return (books.invoices.select("id", "number", "invoice_date", "total", "status", invoice_xero_id="xero_id")
            .join(books.xero_invoice_ids, left_on="id", right_on="invoice_id", how="left")
            .join(xero, on="xero_invoice_id", how="left")
            .rename({"id": "invoice_id", "number": "invoice_number", "total": "invoice_total",
                     "status": "invoice_status"}))


def payments_entered_in_xero(books: Books) -> pl.DataFrame:
    """Xero payments on synced invoices that nobody has recorded in Auxo and the sync did not write."""
    ours = set(books.payments["xero_id"].drop_nulls().to_list()) | set(books.known.values())
    links = invoice_links(books).filter(pl.col("xero_invoice_id").is_not_null())
    return (books.xero_payments
            .filter((pl.col("status") == "AUTHORISED") & (pl.col("payment_type").fill_null("ACCRECPAYMENT")
                                                          == "ACCRECPAYMENT")
                    & ~pl.col("payment_id").is_in(sorted(ours))
                    & ~pl.col("reference").str.contains(OUR_REFERENCE).fill_null(False))
            .join(links.select("xero_invoice_id", "invoice_id", "invoice_number", "invoice_status"),
                  left_on="invoice_id", right_on="xero_invoice_id", how="inner", suffix="_auxo")
            .select("payment_id", pl.col("invoice_id_auxo").alias("invoice_id"), "invoice_number", "invoice_status",
                    "date", "amount", "reference", xero_invoice_id="invoice_id"))


def payments_in_both_systems(books: Books) -> pl.DataFrame:
    """Pairs of one Auxo payment (pending or synced) and one payment entered in Xero on the same
    invoice, date and amount: the same money entered twice. Neither is copied to the other system."""
    auxo = (books.payments.filter((pl.col("kind") == "payment") & (pl.col("source") == "auxo")
                                  & (pl.col("status") == "active") & pl.col("invoice_id").is_not_null())
            .select(auxo_payment_id="id", invoice_id="invoice_id", date="payment_date", amount="amount",
                    auxo_xero_id="xero_id")
            .sort("auxo_payment_id")
            .with_columns(nth=pl.int_range(pl.len()).over("invoice_id", "date", "amount")))
    xero = (payments_entered_in_xero(books).select("invoice_id", "invoice_number", "date", "amount",
                                                   xero_payment_id="payment_id")
            .sort("xero_payment_id")
            .with_columns(nth=pl.int_range(pl.len()).over("invoice_id", "date", "amount")))
    return auxo.join(xero, on=["invoice_id", "date", "amount", "nth"], how="inner").drop("nth")


def _payment_rows(books: Books) -> pl.DataFrame:
    return (books.payments.filter((pl.col("source") == "auxo")
                                  & (pl.col("sync_status").fill_null("pending") != "not_required"))
            .with_columns(in_ledger=(pl.lit("payment:") + pl.col("id")).is_in(list(books.known))
                          | (pl.lit("prepayment:") + pl.col("id")).is_in(list(books.known)),
                          deleted_date=local_date("deleted_at"))
            .join(invoice_links(books), on="invoice_id", how="left"))


def plan_payment_push(books: Books, mappings: Mappings, window: Window) -> MoneyPlan:
    """Payments, deposits (prepayments and their allocations) and deletions for the days of ``window``."""
    plan = MoneyPlan()
    cid = books.connection_id
    rows = _payment_rows(books)
    doubled = set(payments_in_both_systems(books)["auxo_payment_id"].to_list())
    found = referenced_in_xero(books)
    jobs = dict(zip(books.jobs["id"].to_list(), books.jobs["number"].to_list(), strict=True))
    applied: dict[str, Decimal] = {}
    push_rows: list[dict[str, Any]] = []

    def within_due(row: dict[str, Any], kind: str, business_date: Any) -> bool:
        due = row["xero_amount_due"] if row["xero_amount_due"] is not None else row["invoice_total"]
        so_far = applied.get(row["invoice_id"], Decimal(0))
        if due is None or so_far + row["amount"] > due:
            plan.findings.append(Finding(
                cid, business_date, "payment_exceeds_amount_due", f"{row['kind']} {row['id']}", row["id"],
                row["xero_invoice_id"], f"{row['amount']} on invoice {row['invoice_number']} would take it past its "
                f"amount due in Xero ({due}, {so_far} already planned): not sent. Check for a payment entered "
                "in both systems, or a total changed in Xero"))
            return False
        applied[row["invoice_id"]] = so_far + row["amount"]
        push_rows.append({"connection_id": cid, "auxo_id": row["id"], "kind": kind, "invoice_id": row["invoice_id"],
                          "amount": row["amount"], "amount_due": due})
        return True

    new = rows.filter((pl.col("status") == "active") & pl.col("xero_id").is_null() & ~pl.col("in_ledger")
                      & window.expr("payment_date")).sort("payment_date", "id")
    for row in new.iter_rows(named=True):
        if row["id"] in found:
            plan.writes.append(_link(cid, row, found[row["id"]]))
        elif row["kind"] == "deposit":
            plan.writes.append(_prepayment(books, mappings, row, jobs))
        elif row["id"] in doubled:
            continue  # reported by plans/xero_changes_to_auxo, with the Xero payment it doubles
        elif row["invoice_number"] is None:
            plan.findings.append(Finding(cid, row["payment_date"], "missing_invoice", f"payment {row['id']}",
                                         row["id"], None, f"its invoice {row['invoice_id']} is not in Auxo's data"))
        elif within_due(row, "payment", row["payment_date"]):
            plan.writes.append(_payment(books, mappings, row))

    deposits = rows.filter((pl.col("kind") == "deposit") & (pl.col("status") == "active")
                           & pl.col("invoice_id").is_not_null() & pl.col("invoice_number").is_not_null())
    deposits = deposits.with_columns(allocation_date=pl.max_horizontal("invoice_date", "payment_date"))
    allocated_in_xero = {(a, b) for a, b in books.xero_prepayment_allocations.filter(
        ~pl.col("is_deleted").fill_null(False)).select("source_id", "invoice_id").iter_rows()}
    for row in deposits.filter(window.expr("allocation_date")).sort("allocation_date", "id").iter_rows(named=True):
        prepayment_id = row["xero_id"] or books.known.get(prepayment_ref(row["id"])) or found.get(row["id"])
        ref = prepayment_allocation_ref(row["id"])
        if ref in books.allocated or (prepayment_id, row["xero_invoice_id"]) in allocated_in_xero:
            if row["sync_status"] == "pending" and row["xero_id"]:
                plan.writes.append(_deposit_synced(cid, row, ()))
            continue
        if within_due(row, "prepayment_allocation", row["allocation_date"]):
            plan.writes.append(_prepayment_allocation(books, row))
            plan.writes.append(_deposit_synced(cid, row, (ref,)))

    deleted = rows.filter((pl.col("status") == "deleted") & (pl.col("deleted_source") == "auxo")
                          & (pl.col("xero_id").is_not_null() | pl.col("in_ledger"))
                          & (pl.col("deleted_date").is_null() | (pl.col("deleted_date") <= window.last)))
    xero_status = dict(zip(books.xero_payments["payment_id"].to_list(), books.xero_payments["status"].to_list(),
                           strict=True))
    prepayment_status = dict(zip(books.xero_prepayments["prepayment_id"].to_list(),
                                 books.xero_prepayments["status"].to_list(), strict=True))
    for row in deleted.sort("id").iter_rows(named=True):
        day = clamp(row["deleted_date"], window.first, window.last)
        if row["kind"] == "deposit":
            prepayment_id = row["xero_id"] or books.known.get(prepayment_ref(row["id"]))
            if prepayment_status.get(prepayment_id, "AUTHORISED") not in ("VOIDED", "DELETED"):
                _remove_deposit(plan, books, row, prepayment_id, day)
        elif xero_status.get(row["xero_id"] or books.known.get(payment_ref(row["id"])), "AUTHORISED") != "DELETED":
            payment, depends = xero_id_or_placeholder(payment_ref(row["id"]), row["xero_id"], books.known)
            plan.writes.append(PlannedWrite(
                connection_id=cid, target="xero", entity="payment", operation="delete", ref=payment_ref(row["id"]),
                source_id=row["id"], business_date=day, payload={"PaymentID": payment},
                description=f"payment {row['id']} of {row['amount']} on invoice {row['invoice_number']}: deleted "
                            "in Auxo, delete in Xero", depends_on=depends, priority=PRIORITY_PAYMENT_DELETIONS,
                writeback={"resource": "payments", "id": row["id"]}, plan_asset=PLAN_ASSET))

    frame = pl.DataFrame(push_rows, schema={name: column.dtype.type
                                            for name, column in PaymentPushSet.to_schema().columns.items()})
    plan.push_set = PaymentPushSet.validate(frame, lazy=True)
    return plan


def _remove_deposit(plan: MoneyPlan, books: Books, row: dict[str, Any], prepayment_id: str | None,
                    day: Any) -> None:
    """A deposit deleted in Auxo after it reached Xero, as Xero allows: each allocation of its prepayment
    removed, then the prepayment's bank transaction deleted (which voids the prepayment), once each. What
    Xero refuses (a reconciled transaction, a locked period) is reported with what to do in Xero."""
    cid = books.connection_id
    prepayment, prepayment_depends = xero_id_or_placeholder(prepayment_ref(row["id"]), row["xero_id"], books.known)
    allocations = books.xero_prepayment_allocations.filter(
        (pl.col("source_id") == prepayment_id) & ~pl.col("is_deleted").fill_null(False)
        & pl.col("allocation_id").is_not_null()).sort("date", "allocation_id")
    numbers = dict(zip(books.xero_invoices["invoice_id"].to_list(), books.xero_invoices["invoice_number"].to_list(),
                       strict=True))
    removals = []
    for allocation in allocations.iter_rows(named=True):
        ref = prepayment_allocation_removal_ref(allocation["allocation_id"])
        number = numbers.get(allocation["invoice_id"]) or allocation["invoice_number"] or allocation["invoice_id"]
        removals.append(ref)
        plan.writes.append(PlannedWrite(
            connection_id=cid, target="xero", entity="prepayment_allocation", operation="delete", ref=ref,
            source_id=row["id"], business_date=day,
            payload={"PrepaymentID": prepayment, "AllocationID": allocation["allocation_id"]},
            description=f"deposit {row['id']} deleted in Auxo: remove its allocation of {allocation['amount']} to "
                        f"invoice {number} in Xero", depends_on=prepayment_depends,
            priority=PRIORITY_DEPOSIT_UNALLOCATIONS, plan_asset=PLAN_ASSET))
        _explain_refusal(plan, books, ref, row, day, prepayment_id,
                         f"the allocation of {allocation['amount']} to invoice {number}")
    ref = prepayment_ref(row["id"])
    plan.writes.append(PlannedWrite(
        connection_id=cid, target="xero", entity="prepayment", operation="delete", ref=ref, source_id=row["id"],
        business_date=day, payload={"PrepaymentID": prepayment, "Reference": xero_reference(row),
                                    "Date": row["payment_date"], "Status": "DELETED"},
        description=f"deposit {row['id']} of {row['amount']} ({row['payment_date']}): deleted in Auxo, delete its "
                    "prepayment in Xero", depends_on=prepayment_depends + tuple(removals),
        priority=PRIORITY_DEPOSIT_DELETIONS, writeback={"resource": "payments", "id": row["id"]},
        plan_asset=PLAN_ASSET))
    _explain_refusal(plan, books, ref, row, day, prepayment_id, f"the prepayment of {row['amount']}")


# what a bookkeeper does in Xero when Xero refuses to take a deleted deposit out, by the refusal's code
_IN_XERO = {
    "reconciled": "it is reconciled against a bank statement line. In Xero, unreconcile it (the deposit bank "
                  "account → Account Transactions → select it → Unreconcile), then re-run the day with "
                  "--resend-refused; if the money was really paid back to the customer, record the refund on the "
                  "prepayment in Xero instead",
    "period_locked": "its date is in a period Xero has locked. In Xero, record a refund of the prepayment dated "
                     "after the lock date (the prepayment → Refund), or ask the bookkeeper to move the lock date and "
                     "re-run the day with --resend-refused",
}


def _explain_refusal(plan: MoneyPlan, books: Books, ref: str, row: dict[str, Any], day: Any,
                     prepayment_id: str | None, what: str) -> None:
    refused = books.refused.get(ref)
    if refused is None:
        return
    todo = _IN_XERO.get(refused["code"]) or (f"Xero said: {refused['message']}. {refused['hint']} Until then, "
                                             "remove it in Xero by hand")
    plan.findings.append(Finding(
        books.connection_id, day, "deposit_deleted", f"deposit {row['id']}", row["id"], prepayment_id,
        f"deposit of {row['amount']} ({row['payment_date']}) deleted in Auxo after it reached Xero: Xero refused to "
        f"remove {what}, as {todo}"))


def _invoice_id(books: Books, row: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    return xero_id_or_placeholder(invoice_ref(row["invoice_id"]), row["invoice_xero_id"], books.known)


def _payment(books: Books, mappings: Mappings, row: dict[str, Any]) -> PlannedWrite:
    invoice, depends = _invoice_id(books, row)
    return PlannedWrite(
        connection_id=books.connection_id, target="xero", entity="payment", operation="create",
        ref=payment_ref(row["id"]), source_id=row["id"], business_date=row["payment_date"],
        payload={"Invoice": {"InvoiceID": invoice}, "Account": {"Code": mappings.payment_account(row["method"])},
                 "Date": row["payment_date"], "Amount": row["amount"], "Reference": xero_reference(row)},
        description=f"payment {row['id']} ({row['method']}, {row['payment_date']}) of {row['amount']} on invoice "
                    f"{row['invoice_number']}",
        depends_on=depends, priority=PRIORITY_PAYMENTS, writeback={"resource": "payments", "id": row["id"]},
        plan_asset=PLAN_ASSET)


def _prepayment(books: Books, mappings: Mappings, row: dict[str, Any], jobs: dict[str, str]) -> PlannedWrite:
    contact, depends = contact_of(books, row["customer_id"])
    job = jobs.get(row["job_id"]) or row["job_id"] or "a job"
    return PlannedWrite(
        connection_id=books.connection_id, target="xero", entity="prepayment", operation="create",
        ref=prepayment_ref(row["id"]), source_id=row["id"], business_date=row["payment_date"],
        payload={"Type": "RECEIVE-PREPAYMENT", "Contact": contact,
                 "BankAccount": {"Code": mappings.accounts.payments.deposit_bank}, "Date": row["payment_date"],
                 "Reference": xero_reference(row), "CurrencyCode": "AUD", "LineAmountTypes": "Inclusive",
                 "LineItems": [{"Description": f"Deposit on job {job}", "Quantity": Decimal(1),
                                "UnitAmount": row["amount"], "LineAmount": row["amount"],
                                "AccountCode": mappings.accounts.sales.deposit,
                                "TaxType": mappings.tax.sales}]},
        description=f"deposit {row['id']} ({row['method']}, {row['payment_date']}) of {row['amount']} on job {job}",
        depends_on=depends, priority=PRIORITY_PREPAYMENTS, writeback={"resource": "payments", "id": row["id"]},
        plan_asset=PLAN_ASSET)


def _prepayment_allocation(books: Books, row: dict[str, Any]) -> PlannedWrite:
    prepayment, prepayment_depends = xero_id_or_placeholder(prepayment_ref(row["id"]), row["xero_id"], books.known)
    invoice, invoice_depends = _invoice_id(books, row)
    return PlannedWrite(
        connection_id=books.connection_id, target="xero", entity="prepayment", operation="allocate",
        ref=prepayment_allocation_ref(row["id"]), source_id=row["id"], business_date=row["allocation_date"],
        payload={"PrepaymentID": prepayment, "Invoice": {"InvoiceID": invoice}, "Amount": row["amount"],
                 "Date": row["allocation_date"]},
        description=f"deposit {row['id']}: allocate {row['amount']} to invoice {row['invoice_number']}",
        depends_on=prepayment_depends + invoice_depends, priority=PRIORITY_ALLOCATIONS, plan_asset=PLAN_ASSET)


def _deposit_synced(connection_id: str, row: dict[str, Any], depends: tuple[str, ...]) -> PlannedWrite:
    """Auxo marks a deposit pending again when it is applied; once Xero has the allocation it is synced."""
    return PlannedWrite(
        connection_id=connection_id, target="auxo", entity="deposit_status", operation="update",
        ref=f"deposit_allocated:{row['id']}", source_id=row["id"], business_date=row["allocation_date"],
        payload={"path": "payments/sync-status", "item": {"id": row["id"], "sync_status": "synced"}},
        description=f"record in Auxo: deposit {row['id']} allocated in Xero to invoice {row['invoice_number']}",
        depends_on=depends, priority=PRIORITY_AUXO_STATUS, plan_asset=PLAN_ASSET)


def _link(connection_id: str, row: dict[str, Any], xero_id: str) -> PlannedWrite:
    what = "prepayment" if row["kind"] == "deposit" else "payment"
    return PlannedWrite(
        connection_id=connection_id, target="auxo", entity="payment_link", operation="update",
        ref=f"payment_link:{row['id']}", source_id=row["id"], business_date=row["payment_date"],
        payload={"path": "payments/sync-status", "item": {"id": row["id"], "sync_status": "synced",
                                                           "xero_id": xero_id}},
        description=f"record in Auxo: {row['kind']} {row['id']} is already in Xero as {what} {xero_id} (found by "
                    "its reference); not sent again",
        priority=PRIORITY_AUXO_STATUS, plan_asset=PLAN_ASSET)
