"""One sync run of the real Dagster job, in-process, on a benchmark workshop; what it cost.

    .venv/bin/python -m bench.bench_sync --home /tmp/bench/large --first 2026-03-01 --last 2026-03-01

Runs the ``sync_day`` job with the in-process executor against the embedded sandboxes of
``--home``, on Dagster's persistent instance there (as ``auxo-xero sync`` does). The run is timed
in two parts from its event log: extract + stage + plan + write (every step but the ``recon``
group's), and the reconciliation after it (re-read what was written, ``recon.*`` views, their
checks). With ``--deadline-min`` a run still going at the deadline is reported as far as it got
(calls, steps) and stopped. Without ``--rate-limits`` the Xero sandbox enforces
no limit and the Xero client's own 60-a-minute pacing is lifted in this process
(``bench.instrument.unpace_xero_client``), so the run shows the project's own speed. Reports:

- wall time of each part; each step's time and where Dagster spends the rest of the first part;
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


def _phases(steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The run split where the writes end: extract + stage + plan + write (from the first step to
    the end of the last step outside the ``recon`` group), then the reconciliation (to the end of
    the last ``recon`` step: re-read what was written, ``recon.*`` views, their checks). A recon step
    Dagster runs before the writes end counts in the first part. Wall and asset-body seconds."""
    if not steps:
        return {"sync": None, "recon": None}
    now = time.time()
    begin = min(figures["start"] for figures in steps.values())
    sync_keys = [k for k in steps if not k.startswith("recon__")]
    sync_done = all("end" in steps[k] for k in sync_keys)
    split = max((steps[k].get("end", now) for k in sync_keys), default=begin)
    first = [f for f in steps.values() if "end" in f and f["end"] <= split]
    later = [f for k, f in steps.items() if k.startswith("recon__") and ("end" not in f or f["end"] > split)]
    sync = {"seconds": round(split - begin, 2), "finished": sync_done,
            "asset_bodies_seconds": round(sum(f["body_seconds"] for f in first), 2),
            "steps_seconds": round(sum(f["seconds"] for f in first), 2)}
    recon = None
    if later and sync_done:
        end = max(f.get("end", now) for f in later)
        recon = {"seconds": round(end - split, 2), "finished": all("end" in f for f in later)}
    return {"sync": sync, "recon": recon}


def _steps(logs: list[Any]) -> dict[str, dict[str, Any]]:
    """Per step: start and end (epoch seconds), total seconds (start → success/failure) and body
    seconds (start → its last materialization or check result: the asset's own work)."""
    steps: dict[str, dict[str, Any]] = {}
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
        if "start" not in entry:
            continue
        figures: dict[str, Any] = {"start": entry["start"]}
        if "end" in entry:
            figures.update(end=entry["end"], seconds=round(entry["end"] - entry["start"], 3),
                           body_seconds=round(entry.get("body_end", entry["end"]) - entry["start"], 3),
                           ok=entry.get("ok", False))
        out[key] = figures
    return out


