from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import polars as pl

from assets.invoices.books import Window
from assets.invoices.payments import payments_in_both_systems, plan_payment_push
from mappings import load_mappings
from pipelines.sync.plan import plan_frame
from tests.assets.invoices.factories import (
    DAY,
    WINDOW,
    invoice,
    line,
    make_books,
    payment,
    xero_allocation,
    xero_invoice,
    xero_payment,
)

MAPPINGS = load_mappings()
LABOUR = line("labour", "1", "110.00")


def plan(books, window=WINDOW):
    return plan_payment_push(books, MAPPINGS, window)


def test_a_payment_goes_to_its_invoice_in_xero_to_the_methods_account_with_a_unique_reference() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                       payments=[payment("pay_1", "inv_INV-1", "60.00", method="bank_transfer", reference="EFT 42")],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "110.00")])
    (write,) = plan(books).writes
    assert (write.entity, write.operation, write.ref, write.priority) == ("payment", "create", "payment:pay_1", 30)
    assert write.payload == {"Invoice": {"InvoiceID": "x-1"}, "Account": {"Code": "090"}, "Date": DAY,
                             "Amount": Decimal("60.00"), "Reference": "Auxo PAY pay_1 EFT 42"}
    assert write.writeback == {"resource": "payments", "id": "pay_1"}
    plan_frame([write])


def test_a_payment_on_an_invoice_not_in_xero_yet_waits_for_it_and_clearing_is_the_default_account() -> None:
    books = make_books([invoice("INV-1", [LABOUR])],
                       payments=[payment("pay_1", "inv_INV-1", "110.00", method="cash"),
                                 payment("pay_2", "inv_INV-1", "1.00", method="voucher")])
    (first,) = plan(books).writes
    assert first.payload["Invoice"] == {"InvoiceID": {"$ref": "invoice:inv_INV-1"}}
    assert first.depends_on == ("invoice:inv_INV-1",)
    assert plan(books).findings[0].reason == "payment_exceeds_amount_due"  # 111.00 > 110.00
    books = books.with_frames(payments=[payment("pay_2", "inv_INV-1", "1.00", method="voucher")])
    assert plan(books).writes[0].payload["Account"] == {"Code": MAPPINGS.accounts.payments.clearing}


def test_payments_already_in_xero_synced_from_xero_or_of_other_days_are_not_sent() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                       payments=[payment("pay_1", "inv_INV-1", "10.00", xero_id="xp-1"),
                                 payment("pay_2", "inv_INV-1", "10.00"),
                                 payment("pay_3", "inv_INV-1", "10.00", source="xero", xero_id="xp-3"),
                                 payment("pay_4", "inv_INV-1", "10.00", day=DAY - timedelta(days=1)),
                                 payment("pay_5", "inv_INV-1", "10.00", sync_status="not_required")],
                       known={"payment:pay_2": "xp-2"}, xero_invoices=[xero_invoice("x-1", "INV-1", "110.00")])
    assert plan(books).writes == []


def test_payments_never_go_above_the_amount_due_in_xero() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                       payments=[payment("pay_1", "inv_INV-1", "60.00"), payment("pay_2", "inv_INV-1", "60.00")],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", paid="0")])
    result = plan(books)
    assert [w.ref for w in result.writes] == ["payment:pay_1"]
    (finding,) = result.findings
    assert finding.reason == "payment_exceeds_amount_due" and finding.auxo_id == "pay_2"
    assert result.push_set["amount"].sum() <= Decimal("110.00")


def test_a_payment_xero_already_has_under_its_reference_is_linked_not_sent_again() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                       payments=[payment("pay_1", "inv_INV-1", "60.00")],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", paid="60.00")],
                       xero_payments=[xero_payment("xp-9", "x-1", "60.00", reference="Auxo PAY pay_1")])
    (write,) = plan(books).writes
    assert (write.target, write.payload) == ("auxo", {"path": "payments/sync-status",
                                                      "item": {"id": "pay_1", "sync_status": "synced",
                                                               "xero_id": "xp-9"}})


