"""The inventory plan assets, the reconciliation view and its check. Bodies are thin: read, plan, store."""

from collections.abc import Callable
from datetime import date
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from assets.catch_up import run_window
from assets.findings import store_findings
from assets.inventory import adjustments, bills, cogs, recon, tables
from assets.inventory.inputs import Window
from assets.inventory.journals import InventoryPlan
from assets.metadata import markdown_table
from assets.partitions import daily_partitions, single_run, window_dates
from assets.plans import WRITER_POOL, materialize_plan, store_writes
from assets.resources import ConnectionResource, MappingsResource, WarehouseResource
from pipelines import warehouse as warehouse_helpers
from pipelines.sync.ledger import Ledger

COGS = dg.AssetKey(["plans", cogs.PLAN_ASSET])
BILLS = dg.AssetKey(["plans", bills.PLAN_ASSET])
STOCK = dg.AssetKey(["plans", adjustments.PLAN_ASSET])
RECON = dg.AssetKey(["recon", "inventory_movements_by_day"])
TIE_OUT_CHECK = "inventory_movements_tie_out"


def _staging(*names: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(["staging", name]) for name in names]


_SETTINGS = _staging("auxo_sync_settings", "auxo_sync_setting_history")


class InventoryPlanConfig(dg.Config):
    """Run config of the inventory plans."""

    backfill_before_switch_on: bool = False
    """Also plan the days' documents made while the setting was off, as long as it is on now (an explicit
    backfill of history; the nightly run never does it)."""


BROKEN = ("the plan breaks its own contract (a journal that does not balance, a bill that misses its PO total, "
          "a journal twice...)")


def _plan_asset(key: dg.AssetKey, deps: list[dg.AssetKey], description: str,
                read: Callable[[duckdb.DuckDBPyConnection, str, Window], Any],
                planner: Callable[..., InventoryPlan]) -> dg.AssetsDefinition:
    """A daily inventory plan asset: ``read`` the window's inputs, plan, store the writes and the findings."""
    name = key.path[-1]

    @dg.asset(key=key, partitions_def=daily_partitions, backfill_policy=single_run, pool=WRITER_POOL,
              group_name="inventory", kinds={"polars", "duckdb"}, deps=deps, description=description)
    def plan_asset(context: dg.AssetExecutionContext, config: InventoryPlanConfig, warehouse: WarehouseResource,
                   mappings: MappingsResource, connection: ConnectionResource) -> dg.MaterializeResult:
        first, last = window_dates(context)
        window = Window(first, last)
        settings = mappings.load()
        backfill = config.backfill_before_switch_on

        def read_window(con: duckdb.DuckDBPyConnection) -> Any:
            nonlocal window  # the partition's days and the earlier days out of step (assets.catch_up)
            window = run_window(con, connection.id(), first, last)
            return read(con, connection.id(), window)

        def store(con: duckdb.DuckDBPyConnection, plan: InventoryPlan) -> dict[str, object]:
            also = window.earlier_days
            metadata = store_writes(con, name, plan.writes, connection.id(), first, last, also)
            findings = store_findings(con, tables.EXCEPTIONS, name, plan.findings, first, last,
                                      connection_id=connection.id(), also=also)
            return {
                **metadata,
                "earlier_days_planned": ", ".join(str(day) for day in also) or "none",
                "backfill_before_switch_on": backfill,
                "not_planned": len(plan.findings),
                "exceptions": markdown_table(findings.select("business_date", "reason", "document", "detail")),
                "exceptions_sql": dg.MetadataValue.md(
                    f"```sql\nselect * from {tables.EXCEPTIONS_TABLE} where plan_asset = '{name}' "
                    "order by business_date;\n```"),
            }

        return materialize_plan(warehouse, name, broken=BROKEN, read=read_window,
                                plan=lambda inputs: planner(inputs, settings, window, backfill=backfill), store=store)

    return plan_asset


cogs_journal_set = _plan_asset(
    COGS, [*_staging("auxo_invoices", "auxo_invoice_lines", "auxo_invoice_credits", "auxo_invoice_credit_lines",
                     "auxo_parts", "auxo_part_cost_history"), *_SETTINGS],
    "One COGS manual journal per part line of the day's invoices, for parts from stock or bought "
    "on the job's purchase order (never for non-stocked parts added directly), while Auxo's "
    "\"Create Inventory Journals\" was on when the invoice was created: quantity × the part's "
    "average cost at that moment, Dr COGS, Cr Stock on Hand or Work in Progress, narration "
    "'COGS for invoice <number>', each line naming the invoice line. Posted only once Xero has "
    "the invoice. Credits that return parts reverse the matching journal; an invoice voided after its "
    "journals were posted (in Auxo or in Xero) gets each reversed on the day of the void. See docs/inventory.md.",
    tables.read_cogs_inputs, cogs.plan_cogs_journals)
