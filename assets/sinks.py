"""Sink assets: the day's plans written to Xero, then Auxo, through the ledger.

``sync/xero_writes`` sends every Xero write planned for the day (and contacts, which are not
dated) and records the outcomes; ``sync/auxo_writes`` sends the Auxo writes, including the Xero
ids and errors the Xero sink recorded for Auxo. With ``dry_run`` (run config of the ``sync_mode``
resource) both stop at the ledger: every write is recorded as ``planned`` for review, nothing is
sent.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from assets.catch_up import run_window
from assets.metadata import markdown_table
from assets.partitions import daily_partitions, single_run, window_dates
from assets.plans import WRITER_POOL
from assets.resources import AuxoApiResource, ConnectionResource, WarehouseResource, XeroApiResource
from pipelines.http import ApiError, AuthError, DailyLimitReached, RetryableApiError
from pipelines.sync.ledger import Ledger
from pipelines.sync.sink import LockDates, Sink, SinkReport
from pipelines.sync.store import load_plan
from pipelines.warehouse import fetch_one, table_exists
from pipelines.xero.dates import convert_dates

XERO_WRITES = dg.AssetKey(["sync", "xero_writes"])
AUXO_WRITES = dg.AssetKey(["sync", "auxo_writes"])
# the chart of accounts the writes post to: its blocking check (mapped_accounts_active_in_xero) gates the sink
XERO_CHART = [dg.AssetKey(["staging", "xero_accounts"]), dg.AssetKey(["staging", "xero_tax_rates"])]
# the lock dates as extracted this run: whether held documents may wait without asking Xero again
XERO_ORGANISATION = dg.AssetKey(["staging", "xero_organisation"])
RUNBOOK = "docs/runbook.md"


class SyncModeResource(dg.ConfigurableResource):
    """Whether sinks send (``dry_run: false``) or only record the plan in the ledger (``true``), and
    whether writes a system refused are sent again as they are (``resend_refused: true``: after a
    person fixed the cause in that system; a changed document is sent again by any run)."""

    dry_run: bool = False
    resend_refused: bool = False


def lock_dates_from(organisation: dict) -> LockDates:
    converted = convert_dates(organisation)
    assert isinstance(converted, dict)

    def as_date(value: object):
        return value.date() if hasattr(value, "date") and callable(value.date) else value

    return LockDates(period=as_date(converted.get("PeriodLockDate")),
                     end_of_year=as_date(converted.get("EndOfYearLockDate")))


def extracted_lock_dates(con: duckdb.DuckDBPyConnection, connection_id: str) -> LockDates | None:
    """Xero's lock dates as the last extraction saw them (None before the first one)."""
    if not table_exists(con, "staging", "xero_organisation"):
        return None
    found = fetch_one(con, "select period_lock_date, end_of_year_lock_date from staging.xero_organisation "
                           "where connection_id = ?", [connection_id])
    return LockDates(period=found[0], end_of_year=found[1]) if found else None


def explain_failure(exc: BaseException, system: str) -> dg.Failure | None:
    """A step failure that names the cause and what to do, for the failures a person can act on."""
    again = "Then run the day again: nothing already written is written twice."
    if isinstance(exc, AuthError):
        return dg.Failure(description=f"{system} refused the connection's credentials ({exc}). Reconnect it "
                                      f"({RUNBOOK}, 'Connecting Xero and Auxo'). {again}")
    if isinstance(exc, DailyLimitReached):
        return dg.Failure(description=f"Xero's calls for the day are used up ({exc}). Nothing was lost: what was "
                                      "not sent stays planned in sync.write_ledger, and the first run after midnight "
                                      "UTC sends it (the retry sensor launches it).")
    if isinstance(exc, RetryableApiError):
        return dg.Failure(description=f"{system} could not be reached, even after retrying ({exc}). Nothing was "
                                      f"lost: unconfirmed writes stay in sync.write_ledger. {again}")
    if isinstance(exc, ApiError):
        return dg.Failure(description=f"{system} answered in a way the sync does not understand ({exc}). Check "
                                      f"{system}'s status and the connection settings. {again}")
    if isinstance(exc, RuntimeError) and "held by another process" in str(exc):
        return dg.Failure(description=f"{exc}. {again}")
    return None


@contextmanager
def explained(system: str) -> Iterator[None]:
    """Re-raise a failure a person can act on as one that says what to do (see :func:`explain_failure`)."""
    try:
        yield
    except dg.Failure:
        raise
    except Exception as exc:
        failure = explain_failure(exc, system)
        if failure is None:
            raise
        raise failure from exc


def _by_plan(writes: Ledger, keys: list[str]) -> pl.DataFrame:
    """Per plan asset, how many of its writes in this run ended in each status (the plan -> ledger link)."""
    rows = writes.rows(keys)
    if rows.is_empty():
        return pl.DataFrame()
    return (rows.with_columns(pl.col("plan_asset").fill_null("-")).group_by("plan_asset", "status").len()
            .pivot(on="status", index="plan_asset", values="len").fill_null(0).sort("plan_asset"))


