"""Per-part COGS journals: one manual journal per part line, at the part's cost when the invoice was made.

This is where Auxo differs from every peer: each journal reconciles back to one invoice line.

* **Which lines** — part lines of issued (or paid) invoices the sync covers (not ``not_required``,
  dated on or after the sync start date) whose part came from stock (``supply: stock``) or was bought
  on a purchase order linked to the job (``job_po``). A non-stocked part added straight to the job
  (``direct``) never gets one. An older line without ``supply`` counts as ``job_po`` when it names a
  purchase order, ``stock`` when the part is stocked, else ``direct`` (:mod:`assets.inventory.supply`,
  the one definition the recon views share).
* **Only while the setting was on** — "Create Inventory Journals" in force when the invoice was
  created (:mod:`assets.inventory.toggles`); a backfill widens it (see there).
* **Amount** — ``round_half_up(quantity × average cost at the invoice's created_at, 2)``
  (:mod:`assets.inventory.cost_at`): a receipt after the invoice moves the part's average but never
  the journal. A zero amount gets no journal; a part with no cost recorded by then is reported.
* **Journal** — narration ``COGS for invoice <number>`` (an invoice's journals share it), dated the
  invoice date, Dr COGS / Cr Stock on Hand (stock) or Work in Progress (job-ordered); each line's
  description names the invoice line. Accounts and tracking from mappings/.
* **After its invoice** — a journal depends on ``invoice:<id>`` unless Auxo already records the
  invoice's Xero id: the sink holds it back until Xero has accepted the invoice, so a journal never
  posts for an invoice Xero refused. Auxo records each journal's id on its line (``cogs_journals``).
* **Credits that return parts** — a credit's part line reverses the journal of the same part on the
  credited invoice (its first costed line of that part): Dr Stock on Hand or WIP, Cr COGS, for the
  credited quantity at that journal's unit cost, dated the credit date. A reversal exists exactly when
  the journal it reverses was posted or is planned, and waits for that journal and for the credit note.

* **Voided invoices** — an invoice voided (in Auxo, or in Xero: seen in Xero's staged invoice at once,
  and it comes back to Auxo, see :mod:`assets.invoices.xero_changes`) after its journals were posted
  gets one reversing journal per posted journal: narration ``COGS reversal for voided invoice
  <number>``, Dr Stock on Hand or WIP, Cr COGS, for the journal's amount, dated the day it was voided
  (Auxo's ``voided_at`` or Xero's ``UpdatedDateUTC`` of the voided invoice, whichever is first, as the
  organisation's date; the run's nearest day when the run does not cover it). A void before any
  journal was posted produces nothing; a voided invoice never gets a new journal.

Already posted (a journal id in Auxo, or a journal the ledger created) is never planned again.
"""

from __future__ import annotations

import polars as pl

from assets.findings import findings_from
from assets.inventory.amounts import extend_cents, money
from assets.inventory.cost_at import cost_at
from assets.inventory.inputs import CogsInputs, Window
from assets.inventory.journals import (
    FINDING_SCHEMA,
    JOURNAL_SCHEMA,
    InventoryPlan,
    plan_journals,
)
from assets.inventory.supply import costed as costed_supply
from assets.inventory.supply import effective_supply, stock_account
from assets.inventory.toggles import CREATE_INVENTORY_JOURNALS, covered, in_scope
from assets.partitions import TIMEZONE
from mappings import Mappings
from pipelines.sync.refs import cogs_ref, cogs_void_reversal_ref, credit_note_ref, invoice_ref
from pipelines.sync.refs import cogs_reversal_ref as reversal_ref

PLAN_ASSET = "cogs_journal_set"
LIVE_INVOICE = ("issued", "paid")
XERO_VOID = ("VOIDED", "DELETED")
DESCRIPTION_CHARS = 80


def quantity_text(column: str) -> pl.Expr:
    """``2.5000`` → ``2.5``, ``10.0000`` → ``10``."""
    return pl.col(column).cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")


