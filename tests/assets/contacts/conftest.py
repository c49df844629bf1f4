"""Contact tests against the sandboxes: a data folder of their own, and a contacts-only sync run
(extract both systems, stage, match, plan, write) through Dagster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import httpx
import pytest

from pipelines import settings
from sandbox.embedded import forget_apps, transport

DAY = "2026-03-01"


@contextmanager
def data_home(folder: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUXO_XERO_HOME", str(folder))
        forget_apps()
        try:
            yield folder
        finally:
            forget_apps()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    with data_home(tmp_path / "data") as folder:
        yield folder


CONTACT_KEYS = [["raw", "xero", "contacts"], ["raw", "auxo", "customers"], ["raw", "auxo", "suppliers"],
                *[["staging", t] for t in ("auxo_customers", "auxo_suppliers", "auxo_customer_addresses",
                                           "auxo_supplier_addresses", "xero_contacts", "xero_contact_phones",
                                           "xero_contact_addresses")],
                ["plans", "contact_matches"], ["plans", "contact_sync"], ["sync", "xero_writes"], ["sync", "auxo_writes"]]


def run_contacts(day: str = DAY, *, dry_run: bool = False) -> dg.ExecuteInProcessResult:
    """Extract, stage, plan contacts and write them: the contact part of the nightly job."""
    from dagster_dlt import DagsterDltResource

    from assets.contacts import ASSETS, CHECKS
    from assets.contacts.assets import MATCHES, SYNC
    from assets.extract import auxo_raw, xero_raw
    from assets.resources import (
        AuxoApiResource,
        ConnectionResource,
        MappingsResource,
        WarehouseResource,
        XeroApiResource,
    )
    from assets.sinks import SyncModeResource, build_sink_assets
    from assets.staging import STAGING_ASSETS

    result = dg.materialize(
        [xero_raw, auxo_raw, *STAGING_ASSETS, *ASSETS, *CHECKS, *build_sink_assets([MATCHES, SYNC])],
        selection=dg.AssetSelection.assets(*[dg.AssetKey(k) for k in CONTACT_KEYS]),
        resources={"dlt": DagsterDltResource(), "warehouse": WarehouseResource(), "xero": XeroApiResource(),
                   "auxo": AuxoApiResource(), "mappings": MappingsResource(), "connection": ConnectionResource(),
                   "sync_mode": SyncModeResource(dry_run=dry_run)},
        partition_key=day, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result


def admin(system: str) -> httpx.Client:
    """The sandbox's admin surface, as a person (or a test) uses it."""
    return httpx.Client(transport=transport(system, settings.sandbox_state_dir(system)), base_url=f"http://{system}")


def writes(system: str) -> list[dict]:
    """API write requests the sandbox has seen (its request log)."""
    import sandbox.auxo
    import sandbox.xero

    state = settings.sandbox_state_dir(system)
    if system == "xero":
        log = sandbox.xero.request_log(state, path_prefix="/api.xro")
    else:
        log = sandbox.auxo.request_log(state)
    return [r for r in log if r["method"] in ("PUT", "POST", "PATCH", "DELETE")]


def clear_logs() -> None:
    import sandbox.auxo
    import sandbox.xero

    sandbox.xero.clear_request_log(settings.sandbox_state_dir("xero"))
    sandbox.auxo.clear_request_log(settings.sandbox_state_dir("auxo"))
