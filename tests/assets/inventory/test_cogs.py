"""COGS journals: one per costed part line, at the cost when the invoice was created, reversed by credits."""

from datetime import date

import pytest

from assets.inventory.cogs import credit_note_ref as our_credit_note_ref
from assets.inventory.cogs import invoice_ref as our_invoice_ref
from assets.inventory.cogs import plan_cogs_journals
from assets.inventory.inputs import Window
from assets.invoices.books import credit_note_ref, invoice_ref
from pipelines.sync.plan import plan_frame
from tests.assets.inventory.factories import (
    ALL_ON,
    MAPPINGS,
    WINDOW,
    at,
    cogs_inputs,
    cost,
    d,
    invoice,
    part,
    part_line,
    settings,
)

PARTS = [part("prt_1", "BRK-1"), part("prt_2", "FLT-2", stocked=False, description="Oil filter"),
         part("prt_3", "MAT-3", stocked=False, description="Floor mat")]
HISTORY = [cost("prt_1", at(1, 0), "40.00"), cost("prt_2", at(1, 0), "10.01"), cost("prt_3", at(1, 0), "7.00")]
LINES = [part_line("lin_1", "prt_1", "2"), part_line("lin_2", "prt_2", "1.5", supply="job_po", line_no=1),
         part_line("lin_3", "prt_3", "1", supply="direct", line_no=2)]


def plan(invoices=None, lines=None, history=None, window=WINDOW, **kw):
    inputs = cogs_inputs(invoices if invoices is not None else [invoice()], lines if lines is not None else LINES,
                         PARTS, history if history is not None else HISTORY, **kw)
    return plan_cogs_journals(inputs, MAPPINGS, window)


def by_ref(result):
    return {w.ref: w for w in result.writes}


def test_one_journal_per_stocked_or_job_ordered_part_line_and_none_for_a_direct_part():
    result = plan()
    journals = by_ref(result)
    assert sorted(journals) == ["cogs:lin_1", "cogs:lin_2"]
    stock = journals["cogs:lin_1"].payload
    assert stock["Narration"] == "COGS for invoice INV-000001"
    assert stock["Date"] == date(2026, 3, 2) and stock["Status"] == "POSTED" and stock["LineAmountTypes"] == "NoTax"
    assert [(line["AccountCode"], line["LineAmount"]) for line in stock["JournalLines"]] == [
        ("310", d("80.00")), ("630", d("-80.00"))]
    job = journals["cogs:lin_2"].payload
    assert [(line["AccountCode"], line["LineAmount"]) for line in job["JournalLines"]] == [
        ("310", d("15.02")), ("635", d("-15.02"))]  # 1.5 × 10.01 = 15.015, half up
    for write in result.writes:
        assert all(write.source_id in line["Description"] for line in write.payload["JournalLines"])
        assert all(line["TaxType"] == "BASEXCLUDED" for line in write.payload["JournalLines"])
        assert write.payload["JournalLines"][0]["Tracking"] == [{"Name": "Branch", "Option": "Main St"},
                                                                {"Name": "Department", "Option": "Mechanical"}]
    assert journals["cogs:lin_1"].writeback == {"resource": "invoices", "id": "inv_1", "line_id": "lin_1"}
    assert result.documents["supply"].to_list() == ["stock", "job_po"]
    plan_frame(result.writes)  # a valid plan


def test_a_cost_that_changed_after_the_invoice_was_created_does_not_change_the_journal():
    before = plan()
    # a receipt an hour after the invoice was created (01:00) moves the average from 40.00 to 55.00
    after = plan(history=[*HISTORY, cost("prt_1", at(2, 2), "55.00")])
    assert by_ref(after)["cogs:lin_1"].payload == by_ref(before)["cogs:lin_1"].payload
    assert plan_frame(after.writes)["idempotency_key"].to_list() == plan_frame(before.writes)["idempotency_key"].to_list()
    # while a change before the invoice was created is the cost in force
    earlier = plan(history=[*HISTORY, cost("prt_1", at(2, 0), "55.00")])
    assert by_ref(earlier)["cogs:lin_1"].payload["JournalLines"][0]["LineAmount"] == d("110.00")