def _part_text() -> pl.Expr:
    return pl.concat_str([pl.coalesce("part_number", "part_id"),
                          pl.col("part_description").str.slice(0, DESCRIPTION_CHARS)], separator=" ",
                         ignore_nulls=True)


def costed_lines(inputs: CogsInputs, *, backfill: bool = False) -> pl.DataFrame:
    """Every part line of the given invoices with its supply, the setting then, its unit cost and amount,
    whether it is in Xero already and whether it gets a journal at all (``eligible``)."""
    parts = inputs.parts.select(part_id="id", part_number="part_number", part_description="description",
                                stocked="stocked")
    invoices = inputs.invoices.select(document_id="id", invoice_number="number", invoice_date="invoice_date",
                                      invoice_status="status", created_at="created_at", voided_at="voided_at",
                                      invoice_sync_status="sync_status", invoice_xero_id="xero_id",
                                      xero_voided=pl.col("xero_status").is_in(XERO_VOID).fill_null(False),
                                      xero_updated_at="xero_updated_at")
    lines = (inputs.lines.filter(pl.col("kind") == "part")
             .join(invoices, on="document_id", how="inner")
             .join(parts, on="part_id", how="left")
             .with_columns(supply=effective_supply()))
    lines = covered(lines, inputs.settings, CREATE_INVENTORY_JOURNALS, "created_at", backfill=backfill,
                    name="journals_on")
    lines = cost_at(lines, inputs.cost_history, moment="created_at")
    known = sorted(inputs.known)
    return lines.with_columns(
        amount_cents=extend_cents("quantity", "unit_cost"),
        ref=pl.lit(cogs_ref("")) + pl.col("line_id"),
    ).with_columns(
        in_xero=pl.col("xero_cogs_journal_id").is_not_null() | pl.col("ref").is_in(known),
        eligible=(costed_supply() & pl.col("invoice_status").is_in(LIVE_INVOICE) & ~pl.col("xero_voided")
                  & in_scope("invoice_date", "invoice_sync_status", inputs.settings) & pl.col("journals_on")),
    )


def _cogs_journals(costed: pl.DataFrame, inputs: CogsInputs, mappings: Mappings,
                   window: Window) -> tuple[pl.DataFrame, pl.DataFrame]:
    accounts = mappings.accounts.inventory
    todo = costed.filter(pl.col("eligible") & window.expr("invoice_date") & ~pl.col("in_xero"))
    no_cost = todo.filter(pl.col("unit_cost").is_null()).select(
        connection_id=pl.lit(inputs.connection_id), business_date="invoice_date", reason=pl.lit("no_cost_at_time"),
        document=pl.lit("invoice ") + pl.col("invoice_number"), auxo_id="line_id",
        detail=pl.lit("part ") + pl.coalesce("part_number", "part_id") + pl.lit(" has no average cost recorded at or "
                                                                               "before the invoice was created (")
        + pl.col("created_at").cast(pl.String) + pl.lit("): no COGS journal; check the part's cost history in Auxo"))
    journals = todo.filter(pl.col("unit_cost").is_not_null() & (pl.col("amount_cents") != 0)).select(
        connection_id=pl.lit(inputs.connection_id), ref="ref", kind=pl.lit("cogs"), source_id="line_id",
        document_id="document_id", document_number="invoice_number", business_date="invoice_date",
        narration=pl.lit("COGS for invoice ") + pl.col("invoice_number"), supply="supply",
        amount=money(pl.col("amount_cents")), debit_account=pl.lit(accounts.cogs),
        credit_account=stock_account("supply", accounts.stock_on_hand, accounts.work_in_progress),
        description=pl.concat_str([pl.col("invoice_number"), pl.lit(" line "), pl.col("line_id"), pl.lit(": "),
                                   quantity_text("quantity"), pl.lit(" × "), _part_text(), pl.lit(" @ "),
                                   pl.col("unit_cost").cast(pl.String)]),
        tracking_kind=pl.lit("part"),
        depends_on=pl.when(pl.col("invoice_xero_id").is_null())
        .then(pl.concat_list(pl.lit(invoice_ref("")) + pl.col("document_id")))
        .otherwise(pl.lit([], dtype=pl.List(pl.String))),
        writeback_resource=pl.lit("invoices"), writeback_id="document_id", writeback_line_id="line_id")
    return journals, no_cost


