from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from assets.invoices.xero_changes import plan_xero_changes
from pipelines.sync.plan import plan_frame
from tests.assets.invoices.factories import (
    DAY,
    credit,
    invoice,
    line,
    make_books,
    payment,
    xero_allocation,
    xero_credit_note,
    xero_invoice,
    xero_payment,
)

LABOUR = line("labour", "1", "110.00")  # 110.00 inc, GST 10.00
SYNCED = invoice("INV-1", [LABOUR], xero_id="x-1", sync_status="synced")


def writes(books):
    plan = plan_xero_changes(books)
    plan_frame(plan.writes)
    return {w.entity: w for w in plan.writes}, plan.findings


def test_a_payment_entered_in_xero_becomes_an_auxo_payment() -> None:
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", paid="40.00")],
                       xero_payments=[xero_payment("xp-1", "x-1", "40.00", reference="cheque 7")])
    found, _ = writes(books)
    write = found["payment_from_xero"]
    assert (write.target, write.business_date, write.priority, write.ref) == ("auxo", None, 130, "xero_payment:xp-1")
    assert write.payload == {"path": "payments/from-xero",
                             "item": {"xero_payment_id": "xp-1", "invoice_id": "inv_INV-1", "payment_date": DAY,
                                      "amount": Decimal("40.00"), "reference": "cheque 7"}}


def test_a_payment_the_sync_wrote_is_never_pulled_back() -> None:
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", paid="30.00")],
                       payments=[payment("pay_1", "inv_INV-1", "10.00", xero_id="xp-1", sync_status="synced")],
                       known={"payment:pay_2": "xp-2"},
                       xero_payments=[xero_payment("xp-1", "x-1", "10.00"), xero_payment("xp-2", "x-1", "10.00"),
                                      xero_payment("xp-3", "x-1", "10.00", reference="Auxo PAY pay_3")])
    assert writes(books) == ({}, [])


def test_a_payment_entered_in_both_systems_is_reported_and_not_copied() -> None:
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", paid="50.00")],
                       payments=[payment("pay_1", "inv_INV-1", "50.00")],
                       xero_payments=[xero_payment("xp-1", "x-1", "50.00")])
    found, findings = writes(books)
    assert found == {}
    (finding,) = findings
    assert (finding.reason, finding.auxo_id, finding.xero_id) == ("payment_in_both_systems", "pay_1", "xp-1")
    assert "not yet sent to Xero" in finding.detail


def test_a_changed_xero_total_adds_one_adjustment_line_for_the_difference_and_updates_it_later() -> None:
    edited = datetime(2026, 3, 3, 4, 5, tzinfo=UTC)
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "132.00", tax="12.00", updated=edited)])
    write = writes(books)[0]["invoice_adjustment"]
    item = write.payload["item"]
    assert (item["invoice_id"], item["total_difference"], item["gst_difference"]) == \
        ("inv_INV-1", Decimal("22.00"), Decimal("2.00"))
    assert "2026-03-03 04:05 UTC" in item["description"] and write.priority == 110

    # Auxo now has the line; Xero's total changes again: the difference excludes the line already there
    row, lines = invoice("INV-1", [LABOUR, {"kind": "xero_adjustment", "quantity": Decimal(1), "line_amount":
                                            Decimal("20.00"), "gst": Decimal("2.00"), "line_total": Decimal("22.00")}],
                         xero_id="x-1", sync_status="synced")
    same = make_books([(row, lines)], xero_invoices=[xero_invoice("x-1", "INV-1", "132.00", tax="12.00")])
    assert writes(same)[0] == {}
    again = make_books([(row, lines)], xero_invoices=[xero_invoice("x-1", "INV-1", "121.00", tax="11.00")])
    item = writes(again)[0]["invoice_adjustment"].payload["item"]
    assert (item["total_difference"], item["gst_difference"]) == (Decimal("11.00"), Decimal("1.00"))
    back = make_books([(row, lines)], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00")])
    item = writes(back)[0]["invoice_adjustment"].payload["item"]
    assert (item["total_difference"], item["gst_difference"]) == (Decimal("0.00"), Decimal("0.00"))


def test_no_adjustment_while_an_auxo_edit_waits_to_be_sent() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1", sync_status="pending")],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "99.00", tax="9.00")])
    assert writes(books)[0] == {}


def test_a_xero_credit_note_allocated_to_a_synced_invoice_lowers_auxos_balance_once() -> None:
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", credited="20.00")],
                       xero_credit_notes=[xero_credit_note("xcn-1", "CN-0001", "20.00")],
                       xero_credit_allocations=[xero_allocation("a-1", "xcn-1", "x-1", "20.00")])
    write = writes(books)[0]["credit_allocation_from_xero"]
    assert write.payload["item"] == {"invoice_id": "inv_INV-1", "xero_allocation_id": "a-1",
                                     "xero_credit_note_id": "xcn-1", "xero_credit_note_number": "CN-0001",
                                     "amount": Decimal("20.00"), "date": DAY}
    recorded = books.with_frames(auxo_xero_allocations=[{"invoice_id": "inv_INV-1", "xero_allocation_id": "a-1",
                                                         "xero_credit_note_id": "xcn-1",
                                                         "amount": Decimal("20.00"), "date": DAY}])
    assert writes(recorded) == ({}, [])


