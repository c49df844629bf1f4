"""What the integration has already done: which documents are in scope, which were synced (with
their Xero ids and when), and the sync settings' history.

A document is *in scope* when it is dated on or after the sync start date; it is *synced* when it
was written before the window started. Synced documents carry Xero ids and a ``synced_at`` a few
minutes after they were written — the moment the integration recorded them — and their
``updated_at`` moves with it, as it does in Auxo.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.generator.plants import journals_off_moments, send_orders_off_moment
from sandbox.generator.randomness import stream, uuids
from sandbox.generator.timeline import Timeline

MINUTE = 60_000_000


def _status(in_scope: pl.Expr, synced: pl.Expr) -> pl.Expr:
    return (pl.when(~in_scope).then(pl.lit("not_required")).when(synced).then(pl.lit("synced"))
            .otherwise(pl.lit("pending")))


def _with_xero_ids(frame: pl.DataFrame, column: str, rng: np.random.Generator) -> pl.DataFrame:
    """A Xero id for each synced row (drawn only for those: they are few next to the history)."""
    synced = frame["synced"].to_numpy()
    ids = pl.Series(column, [None] * frame.height, dtype=pl.String)
    ids = ids.scatter(np.flatnonzero(synced), pl.Series(uuids(rng, int(synced.sum())), dtype=pl.String))
    return frame.with_columns(ids)


def settings_history(timeline: Timeline) -> pl.DataFrame:
    """Both settings on from the sync start; inventory journals off for two hours on the window's
    first afternoon; purchase orders off from noon on the last day."""
    start = timeline.at(timeline.sync_start_date, 6.0) - MINUTE
    off, on = journals_off_moments(timeline)
    return pl.DataFrame({
        "setting": ["send_purchase_orders", "create_inventory_journals", "create_inventory_journals",
                    "create_inventory_journals", "send_purchase_orders"],
        "value": [True, True, False, True, False],
        "changed_us": [start, start, off, on, send_orders_off_moment(timeline)],
    }).sort("changed_us", "setting")


def setting_at(history: pl.DataFrame, setting: str, moments: pl.Series) -> pl.Series:
    """The value of ``setting`` in force at each moment (the last switch at or before it; off before any)."""
    switches = history.filter(pl.col("setting") == setting).sort("changed_us")
    times = switches["changed_us"].to_numpy()
    values = np.r_[False, switches["value"].to_numpy()]
    return pl.Series(values[np.searchsorted(times, moments.to_numpy(), side="right")])


def mark_invoices(invoices: pl.DataFrame, timeline: Timeline, seed: int) -> pl.DataFrame:
    rng = stream(seed, "sync-invoices")
    window = timeline.at(timeline.window_start_date, 0.0)
    frame = invoices.with_columns(
        in_scope=pl.col("invoice_date") >= timeline.sync_start_date,
        synced=(pl.col("invoice_date") >= timeline.sync_start_date) & (pl.col("created_us") < window) & ~pl.col("void"),
    )
    frame = frame.with_columns(
        synced_us=pl.when(pl.col("synced")).then(pl.col("created_us") + pl.Series(rng.integers(10, 40, frame.height)) * MINUTE)
        .otherwise(None),
        sync_status=_status(pl.col("in_scope"), pl.col("synced") & (pl.col("planted") != "auxo_edited_after_sync")
                            .fill_null(True)),
    )
    return _with_xero_ids(frame, "xero_invoice_id", rng)


def mark_dependants(frame: pl.DataFrame, invoices: pl.DataFrame, timeline: Timeline, seed: int, purpose: str,
                    xero_column: str) -> pl.DataFrame:
    """Payments and credits follow their invoice's scope; synced when written before the window."""
    rng = stream(seed, purpose)
    window = timeline.at(timeline.window_start_date, 0.0)
    frame = frame.join(invoices.select(invoice_idx="idx", invoice_in_scope="in_scope", invoice_synced_us="synced_us"),
                       on="invoice_idx", how="left", maintain_order="left")
    frame = frame.with_columns(
        in_scope=pl.col("invoice_in_scope").fill_null(pl.col("created_us") >= timeline.at(timeline.sync_start_date, 0.0)),
        synced=pl.col("invoice_in_scope").fill_null(False) & (pl.col("created_us") < window)
        & pl.col("invoice_synced_us").is_not_null(),
    )
    after = pl.max_horizontal("created_us", "invoice_synced_us") + pl.Series(rng.integers(1, 10, frame.height)) * MINUTE
    frame = frame.with_columns(synced_us=pl.when(pl.col("synced")).then(after).otherwise(None))
    frame = frame.with_columns(sync_status=_status(pl.col("in_scope"), pl.col("synced")))
    return _with_xero_ids(frame, xero_column, rng).drop("invoice_in_scope", "invoice_synced_us")


