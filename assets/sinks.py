"""Sink assets: the day's plans written to Xero, then Auxo, through the ledger.

``sync/xero_writes`` sends every Xero write planned for the day (and contacts, which are not
dated) and records the outcomes; ``sync/auxo_writes`` sends the Auxo writes, including the Xero
ids and errors the Xero sink recorded for Auxo. With ``dry_run`` (run config of the ``sync_mode``
resource) both stop at the ledger: every write is recorded as ``planned`` for review, nothing is
sent.
"""

from collections.abc import Sequence

import dagster as dg
import polars as pl

from assets.metadata import markdown_table
from assets.partitions import daily_partitions, single_run, window_dates
from assets.plans import WRITER_POOL
from assets.resources import AuxoApiResource, ConnectionResource, WarehouseResource, XeroApiResource
from pipelines.sync import ledger
from pipelines.sync.sink import LockDates, Sink, SinkReport
from pipelines.sync.store import load_plan
from pipelines.xero.dates import convert_dates

XERO_WRITES = dg.AssetKey(["sync", "xero_writes"])
AUXO_WRITES = dg.AssetKey(["sync", "auxo_writes"])


class SyncModeResource(dg.ConfigurableResource):
    """Whether sinks send (``dry_run: false``) or only record the plan in the ledger (``true``)."""

    dry_run: bool = False


def lock_dates_from(organisation: dict) -> LockDates:
    converted = convert_dates(organisation)
    assert isinstance(converted, dict)

    def as_date(value: object):
        return value.date() if hasattr(value, "date") and callable(value.date) else value

    return LockDates(period=as_date(converted.get("PeriodLockDate")),
                     end_of_year=as_date(converted.get("EndOfYearLockDate")))


def _report_metadata(report: SinkReport, con, run_id: str, budget: object | None) -> dict[str, object]:
    problems = con.sql(
        "select business_date, entity, description, status, error_class, error_message, error_hint "
        "from sync.sync_errors where run_id = ? order by business_date, entity", params=[run_id]).pl()
    metadata: dict[str, object] = {
        "dry_run": report.dry_run,
        "writes_new_in_ledger": report.recorded.get("new", 0),
        "writes_confirmed": report.counts.get("confirmed", 0),
        "writes_failed": report.counts.get("failed", 0),
        "writes_held": report.counts.get("held", 0),
        "writes_blocked": report.counts.get("blocked", 0),
        "writes_planned": report.counts.get("planned", 0),
        "found_already_written": report.reconciled,
        "batches_sent": report.sent_batches,
        "api_calls": dg.MetadataValue.json(report.calls),
        "problems": markdown_table(problems),
        "ledger_sql": dg.MetadataValue.md(
            f"```sql\nselect * from sync.write_ledger where run_id = '{run_id}';\n```"),
    }
    if report.stopped_reason:
        metadata["stopped"] = report.stopped_reason
    if budget is not None:
        snapshot = budget.snapshot()  # type: ignore[attr-defined]
        metadata["xero_day_calls_left"] = snapshot.day_remaining if snapshot.day_remaining is not None else "unknown"
    return metadata


def build_sink_assets(plan_keys: Sequence[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """The two sink assets, downstream of every plan asset."""

    @dg.asset(key=XERO_WRITES, deps=list(plan_keys), partitions_def=daily_partitions, backfill_policy=single_run,
              pool=WRITER_POOL, group_name="sync", kinds={"xero"},
              description="Writes the day's planned changes to Xero through sync.write_ledger: contacts, invoices, "
                          "credit notes, payments, deposits, bills and journals, each exactly once. Failures are "
                          "recorded with a reason (sync.sync_errors) and the rest still syncs.")
    def xero_writes(context: dg.AssetExecutionContext, warehouse: WarehouseResource, xero: XeroApiResource,
                    connection: ConnectionResource, sync_mode: SyncModeResource) -> dg.MaterializeResult:
        first, last = window_dates(context)
        client = None if sync_mode.dry_run else xero.client()
        try:
            with warehouse.connect() as con:
                plan = load_plan(con, first, last, target="xero").unique("idempotency_key", keep="first")
                plan = plan.filter(pl.col("connection_id") == connection.id())
                sink = Sink(con, xero=client, run_id=context.run.run_id, dry_run=sync_mode.dry_run,
                            lock_dates=(lambda: lock_dates_from(client.organisation())) if client else None,
                            progress=context.log.info)
                report = sink.run(plan)
                metadata = _report_metadata(report, con, context.run.run_id, client.budget if client else None)
        finally:
            if client is not None:
                client.close()
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset(key=AUXO_WRITES, deps=[XERO_WRITES, *plan_keys], partitions_def=daily_partitions,
              backfill_policy=single_run, pool=WRITER_POOL, group_name="sync", kinds={"auxo"},
              description="Writes the day's planned changes to Auxo (contact edits, payments and credit "
                          "allocations entered in Xero, adjustment lines, voids) and records in Auxo the Xero id "
                          "or the error of everything the Xero sink wrote.")
    def auxo_writes(context: dg.AssetExecutionContext, warehouse: WarehouseResource, auxo: AuxoApiResource,
                    connection: ConnectionResource, sync_mode: SyncModeResource) -> dg.MaterializeResult:
        first, last = window_dates(context)
        client = None if sync_mode.dry_run else auxo.client()
        try:
            with warehouse.connect() as con:
                plan = load_plan(con, first, last, target="auxo").unique("idempotency_key", keep="first")
                plan = plan.filter(pl.col("connection_id") == connection.id())
                sink = Sink(con, auxo=client, run_id=context.run.run_id, dry_run=sync_mode.dry_run,
                            progress=context.log.info)
                report = sink.run(plan, pending_keys=ledger.pending_writebacks(con, connection.id()))
                metadata = _report_metadata(report, con, context.run.run_id, None)
        finally:
            if client is not None:
                client.close()
        return dg.MaterializeResult(metadata=metadata)

    return [xero_writes, auxo_writes]
