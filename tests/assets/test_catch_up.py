"""Which earlier days a run plans too: the days holding an Auxo document not in step yet."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from assets.catch_up import days_out_of_step, run_window
from assets.window import Window

C = "c1"
START = date(2026, 2, 1)
RUN = date(2026, 3, 1)
ON = datetime(2026, 1, 1, 6)


def day(n: int) -> date:
    return date(2026, 2, n)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create table staging.auxo_sync_settings as select ? as connection_id, ?::date as sync_start_date",
                [C, START])
    return con


def table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    con.register("rows", pl.DataFrame(rows))
    con.execute(f"create table staging.{name} as select * from rows")
    con.unregister("rows")


def invoice(id: str, on: date, **extra) -> dict:
    return {"connection_id": C, "id": id, "invoice_date": on, "status": "issued", "sync_status": "pending",
            "xero_id": None, **extra}


def test_a_pending_invoice_with_no_xero_id_makes_its_day_and_nothing_in_step_does(con) -> None:
    table(con, "auxo_invoices", [
        invoice("new", day(3)),
        invoice("paid_new", day(4), status="paid"),
        invoice("synced", day(5), sync_status="synced", xero_id="x1"),
        invoice("edited", day(6), xero_id="x2"),  # pending again after an edit: the edit path's, not a day
        invoice("refused", day(7), sync_status="error"),  # a person acts; an edit makes it pending again
        invoice("void", day(8), status="void"),
        invoice("history", date(2026, 1, 20), sync_status="not_required"),
        invoice("before_start", date(2026, 1, 25)),
        invoice("in_the_run", RUN),
        invoice("other_connection", day(9), connection_id="c2"),
    ])
    assert days_out_of_step(con, C, RUN) == {day(3), day(4)}


def test_payments_deposits_and_their_allocations(con) -> None:
    table(con, "auxo_invoices", [invoice("i1", day(10), sync_status="synced", xero_id="x1")])
    base = {"connection_id": C, "source": "auxo", "status": "active", "sync_status": "pending", "xero_id": None,
            "invoice_id": None}
    table(con, "auxo_payments", [
        {**base, "id": "p1", "kind": "payment", "payment_date": day(2), "invoice_id": "i1"},
        {**base, "id": "p2", "kind": "payment", "payment_date": day(3), "source": "xero"},
        {**base, "id": "p3", "kind": "payment", "payment_date": day(4), "status": "deleted"},
        {**base, "id": "p4", "kind": "payment", "payment_date": day(5), "sync_status": "synced", "xero_id": "x"},
        # a deposit in Xero already, pending again because it was applied to an invoice dated later
        {**base, "id": "d1", "kind": "deposit", "payment_date": day(6), "xero_id": "x", "invoice_id": "i1"},
    ])
    assert days_out_of_step(con, C, RUN) == {day(2), day(10)}


def test_orders_and_adjustments_count_only_while_their_setting_was_on(con) -> None:
    table(con, "auxo_sync_setting_history", [
        {"connection_id": C, "setting": "send_purchase_orders", "changed_at": ON, "value": True},
        {"connection_id": C, "setting": "send_purchase_orders", "changed_at": datetime(2026, 2, 15), "value": False},
        {"connection_id": C, "setting": "create_inventory_journals", "changed_at": ON, "value": True},
    ])
    base = {"connection_id": C, "sync_status": "pending", "xero_id": None}
    table(con, "auxo_purchase_orders", [
        {**base, "id": "o1", "status": "received", "received_date": day(3), "received_at": datetime(2026, 2, 3, 9)},
        {**base, "id": "o2", "status": "received", "received_date": day(20), "received_at": datetime(2026, 2, 20, 9)},
        {**base, "id": "o3", "status": "ordered", "received_date": None, "received_at": None},
    ])
    table(con, "auxo_stock_adjustments", [
        {**base, "id": "a1", "adjustment_date": day(11), "created_at": datetime(2026, 2, 11, 9)}])
    assert days_out_of_step(con, C, RUN) == {day(3), day(11)}


def test_no_staging_yet_means_no_earlier_day(con) -> None:
    assert days_out_of_step(con, C, RUN) == frozenset()
    assert run_window(con, C, RUN, RUN) == Window(RUN, RUN)


def test_the_window_plans_its_days_and_the_earlier_ones() -> None:
    window = Window(RUN, date(2026, 3, 2)).with_catch_up([day(3), RUN, date(2026, 3, 5), day(1)])
    assert window.earlier_days == (day(1), day(3))  # days inside or after the window are its own business
    frame = pl.DataFrame({"d": [day(1), day(2), day(3), RUN, date(2026, 3, 2), date(2026, 3, 3)]})
    assert frame.filter(window.expr("d"))["d"].to_list() == [day(1), day(3), RUN, date(2026, 3, 2)]
    assert day(3) in window and day(2) not in window
    assert window.describe() == "2026-03-01 to 2026-03-02 and the earlier days 2026-02-01, 2026-02-03"
    assert Window(RUN, RUN).describe() == "2026-03-01"
