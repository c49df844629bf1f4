"""``plans.invoice_exceptions``: what the money plans deliberately did not do, or did and must tell.

A person reads this table (and the plan assets' metadata, and the asset checks that warn on it):
an Auxo edit not sent because Xero already has money matched to the invoice, a payment entered
in both systems, a number already used in Xero, a document voided or a payment deleted in Xero
and mirrored into Auxo. Each plan asset replaces its own rows for the days it planned, exactly as
``plans.write_plan`` is replaced (undated rows wholesale).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

TABLE = "plans.invoice_exceptions"

# reason -> what happened (for the docs and the UI)
REASONS = {
    "edit_blocked": "edited in Auxo after a payment or credit was matched in Xero: not sent to Xero",
    "number_clash": "its number is already used by another Xero invoice: Xero refuses it (sync error)",
    "totals_cannot_match": "no set of Xero lines gives Auxo's total and GST to the cent: not sent",
    "payment_in_both_systems": "the same payment was entered in Auxo and in Xero: neither copied, one must go",
    "payment_exceeds_amount_due": "more than the invoice's amount due in Xero: not sent",
    "missing_invoice": "its invoice is not in Auxo's data: not sent",
    "deposit_deleted": "a deposit deleted in Auxo after it reached Xero: remove the prepayment in Xero",
    "credit_voided": "a credit voided in Auxo after it reached Xero: void the credit note in Xero",
    "xero_invoice_voided": "voided or deleted in Xero: the Auxo invoice is voided too",
    "xero_payment_deleted": "a payment deleted (or a deposit's prepayment voided) in Xero: deleted in Auxo too",
    "xero_credit_note_voided": "a credit note of an Auxo credit was voided in Xero: Auxo cannot follow, check it",
    "xero_allocation_removed": "a Xero credit allocation Auxo recorded was removed in Xero: Auxo cannot follow",
}

SCHEMA = {"connection_id": pl.String, "business_date": pl.Date, "reason": pl.String, "document": pl.String,
          "auxo_id": pl.String, "xero_id": pl.String, "detail": pl.String, "plan_asset": pl.String}


@dataclass(frozen=True)
class Finding:
    """One row of ``plans.invoice_exceptions``."""

    connection_id: str
    business_date: date | None
    reason: str
    document: str
    auxo_id: str | None
    xero_id: str | None
    detail: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown exception reason {self.reason!r}")


def findings_frame(rows: list[Finding], plan_asset: str) -> pl.DataFrame:
    return pl.DataFrame([{**row.__dict__, "plan_asset": plan_asset} for row in rows], schema=SCHEMA)


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS plans")
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (connection_id VARCHAR, business_date DATE, reason VARCHAR, "
                "document VARCHAR, auxo_id VARCHAR, xero_id VARCHAR, detail VARCHAR, plan_asset VARCHAR)")


def store_findings(con: duckdb.DuckDBPyConnection, plan_asset: str, frame: pl.DataFrame,
                   first: date | None = None, last: date | None = None) -> int:
    """Replace ``plan_asset``'s rows for ``[first, last]`` (all of them when undated) with ``frame``."""
    ensure_table(con)
    frame = frame.with_columns(plan_asset=pl.lit(plan_asset)).select(list(SCHEMA))
    con.execute("BEGIN TRANSACTION")
    try:
        if first is None:
            con.execute(f"delete from {TABLE} where plan_asset = ?", [plan_asset])
        else:
            con.execute(f"delete from {TABLE} where plan_asset = ? and business_date between ? and ?",
                        [plan_asset, first, last or first])
        if not frame.is_empty():
            con.execute(f"insert into {TABLE} by name select * from frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return frame.height
