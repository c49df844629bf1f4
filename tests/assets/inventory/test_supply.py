"""The effective-supply rule and the sync's scope: one SQL text each, read by polars (the planners) and
DuckDB (the recon views).

Both engines must give the same answer: on every combination of the rule's inputs, and on the
generator's ``tiny`` workshop, where the planner's costed lines (``cogs.costed_lines``) are exactly
the COGS rows of ``recon.documents``, with the same supply and the same stock account.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import product
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.inventory import supply
from assets.inventory.cogs import costed_lines
from assets.inventory.inputs import Window
from assets.inventory.tables import read_cogs_inputs
from assets.inventory.toggles import SyncSettings, in_scope
from assets.recon.tables import create_views
from assets.staging.build import stage
from assets.staging.xero import XERO_STAGING
from bench.raw_load import load_auxo_raw, stage_all
from mappings import load_mappings
from pipelines import warehouse
from sandbox.generator import generate

CASES = pl.DataFrame(
    [{"supply": s, "purchase_order_id": po, "stocked": st}
     for s, po, st in product([*supply.SUPPLIES, None], ["po_1", None], [True, False, None])],
    schema={"supply": pl.String, "purchase_order_id": pl.String, "stocked": pl.Boolean})


def test_polars_and_duckdb_read_every_case_of_the_rule_alike() -> None:
    by_polars = CASES.with_columns(effective=supply.effective_supply()).with_columns(
        costed=supply.costed("effective"), account=supply.stock_account("effective", "630", "635"))
    con = duckdb.connect()
    supply.create_macros(con)
    by_duckdb = con.sql(
        "select *, recon.costed_supply(effective) as costed, "
        "CASE recon.stock_account_role(effective) WHEN 'stock_on_hand' THEN '630' ELSE '635' END AS account "
        "from (select *, recon.effective_supply(supply, purchase_order_id, stocked) as effective from CASES)").pl()
    assert by_polars.to_dicts() == by_duckdb.to_dicts()
    assert set(by_polars["effective"]) == set(supply.SUPPLIES)
    assert by_polars.filter(pl.col("costed"))["effective"].unique().sort().to_list() == ["job_po", "stock"]


def test_polars_and_duckdb_read_the_sync_scope_alike() -> None:
    cases = pl.DataFrame([{"sync_status": s, "day": d} for s, d in product(
        [None, "pending", "synced", "not_required"], [date(2025, 12, 31), date(2026, 1, 1), None])],
        schema={"sync_status": pl.String, "day": pl.Date})
    con = duckdb.connect()
    supply.create_macros(con)
    for start in (date(2026, 1, 1), None):
        by_polars = cases.select(in_scope("day", "sync_status", SyncSettings.from_rows([], start)))
        by_duckdb = con.sql("select recon.in_sync_scope(sync_status, day, ?::DATE) as in_sync_scope from cases",
                            params=[start]).pl()
        assert by_polars.to_series().to_list() == by_duckdb.to_series().to_list(), start


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path: Path = tmp_path_factory.mktemp("supply") / "warehouse.duckdb"
    with warehouse.connect(path) as con:
        load_auxo_raw(con, generate("tiny", 42, date(2026, 3, 1)))
        stage_all(con, ("auxo",))
        for spec in XERO_STAGING:  # no Xero extraction: empty, typed tables for the views
            stage(con, spec)
        create_views(con, load_mappings())
        yield con


# the COGS rows of recon.documents, with each line's supply and stock account as documents.sql reads them
SQL_COSTED = """
select l.document_id, l.line_id, l.supply, a.account_code as account
from recon.documents d
join (select l.connection_id, l.document_id, l.line_id,
             recon.effective_supply(l.supply, l.purchase_order_id, p.stocked) as supply
      from staging.auxo_invoice_lines l
      left join staging.auxo_parts p on p.connection_id = l.connection_id and p.id = l.part_id) l
  on l.connection_id = d.connection_id and l.line_id = d.auxo_id
join recon.mapped_accounts a on a.key = 'inventory.' || recon.stock_account_role(l.supply)
where d.document_kind = 'cogs_journal'
"""


def test_the_planner_and_recon_documents_cost_the_same_lines_of_the_tiny_workshop(tiny) -> None:
    accounts = load_mappings().accounts.inventory
    inputs = read_cogs_inputs(tiny, "default", Window(date(2000, 1, 1), date(2100, 1, 1)))
    by_planner = costed_lines(inputs).filter(supply.costed()).select(
        "document_id", "line_id", "supply",
        account=supply.stock_account("supply", accounts.stock_on_hand, accounts.work_in_progress))
    # recon.documents lists the costed lines of every invoice; the planner reads those the sync covers
    by_views = tiny.sql(SQL_COSTED).pl().filter(pl.col("document_id").is_in(inputs.invoices["id"].implode()))
    assert set(by_planner["supply"]) == {"stock", "job_po"}
    assert by_planner.sort("line_id").to_dicts() == by_views.sort("line_id").to_dicts()
    supplies = tiny.sql("select distinct recon.effective_supply(l.supply, l.purchase_order_id, p.stocked) as s "
                        "from staging.auxo_invoice_lines l left join staging.auxo_parts p on p.id = l.part_id "
                        "where l.kind = 'part'").pl()["s"]
    assert set(supplies) == set(supply.SUPPLIES)  # the workshop has direct lines too, and they get none
