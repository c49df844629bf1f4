"""The write path's bookkeeping, against in-memory targets: order, dependencies, recovery, holds."""

from datetime import date

import duckdb
import pytest

from pipelines.sync.plan import PlannedWrite, plan_frame, ref_placeholder
from pipelines.sync.sink import LockDates, Sink
from tests.pipelines.sync.fakes import FakeAuxo, FakeXero

DAY = date(2026, 11, 2)


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def contact(name: str) -> PlannedWrite:
    return PlannedWrite("c1", "xero", "contact", "create", f"contact:{name}", name, None, {"Name": name},
                        f"Contact {name}", priority=10, writeback={"resource": "customers", "id": name})


def invoice(number: str, customer: str, day: date = DAY) -> PlannedWrite:
    return PlannedWrite("c1", "xero", "invoice", "create", f"invoice:{number}", number, day,
                        {"InvoiceNumber": number, "Reference": "ABC123",
                         "Contact": {"ContactID": ref_placeholder(f"contact:{customer}")}},
                        f"Invoice {number}", depends_on=(f"contact:{customer}",), priority=20,
                        writeback={"resource": "invoices", "id": number})


def statuses(con) -> dict[str, str]:
    return dict(con.execute("select description, status from sync.write_ledger where target = 'xero'").fetchall())


def test_dry_run_records_the_plan_and_sends_nothing(con):
    xero = FakeXero()
    report = Sink(con, connection_id="c1", xero=xero, auxo=FakeAuxo(), dry_run=True).run(plan_frame([contact("Ann"), invoice("I1", "Ann")]))
    assert report.counts == {"planned": 2}
    assert xero.calls == {}
    payloads = con.execute("select payload from sync.write_ledger order by priority").fetchall()
    assert payloads[0][0] == '{"Name":"Ann"}'


def test_dependencies_go_first_and_ids_flow_into_payloads_and_back_to_auxo(con):
    xero, auxo = FakeXero(), FakeAuxo()
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([invoice("I1", "Ann"), contact("Ann")]))
    contact_id = xero.docs["Contacts"][0]["ContactID"]
    assert xero.docs["Invoices"][0]["Contact"]["ContactID"] == contact_id
    assert statuses(con) == {"Contact Ann": "confirmed", "Invoice I1": "confirmed"}
    recorded = {item["id"]: item for _, item in auxo.items}
    assert recorded["Ann"] == {"id": "Ann", "sync_status": "synced", "xero_id": contact_id}
    assert recorded["I1"]["xero_id"] == xero.docs["Invoices"][0]["InvoiceID"]


def test_a_rerun_writes_nothing_again(con):
    xero, auxo = FakeXero(), FakeAuxo()
    plan = plan_frame([contact("Ann"), invoice("I1", "Ann")])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    calls = dict(xero.calls)
    report = Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert dict(xero.calls) == calls and report.sent_batches == 0
    assert len(xero.docs["Invoices"]) == 1


def test_a_lost_response_is_looked_up_not_resent(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.faults = ["drop"]  # the contact is created, the answer never arrives
    plan = plan_frame([contact("Ann"), invoice("I1", "Ann")])
    first = Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert statuses(con)["Contact Ann"] == "failed" and statuses(con)["Invoice I1"] == "blocked"
    assert first.counts["failed"] == 1
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert len(xero.docs["Contacts"]) == 1 and len(xero.docs["Invoices"]) == 1
    assert statuses(con) == {"Contact Ann": "confirmed", "Invoice I1": "confirmed"}


def test_one_bad_document_fails_alone_with_xeros_text(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.invalid_names = {"I3", "I17", "I40"}
    plan = plan_frame([contact("Ann")] + [invoice(f"I{n}", "Ann") for n in range(50)])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert len(xero.docs["Invoices"]) == 47
    failed = con.execute("select description, error_class, error_code, error_message from sync.sync_errors").fetchall()
    assert sorted(f[0] for f in failed) == ["Invoice I17", "Invoice I3", "Invoice I40"]
    assert {f[1:] for f in failed} == {("needs_person", "duplicate_number", "Invoice # must be unique.")}
    errors_in_auxo = [item for _, item in auxo.items if item.get("sync_status") == "error"]
    assert len(errors_in_auxo) == 3


def test_documents_in_a_locked_period_are_held(con):
    xero, auxo = FakeXero(), FakeAuxo()
    plan = plan_frame([contact("Ann"), invoice("OLD", "Ann", date(2026, 6, 30)), invoice("NEW", "Ann")])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, lock_dates=lambda: LockDates(period=date(2026, 6, 30))).run(plan)
    assert statuses(con)["Invoice OLD"] == "held" and statuses(con)["Invoice NEW"] == "confirmed"
    reason = con.execute("select error_message from sync.sync_errors where description = 'Invoice OLD'").fetchone()[0]
    assert "2026-06-30" in reason and "lock date" in reason
    assert "Invoice OLD" not in reason  # the description sits beside the message, never inside it
    told_auxo = [item for _, item in auxo.items if item["id"] == "OLD"]
    assert told_auxo == [{"id": "OLD", "sync_status": "error",
                          "sync_error": {"code": "period_locked", "message": reason}}]
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, lock_dates=lambda: LockDates()).run(plan)
    assert statuses(con)["Invoice OLD"] == "confirmed"


