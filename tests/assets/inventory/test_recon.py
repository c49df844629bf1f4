"""recon.inventory_movements_by_day on hand-made staging: Auxo's movements by the rules against Xero's."""

from collections.abc import Iterator
from datetime import date

import duckdb
import polars as pl
import pytest

from assets.inventory.recon import VIEW, create_inventory_recon_views, differences
from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import stage
from assets.staging.xero import XERO_STAGING
from tests.assets.inventory.factories import MAPPINGS, at, d

C = "conn-1"
DAY = date(2026, 3, 2)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone='UTC'")
    connection.execute("CREATE SCHEMA staging")
    for spec in (*AUXO_STAGING, *XERO_STAGING):
        stage(connection, spec)  # no raw data: empty, typed staging tables
    yield connection
    connection.close()


def put(con: duckdb.DuckDBPyConnection, table: str, *rows: dict) -> None:
    con.register("new_rows", pl.DataFrame([{"connection_id": C, **row} for row in rows], strict=False))
    con.execute(f"insert into staging.{table} by name select * from new_rows")
    con.unregister("new_rows")


def workshop(con: duckdb.DuckDBPyConnection) -> None:
    put(con, "auxo_sync_settings", {"sync_start_date": date(2026, 1, 1)})
    put(con, "auxo_sync_setting_history",
        {"setting": "create_inventory_journals", "value": True, "changed_at": at(1, 0)},
        {"setting": "create_inventory_journals", "value": False, "changed_at": at(2, 3)},
        {"setting": "send_purchase_orders", "value": True, "changed_at": at(1, 0)})
    put(con, "auxo_parts", {"id": "p1", "part_number": "BRK-1", "stocked": True},
        {"id": "p2", "part_number": "FLT-2", "stocked": False}, {"id": "p3", "part_number": "MAT-3", "stocked": False})
    put(con, "auxo_part_cost_history",
        {"id": "h1", "part_id": "p1", "effective_at": at(1, 0), "average_cost": d("40.00")},
        {"id": "h2", "part_id": "p1", "effective_at": at(2, 2), "average_cost": d("55.00")},  # after inv_1 was made
        {"id": "h3", "part_id": "p2", "effective_at": at(1, 0), "average_cost": d("10.00")},
        {"id": "h4", "part_id": "p3", "effective_at": at(1, 0), "average_cost": d("7.00")})
    invoice = {"invoice_date": DAY, "customer_id": "c1", "gst_mode": "exclusive", "status": "issued",
               "subtotal": d("0"), "gst": d("0"), "total": d("0"), "sync_status": "pending"}
    put(con, "auxo_invoices", {"id": "inv_1", "number": "INV-1", "created_at": at(2, 1), **invoice},
        {"id": "inv_2", "number": "INV-2", "created_at": at(2, 4), **invoice},  # made while journals were off
        {"id": "inv_3", "number": "INV-3", "created_at": at(2, 5), **invoice})  # off too, but Auxo says posted
    line = {"kind": "part", "line_amount": d("0"), "gst": d("0"), "line_total": d("0")}
    put(con, "auxo_invoice_lines",
        {"document_id": "inv_1", "line_id": "l1", "line_no": 0, "part_id": "p1", "supply": "stock",
         "quantity": d("2"), **line},
        {"document_id": "inv_1", "line_id": "l2", "line_no": 1, "part_id": "p2", "supply": "job_po",
         "quantity": d("1"), **line},
        {"document_id": "inv_1", "line_id": "l3", "line_no": 2, "part_id": "p3", "supply": "direct",
         "quantity": d("1"), **line},
        {"document_id": "inv_2", "line_id": "l4", "line_no": 0, "part_id": "p1", "supply": "stock",
         "quantity": d("1"), **line},
        {"document_id": "inv_3", "line_id": "l5", "line_no": 0, "part_id": "p1", "supply": "stock",
         "quantity": d("1"), "xero_cogs_journal_id": "mj-5", **line})
    put(con, "auxo_purchase_orders", {
        "id": "po_1", "number": "PO-1", "kind": "stock", "supplier_id": "s1", "status": "received",
        "received_at": at(2, 2), "received_date": DAY, "freight": d("5.00"), "freight_gst": d("0.50"),
        "rounding_adjustment": d("0"), "subtotal": d("35.00"), "gst": d("3.50"), "total": d("38.50"),
        "sync_status": "pending"})
    put(con, "auxo_purchase_order_lines", {"purchase_order_id": "po_1", "line_id": "pl1", "line_no": 0,
                                           "part_id": "p1", "quantity": d("3"), "unit_cost": d("10.00"),
                                           "line_amount": d("30.00"), "gst": d("3.00")})
    put(con, "auxo_stock_adjustments", {
        "id": "a1", "number": "ADJ-1", "kind": "adjustment", "part_id": "p1", "adjustment_date": DAY,
        "quantity_change": d("-0.5"), "unit_cost": d("40.00"), "value": d("-20.00"), "created_at": at(2, 2),
        "sync_status": "pending"})


