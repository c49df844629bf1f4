"""Reading the inventory planners' inputs from DuckDB, and keeping what they report.

Only the days planned are read (the partition's and the earlier days out of step; and what they need: the invoices credited in those days, the cost
history of the parts on those lines up to the last invoice's moment), so a day of a large workshop
reads thousands of rows, not a year of history. A staging table that does not exist yet reads as
empty.

``plans.inventory_exceptions`` holds what the planners deliberately did not write and why (a part
without a cost at invoice time, a bill whose lines do not reach the PO total, a returned part no
invoice line holds); each plan asset replaces its own rows for the days it planned.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl

from assets.contacts.links import contact_links
from assets.findings import FindingsTable
from assets.inventory.cost_at import HISTORY_SCHEMA as COST_HISTORY_SCHEMA
from assets.inventory.inputs import (
    ADJUSTMENT_SCHEMA,
    CREDIT_SCHEMA,
    INVOICE_SCHEMA,
    LINE_SCHEMA,
    PART_SCHEMA,
    PURCHASE_ORDER_LINE_SCHEMA,
    PURCHASE_ORDER_SCHEMA,
    SUPPLIER_SCHEMA,
    AdjustmentInputs,
    BillInputs,
    CogsInputs,
    Window,
    typed,
)
from assets.inventory.journals import FINDING_SCHEMA
from assets.inventory.toggles import HISTORY_SCHEMA as SETTING_HISTORY_SCHEMA
from assets.inventory.toggles import SyncSettings
from pipelines import warehouse
from pipelines.sync.ledger import Ledger
from pipelines.sync.store import days_predicate
from pipelines.warehouse import registered

EXCEPTIONS_TABLE = "plans.inventory_exceptions"
# the invoice columns staging.auxo_invoices holds; Xero's status is joined in after (_with_xero_status)
AUXO_INVOICE_SCHEMA = {name: dtype for name, dtype in INVOICE_SCHEMA.items()
                       if name not in ("xero_status", "xero_updated_at")}
OUR_REF_PREFIXES = ("cogs:", "cogs_reversal:", "cogs_void:", "bill:", "stock_journal:")


def _read(con: duckdb.DuckDBPyConnection, table: str, schema: Mapping[str, pl.DataType], sql: str,
          params: list[object]) -> pl.DataFrame:
    """``select <schema columns> from staging.<table> <sql>`` as a typed frame (empty when the table is missing)."""
    if not warehouse.table_exists(con, "staging", table):
        return typed([], schema)
    columns = ", ".join(f't."{name}"' for name in schema)
    return typed(con.sql(f"select {columns} from staging.{table} t {sql}", params=params).pl(), schema)


def _on_days(column: str, window: Window) -> tuple[str, list[object]]:
    """SQL for "``column`` is a day the window plans" (its days and its earlier days out of step), and its
    parameters."""
    return days_predicate(window.first, window.last, window.earlier_days, column=column)


def read_settings(con: duckdb.DuckDBPyConnection, connection_id: str) -> SyncSettings:
    """Auxo's switch history and sync start date for the connection (no history: everything off)."""
    history = _read(con, "auxo_sync_setting_history", SETTING_HISTORY_SCHEMA,
                    "where connection_id = ? order by changed_at", [connection_id])
    start = _read(con, "auxo_sync_settings", {"sync_start_date": pl.Date}, "where connection_id = ?", [connection_id])
    return SyncSettings(history, start["sync_start_date"][0] if start.height else None)


def known_refs(con: duckdb.DuckDBPyConnection, connection_id: str) -> frozenset[str]:
    """Inventory documents the ledger has created in Xero (never planned again)."""
    return frozenset(ref for ref in Ledger(con, connection_id).known_targets()
                     if ref.startswith(tuple(OUR_REF_PREFIXES)))


def _parts(con: duckdb.DuckDBPyConnection, connection_id: str, part_ids: pl.Series) -> pl.DataFrame:
    wanted = pl.DataFrame({"part_id": part_ids.drop_nulls().unique()}, schema={"part_id": pl.String})
    with registered(con, "wanted_parts", wanted):
        return _read(con, "auxo_parts", PART_SCHEMA, "join wanted_parts w on w.part_id = t.id "
                     "where t.connection_id = ?", [connection_id])


