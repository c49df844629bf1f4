"""A part's average cost at a moment, for many moments at once.

Auxo keeps every change of a part's average cost in ``part-cost-history``: **the cost at a moment
t is the ``average_cost`` of the part's latest entry with ``effective_at <= t``**. A COGS journal
uses the cost at the moment its invoice was created, never today's cost, so a receipt after the
invoice (which moves the average) does not change the journal.

One backward as-of join by part (polars ``join_asof``) answers it for every line of a day, or of
a year, at once.
"""

from __future__ import annotations

import polars as pl

from assets.inventory.amounts import Money

HISTORY_SCHEMA = {"part_id": pl.String, "effective_at": pl.Datetime("us", "UTC"), "average_cost": Money,
                  "id": pl.String}


def cost_at(frame: pl.DataFrame, history: pl.DataFrame, *, part: str = "part_id", moment: str = "moment",
            name: str = "unit_cost") -> pl.DataFrame:
    """``frame`` (in its order) with ``name``: the average cost of ``part`` at ``moment``.

    Null when the part has no cost entry at or before the moment (or the part or moment is
    missing): the caller reports it instead of guessing a cost. ``history`` needs ``part_id``,
    ``effective_at``, ``average_cost`` and ``id``. Two entries at one instant (two lines of one receipt
    for the same part) are ordered as Auxo lists them, by ``(updated_at = effective_at, id)``: the later
    id is the latest entry.
    """
    entries = (history.select(pl.col("part_id").alias("_part"),
                              pl.col("effective_at").cast(pl.Datetime("us", "UTC")).alias("_at"),
                              pl.col("average_cost").cast(Money).alias("_cost"), pl.col("id").alias("_id"))
               .drop_nulls(["_part", "_at"])
               .sort("_part", "_at", "_id")
               .unique(["_part", "_at"], keep="last", maintain_order=True)
               .sort("_at"))
    left = frame.with_row_index("_row").with_columns(
        pl.col(part).alias("_part"), pl.col(moment).cast(pl.Datetime("us", "UTC")).alias("_at"))
    known = left.filter(pl.col("_part").is_not_null() & pl.col("_at").is_not_null()).sort("_at")
    joined = known.join_asof(entries.drop("_id"), on="_at", by="_part", strategy="backward",
                             check_sortedness=False)  # both sorted by _at above
    costs = joined.select("_row", pl.col("_cost").alias(name))
    return (left.join(costs, on="_row", how="left").sort("_row")
            .drop("_row", "_part", "_at"))
