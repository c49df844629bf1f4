from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pandera.errors
import polars as pl
import pytest

from assets.invoices.books import Window
from assets.invoices.invoices import plan_invoice_push
from mappings import load_mappings
from pipelines.sync.plan import plan_frame
from tests.assets.invoices.factories import DAY, WINDOW, invoice, line, links, make_books, xero_invoice

MAPPINGS = load_mappings()
LABOUR = line("labour", "1.5", "132.00")
FREIGHT = line("freight", "1", "24.95")


def by_op(plan):
    return {(w.operation, w.ref): w for w in plan.writes}


def test_a_new_invoice_becomes_an_authorised_accrec_invoice_with_the_same_number_and_totals() -> None:
    books = make_books([invoice("INV-1", [LABOUR, FREIGHT, line("discount", "1", "-10.05")])])
    plan = plan_invoice_push(books, MAPPINGS, WINDOW)

    (write,) = plan.writes
    assert (write.target, write.entity, write.operation, write.ref) == ("xero", "invoice", "create", "invoice:inv_INV-1")
    payload = write.payload
    assert {k: payload[k] for k in ("Type", "InvoiceNumber", "Date", "Reference", "Status", "LineAmountTypes")} == {
        "Type": "ACCREC", "InvoiceNumber": "INV-1", "Date": DAY, "Reference": "ABC123", "Status": "AUTHORISED",
        "LineAmountTypes": "Inclusive"}
    assert payload["DueDate"] == DAY + timedelta(days=MAPPINGS.sync.invoices.due_days_default)
    assert payload["Contact"] == {"ContactID": "xc-1"}
    assert [item["LineAmount"] for item in payload["LineItems"]] == [Decimal("198.00"), Decimal("27.45"),
                                                                     Decimal("-11.06")]
    assert write.writeback == {"resource": "invoices", "id": "inv_INV-1"}
    assert write.business_date == DAY and write.priority == 20
    (row,) = plan.push_set.iter_rows(named=True)
    assert (row["xero_total"], row["xero_tax"]) == (Decimal("214.39"), Decimal("19.49")) == \
        (row["auxo_total"], row["auxo_gst"])
    plan_frame(plan.writes)  # the write path's own model accepts it


def test_an_unlinked_customer_is_named_by_its_contact_ref_and_goes_first() -> None:
    books = make_books([invoice("INV-1", [LABOUR], customer_id="cus_9")], contacts=links(cus_9=None))
    (write,) = plan_invoice_push(books, MAPPINGS, WINDOW).writes
    assert write.payload["Contact"] == {"ContactID": {"$ref": "contact:customer:cus_9"}}
    assert write.depends_on == ("contact:customer:cus_9",)


def test_only_the_days_planned_and_only_documents_not_in_xero_are_created() -> None:
    books = make_books([invoice("INV-1", [LABOUR]), invoice("INV-2", [LABOUR], day=DAY - timedelta(days=1)),
                        invoice("INV-3", [LABOUR], xero_id="x-3", sync_status="synced"),
                        invoice("INV-4", [LABOUR]), invoice("INV-5", [LABOUR], status="draft"),
                        invoice("INV-6", [LABOUR], sync_status="not_required"),
                        invoice("INV-7", [LABOUR], status="void")],
                       known={"invoice:inv_INV-4": "x-4"})
    plan = plan_invoice_push(books, MAPPINGS, WINDOW)
    assert [w.ref for w in plan.writes] == ["invoice:inv_INV-1"]
    wider = plan_invoice_push(books, MAPPINGS, Window(DAY - timedelta(days=1), DAY))
    assert sorted(w.ref for w in wider.writes) == ["invoice:inv_INV-1", "invoice:inv_INV-2"]


def test_a_number_xero_already_uses_is_sent_but_described_and_reported_with_both_documents() -> None:
    books = make_books([invoice("INV-1", [LABOUR])],
                       xero_invoices=[xero_invoice("x-other", "INV-1", "50.00", contact_id="xc-77", reference="")])
    plan = plan_invoice_push(books, MAPPINGS, WINDOW)
    (write,) = plan.writes
    assert "already used by Xero invoice INV-1 (InvoiceID x-other" in write.description
    (finding,) = plan.findings
    assert (finding.reason, finding.auxo_id, finding.xero_id) == ("number_clash", "inv_INV-1", "x-other")
    assert "inv_INV-1" in finding.detail and "x-other" in finding.detail


def test_our_own_invoice_found_in_xero_by_number_is_not_a_clash() -> None:
    # a create whose answer was lost reached Xero: same number, contact and reference (the sink finds it)
    books = make_books([invoice("INV-1", [LABOUR])], xero_invoices=[xero_invoice("x-1", "INV-1", "198.00")])
    plan = plan_invoice_push(books, MAPPINGS, WINDOW)
    assert not plan.findings and "already used" not in plan.writes[0].description


