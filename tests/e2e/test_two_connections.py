"""Two connections in one warehouse: neither's plans, sinks or reconciliation see the other's rows.

Connection ``a`` syncs the generator's ``tiny`` workshop (twice: the second run finds it in step). Then every row it left in the warehouse
(raw, staging, plans, ledger, reconciliation tables) is copied as connection ``b``, altered so that
anything of ``b`` leaking into ``a`` changes ``a``'s results: ``b``'s Auxo records look never synced
(no Xero ids) and the Xero ids its ledger confirmed are ``b-…``. A second run of ``a``
must plan, write and reconcile exactly what it did before, and ``b``'s ledger must answer only with
``b``'s rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines import settings
from pipelines.sync.ledger import Ledger
from pipelines.sync.sink import Sink
from pipelines.sync.store import load_plan
from sandbox.embedded import forget_apps
from sandbox.generator import generate, seed_sandboxes

pytestmark = [pytest.mark.slow]

END = date(2026, 3, 1)
RECON_VIEWS = ("documents", "unsynced_documents", "account_movements", "contact_links", "contact_review",
               "day_summary")
VOLATILE = {"updated_at", "run_id", "first_run_id", "planned_at", "sent_at", "confirmed_at", "write_updated_at",
            "_dlt_load_id", "_dlt_id"}


def run(instance: dg.DagsterInstance, first: date, last: date) -> None:
    from assets.definitions import defs

    result = defs.resolve_job_def("sync_day").execute_in_process(
        run_config={"resources": {"sync_mode": {"config": {"dry_run": False}}}}, instance=instance,
        tags={ASSET_PARTITION_RANGE_START_TAG: str(first), ASSET_PARTITION_RANGE_END_TAG: str(last)},
        raise_on_error=False)
    failures = [e.event_specific_data.error.message[:500] for e in result.all_events if e.is_step_failure]
    assert result.success, failures


def _stable(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    frame = frame.drop([c for c in frame.columns if c in VOLATILE])
    return sorted(frame.rows(), key=repr)


def snapshot(con: duckdb.DuckDBPyConnection, connection_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """What connection ``connection_id`` planned, wrote and reconciled."""
    found = {f"recon.{view}": _stable(con.sql(f"select * from recon.{view} where connection_id = ?",
                                              params=[connection_id]).pl()) for view in RECON_VIEWS}
    found["plans.write_plan"] = _stable(con.sql("select * from plans.write_plan where connection_id = ?",
                                                params=[connection_id]).pl())
    found["sync.write_state"] = _stable(con.sql(
        "select target, entity, operation, ref, state, target_id from sync.write_state where connection_id = ?",
        params=[connection_id]).pl())
    return found


def tables_with_connection(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "select t.schema_name, t.table_name from duckdb_tables() t join duckdb_columns() c "
        "on c.schema_name = t.schema_name and c.table_name = t.table_name and c.column_name = 'connection_id' "
        "where t.database_name = current_database() order by 1, 2").fetchall()


def clone_as(con: duckdb.DuckDBPyConnection, source: str, clone: str) -> int:
    """Copy every row of ``source`` as ``clone``, altered so that a leak would show (see the module doc)."""
    copied = 0
    for schema, table in tables_with_connection(con):
        name = f'"{schema}"."{table}"'
        columns = [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index", [schema, table]).fetchall()]
        exprs = []
        for column in columns:
            if column == "connection_id":
                exprs.append(f"'{clone}'")
            elif (schema, table) == ("sync", "write_ledger") and column == "idempotency_key":
                exprs.append(f"'{clone}-' || idempotency_key")
            elif (schema, table) == ("sync", "write_ledger") and column == "target_id":
                exprs.append(f"'{clone}-' || target_id")
            elif schema == "staging" and table.startswith("auxo_") and column == "xero_id":
                exprs.append("NULL")
            else:
                exprs.append(f'"{column}"')
        copied += con.execute(f"insert into {name} select {', '.join(exprs)} from {name} "
                              "where connection_id = ?", [source]).fetchall()[0][0]
    return copied


def test_two_connections_in_one_warehouse_never_see_each_other(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("AUXO_XERO_CONNECTION_ID", "a")
    forget_apps()
    try:
        workshop = generate("tiny", 42, END)
        seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        first, last = workshop.meta["sync_start_date"], workshop.meta["end_date"]
        instance = dg.DagsterInstance.ephemeral()
        run(instance, first, last)
        run(instance, first, last)  # the steady state: Auxo knows every Xero id, nothing is left to send
        with duckdb.connect(str(settings.warehouse_path())) as con:
            before = snapshot(con, "a")
            assert all(before[name] for name in ("recon.documents", "plans.write_plan", "sync.write_state"))
            assert clone_as(con, "a", "b") > 0
            a_keys = [k for (k,) in con.execute("select idempotency_key from sync.write_ledger "
                                                "where connection_id = 'a'").fetchall()]

        run(instance, first, last)  # a again, beside b: the same plans, no writes, the same books

        with duckdb.connect(str(settings.warehouse_path())) as con:
            after = snapshot(con, "a")
            for name in before:
                assert after[name] == before[name], name
            b = Ledger(con, "b")
            assert b.rows(a_keys).is_empty()
            b_ids, a_ids = set(b.known_targets().values()), set(Ledger(con, "a").known_targets().values())
            assert b_ids and all(i.startswith("b-") for i in b_ids)
            assert a_ids and not any(i.startswith("b-") for i in a_ids)
            a_plan = load_plan(con, first, last).filter(pl.col("connection_id") == "a")
            with pytest.raises(ValueError, match="holds rows of"):
                Sink(con, connection_id="b", dry_run=True).run(a_plan)
    finally:
        forget_apps()
