"""What the inventory planners read: typed frames of staged Auxo records, one connection at a time.

The planners are pure functions of these dataclasses, the mappings and the days planned; the
asset reads them from DuckDB (:mod:`assets.inventory.tables`), tests build them by hand with
:func:`typed` (missing columns are null).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from assets.inventory.amounts import Money
from assets.inventory.cost_at import HISTORY_SCHEMA as COST_HISTORY_SCHEMA
from assets.inventory.toggles import SyncSettings
from assets.window import Window  # noqa: F401 - the planners take their days from here

Quantity = pl.Decimal(18, 4)
Timestamp = pl.Datetime("us", "UTC")

INVOICE_SCHEMA = {"id": pl.String, "number": pl.String, "invoice_date": pl.Date, "status": pl.String,
                  "created_at": Timestamp, "voided_at": Timestamp, "sync_status": pl.String, "xero_id": pl.String,
                  "xero_status": pl.String, "xero_updated_at": Timestamp}  # the last two: Xero's invoice, as staged
LINE_SCHEMA = {"document_id": pl.String, "line_id": pl.String, "line_no": pl.Int64, "kind": pl.String,
               "description": pl.String, "part_id": pl.String, "supply": pl.String,
               "purchase_order_id": pl.String, "quantity": Quantity, "xero_cogs_journal_id": pl.String}
PART_SCHEMA = {"id": pl.String, "part_number": pl.String, "description": pl.String, "stocked": pl.Boolean}
CREDIT_SCHEMA = {"id": pl.String, "number": pl.String, "invoice_id": pl.String, "credit_date": pl.Date,
                 "status": pl.String, "sync_status": pl.String, "xero_id": pl.String}
PURCHASE_ORDER_SCHEMA = {
    "id": pl.String, "number": pl.String, "kind": pl.String, "job_id": pl.String, "supplier_id": pl.String,
    "supplier_reference": pl.String, "status": pl.String, "received_at": Timestamp, "received_date": pl.Date,
    "freight": Money, "freight_gst": Money, "rounding_adjustment": Money, "subtotal": Money, "gst": Money,
    "total": Money, "sync_status": pl.String, "xero_id": pl.String}
PURCHASE_ORDER_LINE_SCHEMA = {
    "purchase_order_id": pl.String, "line_id": pl.String, "line_no": pl.Int64, "part_id": pl.String,
    "description": pl.String, "quantity": Quantity, "unit_cost": Money, "line_amount": Money, "gst": Money,
    "tax_code": pl.String}
SUPPLIER_SCHEMA = {"id": pl.String, "name": pl.String, "xero_contact_id": pl.String}
ADJUSTMENT_SCHEMA = {
    "id": pl.String, "number": pl.String, "kind": pl.String, "stocktake_id": pl.String,
    "stocktake_number": pl.String, "part_id": pl.String, "adjustment_date": pl.Date, "quantity_change": Quantity,
    "unit_cost": Money, "value": Money, "reason": pl.String, "created_at": Timestamp, "sync_status": pl.String,
    "xero_id": pl.String}


def typed(rows: Iterable[Mapping[str, Any]] | pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """A frame with exactly ``schema``'s columns and types (rows may leave columns out: null)."""
    if isinstance(rows, pl.DataFrame):
        missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.items() if name not in rows.columns]
        return rows.with_columns(missing).select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    data = [{name: row.get(name) for name in schema} for row in rows]
    return pl.DataFrame(data, schema=dict(schema), strict=False)


@dataclass(frozen=True)
class CogsInputs:
    """Invoices (the window's, those credited in the window, and those voided after their COGS journals
    were posted) with their lines, the parts and their cost history, the window's credits with their
    lines, and the refs the ledger already created."""

    connection_id: str
    settings: SyncSettings
    invoices: pl.DataFrame = field(default_factory=lambda: typed([], INVOICE_SCHEMA))
    lines: pl.DataFrame = field(default_factory=lambda: typed([], LINE_SCHEMA))
    parts: pl.DataFrame = field(default_factory=lambda: typed([], PART_SCHEMA))
    cost_history: pl.DataFrame = field(default_factory=lambda: typed([], COST_HISTORY_SCHEMA))
    credits: pl.DataFrame = field(default_factory=lambda: typed([], CREDIT_SCHEMA))
    credit_lines: pl.DataFrame = field(default_factory=lambda: typed([], LINE_SCHEMA))
    known: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BillInputs:
    """Purchase orders received in the window, their lines, their suppliers' Xero links."""

    connection_id: str
    settings: SyncSettings
    purchase_orders: pl.DataFrame = field(default_factory=lambda: typed([], PURCHASE_ORDER_SCHEMA))
    lines: pl.DataFrame = field(default_factory=lambda: typed([], PURCHASE_ORDER_LINE_SCHEMA))
    suppliers: pl.DataFrame = field(default_factory=lambda: typed([], SUPPLIER_SCHEMA))
    parts: pl.DataFrame = field(default_factory=lambda: typed([], PART_SCHEMA))
    known: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AdjustmentInputs:
    """Stock adjustments and stocktake lines dated in the window, and the parts they move."""

    connection_id: str
    settings: SyncSettings
    adjustments: pl.DataFrame = field(default_factory=lambda: typed([], ADJUSTMENT_SCHEMA))
    parts: pl.DataFrame = field(default_factory=lambda: typed([], PART_SCHEMA))
    known: frozenset[str] = frozenset()
