"""Exactly once against the Xero sandbox: kill the sink anywhere, inject faults, run again.

A "kill" is an exception no handler catches (like a process dying): whatever the ledger committed
before it stays, nothing after it happens. The next run must finish the job with every document
in Xero exactly once.
"""

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import sandbox.xero
from pipelines.http import RetryPolicy
from pipelines.sync.ledger import Ledger
from pipelines.sync.plan import PlannedWrite, plan_frame, ref_placeholder
from pipelines.sync.sink import Sink
from pipelines.sync.targets import XeroBatch
from pipelines.xero.auth import XeroCredentials
from pipelines.xero.client import XeroClient, XeroEndpoints
from sandbox.embedded import transport
from sandbox.faults import FaultConfig, FaultStore

BASE = "http://xero.sandbox"
DAY = date(2026, 11, 2)


class Killed(BaseException):
    """The process dies here."""


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "xero"


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def xero(state: Path, attempts: int = 6) -> XeroClient:
    creds = sandbox.xero.credentials(state)
    return XeroClient(XeroCredentials(creds["client_id"], creds["client_secret"]), tenant_id=creds["tenant_id"],
                      endpoints=XeroEndpoints(f"{BASE}/api.xro/2.0", f"{BASE}/connect/token", f"{BASE}/connections"),
                      transport=transport("xero", state),
                      retry=RetryPolicy(attempts=attempts, base_delay=0, sleep=lambda _: None))


def day_plan(customers: int = 3, invoices_each: int = 20) -> list[PlannedWrite]:
    """Contacts, invoices, payments, journals and bills for one day: every kind of create."""
    writes = []
    for c in range(customers):
        ref = f"contact:customer:cus_{c}"
        writes.append(PlannedWrite("c1", "xero", "contact", "create", ref, f"cus_{c}", None,
                                   {"Name": f"Exactly Once Customer {c}"}, f"Contact {c}", priority=10))
        for i in range(invoices_each):
            number = f"INV-{c:02d}{i:03d}"
            writes.append(PlannedWrite(
                "c1", "xero", "invoice", "create", f"invoice:{number}", number, DAY,
                {"Type": "ACCREC", "InvoiceNumber": number, "Reference": f"REG{c}{i}", "Date": DAY, "DueDate": DAY,
                 "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
                 "Contact": {"ContactID": ref_placeholder(ref)},
                 "LineItems": [{"Description": "Labour", "Quantity": Decimal("1"), "UnitAmount": Decimal("100.00"),
                                "AccountCode": "205", "TaxType": "OUTPUT"}]},
                f"Invoice {number}", depends_on=(ref,), priority=20))
            writes.append(PlannedWrite(
                "c1", "xero", "payment", "create", f"payment:{number}", f"pay_{number}", DAY,
                {"Invoice": {"InvoiceID": ref_placeholder(f"invoice:{number}")}, "Account": {"Code": "615"},
                 "Date": DAY, "Amount": Decimal("40.00"), "Reference": f"Auxo PAY {number}"},
                f"Payment for {number}", depends_on=(f"invoice:{number}",), priority=30))
            writes.append(PlannedWrite(
                "c1", "xero", "manual_journal", "create", f"cogs:lin_{number}", f"lin_{number}", DAY,
                {"Narration": f"COGS for invoice {number}", "Date": DAY, "LineAmountTypes": "NoTax",
                 "JournalLines": [
                     {"LineAmount": Decimal("30.00"), "AccountCode": "310", "Description": f"{number} line lin_{number}"},
                     {"LineAmount": Decimal("-30.00"), "AccountCode": "630", "Description": f"{number} line lin_{number}"}]},
                f"COGS journal for {number}", depends_on=(f"invoice:{number}",), priority=60))
        writes.append(PlannedWrite(
            "c1", "xero", "bill", "create", f"bill:po_{c}", f"po_{c}", DAY,
            {"Type": "ACCPAY", "InvoiceNumber": f"SUP-{c}", "Reference": f"PO-00{c}", "Date": DAY, "DueDate": DAY,
             "Status": "AUTHORISED", "LineAmountTypes": "Exclusive", "Contact": {"ContactID": ref_placeholder(ref)},
             "LineItems": [{"Description": "Parts", "Quantity": Decimal("2"), "UnitAmount": Decimal("12.50"),
                            "AccountCode": "630", "TaxType": "INPUT"}]},
            f"Bill for PO-00{c}", depends_on=(ref,), priority=20))
    return writes


