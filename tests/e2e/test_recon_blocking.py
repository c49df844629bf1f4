"""The blocking check: an account the mappings post to, archived in Xero, stops the writes before any is sent."""

from pathlib import Path

import dagster as dg

import sandbox.xero
from assets.recon import checks
from assets.resources import EMBEDDED_XERO_URL
from assets.sinks import AUXO_WRITES, XERO_WRITES
from pipelines import settings
from pipelines.xero.auth import XeroCredentials
from pipelines.xero.client import XeroClient, XeroEndpoints
from sandbox.embedded import transport
from tests.e2e.test_spine import small_workshop


def test_an_archived_mapped_account_blocks_the_writes_and_says_what_to_fix(home: Path) -> None:
    small_workshop()
    # a person archives the account in Xero: the sync itself only reads settings (accounting.settings.read)
    state = settings.sandbox_state_dir("xero")
    creds = sandbox.xero.credentials(state)
    person = XeroClient(XeroCredentials(creds["client_id"], creds["client_secret"], scopes="accounting.settings"),
                        tenant_id=creds["tenant_id"], transport=transport("xero", state),
                        endpoints=XeroEndpoints(f"{EMBEDDED_XERO_URL}/api.xro/2.0", f"{EMBEDDED_XERO_URL}/connect/token",
                                                f"{EMBEDDED_XERO_URL}/connections"))
    with person as client:
        stock = next(a for a in client.get("Accounts")["Accounts"] if a["Code"] == "630")
        client.write("POST", f"Accounts/{stock['AccountID']}", "Accounts", [{"Status": "ARCHIVED"}],
                     idempotency_key="archive-630-for-the-test")
    sandbox.xero.clear_request_log(settings.sandbox_state_dir("xero"))

    from assets.definitions import defs

    result = defs.resolve_job_def("sync_day").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key="2026-11-02", raise_on_error=False)
    assert not result.success
    failures = [e.event_specific_data.error.message for e in result.all_events if e.is_step_failure]
    assert any("mapped_accounts_active_in_xero" in message for message in failures), failures

    evaluation = next(e.asset_check_evaluation_data for e in result.all_events
                      if e.event_type_value == "ASSET_CHECK_EVALUATION"
                      and e.asset_check_evaluation_data.check_name == checks.MAPPED_ACCOUNTS_ACTIVE)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "nothing is written until they are fixed" in evaluation.description
    assert "inventory.stock_on_hand: account 630 (Stock on Hand) is ARCHIVED in Xero" in \
        evaluation.metadata["details"].value
    materialized = {e.event_specific_data.materialization.asset_key for e in result.all_events
                    if e.event_type_value == "ASSET_MATERIALIZATION"}
    assert XERO_WRITES not in materialized and AUXO_WRITES not in materialized
    writes = [r for r in sandbox.xero.request_log(settings.sandbox_state_dir("xero"), path_prefix="/api.xro")
              if r["method"] in ("PUT", "POST")]
    assert writes == []  # nothing was sent while a mapped account is archived
