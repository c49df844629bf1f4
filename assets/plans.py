"""What every plan asset shares: read → plan → validate → store, where plans are stored, what the UI shows.

Every ``plans/*`` asset body is one call of :func:`materialize_plan` with its domain's steps:
``read`` its inputs from the warehouse (the domain's ``tables``), ``plan`` with a pure function (no
Dagster, no DuckDB), optionally ``validate`` the frames it keeps beside the writes (pandera), and
``store`` the result (:func:`store_writes` for the writes, :func:`assets.findings.store_findings`
for the findings, plus whatever the domain keeps) returning the asset's metadata. A plan that breaks its own contract (a pandera failure while
planning or validating) stops the asset with the failing rows, before anything is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

import dagster as dg
import duckdb
import pandera.errors
import polars as pl

from assets.metadata import markdown_table
from pipelines.sync.plan import PlannedWrite, plan_frame
from pipelines.sync.store import store_plan

WRITER_POOL = "duckdb_writer"

T = TypeVar("T")
Inputs = TypeVar("Inputs")
Plan = TypeVar("Plan")


class WarehouseLike(Protocol):
    def connect(self) -> Any: ...


def plan_metadata(plan: pl.DataFrame, plan_asset: str) -> dict[str, object]:
    """Row counts by target/entity/operation, a preview, and the SQL that shows the plan in DuckDB."""
    counts = (plan.group_by("target", "entity", "operation").len().sort("target", "entity", "operation")
              if not plan.is_empty() else pl.DataFrame())
    return {
        "dagster/row_count": plan.height,
        "writes_planned": plan.height,
        "by_kind": markdown_table(counts),
        "preview": markdown_table(plan.select("business_date", "target", "entity", "operation", "description")
                                  if not plan.is_empty() else plan),
        "review_sql": dg.MetadataValue.md(
            f"```sql\nselect * from plans.write_plan where plan_asset = '{plan_asset}' order by business_date;\n"
            f"-- and what happened to each write:\nselect l.* from sync.write_ledger l\n"
            f"  join plans.write_plan p using (idempotency_key) where p.plan_asset = '{plan_asset}';\n```"),
    }


def within_contract(where: str, broken: str, step: Callable[[], T]) -> T:
    """``step()``; a pandera failure (a bug in the plan, the inputs were checked by staging) becomes a step
    failure naming ``where``, what can be ``broken`` and the failing rows."""
    try:
        return step()
    except pandera.errors.SchemaErrors as exc:
        raise dg.Failure(description=f"{where}: {broken}; nothing was stored. This is a bug in the plan: the "
                                     "failure cases below say which rows.",
                         metadata={"failure_cases": markdown_table(exc.failure_cases)}) from exc


def materialize_plan(warehouse: WarehouseLike, name: str, *, read: Callable[[duckdb.DuckDBPyConnection], Inputs],
                     plan: Callable[[Inputs], Plan], store: Callable[[duckdb.DuckDBPyConnection, Plan], dict[str, Any]],
                     validate: Callable[[Plan], Plan] | None = None,
                     broken: str = "the plan breaks its own contract") -> dg.MaterializeResult:
    """The body of every plan asset ``plans/<name>``: read, plan, validate, store, in one warehouse connection."""
    where = f"plans/{name}"
    with warehouse.connect() as con:
        inputs = read(con)
        planned = within_contract(where, broken, lambda: plan(inputs))
        if validate is not None:
            planned = within_contract(where, broken, lambda: validate(planned))
        metadata = store(con, planned)
    return dg.MaterializeResult(metadata=metadata)


def store_writes(con: duckdb.DuckDBPyConnection, name: str, writes: list[PlannedWrite], connection_id: str,
                 first: date | None = None, last: date | None = None, also: Sequence[date] = ()) -> dict[str, Any]:
    """Store the writes in ``plans.write_plan`` for ``[first, last]`` and the earlier days ``also`` (for good
    when undated); the plan's metadata. Findings go to their table beside it
    (:func:`assets.findings.store_findings`)."""
    frame = plan_frame(writes)
    store_plan(con, name, frame, first, last, connection_id=connection_id, also=also)
    return plan_metadata(frame, name)
