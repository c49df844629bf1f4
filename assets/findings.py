"""What a plan deliberately did not write, or must tell a person about: findings, and their tables.

A planner returns its writes and its :class:`Finding`\\ s; the plan asset stores the findings in its
domain's table (``plans.invoice_exceptions``, ``plans.inventory_exceptions``: a
:class:`FindingsTable` each) with :func:`store_findings`, replacing its own rows for the days it planned exactly as
``plans.write_plan`` is replaced (undated plans: all of its rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import duckdb
import polars as pl

from pipelines.sync.store import days_predicate

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "connection_id": pl.String(), "business_date": pl.Date(), "reason": pl.String(), "document": pl.String(),
    "auxo_id": pl.String(), "xero_id": pl.String(), "detail": pl.String()}
_SQL_TYPES = {pl.String(): "VARCHAR", pl.Date(): "DATE"}


@dataclass(frozen=True)
class Finding:
    """One row of a findings table: the document, the reason (a code) and what a bookkeeper reads."""

    connection_id: str
    business_date: date | None
    reason: str
    document: str
    auxo_id: str | None
    xero_id: str | None
    detail: str


def findings_from(frame: pl.DataFrame) -> list[Finding]:
    """Findings from a frame with :data:`FINDING_SCHEMA`'s columns (``xero_id`` may be left out)."""
    if "xero_id" not in frame.columns:
        frame = frame.with_columns(xero_id=pl.lit(None, pl.String))
    return [Finding(**row) for row in frame.select(list(FINDING_SCHEMA)).iter_rows(named=True)]


@dataclass(frozen=True)
class FindingsTable:
    """A ``plans.*`` table of findings: its name, the finding columns it keeps, the reasons it knows
    (``None``: any), plus ``plan_asset``."""

    name: str
    columns: tuple[str, ...] = tuple(FINDING_SCHEMA)
    reasons: Mapping[str, str] | None = field(default=None)

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {**{column: FINDING_SCHEMA[column] for column in self.columns}, "plan_asset": pl.String()}

    def check(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings, once each reason is one the table knows (else a bug in the planner: ``ValueError``)."""
        rows = list(findings)
        if self.reasons is not None:
            for finding in rows:
                if finding.reason not in self.reasons:
                    raise ValueError(f"unknown exception reason {finding.reason!r}")
        return rows

    def frame(self, findings: Iterable[Finding], plan_asset: str) -> pl.DataFrame:
        """The table's rows for ``findings`` (an unknown reason is a bug in the planner: ``ValueError``)."""
        rows = self.check(findings)
        frame = pl.DataFrame([asdict(finding) for finding in rows], schema=FINDING_SCHEMA)
        return frame.with_columns(plan_asset=pl.lit(plan_asset)).select(list(self.schema))

    def ensure(self, con: duckdb.DuckDBPyConnection) -> None:
        columns = ", ".join(f"{name} {_SQL_TYPES[dtype]}" for name, dtype in self.schema.items())
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {self.name.split('.')[0]}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {self.name} ({columns})")


def store_findings(con: duckdb.DuckDBPyConnection, table: FindingsTable, plan_asset: str,
                   findings: Iterable[Finding], first: date | None = None, last: date | None = None, *,
                   connection_id: str, also: Sequence[date] = ()) -> pl.DataFrame:
    """Replace ``plan_asset``'s rows of ``connection_id`` in ``table`` for ``[first, last]`` and the days
    ``also`` (all of them when undated); the rows stored. Other connections' findings sharing the warehouse
    are left alone."""
    frame = table.frame(findings, plan_asset)
    strangers = set(frame["connection_id"].unique().to_list()) - {connection_id}
    if strangers:
        raise ValueError(f"findings of {plan_asset} for connection {connection_id!r} hold rows of {sorted(strangers)}")
    table.ensure(con)
    con.execute("BEGIN TRANSACTION")
    try:
        if first is None:
            con.execute(f"delete from {table.name} where plan_asset = ? and connection_id = ?",
                        [plan_asset, connection_id])
        else:
            days, params = days_predicate(first, last, also)
            con.execute(f"delete from {table.name} where plan_asset = ? and connection_id = ? and {days}",
                        [plan_asset, connection_id, *params])
        if not frame.is_empty():
            con.execute(f"insert into {table.name} by name select * from frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return frame
