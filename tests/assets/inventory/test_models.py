"""The pandera models refuse a plan that would break the books."""

import polars as pl
import pytest
from pandera.errors import SchemaErrors

from assets.inventory.journals import JOURNAL_SCHEMA, validate_journals
from assets.inventory.models import PurchaseOrderBills
from tests.assets.inventory.factories import DAY, d


def journal(**kw) -> dict:
    return {"connection_id": "c", "ref": "cogs:lin_1", "kind": "cogs", "source_id": "lin_1", "document_id": "inv_1",
            "document_number": "INV-1", "business_date": DAY, "narration": "COGS for invoice INV-1",
            "supply": "stock", "amount": d("10.00"), "debit_account": "310", "credit_account": "630",
            "description": "INV-1 line lin_1: 1 × BRK-1 @ 10.00", "tracking_kind": "part", "depends_on": [],
            "writeback_resource": "invoices", "writeback_id": "inv_1", "writeback_line_id": "lin_1", **kw}


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=JOURNAL_SCHEMA)


def test_a_good_journal_has_two_balancing_lines():
    _, lines = validate_journals(frame(journal()))
    assert lines["line_amount"].to_list() == [d("10.00"), d("-10.00")]


@pytest.mark.parametrize("bad", [
    {"supply": "direct"},  # a non-stocked part added directly never gets a journal
    {"supply": None},
    {"amount": d("0.00")},
    {"credit_account": "310"},
    {"description": "no source named here"},
])
def test_a_bad_journal_is_refused(bad):
    with pytest.raises(SchemaErrors):
        validate_journals(frame(journal(**bad)))


def test_one_journal_per_invoice_line():
    with pytest.raises(SchemaErrors):
        validate_journals(frame(journal(), journal(ref="cogs:lin_1b")))


def test_bills_must_reach_the_po_total():
    row = {"connection_id": "c", "ref": "bill:po_1", "purchase_order_id": "po_1", "number": "PO-1", "kind": "stock",
           "business_date": DAY, "bill_subtotal": d("10.00"), "bill_tax": d("1.00"), "bill_total": d("11.00"),
           "po_total": d("11.00"), "lines": 1}
    schema = {**{k: pl.String for k in ("connection_id", "ref", "purchase_order_id", "number", "kind")},
              "business_date": pl.Date, **{k: pl.Decimal(18, 2) for k in ("bill_subtotal", "bill_tax", "bill_total",
                                                                            "po_total")}, "lines": pl.Int64}
    PurchaseOrderBills.validate(pl.DataFrame([row], schema=schema))
    with pytest.raises(SchemaErrors):
        PurchaseOrderBills.validate(pl.DataFrame([{**row, "po_total": d("11.01")}], schema=schema), lazy=True)


def test_journal_lines_that_do_not_balance_are_refused():
    from assets.inventory.models import JournalLines

    lines = pl.DataFrame({"ref": ["j", "j"], "line_no": [0, 1], "account_code": ["310", "630"],
                          "line_amount": [d("10.00"), d("-9.99")], "description": ["x", "x"]},
                         schema={"ref": pl.String, "line_no": pl.Int32, "account_code": pl.String,
                                 "line_amount": pl.Decimal(18, 2), "description": pl.String})
    with pytest.raises(SchemaErrors, match="does not balance"):
        JournalLines.validate(lines, lazy=True)
