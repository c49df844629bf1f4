"""Faults: the demo's days synced with both sandboxes failing like real APIs, then again, against a clean run.

    .venv/bin/python -m bench --only faults                        # via the bench command
    .venv/bin/python -m bench.bench_faults --work /tmp/faults      # on its own (--profile tiny: ~30 s)

Three runs, each in a process of its own, through the demo's runner (``assets.runner.run_sync``:
the real ``sync_day`` Dagster job over the demo's days as one run, in-process executor, the
persistent instance of the data folder):

1. **faulty** — a fresh data folder seeded as ``auxo-xero demo`` seeds it (profile, seed, a fixed
   end date), then the days synced with *both* sandboxes injecting faults through their own
   fault switches (``sandbox.faults.FaultConfig`` in each state folder's ``faults.json``):
   10 % 429, 5 % 500, 3 % 503, 2 % answers lost after the write committed (writes only), 5 %
   slow (``slow_seconds``);
2. **rerun** — the same days again on the same folder with the faults off: it must converge and
   write nothing twice;
3. **clean** — the baseline: another folder seeded from the same seed and end date, synced once
   with no fault.

As in the other sync benchmarks the Xero sandbox's rate limits are off and the Xero client's own
60-a-minute pacing is lifted in the run's process (``bench.instrument.unpace_xero_client``), so
the time is the project's own plus what the faults cost (retries, ``Retry-After``, slow answers).

Figures per run and per system, by HTTP method: **calls** (what the clients asked for: one per
request the sync made, however often it was tried, counted in the client) and **attempts** (what
reached the sandbox, from its request log), statuses, answers lost; every fault injected, in order
(system, method, path, Idempotency-Key, kind); the run's time; the ledger's outcome. Then the ratio
of each to the clean run, and the verdict of :mod:`bench.fault_verdict` — duplicated and missing
documents in both systems, against the generator's expected outcome — after the faulty run, after
the rerun and for the clean run.
"""

from __future__ import annotations

import argparse
import contextvars
import io
import json
import os
import re
import resource
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

SEED = 42
END_DATE = date(2026, 3, 1)  # fixed, so the faulty and the clean workshop are the same books
SHARES = {"429": 0.10, "500": 0.05, "503": 0.03, "drop": 0.02, "slow": 0.05}
SLOW_SECONDS = 2.0
FAULT_SEED = 17
PHASES = ("faulty", "rerun", "clean")
_UUID = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

_request: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar("bench_fault_request", default=("", ""))
FAULTS: list[dict[str, Any]] = []
CALLS: Counter[tuple[str, str]] = Counter()
RETRY_SLEEP = [0.0, 0]  # seconds the retry policy slept, sleeps
_lock = threading.Lock()


# ---------------------------------------------------------------- instrumentation (this process only)


def _record_faults() -> None:
    """Log every fault the sandboxes inject: which system, which request, which kind, in order."""
    from sandbox.faults import FaultInjectionMiddleware, FaultStore

    if getattr(FaultStore.next_fault, "_bench_logged", False):
        return
    original_call, original_next = FaultInjectionMiddleware.__call__, FaultStore.next_fault

    async def call(self: Any, scope: Any, receive: Any, send: Any) -> None:
        key = ""
        if scope.get("type") == "http":
            key = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"idempotency-key"),
                       "")
        token = _request.set((scope.get("path", ""), key))
        try:
            await original_call(self, scope, receive, send)
        finally:
            _request.reset(token)

    def next_fault(self: Any, method: str) -> str | None:
        kind = original_next(self, method)
        if kind is not None:
            path, key = _request.get()
            with _lock:
                FAULTS.append({"n": len(FAULTS) + 1, "system": self.path.parent.name, "method": method,
                               "path": path, "idempotency_key": key, "kind": kind})
        return kind

    next_fault._bench_logged = True  # type: ignore[attr-defined]
    FaultInjectionMiddleware.__call__ = call  # type: ignore[method-assign]
    FaultStore.next_fault = next_fault  # type: ignore[method-assign]


def _count_calls() -> None:
    """Count each request a client makes once, however many attempts its retries take."""
    from pipelines.auxo.client import AuxoClient
    from pipelines.xero.client import XeroClient

    for system, cls in (("xero", XeroClient), ("auxo", AuxoClient)):
        if getattr(cls._send, "_bench_counted", False):
            continue
        original = cls._send

        def send(self: Any, method: str, *args: Any, _original: Any = original, _system: str = system,
                 **kwargs: Any) -> Any:
            with _lock:
                CALLS[(_system, method)] += 1
            return _original(self, method, *args, **kwargs)

        send._bench_counted = True  # type: ignore[attr-defined]
        cls._send = send  # type: ignore[method-assign]


