"""What the money plans read: both systems' staged documents and what the ledger already wrote.

:func:`assets.invoices.tables.load_books` reads one connection's staging tables (typed, empty when
nothing has arrived yet) and the ledger's confirmed writes into a :class:`Books`; every planner is a pure function of
a ``Books``, the mappings and the days planned, so tests build ``Books`` by hand.

The refs that name documents in plans live here too, with the one rule for pointing at another
document's Xero id (:func:`xero_id_or_placeholder`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import pandera.polars as pa
import polars as pl

from assets.contacts.links import LINK_SCHEMA
from assets.staging import auxo as auxo_staging
from assets.staging import xero as xero_staging
from assets.window import Window  # noqa: F401 - the planners take their days from here
from pipelines.sync.plan import ref_placeholder
from pipelines.sync.refs import (  # noqa: F401 - the domain's refs, used through this module
    credit_allocation_ref,
    credit_note_ref,
    invoice_ref,
    payment_ref,
    prepayment_allocation_ref,
    prepayment_allocation_removal_ref,
    prepayment_ref,
)

Frame = pl.DataFrame


def payment_reference(auxo_payment_id: str, kind: str = "payment") -> str:
    """Xero ``Reference`` of a payment or deposit the sync writes: unique per Auxo payment, so a
    write of unknown outcome is found again by it, and a payment of ours is never pulled back."""
    return f"Auxo {'DEP' if kind == 'deposit' else 'PAY'} {auxo_payment_id}"


OUR_REFERENCE = r"^Auxo (?:PAY|DEP) (\S+)"  # what payment_reference makes; group 1 is the Auxo payment id


def schema_of(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """The polars schema of a staging model (for empty frames and hand-made test frames)."""
    return {name: column.dtype.type for name, column in model.to_schema().columns.items()}


STAGED: dict[str, tuple[str, type[pa.DataFrameModel]]] = {
    "invoices": ("auxo_invoices", auxo_staging.AuxoInvoices),
    "invoice_lines": ("auxo_invoice_lines", auxo_staging.AuxoDocumentLines),
    "credits": ("auxo_invoice_credits", auxo_staging.AuxoInvoiceCredits),
    "credit_lines": ("auxo_invoice_credit_lines", auxo_staging.AuxoDocumentLines),
    "payments": ("auxo_payments", auxo_staging.AuxoPayments),
    "auxo_xero_allocations": ("auxo_invoice_xero_allocations", auxo_staging.AuxoXeroAllocations),
    "jobs": ("auxo_jobs", auxo_staging.AuxoJobs),
    "xero_invoices": ("xero_invoices", xero_staging.XeroInvoices),
    "xero_credit_notes": ("xero_credit_notes", xero_staging.XeroCreditNotes),
    "xero_credit_allocations": ("xero_credit_note_allocations", xero_staging.XeroAllocations),
    "xero_payments": ("xero_payments", xero_staging.XeroPayments),
    "xero_prepayments": ("xero_prepayments", xero_staging.XeroPrepayments),
    "xero_prepayment_allocations": ("xero_prepayment_allocations", xero_staging.XeroAllocations),
}
STAGING_TABLES = tuple(table for table, _ in STAGED.values())


def empty(name: str) -> Frame:
    return pl.DataFrame(schema=schema_of(STAGED[name][1]))


@dataclass(frozen=True)
class Books:
    """One connection's staged Auxo and Xero money documents, and the ledger's confirmed writes.

    ``known`` maps refs to the Xero ids of documents the ledger created; ``allocated`` holds the
    refs of allocations the ledger confirmed; ``refused`` maps the refs of removals Xero refused (a
    deleted deposit's prepayment and its allocations) to the refusal's ``code``, ``message`` and ``hint``.
    """

    connection_id: str
    invoices: Frame = field(default_factory=lambda: empty("invoices"))
    invoice_lines: Frame = field(default_factory=lambda: empty("invoice_lines"))
    credits: Frame = field(default_factory=lambda: empty("credits"))
    credit_lines: Frame = field(default_factory=lambda: empty("credit_lines"))
    payments: Frame = field(default_factory=lambda: empty("payments"))
    auxo_xero_allocations: Frame = field(default_factory=lambda: empty("auxo_xero_allocations"))
    jobs: Frame = field(default_factory=lambda: empty("jobs"))
    contacts: Frame = field(default_factory=lambda: pl.DataFrame(schema=LINK_SCHEMA))
    xero_invoices: Frame = field(default_factory=lambda: empty("xero_invoices"))
    xero_credit_notes: Frame = field(default_factory=lambda: empty("xero_credit_notes"))
    xero_credit_allocations: Frame = field(default_factory=lambda: empty("xero_credit_allocations"))
    xero_payments: Frame = field(default_factory=lambda: empty("xero_payments"))
    xero_prepayments: Frame = field(default_factory=lambda: empty("xero_prepayments"))
    xero_prepayment_allocations: Frame = field(default_factory=lambda: empty("xero_prepayment_allocations"))
    known: dict[str, str] = field(default_factory=dict)
    allocated: frozenset[str] = frozenset()
    refused: dict[str, dict[str, str]] = field(default_factory=dict)

    def with_frames(self, **frames: Any) -> Books:
        """A copy with some frames given as row dicts (missing columns null), for tests."""
        typed = {name: (rows if isinstance(rows, pl.DataFrame)
                        else pl.DataFrame([{**dict.fromkeys(schema_of(STAGED[name][1])), "connection_id":
                                            self.connection_id, **row} for row in rows],
                                          schema=schema_of(STAGED[name][1]), strict=False))
                 for name, rows in frames.items()}
        return replace(self, **typed)

    @cached_property
    def xero_invoice_ids(self) -> Frame:
        """``invoice_id`` (Auxo) → ``xero_invoice_id``: Auxo's own link, else what the ledger created."""
        created = pl.DataFrame({"ref": list(self.known), "created_id": list(self.known.values())},
                               schema={"ref": pl.String, "created_id": pl.String})
        return (self.invoices.select("id", "xero_id")
                .with_columns(ref=pl.lit("invoice:") + pl.col("id"))
                .join(created, on="ref", how="left")
                .select(invoice_id="id", xero_invoice_id=pl.coalesce("xero_id", "created_id"),
                        created_by_ledger=pl.col("created_id").is_not_null()))

    @cached_property
    def customer_contacts(self) -> dict[str, str | None]:
        rows = self.contacts.filter(pl.col("kind") == "customer")
        return dict(zip(rows["auxo_id"].to_list(), rows["xero_contact_id"].to_list(), strict=True))


def xero_id_or_placeholder(ref: str, auxo_xero_id: str | None, known: dict[str, str]) -> tuple[Any, tuple[str, ...]]:
    """How a payload names another document's Xero id, and the refs the write then depends on.

    A document the ledger created is always named by its ref (the sink fills the id in), so the
    payload — and so the idempotency key — stays the same before and after Auxo records the id;
    a document Xero had otherwise is named by Auxo's link; one not in Xero yet by its ref.
    """
    if ref in known:
        return ref_placeholder(ref), (ref,)
    if auxo_xero_id:
        return auxo_xero_id, ()
    return ref_placeholder(ref), (ref,)
