"""A rule both engines apply, written once as SQL: polars parses it, DuckDB keeps it as a macro.

A :class:`SqlRule` is one SQL expression over named inputs. :attr:`SqlRule.macro` creates it as
``recon.<name>(<inputs>)`` for the recon views; :meth:`SqlRule.expr` gives the same text to
``pl.sql_expr`` over a frame's columns (or literal values) for the polars planners. So a planner and
the reconciliation cannot read the rule differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

SCHEMA = "recon"


def sql_literal(value: object) -> str:
    """A SQL literal both engines read alike (``NULL``, a date, a string, a boolean)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


@dataclass(frozen=True)
class SqlRule:
    """A rule as one SQL expression over named inputs (``{name}`` in ``body``)."""

    name: str
    params: tuple[str, ...]
    body: str

    @property
    def macro(self) -> str:
        """``CREATE OR REPLACE MACRO recon.<name>(<params>) AS <body>``."""
        body = self.body.format(**{param: param for param in self.params})
        return f"CREATE OR REPLACE MACRO {SCHEMA}.{self.name}({', '.join(self.params)}) AS {body}"

    def expr(self, values: dict[str, object] | None = None, **columns: str) -> pl.Expr:
        """The rule over a frame's columns (a param's own name unless ``columns`` maps it) and literal
        ``values``, named ``name``."""
        values = values or {}
        unknown = (set(columns) | set(values)) - set(self.params)
        if unknown:
            raise TypeError(f"{self.name} takes {', '.join(self.params)}, not {', '.join(sorted(unknown))}")
        text = {param: sql_literal(values[param]) if param in values else '"' + columns.get(param, param) + '"'
                for param in self.params}
        return pl.sql_expr(self.body.format(**text)).alias(self.name)


def create_rule_macros(con: duckdb.DuckDBPyConnection, rules: Iterable[SqlRule]) -> None:
    """(Re)create each rule as a ``recon.*`` macro."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for rule in rules:
        con.execute(rule.macro)