def test_the_journal_waits_for_its_invoice_unless_auxo_already_has_the_invoice_in_xero():
    assert by_ref(plan())["cogs:lin_1"].depends_on == ("invoice:inv_1",)
    assert by_ref(plan(invoices=[invoice(xero_id="xero-inv-1")]))["cogs:lin_1"].depends_on == ()
    assert our_invoice_ref("inv_1") == invoice_ref("inv_1")
    assert our_credit_note_ref("cr_1") == credit_note_ref("cr_1")


@pytest.mark.parametrize("change", [
    {"status": "draft"}, {"status": "void"}, {"sync_status": "not_required"},
    {"invoice_date": date(2025, 12, 31)},  # before the sync start date (and outside the window)
])
def test_invoices_the_sync_does_not_cover_get_no_journals(change):
    assert plan(invoices=[invoice(**change)], window=Window(date(2025, 12, 31), date(2026, 3, 2))).writes == []


def test_lines_already_journalled_are_never_planned_again():
    lines = [part_line("lin_1", "prt_1", "2", xero_cogs_journal_id="mj-1"), *LINES[1:]]
    assert sorted(by_ref(plan(lines=lines))) == ["cogs:lin_2"]
    assert sorted(by_ref(plan(known=frozenset({"cogs:lin_2"})))) == ["cogs:lin_1"]


def test_only_invoices_dated_in_the_window():
    assert plan(invoices=[invoice(invoice_date=date(2026, 3, 1))]).writes == []


def test_the_setting_in_force_when_the_invoice_was_created_decides():
    switched = settings(("create_inventory_journals", True, at(1, 0)), ("create_inventory_journals", False, at(2, 0)),
                        ("create_inventory_journals", True, at(2, 3)))
    invoices = [invoice("inv_1", "INV-000001", created=at(2, 1)), invoice("inv_2", "INV-000002", created=at(2, 4))]
    lines = [part_line("lin_1", "prt_1", "1"), part_line("lin_9", "prt_1", "1", document_id="inv_2")]
    assert sorted(by_ref(plan(invoices=invoices, lines=lines, sync=switched))) == ["cogs:lin_9"]
    # turned on later: history stays as it was, unless a backfill is asked for
    result = plan_cogs_journals(cogs_inputs(invoices, lines, PARTS, HISTORY, sync=switched), MAPPINGS, WINDOW,
                                backfill=True)
    assert sorted(by_ref(result)) == ["cogs:lin_1", "cogs:lin_9"]
    off_now = settings(("create_inventory_journals", False, at(2, 5)))
    result = plan_cogs_journals(cogs_inputs(invoices, lines, PARTS, HISTORY, sync=off_now), MAPPINGS, WINDOW,
                                backfill=True)
    assert result.writes == []


def test_a_line_without_supply_follows_the_part_and_its_purchase_order():
    lines = [part_line("lin_a", "prt_1", "1", supply=None), part_line("lin_b", "prt_2", "1", supply=None,
                                                                          purchase_order_id="po_9", line_no=1),
             part_line("lin_c", "prt_3", "1", supply=None, line_no=2)]
    journals = by_ref(plan(lines=lines))
    assert sorted(journals) == ["cogs:lin_a", "cogs:lin_b"]
    assert journals["cogs:lin_b"].payload["JournalLines"][1]["AccountCode"] == "635"


def test_no_cost_recorded_at_invoice_time_is_reported_and_a_zero_cost_gets_no_journal():
    history = [cost("prt_1", at(3, 0), "40.00"), cost("prt_2", at(1, 0), "0.00")]
    result = plan(history=history)
    assert result.writes == []
    assert [(f.reason, f.auxo_id) for f in result.findings] == [("no_cost_at_time", "lin_1")]