def _time_retries() -> None:
    """Add up the seconds the clients' retry policy sleeps between attempts (backoff, Retry-After)."""
    from pipelines.http import RetryPolicy

    if getattr(RetryPolicy.__init__, "_bench_timed", False):
        return
    original = RetryPolicy.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        inner = self.sleep

        def sleep(seconds: float) -> None:
            with _lock:
                RETRY_SLEEP[0] += seconds
                RETRY_SLEEP[1] += 1
            inner(seconds)

        self.sleep = sleep

    init._bench_timed = True  # type: ignore[attr-defined]
    RetryPolicy.__init__ = init  # type: ignore[method-assign]


def set_faults(state_dirs: list[Path], on: bool, fault_seed: int = FAULT_SEED) -> None:
    """Faults on (the benchmark's shares) or off, through each sandbox's own fault switches."""
    from sandbox.faults import FaultConfig, FaultStore

    for index, state in enumerate(state_dirs):
        store = FaultStore(state)
        if on:
            store.set(FaultConfig(shares=dict(SHARES), slow_seconds=SLOW_SECONDS, retry_after_seconds=1,
                                  seed=fault_seed + index))
        else:
            store.clear()


# ---------------------------------------------------------------- one run (a process of its own)


def _attempts(entries: list[dict[str, Any]], system: str) -> dict[str, Any]:
    by_method: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    for entry in entries:
        if system == "xero" and not entry["path"].startswith(("/api.xro", "/connections")):
            continue  # the identity server's token calls are outside the API
        by_method[entry["method"]] += 1
        statuses[str(entry["status"])] += 1
        if entry["method"] != "GET":
            path = _UUID.sub("/{id}", entry["path"]).removeprefix("/api.xro/2.0/").removeprefix("/api/v1/")
            writes[f"{entry['method']} {path}"] += entry.get("documents") or 0
    out: dict[str, Any] = {"by_method": dict(by_method), "status": dict(statuses),
                           "documents_written": dict(writes)}
    if system == "xero":
        out["dropped"] = sum(1 for e in entries if e.get("dropped"))
    return out


def _ledger() -> dict[str, int]:
    from pipelines import settings, warehouse

    if not settings.warehouse_path().exists():
        return {}
    with warehouse.connect(read_only=True) as con:
        if not warehouse.table_exists(con, "sync", "write_ledger"):
            return {}
        rows = con.execute("select target, status, count(*) from sync.write_ledger group by all order by 1, 2"
                           ).fetchall()
    return {f"{target} {status}": n for target, status, n in rows}