def xero_posted_journal(con: duckdb.DuckDBPyConnection, journal_id: str, lines: list[tuple[str, str]]) -> None:
    put(con, "xero_manual_journals", {"manual_journal_id": journal_id, "date": DAY, "status": "POSTED",
                                      "narration": "x", "dlt_id": journal_id})
    put(con, "xero_manual_journal_lines", *[{"manual_journal_id": journal_id, "line_no": i, "account_code": code,
                                             "line_amount": d(amount)} for i, (code, amount) in enumerate(lines)])


def movements(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.sql(f"select account_code, auxo_movement, xero_movement, difference from {VIEW} "
                   "where day = ? order by account_code", params=[DAY]).fetchall()
    return {code: (auxo, xero, diff) for code, auxo, xero, diff in rows}


def test_auxo_side_follows_the_rules_and_xero_side_what_is_posted(con):
    workshop(con)
    xero_posted_journal(con, "mj-1", [("310", "80.00"), ("630", "-80.00")])
    xero_posted_journal(con, "mj-5", [("310", "55.00"), ("630", "-55.00")])
    put(con, "xero_invoices", {"invoice_id": "b1", "type": "ACCPAY", "status": "AUTHORISED", "date": DAY,
                               "line_amount_types": "Exclusive", "dlt_id": "b1"})
    put(con, "xero_invoice_lines", {"invoice_id": "b1", "line_no": 0, "account_code": "630",
                                    "line_amount": d("30.00"), "tax_amount": d("3.00")},
        {"invoice_id": "b1", "line_no": 1, "account_code": "320", "line_amount": d("5.00"), "tax_amount": d("0.50")})
    create_inventory_recon_views(con, MAPPINGS)
    # Auxo: inv_1 COGS 2 × 40.00 (not the 55.00 of later) + 1 × 10.00 WIP; inv_3 (made after the change) 55.00,
    # posted though journals were off; inv_2 not (off); the PO's 30.00 into stock; the adjustment -20.00
    assert movements(con) == {
        "310": (d("145.00"), d("135.00"), d("-10.00")),
        "330": (d("20.00"), d("0.00"), d("-20.00")),
        "630": (d("-125.00"), d("-105.00"), d("20.00")),
        "635": (d("-10.00"), d("0.00"), d("10.00")),
    }
    # once the missing journals are posted, the books tie out
    xero_posted_journal(con, "mj-2", [("310", "10.00"), ("635", "-10.00")])
    xero_posted_journal(con, "mj-3", [("330", "20.00"), ("630", "-20.00")])
    assert differences(con, C).is_empty()


def test_credits_returning_parts_move_stock_back(con):
    workshop(con)
    put(con, "auxo_invoice_credits", {"id": "cr_1", "number": "CR-1", "invoice_id": "inv_1", "credit_date": DAY,
                                      "subtotal": d("0"), "gst": d("0"), "total": d("0"), "status": "issued",
                                      "sync_status": "pending"})
    put(con, "auxo_invoice_credit_lines", {"document_id": "cr_1", "line_id": "cl1", "line_no": 0, "kind": "part",
                                           "part_id": "p1", "supply": "stock", "quantity": d("1"),
                                           "line_amount": d("0"), "gst": d("0"), "line_total": d("0")})
    create_inventory_recon_views(con, MAPPINGS)
    assert movements(con)["310"][0] == d("105.00")  # 80 + 10 + 55 (inv_3) - 40 returned at inv_1's cost
    assert movements(con)["630"][0] == d("-85.00")  # -80 - 55 + 30 - 20 + 40


def test_the_accounts_come_from_the_mappings(con):
    workshop(con)
    create_inventory_recon_views(con, MAPPINGS)
    roles = dict(con.execute("select role, account_code from recon.inventory_accounts").fetchall())
    assert roles == {"cogs": "310", "stock_on_hand": "630", "work_in_progress": "635", "stock_adjustment": "330"}


def test_a_voided_invoice_takes_its_posted_journal_back_on_the_day_of_the_void(con):
    workshop(con)
    # inv_3's journal (mj-5, 55.00) was posted; the invoice is voided at 14:00 UTC on 2 March, 01:00 on 3 March in
    # Sydney: the reversal counts on 3 March, and the journal itself still on its invoice's day
    con.execute("update staging.auxo_invoices set status = 'void', voided_at = ? where id = 'inv_3'",
                [at(2, 14)])
    # inv_1 voided too, but its journals were never posted (Auxo records none): nothing to take back
    con.execute("update staging.auxo_invoices set status = 'void', voided_at = ? where id = 'inv_1'", [at(2, 14)])
    create_inventory_recon_views(con, MAPPINGS)
    assert movements(con)["310"][0] == d("55.00")  # only inv_3's journal, inv_1 is void and was never posted
    void_day = dict(con.sql(f"select account_code, auxo_movement from {VIEW} where day = date '2026-03-03'")
                    .fetchall())
    assert void_day == {"310": d("-55.00"), "630": d("55.00")}
