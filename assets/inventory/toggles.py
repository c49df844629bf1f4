"""Auxo's two sync switches, as they stood when each document happened.

"Send Purchase Orders to Xero" and "Create Inventory Journals (COGS & Stock on Hand)" are Auxo's
settings; Auxo keeps every switch in ``history``. The value in force for a document is the last
switch of that setting at or before the document's moment — an invoice's ``created_at``, a purchase
order's ``received_at``, a stock adjustment's ``created_at`` (docs/auxo-api.md, sync-settings).
So switching a setting off stops new journals and bills from that moment and changes nothing
already posted; switching it on later does not reach back, unless a backfill is asked for: then a
document the setting did not cover is planned too, provided the setting is on *now*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from assets.sql_rules import SqlRule

SEND_PURCHASE_ORDERS = "send_purchase_orders"
CREATE_INVENTORY_JOURNALS = "create_inventory_journals"
SETTINGS = (SEND_PURCHASE_ORDERS, CREATE_INVENTORY_JOURNALS)

HISTORY_SCHEMA = {"setting": pl.String, "value": pl.Boolean, "changed_at": pl.Datetime("us", "UTC")}
_NEVER = pl.datetime(1, 1, 1, time_zone="UTC")


@dataclass(frozen=True)
class SyncSettings:
    """One connection's switch history (``setting, value, changed_at``) and sync start date."""

    history: pl.DataFrame
    sync_start_date: date | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple[str, bool, object]], sync_start_date: date | None = None) -> SyncSettings:
        frame = pl.DataFrame(rows, schema=HISTORY_SCHEMA, orient="row") if rows else pl.DataFrame(
            schema=HISTORY_SCHEMA)
        return cls(frame, sync_start_date)

    def is_on_now(self, setting: str) -> bool:
        """The setting's latest value (off when Auxo never reported it)."""
        switches = self.history.filter(pl.col("setting") == setting)
        return bool(switches.sort("changed_at", maintain_order=True)["value"][-1]) if switches.height else False


def in_force(frame: pl.DataFrame, settings: SyncSettings, setting: str, moment: str,
             name: str = "setting_on") -> pl.DataFrame:
    """``frame`` with a boolean ``name``: was ``setting`` on at each row's ``moment``? (set-based as-of join).

    A moment before the first recorded switch, or a missing moment, counts as off.
    """
    if setting not in SETTINGS:
        raise ValueError(f"unknown Auxo sync setting {setting!r}; expected one of {', '.join(SETTINGS)}")
    switches = (settings.history.filter(pl.col("setting") == setting)
                .select(pl.col("changed_at").cast(pl.Datetime("us", "UTC")).alias("_at"),
                        pl.col("value").alias("_value"))
                .sort("_at", maintain_order=True)
                .unique("_at", keep="last", maintain_order=True))  # two switches at one instant: the later one
    left = (frame.with_row_index("_row")
            .with_columns(pl.col(moment).cast(pl.Datetime("us", "UTC")).fill_null(_NEVER).alias("_at"))
            .sort("_at"))
    joined = left.join_asof(switches, on="_at", strategy="backward")
    return (joined.sort("_row").with_columns(pl.col("_value").fill_null(False).alias(name))
            .drop("_row", "_at", "_value"))


def covered(frame: pl.DataFrame, settings: SyncSettings, setting: str, moment: str, *, backfill: bool,
            name: str = "setting_on") -> pl.DataFrame:
    """Like :func:`in_force`, widened by a backfill: with ``backfill`` every row counts as covered when
    the setting is on now (history before the switch-on is posted on request, never by default)."""
    out = in_force(frame, settings, setting, moment, name)
    if backfill and settings.is_on_now(setting):
        out = out.with_columns(pl.lit(True).alias(name))
    return out


# documents the sync covers at all: not ``not_required`` in Auxo, and dated on or after the sync start
# date (documents before it predate the Xero connection); no start date: every date
IN_SYNC_SCOPE = SqlRule(
    "in_sync_scope", ("sync_status", "document_date", "sync_start_date"),
    "coalesce({sync_status}, 'pending') <> 'not_required' AND ({sync_start_date} IS NULL OR {document_date} >= {sync_start_date})")


def in_scope(date_column: str, sync_status_column: str, settings: SyncSettings) -> pl.Expr:
    """Documents the sync covers at all (:data:`IN_SYNC_SCOPE`, the rule the recon views share)."""
    return IN_SYNC_SCOPE.expr({"sync_start_date": settings.sync_start_date}, sync_status=sync_status_column,
                              document_date=date_column)
