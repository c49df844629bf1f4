"""The money plan assets: invoices, credits, payments and deposits to Xero; Xero's changes to Auxo.

Each reads the staged documents and the ledger (``tables.load_books``), calls its pure planner and
stores the writes in ``plans.write_plan`` and what it reports in ``plans.invoice_exceptions``.
The three Xero pushes are daily partitions by business date; ``plans/xero_changes_to_auxo`` is
undated (a change made in Xero belongs to no Auxo day) and every day's sink sends it.
"""

from collections.abc import Callable

import dagster as dg
import polars as pl

from assets.catch_up import run_window
from assets.contacts.assets import MATCHES
from assets.findings import store_findings
from assets.invoices import credits, invoices, payments, xero_changes
from assets.invoices.books import STAGING_TABLES, Books, Window
from assets.invoices.invoices import MoneyPlan
from assets.invoices.tables import EXCEPTIONS, load_books
from assets.metadata import markdown_table
from assets.partitions import daily_partitions, single_run, window_dates
from assets.plans import WRITER_POOL, materialize_plan, store_writes
from assets.resources import ConnectionResource, MappingsResource, WarehouseResource
from mappings import Mappings

GROUP = "invoices"
DEPS = [*[dg.AssetKey(["staging", table]) for table in STAGING_TABLES],
        dg.AssetKey(["staging", "auxo_customers"]), MATCHES]
INVOICE_PUSH = dg.AssetKey(["plans", invoices.PLAN_ASSET])
CREDIT_PUSH = dg.AssetKey(["plans", credits.PLAN_ASSET])
PAYMENT_PUSH = dg.AssetKey(["plans", payments.PLAN_ASSET])
XERO_CHANGES = dg.AssetKey(["plans", xero_changes.PLAN_ASSET])


BROKEN = ("the push set breaks its own contract (totals, tax per line, a document twice, or payments above the "
          "amount due)")


def _known_reasons(plan: MoneyPlan) -> MoneyPlan:
    """The plan, once every finding's reason is one of ``exceptions.REASONS`` (else a bug: ``ValueError``)."""
    EXCEPTIONS.check(plan.findings)
    return plan


def _store(con, name: str, plan: MoneyPlan, window: Window | None, connection_id: str) -> dict[str, object]:
    first, last, also = (window.first, window.last, window.earlier_days) if window else (None, None, ())
    metadata = store_writes(con, name, plan.writes, connection_id, first, last, also)
    findings = store_findings(con, EXCEPTIONS, name, plan.findings, first, last, connection_id=connection_id,
                              also=also)
    if window is not None:
        metadata["earlier_days_planned"] = ", ".join(str(day) for day in also) or "none"
    metadata["exceptions"] = findings.height
    metadata["exceptions_by_reason"] = markdown_table(findings.group_by("reason").len().sort("reason")
                                                      if not findings.is_empty() else findings)
    metadata["exception_rows"] = markdown_table(findings.select("business_date", "reason", "document", "detail"))
    if plan.push_set is not None and "xero_total" in plan.push_set.columns:
        metadata["documents_sent"] = plan.push_set.height
        metadata["rounding_lines"] = plan.push_set.filter(pl.col("rounding") != 0).height
    return metadata


def _dated(name: str, planner: Callable[[Books, Mappings, Window], MoneyPlan], description: str):
    @dg.asset(key=dg.AssetKey(["plans", name]), deps=DEPS, partitions_def=daily_partitions,
              backfill_policy=single_run, pool=WRITER_POOL, group_name=GROUP, kinds={"polars", "duckdb"},
              description=description)
    def plan_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource, connection: ConnectionResource,
                   mappings: MappingsResource) -> dg.MaterializeResult:
        first, last = window_dates(context)
        settings = mappings.load()
        window: Window | None = None

        def read(con) -> Books:
            nonlocal window  # the partition's days and the earlier days out of step (assets.catch_up)
            window = run_window(con, connection.id(), first, last)
            return load_books(con, connection.id())

        return materialize_plan(
            warehouse, name, broken=BROKEN, read=read, validate=_known_reasons,
            plan=lambda books: planner(books, settings, window),
            store=lambda con, plan: _store(con, name, plan, window, connection.id()))

    return plan_asset


