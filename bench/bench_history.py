"""What a run costs as the history grows (``bench --only history``) and the first run on a pair
already in step (``bench --only takeover``).

    .venv/bin/python -m bench --only history,takeover              # medium, 30 and 180 days synced
    .venv/bin/python -m bench --only history --history-days 30,90  # other lengths
    .venv/bin/python -m bench.bench_history --work /tmp/h --days 30,180 [--keep]

For each number of days synced: a data folder of its own under ``--work``, the ``medium`` workshop
generated with that many days already synced (``bench.workshop_setup --no-prime --history-days N``:
both sandboxes seeded, nothing extracted yet), then two runs of the real ``sync_day`` job over the
unsynced window, each in a process of its own (``bench.bench_sync``):

1. **the takeover**: the first run on a fresh data folder extracts the whole history, links it and
   writes only the window;
2. **the no-change run**: the same window again right after, nothing changed in either system.

Each run's figures are those of its process: wall time of the job (extract + stage + plan + write,
then the reconciliation), the time to load the definitions before it, peak resident memory
(``ru_maxrss``: the embedded sandboxes run in the same process), and the machine's load average
as it ended. ``history`` reports the no-change runs side by side with the ratio longest ÷ shortest
(target ≤ 1.2× for time and memory); ``takeover`` the longest history's first run (targets ≤ 5 min,
≤ 3 GB). Both use the same runs when asked together.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

PROFILE = "medium"
NO_CHANGE_RATIO_TARGET = 1.2
TAKEOVER_TARGET_SECONDS = 300.0
TAKEOVER_TARGET_GB = 3.0


def _result(stdout: str, stderr: str, what: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise RuntimeError(f"{what} gave no result:\n{stderr[-3000:]}")


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def run_summary(run: dict[str, Any]) -> dict[str, Any]:
    """The figures of one sync run worth keeping (bench_sync's report is large)."""
    recon = run.get("recon") or {}
    reads = {"xero": sum(1 for c in run["xero_calls"] if c["method"] == "GET"),
             "auxo": sum(1 for c in run["auxo_calls"] if c["method"] == "GET")}
    writes = {system: sum(1 for c in run[f"{system}_calls"] if c["method"] in ("PUT", "POST", "DELETE")
                          and "connect/token" not in c["endpoint"])  # a token refresh is not a write
              for system in ("xero", "auxo")}
    slowest = sorted(((k, v["seconds"]) for k, v in run["steps"].items() if "seconds" in v), key=lambda kv: -kv[1])
    return {"success": run["success"], "failures": run["failures"][:5], "wall_seconds": run["wall_seconds"],
            "sync_seconds": run["sync_seconds"], "recon_seconds": recon.get("seconds"),
            "definitions_load_seconds": run["dagster"]["definitions_load_seconds"],
            "peak_rss_gb": run["peak_rss_gb"], "load_average_end": run["load_average"],
            "reads": reads, "writes": writes, "slowest_steps": slowest[:8],
            "records_read": {system: sum(sum(load["tables"].values()) for load in loads)
                             for system, loads in run["records_read"].items()}}


def one_history(work: Path, days: int, *, profile: str, cap_gb: float, timeout: float, keep: bool) -> dict[str, Any]:
    """Set up ``profile`` with ``days`` synced, then the takeover and the no-change run."""
    from bench.processes import run_python

    home = work / f"{profile}-{days}"
    out: dict[str, Any] = {"days": days, "home": str(home)}
    load = _load()
    code, stdout, stderr, verdict = run_python("-m", "bench.workshop_setup", "--profile", profile, "--no-prime",
                                               "--history-days", str(days), "--home", str(home), cap_gb=cap_gb,
                                               timeout=timeout)
    setup = _result(stdout, stderr + str(verdict), f"setting up {profile} with {days} days synced")
    out["setup"] = {"seconds": setup["seconds"], "peak_rss_gb": setup["peak_rss_gb"], "rows": setup["rows"],
                    "load_average_start": load, "load_average_end": _load()}
    first, last = setup["meta"]["window_start_date"], setup["meta"]["end_date"]
    for label in ("takeover", "no_change"):
        load = _load()
        code, stdout, stderr, verdict = run_python("-m", "bench.bench_sync", "--home", str(home), "--first", first,
                                                   "--last", last, cap_gb=cap_gb, timeout=timeout)
        (home / f"{label}.log").write_text(stderr)
        if verdict.get("killed"):
            out[label] = {"error": verdict["killed"], "max_sampled_gb": verdict.get("max_sampled_gb")}
            break
        out[label] = {**run_summary(_result(stdout, stderr, f"the {label} run with {days} days synced")),
                      "load_average_start": load, "max_sampled_gb": round(verdict.get("max_sampled_gb", 0.0), 2),
                      "exit_status": code}
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return out


def run_benchmark(work: Path, days: list[int], *, profile: str = PROFILE, cap_gb: float = 4.0,
                  timeout: float = 3600.0, keep: bool = False) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    runs = {str(n): one_history(work, n, profile=profile, cap_gb=cap_gb, timeout=timeout, keep=keep)
            for n in sorted(days)}
    return {"profile": profile, "runs": runs, **figures(runs)}


def figures(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The no-change ratio (longest ÷ shortest history) and the longest history's takeover."""
    ordered = sorted(runs.values(), key=lambda r: r["days"])
    short, long = ordered[0], ordered[-1]
    out: dict[str, Any] = {}
    if len(ordered) > 1 and "error" not in short.get("no_change", {"error": 1}) \
            and "error" not in long.get("no_change", {"error": 1}):
        a, b = short["no_change"], long["no_change"]
        out["no_change_ratio"] = {"days": [short["days"], long["days"]],
                                  "wall": round(b["wall_seconds"] / a["wall_seconds"], 2),
                                  "memory": round(b["peak_rss_gb"] / a["peak_rss_gb"], 2),
                                  "target": NO_CHANGE_RATIO_TARGET}
    takeover = long.get("takeover")
    if takeover and "error" not in takeover:
        out["takeover"] = {"days": long["days"], "wall_seconds": takeover["wall_seconds"],
                           "peak_rss_gb": takeover["peak_rss_gb"], "target_seconds": TAKEOVER_TARGET_SECONDS,
                           "target_gb": TAKEOVER_TARGET_GB}
    return out


def markdown(result: dict[str, Any], *, history: bool = True, takeover: bool = True) -> list[str]:
    """The report's section: each history's runs side by side, the ratio, the takeover."""
    from bench.report import _ratio, _table

    runs = sorted(result["runs"].values(), key=lambda r: r["days"])
    lines = [f"### History — {result['profile']}, " + " vs ".join(f"{r['days']} days synced" for r in runs), ""]
    rows = []
    for r in runs:
        for label in ("takeover", "no_change"):
            run = r.get(label)
            if run is None:
                continue
            if "error" in run:
                rows.append([r["days"], label, run["error"], "", "", "", "", "", ""])
                continue
            rows.append([r["days"], label, run["wall_seconds"], run["sync_seconds"], run["recon_seconds"],
                         run["peak_rss_gb"], f"{run['reads']['xero']} / {run['reads']['auxo']}",
                         f"{run['writes']['xero']} / {run['writes']['auxo']}",
                         f"{run['load_average_start']}–{run['load_average_end']}"])
    lines += _table(["days synced", "run", "wall s", "extract…write s", "recon s", "peak GB", "reads X / A",
                     "writes X / A", "load"], rows)
    lines.append("")
    ratio = result.get("no_change_ratio")
    if history and ratio:
        lines.append(f"- no-change run, {ratio['days'][1]} ÷ {ratio['days'][0]} days: time {ratio['wall']}× "
                     f"({_ratio(ratio['wall'], ratio['target'])} of ≤ {ratio['target']}×), memory {ratio['memory']}× "
                     f"({_ratio(ratio['memory'], ratio['target'])})")
    took = result.get("takeover")
    if takeover and took:
        lines.append(f"- takeover with {took['days']} days synced: {took['wall_seconds']} s "
                     f"({_ratio(took['wall_seconds'], took['target_seconds'])} of ≤ 5 min), {took['peak_rss_gb']} GB "
                     f"({_ratio(took['peak_rss_gb'], took['target_gb'])} of ≤ 3 GB)")
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--days", default="30,180", help="days synced, comma-separated")
    parser.add_argument("--profile", default=PROFILE)
    parser.add_argument("--cap-gb", type=float, default=4.0, help="stop a set-up or run above this")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    result = run_benchmark(args.work.resolve(), [int(d) for d in args.days.split(",")], profile=args.profile,
                           cap_gb=args.cap_gb, keep=args.keep)
    print("\n".join(markdown(result)))
    print("BENCH-RESULT " + json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
