"""The webhook receiver, served on loopback: Xero's signature, intent to receive, durable and deduplicated
events, and the command that stops without a key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assets import cli
from pipelines.xero.webhooks import EventStore, Receiver, new_events, signature, signed_by

KEY = "k3y-0f-the-app/1Q=="
TENANT = "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f"
INTENT = b'{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}'


def payload(*events: dict, first: int = 1) -> bytes:
    return json.dumps({"events": list(events), "firstEventSequence": first,
                       "lastEventSequence": first + len(events) - 1, "entropy": "FXNGWLCCGVANWHKILRUB"}).encode()


def event(resource_id: str = "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777", category: str = "CONTACT",
          type_: str = "UPDATE", when: str = "2026-12-04T01:15:39.902", tenant: str = TENANT) -> dict:
    plural = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}.get(category, "x")
    return {"resourceUrl": f"https://api.xero.com/api.xro/2.0/{plural}/{resource_id}", "resourceId": resource_id,
            "eventDateUtc": when, "eventType": type_, "eventCategory": category, "tenantId": tenant,
            "tenantType": "ORGANISATION"}


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with Receiver(KEY, tmp_path / "events.sqlite3") as running:
        yield running


def post(receiver: Receiver, body: bytes, sig: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"} | ({"x-xero-signature": sig} if sig is not None else {})
    return httpx.post(receiver.url, content=body, headers=headers, timeout=5)


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    # RFC 4231 test case 2 (HMAC-SHA256 5bdcc146...64ec3843), base64-encoded as Xero sends it
    assert signature(b"what do ya want for nothing?", "Jefe") == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
    assert signed_by(b"{}", signature(b"{}", "key"), "key")
    assert not signed_by(b"{} ", signature(b"{}", "key"), "key")  # one byte more: not the same body
    assert not signed_by(b"{}", None, "key") and not signed_by(b"{}", "", "key")


def test_intent_to_receive_is_answered_200_empty_when_signed_right_and_401_when_not(receiver: Receiver) -> None:
    right = post(receiver, INTENT, signature(INTENT, KEY))
    assert right.status_code == 200 and right.content == b"" and "set-cookie" not in right.headers
    wrong = post(receiver, INTENT, signature(INTENT, "another key"))
    assert wrong.status_code == 401 and wrong.content == b""
    missing = post(receiver, INTENT, None)
    assert missing.status_code == 401 and missing.content == b""
    assert receiver.store.count() == 0


def test_signed_events_are_stored_before_the_answer_and_a_replay_is_kept_once(receiver: Receiver,
                                                                           tmp_path: Path) -> None:
    body = payload(event(), event("55d84274-a3da-4829-a7c0-0cab601b95cc", "INVOICE", "CREATE"))
    answer = post(receiver, body, signature(body, KEY))
    assert answer.status_code == 200 and answer.content == b""
    # a fresh connection, as a restarted process would open: the events are on disk already
    reopened = EventStore(tmp_path / "events.sqlite3")
    stored = reopened.after(0)
    assert [(e.category, e.type, e.tenant_id) for e in stored] == [("CONTACT", "UPDATE", TENANT),
                                                                   ("INVOICE", "CREATE", TENANT)]
    assert post(receiver, body, signature(body, KEY)).status_code == 200  # Xero retries: the same events again
    later = payload(event(when="2026-12-04T01:20:00.000"), first=3)  # the same contact, changed again later
    assert post(receiver, later, signature(later, KEY)).status_code == 200
    stored = reopened.after(0)
    assert len(stored) == 3  # the replay kept once; the later change is a change of its own
    assert [e.event_date_utc for e in reopened.after(stored[1].seq or 0)] == ["2026-12-04T01:20:00.000"]


def test_a_wrongly_signed_batch_stores_nothing(receiver: Receiver) -> None:
    body = payload(event())
    assert post(receiver, body, signature(body, "not the key")).status_code == 401
    assert post(receiver, body, signature(body + b" ", KEY)).status_code == 401
    assert post(receiver, body, None).status_code == 401
    assert receiver.store.count() == 0


def test_the_store_survives_a_restart_of_the_receiver(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    body = payload(event())
    with Receiver(KEY, path) as first:
        assert post(first, body, signature(body, KEY)).status_code == 200
    with Receiver(KEY, path) as second:
        assert second.store.count() == 1
        assert post(second, body, signature(body, KEY)).status_code == 200
        assert second.store.count() == 1


def test_a_signed_body_that_is_not_a_payload_is_kept_for_a_person(receiver: Receiver) -> None:
    body = b'{"events": [{"resourceId": "x"}]}'
    assert post(receiver, body, signature(body, KEY)).status_code == 200  # Xero could not fix it by retrying
    rows = receiver.store._connect().execute("select reason from unreadable").fetchall()
    assert rows and "resourceUrl" in rows[0][0]
    assert receiver.store.count() == 0


def test_new_events_count_this_tenants_documents_and_ignore_the_rest(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.sqlite3")
    from pipelines.xero.webhooks import parse_payload

    events, _ = parse_payload(payload(event(), event(tenant="aef86862-2015-4b6b-88bc-d89032cecc50"),
                                      event("9d1f8b1e-0000-4000-8000-000000000001", "SUBSCRIPTION", "CREATE"),
                                      event("9d1f8b1e-0000-4000-8000-000000000002", "CREDITNOTE", "CREATE")))
    assert store.add(events) == 4
    seen = new_events(store.after(0), TENANT.upper())
    assert seen is not None and seen.last_seq == 4 and seen.for_tenant == 2 and seen.ignored == 2
    assert seen.categories == {"CONTACT": 1, "CREDITNOTE": 1}
    assert new_events(store.after(4), TENANT) is None


def test_the_command_without_a_key_names_the_variable_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XERO_WEBHOOK_KEY", raising=False)
    result = CliRunner().invoke(cli.app, ["webhooks", "--port", "8799"])
    assert result.exit_code == 2
    assert "XERO_WEBHOOK_KEY is not set" in result.output and "[xero] webhook_key" in result.output


def test_the_command_serves_the_receiver_on_the_data_folder(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "XERO_WEBHOOK_KEY": KEY, "AUXO_XERO_HOME": str(tmp_path / "data")}
    process = subprocess.Popen([sys.executable, "-c", "from assets.cli import main; main()", "webhooks",
                                "--port", str(port)], env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = payload(event())
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/xero-webhooks", content=body,
                                    headers={"x-xero-signature": signature(body, KEY)}, timeout=5)
                break
            except httpx.ConnectError:
                assert process.poll() is None and time.monotonic() < deadline, "the receiver did not start"
                time.sleep(0.1)
        assert answer.status_code == 200 and answer.content == b""
        assert "set-cookie" not in answer.headers and "server" not in answer.headers
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    assert KEY not in output  # the key is never printed
    assert EventStore(tmp_path / "data" / "webhooks" / "xero-events.sqlite3").count() == 1
