from __future__ import annotations

from decimal import Decimal

from assets.invoices.credits import plan_credit_push
from mappings import load_mappings
from pipelines.sync.plan import plan_frame
from tests.assets.invoices.factories import WINDOW, credit, invoice, line, make_books, xero_allocation

MAPPINGS = load_mappings()
LABOUR = line("labour", "1", "110.00")
PART = line("part", "1", "33.00")


def books_with(credit_row, **kwargs):
    row, lines = credit_row
    return make_books([invoice("INV-1", [LABOUR, PART], **kwargs.pop("invoice", {}))],
                      credits=[row], credit_lines=lines, **kwargs)


def test_a_new_credit_becomes_a_credit_note_then_an_allocation_to_its_invoice() -> None:
    plan = plan_credit_push(books_with(credit("CR-1", "inv_INV-1", [PART])), MAPPINGS, WINDOW)
    note, allocation = plan.writes
    assert (note.entity, note.operation, note.ref, note.priority) == ("credit_note", "create", "credit_note:cr_CR-1", 20)
    assert {k: note.payload[k] for k in ("Type", "CreditNoteNumber", "Status", "LineAmountTypes", "Reference")} == {
        "Type": "ACCRECCREDIT", "CreditNoteNumber": "CR-1", "Status": "AUTHORISED", "LineAmountTypes": "Inclusive",
        "Reference": "Credit for INV-1: Returned part"}
    assert note.writeback == {"resource": "invoice-credits", "id": "cr_CR-1"}
    assert (allocation.entity, allocation.operation, allocation.ref, allocation.priority) == \
        ("credit_note", "allocate", "credit_allocation:cr_CR-1", 35)
    assert allocation.payload == {"CreditNoteID": {"$ref": "credit_note:cr_CR-1"},
                                  "Invoice": {"InvoiceID": {"$ref": "invoice:inv_INV-1"}},
                                  "Amount": Decimal("33.00"), "Date": WINDOW.first}
    assert set(allocation.depends_on) == {"credit_note:cr_CR-1", "invoice:inv_INV-1"}
    assert plan.push_set["xero_total"].to_list() == [Decimal("33.00")]
    plan_frame(plan.writes)


def test_an_allocation_names_documents_the_ledger_made_by_ref_so_its_key_never_changes() -> None:
    known = {"credit_note:cr_CR-1": "xcn-1", "invoice:inv_INV-1": "x-1"}
    first = plan_credit_push(books_with(credit("CR-1", "inv_INV-1", [PART]), known={"invoice:inv_INV-1": "x-1"}),
                             MAPPINGS, WINDOW)
    # next run: Auxo has recorded both Xero ids and the ledger knows them
    later = plan_credit_push(books_with(credit("CR-1", "inv_INV-1", [PART], xero_id="xcn-1"), known=known,
                                        invoice={"xero_id": "x-1"}), MAPPINGS, WINDOW)
    (again,) = later.writes
    assert plan_frame([first.writes[1]])["idempotency_key"][0] == plan_frame([again])["idempotency_key"][0]


def test_an_allocation_is_planned_until_done_never_twice() -> None:
    credit_row = credit("CR-1", "inv_INV-1", [PART], xero_id="xcn-1")
    done_by_ledger = books_with(credit_row, invoice={"xero_id": "x-1"}, allocated=frozenset({"credit_allocation:cr_CR-1"}))
    done_in_xero = books_with(credit_row, invoice={"xero_id": "x-1"},
                              xero_credit_allocations=[xero_allocation("a-1", "xcn-1", "x-1", "33.00")])
    assert plan_credit_push(done_by_ledger, MAPPINGS, WINDOW).writes == []
    assert plan_credit_push(done_in_xero, MAPPINGS, WINDOW).writes == []
    (pending,) = plan_credit_push(books_with(credit_row, invoice={"xero_id": "x-1"}), MAPPINGS, WINDOW).writes
    assert pending.payload["CreditNoteID"] == "xcn-1" and pending.payload["Invoice"] == {"InvoiceID": "x-1"}


def test_a_credit_voided_in_auxo_after_it_reached_xero_is_reported() -> None:
    plan = plan_credit_push(books_with(credit("CR-1", "inv_INV-1", [PART], status="void", xero_id="xcn-1")),
                            MAPPINGS, WINDOW)
    assert plan.writes == [] and [f.reason for f in plan.findings] == ["credit_voided"]


def test_a_credit_of_an_unknown_invoice_is_reported() -> None:
    row, lines = credit("CR-1", "inv_missing", [PART])
    plan = plan_credit_push(make_books(credits=[row], credit_lines=lines), MAPPINGS, WINDOW)
    assert plan.writes == [] and [f.reason for f in plan.findings] == ["missing_invoice"]
