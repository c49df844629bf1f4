"""End-to-end tests run the real Dagster job on embedded sandboxes in a data folder of their own."""

from pathlib import Path

import dagster as dg
import pytest

from sandbox.embedded import forget_apps


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path / "data"))
    forget_apps()
    yield tmp_path / "data"
    forget_apps()


def run_day(day: str, *, dry_run: bool = False, instance: dg.DagsterInstance | None = None,
            last: str | None = None) -> dg.ExecuteInProcessResult:
    """Materialise the sync job for ``day`` (or ``day``..``last``) in-process."""
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from assets.definitions import defs

    job = defs.resolve_job_def("sync_day")
    tags = {}
    partition_key = day
    if last and last != day:
        tags = {ASSET_PARTITION_RANGE_START_TAG: day, ASSET_PARTITION_RANGE_END_TAG: last}
        partition_key = None
    return job.execute_in_process(
        run_config={"resources": {"sync_mode": {"config": {"dry_run": dry_run}}}},
        instance=instance or dg.DagsterInstance.ephemeral(), partition_key=partition_key, tags=tags)
