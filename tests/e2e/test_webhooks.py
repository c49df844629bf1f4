"""Xero's changes pushed by webhooks: the sensor that turns stored events into runs, and the whole path — a
contact edited in the Xero sandbox, delivered signed to the receiver on loopback (after intent to receive;
a replay kept once, a forgery refused), a run launched by the sensor, the change in Auxo."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest

import sandbox.xero
from assets.automation import (
    LAUNCHED_BY,
    SENSORS,
    WEBHOOK_SENSOR,
    today_in_organisation,
    xero_changes_between_runs,
    xero_webhook_events,
)
from pipelines import settings, warehouse
from pipelines.xero.webhooks import Event, EventStore, Receiver, signature
from tests.e2e.conftest import run_day
from tests.e2e.test_automation import RESOURCES, evaluate, in_progress_run, xero_admin
from tests.e2e.test_spine import auxo_admin, small_workshop

KEY = "the-apps-webhook-key"
OTHER_TENANT = "aef86862-2015-4b6b-88bc-d89032cecc50"


def our_tenant() -> str:
    return sandbox.xero.credentials(settings.sandbox_state_dir("xero"))["tenant_id"]


def received(*events: tuple[str, str, str]) -> None:
    """Events as the receiver stores them: (tenant, category, type)."""
    EventStore(settings.webhook_events_path()).add([
        Event(tenant_id=tenant.lower(), category=category, type=type_, resource_id=f"id-{n}",
              event_date_utc=f"2026-12-04T01:00:0{n}.000") for n, (tenant, category, type_) in enumerate(events)])


def test_the_webhook_sensor_runs_today_once_for_this_organisations_events(home: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    nothing, _ = evaluate(xero_webhook_events, instance)
    assert isinstance(nothing, dg.SkipReason) and "no webhook received yet" in nothing.skip_message

    received((OTHER_TENANT, "INVOICE", "UPDATE"), (our_tenant(), "SUBSCRIPTION", "CREATE"))
    others, context = evaluate(xero_webhook_events, instance)
    assert isinstance(others, dg.SkipReason) and "skipped" in others.skip_message
    assert context.cursor == "2"  # read past them: they never launch a run

    received((our_tenant(), "CONTACT", "UPDATE"), (our_tenant(), "INVOICE", "CREATE"))
    request, context = evaluate(xero_webhook_events, instance, cursor="2")
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == today_in_organisation(datetime.now(UTC)).isoformat()
    assert request.run_key == "xero-webhook:4" and request.tags[LAUNCHED_BY] == WEBHOOK_SENSOR
    assert context.cursor == "4"
    quiet, _ = evaluate(xero_webhook_events, instance, cursor="4")
    assert isinstance(quiet, dg.SkipReason) and "no new webhook event" in quiet.skip_message

    in_progress_run(instance)
    held, context = evaluate(xero_webhook_events, instance, cursor="2")
    assert isinstance(held, dg.SkipReason) and "queued or running" in held.skip_message
    assert context.cursor == "2"  # the events wait for the next tick


def test_with_webhooks_set_up_the_fifteen_minute_probe_stands_down(home: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    instance = dg.DagsterInstance.ephemeral()
    without, _ = evaluate(xero_changes_between_runs, instance)
    assert isinstance(without, dg.SkipReason) and "webhooks" not in without.skip_message
    monkeypatch.setenv("XERO_WEBHOOK_KEY", KEY)
    replaced, _ = evaluate(xero_changes_between_runs, instance)
    assert isinstance(replaced, dg.SkipReason) and "xero_webhook_events" in replaced.skip_message


def test_the_webhook_sensor_is_registered_stopped_every_30_seconds() -> None:
    assert xero_webhook_events in SENSORS
    assert xero_webhook_events.default_status == dg.DefaultSensorStatus.STOPPED
    assert xero_webhook_events.job_name == "sync_day" and xero_webhook_events.minimum_interval_seconds == 30
    assert set(RESOURCES) >= set(xero_webhook_events.required_resource_keys)


def replay_of(event: Event, **change: str) -> bytes:
    """A webhook body carrying ``event`` again (``resource_id=`` for a forged variant)."""
    raw = {"resourceUrl": event.resource_url, "resourceId": change.get("resource_id", event.resource_id),
           "eventDateUtc": event.event_date_utc, "eventType": event.type, "eventCategory": event.category,
           "tenantId": event.tenant_id, "tenantType": event.tenant_type}
    return json.dumps({"events": [raw], "firstEventSequence": 7, "lastEventSequence": 7,
                       "entropy": "REPLAYREPLAYREPLAYRE"}).encode()


@pytest.mark.slow
def test_a_contact_edited_in_xero_reaches_auxo_through_a_signed_webhook(home: Path) -> None:
    small_workshop()
    instance = dg.DagsterInstance.ephemeral()
    xero_state = settings.sandbox_state_dir("xero")
    with Receiver(KEY, settings.webhook_events_path()) as receiver:
        subscription = sandbox.xero.subscribe_webhooks(xero_state, receiver.url, KEY)
        assert subscription["status"] == "OK", subscription  # intent to receive passed
        assert run_day("2026-11-02", instance=instance).success  # the customer becomes a Xero contact
        echoes = sandbox.xero.deliver_webhooks(xero_state)["delivered"]
        assert echoes >= 2  # Xero tells us about our own writes too: the contact and the invoice
        skipped, context = evaluate(xero_webhook_events, instance)
        assert isinstance(skipped, dg.SkipReason), skipped  # the run re-read them: no second run for them
        assert f"{echoes} new events about changes the warehouse already holds" in skipped.skip_message

        with xero_admin() as admin:  # the bookkeeper corrects the customer's email in Xero
            contact = next(c for c in admin.get("/documents/Contacts").json()["Contacts"]
                           if c["Name"] == "Smith Motors Pty Ltd")
            edited = admin.post("/actions/edit-contact", json={"ContactID": contact["ContactID"],
                                                                "EmailAddress": "office@smithmotors.com.au"})
            assert edited.status_code < 300, edited.text
        assert sandbox.xero.deliver_webhooks(xero_state)["delivered"] == 1
        (event,) = receiver.store.after(int(context.cursor))
        assert (event.category, event.type, event.resource_id) == ("CONTACT", "UPDATE", contact["ContactID"].lower())
        # Xero delivering the same event again, and someone without the key forging one
        again = replay_of(event)
        assert httpx.post(receiver.url, content=again, headers={"x-xero-signature": signature(again, KEY)}
                          ).status_code == 200
        forged = replay_of(event, resource_id="00000000-0000-4000-8000-000000000000")
        assert httpx.post(receiver.url, content=forged, headers={"x-xero-signature": signature(forged, "guess")}
                          ).status_code == 401
        assert len(receiver.store.after(int(context.cursor))) == 1

    request, context = evaluate(xero_webhook_events, instance, cursor=context.cursor)
    assert isinstance(request, dg.RunRequest), request
    assert run_day(request.partition_key, instance=instance).success
    with warehouse.connect(read_only=True) as con:
        (customer,), = con.execute("select id from staging.auxo_customers where name = 'Smith Motors Pty Ltd'"
                                   ).fetchall()
    with auxo_admin() as auxo:  # what Auxo itself now holds
        assert auxo.get(f"/admin/records/customers/{customer}").json()["data"]["email"] == \
            "office@smithmotors.com.au"
    after, _ = evaluate(xero_webhook_events, instance, cursor=context.cursor)
    assert isinstance(after, dg.SkipReason)  # that event launched its run once