def test_held_documents_the_extracted_lock_date_still_covers_wait_without_asking_xero(con):
    xero, auxo = FakeXero(), FakeAuxo()
    plan = plan_frame([contact("Ann"), invoice("OLD", "Ann", date(2026, 6, 30))])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, lock_dates=lambda: LockDates(period=date(2026, 6, 30))).run(plan)
    assert statuses(con)["Invoice OLD"] == "held"

    def live() -> LockDates:
        asked.append(True)
        return LockDates()

    asked: list[bool] = []
    extracted = LockDates(end_of_year=date(2026, 6, 30))
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, lock_dates=live, extracted_lock_dates=extracted).run(plan)
    assert (asked, statuses(con)["Invoice OLD"]) == ([], "held")
    # the extraction saw the period unlocked: Xero is asked before anything is released and sent
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, lock_dates=live, extracted_lock_dates=LockDates(period=date(2026, 6, 29))).run(plan)
    assert (asked, statuses(con)["Invoice OLD"]) == ([True], "confirmed")


def test_a_document_to_send_reads_the_lock_dates_live_whatever_the_extraction_saw(con):
    xero, auxo = FakeXero(), FakeAuxo()
    plan = plan_frame([contact("Ann"), invoice("OLD", "Ann", date(2026, 6, 30)), invoice("NEW", "Ann")])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, lock_dates=lambda: LockDates(period=date(2026, 6, 30)),
         extracted_lock_dates=LockDates(period=date(2026, 12, 31))).run(plan)
    assert (statuses(con)["Invoice OLD"], statuses(con)["Invoice NEW"]) == ("held", "confirmed")


def test_a_failed_dependency_blocks_with_the_reason(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.invalid_names = {"Bob"}
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Bob"), invoice("I9", "Bob")]))
    status, message = con.execute(
        "select status, error_message from sync.write_ledger where description = 'Invoice I9'").fetchone()
    assert status == "blocked" and "Contact Bob (failed" in message
    assert "Invoice I9" not in message  # the description sits beside the message, never inside it


def test_the_daily_limit_stops_cleanly_and_the_next_run_resumes(con):
    xero, auxo = FakeXero(), FakeAuxo()
    plan = plan_frame([contact("Ann")] + [invoice(f"I{n}", "Ann") for n in range(120)])
    xero.faults = [None, None, "day"]  # contact batch, first invoice batch, then the day is over
    report = Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert "daily API limit" in report.stopped_reason or "day limit" in report.stopped_reason
    assert report.counts == {"confirmed": 51 + 51, "planned": 70}  # 51 xero rows and their 51 write-backs
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert len(xero.docs["Invoices"]) == 120


def test_a_changed_document_is_never_created_twice(con):
    xero, auxo = FakeXero(), FakeAuxo()
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), invoice("I1", "Ann")]))
    edited = PlannedWrite("c1", "xero", "invoice", "create", "invoice:I1", "I1", DAY,
                          {"InvoiceNumber": "I1", "Reference": "XYZ999",
                           "Contact": {"ContactID": ref_placeholder("contact:Ann")}},
                          "Invoice I1 (edited)", depends_on=("contact:Ann",), priority=20)
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), edited]))
    assert len(xero.docs["Invoices"]) == 1
    row = con.execute("select status, error_message from sync.write_ledger where description like '%edited%'").fetchone()
    assert row[0] == "skipped" and "already created in Xero" in row[1]


