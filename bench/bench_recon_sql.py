"""Time the recon SQL (the views, recon/views' metadata, the checks' queries) on a warehouse, for one day.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_recon_sql.py COPY_OF/warehouse.duckdb 2026-03-01

Run it on a copy (it recreates the recon views). DuckDB is capped at 4 GB and 2 threads so that it
can run beside other work; the figures are in bench/README.md ("Reconciliation per day").
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from assets.recon import checks
from assets.recon.assets import recon_metadata
from assets.recon.refresh import Refreshed
from assets.recon.tables import create_views
from mappings import load_mappings
from pipelines import warehouse


def main(path: str, day: date) -> None:
    with warehouse.connect(path) as con:
        con.execute("SET memory_limit = '4GB'")
        con.execute("SET threads = 2")
        cid = con.execute("select connection_id from staging.auxo_invoices limit 1").fetchall()[0][0]

        def timed(label: str, fn: Callable[[], Any]) -> Any:
            start = time.perf_counter()
            result = fn()
            print(f"{label}: {time.perf_counter() - start:.2f} s", flush=True)
            return result

        views = timed("create_views", lambda: create_views(con, load_mappings()))
        timed(f"recon_metadata day {day}", lambda: recon_metadata(con, cid, day, day, Refreshed(), views))
        timed("documents_not_once day", lambda: checks.documents_not_once(con, cid, day, day))
        timed("documents_different day", lambda: checks.documents_different(con, cid, day, day))
        timed("money_accounts_differing day", lambda: checks.money_accounts_differing(con, cid, day, day))
        timed("count(*) recon.documents one day", lambda: con.execute(
            "select count(*) from recon.documents where connection_id = ? and business_date = ?", [cid, day]).fetchall())
        for view in ("documents", "account_movements", "day_summary"):
            timed(f"count(*) recon.{view} all", lambda view=view: con.execute(
                f"select count(*) from recon.{view}").fetchall())
    print(f"peak rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main(sys.argv[1], date.fromisoformat(sys.argv[2]))
