"""The invoice push set: Auxo invoices created, updated and voided in Xero.

* **Create** — every issued (or already paid) Auxo invoice dated in the days planned that is not
  in Xero yet (no Xero id in Auxo, none created by the ledger) becomes an AUTHORISED ACCREC
  invoice: same number and date, due date, the vehicle registration in ``Reference``, the customer's
  linked contact (or the contact still to be created, which the sink writes first), accounts, tax
  types and tracking from ``mappings/``, and line items that make Xero's totals Auxo's to the cent
  (:mod:`assets.invoices.lines`). A number Xero already uses for another invoice is still sent —
  Xero refuses it and the sink records a ``duplicate_number`` sync error — but its description
  names the Xero invoice holding the number, and ``plans.invoice_exceptions`` lists it.
* **Update** — an invoice in Xero that was edited in Auxo since it was synced (``sync_status``
  pending) is sent again, while nothing is matched to it: not locked in Auxo, no payment or credit
  in Xero. Otherwise the edit is reported (``edit_blocked``), not sent.
* **Void** — an invoice voided in Auxo and still live in Xero is voided there.

Edits and voids are planned on the day they were made (or the run's nearest day), so a nightly run
sends yesterday's changes to older invoices too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from assets.contacts.links import contact_ref
from assets.findings import Finding
from assets.invoices.books import Books, Window, invoice_ref
from assets.invoices.documents import (
    PushSet,
    clamp,
    convert,
    document_totals_without_adjustment,
    lines_by_document,
    local_date,
)
from assets.invoices.lines import AuxoLine, Conversion
from mappings import Mappings
from pipelines.sync.plan import PlannedWrite, ref_placeholder

PLAN_ASSET = "invoice_push"
PRIORITY_DOCUMENTS = 20
PRIORITY_VOIDS = 40
LIVE_IN_XERO = ("AUTHORISED", "PAID")


@dataclass
class MoneyPlan:
    """What a money planner returns: the writes, the push set it validated, and what it reports."""

    writes: list[PlannedWrite] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    push_set: pl.DataFrame | None = None
    push_lines: pl.DataFrame | None = None


def contact_of(books: Books, customer_id: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``Contact`` of a document for an Auxo customer, and the contact ref it then depends on."""
    xero_contact_id = books.customer_contacts.get(customer_id)
    if xero_contact_id:
        return {"ContactID": xero_contact_id}, ()
    ref = contact_ref("customer", customer_id)
    return {"ContactID": ref_placeholder(ref)}, (ref,)


def _invoices(books: Books) -> pl.DataFrame:
    xero = (books.xero_invoices.filter(pl.col("type") == "ACCREC")
            .select(xero_invoice_id="invoice_id", xero_status="status", xero_amount_paid="amount_paid",
                    xero_amount_credited="amount_credited"))
    return (books.invoices
            .join(books.xero_invoice_ids, left_on="id", right_on="invoice_id", how="left")
            .join(xero, on="xero_invoice_id", how="left")
            .with_columns(edited_date=local_date("edited_at"))
            .filter(pl.col("sync_status").fill_null("pending") != "not_required"))


def _clashes(books: Books) -> dict[str, list[dict[str, Any]]]:
    """ACCREC invoices in Xero by number (deleted ones free their number)."""
    found: dict[str, list[dict[str, Any]]] = {}
    rows = books.xero_invoices.filter((pl.col("type") == "ACCREC") & (pl.col("status") != "DELETED")
                                      & pl.col("invoice_number").is_not_null())
    for row in rows.iter_rows(named=True):
        found.setdefault(row["invoice_number"], []).append(row)
    return found


def invoice_payload(row: dict[str, Any], conversion: Conversion, contact: dict[str, Any],
                    mappings: Mappings) -> dict[str, Any]:
    """The ACCREC invoice as Xero takes it (money as Decimal, dates as dates)."""
    due = row["due_date"] or row["invoice_date"] + timedelta(days=mappings.sync.invoices.due_days_default)
    reference = row.get(mappings.sync.invoices.reference_field) or ""
    return {"Type": "ACCREC", "InvoiceNumber": row["number"], "Contact": contact, "Date": row["invoice_date"],
            "DueDate": due, "Reference": str(reference), "Status": "AUTHORISED", "CurrencyCode": "AUD",
            "LineAmountTypes": conversion.mode.value, "LineItems": [line.payload() for line in conversion.lines]}


def _describe(row: dict[str, Any], conversion: Conversion) -> str:
    return (f"invoice {row['number']} ({row['invoice_date']}, {conversion.auxo_total} "
            f"GST {conversion.mode.value.lower()})")


