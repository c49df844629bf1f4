"""``python -m bench`` (``make bench``): every benchmark, its figures against its target, one report.

    .venv/bin/python -m bench                         # everything, on demo and large (~1 h on 2 cores)
    .venv/bin/python -m bench --profile demo          # one profile
    .venv/bin/python -m bench --only compute,e2e      # some benchmarks (names below)
    .venv/bin/python -m bench --quick                 # small sizes: proves the command works (~2 min)
    .venv/bin/python -m bench --rate-calls 600        # a bigger slice for the rate-bound benchmark
    .venv/bin/python -m bench --rate-full             # the whole large day at Xero's limits (~35 min)
    .venv/bin/python -m bench --only latency --profile demo   # Auxo -> Xero with the daemon running (~8 min)

Benchmarks: ``generator`` (bench_generator.py), ``matching`` (bench_contact_matching.py),
``loader`` (the direct history loader against the real extraction), ``compute`` (each plan asset's
time and peak memory, a day and the whole year), ``api`` (calls per endpoint against the minimum
and the one-document-per-call baseline), ``e2e`` (extract + plan + write, in-process, Dagster's
share apart), ``incremental`` (a second run with nothing changed), ``rate`` (a slice of a large
day's writes at Xero's real limits), ``faults`` (the demo's days synced with both sandboxes
injecting faults, synced again without, against a clean run: calls, attempts, time, overhead and
the duplicated / missing documents in both systems; bench_faults.py; ``--quick``: the tiny profile), ``sandbox``
(50-document writes to the in-process Xero sandbox per write endpoint, ms a call against 50 ms;
bench_sandbox.py; ``--sandbox-state``: time a copy of an existing state instead), ``sink`` (2,000
contacts and 2,000 invoices through the real Sink into the Xero sandbox: the sink's bookkeeping
apart from the sandbox's time; bench_sink.py; ``--quick``: 200 of each), ``latency`` (with ``auxo-xero daemon``
and the automation on, 20 payments and deposits taken in Auxo over 4 minutes: p50/p95 until each is in
Xero, then 10 contact edits in Xero until each is in Auxo through the webhooks, against 60 s; bench_latency.py; ``--latency-count``, ``--latency-spread-seconds``; not part of ``--quick``
unless named with ``--only``: 4 entries over 30 s then), ``history`` (the ``medium``
no-change run with 30 vs 180 days already synced, ``--history-days``: wall time, peak memory, the
ratio; bench_history.py; ``--quick``: tiny, 4 vs 8 days), ``takeover`` (the first run of ``medium``
with 180 days synced: wall time, peak memory). Heavy steps run in processes of their own, so each
one's peak memory is its own. Writes ``bench/results/report.md`` and ``bench/results/results.json``
(``--out``); the workshops are built under ``--work`` (default: a temporary folder, removed at
the end unless ``--keep``). See bench/README.md for the method and the latest figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import report as reporting

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ("generator", "matching", "loader", "compute", "api", "e2e", "incremental", "rate", "faults", "sandbox",
              "sink", "latency", "history", "takeover")
SYNC_BENCHMARKS = {"compute", "api", "e2e", "incremental", "rate"}


LIMITS = {"cap_gb": 16.0, "timeout": 3600.0}  # set from the command line: --run-memory-cap-gb, --run-timeout-min


def _python(*args: str) -> tuple[int, str, str]:
    from bench.processes import run_python

    code, out, err, verdict = run_python(*args, cap_gb=LIMITS["cap_gb"], timeout=LIMITS["timeout"])
    if verdict.get("killed"):
        err += f"\n{verdict['killed']}"
    return code, out, err


def _result(stdout: str, stderr: str, what: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise RuntimeError(f"{what} gave no result:\n{stderr[-3000:]}")


def bench_generator(profile: str) -> dict[str, Any]:
    code, out, _err = _python("bench/bench_generator.py", "--profile", profile)
    report = json.loads(out.strip().splitlines()[-1])
    report["exit_status"] = code
    return report


def bench_matching(quick: bool) -> dict[str, Any]:
    import re

    args = ["--auxo", "5000", "--xero", "4000", "--repeat", "1"] if quick else []
    code, out, _err = _python("bench/bench_contact_matching.py", *args)
    best = re.search(r"best ([0-9.]+) s of (\d+) \(([^)]*)\)", out)
    planted = re.search(r"planted outcome: ([\d,]+)/([\d,]+) correct", out)
    size = re.search(r"^([\d,]+) Auxo contacts × ([\d,]+) Xero contacts", out, re.M)
    return {"best_seconds": float(best.group(1)) if best else None, "runs": best.group(3) if best else None,
            "correct": planted.group(1) if planted else None, "planted": planted.group(2) if planted else None,
            "auxo": size.group(1) if size else None, "xero": size.group(2) if size else None,
            "exit_status": code, "output": out.strip().splitlines()[-4:]}


def bench_loader(work: Path) -> dict[str, Any]:
    home = work / "loader"
    _code, out, err = _python("-c", "import json,sys; from pathlib import Path; from bench.raw_load import "
                             "compare_with_extraction; print('BENCH-RESULT ' + json.dumps(compare_with_extraction("
                             f"Path({str(home)!r}))))")
    return _result(out, err, "the loader check")


def bench_sink(quick: bool) -> dict[str, Any]:
    size = "200" if quick else "2000"
    _code, out, err = _python("-m", "bench.bench_sink", "--contacts", size, "--invoices", size)
    return _result(out, err, "the sink benchmark")


def bench_faults(work: Path, profile: str, fault_seed: int) -> dict[str, Any]:
    from bench.bench_faults import run_benchmark

    return run_benchmark(work / f"faults-{profile}", profile, fault_seed=fault_seed, timeout=LIMITS["timeout"],
                         cap_gb=LIMITS["cap_gb"])


def bench_history(work: Path, days: list[int], quick: bool, keep: bool) -> dict[str, Any]:
    from bench.bench_history import run_benchmark

    return run_benchmark(work / "history", days, profile="tiny" if quick else "medium", cap_gb=LIMITS["cap_gb"],
                         timeout=LIMITS["timeout"], keep=keep)


def bench_sandbox(work: Path, profile: str, state: Path | None, quick: bool) -> dict[str, Any]:
    args = ["--state", str(state)] if state else ["--profile", profile, "--work", str(work / f"sandbox-{profile}")]
    _code, out, err = _python("-m", "bench.bench_sandbox", *args, *(["--rounds", "3"] if quick else []))
    return _result(out, err, f"the sandbox benchmark on {profile}")


def bench_latency(work: Path, profile: str, count: int, spread_seconds: float) -> dict[str, Any]:
    """Auxo -> Xero with the daemon running, in a process (and a data folder) of its own."""
    _code, out, err = _python("-m", "bench.bench_latency", "--profile", profile, "--home", str(work / f"latency-{profile}"),
                              "--count", str(count), "--spread-seconds", str(spread_seconds))
    return _result(out, err, f"the latency benchmark on {profile}")


class Workshop:
    """A profile's benchmark workshop: set up once, then the sync benchmarks on it."""

    def __init__(self, profile: str, work: Path) -> None:
        self.profile = profile
        self.home = work / profile
        self.setup: dict[str, Any] = {}

    def prepare(self) -> dict[str, Any]:
        _code, out, err = _python("-m", "bench.workshop_setup", "--profile", self.profile, "--home", str(self.home))
        self.setup = _result(out, err, f"setting up the {self.profile} workshop")
        return self.setup

    @property
    def window(self) -> tuple[date, date]:
        meta = self.setup["meta"]
        return date.fromisoformat(meta["window_start_date"]), date.fromisoformat(meta["end_date"])

    def compute(self, first: date, last: date, memory_cap_gb: float) -> list[dict[str, Any]]:
        from bench.bench_plans import measure_all

        copy = self.home / f"compute-{first}-{last}.duckdb"
        shutil.copyfile(self.home / "compute.duckdb", copy)
        try:
            return measure_all(copy, first, last, memory_cap_gb=memory_cap_gb)
        finally:
            copy.unlink(missing_ok=True)

    def sync(self, label: str, deadline_min: float) -> dict[str, Any]:
        first, last = self.window
        _code, out, err = _python("-m", "bench.bench_sync", "--home", str(self.home), "--first", first.isoformat(),
                                  "--last", last.isoformat(), "--deadline-min", str(deadline_min))
        (self.home / f"{label}.log").write_text(err)
        return _result(out, err, f"the {label} run on {self.profile}")

    def rate(self, calls: int | None) -> dict[str, Any]:
        first, last = self.window
        args = ["--full"] if calls is None else ["--calls", str(calls)]
        _code, out, err = _python("-m", "bench.bench_rate", "--home", str(self.home), "--first", first.isoformat(),
                                 "--last", last.isoformat(), *args)
        return _result(out, err, f"the rate-bound benchmark on {self.profile}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated: {', '.join(BENCHMARKS)}")
    parser.add_argument("--profile", choices=("demo", "large", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes (demo only, small slices)")
    parser.add_argument("--rate-calls", type=int, default=300)
    parser.add_argument("--rate-full", action="store_true")
    parser.add_argument("--memory-cap-gb", type=float, default=8.0,
                        help="stop a plan worker above this (protects a shared machine)")
    parser.add_argument("--run-memory-cap-gb", type=float, default=16.0,
                        help="stop a set-up or sync run above this (the large run peaks near 12 GB)")
    parser.add_argument("--run-timeout-min", type=float, default=60.0, help="stop a set-up or sync run after this")
    parser.add_argument("--run-deadline-min", type=float, default=30.0,
                        help="report a sync run as far as it got after this (its reconciliation may take longer)")
    parser.add_argument("--incremental-deadline-min", type=float, default=10.0,
                        help="the same for the second run (nothing to write; the reconciliation alone may be slow)")
    parser.add_argument("--history-days", default="30,180",
                        help="history and takeover: the medium workshop with these days already synced")
    parser.add_argument("--fault-seed", type=int, default=17, help="the faults benchmark's draws")
    parser.add_argument("--sandbox-state", type=Path,
                        help="the sandbox benchmark times this Xero state folder (written to: pass a copy) instead of seeding one")
    parser.add_argument("--latency-count", type=int, default=20, help="payments and deposits the latency bench takes")
    parser.add_argument("--latency-spread-seconds", type=float, default=240.0,
                        help="from the latency bench's first entry to its last")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, help="where workshops are built (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the workshops")
    args = parser.parse_args()

    LIMITS.update(cap_gb=args.run_memory_cap_gb, timeout=args.run_timeout_min * 60)
    chosen = set(args.only.split(",")) if args.only else set(BENCHMARKS)
    unknown = chosen - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}: choose from {', '.join(BENCHMARKS)}")
    if args.quick and not args.only:
        chosen.discard("latency")  # minutes of a daemon whatever the size: only when asked for (--only latency)
    profiles = ["demo"] if args.quick else (["demo", "large"] if args.profile == "both" else [args.profile])
    work = (args.work or Path(tempfile.mkdtemp(prefix="auxo-xero-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": reporting.machine(), "quick": args.quick, "profiles": profiles,
                               "benchmarks": {}}
    out = results["benchmarks"]
    started = time.perf_counter()

    def step(name: str, fn: Any, *fn_args: Any) -> Any:
        print(f"… {name}", flush=True)
        began = time.perf_counter()
        try:
            value = fn(*fn_args)
        except Exception as exc:  # a failed benchmark is reported, the others still run
            value = {"error": f"{type(exc).__name__}: {str(exc)[-1500:]}"}
        print(reporting.summary_line(name, value, time.perf_counter() - began), flush=True)
        return value

    try:
        if "generator" in chosen:
            for profile in profiles:
                out[f"generator/{profile}"] = step(f"generator/{profile}", bench_generator, profile)
        if "matching" in chosen:
            out["matching"] = step("matching", bench_matching, args.quick)
        if "loader" in chosen:
            out["loader"] = step("loader", bench_loader, work)
        if chosen & SYNC_BENCHMARKS:
            for profile in profiles:
                shop = Workshop(profile, work)
                setup = step(f"setup/{profile}", shop.prepare)
                out[f"setup/{profile}"] = setup
                if "error" in setup:
                    continue
                first, last = shop.window
                if "compute" in chosen:
                    out[f"compute/{profile}/day"] = step(f"compute/{profile}/day", shop.compute, first, last,
                                                         args.memory_cap_gb)
                    if not args.quick:
                        year_start = date.fromisoformat(shop.setup["meta"]["start_date"])
                        out[f"compute/{profile}/year"] = step(f"compute/{profile}/year", shop.compute, year_start,
                                                              last, args.memory_cap_gb)
                if chosen & {"api", "e2e", "incremental", "rate"}:
                    out[f"run1/{profile}"] = step(f"e2e/{profile}", shop.sync, "run1", args.run_deadline_min)
                if "rate" in chosen and (profile == "large" or args.quick):  # before run 2 replans the day
                    calls = 20 if args.quick else (None if args.rate_full else args.rate_calls)
                    out[f"rate/{profile}"] = step(f"rate/{profile}", shop.rate, calls)
                if "incremental" in chosen:
                    out[f"run2/{profile}"] = step(f"incremental/{profile}", shop.sync, "run2",
                                                  args.incremental_deadline_min)
                if not args.keep:
                    shutil.rmtree(shop.home, ignore_errors=True)
        if "sink" in chosen:
            out["sink"] = step("sink", bench_sink, args.quick)
        if "faults" in chosen:  # the demo's days (the tiny profile's with --quick), seeded as the demo seeds them
            profile = "tiny" if args.quick else "demo"
            out[f"faults/{profile}"] = step(f"faults/{profile}", bench_faults, work, profile, args.fault_seed)
            if not args.keep:
                shutil.rmtree(work / f"faults-{profile}", ignore_errors=True)
        if chosen & {"history", "takeover"}:  # one set of runs serves both (bench_history.py)
            days = [4, 8] if args.quick else [int(d) for d in args.history_days.split(",")]
            if "history" not in chosen:
                days = [max(days)]  # the takeover needs the longest history only
            out["history"] = step("history", bench_history, work, days, args.quick, args.keep)
            out["history"]["shown"] = sorted(chosen & {"history", "takeover"})
        if "sandbox" in chosen:
            for profile in (["tiny"] if args.quick else profiles)[:1 if args.sandbox_state else None]:
                out[f"sandbox/{profile}"] = step(f"sandbox/{profile}", bench_sandbox, work, profile,
                                                 args.sandbox_state, args.quick)
        if "latency" in chosen:
            for profile in profiles:
                count, spread = (4, 30.0) if args.quick else (args.latency_count, args.latency_spread_seconds)
                out[f"latency/{profile}"] = step(f"latency/{profile}", bench_latency, work, profile, count, spread)
                if not args.keep:
                    shutil.rmtree(work / f"latency-{profile}", ignore_errors=True)
    finally:
        results["seconds"] = round(time.perf_counter() - started, 1)
        results["finished"] = (date.today() + timedelta(days=0)).isoformat()
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str))
        text = reporting.markdown(results)
        (args.out / "report.md").write_text(text)
        print("\n" + text)
        print(f"Report: {args.out / 'report.md'} (and results.json)")
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
