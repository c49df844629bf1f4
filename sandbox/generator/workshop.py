"""``generate(profile, seed, end_date)``: a whole workshop, as polars frames.

The frames are the generator's own representation (money in integer cents, quantities in
ten-thousandths, moments in UTC microseconds); ``auxo_records`` turns them into the Auxo API's
records, ``xero_payloads`` into Xero documents, ``expected`` into the outcome of a correct sync.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from sandbox.generator import bookkeeping, cents
from sandbox.generator.contacts import build_contact_book, plant_contact_edits
from sandbox.generator.documents import (
    invoice_lines,
    invoice_rows,
    invoice_totals,
    open_jobs,
    payments_and_credits,
    price_orders,
    purchase_orders,
    stock_adjustments,
)
from sandbox.generator.parts import build_parts, cost_at, cost_history
from sandbox.generator.plants import lock_date, plant_invoices, plant_orders
from sandbox.generator.pools import build_pools
from sandbox.generator.profiles import Profile, get_profile
from sandbox.generator.randomness import auxo_ids, stream, uuids
from sandbox.generator.timeline import US_PER_HOUR, Timeline, default_end_date, local_date

MINUTE = 60_000_000


@dataclass
class Workshop:
    """Everything generated for one workshop. Frames only (plus ``meta``), so it writes to parquet."""

    meta: dict[str, Any]
    customers: pl.DataFrame
    suppliers: pl.DataFrame
    vehicles: pl.DataFrame
    parts: pl.DataFrame
    cost_history: pl.DataFrame
    jobs: pl.DataFrame
    invoices: pl.DataFrame
    lines: pl.DataFrame
    credits: pl.DataFrame
    payments: pl.DataFrame
    orders: pl.DataFrame
    order_lines: pl.DataFrame
    adjustments: pl.DataFrame
    settings_history: pl.DataFrame
    xero_contacts: pl.DataFrame
    contact_edits: pl.DataFrame
    xero_actions: pl.DataFrame

    @property
    def timeline(self) -> Timeline:
        m = self.meta
        return Timeline(date.fromisoformat(m["start_date"]), date.fromisoformat(m["sync_start_date"]),
                        date.fromisoformat(m["window_start_date"]), date.fromisoformat(m["end_date"]))

    def frames(self) -> dict[str, pl.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "meta"}


def generate(profile: str | Profile, seed: int = 42, end_date: date | None = None, *,
             timings: dict[str, float] | None = None) -> Workshop:
    """A workshop of ``profile`` size, deterministic in ``(profile, seed, end_date)``.

    ``end_date`` is the last day generated (default: yesterday in Sydney); the window of unsynced
    days ends on it. ``timings``, when given, receives the seconds each stage took (benchmarks).
    """
    lap = _Laps(timings)
    profile = get_profile(profile) if isinstance(profile, str) else profile
    end_date = end_date or default_end_date()
    timeline = Timeline.for_profile(profile.pre_sync_days, profile.synced_days, profile.window_days, end_date)
    book = build_contact_book(profile, build_pools(seed), timeline, seed)
    contact_edits = plant_contact_edits(book, timeline, seed)
    parts = build_parts(profile, timeline, seed)
    lap("contacts and parts")

    invoices = plant_invoices(invoice_rows(profile, timeline, book.customers, book.vehicles, seed),
                              book.customers, book.vehicles, timeline, seed).with_columns(
        id=auxo_ids("inv", "idx", 8), number=pl.format("INV-{}", (pl.col("idx") + 100_001).cast(pl.String)))
    lines = invoice_lines(invoices, parts, seed)
    invoices = invoices.join(invoice_totals(lines, invoices.height), left_on="idx", right_on="invoice_idx", how="left",
                             maintain_order="left")
    lap("invoices and lines")
    orders, order_lines = purchase_orders(profile, timeline, invoices, lines, parts, book.suppliers, seed)
    orders = price_orders(plant_orders(orders, timeline, seed), order_lines, timeline)
    lines = lines.with_columns(purchase_order_id=pl.when(pl.col("supply") == "job_po").then(
        _job_order_per_line(orders, invoices.height, lines)).otherwise(None))
    payments, credits = payments_and_credits(invoices, timeline, seed)
    adjustments = stock_adjustments(profile, timeline, parts, seed)
    waiting = open_jobs(profile, timeline, book.customers, book.vehicles, seed)
    lap("orders, payments, adjustments")

    receipts, movements = _stock_flows(invoices, lines, orders, order_lines, adjustments)
    history = cost_history(parts, receipts, movements)
    lines = _cogs(lines, invoices, history)
    adjustments = adjustments.with_columns(unit_cost=cost_at(history, adjustments.select("part_idx", t_us="created_us")))
    adjustments = adjustments.with_columns(value=pl.Series(cents.extend(adjustments["quantity"].to_numpy(),
                                                                        adjustments["unit_cost"].to_numpy())))
    parts = _final_parts(parts, history, receipts, movements)
    lap("average costs and COGS")

    invoices = invoices.with_columns(
        invoice_date=pl.when(pl.col("planted") == "locked_period").then(pl.lit(lock_date(timeline) - timedelta(days=1)))
        .otherwise(local_date("created_us")))
    invoices = bookkeeping.mark_invoices(invoices, timeline, seed)
    jobs, payments = _jobs(invoices, waiting, payments, book.vehicles)
    payments = bookkeeping.mark_dependants(payments, invoices, timeline, seed, "sync-payments", "xero_payment_id")
    credits = bookkeeping.mark_dependants(credits, invoices, timeline, seed, "sync-credits", "xero_credit_note_id")
    settings = bookkeeping.settings_history(timeline)
    orders = bookkeeping.mark_orders(orders, settings, timeline, seed)
    adjustments = bookkeeping.mark_adjustments(adjustments, timeline, seed)
    payments = bookkeeping.reopen_applied_deposits(payments, timeline)
    lines = bookkeeping.mark_cogs_journals(lines, invoices, settings, seed)
    actions = _xero_actions(invoices, payments, timeline, seed)
    invoices = _invoice_state(invoices, payments, credits, timeline)
    lap("sync state and Xero-side actions")
    meta = {
        "profile": profile.name, "seed": seed, "start_date": timeline.start_date.isoformat(),
        "sync_start_date": timeline.sync_start_date.isoformat(),
        "window_start_date": timeline.window_start_date.isoformat(), "end_date": timeline.end_date.isoformat(),
        "period_lock_date": lock_date(timeline).isoformat(), "workshop_name": "Auxo Demo Motors",
        "account_id": f"acc_{seed:08d}", "invoice_prefix": "INV-",
    }
    return Workshop(meta, book.customers, book.suppliers, book.vehicles, parts, history, jobs, invoices, lines,
                    credits, payments, orders, order_lines, adjustments, settings, book.xero_contacts, contact_edits,
                    actions)


class _Laps:
    """Seconds per stage into ``timings`` (when the caller wants them)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = round(now - self.last, 2)
        self.last = now


