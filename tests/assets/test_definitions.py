"""The Dagster definitions: they load, validate, and their asset keys are a pinned contract."""

import os
import subprocess
import sys
from pathlib import Path

from assets.definitions import defs

SNAPSHOT = Path(__file__).with_name("asset_keys.txt")
PROJECT = Path(__file__).resolve().parents[2]


def current_keys() -> list[str]:
    return sorted(key.to_user_string() for key in defs.get_repository_def().asset_graph.get_all_asset_keys())


def test_asset_keys_are_pinned():
    """Asset keys are a contract with everyone who queries the warehouse: change them on purpose."""
    expected = SNAPSHOT.read_text().split()
    assert current_keys() == expected, (
        f"asset keys changed; if that is intended, write them to {SNAPSHOT.relative_to(PROJECT)}:\n"
        + "\n".join(current_keys()))


def test_the_sync_job_and_its_schedule():
    job = defs.resolve_job_def("sync_day")
    assert job.partitions_def is not None
    schedule = defs.resolve_schedule_def("nightly_sync")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Australia/Sydney"


def test_dagster_definitions_validate(tmp_path: Path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-m", "assets.definitions"],
                            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_month_report_runs_on_its_own_monthly_partitions():
    """recon/month_report is monthly (same start and timezone as the days) and outside the sync job."""
    from assets.jobs import MONTH_REPORT
    from assets.partitions import daily_partitions

    report = defs.resolve_job_def("month_report")
    monthly = report.partitions_def
    assert monthly.get_partition_keys()[0] == "2025-07-01" == daily_partitions.get_first_partition_key()
    assert monthly.timezone == daily_partitions.timezone == "Australia/Sydney"
    assert monthly.get_cron_schedule() == "0 0 1 * *"
    sync_keys = defs.resolve_job_def("sync_day").asset_layer.executable_asset_keys
    assert MONTH_REPORT not in sync_keys and MONTH_REPORT in report.asset_layer.executable_asset_keys
