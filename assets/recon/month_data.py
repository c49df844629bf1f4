"""Reading one month for the report: the ``recon.*`` views for the month's days, and the API calls
the runs that synced those days recorded in Dagster.

Only reads. Every warehouse query is filtered to the connection and to ``[first, last]`` of the
month, so the report keeps reading the same views when they are backed by per-day tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import polars as pl

from assets.recon.month_report import Month, MonthFrames
from pipelines import warehouse

NEEDED_VIEWS = ("day_summary", "account_movements", "unsynced_documents", "sync_starts")

DAYS_SQL = """
select day, auxo_documents, in_step, different, not_in_xero, duplicated, only_in_xero,
       writes_confirmed, writes_failed, writes_waiting, writes_open, accounts_differing, verdict
from recon.day_summary where connection_id = ? and day between ? and ? order by day"""
ACCOUNTS_SQL = """
select day, account_role, account_code, account_name, auxo_movement, xero_movement, difference
from recon.account_movements where connection_id = ? and day between ? and ? order by day, account_code"""
UNSYNCED_SQL = """
select business_date, document_kind, document, party, state, cause, reason, what_to_do, message
from recon.unsynced_documents where connection_id = ? and business_date between ? and ?
order by business_date, document"""
WRITES_SQL = """
select target, state, attempts, count(*) as writes
from sync.writes where connection_id = ? and business_date between ? and ? group by all order by all"""


class ReportError(RuntimeError):
    """The month cannot be reported (the views are missing): the message says what to run."""


def read_month(con: duckdb.DuckDBPyConnection, connection_id: str, month: Month,
               calls: pl.DataFrame | None = None, day_limit: int | None = None) -> MonthFrames:
    """The month's rows of the recon views (and of the ledger) for ``connection_id``."""
    missing = [f"recon.{name}" for name in NEEDED_VIEWS if not warehouse.table_exists(con, "recon", name)]
    if missing:
        raise ReportError(f"the warehouse {_path(con)} has no {', '.join(missing)}: the "
                          "reconciliation has not run there yet. Sync a day first (auxo-xero sync --date "
                          "YYYY-MM-DD), then write the report again")
    params = [connection_id, month.first, month.last]
    starts = con.execute("select min(sync_start_date) from recon.sync_starts where connection_id = ?",
                         [connection_id]).fetchall()
    return MonthFrames(
        days=con.sql(DAYS_SQL, params=params).pl(),
        accounts=con.sql(ACCOUNTS_SQL, params=params).pl(),
        unsynced=con.sql(UNSYNCED_SQL, params=params).pl(),
        writes=con.sql(WRITES_SQL, params=params).pl(),
        calls=calls if calls is not None else empty_calls(),
        sync_start=starts[0][0] if starts else None,
        day_limit=day_limit,
    )


def _path(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    return str(rows[0][0]) if rows and rows[0][0] else "(in memory)"


CALLS_SCHEMA = {"run_id": pl.String, "ran_on": pl.Date, "stage": pl.String, "system": pl.String,
                "calls": pl.Int64, "calls_left": pl.Int64, "first_day": pl.Date, "last_day": pl.Date}
# the assets whose materialisations record API calls, and the stage they count for
WRITE_KEYS = {dg.AssetKey(["sync", "xero_writes"]), dg.AssetKey(["sync", "auxo_writes"])}
RE_READ_KEY = dg.AssetKey(["recon", "views"])


def empty_calls() -> pl.DataFrame:
    return pl.DataFrame(schema=CALLS_SCHEMA)


def _stage(key: dg.AssetKey) -> tuple[str, str | None] | None:
    """(stage, system when the calls' names do not say it) of an asset that records api_calls."""
    if key.path[0] == "raw" and len(key.path) == 3:
        return "extract", key.path[1]
    if key in WRITE_KEYS:
        return "writes", None
    if key == RE_READ_KEY:
        return "re_read", None
    return None


def run_calls(events: Iterable[Any], timezone: str) -> list[dict[str, Any]]:
    """Per stage and system, the calls one run recorded (``events``: its materialisation log entries).

    A range run records the same figures on every partition, and the extraction the same figures on
    every raw table: each (stage, asset family) is counted once per run.
    """
    zone = ZoneInfo(timezone)
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    partitions = []
    started = None
    for entry in events:
        materialization = entry.asset_materialization
        if materialization is None:
            continue
        stamp = datetime.fromtimestamp(entry.timestamp, UTC).astimezone(zone).date()
        started = stamp if started is None else min(started, stamp)
        if materialization.partition:
            partitions.append(materialization.partition)
        stage = _stage(materialization.asset_key)
        calls = materialization.metadata.get("api_calls")
        if stage is None or calls is None:
            continue
        family = stage[1] or materialization.asset_key.to_user_string()
        if (stage[0], family) in seen:
            continue
        left = materialization.metadata.get("xero_day_calls_left")
        seen[(stage[0], family)] = {"stage": stage[0], "system": stage[1], "calls": calls.value,
                                    "calls_left": left.value if left is not None else None}
    rows = []
    for found in seen.values():
        for name, count in (found["calls"] or {}).items():
            system = found["system"] or name.split(" ", 1)[0]
            left = found["calls_left"] if system == "xero" and isinstance(found["calls_left"], int) else None
            rows.append({"ran_on": started, "stage": found["stage"], "system": system, "calls": int(count),
                         "calls_left": left})
    first = min(partitions) if partitions else None
    last = max(partitions) if partitions else None
    for row in rows:
        row["first_day"], row["last_day"] = first, last
    return rows


def month_calls(instance: dg.DagsterInstance, month: Month, timezone: str) -> pl.DataFrame:
    """The API calls of every run that synced or reconciled a day of ``month`` (Dagster's run metadata)."""
    keys = [dg.AssetKey(["sync", "xero_writes"]), RE_READ_KEY]
    partitions = [day.isoformat() for day in month.days()]
    run_ids: set[str] = set()
    for key in keys:
        cursor = None
        while True:
            result = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=partitions), limit=1000, cursor=cursor)
            run_ids.update(record.run_id for record in result.records)
            if not result.has_more:
                break
            cursor = result.cursor
    rows = []
    for run_id in sorted(run_ids):
        events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        for row in run_calls(events, timezone):
            rows.append({"run_id": run_id, **row})
    if not rows:
        return empty_calls()
    frame = pl.DataFrame(rows, schema_overrides={"first_day": pl.String, "last_day": pl.String})
    return frame.with_columns(pl.col("first_day").str.to_date(), pl.col("last_day").str.to_date()) \
        .select(list(CALLS_SCHEMA)).cast(CALLS_SCHEMA)
