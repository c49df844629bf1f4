"""From a validated frame of journals to Xero manual journals in the plan.

Every inventory journal has two lines: the debit (positive ``LineAmount``) and the credit
(negative), no tax (``LineAmountTypes`` NoTax, tax type ``no_gst`` from mappings/tax.yaml), tracking
from mappings/tracking.yaml. Both lines carry a description naming the source record (the invoice
line, credit line or stock adjustment id): a write whose answer was lost is found again in Xero by
the journal's ``Narration`` plus that id (``pipelines.sync.targets``), and a person reading the
journal in Xero can trace it back to one Auxo record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from assets.findings import FINDING_SCHEMA as ANY_FINDING
from assets.findings import Finding
from assets.inventory.models import InventoryJournals, JournalLines, Money
from mappings import Mappings
from pipelines.sync.plan import PlannedWrite

PRIORITY_JOURNALS = 60
PRIORITY_REVERSALS = 65  # after the journals they reverse, which may be sent in the same run

# the columns every journal planner produces: InventoryJournals plus how the write is made
JOURNAL_SCHEMA: dict[str, pl.DataType] = {
    "connection_id": pl.String(), "ref": pl.String(), "kind": pl.String(), "source_id": pl.String(),
    "document_id": pl.String(), "document_number": pl.String(), "business_date": pl.Date(),
    "narration": pl.String(), "supply": pl.String(), "amount": Money, "debit_account": pl.String(),
    "credit_account": pl.String(), "description": pl.String(), "tracking_kind": pl.String(),
    "depends_on": pl.List(pl.String()), "writeback_resource": pl.String(), "writeback_id": pl.String(),
    "writeback_line_id": pl.String(),
}


# inventory findings name no Xero document: plans.inventory_exceptions keeps no xero_id
FINDING_SCHEMA = {column: dtype for column, dtype in ANY_FINDING.items() if column != "xero_id"}


@dataclass
class InventoryPlan:
    """What an inventory planner returns: the writes, the frames it validated, and its findings."""

    writes: list[PlannedWrite] = field(default_factory=list)
    documents: pl.DataFrame | None = None  # journals (InventoryJournals) or bills (PurchaseOrderBills)
    lines: pl.DataFrame | None = None  # JournalLines or BillLines
    findings: list[Finding] = field(default_factory=list)


def empty_journals() -> pl.DataFrame:
    return pl.DataFrame(schema=JOURNAL_SCHEMA)


def journal_lines(journals: pl.DataFrame) -> pl.DataFrame:
    """Two lines per journal: the debit (``+amount``) then the credit (``-amount``)."""
    common = [pl.col("ref"), pl.col("description")]
    debit = journals.select(*common, line_no=pl.lit(0, pl.Int32), account_code="debit_account",
                            line_amount=pl.col("amount"))
    credit = journals.select(*common, line_no=pl.lit(1, pl.Int32), account_code="credit_account",
                             line_amount=-pl.col("amount"))
    return (pl.concat([debit, credit]).select("ref", "line_no", "account_code",
                                              pl.col("line_amount").cast(Money), "description")
            .sort("ref", "line_no"))


def validate_journals(journals: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The journals and their lines, validated (all failures at once: ``pandera.errors.SchemaErrors``)."""
    journals = journals.select([pl.col(name).cast(dtype) for name, dtype in JOURNAL_SCHEMA.items()])
    InventoryJournals.validate(journals.select(list(InventoryJournals.to_schema().columns)), lazy=True)
    lines = journal_lines(journals)
    return journals, JournalLines.validate(lines, lazy=True)


def ledger_description(narration: str, line_description: str, number: str | None, amount: object) -> str:
    """The journal as the ledger and the error views name it, its document number said once.

    A line description names its document (Xero shows lines out of context); after a narration that
    already does, ``COGS for invoice INV-1: INV-1 line L1: …`` would say the number twice.
    """
    detail = line_description or ""
    if number and number in narration and detail.startswith(number):
        return f"{narration},{detail[len(number):]} ({amount})"
    return f"{narration}: {detail} ({amount})"


def journal_writes(journals: pl.DataFrame, lines: pl.DataFrame, mappings: Mappings,
                   plan_asset: str) -> list[PlannedWrite]:
    """One ``manual_journal`` create per journal, its lines taken from the validated ``lines``."""
    tax_type = mappings.tax.no_gst
    tracking = {kind: mappings.tracking.for_line(kind) for kind in journals["tracking_kind"].unique().to_list()}
    kinds = dict(zip(journals["ref"].to_list(), journals["tracking_kind"].to_list(), strict=True))
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for ref, account, amount, description in lines.select("ref", "account_code", "line_amount",
                                                            "description").iter_rows():
        line = {"LineAmount": amount, "AccountCode": account, "Description": description, "TaxType": tax_type}
        if tracking[kinds[ref]]:
            line["Tracking"] = tracking[kinds[ref]]
        by_ref.setdefault(ref, []).append(line)
    writes = []
    for row in journals.iter_rows(named=True):
        writeback = None
        if row["writeback_resource"]:
            writeback = {"resource": row["writeback_resource"], "id": row["writeback_id"]}
            if row["writeback_line_id"]:
                writeback["line_id"] = row["writeback_line_id"]
        writes.append(PlannedWrite(
            connection_id=row["connection_id"], target="xero", entity="manual_journal", operation="create",
            ref=row["ref"], source_id=row["source_id"], business_date=row["business_date"],
            payload={"Narration": row["narration"], "Date": row["business_date"], "Status": "POSTED",
                     "LineAmountTypes": "NoTax", "JournalLines": by_ref[row["ref"]]},
            description=ledger_description(row["narration"], row["description"], row["document_number"],
                                           row["amount"]),
            depends_on=tuple(row["depends_on"] or ()),
            priority=PRIORITY_REVERSALS if row["kind"] == "cogs_reversal" else PRIORITY_JOURNALS, writeback=writeback,
            plan_asset=plan_asset))
    return writes


def plan_journals(journals: pl.DataFrame, mappings: Mappings, plan_asset: str,
                  findings: list[Finding]) -> InventoryPlan:
    """Validate ``journals`` and turn them into planned writes (raises ``SchemaErrors`` on a bad plan)."""
    journals, lines = validate_journals(journals)
    return InventoryPlan(writes=journal_writes(journals, lines, mappings, plan_asset), documents=journals,
                         lines=lines, findings=findings)

