"""The business days a run plans: one ``Window`` for every planner (pure, no Dagster).

A run plans the days of its partition (``[first, last]``) **and** every earlier day that holds an
Auxo document not in step yet (:mod:`assets.catch_up`): a document is synced because it changed,
not because of its date. An invoice dated last Tuesday and entered today is planned by today's run,
on its own day, exactly as Tuesday's run would have planned it. Those earlier days are planned
whole, like the partition's, so a plan is always complete for every day it covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import polars as pl


@dataclass(frozen=True)
class Window:
    """The business days a run plans: ``[first, last]`` plus the earlier ``catch_up`` days."""

    first: date
    last: date
    catch_up: frozenset[date] = field(default_factory=frozenset)

    def expr(self, column: str | pl.Expr) -> pl.Expr:
        col = pl.col(column) if isinstance(column, str) else column
        within = col.is_between(self.first, self.last)
        if not self.catch_up:
            return within
        return within | col.is_in(sorted(self.catch_up))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and (self.first <= day <= self.last or day in self.catch_up)

    def with_catch_up(self, days: Iterable[date]) -> Window:
        """This window plus the earlier ``days`` (days inside ``[first, last]`` or after it are not added)."""
        return Window(self.first, self.last, frozenset(d for d in days if d < self.first) | self.catch_up)

    def describe(self) -> str:
        """``2026-03-01``, ``2026-02-27 to 2026-03-01``, plus ``and the earlier days 2026-02-20, …``."""
        text = f"{self.first}" if self.first == self.last else f"{self.first} to {self.last}"
        if self.catch_up:
            text += " and the earlier " + ("day " if len(self.catch_up) == 1 else "days ") + ", ".join(
                str(day) for day in self.earlier_days)
        return text

    @property
    def earlier_days(self) -> tuple[date, ...]:
        """The catch-up days, oldest first."""
        return tuple(sorted(self.catch_up))
