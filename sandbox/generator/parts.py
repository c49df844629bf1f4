"""The parts catalogue and the history of each part's average cost.

Receipts move a part's average cost (weighted average, ``sandbox.auxo.rules.weighted_average_cost``);
sales and adjustments only move the quantity on hand. The quantity on hand before every receipt is
a cumulative sum (vectorised); the average itself is a short loop over receipts in time order,
because each one depends on the one before.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sandbox.generator import cents
from sandbox.generator.pools import PART_KINDS, VEHICLES
from sandbox.generator.profiles import Profile
from sandbox.generator.randomness import auxo_ids, stream
from sandbox.generator.timeline import US_PER_DAY, Timeline

QTY = 10_000
FLUID_MARK = "(L)"


def build_parts(profile: Profile, timeline: Timeline, seed: int) -> pl.DataFrame:
    """Parts with a stocked flag, base cost, sell price, popularity and opening stock."""
    rng = stream(seed, "parts")
    n = profile.parts
    kind = rng.integers(0, len(PART_KINDS), n)
    stocked_share = np.array([k[1] for k in PART_KINDS])[kind]
    low = np.array([k[2][0] for k in PART_KINDS])[kind]
    high = np.array([k[2][1] for k in PART_KINDS])[kind]
    stocked = rng.random(n) < stocked_share
    cost = low + (rng.random(n) * (high - low)).astype(np.int64)
    markup = 1.35 + rng.random(n) * 0.5
    sell = (np.round(cost * markup / 5) * 5).astype(np.int64)  # sell prices end in 0 or 5 cents
    fitment = rng.integers(0, len(VEHICLES), n)
    descriptions = []
    for k, f in zip(kind.tolist(), fitment.tolist(), strict=True):
        stem = PART_KINDS[k][0]
        descriptions.append(stem if FLUID_MARK in stem else f"{stem} - {VEHICLES[f][0]} {VEHICLES[f][1]}")
    prefixes = ["".join(word[0] for word in PART_KINDS[k][0].replace("(L)", "").split()[:2]).upper() for k in kind.tolist()]
    popularity = 1.0 / (rng.permutation(n) + 10.0) ** 0.8 * np.where(stocked, 4.0, 1.0)
    opening = np.where(stocked, rng.integers(10, 80, n), 0) * QTY
    created = timeline.local_midnight_us()[0] - rng.integers(30 * US_PER_DAY, 4 * 365 * US_PER_DAY, n)
    return pl.DataFrame({
        "idx": np.arange(n), "part_number": [f"{p}-{100000 + i * 7 % 900000:06d}" for i, p in enumerate(prefixes)],
        "description": descriptions, "stocked": stocked, "base_cost": cost, "sell_price": sell,
        "fluid": np.array([FLUID_MARK in PART_KINDS[k][0] for k in kind.tolist()]), "popularity": popularity,
        "opening_qty": opening, "created_us": created,
    }).with_columns(id=auxo_ids("prt", "idx", 6))


def cost_history(parts: pl.DataFrame, receipts: pl.DataFrame, movements: pl.DataFrame) -> pl.DataFrame:
    """Every change of every part's average cost: an ``opening`` entry, then one per receipt.

    ``receipts``: ``part_idx, t_us, qty, unit_cost, order_id, order_line_id`` (received lines).
    ``movements``: ``part_idx, t_us, qty`` for everything else that moves stock (sales negative).
    """
    # on hand before each receipt: one sort of all flows by (part, time), then a cumulative sum
    part = np.concatenate([receipts["part_idx"].to_numpy(), movements["part_idx"].to_numpy()]).astype(np.int64)
    moment = np.concatenate([receipts["t_us"].to_numpy(), movements["t_us"].to_numpy()]).astype(np.int64)
    qty = np.concatenate([receipts["qty"].to_numpy(), movements["qty"].to_numpy()]).astype(np.int64)
    is_receipt = np.zeros(len(part), np.int64)
    is_receipt[: receipts.height] = 1
    start = moment.min() if len(moment) else 0
    # (part, time, receipts after other flows at the same moment) in one int64: time span < 2^45 µs (1 year+)
    order = pl.Series(((part << 45) + (moment - start)) * 2 + is_receipt).arg_sort().to_numpy()
    part_sorted = part[order]
    running = np.cumsum(qty[order])
    group_start = np.r_[True, part_sorted[1:] != part_sorted[:-1]]
    offset = np.maximum.accumulate(np.where(group_start, np.arange(len(part)), 0))
    before_group = np.where(offset > 0, running[offset - 1], 0)
    on_hand_after = np.empty(len(part), np.int64)
    on_hand_after[order] = parts["opening_qty"].to_numpy()[part_sorted] + running - before_group
    receipts = receipts.with_columns(on_hand_after=on_hand_after[: receipts.height])
    ordered = receipts.with_row_index("row").sort("part_idx", "t_us", "row")
    averages, previous = _weighted_averages(parts["base_cost"].to_numpy(), ordered)
    ordered = ordered.with_columns(average_cost=averages, previous_average_cost=previous)
    receipt_entries = ordered.select(
        "part_idx", effective_us="t_us", average_cost="average_cost", previous_average_cost="previous_average_cost",
        quantity_on_hand="on_hand_after",
        reason=pl.lit("receipt"), purchase_order_id="order_id", purchase_order_line_id="order_line_id")
    opening = parts.select(
        part_idx="idx", effective_us="created_us", average_cost="base_cost",
        previous_average_cost=pl.lit(None, pl.Int64), quantity_on_hand="opening_qty", reason=pl.lit("opening"),
        purchase_order_id=pl.lit(None, pl.String), purchase_order_line_id=pl.lit(None, pl.String))
    history = pl.concat([opening, receipt_entries]).sort("effective_us", "part_idx", "reason")
    return history.with_columns(idx=pl.int_range(pl.len())).with_columns(id=auxo_ids("pch", "idx", 9))


def _weighted_averages(base_cost: np.ndarray, ordered: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``weighted_average_cost`` along each part's receipts, all parts at once: step *r* updates
    every part's *r*-th receipt, so the loop runs as often as the busiest part has receipts."""
    part = ordered["part_idx"].to_numpy().astype(np.int64)
    n = len(part)
    received = ordered["qty"].to_numpy().astype(np.int64)
    held = np.maximum(ordered["on_hand_after"].to_numpy().astype(np.int64) - received, 0)
    cost = ordered["unit_cost"].to_numpy().astype(np.int64)
    counts = np.bincount(part, minlength=len(base_cost))
    starts = np.cumsum(counts) - counts
    rank = np.arange(n) - starts[part]
    by_rank = np.argsort(rank, kind="stable")
    rank_starts = np.r_[0, np.cumsum(np.bincount(rank))] if n else np.zeros(1, np.int64)
    average = base_cost.astype(np.int64).copy()
    new, previous = np.empty(n, np.int64), np.empty(n, np.int64)
    for r in range(len(rank_starts) - 1):
        at = by_rank[rank_starts[r]: rank_starts[r + 1]]
        p = part[at]
        previous[at] = average[p]
        weight = held[at] + received[at]
        blended = cents.div_round(held[at] * average[p] + received[at] * cost[at], np.maximum(weight, 1))
        new[at] = np.where(weight > 0, blended, cost[at])
        average[p] = new[at]
    return new, previous


def cost_at(history: pl.DataFrame, moments: pl.DataFrame) -> pl.Series:
    """The average cost of ``moments.part_idx`` at ``moments.t_us`` (latest entry at or before it).

    Entries keyed by (part, time) in one sorted uint64 array; a binary search per moment finds the
    last entry at or before it, which is the part's own (every part has an opening entry before
    anything happens to it).
    """
    start = int(min(history["effective_us"].min(), moments["t_us"].min() if moments.height else 0))

    def keys(part: pl.Series, t: pl.Series) -> np.ndarray:
        return (part.to_numpy().astype(np.uint64) << np.uint64(48)) + (t.to_numpy() - start).astype(np.uint64)

    history_keys = keys(history["part_idx"], history["effective_us"])
    order = np.argsort(history_keys, kind="stable")
    found = order[np.searchsorted(history_keys[order], keys(moments["part_idx"], moments["t_us"]), side="right") - 1]
    if moments.height and not np.array_equal(history["part_idx"].to_numpy()[found], moments["part_idx"].to_numpy()):
        raise ValueError("a moment before its part's opening cost entry")
    return pl.Series("cost", history["average_cost"].to_numpy()[found])
