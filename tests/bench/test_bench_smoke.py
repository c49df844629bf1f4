"""``python -m bench`` runs and writes its report (the fastest benchmark, at --quick sizes).

The full command takes about an hour and the --quick run a few minutes (real Dagster runs); here
only the command's plumbing is proven: benchmarks chosen, run as subprocesses, figures parsed,
report.md and results.json written.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_bench_quick_writes_the_report(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "generator",
                           "--out", str(tmp_path), "--work", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["benchmarks"]) == {"generator/demo"}
    assert results["benchmarks"]["generator/demo"]["per_day"]["invoices"] == 15
    report = (tmp_path / "report.md").read_text()
    assert "### Generator — demo" in report and "of the 60 s target" in report


def test_the_faults_benchmark_switches_both_sandboxes_and_logs_each_fault(tmp_path: Path) -> None:
    """The faults benchmark's plumbing, without its three Dagster runs (minutes even on ``tiny``)."""
    import httpx

    import sandbox.auxo
    from bench import bench_faults
    from sandbox.embedded import forget_apps, transport
    from sandbox.faults import FaultConfig, FaultStore

    xero, auxo = tmp_path / "xero", tmp_path / "auxo"
    bench_faults.set_faults([xero, auxo], on=True)
    assert [FaultStore(d).get().shares for d in (xero, auxo)] == [bench_faults.SHARES] * 2
    assert FaultStore(xero).get().seed != FaultStore(auxo).get().seed  # each sandbox draws its own sequence
    bench_faults.set_faults([xero, auxo], on=False)
    assert not any(FaultStore(d).get().active for d in (xero, auxo))

    bench_faults._record_faults()
    FaultStore(auxo).set(FaultConfig(script=["503"]))
    forget_apps()
    try:
        with httpx.Client(transport=transport("auxo", auxo), base_url="http://auxo.sandbox",
                          headers={"X-Api-Key": sandbox.auxo.credentials(auxo)["api_key"]}) as api:
            assert api.get("/api/v1/customers").status_code == 503
            assert api.get("/api/v1/customers").status_code == 200
    finally:
        forget_apps()
    assert bench_faults.FAULTS[-1] | {"n": 0} == {"n": 0, "system": "auxo", "method": "GET",
                                                   "path": "/api/v1/customers", "idempotency_key": "", "kind": "503"}


def test_the_faults_report_gives_the_overhead_and_the_verdict() -> None:
    from bench.bench_faults import SHARES, overhead
    from bench.report import faults_section

    def run(seconds: float, attempts: int, duplicated: int = 0) -> dict:
        return {"days": ["2026-02-09", "2026-03-01"], "seconds": seconds, "success": True,
                "faults": {"shares": SHARES, "slow_seconds": 2.0, "seed": 17},
                "calls": {"xero": {"GET": 10, "PUT": 10}, "auxo": {"GET": 10, "POST": 10}},
                "attempts": {s: {"by_method": {"GET": attempts, "PUT": attempts}, "documents_written": {}}
                             for s in ("xero", "auxo")},
                "injected": {"xero": {"429": 2}, "auxo": {}}, "fault_log": [], "ledger": {"xero confirmed": 20},
                "verdict": {"ok": duplicated == 0, "duplicated": duplicated, "missing": 0, "checks": [],
                            "by_system": {s: {"duplicated": duplicated if s == "xero" else 0, "missing": 0,
                                              "documents_checked": 20} for s in ("xero", "auxo")}}}

    runs = {"faulty": run(30, 12), "rerun": run(10, 10, duplicated=1), "clean": run(20, 10)}
    result = {"profile": "demo", "seed": 42, "runs": runs, "overhead": overhead(runs["faulty"], runs["rerun"], runs["clean"]),
              "verdict": {"duplicated": 1, "missing": 0, "ok": False, "clean_ok": True}}
    assert result["overhead"]["seconds"] == 1.5 and result["overhead"]["xero_attempts"] == 1.2
    text = "\n".join(faults_section(result))
    assert "time 1.5×" in text and "xero: 1 duplicated, 0 missing" in text and "→ ✗" in text


def test_the_sandbox_benchmark_times_every_write_endpoint_on_a_seeded_state(tmp_path: Path) -> None:
    """The sandbox benchmark at a tiny size: a tiny workshop's Xero state, two 5-document calls per
    endpoint; every element must come back OK (the benchmark raises otherwise) and the report
    names each endpoint and the state's size. No time is asserted (figures only)."""
    from bench import bench_sandbox
    from bench.report import sandbox_section
    from sandbox.embedded import forget_apps

    forget_apps()
    try:
        result = bench_sandbox.run_benchmark("tiny", tmp_path, rounds=2, batch=5)
    finally:
        forget_apps()
    assert set(result["endpoints"]) == {"PUT Contacts", "POST Contacts", "PUT Invoices", "PUT ManualJournals",
                                        "PUT CreditNotes", "PUT Payments"}
    assert all(e["calls"] == 2 and e["documents_per_call"] == 5 for e in result["endpoints"].values())
    # the writes landed: 3 calls (warm-up included) x 5 new documents per created kind
    seeded = result["state"]
    after = bench_sandbox.state_size(tmp_path / "sandbox-tiny" / "xero")
    assert after["invoices"] == seeded["invoices"] + 15 and after["payments"] == seeded["payments"] + 15
    assert after["manual_journals"] == seeded["manual_journals"] + 15
    text = "\n".join(sandbox_section("tiny", result))
    assert "### Xero sandbox writes — tiny" in text and "| PUT ManualJournals |" in text
