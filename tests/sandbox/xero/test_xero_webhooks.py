"""The Xero sandbox sends webhooks as Xero does: intent to receive, events of live writes in Xero's payload
shape, signed batches, retries with back-off and disabling, all on the sandbox clock."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipelines.xero.webhooks import EventStore, Receiver, signed_by
from sandbox.xero import organisations, webhooks
from sandbox.xero.state import open_state
from tests.sandbox.xero.conftest import Admin, XeroApi

KEY = "sandbox-webhook-key"
SPEC = Path(__file__).resolve().parents[3] / "sandbox" / "xero" / "spec" / "xero-webhooks.yaml"


class Recorder:
    """A receiver that keeps every request and answers what the test says: ``answers`` first, then 200 when
    signed with KEY and 401 when not (or 200 to everything when ``careless``)."""

    def __init__(self) -> None:
        self.requests: list[tuple[bytes, str | None]] = []
        self.answers: list[int] = []
        self.careless = False

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            body, sig = await request.body(), request.headers.get("x-xero-signature")
            self.requests.append((body, sig))
            if self.answers:
                return Response(status_code=self.answers.pop(0))
            return Response(status_code=200 if self.careless or signed_by(body, sig, KEY) else 401)

        return Starlette(routes=[Route("/", receive, methods=["POST"])])

    def batches(self) -> list[dict]:
        return [json.loads(body) for body, _ in self.requests]


@pytest.fixture
def recorder(serve_app: Callable) -> Iterator[tuple[Recorder, str]]:
    recording = Recorder()
    with serve_app(recording.app()) as url:
        yield recording, url + "/"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with Receiver(KEY, tmp_path / "received.sqlite3") as running:
        yield running


def move_clock(admin: Admin, seconds: float) -> None:
    admin.call("PUT", "clock", {"advance_seconds": seconds})


def test_intent_to_receive_passes_only_a_receiver_that_tells_right_signatures_from_wrong(
        admin: Admin, receiver: Receiver, recorder: tuple[Recorder, str]) -> None:
    sub = admin.call("PUT", "webhooks", {"url": receiver.url, "key": KEY})
    assert sub["status"] == "OK" and sub["intent_problems"] == []
    assert receiver.store.count() == 0  # empty batches store nothing

    recording, url = recorder
    recording.careless = True  # answers 200 to everything, wrong signatures too
    careless = admin.call("PUT", "webhooks", {"url": url, "key": KEY})
    assert careless["status"] == "INTENT_FAILED"
    assert "an incorrectly signed payload was answered 200, not 401" in careless["intent_problems"]
    bodies = [json.loads(body) for body, _ in recording.requests]
    assert len(bodies) == 4 and all(b["events"] == [] and b["firstEventSequence"] == 0 == b["lastEventSequence"]
                                    and b["entropy"] for b in bodies)
    assert sorted(signed_by(body, sig, KEY) for body, sig in recording.requests) == [False, False, True, True]

    nobody = admin.call("PUT", "webhooks", {"url": "http://127.0.0.1:9/", "key": KEY})  # nothing listens there
    assert nobody["status"] == "INTENT_FAILED" and "got no answer" in nobody["intent_problems"][0]
    assert admin.call("PUT", "webhooks", {"url": "not a url"}, expect=400)["error"].startswith("url ")


def test_live_writes_are_delivered_as_one_signed_batch_in_xeros_payload_shape(
        api: XeroApi, admin: Admin, state_dir: Path, recorder: tuple[Recorder, str]) -> None:
    recording, url = recorder
    assert admin.call("PUT", "webhooks", {"url": url, "key": KEY})["status"] == "OK"
    recording.requests.clear()

    contact = api.contact("Jane Citizen")
    api.one("POST", f"Contacts/{contact['ContactID']}", "Contacts", {"EmailAddress": "jane@example.com"})
    invoice = api.invoice(contact)
    note = api.one("PUT", "CreditNotes", "CreditNotes", {
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-21",
        "Status": "AUTHORISED", "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 10,
                                               "AccountCode": "205", "TaxType": "OUTPUT"}]})
    api.payment(invoice, "50.00")  # a payment is no event of its own; it updates the invoice

    assert admin.call("POST", "webhooks/deliver")["delivered"] >= 5
    assert len(recording.requests) == 1
    body, sig = recording.requests[0]
    assert signed_by(body, sig, KEY)
    batch = json.loads(body)
    spec = yaml.safe_load(SPEC.read_text())
    jsonschema.validate(batch, {**spec, "$ref": "#/components/schemas/WebhookEvent"})
    seen = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in batch["events"]]
    assert seen[:2] == [("CONTACT", "CREATE", contact["ContactID"]), ("CONTACT", "UPDATE", contact["ContactID"])]
    assert ("INVOICE", "CREATE", invoice["InvoiceID"]) in seen and ("INVOICE", "UPDATE", invoice["InvoiceID"]) in seen
    credit = next(e for e in batch["events"] if e["eventCategory"] == "CREDITNOTE")
    assert credit["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
    assert credit["resourceUrl"] == f"https://api.xero.com/api.xro/2.0/CreditNotes/{note['CreditNoteID']}"
    assert {e["tenantId"] for e in batch["events"]} == {api.creds["tenant_id"]}
    assert batch["lastEventSequence"] - batch["firstEventSequence"] + 1 == len(batch["events"])
    assert admin.call("POST", "webhooks/deliver")["delivered"] == 0 and len(recording.requests) == 1


def test_a_failing_receiver_is_retried_with_back_off_on_the_sandbox_clock_then_gets_everything_once(
        api: XeroApi, admin: Admin, state_dir: Path, receiver: Receiver, tmp_path: Path) -> None:
    admin.call("PUT", "clock", {"freeze": True})
    assert admin.call("PUT", "webhooks", {"url": receiver.url, "key": KEY})["status"] == "OK"
    receiver.stop()  # the receiver goes down
    first = api.contact("Jane Citizen")
    failed = admin.call("POST", "webhooks/deliver")
    assert failed["delivered"] == 0 and failed["status"] == "OK" and failed["queued"] == 1
    delays = []
    for _ in range(4):
        waiting = admin.call("POST", "webhooks/deliver")  # not due yet: nothing is sent
        delay = (waiting["next_attempt_ms"] - admin.call("GET", "clock")["now_ms"]) / 1000
        delays.append(delay)
        move_clock(admin, delay)
        admin.call("POST", "webhooks/deliver")  # due: tried, and fails again
    assert delays == [30, 60, 120, 240]  # decreasing frequency
    tries = [d for d in admin.call("GET", "webhooks")["deliveries"] if d["kind"] == "events"]
    assert len(tries) == 5 and all(d["status"] is None and "no answer" not in d["outcome"] for d in tries)

    second = api.contact("John Smith")  # queued while the receiver is down
    with Receiver(KEY, tmp_path / "received.sqlite3", port=receiver.port) as back:
        move_clock(admin, 480)
        delivered = admin.call("POST", "webhooks/deliver")
        assert delivered["delivered"] == 2 and delivered["queued"] == 0
        assert [e.resource_id for e in back.store.after(0)] == [first["ContactID"], second["ContactID"]]
        assert admin.call("GET", "webhooks")["subscription"]["failures"] == 0


def test_a_webhook_that_fails_for_24_hours_is_disabled_and_keeps_its_events_until_re_enabled(
        api: XeroApi, admin: Admin, recorder: tuple[Recorder, str], receiver: Receiver) -> None:
    recording, url = recorder
    admin.call("PUT", "clock", {"freeze": True})
    assert admin.call("PUT", "webhooks", {"url": url, "key": KEY})["status"] == "OK"
    recording.requests.clear()
    recording.answers = [500] * 1000  # from now on the receiver fails every delivery
    api.contact("Jane Citizen")
    tries, elapsed = 0, 0.0
    while True:
        result = admin.call("POST", "webhooks/deliver")
        tries += 1
        if result["status"] == "DISABLED":
            break
        step = (result["next_attempt_ms"] - admin.call("GET", "clock")["now_ms"]) / 1000
        move_clock(admin, step)
        elapsed += step
        assert elapsed <= 25 * 3600, "never disabled"
    assert 24 * 3600 <= elapsed < 25 * 3600 and len(recording.requests) == tries
    disabled = admin.call("GET", "webhooks")
    assert disabled["queued"] == 1 and "24 hours" in disabled["subscription"]["disabled_reason"]
    api.contact("John Smith")  # still queued while disabled, never sent
    assert admin.call("POST", "webhooks/deliver")["delivered"] == 0 and len(recording.requests) == tries

    recording.answers = []  # fixed: re-enabled, with intent to receive again
    assert admin.call("POST", "webhooks/intent")["status"] == "OK"
    assert admin.call("POST", "webhooks/deliver")["delivered"] == 2
    assert [e["eventCategory"] for e in recording.batches()[-1]["events"]] == ["CONTACT", "CONTACT"]


def test_seeding_queues_nothing_and_another_organisation_sends_its_own_tenant(
        api: XeroApi, admin: Admin, state_dir: Path, receiver: Receiver) -> None:
    store = open_state(state_dir)
    other = organisations.add(store, "Second Workshop")
    assert webhooks.subscribe(store, receiver.url, KEY)["status"] == "OK"
    admin.call("POST", "seed", {"Contacts": [{"Name": "Seeded Contact", "UpdatedDateUTC": "2026-11-01T00:00:00"}]})
    assert webhooks.deliver_due(store)["delivered"] == 0
    other_store = organisations.store_for(store, other["tenant_id"])
    from sandbox.xero import contacts

    with other_store.write() as tx:
        contacts.create(tx, {"Name": "Their Customer"})
    api.contact("Our Customer")
    assert webhooks.deliver_due(store)["delivered"] == 2
    stored = EventStore(receiver.store.path).after(0)
    assert {e.tenant_id for e in stored} == {api.creds["tenant_id"].lower(), other["tenant_id"].lower()}


def test_without_a_subscription_nothing_is_queued_or_sent(api: XeroApi, admin: Admin, receiver: Receiver) -> None:
    assert admin.call("PUT", "webhooks", {"url": receiver.url, "key": KEY})["status"] == "OK"
    admin.call("DELETE", "webhooks")
    assert admin.call("GET", "webhooks") == {"subscription": None}
    api.contact("Jane Citizen")
    assert admin.call("POST", "webhooks/deliver") == {"delivered": 0, "status": None}
    assert admin.call("PUT", "webhooks", {"url": receiver.url, "key": KEY})["status"] == "OK"
    assert admin.call("POST", "webhooks/deliver")["delivered"] == 0  # the earlier write was never queued
    assert receiver.store.count() == 0


def test_auxo_xero_sandbox_serve_xero_delivers_every_second(tmp_path: Path, receiver: Receiver) -> None:
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = "import sys; from pathlib import Path; from sandbox.serve import serve; serve('xero', int(sys.argv[1]), " \
             "Path(sys.argv[2]))"
    process = subprocess.Popen([sys.executable, "-c", script, str(port), str(tmp_path / "served")],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        with httpx.Client(timeout=10) as client:
            for _ in range(100):  # the JSON line comes just before uvicorn binds the port
                try:
                    client.get(f"{info['admin_url']}/clock")
                    break
                except httpx.ConnectError:
                    time.sleep(0.05)
            assert client.put(f"{info['admin_url']}/webhooks", json={"url": receiver.url, "key": KEY}
                              ).json()["status"] == "OK"
            token = client.post(info["token_url"], data={
                "grant_type": "refresh_token", "refresh_token": info["refresh_token"],
                "client_id": info["client_id"], "client_secret": info["client_secret"]}).json()["access_token"]
            created = client.put(f"{info['base_url']}/Contacts", json={"Contacts": [{"Name": "Jane Citizen"}]},
                                 headers={"Authorization": f"Bearer {token}", "xero-tenant-id": info["tenant_id"],
                                          "Accept": "application/json"})
            assert created.status_code == 200, created.text
        deadline = time.monotonic() + 15  # nobody calls deliver: the served sandbox's own ticker does
        while receiver.store.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    (event,) = receiver.store.after(0)
    assert (event.category, event.type, event.tenant_id) == ("CONTACT", "CREATE", info["tenant_id"].lower())
