"""Reading the planners' inputs: only the days planned, and only the cost entries that can answer them."""

from collections.abc import Iterator
from datetime import date

import duckdb
import polars as pl
import pytest

from assets.inventory import tables
from assets.inventory.cogs import plan_cogs_journals
from assets.inventory.inputs import Window
from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import stage
from tests.assets.inventory.factories import MAPPINGS, at, d

C = "default"
DAY = date(2026, 3, 2)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone='UTC'")
    connection.execute("CREATE SCHEMA staging")
    for spec in AUXO_STAGING:
        stage(connection, spec)
    yield connection
    connection.close()


def put(con: duckdb.DuckDBPyConnection, table: str, *rows: dict) -> None:
    con.register("new_rows", pl.DataFrame([{"connection_id": C, **row} for row in rows], strict=False))
    con.execute(f"insert into staging.{table} by name select * from new_rows")
    con.unregister("new_rows")


def test_cost_entries_read_are_the_one_in_force_before_the_day_and_those_during_it(con):
    put(con, "auxo_sync_setting_history", {"setting": "create_inventory_journals", "value": True,
                                           "changed_at": at(1, 0)})
    put(con, "auxo_parts", {"id": "p1", "part_number": "BRK-1", "stocked": True})
    put(con, "auxo_part_cost_history",
        *[{"id": f"h{i}", "part_id": "p1", "effective_at": at(1, i), "average_cost": d(f"{10 + i}.00")}
          for i in range(5)],
        {"id": "h9", "part_id": "p1", "effective_at": at(1, 4), "average_cost": d("99.00")},  # same instant, later id
        {"id": "h5", "part_id": "p1", "effective_at": at(2, 3), "average_cost": d("20.00")},
        {"id": "h6", "part_id": "p1", "effective_at": at(2, 9), "average_cost": d("30.00")})
    invoice = {"invoice_date": DAY, "customer_id": "c", "gst_mode": "exclusive", "status": "issued",
               "subtotal": d("0"), "gst": d("0"), "total": d("0"), "sync_status": "pending"}
    put(con, "auxo_invoices", {"id": "i1", "number": "INV-1", "created_at": at(2, 1), **invoice},
        {"id": "i2", "number": "INV-2", "created_at": at(2, 5), **invoice},
        {"id": "i0", "number": "INV-0", "created_at": at(1, 2), **{**invoice, "invoice_date": date(2026, 3, 1)}})
    line = {"kind": "part", "part_id": "p1", "supply": "stock", "quantity": d("1"), "line_amount": d("0"),
            "gst": d("0"), "line_total": d("0")}
    put(con, "auxo_invoice_lines", {"document_id": "i1", "line_id": "l1", "line_no": 0, **line},
        {"document_id": "i2", "line_id": "l2", "line_no": 0, **line},
        {"document_id": "i0", "line_id": "l0", "line_no": 0, **line})
    inputs = tables.read_cogs_inputs(con, C, Window(DAY, DAY))
    assert sorted(inputs.invoices["id"]) == ["i1", "i2"]  # the day's only
    # in force before the day (both entries of that instant: cost_at takes the later id), and during it
    assert sorted(inputs.cost_history["id"]) == ["h4", "h5", "h9"]
    amounts = {w.source_id: w.payload["JournalLines"][0]["LineAmount"]
               for w in plan_cogs_journals(inputs, MAPPINGS, Window(DAY, DAY)).writes}
    assert amounts == {"l1": d("99.00"), "l2": d("20.00")}
