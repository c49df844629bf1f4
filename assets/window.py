"""The business days a run plans: one ``Window`` for every planner (pure, no Dagster)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl


@dataclass(frozen=True)
class Window:
    """The business days a run plans, ``[first, last]``."""

    first: date
    last: date

    def expr(self, column: str | pl.Expr) -> pl.Expr:
        col = pl.col(column) if isinstance(column, str) else column
        return col.is_between(self.first, self.last)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last
