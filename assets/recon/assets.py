"""``recon/views``: re-read both systems after the day's writes, then (re)create the ``recon.*`` views.

The asset is partitioned like the sinks it follows, so a day's run ends with that day reconciled
and the UI shows, per day, whether the books were reconciled; the views themselves cover every
day. Its metadata is what a person reads first after a run: the day's verdict, what did not sync
and why, the accounts that do not tie out, and the API calls the re-reading cost.
"""


from typing import Any

import dagster as dg
import duckdb

from assets import inventory
from assets.metadata import markdown_table
from assets.partitions import daily_partitions, single_run, window_dates
from assets.plans import WRITER_POOL
from assets.recon.refresh import Refreshed, re_extract, restage
from assets.recon.tables import ViewError, create_views
from assets.resources import (
    AuxoApiResource,
    ConnectionResource,
    MappingsResource,
    WarehouseResource,
    XeroApiResource,
)
from assets.sinks import AUXO_WRITES, XERO_WRITES
from assets.window import Window
from pipelines import warehouse as warehouse_helpers
from pipelines.sync.ledger import Ledger
from pipelines.sync.store import days_predicate

VIEWS = dg.AssetKey(["recon", "views"])
# recon assets of other packages (recon/inventory_movements_by_day): their views feed recon.account_movements
OTHER_RECON = [key for asset in inventory.ASSETS for key in asset.keys if key.path[0] == "recon"]

DESCRIPTION = """\
Do Auxo and Xero agree? After the day's writes, re-reads the systems written to (only what changed:
the sync's own writes and anything a person did meanwhile), then creates the recon views in DuckDB:

- recon.documents — every Auxo invoice, credit, payment, deposit, bill and inventory journal beside
  its Xero counterpart: totals, GST, amount due, status, difference, state and a plain reason
  (recon.invoices, credit_notes, payments, bills, journals are its parts);
- recon.unsynced_documents — what did not sync, or does not agree, why, and what to do;
- recon.account_movements — per day and account (receivables, payment clearing, COGS, Stock on Hand,
  WIP): what Auxo says must be posted against what Xero posted;
- recon.contact_links and recon.contact_review — contact links and the review queue;
- recon.day_summary — one verdict per day.

The checks on this asset fail when the books drift; their metadata lists the offending rows."""


class ReconConfig(dg.Config):
    """When to re-read Xero and Auxo before reconciling.

    ``auto`` (default): in a run that extracted first (the sync job), re-read a system only if the
    run wrote to it — otherwise the extraction at the start of the run is already current; when
    recon/views is materialised on its own, re-read both. ``always``; ``never`` (compare what the
    warehouse holds, no API call).
    """

    re_read: str = "auto"


RE_READ_MODES = ("auto", "always", "never")
EXTRACTION_KEY = dg.AssetKey(["raw", "xero", "invoices"])


def systems_to_re_read(con: duckdb.DuckDBPyConnection, mode: str, run_id: str, run_extracted: bool) -> list[str]:
    """Which systems ``recon/views`` re-reads (see :class:`ReconConfig`)."""
    if mode not in RE_READ_MODES:
        raise dg.Failure(description=f"recon/views: re_read must be one of {', '.join(RE_READ_MODES)}, not {mode!r}")
    if mode == "never":
        return []
    if mode == "always" or not run_extracted:
        return ["xero", "auxo"]
    if not warehouse_helpers.table_exists(con, "sync", "write_ledger"):
        return []
    # rows this run touched that were ever sent, except those it only set aside (a refused version
    # superseded by a newer one was sent by an earlier run, not this one)
    written = {target for (target,) in con.execute(
        "select distinct target from sync.write_ledger where run_id = ? and sent_at is not null "
        "and status <> 'skipped'", [run_id]).fetchall()}
    return [system for system in ("xero", "auxo") if system in written]


def _where(window: Window | None, column: str = "business_date") -> tuple[str, list[Any]]:
    if window is None:
        return "true", []
    return days_predicate(window.first, window.last, window.earlier_days, column=column)


