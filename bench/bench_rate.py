"""Rate-bound wall time: a slice of a ``large`` day's Xero writes against Xero's real limits.

    .venv/bin/python -m bench.bench_rate --home /tmp/bench/large --first 2026-03-01 [--calls 300 | --full]

The Xero sandbox enforces Xero's limits (60 calls a minute and 5 at once per organisation, 5000 a
day, sliding windows over real time) on a pristine copy of the seeded organisation; the project's
own write path (``pipelines.sync.sink.Sink`` with the production ``XeroClient`` and its
``RateBudget``) sends a slice of the day's planned Xero writes — taken from ``plans.write_plan``
after the end-to-end run, the same fraction of every kind of document plus what they depend on —
into a ledger of its own. It runs in real time, so ``--calls 300`` takes about five minutes;
``--full`` sends the whole day (over half an hour at ``large``).

Reported from the sandbox's request log: calls, wall time from the first call to the last against
the limit's floor (``calls / 60`` minutes), 429s per one-minute window (target: none beyond the
first of a window), the day's calls left (never 0), and the time the sandbox took per call.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

TARGET_RATIO = 1.1
PER_MINUTE = 60


def _estimate_calls(plan: pl.DataFrame) -> int:
    from pipelines.sync.targets import adapter_for

    calls = 0
    for (entity, operation), group in plan.group_by("entity", "operation"):
        calls += math.ceil(group.height / adapter_for("xero", entity, operation).batch_size)
    return calls


def slice_plan(plan: pl.DataFrame, calls: int, seed: int = 7) -> pl.DataFrame:
    """The same share of every (entity, operation) of ``plan``, with everything it depends on,
    sized to about ``calls`` calls."""
    total = _estimate_calls(plan)
    if calls >= total:
        return plan
    by_ref = {ref: i for i, ref in enumerate(plan["ref"].to_list())}
    deps = plan["depends_on"].to_list()
    rng = random.Random(seed)
    share = calls / total
    chosen: set[int] = set()
    while True:
        for _, group in plan.with_row_index("i").group_by("entity", "operation", maintain_order=True):
            rows = group["i"].to_list()
            chosen.update(rng.sample(rows, max(1, round(len(rows) * share))) if rows else [])
        closed = set(chosen)
        todo = list(chosen)
        while todo:
            for ref in deps[todo.pop()] or []:
                j = by_ref.get(ref)
                if j is not None and j not in closed:
                    closed.add(j)
                    todo.append(j)
        picked = plan[sorted(closed)]
        if _estimate_calls(picked) <= calls * 1.1 or share < 0.001:
            return picked
        share *= 0.85
        chosen = set()


def run(home: Path, first: date, last: date, *, calls: int | None) -> dict[str, Any]:
    os.environ["AUXO_XERO_HOME"] = str(home)
    import sandbox.xero
    from assets.sinks import lock_dates_from
    from bench import instrument
    from bench.bench_sync import _calls
    from pipelines import warehouse
    from pipelines.sync.sink import Sink
    from pipelines.sync.store import load_plan
    from pipelines.xero.auth import XeroCredentials
    from pipelines.xero.client import XeroClient, XeroEndpoints
    from sandbox.embedded import transport

    instrument.install()
    state = home / "xero-rate"
    if state.exists():
        shutil.rmtree(state)
    shutil.copytree(home / "xero-pristine", state)
    sandbox.xero.set_rate_limits(state, enabled=True, concurrent=5, per_minute=PER_MINUTE, per_day=5000,
                                 app_per_minute=10_000)
    sandbox.xero.clear_request_log(state)

    with warehouse.connect() as con:
        whole = load_plan(con, first, last, target="xero")
    plan = whole if calls is None else slice_plan(whole, calls)
    creds = sandbox.xero.credentials(state)
    url = "http://xero.sandbox"
    client = XeroClient(XeroCredentials(creds["client_id"], creds["client_secret"]), tenant_id=creds["tenant_id"],
                        endpoints=XeroEndpoints(f"{url}/api.xro/2.0", f"{url}/connect/token", f"{url}/connections"),
                        transport=transport("xero", state))
    ledger_path = home / "rate-ledger.duckdb"
    ledger_path.unlink(missing_ok=True)
    lowest_day_left: list[int] = []
    started = time.perf_counter()
    with warehouse.connect(ledger_path) as con:
        sink = Sink(con, connection_id=plan["connection_id"][0], xero=client, run_id="bench-rate", lock_dates=lambda: lock_dates_from(client.organisation()),
                    progress=lambda message: None)
        report = sink.run(plan)
    wall = time.perf_counter() - started
    if client.budget.day_remaining is not None:
        lowest_day_left.append(client.budget.day_remaining)
    client.close()

    log = [e for e in sandbox.xero.request_log(state) if e["path"].startswith("/api.xro")]
    times = [e["time_ms"] / 1000 for e in log]
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    throttled = [e for e in log if e["status"] == 429]
    start = times[0] if times else 0.0
    per_window = Counter(int((e["time_ms"] / 1000 - start) // 60) for e in throttled)
    n = len(log)
    floor = n / PER_MINUTE * 60
    # a sliding window lets 60 calls through in a burst, then each call waits for the one 60 calls
    # earlier to leave the window: the time of 60 consecutive calls is the pace (60 s at the limit)
    windows_of_60 = sorted(times[k] - times[k - PER_MINUTE] for k in range(PER_MINUTE, n))
    return {
        "first": first.isoformat(), "last": last.isoformat(), "slice": calls is not None, "planned_writes_in_day": whole.height,
        "writes_sent": plan.height, "estimated_calls": _estimate_calls(plan),
        "calls": n, "writes": sum(1 for e in log if e["method"] in ("PUT", "POST")),
        "reads": sum(1 for e in log if e["method"] == "GET"),
        "by_endpoint": dict(Counter(f"{c['method']} {c['endpoint']}" for c in _calls(log, "/api.xro/2.0/"))),
        "span_seconds": round(span, 1), "wall_seconds": round(wall, 1), "floor_seconds": round(floor, 1),
        "ratio_to_floor": round(span / floor, 3) if floor else None,
        "first_60_seconds": round(times[min(n, PER_MINUTE) - 1] - times[0], 1) if n else None,
        "sixty_calls_seconds": {"median": round(windows_of_60[len(windows_of_60) // 2], 2),
                                "max": round(windows_of_60[-1], 2)} if windows_of_60 else None,
        "throttled": len(throttled), "windows": math.ceil(span / 60) if span else 1,
        "windows_with_more_than_one_429": sum(1 for c in per_window.values() if c > 1),
        "day_calls_left": min(lowest_day_left) if lowest_day_left else None,
        "sandbox_seconds_per_call": round(instrument.snapshot().get("xero", {}).get("seconds", 0) / max(n, 1), 3),
        "ledger": report.counts, "stopped": report.stopped_reason,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--first", type=date.fromisoformat, required=True)
    parser.add_argument("--last", type=date.fromisoformat)
    parser.add_argument("--calls", type=int, default=300, help="size of the slice, in calls (default 300)")
    parser.add_argument("--full", action="store_true", help="send the whole day (about calls/60 minutes)")
    args = parser.parse_args()
    print("BENCH-RESULT " + json.dumps(run(args.home.resolve(), args.first, args.last or args.first, calls=None if args.full else args.calls)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