def xero_counts(client: XeroClient) -> Counter:
    """How many of each planned document Xero holds (by the keys the plan gave them)."""
    counts: Counter = Counter()
    for contact in client.get_all("Contacts", params={"where": 'Name.StartsWith("Exactly Once")'}):
        counts[f"contact {contact['Name']}"] += 1
    for invoice in client.get_all("Invoices"):
        counts[f"{invoice['Type']} {invoice.get('InvoiceNumber') or invoice.get('Reference')}"] += 1
    for payment in client.get_all("Payments"):
        counts[f"payment {payment['Reference']}"] += 1
    for journal in client.get_all("ManualJournals", ordered=False):
        counts[f"journal {journal['Narration']}"] += 1
    return counts


def assert_exactly_once(client: XeroClient, plan: list[PlannedWrite]) -> None:
    counts = xero_counts(client)
    assert sum(counts.values()) == len(plan)
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}


def all_confirmed(con) -> dict[str, int]:
    return dict(con.execute("select status, count(*) from sync.write_ledger group by 1").fetchall())


def test_a_clean_run_writes_everything_once_in_few_calls(con, state: Path):
    plan = day_plan()
    client = xero(state)
    Sink(con, connection_id="c1", xero=client).run(plan_frame(plan))
    assert all_confirmed(con) == {"confirmed": len(plan)}
    writes = [r for r in sandbox.xero.request_log(state, path_prefix="/api.xro") if r["method"] in ("PUT", "POST")]
    # 3 contacts, 60 invoices + 3 bills, 60 payments, 60 journals -> 1 + 2 + 2 + 2 batches of at most 50
    assert len(writes) == 7
    assert_exactly_once(xero(state), plan)


