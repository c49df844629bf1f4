"""Purchase orders as ACCPAY bills: coded to Stock on Hand or WIP, freight and 1c rounding lines, PO total."""

from datetime import date

from assets.inventory.bills import plan_purchase_order_bills
from assets.inventory.inputs import Window
from pipelines.money import document_totals
from pipelines.sync.plan import plan_frame
from tests.assets.inventory.factories import (
    MAPPINGS,
    WINDOW,
    at,
    bill_inputs,
    d,
    po_line,
    purchase_order,
    settings,
)

LINES = [po_line("pol_1", "3", "10.00", "30.00", "3.00"), po_line("pol_2", "1", "12.35", "12.35", "1.24", line_no=1)]
ORDER = purchase_order(lines_amount="42.35", lines_gst="4.24", freight="15.50", freight_gst="1.55", rounding="0.01")


def plan(orders=(ORDER,), lines=LINES, window=WINDOW, backfill=False, **kw):
    return plan_purchase_order_bills(bill_inputs(list(orders), list(lines), **kw), MAPPINGS, window, backfill=backfill)


def xero_total(payload: dict) -> tuple:
    """What Xero computes from the line items sent: tax per line, 10 % on INPUT, nothing otherwise."""
    rates = {"INPUT": d("10"), "EXEMPTEXPENSES": d("0"), "BASEXCLUDED": d("0")}
    return document_totals([(line["LineAmount"], rates[line["TaxType"]]) for line in payload["LineItems"]],
                           payload["LineAmountTypes"])


def test_a_received_stock_order_becomes_a_bill_whose_total_is_the_po_total():
    result = plan()
    (write,) = result.writes
    payload = write.payload
    assert write.ref == "bill:po_1" and write.entity == "bill" and write.operation == "create"
    assert payload["Type"] == "ACCPAY" and payload["Status"] == "AUTHORISED" and payload["LineAmountTypes"] == "Exclusive"
    assert payload["Reference"] == "PO-000001" and payload["InvoiceNumber"] == "PO-000001"
    assert payload["Contact"] == {"ContactID": "xc-1"} and payload["Date"] == date(2026, 3, 2)
    assert [(i["AccountCode"], i["TaxType"], i["LineAmount"]) for i in payload["LineItems"]] == [
        ("630", "INPUT", d("30.00")), ("630", "INPUT", d("12.35")), ("320", "INPUT", d("15.50")),
        ("861", "BASEXCLUDED", d("0.01"))]
    assert xero_total(payload)[2] == ORDER["total"] == d("63.65")
    assert result.documents["bill_total"].to_list() == [d("63.65")]
    assert write.writeback == {"resource": "purchase-orders", "id": "po_1"}
    plan_frame(result.writes)


def test_a_job_order_is_coded_to_work_in_progress_and_the_supplier_invoice_number_is_the_bill_number():
    order = purchase_order(kind="job", lines_amount="30.00", lines_gst="3.00", supplier_reference="SI-77",
                           rounding="-0.01")
    (write,) = plan(orders=[order], lines=LINES[:1]).writes
    assert [i["AccountCode"] for i in write.payload["LineItems"]] == ["635", "861"]
    assert write.payload["InvoiceNumber"] == "SI-77" and write.payload["Reference"] == "PO-000001"
    assert xero_total(write.payload)[2] == d("32.99")


def test_gst_free_lines_and_freight_without_gst():
    lines = [po_line("pol_1", "2", "5.00", "10.00", "0.00", tax_code="FRE")]
    order = purchase_order(lines_amount="10.00", freight="4.00")
    (write,) = plan(orders=[order], lines=lines).writes
    assert [i["TaxType"] for i in write.payload["LineItems"]] == ["EXEMPTEXPENSES", "EXEMPTEXPENSES"]
    assert xero_total(write.payload)[2] == d("14.00")


def test_a_supplier_not_in_xero_yet_is_written_first():
    (write,) = plan(suppliers=[{"id": "sup_1", "name": "Parts Co", "xero_contact_id": None}]).writes
    assert write.payload["Contact"] == {"ContactID": {"$ref": "contact:supplier:sup_1"}}
    assert write.depends_on == ("contact:supplier:sup_1",)


def test_an_order_whose_lines_miss_its_total_is_reported_not_sent():
    wrong = {**ORDER, "id": "po_2", "number": "PO-000002", "total": d("63.66")}
    lines = [*LINES, *[{**line, "purchase_order_id": "po_2"} for line in LINES]]
    result = plan(orders=[ORDER, wrong], lines=lines)
    assert [w.ref for w in result.writes] == ["bill:po_1"]
    assert [(f.reason, f.auxo_id) for f in result.findings] == [("bill_total_differs", "po_2")]


def test_only_received_orders_the_sync_covers_and_never_twice():
    assert plan(orders=[{**ORDER, "status": "ordered"}]).writes == []
    assert plan(orders=[{**ORDER, "sync_status": "not_required"}]).writes == []
    assert plan(orders=[{**ORDER, "xero_id": "bill-1"}]).writes == []
    assert plan(known=frozenset({"bill:po_1"})).writes == []
    assert plan(window=Window(date(2026, 3, 3), date(2026, 3, 4))).writes == []


def test_the_setting_when_the_order_was_received_decides():
    switched = settings(("send_purchase_orders", True, at(1, 0)), ("send_purchase_orders", False, at(2, 12)))
    before = {**ORDER, "received_at": at(2, 11)}
    after = {**ORDER, "id": "po_2", "number": "PO-000002", "received_at": at(2, 13)}
    lines = [*LINES, *[{**line, "purchase_order_id": "po_2"} for line in LINES]]
    assert [w.ref for w in plan(orders=[before, after], lines=lines, sync=switched).writes] == ["bill:po_1"]
    on_later = settings(("send_purchase_orders", False, at(1, 0)), ("send_purchase_orders", True, at(3, 0)))
    assert plan(orders=[before], sync=on_later).writes == []
    assert [w.ref for w in plan(orders=[before], sync=on_later, backfill=True).writes] == ["bill:po_1"]