def recon_metadata(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window | None,
                   refreshed: Refreshed, views: list[str]) -> dict[str, Any]:
    """What the UI shows on a materialisation of recon/views, for the days of ``window`` (None: every day)."""
    where, params = _where(window)
    day_where, _ = _where(window, "day")
    params = [connection_id, *params]
    states = dict(con.execute(
        f"select state, count(*) from recon.documents where connection_id = ? and {where} group by 1",
        params).fetchall())
    writes = dict(con.execute(
        f"select status, count(*) from sync.write_ledger where connection_id = ? and {where} group by 1",
        params).fetchall())
    days = con.sql(
        "select day, auxo_documents as documents, in_step, different, not_in_xero, only_in_xero, "
        "writes_confirmed as confirmed, writes_failed as failed, writes_waiting as waiting, accounts_differing, "
        f"verdict from recon.day_summary where connection_id = ? and {day_where} "
        "order by day", params=params).pl()
    problems = con.sql(
        "select business_date as day, document_kind as kind, document, party, state, reason, what_to_do "
        f"from recon.unsynced_documents where connection_id = ? and {where} order by business_date, document",
        params=params).pl()
    accounts = con.sql(
        "select day, account_code, account_name, auxo_movement, xero_movement, difference "
        f"from recon.account_movements where connection_id = ? and {day_where} "
        "and difference <> 0 order by day, account_code", params=params).pl()
    total = sum(states.values())
    span = "every day" if window is None else window.describe()
    metadata: dict[str, Any] = {
        "dagster/row_count": total,
        "days": span,
        "documents_in_step": states.get("in_step", 0),
        "documents_different": states.get("different", 0),
        "documents_not_in_xero": states.get("not_in_xero", 0),
        "documents_duplicated": states.get("duplicated", 0),
        "documents_only_in_xero": states.get("only_in_xero", 0),
        "writes_planned": writes.get("planned", 0) + writes.get("sent", 0),
        "writes_confirmed": writes.get("confirmed", 0),
        "writes_failed": writes.get("failed", 0),
        "writes_held_or_blocked": writes.get("held", 0) + writes.get("blocked", 0),
        "day_verdicts": markdown_table(days, limit=31),
        "problems": markdown_table(problems, limit=30),
        "accounts_not_tying_out": markdown_table(accounts, limit=30),
        "views": dg.MetadataValue.md("\n".join(f"- `{name}`" for name in views)),
        "sql": dg.MetadataValue.md(_sql_help(window)),
    }
    metadata["re_read"] = (", ".join(refreshed.systems) if refreshed.systems
                           else "nothing (no write since this run's extraction)")
    if refreshed.calls:
        metadata["api_calls"] = dg.MetadataValue.json(refreshed.calls)
        metadata["api_calls_total"] = refreshed.api_calls_total
    if refreshed.xero_day_calls_left is not None:
        metadata["xero_day_calls_left"] = refreshed.xero_day_calls_left
    return metadata


def _sql_help(window: Window | None) -> str:
    days = "true" if window is None else f"business_date between '{window.first}' and '{window.last}'"
    if window is not None and window.catch_up:
        days = f"({days} or business_date in ({', '.join(repr(str(d)) for d in window.earlier_days)}))"
    return ("```sql\n"
            f"select * from recon.unsynced_documents where {days} order by business_date;\n"
            f"select * from recon.documents where {days} and state <> 'in_step';\n"
            "select * from recon.day_summary order by day;\n"
            "select * from recon.account_movements where difference <> 0 order by day;\n"
            "```")


@dg.asset(key=VIEWS, deps=[XERO_WRITES, AUXO_WRITES, *OTHER_RECON], partitions_def=daily_partitions,
          backfill_policy=single_run, pool=WRITER_POOL, group_name="recon", kinds={"duckdb"},
          description=DESCRIPTION)
def recon_views(context: dg.AssetExecutionContext, config: ReconConfig, warehouse: WarehouseResource,
                xero: XeroApiResource, auxo: AuxoApiResource, connection: ConnectionResource,
                mappings: MappingsResource) -> dg.MaterializeResult:
    first, last = window_dates(context)
    refreshed = Refreshed()
    selection = context.run.asset_selection
    with warehouse.connect() as con:
        systems = systems_to_re_read(con, config.re_read, context.run.run_id,
                                     run_extracted=not selection or EXTRACTION_KEY in selection)
    if systems:
        clients = {"xero": xero.client(), "auxo": auxo.client()}
        try:
            re_extract({system: clients[system] for system in systems}, connection.id(), refreshed)
            if "xero" in systems:
                refreshed.xero_day_calls_left = clients["xero"].budget.snapshot().day_remaining
        finally:
            for client in clients.values():
                client.close()
    with warehouse.connect() as con:
        if systems:
            restage(con, refreshed, systems)
        if not warehouse_helpers.table_exists(con, "staging", "auxo_invoices"):
            raise dg.Failure(description="recon/views has nothing to compare: the staging tables are not built. "
                                         "Run the day first (or materialise recon/views with re_read: always).")
        try:
            views = create_views(con, mappings.load())
        except ViewError as exc:
            raise dg.Failure(description=f"{exc}. Nothing was written by this step; the sync's writes are not "
                                         "affected. Fix the view's SQL (or report it) and materialise recon/views "
                                         "again.") from exc
        window = Window(first, last).with_catch_up(Ledger(con, connection.id()).days_written(context.run.run_id))
        metadata = recon_metadata(con, connection.id(), window, refreshed, views)
    context.log.info(f"reconciled {metadata['days']}: {metadata['documents_in_step']} documents in step, "
                     f"{metadata['documents_not_in_xero']} not in Xero, {metadata['documents_different']} different")
    return dg.MaterializeResult(metadata=metadata)