KILL_POINTS = {
    "after the plan is recorded, before anything is sent": ("mark_sent", "before"),
    "after rows are marked sent, before the request leaves": ("mark_sent", "after"),
    "after Xero committed, before the answer is recorded": ("send", "after"),
    "in the middle of the invoice batches": ("mark_confirmed", "third"),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_run_killed_anywhere_is_finished_by_the_next_without_duplicates(con, state: Path, monkeypatch, point):
    plan = plan_frame(day_plan())
    target, when = KILL_POINTS[point]
    calls = Counter()
    if target == "mark_sent":
        original = Ledger.apply

        def dying_mark_sent(self, event, *args, **kwargs):
            if event != "send":
                return original(self, event, *args, **kwargs)
            calls["n"] += 1
            if calls["n"] == 2:  # the second batch: the contacts went through
                if when == "before":
                    raise Killed
                original(self, event, *args, **kwargs)
                raise Killed
            return original(self, event, *args, **kwargs)

        monkeypatch.setattr(Ledger, "apply", dying_mark_sent)
    elif target == "send":
        original_send = XeroBatch.send

        def dying_send(self, client, payloads, key):
            calls["n"] += 1
            result = original_send(self, client, payloads, key)
            if calls["n"] == 3:
                raise Killed
            return result

        monkeypatch.setattr(XeroBatch, "send", dying_send)
    else:
        original_confirm = Ledger.confirm

        def dying_confirm(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise Killed
            return original_confirm(*args, **kwargs)

        monkeypatch.setattr(Ledger, "confirm", dying_confirm)
    with pytest.raises(Killed):
        Sink(con, connection_id="c1", xero=xero(state), run_id="run-1").run(plan)
    monkeypatch.undo()
    report = Sink(con, connection_id="c1", xero=xero(state), run_id="run-2").run(plan)
    assert all_confirmed(con) == {"confirmed": plan.height}
    assert_exactly_once(xero(state), day_plan())
    if when == "after" and target == "send":
        assert report.reconciled > 0  # found in Xero, not sent again


def test_faults_converge_with_nothing_duplicated_or_missing(con, state: Path):
    plan = plan_frame(day_plan())
    FaultStore(state).set(FaultConfig(shares={"429": 0.2, "500": 0.1, "503": 0.1, "drop": 0.2}, seed=7,
                                      retry_after_seconds=0))
    for run in range(6):
        Sink(con, connection_id="c1", xero=xero(state, attempts=3), run_id=f"run-{run}").run(plan)
        if all_confirmed(con) == {"confirmed": plan.height}:
            break
    FaultStore(state).clear()
    assert all_confirmed(con) == {"confirmed": plan.height}
    faults = Counter(r["status"] for r in sandbox.xero.request_log(state, path_prefix="/api.xro"))
    assert faults[429] and faults[500] + faults[503]  # the run really met them
    assert_exactly_once(xero(state), day_plan())


def test_the_daily_limit_stops_the_run_and_the_next_day_resumes(con, state: Path):
    import httpx

    admin = httpx.Client(transport=transport("xero", state), base_url=BASE)
    plan = plan_frame(day_plan())
    admin.put("/admin/config", json={"rate_limits": {"enabled": True, "per_day": 5, "per_minute": 1000}})
    report = Sink(con, connection_id="c1", xero=xero(state), run_id="day-1").run(plan)
    assert "daily" in (report.stopped_reason or "")
    statuses = all_confirmed(con)
    assert statuses.get("confirmed", 0) > 0 and statuses.get("planned", 0) > 0 and "failed" not in statuses
    admin.put("/admin/config", json={"rate_limits": {"enabled": False}, "reset_rate_counters": True})
    Sink(con, connection_id="c1", xero=xero(state), run_id="day-2").run(plan)
    assert all_confirmed(con) == {"confirmed": plan.height}
    assert_exactly_once(xero(state), day_plan())


def test_forty_seven_of_fifty_are_written_and_three_fail_with_xeros_text(con, state: Path):
    client = xero(state)
    client.write("PUT", "Contacts", "Contacts", [{"Name": "Archived Co"}], idempotency_key="setup-1")
    archived = client.get_all("Contacts", params={"where": 'Name=="Archived Co"'})[0]["ContactID"]
    client.write("PUT", "Invoices", "Invoices", [{
        "Type": "ACCREC", "InvoiceNumber": "CLASH-1", "Contact": {"ContactID": archived}, "Date": "2026-11-01",
        "DueDate": "2026-11-01", "Status": "DRAFT",
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "205"}]}],
        idempotency_key="setup-3")
    client.write("POST", "Contacts", "Contacts", [{"ContactID": archived, "ContactStatus": "ARCHIVED"}],
                 idempotency_key="setup-2")
    writes = [w for w in day_plan(customers=1, invoices_each=50) if w.entity in ("contact", "invoice")]
    bad = {writes[4].ref: ("InvoiceNumber", "CLASH-1"), writes[20].ref: ("AccountCode", "999"),
           writes[33].ref: ("Contact", {"ContactID": archived})}
    plan = []
    for w in writes:
        if w.ref in bad:
            field, value = bad[w.ref]
            payload = dict(w.payload)
            if field == "AccountCode":
                payload["LineItems"] = [dict(payload["LineItems"][0], AccountCode=value)]
            else:
                payload[field] = value
            w = PlannedWrite(w.connection_id, w.target, w.entity, w.operation, w.ref, w.source_id, w.business_date,
                             payload, w.description, w.depends_on, w.priority)
        plan.append(w)
    Sink(con, connection_id="c1", xero=client).run(plan_frame(plan))
    statuses = dict(con.execute(
        "select status, count(*) from sync.write_ledger where entity = 'invoice' group by 1").fetchall())
    assert statuses == {"confirmed": 47, "failed": 3}
    errors = con.execute("select error_code, error_message from sync.sync_errors order by error_code").fetchall()
    assert errors == [
        ("contact_archived", "The contact with the specified contact details has been archived. The contact must be "
                             "un-archived before creating new invoices or credit notes."),
        ("duplicate_number", "Invoice # must be unique."),
        ("invalid_account", "Account code '999' is not a valid code for this document."),
    ]
    invoice_puts = [r for r in sandbox.xero.request_log(state, path_prefix="/api.xro/2.0/Invoices")
                    if r["method"] == "PUT"]
    assert len(invoice_puts) == 2  # the setup invoice, then the 50 in one call


def test_a_dry_run_sends_nothing_and_leaves_the_plan_readable(con, state: Path):
    plan = plan_frame(day_plan())
    sandbox.xero.clear_request_log(state)
    report = Sink(con, connection_id="c1", xero=None, dry_run=True).run(plan)
    assert report.counts == {"planned": plan.height}
    assert sandbox.xero.request_log(state) == []
    row = con.execute("select description, payload from sync.write_ledger where ref = 'invoice:INV-00000'").fetchone()
    assert row[0] == "Invoice INV-00000" and '"InvoiceNumber":"INV-00000"' in row[1]
    # the real run afterwards sends those very rows
    Sink(con, connection_id="c1", xero=xero(state)).run(plan)
    assert all_confirmed(con) == {"confirmed": plan.height}
