"""One Finding, one store_findings: each plan asset replaces its own rows for the days it planned."""

from datetime import date

import duckdb
import pytest

from assets.findings import Finding, FindingsTable, store_findings
from assets.inventory.tables import EXCEPTIONS as INVENTORY_EXCEPTIONS
from assets.invoices.tables import EXCEPTIONS as INVOICE_EXCEPTIONS

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def finding(day: date | None, reason: str = "missing_invoice", document: str = "payment p1",
            connection_id: str = "c1") -> Finding:
    return Finding(connection_id, day, reason, document, "p1", None, "its invoice is not in Auxo's data")


def rows(con: duckdb.DuckDBPyConnection, table: FindingsTable) -> list[tuple]:
    return con.execute(f"select plan_asset, business_date, document from {table.name} order by all").fetchall()


def test_a_plan_replaces_only_its_own_rows_of_the_days_it_planned() -> None:
    con = duckdb.connect()
    store_findings(con, INVOICE_EXCEPTIONS, "a", [finding(D1), finding(D2)], D1, D2, connection_id="c1")
    store_findings(con, INVOICE_EXCEPTIONS, "b", [finding(D1)], D1, D1, connection_id="c1")
    stored = store_findings(con, INVOICE_EXCEPTIONS, "a", [finding(D2, document="payment p2")], D2, D2, connection_id="c1")
    assert stored.columns == [*INVOICE_EXCEPTIONS.columns, "plan_asset"]
    assert rows(con, INVOICE_EXCEPTIONS) == [("a", D1, "payment p1"), ("a", D2, "payment p2"), ("b", D1, "payment p1")]
    store_findings(con, INVOICE_EXCEPTIONS, "a", [], connection_id="c1")  # undated: all of its rows
    assert rows(con, INVOICE_EXCEPTIONS) == [("b", D1, "payment p1")]


def test_the_invoice_table_knows_its_reasons_and_the_inventory_table_keeps_no_xero_id() -> None:
    con = duckdb.connect()
    with pytest.raises(ValueError, match="unknown exception reason"):
        store_findings(con, INVOICE_EXCEPTIONS, "a", [finding(D1, reason="no_cost_at_time")], D1, D1, connection_id="c1")
    store_findings(con, INVENTORY_EXCEPTIONS, "cogs_journal_set", [finding(D1, reason="no_cost_at_time")], D1, D1, connection_id="c1")
    columns = [c[0] for c in con.execute(f"describe {INVENTORY_EXCEPTIONS.name}").fetchall()]
    assert columns == ["connection_id", "business_date", "reason", "document", "auxo_id", "detail", "plan_asset"]


def test_a_plan_replaces_only_its_own_connections_findings() -> None:
    con = duckdb.connect()
    store_findings(con, INVOICE_EXCEPTIONS, "a", [finding(D1, connection_id="c2")], D1, D1, connection_id="c2")
    store_findings(con, INVOICE_EXCEPTIONS, "a", [finding(D1)], D1, D1, connection_id="c1")
    store_findings(con, INVOICE_EXCEPTIONS, "a", [], connection_id="c1")
    assert con.execute(f"select connection_id from {INVOICE_EXCEPTIONS.name}").fetchall() == [("c2",)]
    with pytest.raises(ValueError, match="hold rows of"):
        store_findings(con, INVOICE_EXCEPTIONS, "a", [finding(D1, connection_id="c2")], D1, D1, connection_id="c1")
