"""The benchmark report: the machine, then every figure beside its target and the ratio to it."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime
from typing import Any

from bench.api_calls import TARGET_RATIO as API_TARGET
from bench.api_calls import XERO_DAY_LIMIT, analyse
from bench.bench_plans import DAY_TARGET_SECONDS, MATCHING_TARGET_SECONDS, MEMORY_TARGET_GB, PLAN_ASSETS
from bench.bench_rate import TARGET_RATIO as RATE_TARGET

E2E_TARGET_SECONDS = 60.0
GENERATOR_TARGET_SECONDS = 60.0


def machine() -> dict[str, Any]:
    def read(path: str) -> str:
        try:
            with open(path) as handle:
                return handle.read()
        except OSError:
            return ""

    cpu = next((line.split(":", 1)[1].strip() for line in read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next((int(line.split()[1]) for line in read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal")), 0)
    try:
        import polars as pl

        polars = f"polars {pl.__version__} ({pl.thread_pool_size()} threads)"
    except ImportError:
        polars = ""
    try:
        import duckdb

        polars += f", duckdb {duckdb.__version__}"
    except ImportError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "libraries": polars, "commit": commit,
            "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
            "date": datetime.now().astimezone().isoformat(timespec="minutes")}


def _ratio(value: float | None, target: float) -> str:
    if value is None:
        return "–"
    ratio = value / target
    return f"{ratio:.2f}× {'✓' if ratio <= 1 else '✗'}"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return lines


def _sink_section(sink: dict[str, Any]) -> list[str]:
    """``bench --only sink``: the sink's own bookkeeping apart from the Xero sandbox's time."""
    return ["### The sink's bookkeeping", "",
            f"{sink['contacts']:,} contact and {sink['invoices']:,} invoice creates with their write-backs, "
            f"{sink['batches']} batches ({sink['xero_calls']} Xero calls), against the embedded Xero sandbox.", "",
            "| wall s | in the sandbox s | the sink's own s |", "|---:|---:|---:|",
            f"| {sink['wall_s']:.2f} | {sink['sandbox_s']:.2f} | {sink['sink_s']:.2f} |", ""]


def summary_line(name: str, value: Any, seconds: float) -> str:
    """One line per benchmark on the console as it finishes."""
    if isinstance(value, dict) and "error" in value:
        return f"✗ {name} failed after {seconds:.0f} s: {value['error'][:300]}"
    return f"✓ {name} ({seconds:.0f} s)"


def _compute_rows(results: list[dict[str, Any]]) -> tuple[list[list[Any]], float, float]:
    rows, total, peak = [], 0.0, 0.0
    for item in results:
        if "failed" in item:
            rows.append([item["asset"], "failed", item["failed"], "", "", "", f"{item.get('max_sampled_gb', '')}"])
            continue
        phases = item.get("phases", {})
        total += item["seconds"]
        peak = max(peak, item["peak_rss_gb"])
        rows.append([item["asset"], f"{item['seconds']:.2f}",
                     " / ".join(f"{phases.get(p, 0):.2f}" for p in ("read", "plan", "validate", "store")),
                     item.get("writes", ""), f"{item['peak_rss_gb']:.2f}", f"{item['rss_before_gb']:.2f}",
                     _ratio(item["peak_rss_gb"], MEMORY_TARGET_GB)])
    return rows, total, peak


def _compute(lines: list[str], key: str, results: list[dict[str, Any]], day: bool) -> None:
    lines += [f"### Compute — {key}", ""]
    if isinstance(results, dict) and "error" in results:
        lines += [f"Failed: {results['error']}", ""]
        return
    rows, total, peak = _compute_rows(results)
    lines += _table(["plan asset", "seconds", "read / plan / validate / store", "writes", "peak RSS GB",
                     "RSS before GB", "memory vs 2 GB"], rows)
    match = next((r for r in results if r.get("asset") == "contact_matches" and "phases" in r), None)
    lines.append("")
    if match:
        rows_in = match.get("rows", {})
        lines.append(f"- matching {rows_in.get('auxo_contacts', '?'):,} × {rows_in.get('xero_contacts', '?'):,} "
                     f"contacts (``match_contacts``): {match['phases']['plan']:.2f} s → "
                     f"{_ratio(match['phases']['plan'], MATCHING_TARGET_SECONDS)} of the 2 s target")
    if day:
        lines.append(f"- all plans: {total:.2f} s → {_ratio(total, DAY_TARGET_SECONDS)} of the 5 s target")
    else:
        lines.append(f"- all plans: {total:.2f} s (no time target)")
    lines += [f"- peak memory: {peak:.2f} GB (largest plan process) → {_ratio(peak, MEMORY_TARGET_GB)} of 2 GB", ""]


def _api(lines: list[str], profile: str, run: dict[str, Any], parts: str) -> None:
    lines += [f"### API efficiency — {profile} ({parts})", ""]
    for system in ("xero", "auxo"):
        analysed = analyse(run, system)
        totals = analysed["totals"]
        rows = [[r["kind"], f"{r['method']} {r['endpoint']}", r["calls"], r.get("units") if r.get("units") is not None
                 else "", r.get("minimum") if r.get("minimum") is not None else "", r.get("baseline") or "",
                 r.get("ratio") or ""] for r in analysed["rows"]]
        lines += [f"**{system.capitalize()}**", ""]
        lines += _table(["kind", "endpoint", "calls", "records / documents", "minimum", "one per document",
                         "ratio"], rows)
        every = totals["all"]
        lines.append("")
        lines.append(f"- {system}: {every['calls']} calls (reads {totals['read']['calls']}, writes "
                     f"{totals['write']['calls']}) against a minimum of {every['minimum']} → "
                     f"{every['ratio']}× the minimum"
                     + (f" ({_ratio(every['ratio'], API_TARGET)} of the 1.05× target)" if system == "xero" else "")
                     + f"; the one-document-per-call baseline needs {every['baseline']} "
                     f"({every['saved_vs_baseline']}× more)")
        if system == "xero":
            lines.append(f"- {totals['share_of_day_limit'] * 100:.1f} % of Xero's {XERO_DAY_LIMIT} calls a day; "
                         f"429s: {totals['throttled']}")
        lines.append("")


def _api_part(system: str, figures: dict[str, Any]) -> str:
    return f"{system} {figures['seconds']} s / {figures['calls']} calls"


def _e2e(lines: list[str], profile: str, run: dict[str, Any]) -> None:
    dagster = run["dagster"]
    api = run.get("api_time", {})
    api_seconds = sum(v["seconds"] for v in api.values())
    lines += [f"### End to end — {profile} ({run['first']} … {run['last']}, limits off, in-process executor)", ""]
    steps = sorted(((k, v) for k, v in run["steps"].items() if "seconds" in v), key=lambda kv: -kv[1]["seconds"])
    lines += _table(["step", "seconds", "asset body"], [[k, v["seconds"], v["body_seconds"]] for k, v in steps[:14]])
    recon = run.get("recon")
    lines += ["", f"- extract + stage + plan + write: {run['sync_seconds']:.1f} s"
                  + ("" if run.get("sync_finished", True) else " (**not finished**: stopped at the deadline)")
                  + f" → {_ratio(run['sync_seconds'], E2E_TARGET_SECONDS)} of the 60 s target",
              f"- inside the sandboxes (the stand-in APIs, in-process on the same cores; whole run): {api_seconds:.1f} s "
              f"({', '.join(_api_part(k, v) for k, v in api.items())})",
              f"- Dagster: loading the definitions {dagster['definitions_load_seconds']} s (before the run); of the "
              f"{run['sync_seconds']:.1f} s, between steps {dagster['between_steps_seconds']} s and inside steps but "
              f"outside asset bodies {dagster['within_steps_seconds']} s; asset bodies {dagster['asset_bodies_seconds']} s"]
    heaviest = list(run.get("api_time_by_endpoint", {}).items())[:6]
    if heaviest:
        lines.append("- inside the sandboxes, per endpoint: " + "; ".join(
            f"{key} {v['seconds']} s / {v['calls']} ({v['per_call']} s a call)" for key, v in heaviest))
    if recon:
        lines.append("- then the reconciliation (recon group: re-read what was written, recon.* views, their checks): "
                     + (f"{recon['seconds']:.1f} s" if recon["finished"] else
                        f"**not finished after {recon['seconds'] / 60:.0f} min** (the run was stopped there)"))
    lines += [f"- run {'succeeded' if run['success'] else 'did not finish: ' + '; '.join(run['failures'])[:600]}; "
              f"peak memory of its process {run['peak_rss_gb']} GB; load average {run['load_average']}", ""]


def _recon_text(recon: dict[str, Any]) -> str:
    if recon["finished"]:
        return f", then the reconciliation {recon['seconds']:.1f} s"
    return f", then the reconciliation: not finished after {recon['seconds'] / 60:.0f} min (stopped there)"


def _incremental(lines: list[str], profile: str, run: dict[str, Any]) -> None:
    xero = analyse(run, "xero")
    auxo = analyse(run, "auxo")
    reads = [r for r in xero["rows"] + auxo["rows"] if r["kind"] == "read"]
    extra = [f"more than one read: {r['system']} {r['endpoint']} ×{r['calls']}" for r in reads if r["calls"] != 1]
    if not run.get("sync_finished", True) or not reads:
        extra.append("the run did not get through extract + plan + write")
    writes = xero["totals"]["write"]["calls"] + auxo["totals"]["write"]["calls"]
    lines += [f"### Incremental — {profile} (run 2, nothing changed)", "",
              f"- Xero: {xero['totals']['read']['calls']} reads over {sum(1 for r in xero['rows'] if r['kind'] == 'read')} "
              f"endpoints, {xero['totals']['write']['calls']} writes; Auxo: {auxo['totals']['read']['calls']} reads over "
              f"{sum(1 for r in auxo['rows'] if r['kind'] == 'read')} endpoints, {auxo['totals']['write']['calls']} writes",
              f"- target one read per endpoint and no write: {'✓' if not extra and writes == 0 else '✗'}"
              + (f" ({'; '.join(extra)})" if extra else "")
              + (f" ({writes} writes)" if writes else ""),
              f"- time: {run['sync_seconds']:.1f} s for extract + plan + write (Dagster "
              f"{run['dagster']['overhead_seconds']} s of it, definitions {run['dagster']['definitions_load_seconds']} s "
              f"before)" + (_recon_text(run["recon"]) if run.get("recon") else ""),
              ""]


def _rate(lines: list[str], profile: str, rate: dict[str, Any], day_calls: int | None) -> None:
    lines += [f"### Rate-bound — {profile} ({'a slice' if rate['slice'] else 'the whole day'} at Xero's limits)", ""]
    ratio = rate["ratio_to_floor"]
    lines += [f"- {rate['calls']} calls ({rate['writes']} writes of {rate['writes_sent']} of the day's "
              f"{rate['planned_writes_in_day']} planned Xero writes, {rate['reads']} reads) in "
              f"{rate['span_seconds']:.0f} s; floor {rate['floor_seconds']:.0f} s (calls / 60 a minute) → "
              f"{ratio:.2f}× the floor, target ≤ {RATE_TARGET}× {'✓' if ratio <= RATE_TARGET else '✗'}",
              f"- 429s: {rate['throttled']}; one-minute windows with more than one 429: "
              f"{rate['windows_with_more_than_one_429']} {'✓' if rate['windows_with_more_than_one_429'] == 0 else '✗'}; "
              f"day calls left at the end: {rate['day_calls_left']}",
              f"- the sandbox's own time per call: {rate.get('sandbox_seconds_per_call', '?')} s"]
    sixty = rate.get("sixty_calls_seconds")
    if sixty:
        lines.append(f"- pace: the first 60 calls in {rate['first_60_seconds']} s (the window's burst), then 60 "
                     f"consecutive calls every {sixty['median']} s (median; slowest {sixty['max']} s) — the "
                     f"limit allows 60")
    if day_calls:
        pace = (sixty["median"] / 60) if sixty else 1.0
        minutes = ((rate.get("first_60_seconds") or 0) + max(day_calls - 60, 0) * pace) / 60
        lines.append(f"- the whole day ({day_calls} Xero calls in run 1) at this pace: about {minutes:.0f} min "
                     f"against a floor of {day_calls / 60:.0f} min ({minutes / (day_calls / 60):.2f}×); {day_calls} of "
                     f"{XERO_DAY_LIMIT} day calls {'✓' if day_calls < XERO_DAY_LIMIT else '✗'}")
    lines.append("")


def _methods(figures: dict[str, int]) -> str:
    return f"{sum(figures.values())} (" + ", ".join(f"{m} {n}" for m, n in sorted(figures.items())) + ")"


def sandbox_section(profile: str, result: dict[str, Any]) -> list[str]:
    """The sandbox benchmark: ms per 50-document write call, per endpoint, against the target."""
    size = result["state"]
    lines = [f"### Xero sandbox writes — {profile}", "",
             f"State: {size['documents']:,} documents ({size['contacts']:,} contacts, {size['invoices']:,} invoices, "
             f"{size['manual_journals']:,} manual journals, {size['payments']:,} payments), {size['megabytes']} MB; "
             f"{result['rounds']} calls of {result['batch']} documents per endpoint after one warm-up call "
             f"(the first loads the request spec).", ""]
    rows = [[name, f"{e['median_ms']:.1f}", f"{e['p95_ms']:.1f}", f"{e['first_call_ms']:.0f}",
             f"{e['ms_per_document']:.2f}", _ratio(e["p95_ms"], result["target_ms"])]
            for name, e in result["endpoints"].items()]
    lines += _table(["endpoint", "median ms", "p95 ms", "warm-up ms", "ms / document", "p95 of 50 ms"], rows)
    return [*lines, ""]


def faults_section(result: dict[str, Any]) -> list[str]:
    """The faults benchmark: each run's calls, attempts and time, the overhead, the verdict."""
    runs, over, final = result["runs"], result["overhead"], result["verdict"]
    faulty = runs["faulty"]
    lines = [f"### Faults — {result['profile']} ({faulty['days'][0]} … {faulty['days'][1]}, seed {result['seed']}, "
             "limits off, through the demo's runner)", "",
             "Faults in both sandboxes: " + ", ".join(f"{k} {v:.0%}" for k, v in faulty["faults"]["shares"].items())
             + f" (slow = {faulty['faults']['slow_seconds']} s; drop = the write commits, the answer is lost; "
             f"fault seed {faulty['faults']['seed']})", ""]
    rows = []
    for phase, label in (("faulty", "1. faults on"), ("rerun", "2. same days, faults off"), ("clean", "3. clean run")):
        run = runs[phase]
        injected = "; ".join(f"{s} " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
                             for s, kinds in run["injected"].items() if kinds) or "none"
        rows.append([label, run["seconds"], _methods(run["calls"]["xero"]), _methods(run["attempts"]["xero"]["by_method"]),
                     _methods(run["calls"]["auxo"]), _methods(run["attempts"]["auxo"]["by_method"]), injected,
                     "yes" if run["success"] else "**no**",
                     f"{run['verdict']['duplicated']} / {run['verdict']['missing']}"])
    lines += _table(["run", "seconds", "Xero calls", "Xero attempts", "Auxo calls", "Auxo attempts", "faults injected",
                     "run succeeded", "duplicated / missing"], rows)
    lines += ["", "Calls: requests the sync's clients made (one per request, however often tried); attempts: what "
                  "reached the sandbox (its request log).", "",
              f"- overhead against the clean run: time {over['seconds']}× ({over['seconds_with_rerun']}× with the "
              f"rerun); Xero calls {over['xero_calls']}×, attempts {over['xero_attempts']}× "
              f"({over['xero_attempts_with_rerun']}× with the rerun); Auxo calls {over['auxo_calls']}×, attempts "
              f"{over['auxo_attempts']}× ({over['auxo_attempts_with_rerun']}× with the rerun)"]
    waited = faulty.get("waited")
    if waited:
        lines.append(f"- run 1 waited {waited['retry_sleep_seconds']} s in {waited['retry_sleeps']} retry pauses "
                     f"(backoff, Retry-After) and {waited['slow_seconds']} s on slow answers: the faults' own cost; "
                     "the rest of a difference in time is the shared machine's noise")
    by_system = runs["rerun"]["verdict"]["by_system"]
    lines.append("- verdict after the rerun (documents counted in the sandboxes against the generator's expected "
                 "outcome): " + "; ".join(f"{s}: {v['duplicated']} duplicated, {v['missing']} missing "
                                          f"({v['documents_checked']} documents)" for s, v in by_system.items())
                 + f" → {'✓' if final['ok'] else '✗'} (target 0 and 0 in both systems)"
                 + ("" if final["clean_ok"] else " — **the clean run itself is not in step**"))
    for phase in ("faulty", "rerun", "clean"):
        for check in runs[phase]["verdict"]["checks"]:
            if check["duplicated"] or check["missing"]:
                lines.append(f"  - {phase}: {check['system']} {check['kind']}: {check['duplicated']} duplicated "
                             f"{check['duplicated_keys'][:10]}, {check['missing']} missing {check['missing_keys'][:10]}")
    drops = [f for f in faulty["fault_log"] if f["kind"] == "drop"]
    if drops:
        lines.append(f"- answers lost after commit in run 1 ({len(drops)}): " + "; ".join(
            f"#{f['n']} {f['system']} {f['method']} {f['path'].split('/')[-1]}" for f in drops[:30]))
    for phase in ("rerun",):
        written = {f"{s} {k}": n for s in ("xero", "auxo")
                   for k, n in runs[phase]["attempts"][s].get("documents_written", {}).items()}
        lines.append("- documents written by run 2 (what run 1 left undone, or a rerun writes anyway): "
                     + (", ".join(f"{k} {n}" for k, n in sorted(written.items())) or "none"))
    ledger = ", ".join(f"{k} {v}" for k, v in runs["rerun"]["ledger"].items())
    lines += [f"- ledger after the rerun: {ledger}", ""]
    return lines


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = ["# Benchmark report", "",
             f"{m['date']} · {m['cpus']} cores ({m['cpu']}) · {m['memory_gb']} GB · Python {m['python']} · "
             f"{m['libraries']} · commit {m['commit']} · load average at start {m['load_average_at_start']} · "
             f"{results.get('seconds', 0) / 60:.0f} min{' · QUICK (small sizes)' if results.get('quick') else ''}", ""]
    bench = results["benchmarks"]
    for key, value in bench.items():
        if isinstance(value, dict) and "error" in value:
            lines += [f"### {key}", "", f"Failed: `{value['error'][:800]}`", ""]
    for profile in results["profiles"]:
        gen = bench.get(f"generator/{profile}")
        if gen and "error" not in gen:
            lines += [f"### Generator — {profile}", "",
                      f"- generated in {gen['generate_seconds']} s ({gen['generate_cpu_seconds']} s CPU) → "
                      f"{_ratio(gen['generate_seconds'], GENERATOR_TARGET_SECONDS)} of the 60 s target; peak "
                      f"{gen['peak_rss_gb']} GB; per day {gen['per_day']}", ""]
    match = bench.get("matching")
    if match and "error" not in match:
        lines += ["### Contact matching (synthetic, bench_contact_matching.py)", "",
                  f"- {match['auxo']} × {match['xero']}: best {match['best_seconds']} s ({match['runs']}) → "
                  f"{_ratio(match['best_seconds'], MATCHING_TARGET_SECONDS)} of the 2 s target; planted outcome "
                  f"{match['correct']}/{match['planted']}", ""]
    loader = bench.get("loader")
    if loader and "error" not in loader:
        lines += ["### Direct history loader (checked against the real extraction)", "",
                  f"- {loader['profile']}: {loader['tables']} Auxo staging tables compared row for row, "
                  f"differences: {loader['differences'] or 'none'} {'✓' if not loader['differences'] else '✗'}", ""]
    for profile in results["profiles"]:
        setup = bench.get(f"setup/{profile}")
        if setup and "error" not in setup:
            lines += [f"### Set-up — {profile}", "",
                      f"- seconds: {setup['seconds']}; peak {setup['peak_rss_gb']} GB"
                      + (f"; Xero extraction peak {setup['xero_extract']['peak_rss_gb']} GB"
                         if setup.get("xero_extract") else ""), ""]
        for scope in ("day", "year"):
            value = bench.get(f"compute/{profile}/{scope}")
            if value is not None:
                _compute(lines, f"{profile}, {scope}", value, scope == "day")
        run1 = bench.get(f"run1/{profile}")
        day = None
        if run1 and "error" not in run1:
            _e2e(lines, profile, run1)
            day = run1
            _api(lines, profile, day, f"run 1: {run1['first']} … {run1['last']}, with the reconciliation's re-read")
        rate = bench.get(f"rate/{profile}")
        if rate and "error" not in rate:
            day_calls = analyse(day, "xero")["totals"]["all"]["calls"] if day else None
            _rate(lines, profile, rate, day_calls)
        run2 = bench.get(f"run2/{profile}")
        if run2 and "error" not in run2:
            _incremental(lines, profile, run2)
    for key, value in bench.items():
        if key.startswith("faults/") and isinstance(value, dict) and "error" not in value:
            lines += faults_section(value)
        if key.startswith("sandbox/") and isinstance(value, dict) and "error" not in value:
            lines += sandbox_section(key.removeprefix("sandbox/"), value)
    sink = bench.get("sink")
    if isinstance(sink, dict) and "error" not in sink:
        lines += _sink_section(sink)
    for key, value in bench.items():
        if key.startswith("latency/") and isinstance(value, dict) and "error" not in value:
            from bench.bench_latency import latency_section

            lines += latency_section(key.removeprefix("latency/"), value)
    history = bench.get("history")
    if isinstance(history, dict) and "error" not in history:
        from bench.bench_history import markdown as history_markdown

        shown = history.get("shown", ["history", "takeover"])
        lines += history_markdown(history, history="history" in shown, takeover="takeover" in shown)
    _ = PLAN_ASSETS
    return "\n".join(lines) + "\n"
