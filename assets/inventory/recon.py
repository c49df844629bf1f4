"""``recon.inventory_movements_by_day``: do Xero's inventory accounts move as Auxo's stock does, each day?

One row per connection, day and inventory account (COGS, Stock on Hand, Work in Progress, Stock
Adjustment — the codes of mappings/accounts.yaml ``inventory.*``, kept in ``recon.inventory_accounts``):

* ``auxo_movement`` — what Auxo's records say the account must move that day, by the sync's rules,
  computed here in SQL from staging (independently of the Python planners, so each checks the
  other; only which lines are costed, their stock account and the sync's scope are shared, as the
  ``recon.*`` macros of :mod:`assets.inventory.supply`): COGS of costed part lines at the part's average cost when the invoice was created, their
  reversals by credits and by the invoice's void (on the day it was voided), received purchase order lines (Stock on Hand or WIP), stock adjustments —
  each counted when its setting was on at the document's moment and the sync covers it, or when
  Auxo records it as posted to Xero (a backfill, or an earlier integration). Debits positive.
* ``xero_movement`` — what Xero has posted: POSTED manual journal lines, and the net lines of
  AUTHORISED/PAID bills (ACCPAY), on those accounts, as staged from Xero. Debits positive.
* ``difference`` = ``xero_movement - auxo_movement``; zero when the books tie out.

It reads staging, so it shows Xero as of the last extraction: writes made after it appear on the
next run. Documents Xero refused, and documents waiting for a person, show as differences until
they are fixed — the books do not tie out until then.
"""

from __future__ import annotations

import duckdb
import polars as pl

from assets.inventory import supply
from assets.partitions import TIMEZONE
from mappings import Mappings
from pipelines import warehouse

VIEW = "recon.inventory_movements_by_day"
ACCOUNTS_TABLE = "recon.inventory_accounts"
ROLES = ("cogs", "stock_on_hand", "work_in_progress", "stock_adjustment")
STAGING_TABLES = (
    "auxo_sync_setting_history", "auxo_sync_settings", "auxo_invoices", "auxo_invoice_lines", "auxo_parts",
    "auxo_part_cost_history", "auxo_invoice_credits", "auxo_invoice_credit_lines", "auxo_purchase_orders",
    "auxo_purchase_order_lines", "auxo_stock_adjustments", "xero_manual_journals", "xero_manual_journal_lines",
    "xero_invoices", "xero_invoice_lines",
)