def _cost_history(con: duckdb.DuckDBPyConnection, connection_id: str, lines: pl.DataFrame,
                  invoices: pl.DataFrame) -> pl.DataFrame:
    """The cost entries that can answer "cost at an invoice's moment" for these lines, and no more.

    Per part: every entry between the first and the last moment asked for, plus the last entry
    before the first (the cost then in force). A year of receipts of a busy part stays in DuckDB.
    """
    needs = (lines.join(invoices.select(document_id="id", moment="created_at"), on="document_id")
             .drop_nulls(["part_id", "moment"])
             .group_by("part_id").agg(first=pl.col("moment").min(), last=pl.col("moment").max()))
    if needs.is_empty() or not warehouse.table_exists(con, "staging", "auxo_part_cost_history"):
        return typed([], COST_HISTORY_SCHEMA)
    columns = ", ".join(f'h."{name}"' for name in COST_HISTORY_SCHEMA)
    with registered(con, "cost_needs", needs):
        frame = con.sql(
            f"""
            with history as (select * from staging.auxo_part_cost_history where connection_id = ?),
            prior as (  -- the instant of the entry in force at each part's first moment
                select n.part_id, h.effective_at from cost_needs n
                asof join history h on h.part_id = n.part_id and n.first >= h.effective_at)
            select {columns} from history h join cost_needs n using (part_id)
            where h.effective_at between n.first and n.last
            union  -- every entry at that instant: two at one instant are told apart by id in cost_at
            select {columns} from history h join prior p using (part_id, effective_at)
            """, params=[connection_id]).pl()
    return typed(frame, COST_HISTORY_SCHEMA)


def _with_xero_status(con: duckdb.DuckDBPyConnection, connection_id: str, invoices: pl.DataFrame) -> pl.DataFrame:
    """The invoices with their Xero invoice's status and UpdatedDateUTC (a void made in Xero shows there first)."""
    if not warehouse.table_exists(con, "staging", "xero_invoices"):
        return typed(invoices, INVOICE_SCHEMA)
    wanted = invoices.select(xero_id="xero_id").drop_nulls().unique()
    with registered(con, "wanted_xero_invoices", wanted):
        xero = con.sql("select x.invoice_id as xero_id, x.status as xero_status, x.updated_at as xero_updated_at "
                       "from staging.xero_invoices x join wanted_xero_invoices w on w.xero_id = x.invoice_id "
                       "where x.connection_id = ?", params=[connection_id]).pl()
    joined = invoices.join(xero, on="xero_id", how="left")
    return typed(joined, INVOICE_SCHEMA)


def _voided_with_journals(con: duckdb.DuckDBPyConnection, connection_id: str, known: frozenset[str],
                          already: pl.Series) -> pl.DataFrame:
    """Invoices void in Auxo or voided in Xero (outside ``already``) with a COGS journal posted (its id in
    Auxo, or created by the ledger) that is not reversed yet: the planner reverses those journals. Voids
    are few, whatever the age."""
    posted = pl.DataFrame({"line_id": [ref.removeprefix("cogs:") for ref in known if ref.startswith("cogs:")]},
                          schema={"line_id": pl.String})
    reversed_ = pl.DataFrame({"line_id": [ref.removeprefix("cogs_void:") for ref in known
                                          if ref.startswith("cogs_void:")]}, schema={"line_id": pl.String})
    skip = pl.DataFrame({"id": already.unique()}, schema={"id": pl.String})
    if not all(warehouse.table_exists(con, "staging", t) for t in ("auxo_invoice_lines", "xero_invoices")):
        return typed([], AUXO_INVOICE_SCHEMA)
    with registered(con, "posted_lines", posted), registered(con, "reversed_lines", reversed_), \
            registered(con, "read_invoices", skip):
        return _read(con, "auxo_invoices", AUXO_INVOICE_SCHEMA,
                     "where t.connection_id = ? and t.id not in (select id from read_invoices) "
                     "and (t.status = 'void' or t.xero_id in (select invoice_id from staging.xero_invoices "
                     "where connection_id = t.connection_id and status in ('VOIDED', 'DELETED'))) "
                     "and t.id in (select l.document_id from staging.auxo_invoice_lines l where l.connection_id = ? "
                     "and l.kind = 'part' and (l.xero_cogs_journal_id is not null "
                     "or l.line_id in (select line_id from posted_lines)) "
                     "and l.line_id not in (select line_id from reversed_lines))", [connection_id, connection_id])


