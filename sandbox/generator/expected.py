"""The outcome of a correct sync, written beside the seeded sandboxes so tests compare against it.

Truth by construction: every row comes from what the generator planted or drew (a contact's
case, a document's phase, a setting's history), never from re-running matching or sync logic.
The files and their columns are documented in docs/generator.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from sandbox.generator.bookkeeping import setting_at
from sandbox.generator.documents import line_id
from sandbox.generator.timeline import local_date, us_to_text
from sandbox.generator.workshop import Workshop
from sandbox.generator.xero_payloads import (
    BANK,
    CLEARING,
    COGS,
    FREIGHT_INWARDS,
    METHOD_ACCOUNT,
    ROUNDING,
    STOCK_ADJUSTMENT,
    STOCK_ON_HAND,
    WORK_IN_PROGRESS,
    adjustment_narration,
)

ERRORS = {  # planted invoice -> (sync error code, what Xero says)
    "number_clash": ("duplicate_number", "Invoice # must be unique."),
    "locked_period": ("period_locked", "The document date cannot be before the period lock date"),
    "archived_contact": ("contact_archived", "The contact with the specified contact details has been archived."),
}
WAITING = {"review_contact": "contact_review"}  # the customer needs a person before the invoice can go


def contact_links(w: Workshop) -> pl.DataFrame:
    """Every Auxo contact that must end up linked, to which Xero contact, and why."""
    linking_roles = ["linked", "archived_linked", "exact", "normalised", "duplicate_name"]
    xero = w.xero_contacts.filter(pl.col("role").is_in(linking_roles))
    return xero.select(
        auxo_kind="auxo_kind", auxo_id="auxo_id", xero_contact_id="ContactID", case="role", variation="variation",
        state=pl.when(pl.col("role").is_in(["linked", "archived_linked"])).then(pl.lit("existing"))
        .otherwise(pl.lit("to_link")),
    ).sort("auxo_kind", "auxo_id")


def contact_review(w: Workshop) -> pl.DataFrame:
    """Auxo customers a person must look at (never auto-linked), with the Xero candidates."""
    candidates = w.xero_contacts.filter(pl.col("role").is_in(["name_only", "ambiguous", "archived_match"])).group_by(
        "auxo_id").agg(reason=pl.col("role").first(), candidate_xero_contact_ids=pl.col("ContactID").sort())
    pairs = w.customers.filter(pl.col("case").is_in(["duplicate_name", "duplicate_second"])).sort("idx")
    firsts = pairs.filter(pl.col("case") == "duplicate_name").select("name", first_id="id")
    seconds = pairs.filter(pl.col("case") == "duplicate_second").join(firsts, on="name").join(
        w.xero_contacts.select(first_id="auxo_id", candidate="ContactID"), on="first_id").select(
        auxo_id="id", reason=pl.lit("name_only"), candidate_xero_contact_ids=pl.concat_list("candidate"))
    review = pl.concat([candidates, seconds])
    return review.join(w.customers.select(auxo_id="id", name="name"), on="auxo_id").select(
        auxo_kind=pl.lit("customer"), auxo_id="auxo_id", name="name", reason="reason",
        candidate_xero_contact_ids="candidate_xero_contact_ids").sort("auxo_id")


def contacts_to_create(w: Workshop) -> pl.DataFrame:
    """New in Auxo, nothing like them in Xero: created in Xero."""
    frames = [frame.filter(pl.col("case") == "create").select(auxo_kind=pl.lit(kind), auxo_id="id", name="name")
              for kind, frame in (("customer", w.customers), ("supplier", w.suppliers))]
    return pl.concat(frames).sort("auxo_kind", "auxo_id")


def contact_updates(w: Workshop) -> pl.DataFrame:
    """Field values each side must hold after a sync of the planted contact edits."""
    return w.contact_edits.select("case", "auxo_id", "xero_contact_id", "update_side", "field", "expected_value",
                                  edited_at=pl.col("edited_us").map_elements(us_to_text, return_dtype=pl.String))


def _xero_effects(w: Workshop) -> pl.DataFrame:
    """Per invoice: what Xero-side actions change in the total and in what is matched to it."""
    a = w.xero_actions
    return a.group_by("invoice_idx").agg(
        xero_extra_total=pl.col("amount").filter(pl.col("action") == "xero_edited_total").sum(),
        xero_extra_gst=pl.col("gst").filter(pl.col("action") == "xero_edited_total").sum(),
        xero_paid=pl.col("amount").filter(pl.col("action") == "xero_payment").sum(),
        xero_allocated=pl.col("amount").filter(pl.col("action") == "xero_credit_allocation").sum(),
        xero_deleted=pl.col("amount").filter(pl.col("action") == "xero_deleted_payment").sum(),
        xero_voided=(pl.col("action") == "xero_voided_invoice").any(),
    ).filter(pl.col("invoice_idx").is_in(
        w.invoices.filter(pl.col("synced"))["idx"].implode()))


def invoices(w: Workshop) -> pl.DataFrame:
    """Every in-scope invoice: what a correct sync leaves in Xero and in Auxo (``reference``: the
    vehicle registration Xero's ``Reference`` carries)."""
    scope = w.invoices.filter(pl.col("in_scope")).join(_xero_effects(w), left_on="idx", right_on="invoice_idx",
                                                       how="left", maintain_order="left").join(
        w.vehicles.select(vehicle_idx="idx", registration="registration"), on="vehicle_idx", how="left",
        maintain_order="left")
    extra_total = pl.col("xero_extra_total").fill_null(0)
    paid = pl.col("amount_paid") + pl.col("xero_paid").fill_null(0) - pl.col("xero_deleted").fill_null(0)
    credited = pl.col("amount_credited") + pl.col("xero_allocated").fill_null(0)
    voided = pl.col("xero_voided").fill_null(False)
    error = pl.col("planted").replace_strict({k: v[0] for k, v in ERRORS.items()}, default=None)
    waiting = pl.col("planted").replace_strict(WAITING, default=None)
    outcome = (pl.when(pl.col("void")).then(pl.lit("not_sent_void")).when(error.is_not_null()).then(pl.lit("error"))
               .when(waiting.is_not_null()).then(pl.lit("waiting")).when(pl.col("synced")).then(
        pl.when(pl.col("planted") == "auxo_edited_after_sync").then(pl.lit("to_update")).otherwise(pl.lit("existing")))
               .otherwise(pl.lit("to_create")))
    total = pl.col("total") + extra_total
    due = pl.when(voided).then(0).otherwise(total - paid - credited)
    return scope.select(
        invoice_id="id", number="number", invoice_date="invoice_date", reference=pl.col("registration").fill_null(""),
        outcome=outcome,
        error_code=pl.coalesce(error, waiting), xero_invoice_id="xero_invoice_id",
        xero_total=pl.col("total") + extra_total, xero_total_tax=pl.col("gst") + pl.col("xero_extra_gst").fill_null(0),
        xero_amount_due=due,
        xero_status=pl.when(voided).then(pl.lit("VOIDED")).when(due == 0).then(pl.lit("PAID")).otherwise(pl.lit("AUTHORISED")),
        auxo_total=total, auxo_balance=due, auxo_status=pl.when(voided | pl.col("void")).then(pl.lit("void"))
        .when((due == 0) & (total != 0)).then(pl.lit("paid")).otherwise(pl.lit("issued")),
        auxo_adjustment_total=extra_total, auxo_adjustment_gst=pl.col("xero_extra_gst").fill_null(0),
        planted="planted",
    ).sort("number")


def _blocked_invoices(w: Workshop) -> pl.Series:
    return w.invoices.filter(pl.col("planted").is_in([*ERRORS, *WAITING]))["idx"]


def cogs_journals(w: Workshop) -> pl.DataFrame:
    """One journal per stock or job-ordered part line of in-scope invoices: Dr COGS, Cr Stock on
    Hand (stock) or Work in Progress (job PO), at the part's average cost when the invoice was
    created. ``state``: existing (already in Xero), to_create, blocked (its invoice cannot sync),
    setting_off (created while inventory journals were off: must not exist) or voided_in_xero (its
    invoice was voided in Xero before the journal was posted: must not exist)."""
    lines = w.lines.filter(pl.col("cogs_amount").is_not_null() & (pl.col("cogs_amount") != 0)).join(
        w.invoices.filter(pl.col("in_scope") & ~pl.col("void")).select(
            invoice_idx="idx", invoice_id="id", number="number", invoice_date="invoice_date", created_us="created_us"),
        on="invoice_idx")
    blocked = pl.col("invoice_idx").is_in(_blocked_invoices(w).implode())
    voided_in_xero = pl.col("invoice_idx").is_in(_voided_in_xero(w)["invoice_idx"].implode())
    state = (pl.when(pl.col("xero_cogs_journal_id").is_not_null()).then(pl.lit("existing"))
             .when(~pl.col("cogs_expected")).then(pl.lit("setting_off")).when(blocked).then(pl.lit("blocked"))
             .when(voided_in_xero).then(pl.lit("voided_in_xero")).otherwise(pl.lit("to_create")))
    return lines.select(
        "invoice_id", invoice_number="number", line_id=line_id(), part_id=pl.lit("prt_") + pl.col("part_idx").cast(pl.String)
        .str.zfill(6), supply="supply", quantity="quantity", unit_cost="unit_cost", amount="cogs_amount",
        debit_account=pl.lit(COGS), credit_account=pl.when(pl.col("supply") == "job_po").then(pl.lit(WORK_IN_PROGRESS))
        .otherwise(pl.lit(STOCK_ON_HAND)), narration=pl.lit("COGS for invoice ") + pl.col("number"),
        journal_date="invoice_date", xero_journal_id="xero_cogs_journal_id", state=state,
    ).sort("invoice_number", "line_id")


def _voided_in_xero(w: Workshop) -> pl.DataFrame:
    """Synced invoices a person voided in Xero (planted), and the organisation's day they did it."""
    voids = w.xero_actions.filter(pl.col("action") == "xero_voided_invoice").select(
        "invoice_idx", void_date=local_date("moment_us"))
    return voids.filter(pl.col("invoice_idx").is_in(w.invoices.filter(pl.col("synced"))["idx"].implode()))


def cogs_void_reversals(w: Workshop, journals: pl.DataFrame) -> pl.DataFrame:
    """One reversing journal per COGS journal already in Xero whose invoice was voided in Xero: Dr Stock on
    Hand or WIP, Cr COGS, the journal's amount, dated the day of the void (never before the invoice)."""
    voids = _voided_in_xero(w).join(w.invoices.select(invoice_idx="idx", invoice_id="id"), on="invoice_idx")
    posted = journals.filter(pl.col("state") == "existing").join(voids, on="invoice_id")
    return posted.select(
        "invoice_id", "invoice_number", "line_id", "part_id", "supply", "quantity", "unit_cost", "amount",
        debit_account="credit_account", credit_account="debit_account",
        narration=pl.lit("COGS reversal for voided invoice ") + pl.col("invoice_number"),
        journal_date=pl.max_horizontal("void_date", "journal_date"), reverses_journal_id="xero_journal_id",
        state=pl.lit("to_create")).sort("invoice_number", "line_id")


def bills(w: Workshop) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Received in-scope purchase orders as bills (when "send purchase orders" was on at receipt)."""
    orders = w.orders.filter(pl.col("in_scope")).join(
        w.suppliers.select(supplier_idx="idx", supplier_id="id", supplier_xero_contact_id="xero_contact_id"),
        on="supplier_idx", how="left", maintain_order="left")
    state = (pl.when(pl.col("synced")).then(pl.lit("existing")).when(~pl.col("send_on")).then(pl.lit("setting_off"))
             .otherwise(pl.lit("to_create")))
    heads = orders.select(
        purchase_order_id="id", number="number", kind="kind", supplier_id="supplier_id",
        supplier_xero_contact_id="supplier_xero_contact_id", bill_number=pl.lit("SI-") + pl.col("number").str.slice(3),
        received_at=pl.col("received_us").map_elements(us_to_text, return_dtype=pl.String), subtotal="subtotal",
        gst="gst", rounding_adjustment="rounding", total="total", xero_bill_id="xero_bill_id", state=state,
    ).sort("number")
    part_lines = w.order_lines.join(orders.select(order_idx="idx", number="number", kind="kind"), on="order_idx").select(
        "number", line_id="id", account=pl.when(pl.col("kind") == "stock").then(pl.lit(STOCK_ON_HAND))
        .otherwise(pl.lit(WORK_IN_PROGRESS)), tax_type=pl.lit("INPUT"), quantity="quantity", unit_amount="unit_cost",
        line_amount="line_amount", gst="gst")
    extra = orders.select("number", "freight", "freight_gst", "rounding")
    freight = extra.filter(pl.col("freight") != 0).select(
        "number", line_id=pl.lit("freight"), account=pl.lit(FREIGHT_INWARDS), tax_type=pl.lit("INPUT"),
        quantity=pl.lit(10_000, pl.Int64), unit_amount="freight", line_amount="freight", gst="freight_gst")
    rounding = extra.filter(pl.col("rounding") != 0).select(
        "number", line_id=pl.lit("rounding"), account=pl.lit(ROUNDING), tax_type=pl.lit("BASEXCLUDED"),
        quantity=pl.lit(10_000, pl.Int64), unit_amount="rounding", line_amount="rounding", gst=pl.lit(0, pl.Int64))
    lines = pl.concat([part_lines, freight, rounding]).rename({"number": "purchase_order_number"}).sort(
        "purchase_order_number", "line_id")
    return heads, lines


def stock_journals(w: Workshop) -> pl.DataFrame:
    """Stock adjustments and stocktake lines: Stock on Hand against Stock Adjustment."""
    frame = w.adjustments.filter(pl.col("in_scope"))
    journals_on = setting_at(w.settings_history, "create_inventory_journals", frame["created_us"])
    positive = pl.col("value") > 0
    return frame.with_columns(journals_on=journals_on).filter(pl.col("value") != 0).select(
        adjustment_id="id", number="number", kind="kind", stocktake_number="stocktake_number",
        adjustment_date="adjustment_date", amount=pl.col("value").abs(),
        debit_account=pl.when(positive).then(pl.lit(STOCK_ON_HAND)).otherwise(pl.lit(STOCK_ADJUSTMENT)),
        credit_account=pl.when(positive).then(pl.lit(STOCK_ADJUSTMENT)).otherwise(pl.lit(STOCK_ON_HAND)),
        narration=pl.struct("kind", "number", "stocktake_number").map_elements(
            lambda r: adjustment_narration(r["kind"], r["number"], r["stocktake_number"]), return_dtype=pl.String),
        xero_journal_id="xero_journal_id",
        state=pl.when(pl.col("synced")).then(pl.lit("existing")).when(~pl.col("journals_on")).then(pl.lit("setting_off"))
        .otherwise(pl.lit("to_create")),
    ).sort("number")


def payments(w: Workshop) -> pl.DataFrame:
    """In-scope Auxo payments and deposits, and where each must stand in Xero."""
    deleted = w.xero_actions.filter(pl.col("action") == "xero_deleted_payment")["payment_id"]
    frame = w.payments.filter(pl.col("in_scope")).join(
        w.invoices.select(invoice_idx="idx", invoice_number="number"), on="invoice_idx", how="left", maintain_order="left")
    blocked = pl.col("invoice_idx").is_in(_blocked_invoices(w).implode())
    state = (pl.when(pl.col("id").is_in(deleted.implode())).then(pl.lit("deleted_in_xero"))
             .when(pl.col("synced") & (pl.col("sync_status") == "pending")).then(pl.lit("to_allocate"))
             .when(pl.col("synced")).then(pl.lit("existing")).when(blocked).then(pl.lit("blocked"))
             .otherwise(pl.lit("to_create")))
    return frame.select(
        payment_id="id", kind="kind", invoice_number="invoice_number", job_id="job_id", amount="amount",
        payment_date=local_date("created_us").cast(pl.String),  # the workshop's day, as Auxo records it
        account=pl.col("method").replace_strict(METHOD_ACCOUNT, default=CLEARING)
        if not frame.is_empty() else pl.lit(CLEARING),
        deposit_bank_account=pl.when(pl.col("kind") == "deposit").then(pl.lit(BANK)).otherwise(None),
        xero_payment_id="xero_payment_id", state=state,
    ).sort("payment_id")


def credit_notes(w: Workshop) -> pl.DataFrame:
    frame = w.credits.filter(pl.col("in_scope")).join(
        w.invoices.select(invoice_idx="idx", invoice_number="number"), on="invoice_idx", how="left")
    return frame.select(credit_id="id", number="number", invoice_number="invoice_number", total="total",
                        xero_credit_note_id="xero_credit_note_id",
                        state=pl.when(pl.col("synced")).then(pl.lit("existing")).otherwise(pl.lit("to_create"))
                        ).sort("number")


def xero_actions(w: Workshop) -> pl.DataFrame:
    """The planted Xero-side actions and the Auxo state each must produce."""
    return w.xero_actions.select(
        "action", "invoice_id", "invoice_number", "xero_invoice_id", "amount", "gst",
        moment=pl.col("moment_us").map_elements(us_to_text, return_dtype=pl.String), xero_id="xero_id", xero_number="xero_number", payment_id="payment_id", xero_payment_id="xero_payment_id",
        expected_in_auxo=pl.col("action").replace_strict({
            "xero_payment": "a payment with source xero and this amount; the invoice balance drops by it",
            "xero_credit_allocation": "the invoice balance drops by the allocation (no credit copied into Auxo)",
            "xero_edited_total": "one xero_adjustment line of this total and GST",
            "xero_voided_invoice": "the invoice is void",
            "xero_deleted_payment": "the payment is deleted; the invoice balance is back",
            "xero_invoice_number_clash": "the Auxo invoice of this number gets sync error duplicate_number",
        }),
    ).sort("action")


def sync_errors(w: Workshop) -> pl.DataFrame:
    """Documents that cannot sync and why, as a person must see them."""
    planted = w.invoices.filter(pl.col("planted").is_in([*ERRORS, *WAITING]))
    codes = {**{k: v[0] for k, v in ERRORS.items()}, **WAITING}
    hints = {**{k: v[1] for k, v in ERRORS.items()}, "review_contact": "The customer matches a Xero contact by name only."}
    return planted.select(resource=pl.lit("invoices"), record_id="id", number="number",
                          code=pl.col("planted").replace_strict(codes), message=pl.col("planted").replace_strict(hints),
                          planted="planted").sort("number")


def summary(w: Workshop, tables: dict[str, pl.DataFrame]) -> dict[str, Any]:
    return {
        **w.meta,
        "settings_history": [{"setting": r["setting"], "value": r["value"], "changed_at": us_to_text(r["changed_us"])}
                             for r in w.settings_history.iter_rows(named=True)],
        "rows": {name: frame.height for name, frame in tables.items()},
        "auxo_records": {name: frame.height for name, frame in w.frames().items()},
        "money": "integer cents; quantities in ten-thousandths",
    }


def expected_tables(w: Workshop) -> dict[str, pl.DataFrame]:
    bill_heads, bill_lines = bills(w)
    journals = cogs_journals(w)
    return {
        "contact_links": contact_links(w), "contact_review": contact_review(w),
        "contacts_to_create": contacts_to_create(w), "contact_updates": contact_updates(w), "invoices": invoices(w),
        "cogs_journals": journals, "cogs_void_reversals": cogs_void_reversals(w, journals),
        "bills": bill_heads, "bill_lines": bill_lines,
        "stock_journals": stock_journals(w), "payments": payments(w), "credit_notes": credit_notes(w),
        "xero_actions": xero_actions(w), "sync_errors": sync_errors(w),
    }


def write_expected(w: Workshop, folder: Path) -> dict[str, Path]:
    """Write every expected table as ``<name>.parquet`` plus ``summary.json`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = expected_tables(w)
    written = {}
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.write_parquet(path, statistics=False)
        written[name] = path
    (folder / "summary.json").write_text(json.dumps(summary(w, tables), indent=2, sort_keys=True) + "\n")
    written["summary"] = folder / "summary.json"
    return written
