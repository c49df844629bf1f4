"""The Auxo sensor, evaluated against a Dagster instance: it launches a run when a person changes a
payment, deposit, invoice or credit in Auxo, never for the sync's own write-backs, and the run it asks
for puts the change in Xero."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import httpx
import pytest

from assets.automation import (
    AUXO_CHANGES_SENSOR,
    AUXO_WATCHED,
    LAUNCHED_BY,
    auxo_changes,
    read_auxo_cursor,
    today_in_organisation,
)
from assets.resources import AuxoApiResource, ConnectionResource, WarehouseResource, build_auxo_client
from pipelines import settings
from sandbox.embedded import transport
from tests.e2e.conftest import run_day
from tests.e2e.test_automation import in_progress_run
from tests.e2e.test_spine import auxo_admin, small_workshop

RESOURCES = {"warehouse": WarehouseResource(), "connection": ConnectionResource(), "auxo": AuxoApiResource()}


def evaluate(instance: dg.DagsterInstance, cursor: str | None = None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=RESOURCES)
    return auxo_changes(context), context


def auxo_post(path: str, body: dict) -> dict:
    with auxo_admin() as admin:
        response = admin.post(path, json=body)
        assert response.status_code < 300, response.text
        return response.json()["data"]


def xero_documents(collection: str) -> list[dict]:
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        return admin.get(f"/documents/{collection}").json()[collection]


@pytest.mark.slow
def test_the_auxo_sensor_runs_today_for_a_persons_change_and_never_for_the_syncs_write_backs(home: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    nothing, _ = evaluate(instance)
    assert isinstance(nothing, dg.SkipReason) and "no warehouse" in nothing.skip_message
    small_workshop()
    with build_auxo_client() as client:
        customer_id = client.get("customers")["data"][0]["id"]
    open_job = auxo_post("/admin/jobs", {"customer_id": customer_id})
    assert run_day("2026-11-02", instance=instance).success  # the invoice reaches Xero; Auxo hears of it

    quiet, context = evaluate(instance)  # first look: from what the run's extraction staged
    assert isinstance(quiet, dg.SkipReason) and "nothing to sync changed in Auxo" in quiet.skip_message
    assert set(read_auxo_cursor(context.cursor)) == {endpoint for endpoint, _ in AUXO_WATCHED}

    with build_auxo_client() as client:
        invoice = client.get("invoices")["data"][0]
    assert invoice["sync_status"] == "synced" and invoice["xero_invoice_id"]
    payment = auxo_post(f"/admin/invoices/{invoice['id']}/payments", {"amount": "50.00", "method": "eftpos"})
    deposit = auxo_post(f"/admin/jobs/{open_job['id']}/deposits", {"amount": "80.00", "method": "card"})
    request, after = evaluate(instance, cursor=context.cursor)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == today_in_organisation(datetime.now(UTC)).isoformat()
    assert request.tags[LAUNCHED_BY] == AUXO_CHANGES_SENSOR
    newest = max(datetime.fromisoformat(p["updated_at"].replace("Z", "+00:00")) for p in (payment, deposit))
    assert request.run_key == f"auxo-changes:{newest.isoformat()}"
    repeat, cursor = evaluate(instance, cursor=after.cursor)
    assert isinstance(repeat, dg.SkipReason)  # that change already launched its run

    busy = dg.DagsterInstance.ephemeral()  # another sync run is going: the sensor does not even ask Auxo
    in_progress_run(busy)
    held_back, _ = evaluate(busy, cursor=context.cursor)
    assert isinstance(held_back, dg.SkipReason) and "queued or running" in held_back.skip_message

    assert run_day(request.partition_key, instance=instance).success
    paid = [p for p in xero_documents("Payments") if (p.get("Invoice") or {}).get("InvoiceID")
            == invoice["xero_invoice_id"] and p["Status"] != "DELETED"]
    assert [Decimal(str(p["Amount"])) for p in paid] == [Decimal("50.00")]  # once
    with build_auxo_client() as client:
        synced = {p["id"]: p for p in client.get("payments")["data"]}
    assert synced[payment["id"]]["sync_status"] == "synced" and synced[payment["id"]]["xero_payment_id"]
    assert synced[deposit["id"]]["sync_status"] == "synced" and synced[deposit["id"]]["xero_payment_id"]
    prepayments = {p["PrepaymentID"] for p in xero_documents("Prepayments")}
    assert synced[deposit["id"]]["xero_payment_id"] in prepayments

    settled, _ = evaluate(instance, cursor=cursor.cursor)  # the run's write-backs are not a person's change
    assert isinstance(settled, dg.SkipReason) and "nothing to sync changed" in settled.skip_message


def test_the_auxo_sensor_looks_every_30_seconds_and_starts_stopped() -> None:
    assert auxo_changes.default_status == dg.DefaultSensorStatus.STOPPED
    assert auxo_changes.job_name == "sync_day" and auxo_changes.minimum_interval_seconds == 30


class FakeAuxo:
    """Answers each list call with the records given for that endpoint, as Auxo would (inclusive since)."""

    def __init__(self, records: dict[str, list[dict]], full: tuple[str, ...] = ()) -> None:
        self.records, self.full, self.calls = records, full, []

    def get(self, path: str, params: dict) -> dict:
        self.calls.append((path, params))
        since = datetime.fromisoformat(params["updated_since"].replace("Z", "+00:00"))
        data = [r for r in self.records.get(path, []) if datetime.fromisoformat(r["updated_at"]) >= since]
        return {"data": data, "next_cursor": "more" if path in self.full else None}


def test_one_look_is_one_call_per_endpoint_and_counts_only_what_a_person_changed() -> None:
    from assets.automation import auxo_changes_since, auxo_cursor

    start = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    at = lambda minute: datetime(2026, 12, 4, 1, minute, tzinfo=UTC).isoformat()  # noqa: E731
    client = FakeAuxo({
        "payments": [{"updated_at": at(0), "sync_status": "pending"},  # at the cursor: read last time
                     {"updated_at": at(2), "sync_status": "synced"},  # the sync's write-back
                     {"updated_at": at(3), "sync_status": "pending"}],
        "invoices": [{"updated_at": at(4), "sync_status": "error"}],
        "invoice-credits": [{"updated_at": at(1), "sync_status": "pending"}]}, full=("invoices",))
    since = {endpoint: start for endpoint, _ in AUXO_WATCHED}
    changes = auxo_changes_since(client, since)
    assert [path for path, _ in client.calls] == ["payments", "invoices", "invoice-credits"]
    assert all(params["limit"] == 100 and params["updated_since"] == "2026-12-04T01:00:00.000000Z"
               for _, params in client.calls)
    assert changes.pending == {"payments": 1, "invoice-credits": 1}
    assert changes.newest == datetime(2026, 12, 4, 1, 3, tzinfo=UTC)
    assert changes.seen["invoices"] == datetime(2026, 12, 4, 1, 4, tzinfo=UTC) and changes.more == ("invoices",)
    assert read_auxo_cursor(auxo_cursor(changes.seen)) == changes.seen
    quiet = auxo_changes_since(FakeAuxo({"payments": [{"updated_at": at(2), "sync_status": "synced"}]}), since)
    assert quiet.newest is None and quiet.pending == {}
    assert read_auxo_cursor("not json") == {} and read_auxo_cursor('{"payments": "2026-12-04T01:00:00+00:00"}') == {}
