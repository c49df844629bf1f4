"""A warehouse with every staging table built empty (typed), the ledger, and helpers to add rows by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from assets.recon.tables import create_views
from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import stage
from assets.staging.xero import XERO_STAGING
from mappings import load_mappings
from pipelines import warehouse
from pipelines.sync import ledger

START = date(2026, 3, 1)


class Books:
    """A hand-made warehouse: ``add`` rows to staging (or anything), ``write`` ledger rows, ``views()``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def add(self, table: str, **row: Any) -> None:
        row.setdefault("connection_id", "default")
        columns = ", ".join(row)
        self.con.execute(f"insert into {table} ({columns}) values ({', '.join('?' for _ in row)})", list(row.values()))

    def write(self, ref: str, status: str, *, entity: str = "invoice", operation: str = "create",
              target: str = "xero", **fields: Any) -> None:
        """A ledger row for ``ref`` in ``status`` (``target_id``, ``error_*``, ``business_date`` in ``fields``)."""
        self.add("sync.write_ledger", idempotency_key=f"{entity}-{operation}-{uuid.uuid4().hex}", target=target,
                 entity=entity, operation=operation, ref=ref, source_id=ref.split(":", 1)[1], payload="{}",
                 payload_hash="0", status=status, attempts=1, updated_at=fields.pop("updated_at", "2026-03-02"),
                 confirmed_at="2026-03-02" if status == "confirmed" else None, **fields)

    def views(self) -> None:
        create_views(self.con, load_mappings())

    def rows(self, sql: str) -> pl.DataFrame:
        return self.con.sql(sql).pl()

    def one(self, sql: str) -> dict[str, Any]:
        frame = self.rows(sql)
        assert frame.height == 1, frame
        return frame.row(0, named=True)


@pytest.fixture
def books(tmp_path: Path) -> Iterator[Books]:
    with warehouse.connect(tmp_path / "warehouse.duckdb") as con:
        for spec in (*XERO_STAGING, *AUXO_STAGING):
            stage(con, spec)  # no raw tables yet: every staging table is created empty, with its types
        ledger.ensure_ledger(con)
        book = Books(con)
        book.add("staging.auxo_sync_settings", send_purchase_orders=True, create_inventory_journals=True,
                 sync_start_date=START)
        for setting in ("send_purchase_orders", "create_inventory_journals"):
            book.add("staging.auxo_sync_setting_history", setting=setting, value=True, changed_at="2026-01-01")
        book.add("staging.xero_accounts", account_id="a610", code="610", name="Accounts Receivable",
                 type="CURRENT", status="ACTIVE", system_account="DEBTORS")
        book.add("staging.xero_accounts", account_id="a615", code="615", name="Payment Clearing", type="CURRENT",
                 status="ACTIVE", enable_payments=True)
        yield book