def test_a_payment_entered_in_both_systems_is_not_sent() -> None:
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                       payments=[payment("pay_1", "inv_INV-1", "50.00"), payment("pay_2", "inv_INV-1", "50.00")],
                       xero_invoices=[xero_invoice("x-1", "INV-1", "110.00", paid="50.00")],
                       xero_payments=[xero_payment("xp-1", "x-1", "50.00")])
    pairs = payments_in_both_systems(books)
    assert pairs.select("auxo_payment_id", "xero_payment_id").rows() == [("pay_1", "xp-1")]
    assert [w.ref for w in plan(books).writes] == ["payment:pay_2"]  # one of the two Auxo payments is unmatched


def test_a_deposit_becomes_a_prepayment_then_is_allocated_once_the_invoice_exists() -> None:
    taken = DAY - timedelta(days=2)
    deposit = payment("dep_1", None, "50.00", kind="deposit", day=taken, job_id="job_1")
    before = make_books(payments=[deposit], jobs=[{"id": "job_1", "number": "J-000001"}])
    (prepayment,) = plan(before, Window(taken, taken)).writes
    assert (prepayment.entity, prepayment.operation, prepayment.ref, prepayment.priority) == \
        ("prepayment", "create", "prepayment:dep_1", 20)
    payload = prepayment.payload
    assert (payload["Type"], payload["BankAccount"], payload["Reference"], payload["Contact"]) == \
        ("RECEIVE-PREPAYMENT", {"Code": "090"}, "Auxo DEP dep_1", {"ContactID": "xc-1"})
    assert payload["LineItems"] == [{"Description": "Deposit on job J-000001", "Quantity": Decimal(1),
                                     "UnitAmount": Decimal("50.00"), "LineAmount": Decimal("50.00"),
                                     "AccountCode": "210", "TaxType": "OUTPUT"}]

    applied = dict(deposit, invoice_id="inv_INV-1", xero_id="pp-1")
    after = make_books([invoice("INV-1", [LABOUR], locked=True)], payments=[applied])
    allocation, synced = plan(after).writes
    assert (allocation.entity, allocation.operation, allocation.ref, allocation.business_date) == \
        ("prepayment", "allocate", "prepayment_allocation:dep_1", DAY)
    assert allocation.payload == {"PrepaymentID": "pp-1", "Invoice": {"InvoiceID": {"$ref": "invoice:inv_INV-1"}},
                                  "Amount": Decimal("50.00"), "Date": DAY}
    assert (synced.target, synced.depends_on) == ("auxo", ("prepayment_allocation:dep_1",))
    assert synced.payload["item"] == {"id": "dep_1", "sync_status": "synced"}

    allocated = after.with_frames(xero_prepayment_allocations=[xero_allocation("a-1", "pp-1", "x-1", "50.00")],
                                  invoices=[invoice("INV-1", [LABOUR], xero_id="x-1")[0]])
    assert [w.entity for w in plan(allocated).writes] == ["deposit_status"]  # only Auxo's status to record


def test_a_payment_deleted_in_auxo_is_deleted_in_xero_before_any_void() -> None:
    deleted_on = DAY + timedelta(days=1)
    books = make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                       payments=[payment("pay_1", "inv_INV-1", "10.00", status="deleted", xero_id="xp-1",
                                         deleted=deleted_on),
                                 payment("pay_2", "inv_INV-1", "10.00", status="deleted", xero_id="xp-2",
                                         deleted=deleted_on),
                                 payment("dep_1", "inv_INV-1", "10.00", kind="deposit", status="deleted",
                                         xero_id="pp-1", deleted=deleted_on)],
                       xero_payments=[xero_payment("xp-2", "x-1", "10.00", status="DELETED")])
    result = plan(books, Window(deleted_on, deleted_on))
    deposit, write = sorted(result.writes, key=lambda w: w.priority)
    assert (write.operation, write.payload, write.priority, write.business_date) == \
        ("delete", {"PaymentID": "xp-1"}, 38, deleted_on)
    # the deleted deposit's prepayment goes too, before any void; nothing is left for a person
    assert (deposit.entity, deposit.operation, deposit.payload["PrepaymentID"], deposit.priority) == \
        ("prepayment", "delete", "pp-1", 37)
    assert result.findings == []