def _job_order_per_line(orders: pl.DataFrame, invoice_count: int, lines: pl.DataFrame) -> pl.Series:
    """Each line's invoice's job PO id (a lookup array indexed by invoice, gathered per line)."""
    job = orders.filter(pl.col("kind") == "job")
    slot = np.full(invoice_count + 1, job.height, np.int64)  # the extra slot holds null
    slot[job["invoice_idx"].to_numpy()] = np.arange(job.height)
    ids = pl.concat([job["id"], pl.Series([None], dtype=pl.String)])
    return ids.gather(slot[lines["invoice_idx"].to_numpy()])


def per_line(invoices: pl.DataFrame, lines: pl.DataFrame, column: str) -> pl.Series:
    """An invoice column for each line (invoices are stored in ``idx`` order: a gather, not a join)."""
    return invoices[column].gather(lines["invoice_idx"])


def _stock_flows(invoices: pl.DataFrame, lines: pl.DataFrame, orders: pl.DataFrame, order_lines: pl.DataFrame,
                 adjustments: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(receipts, movements)``: received PO lines, and everything else that moves stock."""
    received = orders.filter(pl.col("received_us").is_not_null()).select(order_idx="idx", order_id="id",
                                                                        t_us="received_us")
    receipts = order_lines.join(received, on="order_idx").select(
        "part_idx", "t_us", qty="quantity", unit_cost="unit_cost", order_id="order_id", order_line_id="id")
    issued = lines.select("part_idx", "supply", "quantity", t_us=per_line(invoices, lines, "created_us"),
                          void=per_line(invoices, lines, "void")).filter(
        pl.col("supply").is_in(["stock", "job_po"]) & ~pl.col("void")).select("part_idx", "t_us", qty=-pl.col("quantity"))
    moved = adjustments.select("part_idx", t_us="created_us", qty="quantity")
    return receipts.sort("t_us", "order_line_id"), pl.concat([issued, moved])


def _cogs(lines: pl.DataFrame, invoices: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Each stock or job-ordered part line's cost: quantity × the part's average cost when the invoice was created."""
    costed = lines["supply"].is_in(["stock", "job_po"]).fill_null(False)
    at = np.flatnonzero(costed.to_numpy())
    moments = pl.DataFrame({"part_idx": lines["part_idx"].gather(at),
                            "t_us": per_line(invoices, lines, "created_us").gather(at)})
    unit = cost_at(history, moments).to_numpy()
    unit_cost = np.zeros(lines.height, np.int64)
    unit_cost[at] = unit
    amount = cents.extend(lines["quantity"].to_numpy(), unit_cost)
    return lines.with_columns(
        unit_cost=pl.when(costed).then(pl.Series(unit_cost)).otherwise(None),
        cogs_amount=pl.when(costed).then(pl.Series(amount)).otherwise(None),
    )


def _final_parts(parts: pl.DataFrame, history: pl.DataFrame, receipts: pl.DataFrame,
                 movements: pl.DataFrame) -> pl.DataFrame:
    """Current average cost and quantity on hand; ``updated_us`` is the last thing that moved the part."""
    last_cost = history.sort("effective_us", "idx").group_by("part_idx").agg(average_cost=pl.col("average_cost").last())
    flows = pl.concat([receipts.select("part_idx", "t_us", "qty"), movements]).group_by("part_idx").agg(
        change=pl.col("qty").sum(), moved_us=pl.col("t_us").max())
    return parts.join(last_cost, left_on="idx", right_on="part_idx", how="left", maintain_order="left").join(
        flows, left_on="idx", right_on="part_idx", how="left", maintain_order="left").with_columns(
        quantity_on_hand=pl.col("opening_qty") + pl.col("change").fill_null(0),
        updated_us=pl.max_horizontal("created_us", "moved_us"),
    ).drop("change", "moved_us")


def _jobs(invoices: pl.DataFrame, waiting: pl.DataFrame, payments: pl.DataFrame,
          vehicles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A job per invoice (invoiced), plus the jobs still open; deposits of open jobs join the payments."""
    done = invoices.select(invoice_idx="idx", created_us="job_created_us", customer_idx="customer_idx",
                           vehicle_idx="vehicle_idx", completed_us=pl.col("created_us") - 10 * MINUTE,
                           updated_us="created_us", status=pl.lit("invoiced"))
    still_open = waiting.select(invoice_idx=pl.lit(None, pl.Int64), created_us="created_us", customer_idx="customer_idx",
                                vehicle_idx="vehicle_idx", completed_us=pl.lit(None, pl.Int64),
                                updated_us="created_us", status=pl.lit("open"))
    jobs = pl.concat([done, still_open]).with_row_index("job_row").sort("created_us", "job_row").with_columns(
        number=pl.format("J-{}", (pl.int_range(pl.len()) + 200_001).cast(pl.String)),
        id=auxo_ids("job", "job_row", 8)).drop("job_row")
    open_deposits = jobs.filter(pl.col("status") == "open").join(
        waiting.select("created_us", "customer_idx", "deposit"), on=["created_us", "customer_idx"]).filter(
        pl.col("deposit") > 0).select(
        invoice_idx=pl.lit(None, pl.Int64), kind=pl.lit("deposit"), amount="deposit",
        created_us=pl.col("created_us") + 5 * MINUTE, method=pl.lit("eftpos"), customer_idx="customer_idx",
        applied_us=pl.lit(None, pl.Int64), deleted_us=pl.lit(None, pl.Int64), job_id="id")
    payments = payments.join(jobs.filter(pl.col("invoice_idx").is_not_null()).select("invoice_idx", job_id="id"),
                             on="invoice_idx", how="left", maintain_order="left")
    payments = pl.concat([payments, open_deposits], how="diagonal_relaxed").sort("created_us", "invoice_idx")
    payments = payments.with_columns(idx=pl.int_range(pl.len())).with_columns(id=auxo_ids("pay", "idx", 8))
    return jobs, payments


def _xero_actions(invoices: pl.DataFrame, payments: pl.DataFrame, timeline: Timeline, seed: int) -> pl.DataFrame:
    """What a Xero user did during the window to synced invoices, and the invoice made in Xero
    whose number clashes with an Auxo invoice. One row per action, with what it needs."""
    rng = stream(seed, "xero-actions")
    planted = {row["planted"]: row for row in invoices.filter(pl.col("planted").is_not_null()).iter_rows(named=True)}
    day = timeline.window_start_date
    rows: list[dict[str, Any]] = []

    def action(name: str, invoice: dict[str, Any], hour: float, **extra: Any) -> None:
        rows.append({"action": name, "invoice_idx": invoice["idx"], "invoice_id": invoice["id"],
                     "invoice_number": invoice["number"], "xero_invoice_id": invoice["xero_invoice_id"],
                     "moment_us": timeline.at(day, hour), "date": day, "amount": None, "gst": None,
                     "line_amount": None, "xero_id": uuids(rng, 1)[0], "xero_number": None, "xero_allocation_id": None,
                     "payment_id": None, "xero_payment_id": None, **extra})

    paid_in_xero = planted["xero_payment"]
    action("xero_payment", paid_in_xero, 13.0, amount=paid_in_xero["total"])
    credited = planted["xero_credit_allocation"]
    credit_ex = max(500, credited["subtotal"] // 5 // 100 * 100)
    credit_gst = int(cents.div_round(np.array([credit_ex]), 10)[0])
    action("xero_credit_allocation", credited, 13.2, amount=credit_ex + credit_gst, gst=credit_gst, line_amount=credit_ex,
           xero_number="CN-0001", xero_allocation_id=uuids(rng, 1)[0])
    edited = planted["xero_edited_total"]
    action("xero_edited_total", edited, 13.4, amount=5_500, gst=500, line_amount=5_500 if edited["inclusive"] else 5_000)
    action("xero_voided_invoice", planted["xero_voided_invoice"], 13.6)
    deleted_invoice = planted["xero_deleted_payment"]
    deleted = payments.filter((pl.col("invoice_idx") == deleted_invoice["idx"]) & (pl.col("kind") == "payment")).row(
        0, named=True)
    action("xero_deleted_payment", deleted_invoice, 13.8, amount=deleted["amount"], payment_id=deleted["id"],
           xero_payment_id=deleted["xero_payment_id"])
    clash = planted["number_clash"]
    action("xero_invoice_number_clash", clash, -30.0, amount=11_000, gst=1_000, line_amount=11_000,
           xero_number=clash["number"], xero_invoice_id=None)
    frame = pl.DataFrame(rows, schema_overrides={"amount": pl.Int64, "gst": pl.Int64, "line_amount": pl.Int64,
                                                 "xero_number": pl.String, "xero_allocation_id": pl.String,
                                                 "payment_id": pl.String, "xero_payment_id": pl.String,
                                                 "xero_invoice_id": pl.String})
    return frame


def _invoice_state(invoices: pl.DataFrame, payments: pl.DataFrame, credits: pl.DataFrame,
                   timeline: Timeline) -> pl.DataFrame:
    """Amounts matched, balance, status, lock and timestamps as Auxo holds them at the end."""
    paid = payments.filter(pl.col("invoice_idx").is_not_null()).group_by("invoice_idx").agg(
        amount_paid=pl.col("amount").sum(),
        paid_us=pl.max_horizontal(pl.col("created_us").max(), pl.col("applied_us").max(), pl.col("synced_us").max()))
    credited = credits.group_by("invoice_idx").agg(amount_credited=pl.col("total").sum(),
                                                   credited_us=pl.col("created_us").max())
    edit_us = timeline.at(timeline.window_start_date, 15.0)
    frame = invoices.join(paid, left_on="idx", right_on="invoice_idx", how="left", maintain_order="left").join(
        credited, left_on="idx", right_on="invoice_idx", how="left", maintain_order="left").with_columns(
        pl.col("amount_paid", "amount_credited").fill_null(0))
    return frame.with_columns(
        balance=pl.when(pl.col("void")).then(0).otherwise(pl.col("total") - pl.col("amount_paid") - pl.col("amount_credited")),
        locked=(pl.col("amount_paid") > 0) | (pl.col("amount_credited") > 0),
        voided_us=pl.when(pl.col("void")).then(pl.col("created_us") + US_PER_HOUR).otherwise(None),
        edited_us=pl.when(pl.col("planted") == "auxo_edited_after_sync").then(pl.lit(edit_us)).otherwise(pl.col("created_us")),
    ).with_columns(
        status=pl.when(pl.col("void")).then(pl.lit("void"))
        .when((pl.col("balance") == 0) & (pl.col("total") != 0)).then(pl.lit("paid")).otherwise(pl.lit("issued")),
        updated_us=pl.max_horizontal("created_us", "synced_us", "paid_us", "credited_us", "voided_us", "edited_us"),
    ).drop("paid_us", "credited_us")
