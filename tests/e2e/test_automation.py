"""The sensors, evaluated against a Dagster instance: what they launch, when they hold back, and that the
runs they ask for do the job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import httpx
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from assets.automation import (
    LAUNCHED_BY,
    MAX_ATTEMPTS,
    retry_failed_writes,
    today_in_organisation,
    xero_changes_between_runs,
)
from assets.resources import ConnectionResource, WarehouseResource, XeroApiResource
from pipelines import settings, warehouse
from pipelines.sync import ledger
from sandbox.embedded import transport
from tests.e2e.conftest import run_day
from tests.e2e.test_spine import small_workshop

RESOURCES = {"warehouse": WarehouseResource(), "connection": ConnectionResource(), "xero": XeroApiResource()}


def evaluate(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None = None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=RESOURCES)
    return sensor(context), context


def add_write(con, key: str, day: date | None, status: str, *, error_class: str | None = None, attempts: int = 1,
              updated_at: datetime | None = None) -> None:
    con.execute(
        "insert into sync.write_ledger (idempotency_key, connection_id, target, entity, operation, ref, source_id, "
        "business_date, payload, payload_hash, status, attempts, error_class, updated_at) "
        "values (?, 'default', 'xero', 'invoice', 'create', ?, ?, ?, '{}', '0', ?, ?, ?, ?)",
        [key, f"invoice:{key}", key, day, status, attempts, error_class, updated_at or datetime.now(UTC)])


def in_progress_run(instance: dg.DagsterInstance) -> None:
    instance.add_run(DagsterRun(job_name="sync_day", run_id="r" * 32, status=DagsterRunStatus.STARTED))


def test_the_retry_sensor_reruns_the_days_whose_writes_wait_for_another_try(home: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    skip, _ = evaluate(retry_failed_writes, instance)
    assert isinstance(skip, dg.SkipReason) and "no warehouse" in skip.skip_message
    now = datetime.now(UTC)
    with warehouse.connect() as con:
        ledger.ensure_ledger(con)
        con.execute("create table staging.xero_organisation as select 'default' as connection_id, "
                    "date '2026-11-03' as period_lock_date, null::date as end_of_year_lock_date")
        add_write(con, "temporary", date(2026, 11, 5), "failed", error_class="retryable")
        add_write(con, "gave_up", date(2026, 11, 1), "failed", error_class="retryable", attempts=MAX_ATTEMPTS)
        add_write(con, "refused", date(2026, 11, 1), "failed", error_class="needs_person")
        add_write(con, "day_limit", date(2026, 11, 9), "planned", error_class="daily_limit",
                  updated_at=now - timedelta(days=1))
        add_write(con, "day_limit_today", date(2026, 11, 12), "planned", error_class="daily_limit")
        add_write(con, "lost_answer", date(2026, 11, 7), "sent", updated_at=now - timedelta(minutes=30))
        add_write(con, "released", date(2026, 11, 4), "held", error_class="held")
        add_write(con, "still_locked", date(2026, 11, 2), "held", error_class="held")
    request, _ = evaluate(retry_failed_writes, instance)
    assert isinstance(request, dg.RunRequest)
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "2026-11-04"  # one run, days 4 to 9
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == "2026-11-09"
    assert request.tags[LAUNCHED_BY] == "retry_failed_writes"
    again, _ = evaluate(retry_failed_writes, instance)
    assert again.run_key == request.run_key  # the same failures never launch a second run

    with warehouse.connect() as con:
        con.execute("update sync.write_ledger set attempts = 2 where idempotency_key = 'temporary'")
    after_a_failed_retry, _ = evaluate(retry_failed_writes, instance)
    assert after_a_failed_retry.run_key != request.run_key  # tried and failed again: a new try

    in_progress_run(instance)
    held_back, _ = evaluate(retry_failed_writes, instance)
    assert isinstance(held_back, dg.SkipReason) and "queued or running" in held_back.skip_message


def test_the_retry_sensors_run_sends_the_write_that_failed(home: Path) -> None:
    small_workshop()
    assert run_day("2026-11-02", dry_run=True).success  # everything planned, nothing sent
    with warehouse.connect() as con:  # as if a 503 had stopped the invoice
        con.execute("update sync.write_ledger set status = 'failed', error_class = 'retryable', attempts = 1 "
                    "where entity = 'invoice'")
    instance = dg.DagsterInstance.ephemeral()
    request, _ = evaluate(retry_failed_writes, instance)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2026-11-02"
    assert run_day(request.partition_key, instance=instance).success
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select status from sync.write_ledger where entity = 'invoice'").fetchall() == \
            [("confirmed",)]
    done, _ = evaluate(retry_failed_writes, instance)
    assert isinstance(done, dg.SkipReason)


def xero_admin() -> httpx.Client:
    return httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                        base_url="http://xero.sandbox/admin")


def test_the_xero_changes_sensor_runs_today_when_someone_acts_in_xero(home: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    skip, _ = evaluate(xero_changes_between_runs, instance)
    assert isinstance(skip, dg.SkipReason)
    small_workshop()
    assert run_day("2026-11-02", instance=instance).success
    quiet, _ = evaluate(xero_changes_between_runs, instance)
    assert isinstance(quiet, dg.SkipReason) and "nothing changed in Xero" in quiet.skip_message

    with xero_admin() as admin:  # a bookkeeper takes a payment in Xero
        invoice = next(i for i in admin.get("/documents/Invoices").json()["Invoices"]
                       if i["InvoiceNumber"] == "INV-000001")
        paid = admin.post("/actions/payment", json={"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                                    "Account": {"Code": "090"}, "Date": "2026-11-03",
                                                    "Amount": "10.00"})
        assert paid.status_code < 300, paid.text
    request, context = evaluate(xero_changes_between_runs, instance)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == today_in_organisation(datetime.now(UTC)).isoformat()
    assert request.run_key.startswith("xero-changes:") and context.cursor
    repeat, _ = evaluate(xero_changes_between_runs, instance, cursor=context.cursor)
    assert isinstance(repeat, dg.SkipReason)  # that change already launched its run

    in_progress_run(instance)
    held_back, _ = evaluate(xero_changes_between_runs, instance)
    assert isinstance(held_back, dg.SkipReason) and "queued or running" in held_back.skip_message


@pytest.mark.parametrize("sensor", [retry_failed_writes, xero_changes_between_runs])
def test_the_sensors_start_stopped_and_target_the_sync_job(sensor: dg.SensorDefinition) -> None:
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert sensor.job_name == "sync_day" and sensor.minimum_interval_seconds >= 600
