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