invoice_push = _dated(
    invoices.PLAN_ASSET, invoices.plan_invoice_push,
    "Auxo invoices of the day not in Xero yet, as AUTHORISED ACCREC invoices (same number and date, vehicle "
    "registration in Reference, the linked contact, accounts/tax/tracking from mappings/, line items that give "
    "Auxo's total and GST to the cent); Auxo edits sent while nothing is matched, voids. Blocked edits, number "
    "clashes and documents whose totals cannot match are in plans.invoice_exceptions.")
credit_push = _dated(
    credits.PLAN_ASSET, credits.plan_credit_push,
    "Invoice credits of the day as ACCRECCREDIT credit notes (number = the Auxo credit number), each allocated "
    "to its invoice once both exist.")
payment_push = _dated(
    payments.PLAN_ASSET, payments.plan_payment_push,
    "Payments of the day to Xero against their invoice, to the payment method's account (clearing by default); "
    "job deposits as prepayments, allocated to the invoice once it exists; payments deleted in Auxo deleted in "
    "Xero. Never above the amount due; a payment entered in both systems is not sent.")


@dg.asset(key=XERO_CHANGES, deps=DEPS, pool=WRITER_POOL, group_name=GROUP, kinds={"polars", "duckdb"},
          description="What people did in Xero to synced invoices, for Auxo: payments entered in Xero (never one "
                      "the sync wrote, never one that doubles an Auxo payment), Xero credit notes allocated to "
                      "them, one adjustment line for a changed total, voids and deleted payments. Not dated: "
                      "every day's sink sends it.")
def xero_changes_to_auxo(warehouse: WarehouseResource, connection: ConnectionResource) -> dg.MaterializeResult:
    return materialize_plan(
        warehouse, xero_changes.PLAN_ASSET, broken=BROKEN, read=lambda con: load_books(con, connection.id()),
        validate=_known_reasons, plan=xero_changes.plan_xero_changes,
        store=lambda con, plan: _store(con, xero_changes.PLAN_ASSET, plan, None, connection.id()))


def _exceptions_check(asset: dg.AssetKey, name: str, reasons: tuple[str, ...], description: str):
    @dg.asset_check(asset=asset, name=name, blocking=False, pool=WRITER_POOL, description=description)
    def check(warehouse: WarehouseResource, connection: ConnectionResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            EXCEPTIONS.ensure(con)
            rows = con.sql(f"select business_date, reason, document, detail from {EXCEPTIONS.name} "
                           "where connection_id = ? and reason = any(?) order by business_date, document",
                           params=[connection.id(), list(reasons)]).pl()
        return dg.AssetCheckResult(check_name=name, passed=rows.is_empty(), severity=dg.AssetCheckSeverity.WARN,
                                   metadata={"cases": rows.height, "rows": markdown_table(rows)})

    return check


invoice_edits_all_sent = _exceptions_check(
    INVOICE_PUSH, "invoice_edits_all_sent", ("edit_blocked", "totals_cannot_match"),
    "Every Auxo invoice edit reached Xero: none was held back because a payment or credit is already matched in "
    "Xero, and every invoice's lines give Auxo's totals. Warns with the invoices a person must look at.")
payments_entered_once = _exceptions_check(
    XERO_CHANGES, "payments_entered_once", ("payment_in_both_systems", "payment_exceeds_amount_due"),
    "No payment was entered in both Auxo and Xero (same invoice, date and amount) and none would go above the "
    "amount due. Warns with the pairs: delete the wrong copy and the next run syncs the other.")

ASSETS = [invoice_push, credit_push, payment_push, xero_changes_to_auxo]
CHECKS = [invoice_edits_all_sent, payments_entered_once]