TIMEZONE_SQL = TIMEZONE.replace("'", "''")  # the organisation's dates, as the planners count them
VIEW_SQL = f"""
CREATE OR REPLACE VIEW {VIEW} AS
WITH
journal_switches AS (
    SELECT connection_id, changed_at, value FROM staging.auxo_sync_setting_history
    WHERE setting = 'create_inventory_journals'),
bill_switches AS (
    SELECT connection_id, changed_at, value FROM staging.auxo_sync_setting_history
    WHERE setting = 'send_purchase_orders'),
cost_history AS (  -- two entries at one instant (two lines of one receipt): the later in Auxo's order wins
    SELECT * FROM staging.auxo_part_cost_history
    QUALIFY row_number() OVER (PARTITION BY connection_id, part_id, effective_at ORDER BY id DESC) = 1),
starts AS (SELECT connection_id, max(sync_start_date) AS sync_start_date FROM staging.auxo_sync_settings GROUP BY 1),
xero_voids AS (  -- invoices voided (or deleted) in Xero, and the day they were
    SELECT connection_id, invoice_id, timezone('{TIMEZONE_SQL}', updated_at)::DATE AS day FROM staging.xero_invoices
    WHERE status IN ('VOIDED', 'DELETED')),
invoices AS (
    SELECT i.connection_id, i.id, i.invoice_date, i.created_at,
           i.status IN ('issued', 'paid') AND xv.invoice_id IS NULL
           AND recon.in_sync_scope(i.sync_status, i.invoice_date, st.sync_start_date)
           AND coalesce(s.value, false) AS journalled
    FROM staging.auxo_invoices i
    LEFT JOIN starts st ON st.connection_id = i.connection_id
    LEFT JOIN xero_voids xv ON xv.connection_id = i.connection_id AND xv.invoice_id = i.xero_id
    ASOF LEFT JOIN journal_switches s ON s.connection_id = i.connection_id AND i.created_at >= s.changed_at),
part_lines AS (
    SELECT l.connection_id, l.document_id, l.line_id, l.line_no, l.part_id, l.quantity, l.xero_cogs_journal_id,
           recon.effective_supply(l.supply, l.purchase_order_id, p.stocked) AS supply
    FROM staging.auxo_invoice_lines l
    LEFT JOIN staging.auxo_parts p ON p.connection_id = l.connection_id AND p.id = l.part_id
    WHERE l.kind = 'part'),
costed_lines AS (
    SELECT pl.*, i.invoice_date, i.created_at, i.journalled OR pl.xero_cogs_journal_id IS NOT NULL AS counted
    FROM part_lines pl JOIN invoices i ON i.connection_id = pl.connection_id AND i.id = pl.document_id
    WHERE recon.costed_supply(pl.supply)),
costed AS (
    SELECT c.*, h.average_cost AS unit_cost, round(c.quantity * h.average_cost, 2) AS amount
    FROM costed_lines c
    ASOF LEFT JOIN cost_history h
      ON h.connection_id = c.connection_id AND h.part_id = c.part_id AND c.created_at >= h.effective_at),
first_costed AS (
    SELECT * FROM costed
    QUALIFY row_number() OVER (PARTITION BY connection_id, document_id, part_id ORDER BY line_no, line_id) = 1),
returned AS (
    SELECT cl.connection_id, c.credit_date, c.invoice_id, cl.part_id, cl.quantity,
           recon.effective_supply(cl.supply, cl.purchase_order_id, p.stocked) AS supply
    FROM staging.auxo_invoice_credit_lines cl
    JOIN staging.auxo_invoice_credits c ON c.connection_id = cl.connection_id AND c.id = cl.document_id
    LEFT JOIN staging.auxo_parts p ON p.connection_id = cl.connection_id AND p.id = cl.part_id
    LEFT JOIN starts st ON st.connection_id = c.connection_id
    WHERE cl.kind = 'part' AND c.status = 'issued' AND recon.in_sync_scope(c.sync_status, c.credit_date, st.sync_start_date)),
reversals AS (
    SELECT r.connection_id, r.credit_date AS day, f.supply, round(r.quantity * f.unit_cost, 2) AS amount
    FROM returned r
    JOIN first_costed f ON f.connection_id = r.connection_id AND f.document_id = r.invoice_id
                       AND f.part_id = r.part_id
    WHERE recon.costed_supply(r.supply) AND f.counted),
void_reversals AS (  -- a journal posted for an invoice voided since goes back, on the day of the (first) void
    SELECT c.connection_id, c.supply, c.amount,
           greatest(coalesce(least(CASE WHEN i.status = 'void' THEN timezone('{TIMEZONE_SQL}', i.voided_at)::DATE END,
                                   xv.day), c.invoice_date), c.invoice_date) AS day
    FROM costed c JOIN staging.auxo_invoices i ON i.connection_id = c.connection_id AND i.id = c.document_id
    LEFT JOIN xero_voids xv ON xv.connection_id = i.connection_id AND xv.invoice_id = i.xero_id
    WHERE c.counted AND (i.status = 'void' OR xv.invoice_id IS NOT NULL)),
orders AS (
    SELECT o.connection_id, o.id, o.kind, o.received_date,
           (coalesce(s.value, false) AND recon.in_sync_scope(o.sync_status, o.received_date, st.sync_start_date)) OR o.xero_id IS NOT NULL
           AS counted
    FROM staging.auxo_purchase_orders o
    LEFT JOIN starts st ON st.connection_id = o.connection_id
    ASOF LEFT JOIN bill_switches s ON s.connection_id = o.connection_id AND o.received_at >= s.changed_at
    WHERE o.status = 'received' AND o.received_date IS NOT NULL),
received AS (
    SELECT o.connection_id, o.received_date AS day, o.kind, round(l.quantity * l.unit_cost, 2) AS amount
    FROM staging.auxo_purchase_order_lines l
    JOIN orders o ON o.connection_id = l.connection_id AND o.id = l.purchase_order_id
    WHERE o.counted),
adjusted AS (
    SELECT a.connection_id, a.adjustment_date AS day, a.value AS amount
    FROM staging.auxo_stock_adjustments a
    LEFT JOIN starts st ON st.connection_id = a.connection_id
    ASOF LEFT JOIN journal_switches s ON s.connection_id = a.connection_id AND a.created_at >= s.changed_at
    WHERE (coalesce(s.value, false) AND recon.in_sync_scope(a.sync_status, a.adjustment_date, st.sync_start_date)) OR a.xero_id IS NOT NULL),
auxo_moves AS (
    SELECT connection_id, invoice_date AS day, 'cogs' AS role, amount FROM costed WHERE counted
    UNION ALL
    SELECT connection_id, invoice_date, recon.stock_account_role(supply),
           -amount FROM costed WHERE counted
    UNION ALL
    SELECT connection_id, day, recon.stock_account_role(supply), amount
    FROM reversals
    UNION ALL
    SELECT connection_id, day, 'cogs', -amount FROM reversals
    UNION ALL
    SELECT connection_id, day, recon.stock_account_role(supply), amount FROM void_reversals
    UNION ALL
    SELECT connection_id, day, 'cogs', -amount FROM void_reversals
    UNION ALL
    SELECT connection_id, day, CASE kind WHEN 'stock' THEN 'stock_on_hand' ELSE 'work_in_progress' END, amount
    FROM received
    UNION ALL
    SELECT connection_id, day, 'stock_on_hand', amount FROM adjusted
    UNION ALL
    SELECT connection_id, day, 'stock_adjustment', -amount FROM adjusted),
auxo_by_day AS (
    SELECT m.connection_id, m.day, a.account_code, sum(m.amount) AS movement, count(*) AS documents
    FROM auxo_moves m JOIN {ACCOUNTS_TABLE} a ON a.role = m.role
    WHERE m.amount IS NOT NULL AND m.amount <> 0
    GROUP BY ALL),
xero_moves AS (
    SELECT j.connection_id, j.date AS day, l.account_code, l.line_amount AS amount
    FROM staging.xero_manual_journals j
    JOIN staging.xero_manual_journal_lines l
      ON l.connection_id = j.connection_id AND l.manual_journal_id = j.manual_journal_id
    WHERE j.status = 'POSTED'
    UNION ALL
    SELECT b.connection_id, b.date, l.account_code,
           CASE WHEN b.line_amount_types = 'Inclusive' THEN l.line_amount - coalesce(l.tax_amount, 0)
                ELSE l.line_amount END
    FROM staging.xero_invoices b
    JOIN staging.xero_invoice_lines l ON l.connection_id = b.connection_id AND l.invoice_id = b.invoice_id
    WHERE b.type = 'ACCPAY' AND b.status IN ('AUTHORISED', 'PAID')),
xero_by_day AS (
    SELECT x.connection_id, x.day, x.account_code, sum(x.amount) AS movement, count(*) AS lines
    FROM xero_moves x JOIN {ACCOUNTS_TABLE} a ON a.account_code = x.account_code
    WHERE x.amount IS NOT NULL AND x.amount <> 0
    GROUP BY ALL)
SELECT coalesce(a.connection_id, x.connection_id) AS connection_id, coalesce(a.day, x.day) AS day,
       coalesce(a.account_code, x.account_code) AS account_code, acc.role AS account_role,
       coalesce(a.movement, 0)::DECIMAL(18, 2) AS auxo_movement, coalesce(x.movement, 0)::DECIMAL(18, 2) AS xero_movement,
       (coalesce(x.movement, 0) - coalesce(a.movement, 0))::DECIMAL(18, 2) AS difference,
       coalesce(a.documents, 0) AS auxo_documents, coalesce(x.lines, 0) AS xero_lines
FROM auxo_by_day a
FULL OUTER JOIN xero_by_day x
  ON x.connection_id = a.connection_id AND x.day = a.day AND x.account_code = a.account_code
JOIN {ACCOUNTS_TABLE} acc ON acc.account_code = coalesce(a.account_code, x.account_code)
"""


