"""Which part lines get a COGS journal, and against which account: the effective-supply rule, once.

* **Supply** — the line's ``supply`` (``stock``: from the shelf; ``job_po``: bought on a purchase
  order linked to the job; ``direct``: a non-stocked part added straight to the job). An older line
  without it counts as ``job_po`` when it names a purchase order, ``stock`` when the part is
  stocked, else ``direct``.
* **Costed** — ``stock`` and ``job_po`` lines get a COGS journal; ``direct`` lines never do.
* **Stock account** — the account a COGS journal credits (and its reversal debits): Work in
  Progress for ``job_po``, Stock on Hand otherwise (a role of mappings/accounts.yaml ``inventory.*``).

Each rule is one SQL expression, written here only. The recon views call it as a DuckDB macro
(``recon.effective_supply(l.supply, l.purchase_order_id, p.stocked)``, created by
:func:`create_macros` before the views); the polars planners parse the same text with
``pl.sql_expr`` (:meth:`SqlRule.expr`). The planner and the reconciliation therefore cannot read the
rule differently; ``tests/assets/inventory/test_supply.py`` proves both engines agree on the
generator's workshop.
"""

from __future__ import annotations

import duckdb
import polars as pl

from assets.inventory.toggles import IN_SYNC_SCOPE
from assets.sql_rules import SqlRule, create_rule_macros

SUPPLIES = ("stock", "job_po", "direct")
EFFECTIVE_SUPPLY = SqlRule(
    "effective_supply", ("supply", "purchase_order_id", "stocked"),
    "coalesce({supply}, CASE WHEN {purchase_order_id} IS NOT NULL THEN 'job_po' "
    "WHEN coalesce({stocked}, false) THEN 'stock' ELSE 'direct' END)")
COSTED = SqlRule("costed_supply", ("supply",), "{supply} IN ('stock', 'job_po')")
STOCK_ACCOUNT = SqlRule(
    "stock_account_role", ("supply",), "CASE {supply} WHEN 'job_po' THEN 'work_in_progress' ELSE 'stock_on_hand' END")
RULES = (EFFECTIVE_SUPPLY, COSTED, STOCK_ACCOUNT)


def effective_supply() -> pl.Expr:
    """The line's supply, from ``supply``, ``purchase_order_id`` and the part's ``stocked``."""
    return EFFECTIVE_SUPPLY.expr()


def costed(supply: str = "supply") -> pl.Expr:
    """Whether a line of that supply gets a COGS journal (null for a null supply)."""
    return COSTED.expr(supply=supply)


def stock_account(supply: str, stock_on_hand: str, work_in_progress: str) -> pl.Expr:
    """The account code a COGS journal of that supply credits (its reversal debits)."""
    codes = {"stock_on_hand": stock_on_hand, "work_in_progress": work_in_progress}
    return STOCK_ACCOUNT.expr(supply=supply).replace_strict(codes, return_dtype=pl.String)


# every rule the recon views call as a macro: the supply rules, and the sync's scope (toggles.py)
SQL_RULES = (*RULES, IN_SYNC_SCOPE)


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the rules as ``recon.*`` macros, for the views that read them."""
    create_rule_macros(con, SQL_RULES)