def run_phase(home: Path, phase: str, profile: str, seed: int, end: date,
              fault_seed: int = FAULT_SEED) -> dict[str, Any]:
    """Seed (faulty, clean), set the faults, sync the demo's days with the demo's runner; what it cost."""
    os.environ["AUXO_XERO_HOME"] = str(home)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    from rich.console import Console

    import sandbox.auxo
    import sandbox.xero
    from assets.cli import prepare_environment
    from bench import instrument
    from pipelines import settings

    console = Console(file=io.StringIO(), width=200)
    xero_state, auxo_state = settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo")
    report: dict[str, Any] = {"phase": phase, "home": str(home)}
    prepare_environment()
    if phase in ("faulty", "clean"):
        from assets.runner import seed_sandboxes

        began = time.perf_counter()
        seeded = seed_sandboxes(profile, seed, end, force=True, console=console)
        report["seed_seconds"] = round(time.perf_counter() - began, 1)
        report["seeded"] = {k: seeded.get(k) for k in ("profile", "seed", "sync_start_date", "end_date")}
    meta = json.loads((home / "expected" / "summary.json").read_text())
    first, last = date.fromisoformat(meta["sync_start_date"]), date.fromisoformat(meta["end_date"])
    report["days"] = [first.isoformat(), last.isoformat()]

    instrument.unpace_xero_client()
    _count_calls()
    _time_retries()
    _record_faults()
    sandbox.xero.set_rate_limits(xero_state, enabled=False)
    sandbox.xero.clear_request_log(xero_state)
    sandbox.auxo.clear_request_log(auxo_state)
    set_faults([xero_state, auxo_state], on=phase == "faulty", fault_seed=fault_seed)
    report["faults"] = {"shares": SHARES, "slow_seconds": SLOW_SECONDS, "seed": fault_seed} if phase == "faulty" \
        else None

    from assets.runner import run_sync

    began = time.perf_counter()
    try:
        report["success"] = bool(run_sync(first, last, dry_run=False, console=console))
    except Exception as exc:  # reported, and the verdict is still taken
        report["success"] = False
        report["error"] = f"{type(exc).__name__}: {str(exc)[-800:]}"
    report["seconds"] = round(time.perf_counter() - began, 1)
    set_faults([xero_state, auxo_state], on=False)

    with _lock:
        calls = dict(CALLS)
        faults = list(FAULTS)
    report["calls"] = {system: {method: n for (s, method), n in sorted(calls.items()) if s == system}
                       for system in ("xero", "auxo")}
    report["attempts"] = {"xero": _attempts(sandbox.xero.request_log(xero_state), "xero"),
                          "auxo": _attempts(sandbox.auxo.request_log(auxo_state), "auxo")}
    report["injected"] = {system: dict(Counter(f["kind"] for f in faults if f["system"] == system))
                          for system in ("xero", "auxo")}
    report["fault_log"] = faults
    report["waited"] = {"retry_sleep_seconds": round(RETRY_SLEEP[0], 1), "retry_sleeps": RETRY_SLEEP[1],
                        "slow_seconds": round(sum(1 for f in faults if f["kind"] == "slow") * SLOW_SECONDS, 1)}
    report["ledger"] = _ledger()
    report["console"] = console.file.getvalue()[-6000:]  # type: ignore[attr-defined]
    from bench.fault_verdict import read_documents, verdict

    report["verdict"] = verdict(read_documents(xero_state, auxo_state), home / "expected")
    report["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2)
    report["load_average"] = round(os.getloadavg()[0], 1)
    return report


# ---------------------------------------------------------------- the benchmark


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def overhead(faulty: dict[str, Any], rerun: dict[str, Any], clean: dict[str, Any]) -> dict[str, Any]:
    """The faulty run (and the faulty run plus its rerun) against the clean run."""
    def total(run: dict[str, Any], what: str, system: str) -> int:
        figures = run[what][system]
        return sum((figures["by_method"] if what == "attempts" else figures).values())

    out: dict[str, Any] = {"seconds": _ratio(faulty["seconds"], clean["seconds"]),
                           "seconds_with_rerun": _ratio(faulty["seconds"] + rerun["seconds"], clean["seconds"])}
    for system in ("xero", "auxo"):
        for what in ("calls", "attempts"):
            out[f"{system}_{what}"] = _ratio(total(faulty, what, system), total(clean, what, system))
            out[f"{system}_{what}_with_rerun"] = _ratio(total(faulty, what, system) + total(rerun, what, system),
                                                        total(clean, what, system))
    return out


def run_benchmark(work: Path, profile: str = "demo", *, seed: int = SEED, end: date = END_DATE,
                  fault_seed: int = FAULT_SEED,
                  timeout: float = 3600.0, cap_gb: float = 16.0) -> dict[str, Any]:
    """The three runs, each in its own process; their figures, the overhead and the verdict."""
    from bench.processes import run_python

    work = Path(work).resolve()
    homes = {"faulty": work / "faulty", "rerun": work / "faulty", "clean": work / "clean"}
    runs: dict[str, Any] = {}
    for phase in PHASES:
        code, out, err, watchdog = run_python("-m", "bench.bench_faults", "--phase", phase, "--home",
                                              str(homes[phase]), "--profile", profile, "--seed", str(seed),
                                              "--end", end.isoformat(), "--fault-seed", str(fault_seed),
                                              cap_gb=cap_gb, timeout=timeout)
        (work / f"{phase}.log").write_text(err)
        line = next((x for x in reversed(out.splitlines()) if x.startswith("BENCH-RESULT ")), None)
        if line is None:
            raise RuntimeError(f"the {phase} run gave no result (exit {code}, {watchdog}):\n{err[-3000:]}")
        runs[phase] = json.loads(line.removeprefix("BENCH-RESULT "))
    final = runs["rerun"]["verdict"]
    return {"profile": profile, "seed": seed, "end_date": end.isoformat(), "runs": runs,
            "overhead": overhead(runs["faulty"], runs["rerun"], runs["clean"]),
            "verdict": {"duplicated": final["duplicated"], "missing": final["missing"],
                        "ok": final["ok"] and runs["clean"]["verdict"]["ok"],
                        "clean_ok": runs["clean"]["verdict"]["ok"]}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="the benchmark: its data folders go here")
    parser.add_argument("--phase", choices=PHASES, help="one run only, in --home")
    parser.add_argument("--home", type=Path)
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--end", default=END_DATE.isoformat())
    parser.add_argument("--fault-seed", type=int, default=FAULT_SEED, help="the faults' draws (Auxo: seed + 1)")
    args = parser.parse_args()
    end = date.fromisoformat(args.end)
    if args.phase:
        if args.home is None:
            parser.error("--phase needs --home")
        report = run_phase(args.home.resolve(), args.phase, args.profile, args.seed, end, args.fault_seed)
        print("BENCH-RESULT " + json.dumps(report, default=str))
        return 0
    if args.work is None:
        parser.error("give --work (the benchmark) or --phase and --home (one run)")
    result = run_benchmark(args.work, args.profile, seed=args.seed, end=end, fault_seed=args.fault_seed)
    print("BENCH-RESULT " + json.dumps(result, default=str))
    return 0 if result["verdict"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
