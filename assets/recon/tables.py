"""Creating the ``recon.*`` views from the SQL files in ``sql/`` (one view each, commented for the reader).

The views read staging, the ledger and the tables other domains keep (``plans.contact_matches``,
``plans.invoice_exceptions``, ``recon.inventory_movements_by_day``...). A table that does not exist
yet is written ``{{schema.table}}`` in the SQL and replaced here by an empty relation of the same
columns, so every view can be created on any warehouse and fills in once the table appears (views
are created again on every materialisation of ``recon/views``).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from assets.inventory import supply
from assets.recon.models import OPTIONAL_TABLES
from mappings import Mappings
from pipelines import warehouse
from pipelines.sync import ledger

SQL_DIR = Path(__file__).with_name("sql")

# in creation order: a view may read the ones before it
VIEWS = ("sync_starts", "documents", "invoices", "credit_notes", "payments", "bills", "journals", "unsynced_documents",
         "account_movements", "contact_links", "contact_review", "day_summary")
MAPPED_ACCOUNTS = "recon.mapped_accounts"

class ViewError(RuntimeError):
    """A recon view that could not be created (its SQL no longer fits the tables it reads)."""


_OPTIONAL = re.compile(r"\{\{(\w+)\.(\w+)\}\}")


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """A table or a view of that name (information_schema lists both)."""
    return warehouse.table_exists(con, schema, name)


def _empty(columns: dict[str, str]) -> str:
    select = ", ".join(f"NULL::{kind} AS {name}" for name, kind in columns.items())
    return f"(SELECT {select} WHERE false)"


def view_sql(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The SQL of ``recon.<name>`` with every optional table resolved for this warehouse."""
    text = (SQL_DIR / f"{name}.sql").read_text()

    def resolve(match: re.Match[str]) -> str:
        schema, table = match.groups()
        qualified = f"{schema}.{table}"
        if qualified not in OPTIONAL_TABLES:
            raise KeyError(f"{name}.sql names {qualified} as optional, but views.OPTIONAL_TABLES does not know it")
        return qualified if _exists(con, schema, table) else _empty(OPTIONAL_TABLES[qualified])

    return _OPTIONAL.sub(resolve, text)


def mapped_accounts(mappings: Mappings) -> pl.DataFrame:
    """Every account code the mappings post to, by key (``inventory.cogs``, ``payment_methods.eftpos``...)."""
    rows = [(key, code, "accounts.yaml") for key, code in sorted(mappings.accounts.all_codes().items())]
    rows += [(f"payment_methods.{method}", code, "payment_methods.yaml")
             for method, code in sorted(mappings.payment_methods.methods.items())]
    return pl.DataFrame(rows, schema={"key": pl.String, "account_code": pl.String, "file": pl.String}, orient="row")


def create_views(con: duckdb.DuckDBPyConnection, mappings: Mappings) -> list[str]:
    """(Re)create ``recon.mapped_accounts`` and every ``recon.*`` view; the names created."""
    ledger.ensure_ledger(con)
    supply.create_macros(con)  # the effective-supply rule the documents views share with the planner
    con.register("mapped_accounts_frame", mapped_accounts(mappings))
    try:
        con.execute(f"CREATE OR REPLACE TABLE {MAPPED_ACCOUNTS} AS SELECT * FROM mapped_accounts_frame")
    finally:
        con.unregister("mapped_accounts_frame")
    created = []
    for name in VIEWS:
        try:
            con.execute(view_sql(con, name))
        except duckdb.Error as exc:
            raise ViewError(f"recon.{name} could not be created from assets/recon/sql/{name}.sql: {exc}. A table it "
                            "reads has probably changed shape; the SQL file names every table it reads") from exc
        created.append(f"recon.{name}")
    return created