def create_inventory_recon_views(con: duckdb.DuckDBPyConnection, mappings: Mappings) -> None:
    """(Re)create ``recon.inventory_accounts`` from the mappings and the view over staging."""
    missing = [table for table in STAGING_TABLES if not warehouse.table_exists(con, "staging", table)]
    if missing:
        raise RuntimeError(f"{VIEW} needs staging tables that are not built yet: {', '.join(missing)} — "
                           "materialise the staging assets first")
    inventory = mappings.accounts.inventory
    accounts = pl.DataFrame({"role": list(ROLES), "account_code": [getattr(inventory, role) for role in ROLES]})
    if accounts["account_code"].n_unique() != len(ROLES):
        raise ValueError("mappings/accounts.yaml: keys inventory.*: the reconciliation needs four different "
                         "accounts for COGS, Stock on Hand, Work in Progress and Stock Adjustment — map them apart")
    supply.create_macros(con)
    con.execute(f"CREATE OR REPLACE TABLE {ACCOUNTS_TABLE} AS SELECT * FROM accounts")
    con.execute(VIEW_SQL)


def differences(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    """Days and accounts where Xero and Auxo differ, oldest first."""
    return con.sql(f"select * from {VIEW} where connection_id = ? and difference <> 0 order by day, account_code",
                   params=[connection_id]).pl()