def plan_invoice_push(books: Books, mappings: Mappings, window: Window) -> MoneyPlan:
    """Creates, allowed updates and voids of Auxo invoices, for the days of ``window``."""
    plan = MoneyPlan()
    push = PushSet()
    clashes = _clashes(books)
    invoices = _invoices(books)
    cid = books.connection_id

    creates = invoices.filter(pl.col("xero_invoice_id").is_null() & pl.col("status").is_in(["issued", "paid"])
                              & window.expr("invoice_date"))
    in_xero = invoices.filter(pl.col("xero_invoice_id").is_not_null()
                              & (pl.col("edited_date").is_null() | (pl.col("edited_date") <= window.last)))
    # an edit is known by Auxo's own link and status: a create whose Xero id Auxo has not recorded yet is
    # pending too, but it already carries the invoice as it is
    edited = in_xero.filter((pl.col("sync_status") == "pending") & pl.col("xero_id").is_not_null()
                            & pl.col("status").is_in(["issued", "paid"])
                            & (pl.col("xero_status").is_null() | pl.col("xero_status").is_in(LIVE_IN_XERO)))
    voided = in_xero.filter((pl.col("status") == "void")
                            & (pl.col("xero_status").is_null() | pl.col("xero_status").is_in(LIVE_IN_XERO)))
    lines = lines_by_document(books.invoice_lines, pl.concat([creates["id"], edited["id"]]))

    for row in creates.sort("invoice_date", "number").iter_rows(named=True):
        auxo_lines = lines.get(row["id"], [])
        conversion = convert(auxo_lines, row["gst_mode"], mappings)
        document = f"invoice {row['number']}"
        if not conversion.matches:
            plan.findings.append(Finding(cid, row["invoice_date"], "totals_cannot_match", document, row["id"], None,
                                         conversion.problem or "totals differ"))
            continue
        contact, depends = contact_of(books, row["customer_id"])
        payload = invoice_payload(row, conversion, contact, mappings)
        description = _describe(row, conversion)
        clash = [x for x in clashes.get(row["number"], [])
                 if not (x["contact_id"] == contact["ContactID"] and x["reference"] == payload["Reference"])]
        if clash:
            other = clash[0]
            held_by = (f"Xero invoice {other['invoice_number']} (InvoiceID {other['invoice_id']}, dated {other['date']}, "
                       f"total {other['total']}, {other['status']})")
            description += f" — its number is already used by {held_by}"
            plan.findings.append(Finding(cid, row["invoice_date"], "number_clash", document, row["id"],
                                         other["invoice_id"], f"Auxo {document} ({row['id']}) and {held_by} share "
                                         "the number; renumber one of them, then re-run the day"))
        push.add(cid, "invoice", row["id"], row["number"], "create", conversion, auxo_lines,
                 document_totals_without_adjustment(row, auxo_lines))
        plan.writes.append(PlannedWrite(
            connection_id=cid, target="xero", entity="invoice", operation="create", ref=invoice_ref(row["id"]),
            source_id=row["id"], business_date=row["invoice_date"], payload=payload, description=description,
            depends_on=depends, priority=PRIORITY_DOCUMENTS, writeback={"resource": "invoices", "id": row["id"]},
            plan_asset=PLAN_ASSET))

    for row in edited.sort("number").iter_rows(named=True):
        _plan_update(plan, push, books, mappings, window, row, lines.get(row["id"], []))

    for row in voided.sort("number").iter_rows(named=True):
        invoice_id, depends = _xero_invoice(books, row)
        plan.writes.append(PlannedWrite(
            connection_id=cid, target="xero", entity="invoice", operation="void", ref=invoice_ref(row["id"]),
            source_id=row["id"], business_date=clamp(row["edited_date"], window.first, window.last),
            payload={"InvoiceID": invoice_id, "Status": "VOIDED"},
            description=f"invoice {row['number']}: voided in Auxo, void in Xero", depends_on=depends,
            priority=PRIORITY_VOIDS, writeback={"resource": "invoices", "id": row["id"]}, plan_asset=PLAN_ASSET))

    plan.push_set, plan.push_lines = push.frames()
    return plan


def _xero_invoice(books: Books, row: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    ref = invoice_ref(row["id"])
    if ref in books.known:
        return ref_placeholder(ref), (ref,)
    return row["xero_invoice_id"], ()


def _plan_update(plan: MoneyPlan, push: PushSet, books: Books, mappings: Mappings, window: Window,
                 row: dict[str, Any], auxo_lines: list[AuxoLine]) -> None:
    cid = books.connection_id
    day = clamp(row["edited_date"], window.first, window.last)
    document = f"invoice {row['number']}"
    paid, credited = row["xero_amount_paid"] or 0, row["xero_amount_credited"] or 0
    if row["locked"] or paid or credited or row["xero_status"] == "PAID":
        matched = [f"{what} {amount} in Xero" for what, amount in (("paid", paid), ("credited", credited)) if amount]
        if row["locked"]:
            matched.insert(0, "locked in Auxo (a payment, deposit or credit is matched)")
        plan.findings.append(Finding(
            cid, day, "edit_blocked", document, row["id"], row["xero_invoice_id"],
            f"edited in Auxo after it was synced, but it is {', '.join(matched) or 'paid in Xero'}: the edit is not "
            "sent; Xero keeps the invoice as it was. Undo the edit in Auxo, or remove the payment or credit in Xero "
            "and re-run the day"))
        return
    conversion = convert(auxo_lines, row["gst_mode"], mappings)
    if not conversion.matches:
        plan.findings.append(Finding(cid, day, "totals_cannot_match", document, row["id"], row["xero_invoice_id"],
                                     conversion.problem or "totals differ"))
        return
    contact, depends = contact_of(books, row["customer_id"])
    invoice_id, invoice_depends = _xero_invoice(books, row)
    payload = {"InvoiceID": invoice_id, **invoice_payload(row, conversion, contact, mappings)}
    push.add(cid, "invoice", row["id"], row["number"], "update", conversion, auxo_lines,
             document_totals_without_adjustment(row, auxo_lines))
    plan.writes.append(PlannedWrite(
        connection_id=cid, target="xero", entity="invoice", operation="update", ref=invoice_ref(row["id"]),
        source_id=row["id"], business_date=day, payload=payload,
        description=f"{_describe(row, conversion)}: edited in Auxo, update in Xero",
        depends_on=depends + invoice_depends, priority=PRIORITY_DOCUMENTS,
        writeback={"resource": "invoices", "id": row["id"]}, plan_asset=PLAN_ASSET))