def test_allocations_of_auxos_own_credits_are_not_copied_back() -> None:
    row, lines = credit("CR-1", "inv_INV-1", [LABOUR], xero_id="xcn-1")
    books = make_books([SYNCED], credits=[row], credit_lines=lines,
                       xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", credited="110.00")],
                       xero_credit_notes=[xero_credit_note("xcn-1", "CR-1", "110.00")],
                       xero_credit_allocations=[xero_allocation("a-1", "xcn-1", "x-1", "110.00")])
    assert writes(books) == ({}, [])


def test_a_payment_deleted_in_xero_is_deleted_in_auxo_and_reported() -> None:
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00")],
                       payments=[payment("pay_1", "inv_INV-1", "110.00", xero_id="xp-1", sync_status="synced")],
                       xero_payments=[xero_payment("xp-1", "x-1", "110.00", status="DELETED")])
    found, findings = writes(books)
    assert found["payment_deleted_in_xero"].payload == {"path": "payments/xero-deletions",
                                                        "item": {"xero_payment_id": "xp-1"}}
    assert [f.reason for f in findings] == ["xero_payment_deleted"]


def test_a_deposit_whose_prepayment_was_voided_in_xero_is_deleted_in_auxo() -> None:
    books = make_books(payments=[payment("dep_1", None, "50.00", kind="deposit", xero_id="pp-1", sync_status="synced")],
                       xero_prepayments=[{"prepayment_id": "pp-1", "status": "VOIDED", "reference": "Auxo DEP dep_1",
                                          "dlt_id": "d"}])
    found, findings = writes(books)
    assert found["payment_deleted_in_xero"].payload["item"] == {"xero_payment_id": "pp-1"}
    assert [(f.reason, f.document) for f in findings] == [("xero_payment_deleted", "deposit dep_1")]


def test_an_invoice_voided_in_xero_is_voided_in_auxo_and_reported() -> None:
    books = make_books([SYNCED], xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", status="VOIDED")])
    found, findings = writes(books)
    assert found == {"invoice_voided_in_xero": found["invoice_voided_in_xero"]}
    assert found["invoice_voided_in_xero"].payload == {"path": "invoices/xero-voids",
                                                       "item": {"invoice_id": "inv_INV-1"}}
    assert [f.reason for f in findings] == ["xero_invoice_voided"]
    already = make_books([invoice("INV-1", [LABOUR], xero_id="x-1", status="void", sync_status="synced")],
                         xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", tax="10.00", status="VOIDED")])
    assert writes(already) == ({}, [])
