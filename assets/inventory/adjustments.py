"""Stock adjustments and stocktakes as manual journals: Stock on Hand against Stock Adjustment.

Every Auxo stock adjustment — a manual one, or one counted part of a stocktake (Auxo records one
adjustment per part whose count differed) — becomes one journal for its ``value`` (the quantity
change at the part's average cost then, valued by Auxo): an increase is Dr Stock on Hand, Cr Stock
Adjustment; a decrease the other way round. Only while "Create Inventory Journals" was on when the
adjustment was made (``created_at``; a backfill widens it, :mod:`assets.inventory.toggles`), for
adjustments the sync covers, dated the adjustment date. Narration ``Stock adjustment ADJ-000123`` or
``Stocktake ST-0004 (ADJ-000123)``; the lines name the adjustment. A zero value gets no journal.
Auxo records the journal's id on the adjustment.
"""

from __future__ import annotations

import polars as pl

from assets.inventory.amounts import cents, money
from assets.inventory.cogs import quantity_text
from assets.inventory.inputs import AdjustmentInputs, Window
from assets.inventory.journals import JOURNAL_SCHEMA, InventoryPlan, plan_journals
from assets.inventory.toggles import CREATE_INVENTORY_JOURNALS, covered, in_scope
from mappings import Mappings
from pipelines.sync.refs import stock_journal_ref

PLAN_ASSET = "stock_adjustment_journals"
DESCRIPTION_CHARS = 80


def narration() -> pl.Expr:
    stocktake = pl.coalesce("stocktake_number", "stocktake_id")
    return (pl.when((pl.col("kind") == "stocktake") & stocktake.is_not_null())
            .then(pl.lit("Stocktake ") + stocktake + pl.lit(" (") + pl.col("number") + pl.lit(")"))
            .otherwise(pl.lit("Stock adjustment ") + pl.col("number")))


def plan_stock_adjustment_journals(inputs: AdjustmentInputs, mappings: Mappings, window: Window, *,
                                   backfill: bool = False) -> InventoryPlan:
    """One journal per stock adjustment or stocktake line dated in ``window`` (see the module docstring)."""
    accounts = mappings.accounts.inventory
    parts = inputs.parts.select(part_id="id", part_number="part_number", part_description="description")
    adjustments = inputs.adjustments.filter(window.expr("adjustment_date")
                                            & in_scope("adjustment_date", "sync_status", inputs.settings))
    adjustments = covered(adjustments, inputs.settings, CREATE_INVENTORY_JOURNALS, "created_at", backfill=backfill,
                          name="journals_on")
    todo = (adjustments.join(parts, on="part_id", how="left")
            .with_columns(ref=pl.lit(stock_journal_ref("")) + pl.col("id"), value_cents=cents("value"))
            .filter(pl.col("journals_on") & pl.col("xero_id").is_null() & ~pl.col("ref").is_in(sorted(inputs.known))
                    & (pl.col("value_cents") != 0)))
    increase = pl.col("value_cents") > 0
    sign = pl.when(pl.col("quantity_change") > 0).then(pl.lit("+")).otherwise(pl.lit(""))
    journals = todo.select(
        connection_id=pl.lit(inputs.connection_id), ref="ref", kind=pl.lit("stock_adjustment"), source_id="id",
        document_id="id", document_number="number", business_date="adjustment_date", narration=narration(),
        supply=pl.lit(None, pl.String), amount=money(pl.col("value_cents").abs()),
        debit_account=pl.when(increase).then(pl.lit(accounts.stock_on_hand)).otherwise(pl.lit(accounts.stock_adjustment)),
        credit_account=pl.when(increase).then(pl.lit(accounts.stock_adjustment)).otherwise(pl.lit(accounts.stock_on_hand)),
        description=pl.concat_str([
            pl.col("number"), pl.lit(" "), pl.col("id"), pl.lit(": "), sign + quantity_text("quantity_change"),
            pl.lit(" × "),
            pl.concat_str([pl.coalesce("part_number", "part_id"),
                           pl.col("part_description").str.slice(0, DESCRIPTION_CHARS)], separator=" ",
                          ignore_nulls=True),
            pl.lit(" @ "), pl.col("unit_cost").cast(pl.String),
            pl.when(pl.col("reason").is_not_null()).then(pl.lit(" — ") + pl.col("reason")).otherwise(pl.lit(""))]),
        tracking_kind=pl.lit("stock_adjustment"), depends_on=pl.lit([], dtype=pl.List(pl.String)),
        writeback_resource=pl.lit("stock-adjustments"), writeback_id="id", writeback_line_id=pl.lit(None, pl.String))
    frame = journals.select([pl.col(c).cast(t) for c, t in JOURNAL_SCHEMA.items()]).sort("business_date", "ref")
    return plan_journals(frame, mappings, PLAN_ASSET, [])
