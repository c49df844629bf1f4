"""``plans.write_plan``: the planned writes of every plan asset, kept per business day.

Each plan asset replaces its own rows for the days it planned (a re-run of a day replaces, never
appends): the partition's days plus the earlier days it caught up (:mod:`assets.catch_up`); undated
rows (contacts) are replaced wholesale by their asset. The sinks read from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import polars as pl

from pipelines.sync.plan import PLAN_SCHEMA, PlanModel
from pipelines.warehouse import transaction

PLAN_DDL = """
CREATE TABLE IF NOT EXISTS plans.write_plan (
    idempotency_key VARCHAR, connection_id VARCHAR, target VARCHAR, entity VARCHAR, operation VARCHAR,
    ref VARCHAR, source_id VARCHAR, business_date DATE, description VARCHAR, payload VARCHAR,
    payload_hash VARCHAR, depends_on VARCHAR[], priority INTEGER, writeback VARCHAR, plan_asset VARCHAR
)
"""


def days_predicate(first: date, last: date | None = None, also: Sequence[date] = (),
                   column: str = "business_date") -> tuple[str, list[object]]:
    """SQL "``column`` is one of the days ``[first, last]`` or ``also``", and its parameters."""
    if not also:
        return f"{column} between ? and ?", [first, last or first]
    return (f"({column} between ? and ? or list_contains(cast(? as date[]), {column}))",
            [first, last or first, sorted(set(also))])


def ensure_plan_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS plans")
    con.execute(PLAN_DDL)


def store_plan(con: duckdb.DuckDBPyConnection, plan_asset: str, plan: pl.DataFrame,
               first: date | None = None, last: date | None = None, *, connection_id: str,
               also: Sequence[date] = ()) -> int:
    """Replace ``plan_asset``'s rows of ``connection_id`` for ``[first, last]`` and the days ``also`` (all its
    rows when no dates) with ``plan``; other connections' plans sharing the warehouse are left alone."""
    ensure_plan_table(con)
    plan = PlanModel.validate(plan.with_columns(pl.lit(plan_asset).alias("plan_asset")), lazy=True)
    strangers = set(plan["connection_id"].unique().to_list()) - {connection_id}
    if strangers:
        raise ValueError(f"plan {plan_asset} for connection {connection_id!r} holds rows of {sorted(strangers)}")
    with transaction(con):
        if first is None:
            con.execute("delete from plans.write_plan where plan_asset = ? and connection_id = ?",
                        [plan_asset, connection_id])
        else:
            days, params = days_predicate(first, last, also)
            con.execute(f"delete from plans.write_plan where plan_asset = ? and connection_id = ? and {days}",
                        [plan_asset, connection_id, *params])
        if not plan.is_empty():
            con.execute("insert into plans.write_plan by name select * from plan")
    return plan.height


def load_plan(con: duckdb.DuckDBPyConnection, first: date, last: date, target: str | None = None,
              also: Sequence[date] = ()) -> pl.DataFrame:
    """Planned writes dated in ``[first, last]`` or on the days ``also``, plus every undated one (contacts),
    for ``target``."""
    ensure_plan_table(con)
    days, day_params = days_predicate(first, last, also)
    sql = (f"select * from plans.write_plan where ({days} or business_date is null)"
           + (" and target = ?" if target else ""))
    params: list[object] = [*day_params, *([target] if target else [])]
    frame = con.sql(sql, params=params).pl()
    return frame.select([pl.col(name).cast(dtype) for name, dtype in PLAN_SCHEMA.items()])
