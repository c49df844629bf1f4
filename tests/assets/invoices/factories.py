"""Hand-made books for the planners: Auxo documents priced by Auxo's own rules, Xero documents as staged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

import polars as pl

from assets.contacts.links import LINK_SCHEMA
from assets.invoices.books import Books, Window
from sandbox.auxo import rules
from sandbox.auxo.money import format_money

CID = "conn-1"
DAY = date(2026, 3, 2)
WINDOW = Window(DAY, DAY)
_ids = count(1)


def money(value: str | int | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def at(day: date) -> datetime:
    """A UTC moment on ``day`` in Sydney too (01:00 UTC is late morning there)."""
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)


def line(kind: str, quantity: str, unit: str, gst_mode: str = "inclusive", tax_code: str = "GST",
         description: str | None = None) -> dict[str, Any]:
    includes = rules.price_includes_gst(kind, gst_mode)
    qty4 = int(Decimal(quantity) * 10_000)
    amount, gst, total = rules.line_amounts(qty4, int(Decimal(unit) * 100), includes, tax_code)
    return {"kind": kind, "quantity": Decimal(quantity), "unit_price": money(unit), "price_includes_gst": includes,
            "line_amount": money(format_money(amount)), "gst": money(format_money(gst)),
            "line_total": money(format_money(total)), "tax_code": tax_code, "description": description or kind}


def invoice(number: str, lines: list[dict[str, Any]], *, day: date = DAY, gst_mode: str = "inclusive",
            status: str = "issued", xero_id: str | None = None, sync_status: str = "pending",
            customer_id: str = "cus_1", edited: date | None = None, locked: bool = False,
            amount_paid: str = "0", amount_credited: str = "0", registration: str | None = "ABC123",
            invoice_id: str | None = None, job_id: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An Auxo invoice row and its line rows (lines priced for ``gst_mode``)."""
    invoice_id = invoice_id or f"inv_{number}"
    priced = [dict(row, document_id=invoice_id, line_id=f"{invoice_id}_l{i}", line_no=i)
              for i, row in enumerate(lines)]
    subtotal = sum((row["line_amount"] for row in priced), Decimal("0.00"))
    gst = sum((row["gst"] for row in priced), Decimal("0.00"))
    total = sum((row["line_total"] for row in priced), Decimal("0.00"))
    paid, credited = money(amount_paid), money(amount_credited)
    row = {"id": invoice_id, "number": number, "invoice_date": day, "due_date": None, "customer_id": customer_id,
           "job_id": job_id, "vehicle_registration": registration, "gst_mode": gst_mode, "status": status,
           "subtotal": subtotal, "gst": gst, "total": total, "amount_paid": paid, "amount_credited": credited,
           "balance": total - paid - credited, "locked": locked, "xero_id": xero_id, "sync_status": sync_status,
           "created_at": at(day), "edited_at": at(edited or day)}
    return row, priced


def links(**customers: str | None) -> pl.DataFrame:
    return pl.DataFrame([{"connection_id": CID, "kind": "customer", "auxo_id": auxo_id,
                          "ref": f"contact:customer:{auxo_id}", "xero_contact_id": xero_id,
                          "link_source": "auxo" if xero_id else None} for auxo_id, xero_id in customers.items()],
                        schema=LINK_SCHEMA)


def xero_invoice(invoice_id: str, number: str, total: str, *, tax: str = "0", status: str = "AUTHORISED",
                 paid: str = "0", credited: str = "0", contact_id: str = "xc-1", reference: str = "ABC123",
                 day: date = DAY, updated: datetime | None = None) -> dict[str, Any]:
    total_ = money(total)
    return {"invoice_id": invoice_id, "type": "ACCREC", "invoice_number": number, "reference": reference,
            "contact_id": contact_id, "date": day, "status": status, "line_amount_types": "Inclusive",
            "sub_total": total_ - money(tax), "total_tax": money(tax), "total": total_,
            "amount_due": total_ - money(paid) - money(credited), "amount_paid": money(paid),
            "amount_credited": money(credited), "updated_at": updated or at(day), "dlt_id": f"d{next(_ids)}"}


def make_books(invoices: list[tuple[dict[str, Any], list[dict[str, Any]]]] = (), *,
               contacts: pl.DataFrame | None = None, known: dict[str, str] | None = None,
               allocated: frozenset[str] = frozenset(), **frames: list[dict[str, Any]]) -> Books:
    books = Books(CID, contacts=contacts if contacts is not None else links(cus_1="xc-1"), known=known or {},
                  allocated=allocated)
    rows = [row for row, _ in invoices]
    lines = [line for _, priced in invoices for line in priced]
    return books.with_frames(invoices=rows, invoice_lines=lines, **frames)


def credit(number: str, invoice_id: str, lines: list[dict[str, Any]], *, day: date = DAY,
           gst_mode: str = "inclusive", status: str = "issued", xero_id: str | None = None,
           customer_id: str = "cus_1", sync_status: str = "pending") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    credit_id = f"cr_{number}"
    priced = [dict(row, document_id=credit_id, line_id=f"{credit_id}_l{i}", line_no=i) for i, row in enumerate(lines)]
    row = {"id": credit_id, "number": number, "invoice_id": invoice_id, "customer_id": customer_id,
           "credit_date": day, "gst_mode": gst_mode, "reason": "Returned part",
           "subtotal": sum((r["line_amount"] for r in priced), Decimal("0.00")),
           "gst": sum((r["gst"] for r in priced), Decimal("0.00")),
           "total": sum((r["line_total"] for r in priced), Decimal("0.00")), "status": status, "xero_id": xero_id,
           "sync_status": sync_status}
    return row, priced


def payment(payment_id: str, invoice_id: str | None, amount: str, *, day: date = DAY, kind: str = "payment",
            source: str = "auxo", status: str = "active", method: str = "eftpos", xero_id: str | None = None,
            sync_status: str = "pending", job_id: str | None = None, reference: str | None = None,
            deleted: date | None = None, customer_id: str = "cus_1") -> dict[str, Any]:
    return {"id": payment_id, "kind": kind, "source": source, "status": status, "payment_date": day,
            "amount": money(amount), "method": method, "reference": reference, "customer_id": customer_id,
            "invoice_id": invoice_id, "job_id": job_id, "xero_id": xero_id, "sync_status": sync_status,
            "deleted_at": at(deleted) if deleted else None, "deleted_source": "auxo" if status == "deleted" else None}


def xero_payment(payment_id: str, invoice_id: str, amount: str, *, day: date = DAY, status: str = "AUTHORISED",
                 reference: str | None = None) -> dict[str, Any]:
    return {"payment_id": payment_id, "invoice_id": invoice_id, "date": day, "amount": money(amount),
            "reference": reference, "status": status, "payment_type": "ACCRECPAYMENT", "account_code": "615"}


def xero_credit_note(credit_note_id: str, number: str, total: str, *, status: str = "AUTHORISED") -> dict[str, Any]:
    return {"credit_note_id": credit_note_id, "type": "ACCRECCREDIT", "credit_note_number": number, "date": DAY,
            "status": status, "total": money(total), "dlt_id": f"d{next(_ids)}"}


def xero_allocation(allocation_id: str, source_id: str, invoice_id: str, amount: str, *,
                    deleted: bool = False) -> dict[str, Any]:
    return {"source_id": source_id, "allocation_id": allocation_id, "invoice_id": invoice_id, "amount": money(amount),
            "date": DAY, "is_deleted": deleted}
