"""Typing raw tables into staging tables, declaratively.

dlt lands what the APIs send, so a column exists only once some record carried it, and a whole
table only once some record arrived. A :class:`StagedTable` says which raw columns make which typed
staging column; :func:`staging_select` turns it into SQL that fills a missing raw column (or a
missing table) with typed NULLs, so staging always has the same shape for the plans and for
pandera to validate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import pandera.polars as pa
import polars as pl

_COLUMN_REF = re.compile(r"\{(\w+)\.(\w+)\}")

# the staging types, in DuckDB and in the pandera models
MONEY = "DECIMAL(18,2)"
QTY = "DECIMAL(18,4)"
TS = "TIMESTAMPTZ"
Money = pl.Decimal(18, 2)
Qty = pl.Decimal(18, 4)
Timestamp = pl.Datetime("us", "UTC")


class StagingModel(pa.DataFrameModel):
    """Staging tables have exactly the columns their spec selects."""

    class Config:
        strict = True


@dataclass(frozen=True)
class StagedTable:
    """One staging table.

    ``sources`` maps an alias to a raw table (``schema.table``); the first is the driving table and
    the others are joined with ``joins`` (SQL using the aliases). ``columns`` maps each staging
    column to ``(expression, duckdb type)``; in an expression ``{alias.column}`` names a raw column
    and becomes ``NULL`` when that raw column does not exist yet.
    """

    name: str
    sources: dict[str, str]
    columns: dict[str, tuple[str, str]]
    model: type[pa.DataFrameModel]
    joins: str = ""
    where: str = ""
    description: str = ""
    depends_on: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> str:
        return f"staging.{self.name}"


def _existing_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> set[str] | None:
    schema, table = qualified.split(".", 1)
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {row[0] for row in rows} if rows else None


def staging_select(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> str:
    """The SELECT producing ``spec``'s rows from whatever raw tables and columns exist now."""
    available = {alias: _existing_columns(con, table) for alias, table in spec.sources.items()}
    driving = next(iter(spec.sources))

    missing_table = any(cols is None for cols in available.values())

    def resolve(expr: str) -> str:
        def replace(match: re.Match[str]) -> str:
            alias, column = match.group(1), match.group(2)
            cols = available.get(alias)
            present = not missing_table and cols is not None and column in cols
            return f'{alias}."{column}"' if present else "NULL"

        return _COLUMN_REF.sub(replace, expr)

    select = ",\n  ".join(f'CAST({resolve(expr)} AS {dtype}) AS "{name}"' for name, (expr, dtype) in spec.columns.items())
    if missing_table:
        # a raw table is missing: nothing has arrived yet, so staging is empty but typed
        return f"SELECT {select} FROM (SELECT 1) AS _none WHERE false"
    source = f"{spec.sources[driving]} AS {driving}"
    sql = f"SELECT\n  {select}\nFROM {source}"
    if spec.joins:
        sql += f"\n{resolve(spec.joins)}"
    if spec.where:
        sql += f"\nWHERE {resolve(spec.where)}"
    return sql


def stage(con: duckdb.DuckDBPyConnection, spec: StagedTable) -> pl.DataFrame:
    """Build, validate (all failures at once) and replace ``staging.<name>``; the validated frame."""
    frame = con.sql(staging_select(con, spec)).pl()
    validated = spec.model.validate(frame, lazy=True)
    con.execute(f"CREATE OR REPLACE TABLE {spec.qualified} AS SELECT * FROM validated")
    return validated