def test_an_edit_in_auxo_updates_the_xero_invoice_while_nothing_is_matched() -> None:
    later = DAY + timedelta(days=3)
    books = make_books([invoice("INV-1", [LABOUR, FREIGHT], day=DAY - timedelta(days=10), xero_id="x-1",
                                edited=later)],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "198.00")])
    plan = plan_invoice_push(books, MAPPINGS, Window(later, later))
    (write,) = plan.writes
    assert (write.operation, write.payload["InvoiceID"], write.business_date) == ("update", "x-1", later)
    assert len(write.payload["LineItems"]) == 2
    assert plan.push_set["operation"].to_list() == ["update"]


@pytest.mark.parametrize(("auxo", "xero", "says"), [
    ({"locked": True}, {}, "locked in Auxo"),
    ({}, {"paid": "50.00"}, "paid 50.00 in Xero"),
    ({}, {"credited": "10.00"}, "credited 10.00 in Xero"),
])
def test_an_edit_after_a_payment_or_credit_is_matched_is_reported_not_sent(auxo, xero, says) -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1", **auxo)],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "150.00", **xero)])
    plan = plan_invoice_push(books, MAPPINGS, WINDOW)
    assert plan.writes == []
    (finding,) = plan.findings
    assert finding.reason == "edit_blocked" and says in finding.detail


def test_a_synced_invoice_not_edited_is_left_alone_and_xero_voids_are_not_undone() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1", sync_status="synced"),
                        invoice("INV-2", [LABOUR], xero_id="x-2")],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "198.00"),
                                      xero_invoice("x-2", "INV-2", "198.00", status="VOIDED")])
    assert plan_invoice_push(books, MAPPINGS, WINDOW).writes == []


def test_an_invoice_voided_in_auxo_is_voided_in_xero_the_day_it_was_voided() -> None:
    voided = DAY + timedelta(days=1)
    books = make_books([invoice("INV-1", [LABOUR], status="void", xero_id="x-1", edited=voided),
                        invoice("INV-2", [LABOUR], status="void", edited=voided)],
                       known={"invoice:inv_INV-2": "x-2"},
                       xero_invoices=[xero_invoice("x-1", "INV-1", "198.00"), xero_invoice("x-2", "INV-2", "198.00")])
    plan = plan_invoice_push(books, MAPPINGS, Window(voided, voided))
    assert [(w.operation, w.payload, w.priority, w.business_date) for w in plan.writes] == [
        ("void", {"InvoiceID": "x-1", "Status": "VOIDED"}, 40, voided),
        ("void", {"InvoiceID": {"$ref": "invoice:inv_INV-2"}, "Status": "VOIDED"}, 40, voided)]


def test_lines_that_cannot_match_auxos_totals_are_reported_and_not_sent() -> None:
    bad = dict(LABOUR, tax_code="FRE")  # GST on a GST-free line
    plan = plan_invoice_push(make_books([invoice("INV-1", [bad])]), MAPPINGS, WINDOW)
    assert plan.writes == []
    assert [f.reason for f in plan.findings] == ["totals_cannot_match"]


def test_the_push_set_refuses_totals_that_are_not_the_sum_of_the_lines() -> None:
    row, lines = invoice("INV-1", [LABOUR])
    row["total"] += Decimal("0.01")
    with pytest.raises(pandera.errors.SchemaErrors, match="not the sum of its lines"):
        plan_invoice_push(make_books([(row, lines)]), MAPPINGS, WINDOW)


def test_exclusive_invoices_are_sent_exclusive() -> None:
    books = make_books([invoice("INV-1", [line("part", "2", "19.99", "exclusive")], gst_mode="exclusive")])
    (write,) = plan_invoice_push(books, MAPPINGS, WINDOW).writes
    assert write.payload["LineAmountTypes"] == "Exclusive"
    assert write.payload["LineItems"][0]["LineAmount"] == Decimal("39.98")


def test_an_empty_day_plans_nothing() -> None:
    plan = plan_invoice_push(make_books(), MAPPINGS, Window(date(2026, 1, 1), date(2026, 1, 1)))
    assert plan.writes == [] and plan.push_set.is_empty() and isinstance(plan.push_lines, pl.DataFrame)


def test_the_push_set_refuses_a_line_tax_that_is_not_whole_cents() -> None:
    from assets.invoices.documents import PushSet
    from assets.invoices.lines import AuxoLine, XeroLine, to_xero_lines

    conversion = to_xero_lines([], "inclusive", MAPPINGS)
    half_cent = XeroLine("labour", "x", Decimal(1), Decimal("1.00"), Decimal("1.00"), "205", "OUTPUT",
                         Decimal(10), Decimal("0.095"))
    push = PushSet()
    push.add("c", "invoice", "inv_1", "INV-1", "create", replace(conversion, lines=(half_cent,)),
             [AuxoLine("labour", Decimal("0.91"), Decimal("0.09"), Decimal("1.00"))], (0, 0, 0))
    with pytest.raises(pandera.errors.SchemaErrors, match="whole_cents"):
        push.frames()