purchase_order_bills = _plan_asset(
    BILLS, [*_staging("auxo_purchase_orders", "auxo_purchase_order_lines", "auxo_suppliers", "auxo_parts"),
            *_SETTINGS, dg.AssetKey(["plans", "contact_sync"])],
    "The day's received purchase orders as AUTHORISED ACCPAY bills, while Auxo's \"Send Purchase "
    "Orders to Xero\" was on when the order was received: the supplier's contact, the PO number in "
    "Reference, lines to Stock on Hand (stock PO) or Work in Progress (job PO), freight and the 1c "
    "rounding adjustment as their own lines, so the bill total is the PO total to the cent. "
    "Never twice: Xero allows repeated bill numbers, the ledger does not.",
    tables.read_bill_inputs, bills.plan_purchase_order_bills)
stock_adjustment_journals = _plan_asset(
    STOCK, [*_staging("auxo_stock_adjustments", "auxo_parts"), *_SETTINGS],
    "One manual journal per stock adjustment and per stocktake line of the day, while Auxo's "
    "\"Create Inventory Journals\" was on when it was made: Stock on Hand against Stock "
    "Adjustment for its value (increases and decreases).",
    tables.read_adjustment_inputs, adjustments.plan_stock_adjustment_journals)


def _differences(con: duckdb.DuckDBPyConnection, mappings: MappingsResource,
                 connection: ConnectionResource) -> pl.DataFrame:
    """The view (re)created from the mappings, and the days and accounts where Xero and Auxo differ."""
    recon.create_inventory_recon_views(con, mappings.load())
    return recon.differences(con, connection.id())


def _difference_rows(differing: pl.DataFrame) -> object:
    return markdown_table(differing.select("day", "account_code", "account_role", "auxo_movement", "xero_movement",
                                           "difference"))


@dg.asset(key=RECON, pool=WRITER_POOL, group_name="recon", kinds={"duckdb"},
          deps=[*_staging(*recon.STAGING_TABLES)],
          description="recon.inventory_movements_by_day: per day and inventory account (COGS, Stock on Hand, WIP, "
                      "Stock Adjustment), Auxo's movements by the sync's rules against what Xero has posted "
                      "(manual journals and bills, as last extracted). difference = 0 when the books tie out.")
def inventory_movements_by_day(warehouse: WarehouseResource, mappings: MappingsResource,
                               connection: ConnectionResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        differing = _differences(con, mappings, connection)
    return dg.MaterializeResult(metadata={
        "view": recon.VIEW, "days_accounts_differing": differing.height,
        "differences": _difference_rows(differing),
        "sql": dg.MetadataValue.md(f"```sql\nselect * from {recon.VIEW} where difference <> 0 order by day;\n```")})


def in_flight_days(con: duckdb.DuckDBPyConnection, connection_id: str) -> set[date]:
    """Days with inventory writes Xero confirmed after the last Xero extraction: not in staging yet."""
    last_load = None
    if warehouse_helpers.table_exists(con, "raw_xero", "_dlt_loads"):
        row = warehouse_helpers.fetch_one(con, "select max(inserted_at) from raw_xero._dlt_loads where status = 0")
        last_load = row[0] if row else None
    confirmed = Ledger(con, connection_id).confirmed(
        plan_assets=(cogs.PLAN_ASSET, bills.PLAN_ASSET, adjustments.PLAN_ASSET), confirmed_after=last_load)
    return set(confirmed["business_date"].drop_nulls().to_list())


@dg.asset_check(asset=RECON, name=TIE_OUT_CHECK, blocking=False, pool=WRITER_POOL,
                description="Stock on Hand, WIP, COGS and Stock Adjustment move in Xero, day by day, exactly as "
                            "Auxo's inventory does. Days whose writes were confirmed after the last extraction "
                            "are left for the next run.")
def inventory_movements_tie_out(warehouse: WarehouseResource, mappings: MappingsResource,
                                connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        differing = _differences(con, mappings, connection)
        waiting = in_flight_days(con, connection.id())
    drift = differing.filter(~pl.col("day").is_in(sorted(waiting)))
    return dg.AssetCheckResult(
        check_name=TIE_OUT_CHECK, passed=drift.is_empty(), severity=dg.AssetCheckSeverity.ERROR,
        metadata={"days_accounts_differing": drift.height, "days_awaiting_extraction": len(waiting),
                  "total_difference": str(drift["difference"].sum()) if drift.height else "0.00",
                  "drift": _difference_rows(drift)})


ASSETS: list[dg.AssetsDefinition] = [cogs_journal_set, purchase_order_bills, stock_adjustment_journals,
                                     inventory_movements_by_day]
CHECKS: list[dg.AssetChecksDefinition] = [inventory_movements_tie_out]