def _reversals(costed: pl.DataFrame, inputs: CogsInputs, mappings: Mappings,
               window: Window) -> tuple[pl.DataFrame, pl.DataFrame]:
    credits = inputs.credits.filter((pl.col("status") == "issued") & window.expr("credit_date")
                                    & in_scope("credit_date", "sync_status", inputs.settings)).select(
        document_id="id", credit_number="number", invoice_id="invoice_id", credit_date="credit_date",
        credit_xero_id="xero_id")
    parts = inputs.parts.select(part_id="id", part_number="part_number", part_description="description",
                                stocked="stocked")
    returned = (inputs.credit_lines.filter((pl.col("kind") == "part") & pl.col("part_id").is_not_null())
                .join(credits, on="document_id", how="inner")
                .join(parts, on="part_id", how="left")
                .with_columns(supply=effective_supply())
                .filter(costed_supply()))
    originals = (costed.filter(costed_supply()).sort("document_id", "line_no")
                 .unique(["document_id", "part_id"], keep="first", maintain_order=True)
                 .select(invoice_id="document_id", part_id="part_id", invoice_number="invoice_number",
                         original_line_id="line_id", original_supply="supply", original_cost="unit_cost",
                         original_posted=pl.col("in_xero"),
                         original_in_auxo=pl.col("xero_cogs_journal_id").is_not_null(),
                         original_planned=pl.col("eligible") & pl.col("unit_cost").is_not_null()
                         & (pl.col("amount_cents") != 0)))
    matched = returned.join(originals, on=["invoice_id", "part_id"], how="left").with_columns(
        ref=pl.lit(reversal_ref("")) + pl.col("line_id"),
        amount_cents=extend_cents("quantity", "original_cost"))
    unmatched = matched.filter(pl.col("original_line_id").is_null()).select(
        connection_id=pl.lit(inputs.connection_id), business_date="credit_date",
        reason=pl.lit("credit_part_not_on_invoice"), document=pl.lit("credit ") + pl.col("credit_number"),
        auxo_id="line_id", detail=pl.lit("returns part ") + pl.coalesce("part_number", "part_id")
        + pl.lit(", which no costed line of the credited invoice holds: no COGS reversal; reverse by hand if needed"))
    todo = matched.filter(pl.col("original_line_id").is_not_null()
                          & (pl.col("original_posted") | pl.col("original_planned"))
                          & ~pl.col("ref").is_in(sorted(inputs.known)) & (pl.col("amount_cents") != 0))
    journals = todo.select(
        connection_id=pl.lit(inputs.connection_id), ref="ref", source_id="line_id",
        document_id="document_id", document_number="credit_number", business_date="credit_date",
        narration=pl.lit("COGS reversal for credit ") + pl.col("credit_number"),
        amount=money(pl.col("amount_cents")), **_reversal_columns("original_supply", mappings),
        description=pl.concat_str([pl.col("credit_number"), pl.lit(" line "), pl.col("line_id"), pl.lit(": returned "),
                                   quantity_text("quantity"), pl.lit(" × "), _part_text(), pl.lit(" @ "),
                                   pl.col("original_cost").cast(pl.String), pl.lit(" (reverses "),
                                   pl.col("invoice_number"), pl.lit(" line "), pl.col("original_line_id"),
                                   pl.lit(")")]),
        depends_on=pl.concat_list([
            pl.when(~pl.col("original_in_auxo")).then(pl.lit(cogs_ref("")) + pl.col("original_line_id")),
            pl.when(pl.col("credit_xero_id").is_null()).then(pl.lit(credit_note_ref("")) + pl.col("document_id")),
        ]).list.drop_nulls())
    return journals, unmatched


