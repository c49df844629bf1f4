"""One sync run of the real Dagster job, in-process, on a benchmark workshop; what it cost.

    .venv/bin/python -m bench.bench_sync --home /tmp/bench/large --first 2026-03-01 --last 2026-03-01

Runs the ``sync_day`` job (extract both systems, stage, plan, write to Xero then Auxo, recon) with
the in-process executor against the embedded sandboxes of ``--home``, on Dagster's persistent
instance there (as ``auxo-xero sync`` does). Without ``--rate-limits`` the Xero sandbox enforces
no limit and the Xero client's own 60-a-minute pacing is lifted in this process
(``bench.instrument.unpace_xero_client``), so the run shows the project's own speed. Reports:

- wall time; each step's time and where Dagster spends the rest (``dagster`` below);
- every API call from the **sandboxes' request logs** (not the client's counters): per method and
  endpoint, the calls, documents sent and answers (429s);
- the records each extraction brought in (rows of this run's dlt loads in ``raw_*``), so the
  minimum number of reads is known;
- the ledger's outcome of the run (per target, entity, status) and the process's peak memory.

Analysis against the minimum and the one-document-per-call baseline is in :mod:`bench.api_calls`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _raw_loads(con: Any, schema: str, since: datetime) -> list[dict[str, Any]]:
    """The dlt loads into ``schema`` since ``since``, oldest first, with the rows each wrote to
    every root table (the records that read brought in)."""
    from pipelines import warehouse

    if not warehouse.table_exists(con, schema, "_dlt_loads"):
        return []
    loads = con.execute(f"select load_id, inserted_at from {schema}._dlt_loads where inserted_at >= ? "
                        "order by inserted_at", [since]).fetchall()
    tables = [row[0] for row in con.execute(
        "select table_name from information_schema.columns where table_schema = ? and column_name = '_dlt_load_id' "
        "and table_name not like '\\_dlt%' escape '\\'", [schema]).fetchall()]
    out = []
    for load_id, inserted_at in loads:
        counts = {}
        for table in tables:
            (n,) = con.execute(f'select count(*) from {schema}."{table}" where _dlt_load_id = ?', [load_id]).fetchone()
            counts[table] = n
        out.append({"load_id": load_id, "inserted_at": str(inserted_at), "tables": counts})
    return out


def _steps(logs: list[Any]) -> dict[str, dict[str, float]]:
    """Per step: total seconds (start → success/failure) and body seconds (start → its last
    materialization or check result, i.e. the asset's own work), from the run's event log."""
    steps: dict[str, dict[str, float]] = {}
    for record in logs:
        event = record.dagster_event
        key = record.step_key
        if not key or event is None:
            continue
        kind = event.event_type_value
        entry = steps.setdefault(key, {})
        stamp = record.timestamp
        if kind == "STEP_START":
            entry["start"] = stamp
        elif kind in ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION", "STEP_OUTPUT"):
            entry["body_end"] = max(entry.get("body_end", stamp), stamp)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            entry["end"] = stamp
            entry["ok"] = kind == "STEP_SUCCESS"
    out = {}
    for key, entry in steps.items():
        if "start" in entry and "end" in entry:
            out[key] = {"seconds": round(entry["end"] - entry["start"], 3),
                        "body_seconds": round(entry.get("body_end", entry["end"]) - entry["start"], 3),
                        "ok": entry.get("ok", False)}
    return out


def _calls(entries: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Request-log entries as (method, endpoint template, documents, status, query, time)."""
    import re

    uuid = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
    calls = []
    for entry in entries:
        path = entry["path"]
        endpoint = uuid.sub("/{id}", path.removeprefix(prefix)) if path.startswith(prefix) else path
        calls.append({"method": entry["method"], "endpoint": endpoint, "documents": entry.get("documents") or 0,
                      "status": entry.get("status"), "query": entry.get("query") or "",
                      "time": entry.get("time_ms") or entry.get("at")})
    return calls


def run(home: Path, first: str, last: str, *, dry_run: bool = False, rate_limits: bool = False) -> dict[str, Any]:
    os.environ["AUXO_XERO_HOME"] = str(home)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import sandbox.auxo
    import sandbox.xero
    from bench import instrument
    from pipelines import settings, warehouse

    instrument.install()
    if not rate_limits:
        instrument.unpace_xero_client()
    xero_state, auxo_state = settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo")
    sandbox.xero.set_rate_limits(xero_state, enabled=rate_limits)
    sandbox.xero.clear_request_log(xero_state)
    sandbox.auxo.clear_request_log(auxo_state)

    started = time.perf_counter()
    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from assets.cli import prepare_environment
    from assets.definitions import defs
    from assets.jobs import SYNC_JOB_NAME

    prepare_environment()
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    load_seconds = time.perf_counter() - started

    tags = {"auxo-xero/launched-by": "bench"}
    partition_key = first if first == last else None
    if first != last:
        tags |= {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    run_started_at = datetime.now(UTC)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config={"resources": {"sync_mode": {"config": {"dry_run": dry_run}}}},
            instance=instance, partition_key=partition_key, tags=tags, raise_on_error=False)
        wall = time.perf_counter() - started
        steps = _steps(instance.all_logs(result.run_id))
    failures = [f"{e.step_key}: {e.event_specific_data.error.message.strip()[:300]}"
                for e in result.all_events if e.is_step_failure]

    xero_calls = _calls(sandbox.xero.request_log(xero_state), "/api.xro/2.0/")
    auxo_calls = _calls(sandbox.auxo.request_log(auxo_state), "/api/v1/")
    with warehouse.connect(read_only=True) as con:
        records = {"xero": _raw_loads(con, "raw_xero", run_started_at),
                   "auxo": _raw_loads(con, "raw_auxo", run_started_at)}
        ledger = [list(row) for row in con.execute(
            "select target, entity, operation, status, count(*) from sync.write_ledger where run_id = ? "
            "group by all order by all", [result.run_id]).fetchall()] if warehouse.table_exists(
            con, "sync", "write_ledger") else []
        planned = [list(row) for row in con.execute(
            "select plan_asset, target, entity, operation, count(*) from plans.write_plan "
            "where business_date between ? and ? or business_date is null group by all order by all",
            [first, last]).fetchall()] if warehouse.table_exists(con, "plans", "write_plan") else []
    body = sum(s["body_seconds"] for s in steps.values())
    step_total = sum(s["seconds"] for s in steps.values())
    return {
        "home": str(home), "first": first, "last": last, "dry_run": dry_run, "rate_limits": rate_limits,
        "success": result.success, "failures": failures, "run_id": result.run_id,
        "wall_seconds": round(wall, 2), "definitions_load_seconds": round(load_seconds, 2),
        "steps": steps,
        "dagster": {"definitions_load_seconds": round(load_seconds, 2),
                    "asset_bodies_seconds": round(body, 2),
                    "within_steps_seconds": round(step_total - body, 2),
                    "between_steps_seconds": round(wall - step_total, 2),
                    "overhead_seconds": round(load_seconds + wall - body, 2)},
        "api_time": instrument.snapshot(),
        "xero_calls": xero_calls, "auxo_calls": auxo_calls,
        "xero_status": dict(Counter(str(c["status"]) for c in xero_calls)),
        "records_read": records, "ledger": ledger, "planned": planned,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
        "load_average": round(os.getloadavg()[0], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--first", required=True)
    parser.add_argument("--last")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--rate-limits", action="store_true", help="the Xero sandbox enforces Xero's limits")
    args = parser.parse_args()
    report = run(args.home.resolve(), args.first, args.last or args.first, dry_run=args.dry_run,
                 rate_limits=args.rate_limits)
    print("BENCH-RESULT " + json.dumps(report, default=str))
    return 0 if report["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
