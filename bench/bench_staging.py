"""Incremental staging against a copy-free view of an existing warehouse (opened read-only).

A scratch DuckDB file gets ``raw_auxo.*`` / ``raw_xero.*`` as views over the given warehouse, builds
every staging table once in plain SQL (no validation: the starting point, not timed), records the
state as if it had absorbed all loads but the newest ``--new-loads`` (of ``_dlt_loads``), then times
:func:`stage_incremental` twice: the "day" run (those loads merged, validated) and the no-change run
after it. ``--full`` also times :func:`stage` (the rebuild every run did before) per table.

    python -m bench.bench_staging /work/benchws-before/large/warehouse.duckdb --scratch /tmp/stgbench/s.duckdb
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import duckdb

from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import (
    _loads_present,
    _save_state,
    _state,
    fingerprint,
    stage,
    stage_incremental,
    staging_select,
)
from assets.staging.xero import XERO_STAGING

SPECS = (*AUXO_STAGING, *XERO_STAGING)


def scratch(warehouse: Path, path: Path, memory: str) -> duckdb.DuckDBPyConnection:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute(f"SET memory_limit = '{memory}'; SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
    con.execute("CREATE SCHEMA staging")
    for schema in ("raw_auxo", "raw_xero"):
        con.execute(f"CREATE SCHEMA {schema}")
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'w' "
                                    "AND table_schema = ?", [schema]).fetchall():
            con.execute(f'CREATE VIEW {schema}."{table}" AS SELECT * FROM w.{schema}."{table}"')
    return con


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/bench_staging.duckdb"))
    parser.add_argument("--new-loads", type=int, default=1)
    parser.add_argument("--memory", default="3GB")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--only", nargs="*", help="staging table names (default: all)")
    args = parser.parse_args()
    con = scratch(args.warehouse, args.scratch, args.memory)
    print(f"{'table':38} {'day s':>7} {'rows':>8} {'no-change s':>11}" + ("  full s" if args.full else ""))
    totals = [0.0, 0.0, 0.0]
    for spec in SPECS:
        if args.only and spec.name not in args.only:
            continue
        select = staging_select(con, spec)
        con.execute(f"CREATE TABLE {spec.qualified} AS {select}")
        schema = next(iter(spec.sources.values())).split(".", 1)[0]
        newest = {r[0] for r in con.execute(f"SELECT load_id FROM {schema}._dlt_loads WHERE status = 0 "
                                            f"ORDER BY inserted_at DESC LIMIT {args.new_loads}").fetchall()}
        _state(con, spec)
        _save_state(con, spec, fingerprint(select, spec), [load for load in _loads_present(con, spec)
                                                        if load not in newest], rebuilt=True)
        started = time.perf_counter()
        day = stage_incremental(con, spec)
        day_s = time.perf_counter() - started
        started = time.perf_counter()
        stage_incremental(con, spec)
        none_s = time.perf_counter() - started
        line = f"{spec.name:38} {day_s:7.2f} {day.rows:8} {none_s:11.2f}"
        totals[0] += day_s
        totals[1] += none_s
        if args.full:
            started = time.perf_counter()
            stage(con, spec)
            full_s = time.perf_counter() - started
            totals[2] += full_s
            line += f"  {full_s:6.2f}"
        print(line + ("  (rebuilt: " + day.reason + ")" if day.rebuilt else ""), flush=True)
    print(f"{'total':38} {totals[0]:7.2f} {'':8} {totals[1]:11.2f}" + (f"  {totals[2]:6.2f}" if args.full else ""))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main()