def deleted_deposit_books(**extra):
    deleted_on = DAY + timedelta(days=2)
    return make_books([invoice("INV-1", [LABOUR], xero_id="x-1")],
                      payments=[payment("dep_1", "inv_INV-1", "50.00", kind="deposit", status="deleted",
                                        xero_id="pp-1", deleted=deleted_on, sync_status="pending")],
                      xero_invoices=[xero_invoice("x-1", "INV-1", "110.00")],
                      xero_prepayments=[{"prepayment_id": "pp-1", "type": "RECEIVE-PREPAYMENT", "status": "AUTHORISED",
                                         "date": DAY, "total": Decimal("50.00"), "dlt_id": "d1"}],
                      **extra), Window(deleted_on, deleted_on)


def test_a_deposit_deleted_in_auxo_loses_its_allocations_then_its_prepayment_in_xero_once() -> None:
    books, window = deleted_deposit_books(xero_prepayment_allocations=[
        xero_allocation("al-1", "pp-1", "x-1", "50.00"), xero_allocation("al-0", "pp-1", "x-1", "5.00", deleted=True)])
    result = plan(books, window)
    removal, deletion = sorted(result.writes, key=lambda w: w.priority)
    assert (removal.entity, removal.operation, removal.ref, removal.payload) == \
        ("prepayment_allocation", "delete", "prepayment_unallocation:al-1", {"PrepaymentID": "pp-1", "AllocationID": "al-1"})
    assert "allocation of 50.00 to invoice INV-1" in removal.description
    assert (deletion.entity, deletion.operation, deletion.ref, deletion.business_date) == \
        ("prepayment", "delete", "prepayment:dep_1", window.first)
    assert deletion.payload == {"PrepaymentID": "pp-1", "Reference": "Auxo DEP dep_1", "Date": DAY, "Status": "DELETED"}
    assert deletion.depends_on == ("prepayment_unallocation:al-1",)  # the allocation goes first
    assert deletion.writeback == {"resource": "payments", "id": "dep_1"}
    assert result.findings == []
    # once Xero has voided the prepayment, nothing more is planned
    gone = books.with_frames(xero_prepayments=[{"prepayment_id": "pp-1", "status": "VOIDED", "dlt_id": "d1"}])
    assert plan(gone, window).writes == []


def test_a_deposit_xero_refuses_to_take_out_says_what_to_do_in_xero() -> None:
    books, window = deleted_deposit_books()
    reconciled = replace(books, refused={"prepayment:dep_1": {
        "code": "reconciled", "message": "This bank transaction cannot be deleted as it has been reconciled.",
        "hint": ""}})
    result = plan(reconciled, window)
    assert [w.ref for w in result.writes] == ["prepayment:dep_1"]  # the same write: the ledger keeps it refused
    (finding,) = result.findings
    assert (finding.reason, finding.auxo_id, finding.xero_id) == ("deposit_deleted", "dep_1", "pp-1")
    assert "unreconcile it" in finding.detail and "--resend-refused" in finding.detail
    locked = replace(books, refused={"prepayment:dep_1": {"code": "period_locked", "message": "lock date",
                                                         "hint": ""}})
    (finding,) = plan(locked, window).findings
    assert "record a refund of the prepayment" in finding.detail


def test_the_push_set_is_typed_even_when_empty() -> None:
    result = plan(make_books())
    assert result.writes == [] and result.push_set.schema["amount"] == pl.Decimal(18, 2)