CREDIT = {"id": "cr_1", "number": "CR-000001", "invoice_id": "inv_1", "credit_date": date(2026, 3, 2),
          "status": "issued", "sync_status": "pending"}


def test_a_credit_returning_parts_reverses_the_matching_journal():
    credit_lines = [part_line("cl_1", "prt_1", "1", document_id="cr_1"),
                    part_line("cl_2", "prt_2", "1.5", supply="job_po", document_id="cr_1", line_no=1),
                    part_line("cl_3", "prt_3", "1", supply="direct", document_id="cr_1", line_no=2)]
    journals = by_ref(plan(credits=[CREDIT], credit_lines=credit_lines))
    assert sorted(journals) == ["cogs:lin_1", "cogs:lin_2", "cogs_reversal:cl_1", "cogs_reversal:cl_2"]
    reversal = journals["cogs_reversal:cl_1"]
    assert reversal.payload["Narration"] == "COGS reversal for credit CR-000001"
    assert [(line["AccountCode"], line["LineAmount"]) for line in reversal.payload["JournalLines"]] == [
        ("630", d("40.00")), ("310", d("-40.00"))]
    assert "lin_1" in reversal.payload["JournalLines"][0]["Description"]
    assert [(line["AccountCode"], line["LineAmount"]) for line in journals["cogs_reversal:cl_2"].payload[
        "JournalLines"]] == [("635", d("15.02")), ("310", d("-15.02"))]
    # after the journal it reverses (a later stage) and after the credit note
    assert reversal.depends_on == ("cogs:lin_1", "credit_note:cr_1")
    assert reversal.priority > journals["cogs:lin_1"].priority


def test_a_reversal_only_when_the_journal_it_reverses_exists():
    credit_lines = [part_line("cl_1", "prt_1", "1", document_id="cr_1")]
    # the invoice (dated earlier) was created while journals were off: nothing to reverse
    off_then = settings(("create_inventory_journals", False, at(1, 0)), ("create_inventory_journals", True, at(2, 5)))
    invoices = [invoice(invoice_date=date(2026, 2, 20), created=at(2, 1))]
    assert plan(invoices=invoices, credits=[CREDIT], credit_lines=credit_lines, sync=off_then).writes == []
    # posted by Auxo's earlier sync: reversed, with no wait for the original
    lines = [part_line("lin_1", "prt_1", "2", xero_cogs_journal_id="mj-1")]
    result = by_ref(plan(invoices=invoices, lines=lines, credits=[{**CREDIT, "xero_id": "cn-1"}],
                         credit_lines=credit_lines, sync=off_then))
    assert sorted(result) == ["cogs_reversal:cl_1"] and result["cogs_reversal:cl_1"].depends_on == ()


def test_a_returned_part_no_invoice_line_holds_is_reported():
    credit_lines = [part_line("cl_1", "prt_9", "1", document_id="cr_1")]
    result = plan(credits=[CREDIT], credit_lines=credit_lines)
    assert sorted(by_ref(result)) == ["cogs:lin_1", "cogs:lin_2"]
    assert [(f.reason, f.auxo_id) for f in result.findings] == [("credit_part_not_on_invoice", "cl_1")]


def test_every_plan_row_is_unique_and_valid_with_many_lines():
    lines = [part_line(f"lin_{i}", "prt_1", "1", line_no=i) for i in range(200)]
    frame = plan_frame(plan(lines=lines).writes)
    assert frame.height == 200 and frame["ref"].n_unique() == 200
    assert ALL_ON.is_on_now("create_inventory_journals")


