"""The planted cases: specific documents forced to be what a sync must get right.

Chosen from the drawn invoices with a seeded stream and forced *before* lines and payments are
drawn, so every planted invoice is consistent throughout (an unpaid plant gets no payment).
Window plants are unsynced documents the backfill meets (sync errors, a customer waiting for
review, and at least one of every messy kind of document); synced plants are already in Xero and
get a Xero-side action during the window. Synced plants are dated after the period lock date, as
a Xero user could only change them there.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from sandbox.generator.randomness import stream
from sandbox.generator.timeline import US_PER_HOUR, Timeline

UNPAID = {"pattern": "unpaid", "deposit": False, "credit": False, "void": False}
WINDOW_PLANTS: dict[str, dict[str, object]] = {
    "number_clash": UNPAID,  # its number is already used by an invoice made in Xero
    "locked_period": UNPAID,  # dated before Xero's period lock date
    "archived_contact": UNPAID,  # its customer's Xero contact was archived
    "review_contact": UNPAID,  # its customer only matches a Xero contact by name
    "inclusive_freight_discount": {"inclusive": True, "freight": True, "discount": True, "void": False},
    "deposit_in_window": {"deposit": True, "pattern": "counter", "credit": False, "void": False,
                          "second_labour": True, "part_lines": 3},
    "part_payment_in_window": {"pattern": "part", "deposit": False, "credit": False, "void": False},
    "credit_in_window": {"credit": True, "pattern": "account", "deposit": False, "void": False},
    "job_po_in_window": {"has_job_po": True, "void": False, "part_lines": 2},
    "direct_part_in_window": {"has_job_po": False, "void": False, "part_lines": 2},
    "journals_off": {"has_job_po": True, "void": False, "part_lines": 2},  # created while COGS journals were off
}
SYNCED_PLANTS: dict[str, dict[str, object]] = {
    "xero_payment": UNPAID,  # paid in Xero
    "xero_credit_allocation": UNPAID,  # a Xero credit note allocated to it
    "xero_edited_total": UNPAID,  # a line added in Xero
    "xero_voided_invoice": UNPAID,  # voided in Xero
    "auxo_edited_after_sync": UNPAID,  # a line added in Auxo after it was synced
    "xero_deleted_payment": {"pattern": "counter", "deposit": False, "credit": False, "void": False},
}


def lock_date(timeline: Timeline) -> date:
    """Xero's period lock date: three days before the window (after the sync start)."""
    return timeline.window_start_date - timedelta(days=3)


def journals_off_moments(timeline: Timeline) -> tuple[int, int]:
    """"Create inventory journals" is switched off and on again on the window's first afternoon."""
    return timeline.at(timeline.window_start_date, 13.0), timeline.at(timeline.window_start_date, 15.0)


def send_orders_off_moment(timeline: Timeline) -> int:
    """"Send purchase orders" is switched off at noon on the last day (and stays off)."""
    return timeline.at(timeline.end_date, 12.0)


def plant_invoices(invoices: pl.DataFrame, customers: pl.DataFrame, vehicles: pl.DataFrame,
                   timeline: Timeline, seed: int) -> pl.DataFrame:
    rng = stream(seed, "plants")
    columns = {name: invoices[name].to_numpy().copy() for name in invoices.columns}
    taken = np.zeros(invoices.height, bool)
    lock_day = timeline.day_index(lock_date(timeline))
    phase, day = columns["phase"], columns["day"]
    first_vehicle = vehicles.group_by("customer_idx").agg(pl.col("idx").min()).sort("customer_idx")
    vehicle_of = dict(zip(first_vehicle["customer_idx"].to_list(), first_vehicle["idx"].to_list(), strict=True))
    cases = customers["case"].to_numpy()
    kinds = customers["kind"].to_numpy()

    def pick(name: str, mask: np.ndarray, forced: dict[str, object]) -> int:
        candidates = np.flatnonzero(mask & ~taken)
        if len(candidates) == 0:
            raise ValueError(f"no invoice can carry the planted case {name!r}: the profile is too small")
        row = int(candidates[rng.integers(0, len(candidates))])
        taken[row] = True
        columns["planted"][row] = name
        for column, value in forced.items():
            columns[column][row] = max(columns[column][row], value) if column == "part_lines" else value
        return row

    for name, forced in SYNCED_PLANTS.items():
        pick(name, (phase == "synced") & (day > lock_day), forced)
    window = phase == "window"
    for name, forced in WINDOW_PLANTS.items():
        mask = window & columns["inclusive"] if name == "inclusive_freight_discount" else window
        row = pick(name, mask, forced)
        new_customer = {"archived_contact": "archived_linked", "review_contact": "name_only"}.get(name)
        if new_customer:
            customer = int(np.flatnonzero(cases == new_customer)[0])
            columns["customer_idx"][row] = customer
            columns["vehicle_idx"][row] = vehicle_of[customer]
            columns["inclusive"][row] = kinds[customer] == "individual"
        if name == "journals_off":
            off, on = journals_off_moments(timeline)
            columns["created_us"][row] = off + (on - off) // 2
            columns["job_created_us"][row] = columns["created_us"][row] - 2 * US_PER_HOUR
            columns["day"][row] = timeline.day_index(timeline.window_start_date)
    planted = _frame(columns, invoices.schema)
    return planted.sort("created_us", "idx").with_columns(idx=pl.int_range(pl.len()))


def plant_orders(orders: pl.DataFrame, timeline: Timeline, seed: int) -> pl.DataFrame:
    """Stock POs received in the window: one with freight and +1c rounding, one with −1c, and one
    received after "send purchase orders" was switched off."""
    rng = stream(seed, "order-plants")
    columns = {name: orders[name].to_numpy().copy() for name in orders.columns}
    window_start = timeline.at(timeline.window_start_date, 0.0)
    last_day = timeline.at(timeline.end_date, 0.0)
    off = send_orders_off_moment(timeline)
    candidates = np.flatnonzero((columns["kind"] == "stock") & (columns["created_us"] >= window_start)
                                & (columns["created_us"] < off - US_PER_HOUR))
    if len(candidates) < 3:
        raise ValueError("the profile makes too few stock purchase orders in the window to plant")
    chosen = rng.choice(candidates, 3, replace=False)
    for row, (name, freight, rounding) in zip(chosen.tolist(), [("freight_rounding_up", 2_450, 1),
                                                                 ("rounding_down", 0, -1),
                                                                 ("received_after_send_off", 1_200, 0)], strict=True):
        columns["planted"][row] = name
        columns["freight"][row] = freight
        columns["rounding"][row] = rounding
        if name == "received_after_send_off":
            columns["received_us"][row] = max(off + 2 * US_PER_HOUR, last_day + 14 * US_PER_HOUR)
        else:
            columns["received_us"][row] = columns["created_us"][row] + 2 * US_PER_HOUR
    return _frame(columns, orders.schema)


def _frame(columns: dict[str, np.ndarray], schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame([pl.Series(name, values.tolist() if values.dtype == object else values, dtype=schema[name])
                         for name, values in columns.items()])
