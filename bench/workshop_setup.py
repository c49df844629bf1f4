"""One benchmark workshop in a data folder of its own: generated, seeded, and (``large``) primed.

    .venv/bin/python -m bench.workshop_setup --profile large --home /tmp/bench/large

- **generate** the profile's workshop (``sandbox.generator``, seed 42, fixed end date);
- **seed** both embedded sandboxes under ``<home>/sandbox/`` from it; a pristine copy of the Xero
  sandbox's state is kept for the rate-bound benchmark;
  (``--history-days N``: N days of it already synced, e.g. ``medium`` for the history benchmarks);
- **prime** (``large`` only) the warehouse as a nightly run would have left it the evening before
  the unsynced day: Auxo's history up to that day loaded straight into ``raw_auxo.*`` in dlt's
  layout (``bench.raw_load``: the API + dlt would take over an hour for a year), dlt's Auxo cursors
  set by one real run of the dlt source over the newest records, Xero extracted for real through
  its API and dlt, and every staging table built by the project's staging specs. ``demo`` is not
  primed: its first run does the initial extraction, as a new connection's would.

Writes ``<home>/setup.json`` (dates, timings, row counts) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SEED = 42
END_DATE = date(2026, 3, 1)
ORG_TZ = ZoneInfo("Australia/Sydney")


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ORG_TZ).astimezone(UTC)


def extract_xero() -> dict[str, Any]:
    """The project's Xero dlt source, run for real against the embedded sandbox (in this process);
    API calls made and this process's peak memory."""
    from assets.extract import load
    from assets.resources import build_xero_client
    from bench.instrument import unpace_xero_client
    from pipelines.connections import connection_id
    from pipelines.xero.source import xero_source

    unpace_xero_client()  # the sandbox's limits are off: a set-up need not wait on Xero's pace
    client = build_xero_client()
    try:
        load("xero", xero_source(lambda: client, connection_id()))  # as the extraction assets load
    finally:
        client.close()
    return {"calls": {f"{method} {endpoint}": n for (method, endpoint), n in sorted(client.calls.items())},
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2)}


def _extract_xero_in_subprocess(home: Path) -> dict[str, Any]:
    """:func:`extract_xero` in a process of its own (its memory is its own, and freed after)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "bench.workshop_setup", "--extract-xero", "--home", str(home)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise RuntimeError(f"the Xero extraction failed: {done.stderr[-2000:]}")


def build_compute_warehouse(home: Path) -> dict[str, int]:
    """``compute.duckdb``: the primed warehouse plus the unsynced day's Auxo records, staged — what
    the day's run stages after its extraction, for the compute benchmark to plan from."""
    from bench.raw_load import append_frame, stage_all
    from pipelines import warehouse

    compute = home / "compute.duckdb"
    shutil.copyfile(home / "warehouse.duckdb", compute)
    with warehouse.connect(compute) as con, warehouse.connect(home / "window.duckdb", read_only=True) as window:
        for (table,) in window.execute("select table_name from information_schema.tables "
                                       "where table_schema = 'raw_auxo' order by 1").fetchall():
            append_frame(con, "raw_auxo", table, window.sql(f'select * from raw_auxo."{table}"').pl())
        stage_all(con)
        return {name: n for name, n in con.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'staging' order by 1"
        ).fetchall()}


def setup(profile_name: str, home: Path, *, prime: bool, history_days: int | None = None) -> dict[str, Any]:
    os.environ["AUXO_XERO_HOME"] = str(home)
    from pipelines import settings, warehouse
    from sandbox.embedded import forget_apps
    from sandbox.generator import generate, get_profile, seed_auxo, seed_xero, with_synced_days

    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    forget_apps()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    profile = get_profile(profile_name)
    if history_days is not None:
        profile = with_synced_days(profile, history_days)
    workshop = generate(profile, SEED, END_DATE)
    seconds["generate"] = time.perf_counter() - started
    meta = dict(workshop.meta)

    started = time.perf_counter()
    seed_auxo(workshop, settings.sandbox_state_dir("auxo"))
    seconds["seed_auxo"] = time.perf_counter() - started
    started = time.perf_counter()
    seed_xero(workshop, settings.sandbox_state_dir("xero"))
    seconds["seed_xero"] = time.perf_counter() - started
    forget_apps()
    shutil.copytree(settings.sandbox_state_dir("xero"), home / "xero-pristine")

    result: dict[str, Any] = {"profile": profile_name, "seed": SEED, "meta": meta, "primed": prime,
                              "synced_days": profile.synced_days,
                              "rows": {name: frame.height for name, frame in workshop.frames().items()}}
    if prime:
        from bench.raw_load import load_auxo_raw, prime_auxo_cursor, stage_all

        cutoff = local_midnight(date.fromisoformat(meta["window_start_date"]))
        result["cutoff"] = cutoff.isoformat()
        started = time.perf_counter()
        with warehouse.connect() as con:
            result["raw_auxo_rows"] = load_auxo_raw(con, workshop, before=cutoff)
        seconds["load_auxo_history"] = time.perf_counter() - started
        started = time.perf_counter()
        prime_auxo_cursor(workshop, cutoff)
        seconds["prime_auxo_cursor"] = time.perf_counter() - started
        started = time.perf_counter()
        with warehouse.connect(home / "window.duckdb") as con:
            result["window_raw_auxo_rows"] = load_auxo_raw(con, workshop, after=cutoff)
        seconds["load_auxo_window"] = time.perf_counter() - started
        del workshop
        started = time.perf_counter()
        result["xero_extract"] = _extract_xero_in_subprocess(home)
        seconds["extract_xero"] = time.perf_counter() - started
        started = time.perf_counter()
        with warehouse.connect() as con:
            result["stage_seconds"] = {k: round(v, 2) for k, v in stage_all(con).items()}
            result["staging_rows"] = {name: n for name, n in con.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = 'staging' order by 1"
            ).fetchall()}
        seconds["stage"] = time.perf_counter() - started
        started = time.perf_counter()
        result["compute_staging_rows"] = build_compute_warehouse(home)
        seconds["compute_warehouse"] = time.perf_counter() - started
        forget_apps()
    result["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    result["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2)
    (home / "setup.json").write_text(json.dumps(result, indent=2, default=str))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="large")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--no-prime", action="store_true")
    parser.add_argument("--history-days", type=int, help="days already synced (default: the profile's own)")
    parser.add_argument("--extract-xero", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.extract_xero:
        os.environ["AUXO_XERO_HOME"] = str(args.home.resolve())
        print("BENCH-RESULT " + json.dumps(extract_xero()))
        return 0
    result = setup(args.profile, args.home.resolve(), prime=not args.no_prime, history_days=args.history_days)
    print("BENCH-RESULT " + json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