def test_a_refused_document_changed_in_auxo_is_sent_as_its_new_version_once(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.invalid_names = {"I1"}  # Xero already has an I1
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), invoice("I1", "Ann")]))
    assert statuses(con)["Invoice I1"] == "failed"
    renumbered = PlannedWrite("c1", "xero", "invoice", "create", "invoice:I1", "I1", DAY,
                              {"InvoiceNumber": "I1-A", "Contact": {"ContactID": ref_placeholder("contact:Ann")}},
                              "Invoice I1-A", depends_on=("contact:Ann",), priority=20)
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), renumbered]))
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), renumbered]))
    assert [i["InvoiceNumber"] for i in xero.docs["Invoices"]] == ["I1-A"]
    assert statuses(con) == {"Contact Ann": "confirmed", "Invoice I1": "skipped", "Invoice I1-A": "confirmed"}


def test_a_refused_document_fixed_in_xero_goes_again_only_when_asked(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.invalid_names = {"I1"}
    plan = plan_frame([contact("Ann"), invoice("I1", "Ann")])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    xero.invalid_names = set()  # the clashing Xero invoice was renumbered
    calls = sum(xero.calls.values())
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert (statuses(con)["Invoice I1"], sum(xero.calls.values())) == ("failed", calls)  # a re-run sends nothing
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, resend_refused=True).run(plan)
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, resend_refused=True).run(plan)
    assert statuses(con)["Invoice I1"] == "confirmed" and len(xero.docs["Invoices"]) == 1
    told_auxo = [item for _, item in auxo.items if item["id"] == "I1"]
    assert [item["sync_status"] for item in told_auxo] == ["error", "synced"]


def test_a_refused_document_planned_again_with_its_contact_id_known_keeps_its_refusal(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.invalid_names = {"I1"}
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), invoice("I1", "Ann")]))
    ann = xero.docs["Contacts"][0]["ContactID"]
    # the next run's plan knows Ann's id instead of the placeholder: the same write, not a changed document
    same = PlannedWrite("c1", "xero", "invoice", "create", "invoice:I1", "I1", DAY,
                        {"InvoiceNumber": "I1", "Reference": "ABC123", "Contact": {"ContactID": ann}},
                        "Invoice I1 (again)", priority=20, writeback={"resource": "invoices", "id": "I1"})
    calls = sum(xero.calls.values())
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([same]))
    assert sum(xero.calls.values()) == calls
    assert statuses(con) == {"Contact Ann": "confirmed", "Invoice I1": "skipped", "Invoice I1 (again)": "failed"}
    # Auxo heard of the refusal once, when Xero answered: the carried refusal was never sent, so it has
    # no answer of its own to write back
    assert [item["sync_status"] for _, item in auxo.items if item["id"] == "I1"] == ["error"]
    message = con.execute("select error_message from sync.sync_errors where description = 'Invoice I1 (again)'")
    assert message.fetchone()[0] == "Invoice # must be unique."
    xero.invalid_names = set()
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, resend_refused=True).run(plan_frame([same]))
    assert statuses(con)["Invoice I1 (again)"] == "confirmed" and len(xero.docs["Invoices"]) == 1


def test_a_refused_write_sent_again_does_not_replay_the_cached_refusal(con):
    xero, auxo = FakeXero(), FakeAuxo()
    xero.invalid_names = {"Bob"}
    plan = plan_frame([contact("Bob")])
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    xero.invalid_names = set()  # fixed within Xero's minutes of cached answers: a new key is a new request
    Sink(con, connection_id="c1", xero=xero, auxo=auxo, resend_refused=True).run(plan)
    assert statuses(con)["Contact Bob"] == "confirmed"


def test_a_document_waiting_for_a_contact_in_review_says_so(con):
    con.execute("create schema plans")
    con.execute("create table plans.contact_matches as select 'c1' as connection_id, 'contact:Eve' as ref, 'review' as decision, "
                "'same name as an existing Xero contact, but no phone or email in common' as reason")
    Sink(con, connection_id="c1", xero=FakeXero(), auxo=FakeAuxo()).run(plan_frame([invoice("I7", "Eve")]))
    status, message = con.execute(
        "select status, error_message from sync.write_ledger where description = 'Invoice I7'").fetchall()[0]
    assert status == "blocked" and "contact review queue" in message and "no phone or email in common" in message