def mark_orders(orders: pl.DataFrame, history: pl.DataFrame, timeline: Timeline, seed: int) -> pl.DataFrame:
    rng = stream(seed, "sync-orders")
    window = timeline.at(timeline.window_start_date, 0.0)
    sync_start = timeline.at(timeline.sync_start_date, 0.0)
    received = pl.col("received_us")
    frame = orders.with_columns(
        in_scope=received.is_not_null() & (received >= sync_start),
        send_on=setting_at(history, "send_purchase_orders", orders["received_us"].fill_null(0)),
    ).with_columns(synced=pl.col("in_scope") & (received < window) & pl.col("send_on"))
    frame = frame.with_columns(
        synced_us=pl.when(pl.col("synced")).then(received + pl.Series(rng.integers(5, 30, frame.height)) * MINUTE)
        .otherwise(None),
        sync_status=_status(pl.col("in_scope") | received.is_null(), pl.col("synced")),
    )
    return _with_xero_ids(frame, "xero_bill_id", rng)


def mark_adjustments(adjustments: pl.DataFrame, timeline: Timeline, seed: int) -> pl.DataFrame:
    rng = stream(seed, "sync-adjustments")
    window = timeline.at(timeline.window_start_date, 0.0)
    frame = adjustments.with_columns(in_scope=pl.col("adjustment_date") >= timeline.sync_start_date).with_columns(
        synced=pl.col("in_scope") & (pl.col("created_us") < window))
    frame = frame.with_columns(
        synced_us=pl.when(pl.col("synced")).then(pl.col("created_us") + pl.Series(rng.integers(5, 30, frame.height))
                                                 * MINUTE).otherwise(None),
        sync_status=_status(pl.col("in_scope"), pl.col("synced")),
    )
    return _with_xero_ids(frame, "xero_journal_id", rng)


def mark_cogs_journals(lines: pl.DataFrame, invoices: pl.DataFrame, history: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Which part lines get a COGS journal, and the Xero id of those already posted.

    A line gets one when it is a stock or job-ordered part line of a live, in-scope invoice
    created while "create inventory journals" was on. It is posted (has an id) when its invoice
    was synced and the line was there at the time.
    """
    rng = stream(seed, "sync-cogs")
    owner = lines["invoice_idx"]  # invoices are stored in idx order: gather their columns per line
    frame = lines.with_columns(invoice_created_us=invoices["created_us"].gather(owner),
                               invoice_synced=invoices["synced"].gather(owner),
                               invoice_in_scope=invoices["in_scope"].gather(owner), invoice_void=invoices["void"].gather(owner))
    journals_on = setting_at(history, "create_inventory_journals", frame["invoice_created_us"])
    frame = frame.with_columns(
        cogs_expected=pl.col("cogs_amount").is_not_null() & pl.col("invoice_in_scope") & ~pl.col("invoice_void")
        & journals_on & (pl.col("cogs_amount") != 0),
    ).with_columns(synced=pl.col("cogs_expected") & pl.col("invoice_synced") & ~pl.col("added_after_sync"))
    frame = _with_xero_ids(frame, "xero_cogs_journal_id", rng)
    return frame.drop("invoice_created_us", "invoice_synced", "invoice_in_scope", "invoice_void", "synced")


def reopen_applied_deposits(payments: pl.DataFrame, timeline: Timeline) -> pl.DataFrame:
    """A deposit synced as a prepayment and applied to its invoice during the window needs syncing
    again (the allocation), as Auxo marks it."""
    window = timeline.at(timeline.window_start_date, 0.0)
    return payments.with_columns(sync_status=pl.when(
        (pl.col("kind") == "deposit") & pl.col("synced") & (pl.col("applied_us") >= window))
        .then(pl.lit("pending")).otherwise(pl.col("sync_status")))
