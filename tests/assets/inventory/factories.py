"""Hand-made inventory inputs: a few rows each, every other column null."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from assets.inventory.cost_at import HISTORY_SCHEMA
from assets.inventory.inputs import (
    ADJUSTMENT_SCHEMA,
    CREDIT_SCHEMA,
    INVOICE_SCHEMA,
    LINE_SCHEMA,
    PART_SCHEMA,
    PURCHASE_ORDER_LINE_SCHEMA,
    PURCHASE_ORDER_SCHEMA,
    SUPPLIER_SCHEMA,
    AdjustmentInputs,
    BillInputs,
    CogsInputs,
    Window,
    typed,
)
from assets.inventory.toggles import SyncSettings
from mappings import load_mappings

CID = "conn-1"
DAY = date(2026, 3, 2)
WINDOW = Window(DAY, DAY)
MAPPINGS = load_mappings()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def settings(*switches: tuple[str, bool, datetime], start: date | None = date(2026, 1, 1)) -> SyncSettings:
    return SyncSettings.from_rows(list(switches), start)


ALL_ON = settings(("create_inventory_journals", True, at(1, 0)), ("send_purchase_orders", True, at(1, 0)))


def d(value: str) -> Decimal:
    return Decimal(value)


def invoice(id: str = "inv_1", number: str = "INV-000001", created: datetime | None = None, **kw: Any) -> dict:
    return {"id": id, "number": number, "invoice_date": DAY, "status": "issued", "created_at": created or at(2, 1),
            "sync_status": "pending", **kw}


def part_line(line_id: str, part_id: str, quantity: str, supply: str | None = "stock", document_id: str = "inv_1",
              line_no: int = 0, **kw: Any) -> dict:
    return {"document_id": document_id, "line_id": line_id, "line_no": line_no, "kind": "part", "part_id": part_id,
            "supply": supply, "quantity": d(quantity), "description": f"part {part_id}", **kw}


def part(id: str, number: str, stocked: bool = True, description: str = "Brake pads") -> dict:
    return {"id": id, "part_number": number, "description": description, "stocked": stocked}


def cost(part_id: str, when: datetime, amount: str, id: str | None = None) -> dict:
    return {"part_id": part_id, "effective_at": when, "average_cost": d(amount), "id": id or f"pch_{part_id}_{when:%d%H%M}"}


def cogs_inputs(invoices: list[dict], lines: list[dict], parts: list[dict], history: list[dict], *,
                sync: SyncSettings = ALL_ON, credits: list[dict] = (), credit_lines: list[dict] = (),
                known: frozenset[str] = frozenset()) -> CogsInputs:
    return CogsInputs(CID, sync, typed(invoices, INVOICE_SCHEMA), typed(lines, LINE_SCHEMA), typed(parts, PART_SCHEMA),
                      typed(history, HISTORY_SCHEMA), typed(list(credits), CREDIT_SCHEMA),
                      typed(list(credit_lines), LINE_SCHEMA), known)


def purchase_order(id: str = "po_1", number: str = "PO-000001", kind: str = "stock", lines_amount: str = "0.00",
                   lines_gst: str = "0.00", freight: str = "0.00", freight_gst: str = "0.00",
                   rounding: str = "0.00", received: datetime | None = None, **kw: Any) -> dict:
    subtotal = d(lines_amount) + d(freight)
    gst = d(lines_gst) + d(freight_gst)
    return {"id": id, "number": number, "kind": kind, "supplier_id": "sup_1", "supplier_reference": None,
            "status": "received", "received_at": received or at(2, 2), "received_date": DAY, "freight": d(freight),
            "freight_gst": d(freight_gst), "rounding_adjustment": d(rounding), "subtotal": subtotal, "gst": gst,
            "total": subtotal + gst + d(rounding), "sync_status": "pending", **kw}


def po_line(line_id: str, quantity: str, unit_cost: str, line_amount: str, gst: str, purchase_order_id: str = "po_1",
            line_no: int = 0, tax_code: str = "GST", part_id: str = "prt_1") -> dict:
    return {"purchase_order_id": purchase_order_id, "line_id": line_id, "line_no": line_no, "part_id": part_id,
            "description": f"Part {part_id}", "quantity": d(quantity), "unit_cost": d(unit_cost),
            "line_amount": d(line_amount), "gst": d(gst), "tax_code": tax_code}


def bill_inputs(orders: list[dict], lines: list[dict], *, sync: SyncSettings = ALL_ON,
                suppliers: list[dict] = ({"id": "sup_1", "name": "Parts Co", "xero_contact_id": "xc-1"},),
                known: frozenset[str] = frozenset()) -> BillInputs:
    return BillInputs(CID, sync, typed(orders, PURCHASE_ORDER_SCHEMA), typed(lines, PURCHASE_ORDER_LINE_SCHEMA),
                      typed(list(suppliers), SUPPLIER_SCHEMA), typed([], PART_SCHEMA), known)


def adjustment(id: str, value: str, quantity: str, unit_cost: str = "10.00", kind: str = "adjustment",
               created: datetime | None = None, **kw: Any) -> dict:
    return {"id": id, "number": f"ADJ-{id[-3:]}", "kind": kind, "part_id": "prt_1", "adjustment_date": DAY,
            "quantity_change": d(quantity), "unit_cost": d(unit_cost), "value": d(value), "reason": "Damaged",
            "created_at": created or at(2, 3), "sync_status": "pending", **kw}


def adjustment_inputs(adjustments: list[dict], *, sync: SyncSettings = ALL_ON,
                      known: frozenset[str] = frozenset()) -> AdjustmentInputs:
    return AdjustmentInputs(CID, sync, typed(adjustments, ADJUSTMENT_SCHEMA),
                            typed([part("prt_1", "BRK-1")], PART_SCHEMA), known)