class _Run:
    """What one benchmark run knows, and the report it makes — at the end, or at a deadline."""

    def __init__(self, home: Path, first: str, last: str, dry_run: bool, rate_limits: bool) -> None:
        self.facts: dict[str, Any] = {"home": str(home), "first": first, "last": last, "dry_run": dry_run,
                                      "rate_limits": rate_limits}
        self.run_id = ""
        self.load_seconds = 0.0
        self.started_at = datetime.now(UTC)

    def report(self, *, finished: bool, result: Any = None, wall: float | None = None) -> dict[str, Any]:
        import dagster as dg

        import sandbox.auxo
        import sandbox.xero
        from bench import instrument
        from pipelines import settings, warehouse

        with dg.DagsterInstance.get() as instance:
            steps = _steps(instance.all_logs(self.run_id)) if self.run_id else {}
        phases = _phases(steps)
        xero_calls = _calls(sandbox.xero.request_log(settings.sandbox_state_dir("xero")), "/api.xro/2.0/")
        auxo_calls = _calls(sandbox.auxo.request_log(settings.sandbox_state_dir("auxo")), "/api/v1/")
        records: dict[str, Any] = {"xero": [], "auxo": []}
        ledger: list[Any] = []
        if finished:  # the run's own connections are closed: the warehouse can be read
            with warehouse.connect(read_only=True) as con:
                records = {"xero": _raw_loads(con, "raw_xero", self.started_at),
                           "auxo": _raw_loads(con, "raw_auxo", self.started_at)}
                if warehouse.table_exists(con, "sync", "write_ledger"):
                    ledger = [list(row) for row in con.execute(
                        "select target, entity, operation, status, count(*) from sync.write_ledger "
                        "where run_id = ? group by all order by all", [self.run_id]).fetchall()]
        sync = phases["sync"] or {"seconds": 0.0, "asset_bodies_seconds": 0.0, "steps_seconds": 0.0}
        failures = ([f"{e.step_key}: {e.event_specific_data.error.message.strip()[:300]}"
                     for e in result.all_events if e.is_step_failure] if result is not None else [])
        if not finished:
            failures.append("stopped by the benchmark at its deadline")
        return {
            **self.facts, "run_id": self.run_id, "finished": finished,
            "success": bool(result.success) if result is not None else False, "failures": failures,
            "wall_seconds": round(wall if wall is not None else sync["seconds"], 2),
            "sync_seconds": sync["seconds"], "sync_finished": bool(sync.get("finished")), "recon": phases["recon"],
            "steps": {k: {f: v for f, v in figures.items() if f not in ("start", "end")} for k, figures in steps.items()},
            "dagster": {"definitions_load_seconds": round(self.load_seconds, 2),
                        "asset_bodies_seconds": sync["asset_bodies_seconds"],
                        "within_steps_seconds": round(sync["steps_seconds"] - sync["asset_bodies_seconds"], 2),
                        "between_steps_seconds": round(sync["seconds"] - sync["steps_seconds"], 2),
                        "overhead_seconds": round(sync["seconds"] - sync["asset_bodies_seconds"], 2)},
            "api_time": instrument.snapshot(), "api_time_by_endpoint": instrument.by_endpoint(),
            "passes": instrument.passes(),
            "xero_calls": xero_calls, "auxo_calls": auxo_calls,
            "xero_status": dict(Counter(str(c["status"]) for c in xero_calls)),
            "records_read": records, "ledger": ledger,
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
            "load_average": round(os.getloadavg()[0], 1),
        }

    def stop_at(self, deadline_seconds: float) -> None:
        """After ``deadline_seconds``, print what was measured so far as the result and end the
        process (a reconciliation over a year of history can run for hours)."""
        import threading

        def stop() -> None:
            import dagster as dg

            print("BENCH-RESULT " + json.dumps(self.report(finished=False), default=str), flush=True)
            # the run's pool slot (duckdb_writer) would stay claimed in the instance and block the next run
            with dg.DagsterInstance.get() as instance:
                instance.event_log_storage.free_concurrency_slots_for_run(self.run_id)
                stopped = instance.get_run_by_id(self.run_id)
                if stopped is not None:
                    instance.report_run_canceled(stopped, message="stopped by the benchmark at its deadline")
            os._exit(3)

        timer = threading.Timer(deadline_seconds, stop)
        timer.daemon = True
        timer.start()


def run(home: Path, first: str, last: str, *, dry_run: bool = False, rate_limits: bool = False,
        deadline_seconds: float | None = None) -> dict[str, Any]:
    os.environ["AUXO_XERO_HOME"] = str(home)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import uuid

    import sandbox.auxo
    import sandbox.xero
    from bench import instrument
    from pipelines import settings

    instrument.install()
    if not rate_limits:
        instrument.unpace_xero_client()
    xero_state, auxo_state = settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo")
    sandbox.xero.set_rate_limits(xero_state, enabled=rate_limits)
    sandbox.xero.clear_request_log(xero_state)
    sandbox.auxo.clear_request_log(auxo_state)
    state = _Run(home, first, last, dry_run, rate_limits)

    started = time.perf_counter()
    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from assets.cli import prepare_environment
    from assets.definitions import defs
    from assets.jobs import SYNC_JOB_NAME

    prepare_environment()
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    state.load_seconds = time.perf_counter() - started

    tags = {"auxo-xero/launched-by": "bench"}
    partition_key = first if first == last else None
    if first != last:
        tags |= {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    state.run_id = str(uuid.uuid4())
    state.started_at = datetime.now(UTC)
    if deadline_seconds:
        state.stop_at(deadline_seconds)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config={"resources": {"sync_mode": {"config": {"dry_run": dry_run}}}},
            instance=instance, partition_key=partition_key, tags=tags, raise_on_error=False, run_id=state.run_id)
    wall = time.perf_counter() - started
    return state.report(finished=True, result=result, wall=wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--first", required=True)
    parser.add_argument("--last")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--rate-limits", action="store_true", help="the Xero sandbox enforces Xero's limits")
    parser.add_argument("--deadline-min", type=float, help="report what was measured so far and stop after this")
    args = parser.parse_args()
    report = run(args.home.resolve(), args.first, args.last or args.first, dry_run=args.dry_run,
                 rate_limits=args.rate_limits,
                 deadline_seconds=args.deadline_min * 60 if args.deadline_min else None)
    print("BENCH-RESULT " + json.dumps(report, default=str))
    return 0 if report["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