def _report_metadata(report: SinkReport, writes: Ledger, run_id: str, budget: object | None,
                     keys: list[str] | None = None) -> dict[str, object]:
    con = writes.con
    problems = con.sql(
        "select business_date, entity, description, status, error_class, error_message, error_hint "
        "from sync.sync_errors where run_id = ? and connection_id = ? order by business_date, entity",
        params=[run_id, writes.connection_id]).pl()
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
        "writes_by_plan": markdown_table(_by_plan(writes, keys or [])),
        "ledger_sql": dg.MetadataValue.md(
            f"```sql\nselect * from sync.write_ledger where run_id = '{run_id}';\n"
            "-- each plan row and what became of it:\n"
            "select p.plan_asset, p.description, l.status, l.target_id, l.error_message\n"
            "  from plans.write_plan p join sync.write_ledger l using (idempotency_key)\n"
            f"  where l.run_id = '{run_id}';\n"
            "-- what did not sync, and why (after recon/views):\n"
            "select * from recon.unsynced_documents order by business_date;\n```"),
    }
    if report.stopped_reason:
        metadata["stopped"] = report.stopped_reason
    if budget is not None:
        snapshot = budget.snapshot()  # type: ignore[attr-defined]
        metadata["xero_day_calls_left"] = snapshot.day_remaining if snapshot.day_remaining is not None else "unknown"
    return metadata


def _xero_options(con: duckdb.DuckDBPyConnection, client: Any, connection_id: str) -> dict[str, Any]:
    """Xero's sink also knows the lock dates: as extracted, and (when sending) asked of Xero."""
    return {"xero": client, "lock_dates": (lambda: lock_dates_from(client.organisation())) if client else None,
            "extracted_lock_dates": extracted_lock_dates(con, connection_id)}


def _auxo_options(con: duckdb.DuckDBPyConnection, client: Any, connection_id: str) -> dict[str, Any]:
    return {"auxo": client}


# target -> (the system's name in messages, its Sink options, whether it sends the write-backs other sinks recorded)
_TARGETS: dict[str, tuple[str, Callable[..., dict[str, Any]], bool]] = {
    "xero": ("Xero", _xero_options, False),
    "auxo": ("Auxo", _auxo_options, True),
}


def write_day(context: dg.AssetExecutionContext, target: str, api: XeroApiResource | AuxoApiResource,
              warehouse: WarehouseResource, connection: ConnectionResource,
              sync_mode: SyncModeResource) -> dg.MaterializeResult:
    """The body of both sinks: the day's plan for ``target`` recorded in the ledger and sent (unless a
    dry run), and what became of each write."""
    system, options, sends_writebacks = _TARGETS[target]
    first, last = window_dates(context)
    client = None if sync_mode.dry_run else api.client()
    try:
        with explained(system), warehouse.connect() as con:
            window = run_window(con, connection.id(), first, last)  # the days the plans covered
            plan = load_plan(con, first, last, target=target, also=window.earlier_days).unique(
                "idempotency_key", keep="first")
            plan = plan.filter(pl.col("connection_id") == connection.id())
            sink = Sink(con, connection_id=connection.id(), run_id=context.run.run_id, dry_run=sync_mode.dry_run,
                        resend_refused=sync_mode.resend_refused, progress=context.log.info,
                        **options(con, client, connection.id()))
            pending = sink.ledger.pending_writebacks() if sends_writebacks else []
            report = sink.run(plan, pending_keys=pending)
            budget = client.budget if client is not None and target == "xero" else None
            metadata = _report_metadata(report, sink.ledger, context.run.run_id, budget,
                                        [*plan["idempotency_key"].to_list(), *pending])
    finally:
        if client is not None:
            client.close()
    return dg.MaterializeResult(metadata=metadata)


def build_sink_assets(plan_keys: Sequence[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """The two sink assets, downstream of every plan asset."""

    @dg.asset(key=XERO_WRITES, deps=[*plan_keys, *XERO_CHART, XERO_ORGANISATION], partitions_def=daily_partitions,
              backfill_policy=single_run, pool=WRITER_POOL, group_name="sync", kinds={"xero"},
              description="Writes the day's planned changes to Xero through sync.write_ledger: contacts, invoices, "
                          "credit notes, payments, deposits, bills and journals, each exactly once. Failures are "
                          "recorded with a reason (sync.sync_errors) and the rest still syncs. Waits for the check "
                          "that every mapped account is active in Xero, and does not run when it fails.")
    def xero_writes(context: dg.AssetExecutionContext, warehouse: WarehouseResource, xero: XeroApiResource,
                    connection: ConnectionResource, sync_mode: SyncModeResource) -> dg.MaterializeResult:
        return write_day(context, "xero", xero, warehouse, connection, sync_mode)

    @dg.asset(key=AUXO_WRITES, deps=[XERO_WRITES, *plan_keys], partitions_def=daily_partitions,
              backfill_policy=single_run, pool=WRITER_POOL, group_name="sync", kinds={"auxo"},
              description="Writes the day's planned changes to Auxo (contact edits, payments and credit "
                          "allocations entered in Xero, adjustment lines, voids) and records in Auxo the Xero id "
                          "or the error of everything the Xero sink wrote.")
    def auxo_writes(context: dg.AssetExecutionContext, warehouse: WarehouseResource, auxo: AuxoApiResource,
                    connection: ConnectionResource, sync_mode: SyncModeResource) -> dg.MaterializeResult:
        return write_day(context, "auxo", auxo, warehouse, connection, sync_mode)

    return [xero_writes, auxo_writes]
