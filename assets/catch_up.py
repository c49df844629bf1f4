"""The earlier days a run plans too: days holding an Auxo document that is not in step yet.

A document is synced because it changed, not because of its date (:mod:`assets.window`). A run of
any partition therefore also plans every earlier business day (on or after the sync start date)
holding an Auxo document the sync covers that has not reached Xero, whatever day it is dated:

* an invoice or credit, issued (or paid), ``pending``, with no Xero id;
* a payment or deposit taken in Auxo, active, ``pending``, with no Xero id — and a deposit
  ``pending`` again because it was applied to an invoice (its allocation's day: the later of the
  invoice's and the deposit's);
* a received purchase order or a stock adjustment, ``pending``, with no Xero id, made while its
  setting was on ("Send Purchase Orders", "Create Inventory Journals").

``pending`` is Auxo's own word for "to be synced": a document Xero refused is ``error`` until a
person edits it (which makes it ``pending`` again), so a refusal does not make its day re-planned
by every run. Documents in step (a Xero id in Auxo) never make a day. The lookup is a handful of
filtered scans over the staging tables in DuckDB — a few dates come back, never documents — so it
costs what is out of step, not the history. Planning a day twice is harmless: the ledger never
sends a write it already holds.
"""

from __future__ import annotations

from datetime import date

import duckdb

from assets.window import Window
from pipelines import warehouse

_OUT_OF_STEP = "coalesce({a}.sync_status, 'pending') = 'pending' and {a}.xero_id is null"
_IN_RANGE = "{day} < $before and (cast($start as date) is null or {day} >= cast($start as date))"

# (staging tables it needs, the select giving (connection_id, day) of a document out of step)
_SOURCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("auxo_invoices",),
     f"select i.connection_id, i.invoice_date as day from staging.auxo_invoices i "
     f"where i.status in ('issued', 'paid') and {_OUT_OF_STEP.format(a='i')}"),
    (("auxo_invoice_credits",),
     f"select c.connection_id, c.credit_date as day from staging.auxo_invoice_credits c "
     f"where c.status = 'issued' and {_OUT_OF_STEP.format(a='c')}"),
    (("auxo_payments",),
     f"select p.connection_id, p.payment_date as day from staging.auxo_payments p "
     f"where p.source = 'auxo' and p.status = 'active' and {_OUT_OF_STEP.format(a='p')}"),
    (("auxo_payments", "auxo_invoices"),
     "select p.connection_id, greatest(i.invoice_date, p.payment_date) as day from staging.auxo_payments p "
     "join staging.auxo_invoices i on i.connection_id = p.connection_id and i.id = p.invoice_id "
     "where p.kind = 'deposit' and p.source = 'auxo' and p.status = 'active' "
     "and coalesce(p.sync_status, 'pending') = 'pending' and i.status in ('issued', 'paid')"),
    (("auxo_purchase_orders", "auxo_sync_setting_history"),
     f"select o.connection_id, o.received_date as day from staging.auxo_purchase_orders o "
     f"asof join (select * from staging.auxo_sync_setting_history where setting = 'send_purchase_orders') s "
     f"on s.connection_id = o.connection_id and o.received_at >= s.changed_at "
     f"where o.status = 'received' and s.value and {_OUT_OF_STEP.format(a='o')}"),
    (("auxo_stock_adjustments", "auxo_sync_setting_history"),
     f"select a.connection_id, a.adjustment_date as day from staging.auxo_stock_adjustments a "
     f"asof join (select * from staging.auxo_sync_setting_history where setting = 'create_inventory_journals') s "
     f"on s.connection_id = a.connection_id and a.created_at >= s.changed_at "
     f"where s.value and {_OUT_OF_STEP.format(a='a')}"),
)


def sync_start_date(con: duckdb.DuckDBPyConnection, connection_id: str) -> date | None:
    if not warehouse.table_exists(con, "staging", "auxo_sync_settings"):
        return None
    rows = con.execute("select max(sync_start_date) from staging.auxo_sync_settings where connection_id = ?",
                       [connection_id]).fetchall()
    return rows[0][0] if rows else None


def days_out_of_step(con: duckdb.DuckDBPyConnection, connection_id: str, before: date) -> frozenset[date]:
    """The business days before ``before`` (and not before the sync start) holding an Auxo document
    the sync covers that is not in Xero yet (see the module docstring)."""
    parts = [sql for tables, sql in _SOURCES if all(warehouse.table_exists(con, "staging", t) for t in tables)]
    if not parts:
        return frozenset()
    union = " union ".join(f"({sql})" for sql in parts)
    rows = con.execute(
        f"select distinct day from ({union}) d where d.connection_id = $connection and "
        f"{_IN_RANGE.format(day='d.day')} order by day",
        {"connection": connection_id, "before": before, "start": sync_start_date(con, connection_id)}).fetchall()
    return frozenset(row[0] for row in rows)


def run_window(con: duckdb.DuckDBPyConnection, connection_id: str, first: date, last: date) -> Window:
    """The days a run of the partitions ``[first, last]`` plans: those, plus the earlier days out of step."""
    return Window(first, last).with_catch_up(days_out_of_step(con, connection_id, first))