def _reversal_columns(supply: str, mappings: Mappings) -> dict[str, pl.Expr]:
    """What every COGS reversal shares: Dr the stock account of ``supply`` (Stock on Hand or WIP), Cr COGS,
    tracked by part, nothing written back to Auxo."""
    accounts = mappings.accounts.inventory
    return {"kind": pl.lit("cogs_reversal"), "supply": pl.col(supply),
            "debit_account": stock_account(supply, accounts.stock_on_hand, accounts.work_in_progress),
            "credit_account": pl.lit(accounts.cogs), "tracking_kind": pl.lit("part"),
            "writeback_resource": pl.lit(None, pl.String), "writeback_id": pl.lit(None, pl.String),
            "writeback_line_id": pl.lit(None, pl.String)}


def _void_reversals(costed: pl.DataFrame, inputs: CogsInputs, mappings: Mappings, window: Window) -> pl.DataFrame:
    """One reversing journal per posted COGS journal of an invoice voided on or before the window's last day."""
    def local(column: str) -> pl.Expr:
        return pl.col(column).dt.convert_time_zone(TIMEZONE).dt.date()

    voided_here = pl.col("invoice_status") == "void"
    voided = costed.filter((voided_here | pl.col("xero_voided")) & pl.col("in_xero") & costed_supply()
                           & pl.col("unit_cost").is_not_null() & (pl.col("amount_cents") != 0)).with_columns(
        # the first system to void it says when: Auxo's voided_at, or Xero's UpdatedDateUTC of the voided invoice
        void_date=pl.coalesce(pl.min_horizontal(pl.when(voided_here).then(local("voided_at")),
                                                pl.when(pl.col("xero_voided")).then(local("xero_updated_at"))),
                              pl.lit(window.last)),
        ref=pl.lit(cogs_void_reversal_ref("")) + pl.col("line_id"))
    todo = voided.filter((pl.col("void_date") <= window.last) & ~pl.col("ref").is_in(sorted(inputs.known)))
    # dated the day of the void, never before the invoice, and inside the days this run plans
    day = pl.max_horizontal("void_date", "invoice_date").clip(window.first, window.last)
    return todo.select(
        connection_id=pl.lit(inputs.connection_id), ref="ref", source_id="line_id",
        document_id="document_id", document_number="invoice_number", business_date=day,
        narration=pl.lit("COGS reversal for voided invoice ") + pl.col("invoice_number"),
        amount=money(pl.col("amount_cents")), **_reversal_columns("supply", mappings),
        description=pl.concat_str([pl.col("invoice_number"), pl.lit(" line "), pl.col("line_id"), pl.lit(": voided, "),
                                   quantity_text("quantity"), pl.lit(" × "), _part_text(), pl.lit(" @ "),
                                   pl.col("unit_cost").cast(pl.String), pl.lit(" back to stock")]),
        depends_on=pl.when(pl.col("xero_cogs_journal_id").is_null())
        .then(pl.concat_list(pl.lit(cogs_ref("")) + pl.col("line_id")))
        .otherwise(pl.lit([], dtype=pl.List(pl.String))))


def plan_cogs_journals(inputs: CogsInputs, mappings: Mappings, window: Window, *,
                       backfill: bool = False) -> InventoryPlan:
    """The COGS journals and reversals for the days of ``window`` (see the module docstring)."""
    costed = costed_lines(inputs, backfill=backfill)
    journals, no_cost = _cogs_journals(costed, inputs, mappings, window)
    reversals, unmatched = _reversals(costed, inputs, mappings, window)
    voids = _void_reversals(costed, inputs, mappings, window)
    frames = [frame.select([pl.col(c).cast(t) for c, t in JOURNAL_SCHEMA.items()])
              for frame in (journals, reversals, voids)]
    findings = pl.concat([f.select([pl.col(c).cast(t) for c, t in FINDING_SCHEMA.items()])
                          for f in (no_cost, unmatched)])
    return plan_journals(pl.concat(frames).sort("business_date", "ref"), mappings, PLAN_ASSET,
                         findings_from(findings))