def test_an_id_from_the_other_system_never_fills_a_placeholder(con):
    # an Auxo write under the same ref as the Xero contact (its result is an Auxo id)
    auxo_link = PlannedWrite("c1", "auxo", "contact_link", "update", "contact:Ann", "Ann", None,
                             {"path": "customers/xero-updates", "item": {"id": "Ann"}}, "Link Ann", priority=120)
    xero, auxo = FakeXero(), FakeAuxo()
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann")]))
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([auxo_link]))  # confirmed after the Xero contact
    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan_frame([contact("Ann"), invoice("I1", "Ann")]))
    assert xero.docs["Invoices"][0]["Contact"]["ContactID"] == xero.docs["Contacts"][0]["ContactID"] != "Ann"


def test_a_plan_replaces_only_its_own_connections_rows(con):
    from pipelines.sync.store import load_plan, store_plan

    other = PlannedWrite("c2", "xero", "contact", "create", "contact:Zed", "Zed", None, {"Name": "Zed"}, "Contact Zed")
    store_plan(con, "contact_sync", plan_frame([other]), connection_id="c2")
    store_plan(con, "contact_sync", plan_frame([contact("Ann")]), connection_id="c1")
    store_plan(con, "contact_sync", plan_frame([contact("Bob")]), connection_id="c1")
    stored = load_plan(con, DAY, DAY)
    assert sorted(stored["ref"].to_list()) == ["contact:Bob", "contact:Zed"]
    with pytest.raises(ValueError, match="holds rows of"):
        store_plan(con, "contact_sync", plan_frame([other]), connection_id="c1")


def test_an_auxo_write_may_wait_for_a_xero_write(con):
    """An ordering dependency across systems is met once the Xero write is confirmed."""
    recorded = PlannedWrite("c1", "auxo", "payment_status", "update", "auxo:payment:p1", "p1", DAY,
                            {"path": "payments/sync-status", "item": {"id": "p1", "sync_status": "synced"}},
                            "Record payment p1 in Auxo", depends_on=("invoice:I1",), priority=190)
    xero, auxo = FakeXero(), FakeAuxo()
    Sink(con, connection_id="c1", xero=xero).run(plan_frame([contact("Ann"), invoice("I1", "Ann")]))
    Sink(con, connection_id="c1", auxo=auxo).run(plan_frame([recorded]))
    assert ("payments/sync-status", {"id": "p1", "sync_status": "synced"}) in auxo.items


class Killed(BaseException):
    """The process dies here."""


def test_a_kill_between_a_batch_and_its_stage_end_loses_no_write_back(con, monkeypatch):
    """Write-backs are recorded once per stage. A run killed after the first contact batch's answer is
    committed (and before the stage ends) leaves confirmed contacts with no write-back recorded and a
    sent batch of unknown outcome; the next run records the first batch's write-backs, looks the second
    up, and every contact reaches Auxo exactly once."""
    from pipelines.sync.ledger import Ledger
    from pipelines.sync.targets import XERO_MAX_BATCH

    plan = plan_frame([contact(f"K{i:03d}") for i in range(XERO_MAX_BATCH + 10)])
    xero, auxo = FakeXero(), FakeAuxo()
    real_confirm, confirms = Ledger.confirm, []

    def dying_confirm(self, outcomes, run_id, event="answer"):
        confirms.append(len(outcomes))
        if len(confirms) == 2:
            raise Killed  # Xero wrote the second batch; its answer is lost with the process
        return real_confirm(self, outcomes, run_id, event)

    monkeypatch.setattr(Ledger, "confirm", dying_confirm)
    with pytest.raises(Killed):
        Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    monkeypatch.setattr(Ledger, "confirm", real_confirm)
    left = dict(con.execute("select status, count(*) from sync.write_ledger group by 1").fetchall())
    assert left == {"confirmed": XERO_MAX_BATCH, "sent": 10}  # no write-back recorded yet
    assert auxo.items == []

    report = Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)
    assert report.reconciled == 10
    assert len(xero.docs["Contacts"]) == XERO_MAX_BATCH + 10  # nothing sent twice
    recorded = sorted(item["id"] for _, item in auxo.items)
    assert recorded == sorted(f"K{i:03d}" for i in range(XERO_MAX_BATCH + 10))  # each once
    assert all(item["sync_status"] == "synced" and item["xero_id"] for _, item in auxo.items)

    Sink(con, connection_id="c1", xero=xero, auxo=auxo).run(plan)  # a third run records and sends nothing more
    assert len(auxo.items) == XERO_MAX_BATCH + 10