def test_a_journal_is_described_with_its_invoice_number_once_and_its_line_descriptions_keep_it():
    for write in plan().writes:
        assert write.description.count("INV-000001") == 1, write.description
        assert write.description.startswith("COGS for invoice INV-000001, line "), write.description
        # Xero shows journal lines out of context: each still names its invoice
        assert all(line["Description"].startswith("INV-000001 line ") for line in write.payload["JournalLines"])


VOIDED = invoice(status="void", voided_at=at(3, 1))  # 01:00 UTC on 3 March: 12:00 on 3 March in Sydney
POSTED = [part_line("lin_1", "prt_1", "2", xero_cogs_journal_id="mj-1"), *LINES[1:]]


def test_an_invoice_voided_after_its_journals_were_posted_gets_one_reversal_per_journal_on_the_void_day():
    void_day = Window(date(2026, 3, 3), date(2026, 3, 3))
    journals = by_ref(plan(invoices=[VOIDED], lines=POSTED, known=frozenset({"cogs:lin_2"}), window=void_day))
    assert sorted(journals) == ["cogs_void:lin_1", "cogs_void:lin_2"]  # none for the direct part, no new journal
    stock = journals["cogs_void:lin_1"]
    assert stock.payload["Narration"] == "COGS reversal for voided invoice INV-000001"
    assert stock.payload["Date"] == date(2026, 3, 3) == stock.business_date
    assert [(line["AccountCode"], line["LineAmount"]) for line in stock.payload["JournalLines"]] == [
        ("630", d("80.00")), ("310", d("-80.00"))]  # Stock on Hand back up by what the journal took out
    assert "lin_1" in stock.payload["JournalLines"][0]["Description"]
    assert [(line["AccountCode"], line["LineAmount"]) for line in journals["cogs_void:lin_2"].payload[
        "JournalLines"]] == [("635", d("15.02")), ("310", d("-15.02"))]
    # Auxo records lin_1's journal; lin_2's the ledger created: the reversal names what it reverses
    assert stock.depends_on == () and journals["cogs_void:lin_2"].depends_on == ("cogs:lin_2",)
    plan_frame(list(journals.values()))


def test_a_void_reversal_is_planned_once_and_not_before_the_void_nor_for_a_journal_never_posted():
    void_day = Window(date(2026, 3, 3), date(2026, 3, 3))
    done = frozenset({"cogs_void:lin_1"})
    assert by_ref(plan(invoices=[VOIDED], lines=POSTED, known=done, window=void_day)) == {}
    assert plan(invoices=[VOIDED], lines=POSTED, window=WINDOW).writes == []  # 2 March: not voided yet
    assert plan(invoices=[VOIDED], lines=LINES, window=void_day).writes == []  # voided before any journal
    # a run that does not cover the day of the void dates it on its own first day
    later = Window(date(2026, 3, 5), date(2026, 3, 6))
    (late,) = plan(invoices=[VOIDED], lines=POSTED, window=later).writes
    assert late.payload["Date"] == date(2026, 3, 5)


def test_a_void_made_in_xero_reverses_at_once_dated_when_xero_voided_it_and_stops_new_journals():
    in_xero = invoice(xero_id="x-1", xero_status="VOIDED", xero_updated_at=at(2, 23))  # 10:00 on 3 March, Sydney
    void_days = Window(date(2026, 3, 2), date(2026, 3, 4))
    journals = by_ref(plan(invoices=[in_xero], lines=POSTED, window=void_days))
    # lin_1's journal was posted: reversed on the day of Xero's void; lin_2's never was: no journal now
    assert sorted(journals) == ["cogs_void:lin_1"]
    assert journals["cogs_void:lin_1"].payload["Date"] == date(2026, 3, 3)
    # once Auxo is voided too (the next day), the same reversal: the first void counts
    both = {**in_xero, "status": "void", "voided_at": at(3, 23)}
    again = by_ref(plan(invoices=[both], lines=POSTED, window=void_days))
    assert again["cogs_void:lin_1"].payload == journals["cogs_void:lin_1"].payload
