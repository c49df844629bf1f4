"""Stock adjustments and stocktakes: Stock on Hand against Stock Adjustment, both directions."""

from assets.inventory.adjustments import plan_stock_adjustment_journals
from pipelines.sync.plan import plan_frame
from tests.assets.inventory.factories import MAPPINGS, WINDOW, adjustment, adjustment_inputs, at, d, settings


def plan(adjustments, **kw):
    backfill = kw.pop("backfill", False)
    return plan_stock_adjustment_journals(adjustment_inputs(adjustments, **kw), MAPPINGS, WINDOW, backfill=backfill)


def lines(write):
    return [(line["AccountCode"], line["LineAmount"]) for line in write.payload["JournalLines"]]


def test_increases_and_decreases_and_stocktake_lines():
    result = plan([adjustment("adj_001", "-20.00", "-2"),
                   adjustment("adj_002", "5.00", "0.5", kind="stocktake", stocktake_id="stk_1",
                              stocktake_number="ST-0001")])
    down, up = result.writes
    assert down.ref == "stock_journal:adj_001" and down.payload["Narration"] == "Stock adjustment ADJ-001"
    assert lines(down) == [("330", d("20.00")), ("630", d("-20.00"))]
    assert up.payload["Narration"] == "Stocktake ST-0001 (ADJ-002)"
    assert lines(up) == [("630", d("5.00")), ("330", d("-5.00"))]
    assert all("adj_002" in line["Description"] for line in up.payload["JournalLines"])
    assert up.writeback == {"resource": "stock-adjustments", "id": "adj_002"} and up.depends_on == ()
    plan_frame(result.writes)


def test_nothing_for_zero_values_posted_ones_or_while_journals_were_off():
    assert plan([adjustment("adj_001", "0.00", "0")]).writes == []
    assert plan([adjustment("adj_001", "5.00", "1", xero_id="mj-1")]).writes == []
    assert plan([adjustment("adj_001", "5.00", "1")], known=frozenset({"stock_journal:adj_001"})).writes == []
    off = settings(("create_inventory_journals", True, at(1, 0)), ("create_inventory_journals", False, at(2, 2)))
    assert plan([adjustment("adj_001", "5.00", "1", created=at(2, 3))], sync=off).writes == []
    assert len(plan([adjustment("adj_001", "5.00", "1", created=at(2, 1))], sync=off).writes) == 1
    assert plan([adjustment("adj_001", "5.00", "1", created=at(2, 3))], sync=off, backfill=True).writes == []
