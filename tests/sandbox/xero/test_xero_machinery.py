"""Idempotency, rate limits, faults, the request log, the clock, reset, seeding and shared state."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from sandbox.xero import credentials, request_log, seed
from sandbox.xero.app import configure
from sandbox.xero.dates import ms_of
from sandbox.xero.seeding import SeedError
from tests.sandbox.xero.conftest import BASE, Admin, XeroApi


def bill(contact: dict, number: str = "B-1") -> dict:
    return {"Type": "ACCPAY", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-20",
            "InvoiceNumber": number, "LineItems": [{"Description": "Parts", "Quantity": 1, "UnitAmount": 10,
                                                    "AccountCode": "630", "TaxType": "INPUT"}]}


# --- idempotency ------------------------------------------------------------------------------

def test_idempotency_key_replays_the_first_response(api: XeroApi) -> None:
    contact = api.contact()
    key = {"Idempotency-Key": "sync-2026-11-20-bills-1"}
    first = api.put("Invoices", {"Invoices": [bill(contact)]}, headers=key)
    again = api.put("Invoices", {"Invoices": [bill(contact)]}, headers=key)
    assert again.status_code == 200 and again.content == first.content
    assert len(api.ok(api.get("Invoices"), "Invoices")) == 1
    different = api.put("Invoices", {"Invoices": [bill(contact, "B-2")]}, headers=key)
    assert different.status_code == 400
    assert different.json()["Message"] == "Idempotency Key: sync-2026-11-20-bills-1 is used with a different request."
    api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": ""})
    api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": "  "})
    assert len(api.ok(api.get("Invoices"), "Invoices")) == 3  # empty keys are ignored
    too_long = api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": "k" * 129})
    assert too_long.status_code == 400


def test_idempotency_replays_errors_and_expires(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    broken = {**bill(contact), "LineItems": []}
    first = api.put("Invoices", {"Invoices": [broken]}, headers={"Idempotency-Key": "bad-1"})
    assert first.status_code == 400
    assert api.put("Invoices", {"Invoices": [broken]}, headers={"Idempotency-Key": "bad-1"}).content == first.content
    api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": "k-ttl"})
    admin.call("PUT", "clock", {"advance_seconds": 361})
    api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": "k-ttl"})
    assert len(api.ok(api.get("Invoices"), "Invoices")) == 2  # kept six minutes, then the key is new
    admin.call("PUT", "config", {"idempotency_ttl_seconds": 0})
    api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": "forever"})
    admin.call("PUT", "clock", {"advance_seconds": 86400})
    api.put("Invoices", {"Invoices": [bill(contact)]}, headers={"Idempotency-Key": "forever"})
    assert len(api.ok(api.get("Invoices"), "Invoices")) == 3


# --- rate limits ------------------------------------------------------------------------------

def test_rate_limit_headers_are_always_there(api: XeroApi, admin: Admin) -> None:
    response = api.get("Organisation")
    assert (response.headers["X-DayLimit-Remaining"], response.headers["X-MinLimit-Remaining"],
            response.headers["X-AppMinLimit-Remaining"]) == ("5000", "60", "10000")
    assert admin.call("GET", "config")["rate_limits"]["enabled"] is False


def test_minute_and_day_limits(api: XeroApi, admin: Admin) -> None:
    admin.call("PUT", "config", {"rate_limits": {"enabled": True, "per_minute": 3, "per_day": 100}})
    remaining = [api.get("Organisation").headers["X-MinLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = api.get("Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute" and 1 <= int(refused.headers["Retry-After"]) <= 60
    admin.call("PUT", "config", {"rate_limits": {"per_minute": 60, "per_day": 4}})
    assert api.get("Organisation").status_code == 200
    day = api.get("Organisation")
    assert day.status_code == 429 and day.headers["X-Rate-Limit-Problem"] == "day"
    assert day.headers["X-DayLimit-Remaining"] == "0"
    admin.call("PUT", "config", {"reset_rate_counters": True})
    assert api.get("Organisation").status_code == 200


def test_the_organisations_tier_sets_its_day_limit_and_the_headers_say_so(api: XeroApi, admin: Admin,
                                                                         state_dir: Path) -> None:
    configure(state_dir, tier="starter")
    assert api.get("Organisation").headers["X-DayLimit-Remaining"] == "1000"
    admin.call("PUT", "config", {"rate_limits": {"enabled": True}})
    counted = [api.get("Organisation").headers["X-DayLimit-Remaining"] for _ in range(2)]
    assert counted == ["999", "998"]
    assert api.get("Organisation").headers["X-AppMinLimit-Remaining"] == "9997"  # the app's minute counts too
    config = admin.call("PUT", "config", {"rate_limits": {"tier": "Premium"}})["rate_limits"]
    assert (config["tier"], config["per_day"]) == ("premium", 5000)
    assert api.get("Organisation").headers["X-DayLimit-Remaining"] == "4996"
    assert "starter" in admin.call("PUT", "config", {"rate_limits": {"tier": "gold"}}, expect=400)["error"]


def test_concurrency_limit(api: XeroApi, admin: Admin) -> None:
    admin.call("PUT", "config", {"rate_limits": {"enabled": True, "concurrent": 1}})
    admin.call("PUT", "faults", {"script": ["slow"], "slow_seconds": 0.5})
    results: list[int] = []
    slow = threading.Thread(target=lambda: results.append(api.get("Organisation").status_code))
    slow.start()
    time.sleep(0.2)
    refused = api.get("Organisation")
    slow.join()
    assert results == [200]
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert api.get("Organisation").status_code == 200


# --- faults -----------------------------------------------------------------------------------

def test_scripted_faults(api: XeroApi, admin: Admin) -> None:
    admin.call("PUT", "faults", {"script": ["500", "503", "429"], "retry_after_seconds": 7})
    assert admin.call("GET", "faults")["script"] == ["500", "503", "429"]
    server_error = api.get("Organisation")
    assert server_error.status_code == 500 and server_error.json()["Type"] == "UnknownErrorException"
    assert api.get("Organisation").status_code == 503
    limited = api.get("Organisation")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert limited.headers["X-Rate-Limit-Problem"] == "minute" and "X-DayLimit-Remaining" in limited.headers
    assert api.get("Organisation").status_code == 200
    admin.call("PUT", "faults", {"script": ["slow"], "slow_seconds": 0.3})
    started = time.monotonic()
    assert api.get("Organisation").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_commits_the_write_and_a_retry_replays_it(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    admin.call("PUT", "faults", {"script": ["drop"]})
    key = {"Idempotency-Key": "bills-batch-7"}
    assert api.get("Organisation").status_code == 200  # reads are never dropped
    with pytest.raises(httpx.RemoteProtocolError):
        api.put("Invoices", {"Invoices": [bill(contact)]}, headers=key)
    [saved] = api.ok(api.get("Invoices"), "Invoices")  # the write happened
    retry = api.put("Invoices", {"Invoices": [bill(contact)]}, headers=key)
    assert api.ok(retry, "Invoices")[0]["InvoiceID"] == saved["InvoiceID"]
    assert len(api.ok(api.get("Invoices"), "Invoices")) == 1
    [logged] = [e for e in request_log(api_state(api), method="PUT") if e["dropped"]]
    assert logged["status"] == 200 and logged["documents"] == 1


def api_state(api: XeroApi) -> Path:
    transport = api.http._transport  # the embedded transport knows its state folder through the app cache
    from sandbox.embedded import _apps

    return next(key[1] for key, app in _apps.items() if transport.app is app)


def test_fault_shares_spare_admin(api: XeroApi, admin: Admin) -> None:
    admin.call("PUT", "faults", {"shares": {"500": 1.0}})
    assert api.get("Organisation").status_code == 500
    assert admin.call("GET", "config")  # never faulted
    admin.call("PUT", "faults", {"shares": {"503": 0.5}, "seed": 3})
    statuses = {api.get("Organisation").status_code for _ in range(30)}
    assert statuses == {200, 503}
    admin.call("DELETE", "faults")
    assert admin.call("PUT", "faults", {"shares": {"teapot": 1}}, expect=400)


# --- request log, clock, reset, seeding ------------------------------------------------------

def test_request_log(api: XeroApi, admin: Admin, state_dir: Path) -> None:
    contact = api.contact()
    api.put("Invoices", {"Invoices": [bill(contact, "A"), bill(contact, "B")]}, headers={"Idempotency-Key": "k1"})
    api.get("Invoices", params={"page": 1})
    log = admin.call("GET", "requests")["requests"]
    assert [(e["method"], e["path"].split("/")[-1]) for e in log] == [
        ("POST", "token"), ("PUT", "Contacts"), ("PUT", "Invoices"), ("GET", "Invoices")]
    put = log[2]
    assert (put["documents"], put["idempotency_key"], put["status"], put["tenant"]) == (
        2, "k1", 200, api.creds["tenant_id"])
    assert log[3]["query"] == "page=1"
    only_puts = admin.call("GET", "requests?method=put&path=/api.xro/2.0/Invoices")["requests"]
    assert [e["seq"] for e in only_puts] == [put["seq"]]
    assert [e["seq"] for e in request_log(state_dir, since=put["time"])][:1] == [put["seq"]]
    admin.call("DELETE", "requests")
    assert request_log(state_dir) == []


def test_clock(api: XeroApi, admin: Admin) -> None:
    now = admin.call("PUT", "clock", {"set": "2027-03-01T00:00:00Z", "freeze": True})
    assert now["now"] == "2027-03-01T00:00:00Z" and now["frozen"] is True and now["org_today"] == "2027-03-01"
    contact = api.contact()
    second = api.contact("Another")
    assert ms_of(contact["UpdatedDateUTC"]) == 1803859200000  # 2027-03-01T00:00:00Z
    assert ms_of(second["UpdatedDateUTC"]) > ms_of(contact["UpdatedDateUTC"])  # strictly after, even frozen
    draft = api.one("PUT", "Invoices", "Invoices", {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
                                                    "LineItems": [{"Description": "x", "LineAmount": 1}]})
    assert draft["DateString"] == "2027-03-01T00:00:00"  # today in Sydney
    moved = admin.call("PUT", "clock", {"advance_seconds": 3600})
    assert moved["now_ms"] == 1803859200000 + 3600_000
    assert admin.call("PUT", "clock", {"reset": True})["frozen"] is False


def test_reset_keeps_credentials(api: XeroApi, admin: Admin, state_dir: Path) -> None:
    before = api.invoice(api.contact())
    admin.call("PUT", "organisation", {"PeriodLockDate": "2026-06-30"})
    admin.call("POST", "reset")
    assert api.ok(api.get("Contacts"), "Contacts") == []  # the same token still works
    after = api.invoice(api.contact())
    assert before["InvoiceNumber"] == after["InvoiceNumber"] == "INV-0001"  # numbering starts again
    assert "PeriodLockDate" not in api.ok(api.get("Organisation"), "Organisations")[0]
    assert api.creds == credentials(state_dir)


def test_seed_runs_the_same_computations(api: XeroApi, state_dir: Path) -> None:
    contact_id = "8a0d0d4c-1111-4a4a-9b9b-000000000001"
    invoice_id = "8a0d0d4c-2222-4a4a-9b9b-000000000002"
    other_id = "8a0d0d4c-3333-4a4a-9b9b-000000000003"
    counts = seed(state_dir, {
        "Contacts": [{"ContactID": contact_id, "Name": "Seeded Customer", "UpdatedDateUTC": "2026-01-05T10:00:00Z"},
                     {"ContactID": other_id, "Name": "Quiet Customer", "UpdatedDateUTC": "2026-01-05T10:00:00Z"}],
        "Invoices": [{"InvoiceID": invoice_id, "Type": "ACCREC", "InvoiceNumber": "OLD-1",
                      "Contact": {"ContactID": contact_id}, "Date": "2026-01-05", "Status": "AUTHORISED",
                      "UpdatedDateUTC": "/Date(1767607200000+0000)/",
                      "LineItems": [{"Description": "Service", "Quantity": 1, "UnitAmount": 100, "AccountCode": "205"}]}],
        "CreditNotes": [{"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id}, "Date": "2026-01-06",
                         "Status": "AUTHORISED", "LineItems": [{"Description": "Goodwill", "Quantity": 1,
                                                                "UnitAmount": 10, "AccountCode": "205"}],
                         "Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": 11, "Date": "2026-01-06"}]}],
        "Payments": [{"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Date": "2026-01-07",
                      "Amount": 99}],
        "ManualJournals": [{"Narration": "Opening stock", "Date": "2026-01-01", "Status": "POSTED",
                            "JournalLines": [{"LineAmount": 500, "AccountCode": "630"},
                                             {"LineAmount": -500, "AccountCode": "970"}]}],
    })
    assert counts == {"Items": 0, "Contacts": 2, "Invoices": 1, "CreditNotes": 1, "BankTransactions": 0,
                      "ManualJournals": 1, "Payments": 1}
    invoice = api.fetch("Invoices", invoice_id)
    assert invoice["Status"] == "PAID" and invoice["AmountCredited"] == 11 and invoice["AmountPaid"] == 99
    assert api.fetch("Contacts", other_id)["UpdatedDateUTC"] == "/Date(1767607200000+0000)/"
    assert invoice["UpdatedDateUTC"] != "/Date(1767607200000+0000)/"  # payments and allocations touched it
    later = api.contact("Created after the seed")
    assert ms_of(later["UpdatedDateUTC"]) > ms_of(invoice["UpdatedDateUTC"])
    with pytest.raises(SeedError) as rejected:
        seed(state_dir, {"Contacts": [{"Name": "Fine"}], "Invoices": [{"Type": "ACCREC", "LineItems": []}]})
    assert rejected.value.problems[0]["kind"] == "Invoices"
    assert [c["Name"] for c in api.ok(api.get("Contacts", params={"where": 'Name=="Fine"'}), "Contacts")] == []


def test_seed_eighty_thousand_contacts_in_one_call(api: XeroApi, state_dir: Path) -> None:
    contacts = [{"Name": f"Customer {n:05d}", "EmailAddress": f"c{n}@example.com", "ContactNumber": f"AUXO-{n}",
                 "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": f"04{n:08d}"}],
                 "Addresses": [{"AddressType": "STREET", "AddressLine1": f"{n} Main St", "City": "Parramatta"}]}
                for n in range(80_000)]
    assert seed(state_dir, {"Contacts": contacts})["Contacts"] == 80_000
    page = api.get("Contacts", params={"page": 80, "pageSize": 1000}).json()
    assert page["pagination"]["itemCount"] == 80_000 and len(page["Contacts"]) == 1000
    found = api.ok(api.get("Contacts", params={"where": 'ContactNumber=="AUXO-79999"'}), "Contacts")
    assert [c["Name"] for c in found] == ["Customer 79999"]


def test_admin_seed_rejects_with_problems(admin: Admin) -> None:
    body = admin.call("POST", "seed", {"Contacts": [{"Name": "Dup"}, {"Name": "dup"}]}, expect=400)
    assert body["problems"][0]["messages"][0].startswith("The contact name dup is already assigned")
    assert admin.call("POST", "seed", {"Bogus": []}, expect=400)["problems"][0]["kind"] == "Bogus"


def test_documents_dump(api: XeroApi, admin: Admin) -> None:
    api.invoice(api.contact())
    dump = admin.call("GET", "documents/Invoices")
    assert dump["count"] == 1 and dump["Invoices"][0]["Total"] == 110
    assert admin.call("GET", "documents/contact")["count"] == 1
    admin.call("GET", "documents/Nope", expect=404)


def test_state_is_shared_between_processes(api: XeroApi, state_dir: Path) -> None:
    script = ("import sys; from pathlib import Path; from sandbox.xero import seed; "
              "seed(Path(sys.argv[1]), {'Contacts': [{'Name': 'From another process'}]})")
    subprocess.run([sys.executable, "-c", script, str(state_dir)], check=True, timeout=60)
    names = [c["Name"] for c in api.ok(api.get("Contacts"), "Contacts")]
    assert names == ["From another process"]


def test_new_folder_initialised_once_by_racing_processes(tmp_path: Path) -> None:
    folder = tmp_path / "race"
    script = "import sys, json; from pathlib import Path; from sandbox.xero import credentials; " \
             "print(json.dumps(credentials(Path(sys.argv[1]))))"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True)
            for _ in range(3)]
    outputs = {run.communicate(timeout=60)[0] for run in runs}
    assert len(outputs) == 1


def test_admin_actions_list_and_errors(admin: Admin, api: XeroApi) -> None:
    unknown = admin.call("POST", "actions/teleport", {}, expect=404)
    assert "edit-invoice" in unknown["actions"]
    invoice = api.invoice(api.contact())
    api.ok(api.payment(invoice, 110), "Payments")
    refused = admin.act("edit-invoice", {"InvoiceID": invoice["InvoiceID"], "SetLine": {"Index": 0, "UnitAmount": 1}},
                        expect=400)
    assert refused["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice not of valid status for modification"
    admin.act("void-invoice", {"InvoiceID": "3f0c6a4e-0000-4000-8000-000000000000"}, expect=404)


def test_base_url_without_embedded_transport(state_dir: Path, serve_app) -> None:
    from sandbox.xero.app import create_app

    with serve_app(create_app(state_dir)) as base:
        creds = credentials(state_dir)
        token = httpx.post(f"{base}/connect/token", data={"grant_type": "client_credentials", **{
            k: creds[k] for k in ("client_id", "client_secret")}}).json()["access_token"]
        org = httpx.get(f"{base}/api.xro/2.0/Organisation", headers={"Authorization": f"Bearer {token}"})
        assert org.status_code == 200 and org.json()["Organisations"][0]["OrganisationID"] == creds["tenant_id"]
    assert BASE  # the embedded tests use a fake host; this one used a real socket


def test_a_state_folder_made_again_is_noticed(api: XeroApi, state_dir: Path) -> None:
    import shutil

    api.contact("Before")
    shutil.rmtree(state_dir)
    script = ("import sys; from pathlib import Path; from sandbox.xero import seed; "
              "seed(Path(sys.argv[1]), {'Contacts': [{'Name': 'After'}]})")
    subprocess.run([sys.executable, "-c", script, str(state_dir)], check=True, timeout=60)
    assert credentials(state_dir) != api.creds  # a new folder has new credentials
    fresh = XeroApi(api.http, credentials(state_dir))
    assert [c["Name"] for c in fresh.ok(fresh.get("Contacts"), "Contacts")] == ["After"]
