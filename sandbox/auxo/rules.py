"""The business rules Auxo has, on wire-shaped records (dicts of strings, as the API serves them).

One place for the arithmetic and the rules, used by the sandbox's writes and admin actions and
checked against the generator's vectorised version in the tests: line GST, invoice totals and
balance, when an invoice is locked, purchase order totals and the weighted average cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.auxo.money import (
    QTY_SCALE,
    div_round,
    extend,
    format_money,
    gst_in_inclusive,
    gst_on_exclusive,
    parse_money,
    parse_quantity,
)

Record = dict[str, Any]

LINE_KINDS = ("labour", "part", "sundry", "freight", "discount", "xero_adjustment")
SUPPLIES = ("stock", "job_po", "direct")
ALWAYS_EXCLUSIVE_KINDS = frozenset({"freight", "discount", "xero_adjustment"})


class RuleError(Exception):
    """A business rule refused the change: ``code`` is the API error code."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status


def price_includes_gst(kind: str, gst_mode: str) -> bool:
    """Freight and discount lines are GST-exclusive even on GST-inclusive invoices (DESIGN.md)."""
    return gst_mode == "inclusive" and kind not in ALWAYS_EXCLUSIVE_KINDS


def line_amounts(qty4: int, unit_cents: int, includes_gst: bool, tax_code: str) -> tuple[int, int, int]:
    """``(line_amount, gst, line_total)`` in cents: GST per line, rounded half-up."""
    extended = extend(qty4, unit_cents)
    if tax_code == "FRE":
        return extended, 0, extended
    if includes_gst:
        gst = gst_in_inclusive(extended)
        return extended - gst, gst, extended
    gst = gst_on_exclusive(extended)
    return extended, gst, extended + gst


def price_line(line: Record, gst_mode: str) -> Record:
    """Fill a line's computed fields from kind, quantity, unit price and tax code."""
    if line["kind"] == "xero_adjustment":  # amounts are set by the sync, not computed
        amount, gst = parse_money(line["line_amount"]), parse_money(line["gst"])
        return {**line, "line_total": format_money(amount + gst), "price_includes_gst": False}
    includes = price_includes_gst(line["kind"], gst_mode)
    amount, gst, total = line_amounts(parse_quantity(line["quantity"]), parse_money(line["unit_price"]),
                                      includes, line.get("tax_code") or "GST")
    return {**line, "price_includes_gst": includes, "line_amount": format_money(amount),
            "gst": format_money(gst), "line_total": format_money(total)}


def document_totals(lines: Iterable[Record]) -> tuple[int, int, int]:
    subtotal = gst = total = 0
    for line in lines:
        subtotal += parse_money(line["line_amount"])
        gst += parse_money(line["gst"])
        total += parse_money(line["line_total"])
    return subtotal, gst, total


def refresh_invoice(invoice: Record, payments: Iterable[Record], credits: Iterable[Record]) -> Record:
    """Totals, amounts matched, balance, status and lock of an invoice from its lines and matches."""
    subtotal, gst, total = document_totals(invoice["lines"])
    active_payments = [p for p in payments if p["status"] == "active" and p["invoice_id"] == invoice["id"]]
    active_credits = [c for c in credits if c["status"] == "issued"]
    paid = sum(parse_money(p["amount"]) for p in active_payments)
    credited = sum(parse_money(c["total"]) for c in active_credits)
    credited += sum(parse_money(a["amount"]) for a in invoice["xero_allocations"])
    status = invoice["status"]
    balance = 0 if status == "void" else total - paid - credited
    if status in ("issued", "paid"):
        status = "paid" if balance == 0 and total != 0 else "issued"
    return {
        **invoice,
        "subtotal": format_money(subtotal), "gst": format_money(gst), "total": format_money(total),
        "amount_paid": format_money(paid), "amount_credited": format_money(credited),
        "balance": format_money(balance), "status": status,
        "locked": bool(active_payments or active_credits or invoice["xero_allocations"]),
    }


def ensure_editable(invoice: Record) -> None:
    """An invoice stays editable until a payment, deposit or credit is matched to it."""
    if invoice["status"] == "void":
        raise RuleError("invoice_void", f"Invoice {invoice['number']} is void.", {"invoice_id": invoice["id"]})
    if invoice["locked"]:
        raise RuleError("invoice_locked",
                        f"Invoice {invoice['number']} has a payment or credit matched to it and can no longer be edited.",
                        {"invoice_id": invoice["id"]})


def ensure_within_balance(invoice: Record, amount_cents: int) -> None:
    if invoice["status"] == "void":
        raise RuleError("invoice_void", f"Invoice {invoice['number']} is void.", {"invoice_id": invoice["id"]})
    if amount_cents <= 0:
        raise RuleError("invalid", "The amount must be positive.", {"field": "amount"})
    balance = parse_money(invoice["balance"])
    if amount_cents > balance:
        raise RuleError("amount_exceeds_balance",
                        f"{format_money(amount_cents)} is more than the balance {format_money(balance)} "
                        f"of invoice {invoice['number']}.",
                        {"invoice_id": invoice["id"], "balance": format_money(balance)})


def price_purchase_order(order: Record) -> Record:
    """Line amounts and GST per line, freight GST, and totals including the rounding adjustment."""
    lines = []
    for line in order["lines"]:
        amount, gst, _ = line_amounts(parse_quantity(line["quantity"]), parse_money(line["unit_cost"]), False,
                                      line.get("tax_code") or "GST")
        lines.append({**line, "line_amount": format_money(amount), "gst": format_money(gst)})
    freight = parse_money(order["freight"])
    freight_gst = gst_on_exclusive(freight)
    rounding = parse_money(order["rounding_adjustment"])
    if abs(rounding) > 1:
        raise RuleError("invalid", "A rounding adjustment is at most one cent either way.",
                        {"field": "rounding_adjustment"}, status=400)
    subtotal = sum(parse_money(line["line_amount"]) for line in lines) + freight
    gst = sum(parse_money(line["gst"]) for line in lines) + freight_gst
    return {**order, "lines": lines, "freight_gst": format_money(freight_gst), "subtotal": format_money(subtotal),
            "gst": format_money(gst), "total": format_money(subtotal + gst + rounding)}


def weighted_average_cost(on_hand4: int, average_cents: int, received4: int, unit_cost_cents: int) -> int:
    """The average cost after receiving ``received4`` at ``unit_cost_cents`` (negative stock counts as 0)."""
    held = max(on_hand4, 0)
    if held + received4 <= 0:
        return unit_cost_cents
    return div_round(held * average_cents + received4 * unit_cost_cents, held + received4)


def adjustment_value(quantity_change4: int, unit_cost_cents: int) -> int:
    return extend(quantity_change4, unit_cost_cents)


__all__ = [
    "ALWAYS_EXCLUSIVE_KINDS",
    "LINE_KINDS",
    "QTY_SCALE",
    "SUPPLIES",
    "RuleError",
    "adjustment_value",
    "document_totals",
    "ensure_editable",
    "ensure_within_balance",
    "line_amounts",
    "price_includes_gst",
    "price_line",
    "price_purchase_order",
    "refresh_invoice",
    "weighted_average_cost",
]
