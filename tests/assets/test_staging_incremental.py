"""Incremental staging: a run merges into staging only the root records its extraction loaded, and
the result is row for row what a rebuild from all of raw gives; a changed definition, a missing
table or ``--restage`` (the run tag) rebuilds.

The unit tests below use raw tables shaped as dlt leaves them (``_dlt_load_id`` on root rows,
children joined on ``_dlt_parent_id``, ``_dlt_loads``); the run test drives the real job on the
generator's workshop over several runs, with creates, line edits and a deletion made in Xero between
them, and compares every staging table with a from-scratch build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import StagedTable, stage_incremental, staging_select
from assets.staging.xero import XERO_STAGING

INVOICES = next(spec for spec in AUXO_STAGING if spec.name == "auxo_invoices")
LINES = next(spec for spec in AUXO_STAGING if spec.name == "auxo_invoice_lines")


def _line(con: duckdb.DuckDBPyConnection, dlt_id: str, parent: str, idx: int, amount: str) -> None:
    con.execute("INSERT INTO raw_auxo.invoices__lines VALUES (?, ?, ?, ?, ?, 'labour', ?, ?, '0.00', ?)",
                [dlt_id, parent, parent, idx, f"L{dlt_id}", "1", amount, amount])


def _invoice(con: duckdb.DuckDBPyConnection, load: str, dlt_id: str, record: str, status: str = "issued") -> None:
    """dlt's merge: the record's old row and its children go, the new row comes with the new load id."""
    old = [row[0] for row in con.execute("SELECT _dlt_id FROM raw_auxo.invoices WHERE id = ?", [record]).fetchall()]
    for parent in old:
        con.execute("DELETE FROM raw_auxo.invoices__lines WHERE _dlt_parent_id = ?", [parent])
    con.execute("DELETE FROM raw_auxo.invoices WHERE id = ?", [record])
    con.execute("INSERT INTO raw_auxo.invoices VALUES (?, ?, 'c1', ?, ?, DATE '2026-11-24', 'cust', 'exclusive', ?, "
                "'10.00', '0.00', '10.00')", [load, dlt_id, record, f"INV-{record}", status])


def _load(con: duckdb.DuckDBPyConnection, load: str) -> None:
    con.execute("INSERT INTO raw_auxo._dlt_loads VALUES (?, 0)", [load])


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    _raw(con)
    yield con
    con.close()


def _raw(con: duckdb.DuckDBPyConnection) -> None:
    """Two invoices of one line each, in one load."""
    con.execute("CREATE SCHEMA raw_auxo; CREATE SCHEMA IF NOT EXISTS staging")
    con.execute("CREATE TABLE raw_auxo._dlt_loads (load_id VARCHAR, status BIGINT)")
    con.execute("CREATE TABLE raw_auxo.invoices (_dlt_load_id VARCHAR, _dlt_id VARCHAR, connection_id VARCHAR, "
                "id VARCHAR, number VARCHAR, invoice_date VARCHAR, customer_id VARCHAR, gst_mode VARCHAR, "
                "status VARCHAR, subtotal VARCHAR, gst VARCHAR, total VARCHAR)")
    con.execute("CREATE TABLE raw_auxo.invoices__lines (_dlt_id VARCHAR, _dlt_parent_id VARCHAR, _dlt_root_id VARCHAR, "
                "_dlt_list_idx BIGINT, id VARCHAR, kind VARCHAR, quantity VARCHAR, line_amount VARCHAR, "
                "gst VARCHAR, line_total VARCHAR)")
    _invoice(con, "1796000000.1", "a", "i1")
    _line(con, "a1", "a", 0, "10.00")
    _invoice(con, "1796000000.1", "b", "i2")
    _line(con, "b1", "b", 0, "10.00")
    _load(con, "1796000000.1")


def rebuilt(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> list[tuple]:
    return sorted(con.sql(staging_select(con, spec)).fetchall(), key=repr)


def staged(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> list[tuple]:
    return sorted(con.sql(f"SELECT * FROM {spec.qualified}").fetchall(), key=repr)


def test_a_new_load_merges_its_records_and_their_lines(con: duckdb.DuckDBPyConnection) -> None:
    assert [stage_incremental(con, spec).reason for spec in (INVOICES, LINES)] == ["missing", "missing"]
    # load 2: i1 voided with its line replaced by two lines, i3 created; i2 untouched
    _invoice(con, "1796000100.5", "c", "i1", status="void")
    _line(con, "c1", "c", 0, "4.00")
    _line(con, "c2", "c", 1, "6.00")
    _invoice(con, "1796000100.5", "d", "i3")
    _load(con, "1796000100.5")
    results = [stage_incremental(con, spec) for spec in (INVOICES, LINES)]
    assert [(r.rebuilt, r.rows) for r in results] == [(False, 2), (False, 2)]
    for spec in (INVOICES, LINES):
        assert staged(con, spec) == rebuilt(con, spec)
    assert con.sql("SELECT status FROM staging.auxo_invoices WHERE id = 'i1'").fetchall() == [("void",)]
    # load 3: i1 edited again with no lines at all
    _invoice(con, "1796000200.0", "e", "i1", status="void")
    _load(con, "1796000200.0")
    assert stage_incremental(con, LINES).rows == 0
    assert staged(con, LINES) == rebuilt(con, LINES)
    assert con.sql("SELECT count(*) FROM staging.auxo_invoice_lines WHERE document_id = 'i1'").fetchall() == [(0,)]
    assert stage_incremental(con, INVOICES).reason == "1 records changed"
    # nothing new: nothing staged
    assert stage_incremental(con, INVOICES).reason == "no new load"


def test_a_changed_definition_or_a_restage_rebuilds(con: duckdb.DuckDBPyConnection) -> None:
    stage_incremental(con, INVOICES)
    con.execute("UPDATE staging.auxo_invoices SET number = 'tampered'")
    changed = dataclasses.replace(INVOICES, columns={**INVOICES.columns, "number": ("upper({i.number})", "VARCHAR")})
    result = stage_incremental(con, changed)
    assert (result.rebuilt, result.reason) == (True, "definition changed")
    assert staged(con, changed) == rebuilt(con, changed)
    con.execute("UPDATE staging.auxo_invoices SET number = 'tampered'")
    assert stage_incremental(con, changed).reason == "no new load"
    assert stage_incremental(con, changed, rebuild=True).reason == "asked"
    assert staged(con, changed) == rebuilt(con, changed)
    con.execute("DROP TABLE staging.auxo_invoices")
    assert stage_incremental(con, changed).reason == "missing"


def test_the_restage_tag_rebuilds_in_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assets.resources import WarehouseResource
    from assets.staging.assets import RESTAGE_TAG, staging_assets
    from pipelines import settings

    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path / "data"))
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path())) as con:
        _raw(con)
    asset = staging_assets("auxo", (INVOICES,))

    def run(tags: dict[str, str]) -> dict:
        result = dg.materialize([asset], resources={"warehouse": WarehouseResource()}, tags=tags)
        return result.asset_materializations_for_node("stage_auxo")[0].metadata

    assert run({})["why"].value == "missing"
    assert run({})["why"].value == "no new load"
    assert run({RESTAGE_TAG: "true"})["why"].value == "asked"


# --- the real job over several runs ------------------------------------------------------------------


def _differences(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> int:
    select = staging_select(con, spec)
    rows = con.sql(f"SELECT count(*) FROM ((SELECT * FROM {spec.qualified} EXCEPT ALL {select}) UNION ALL "
                   f"({select} EXCEPT ALL SELECT * FROM {spec.qualified}))").fetchall()
    return rows[0][0]


def test_runs_staged_incrementally_equal_a_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date, timedelta

    from assets.resources import build_xero_client
    from pipelines import settings
    from sandbox.embedded import forget_apps
    from sandbox.generator import generate, seed_sandboxes
    from tests.e2e.test_recon import run

    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path / "data"))
    forget_apps()
    workshop = generate("tiny", 7, None)
    seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
    first, last = (date.fromisoformat(str(workshop.meta[k])) for k in ("sync_start_date", "end_date"))
    instance = dg.DagsterInstance.ephemeral()
    xero = build_xero_client()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    edits = [
        # a draft invoice with two lines ...
        lambda: xero.write("POST", "Invoices", "Invoices", [{
            "Type": "ACCREC", "Contact": {"Name": "Incremental Motors"}, "Status": "DRAFT", "Reference": "INC-1",
            "LineItems": [{"Description": "one", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"},
                          {"Description": "two", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}]}],
            idempotency_key="inc-create"),
        # ... edited down to one line ...
        lambda: xero.write("POST", "Invoices", "Invoices", [{
            "InvoiceID": _draft(), "LineItems": [{"Description": "one", "Quantity": 2, "UnitAmount": 10,
                                                   "AccountCode": "200"}]}], idempotency_key="inc-edit"),
        # ... and deleted
        lambda: xero.write("POST", "Invoices", "Invoices", [{"InvoiceID": _draft(), "Status": "DELETED"}],
                           idempotency_key="inc-delete"),
    ]

    def _draft() -> str:
        with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
            return con.sql("SELECT invoice_id FROM staging.xero_invoices WHERE reference = 'INC-1'").fetchall()[0][0]

    merged = 0
    for n, day in enumerate(days[:4]):
        if 0 < n <= len(edits):
            edits[n - 1]()
        result = run(instance, partition_key=day.isoformat())
        merged += sum(1 for m in result.asset_materializations_for_node("stage_xero")
                      + result.asset_materializations_for_node("stage_auxo")
                      if not m.metadata["rebuilt"].value and m.metadata["staged_rows"].value)
        with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
            con.execute("SET TimeZone = 'UTC'")
            assert {spec.name: _differences(con, spec) for spec in (*AUXO_STAGING, *XERO_STAGING)} == \
                {spec.name: 0 for spec in (*AUXO_STAGING, *XERO_STAGING)}, day
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        assert con.sql("SELECT status FROM staging.xero_invoices WHERE reference = 'INC-1'").fetchall() == \
            [("DELETED",)]
        assert con.sql("SELECT count(*) FROM staging.xero_invoice_lines l JOIN staging.xero_invoices i "
                       "USING (connection_id, invoice_id) WHERE i.reference = 'INC-1'").fetchall() == [(1,)]
    assert merged > 0, "no run merged incrementally"
    forget_apps()