def read_cogs_inputs(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window) -> CogsInputs:
    settings = read_settings(con, connection_id)
    credit_days, credit_params = _on_days("credit_date", window)
    credits = _read(con, "auxo_invoice_credits", CREDIT_SCHEMA,
                    f"where connection_id = ? and {credit_days}", [connection_id, *credit_params])
    credited = pl.DataFrame({"id": credits["invoice_id"].drop_nulls().unique()}, schema={"id": pl.String})
    with registered(con, "credited_invoices", credited):
        # the window's invoices the sync covers (history from before the sync start never gets a journal:
        # a window over a year of it would read millions of lines), and every invoice credited in it
        invoice_days, invoice_params = _on_days("invoice_date", window)
        invoices = _read(con, "auxo_invoices", AUXO_INVOICE_SCHEMA,
                         f"where connection_id = ? and (({invoice_days} "
                         "and coalesce(sync_status, 'pending') <> 'not_required' "
                         "and (cast(? as date) is null or invoice_date >= ?)) "
                         "or id in (select id from credited_invoices))",
                         [connection_id, *invoice_params, settings.sync_start_date, settings.sync_start_date])
    known = known_refs(con, connection_id)
    invoices = _with_xero_status(con, connection_id, pl.concat([
        invoices, _voided_with_journals(con, connection_id, known, invoices["id"])]))
    with registered(con, "wanted_documents", pl.concat([invoices.select("id"), credits.select("id")])):
        lines = _read(con, "auxo_invoice_lines", LINE_SCHEMA, "join wanted_documents w on w.id = t.document_id "
                      "where t.connection_id = ? and t.kind = 'part'", [connection_id])
        credit_lines = _read(con, "auxo_invoice_credit_lines", LINE_SCHEMA, "join wanted_documents w "
                             "on w.id = t.document_id where t.connection_id = ? and t.kind = 'part'", [connection_id])
    parts = _parts(con, connection_id, pl.concat([lines["part_id"], credit_lines["part_id"]]))
    history = _cost_history(con, connection_id, lines, invoices)
    return CogsInputs(connection_id, settings, invoices, lines, parts, history, credits, credit_lines, known)


def read_bill_inputs(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window) -> BillInputs:
    days, params = _on_days("received_date", window)
    orders = _read(con, "auxo_purchase_orders", PURCHASE_ORDER_SCHEMA, f"where connection_id = ? and {days}",
                   [connection_id, *params])
    with registered(con, "wanted_orders", orders.select("id")):
        lines = _read(con, "auxo_purchase_order_lines", PURCHASE_ORDER_LINE_SCHEMA,
                      "join wanted_orders w on w.id = t.purchase_order_id where t.connection_id = ? "
                      "order by t.purchase_order_id, t.line_no", [connection_id])
    links = contact_links(con, connection_id).filter(pl.col("kind") == "supplier")
    names = _read(con, "auxo_suppliers", {"id": pl.String, "name": pl.String}, "where connection_id = ?",
                  [connection_id])
    suppliers = typed(links.select(id="auxo_id", xero_contact_id="xero_contact_id").join(names, on="id", how="left"),
                      SUPPLIER_SCHEMA)
    return BillInputs(connection_id, read_settings(con, connection_id), orders, lines, suppliers,
                      _parts(con, connection_id, lines["part_id"]), known_refs(con, connection_id))


def read_adjustment_inputs(con: duckdb.DuckDBPyConnection, connection_id: str, window: Window) -> AdjustmentInputs:
    days, params = _on_days("adjustment_date", window)
    adjustments = _read(con, "auxo_stock_adjustments", ADJUSTMENT_SCHEMA, f"where connection_id = ? and {days}",
                        [connection_id, *params])
    return AdjustmentInputs(connection_id, read_settings(con, connection_id), adjustments,
                            _parts(con, connection_id, adjustments["part_id"]), known_refs(con, connection_id))


EXCEPTIONS = FindingsTable(EXCEPTIONS_TABLE, columns=tuple(FINDING_SCHEMA))
