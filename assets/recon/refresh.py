"""Re-reading both systems after the writes, so the reconciliation compares them as they are now.

A day's run extracts first and writes last: the staging tables it planned from describe Xero and
Auxo *before* the writes. Reconciling on them would call every document written that run
"not in Xero". So ``recon/views`` re-runs the same incremental extraction for each system the run
wrote to (only what changed since the run's own extraction: the sync's writes and anything a
person did meanwhile — one call per collection written to, more only when pages are full) and
rebuilds those staging tables, then creates the views. A run that wrote nothing re-reads nothing:
its own extraction is current. ``recon/views`` materialised on its own re-reads both systems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import pandera.errors

from assets.extract import load, retry_when_warehouse_busy
from assets.metadata import markdown_table
from assets.staging.auxo import AUXO_STAGING
from assets.staging.build import StagedTable, stage_incremental
from assets.staging.xero import XERO_STAGING
from pipelines.auxo.source import auxo_source
from pipelines.xero.source import xero_source

# the collections the sync writes to (and people edit between runs); chart of accounts, settings,
# parts and the like are left to the next run's extraction
RE_READ = {
    "xero": ("contacts", "invoices", "credit_notes", "payments", "prepayments", "manual_journals"),
    "auxo": ("customers", "suppliers", "invoices", "invoice_credits", "payments", "purchase_orders",
             "stock_adjustments"),
}


def _re_read(spec: StagedTable) -> bool:
    """Whether a staging table is built from a collection that is re-read."""
    for table in spec.sources.values():
        schema, name = table.split(".", 1)
        system = schema.removeprefix("raw_")
        if name.split("__")[0] in RE_READ.get(system, ()):
            return True
    return False


STAGED = tuple(spec for spec in (*XERO_STAGING, *AUXO_STAGING) if _re_read(spec))


@dataclass
class Refreshed:
    """What the re-extraction read: API calls per system and endpoint, rows per staging table."""

    calls: dict[str, int] = field(default_factory=dict)
    staged_rows: dict[str, int] = field(default_factory=dict)
    systems: list[str] = field(default_factory=list)
    xero_day_calls_left: int | None = None

    @property
    def api_calls_total(self) -> int:
        return sum(self.calls.values())


def re_extract(clients: dict[str, Any], connection_id: str, refreshed: Refreshed) -> None:
    """Load what changed in each system since the last extraction (``clients``: system → client).

    dlt opens the warehouse itself: call this with no warehouse connection open in the process.
    """
    sources: dict[str, Callable[..., Any]] = {"xero": xero_source, "auxo": auxo_source}
    for system, client in clients.items():
        source = sources[system](lambda client=client: client, connection_id).with_resources(*RE_READ[system])
        with retry_when_warehouse_busy():
            load(system, source)
        refreshed.systems.append(system)
        for (method, endpoint), n in sorted(client.calls.items()):
            refreshed.calls[f"{system} {method} {endpoint}"] = n


def restage(con: Any, refreshed: Refreshed, systems: list[str]) -> None:
    """Merge into staging what the re-read loaded (validated, incrementally, as the staging assets do)."""
    for spec in STAGED:
        if not any(table.startswith(f"raw_{system}.") for system in systems for table in spec.sources.values()):
            continue
        try:
            refreshed.staged_rows[spec.qualified] = stage_incremental(con, spec).rows
        except pandera.errors.SchemaErrors as exc:
            raise dg.Failure(
                description=f"{spec.qualified}: re-reading the systems after the writes gave values that break the "
                            "staging contract, so the reconciliation would be wrong. The failure cases say which "
                            "records; fix them at the source (or the staging spec) and materialise recon/views again.",
                metadata={"failure_cases": markdown_table(exc.failure_cases)}) from exc
