"""Field-level changes between linked Auxo and Xero contacts, and who wins.

For every linked pair and mapped field, the two sides' comparison keys (``values.py``) are set
against the **baseline**: each side's value when the field was last *settled* — both sides showed
the same value, or a rule accepted the difference (an email blank in Auxo beside Xero's). The
baseline moves only on what is observed, never on what a plan intends: a write still on its way is
planned again with the same payload (so the same idempotency key) instead of being taken for an
edit, and the sync's own writes never look like a person's (they bump Xero's ``UpdatedDateUTC``
and Auxo's ``updated_at``, but they make the two sides agree). A field whose sides have not moved
off their baseline is settled and is no change, even when the two differ by rule.

Rules, in order (``models.RULES``):

1. the mapping fixes a direction (``to_xero`` / ``to_auxo``): that side wins;
2. a side moved off the baseline and the other did not: that edit goes to the other side;
3. both moved: the later edit wins — Auxo's ``edited_at`` (business edits only) against Xero's
   ``UpdatedDateUTC``; at the same moment Auxo, the master, wins;
4. no baseline yet for the pair (it was linked before this sync kept one): the record timestamps
   say who moved since Auxo last recorded a sync with this contact (``synced_at``): Auxo if it was
   edited after it (or is ``pending``), Xero if its ``UpdatedDateUTC`` is after it. If only one
   moved, its values win. If both moved, nothing says which of them touched *this* field (Xero's
   timestamp also moves for changes that are not field edits), so Auxo, the master, wins;
5. no baseline and nothing tells (never synced with it, or neither moved): Auxo is the master;
6. without a baseline a blank never clears a value — it is filled from the other side instead —
   and with ``pull_edits_from_xero`` off, Auxo wins wherever Xero would have and a blank in Auxo
   is left as it is;
7. finally, a value blank in Auxo never removes Xero's value on a field marked
   ``blank_in_auxo_keeps_xero`` (email): that change goes nowhere, and it is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from mappings.loader import ContactField

PAIR_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String,
    "xero_contact_id": pl.String,       # the Xero contact compared and written (a merged one's survivor)
    "auxo_link_id": pl.String,          # the Xero id Auxo records (null until the link is written)
    "auxo_edited_at": pl.Datetime("us", "UTC"), "xero_updated_at": pl.Datetime("us", "UTC"),
    "auxo_synced_at": pl.Datetime("us", "UTC"),  # when Auxo last recorded a sync of this record
    "auxo_pending": pl.Boolean,                  # Auxo says it was edited since (sync_status pending)
}
BASELINE_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "xero_contact_id": pl.String,
    "field": pl.String, "auxo_value": pl.String, "xero_value": pl.String,  # comparison keys, as last settled
}
CHANGE_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "xero_contact_id": pl.String,
    "field": pl.String, "auxo_value": pl.String, "xero_value": pl.String, "auxo_baseline": pl.String,
    "xero_baseline": pl.String,
    "has_baseline": pl.Boolean, "auxo_edited_at": pl.Datetime("us", "UTC"),
    "xero_updated_at": pl.Datetime("us", "UTC"), "direction": pl.String, "rule": pl.String,
}
PAIR_KEYS = ["connection_id", "kind", "auxo_id", "xero_contact_id"]
TO_XERO_RULES = ("always_to_xero", "first_sync_auxo_master", "auxo_changed", "both_changed_auxo_later",
                 "both_moved_auxo_master")


@dataclass(frozen=True)
class ChangeSet:
    """``changes``: CHANGE_SCHEMA, one row per pair and differing field; ``baseline``:
    BASELINE_SCHEMA, the agreed values after this comparison (to keep for the next one)."""

    changes: pl.DataFrame
    baseline: pl.DataFrame


def _field_rules(fields: Sequence[ContactField]) -> pl.DataFrame:
    return pl.DataFrame({"field": [f.auxo for f in fields], "fixed": [f.direction for f in fields],
                         "keeps_xero": [f.blank_in_auxo_keeps_xero for f in fields]},
                        schema={"field": pl.String, "fixed": pl.String, "keeps_xero": pl.Boolean})


def detect_changes(pairs: pl.DataFrame, auxo_vals: pl.DataFrame, xero_vals: pl.DataFrame, baseline: pl.DataFrame,
                   fields: Sequence[ContactField], *, pull_from_xero: bool = True) -> ChangeSet:
    """Compare every pair on every mapped field; decide direction and rule (module docstring).

    ``pairs``: PAIR_SCHEMA; ``auxo_vals``/``xero_vals``: from ``values.auxo_values`` /
    ``values.xero_values``; ``baseline``: BASELINE_SCHEMA (the previous run's).
    """
    auxo_side = auxo_vals.select("connection_id", "kind", "auxo_id", "field", auxo_value="value", auxo_key="key")
    xero_side = xero_vals.select("connection_id", "field", xero_contact_id="contact_id", xero_value="value",
                                 xero_key="key")
    known = baseline.select(*PAIR_KEYS, "field", auxo_baseline="auxo_value", xero_baseline="xero_value",
                            has_baseline=pl.lit(True))
    grid = (pairs.select(list(PAIR_SCHEMA)).join(auxo_side, on=["connection_id", "kind", "auxo_id"])
            .join(xero_side, on=["connection_id", "xero_contact_id", "field"], how="left")
            .join(known, on=[*PAIR_KEYS, "field"], how="left")
            .join(_field_rules(fields), on="field")
            .with_columns(has_baseline=pl.col("has_baseline").fill_null(False),
                          agree=pl.col("auxo_key").eq_missing(pl.col("xero_key"))))

    base = pl.col("has_baseline")
    since = pl.col("auxo_synced_at")
    by_stamps = ~base & since.is_not_null()
    auxo_moved = pl.when(base).then(pl.col("auxo_key").ne_missing(pl.col("auxo_baseline"))).otherwise(
        pl.col("auxo_pending").fill_null(False) | (pl.col("auxo_edited_at") > since).fill_null(False))
    xero_moved = pl.when(base).then(pl.col("xero_key").ne_missing(pl.col("xero_baseline"))).otherwise(
        (pl.col("xero_updated_at") > since).fill_null(False))
    auxo_later = pl.when(pl.col("xero_updated_at").is_null()).then(True).otherwise(
        (pl.col("auxo_edited_at") >= pl.col("xero_updated_at")).fill_null(False))
    rule = (pl.when(pl.col("fixed") == "to_xero").then(pl.lit("always_to_xero"))
            .when(pl.col("fixed") == "to_auxo").then(pl.lit("always_to_auxo"))
            .when((base | by_stamps) & auxo_moved & ~xero_moved).then(pl.lit("auxo_changed"))
            .when((base | by_stamps) & xero_moved & ~auxo_moved).then(pl.lit("xero_changed"))
            .when(base & auxo_moved & xero_moved & auxo_later).then(pl.lit("both_changed_auxo_later"))
            .when(base & auxo_moved & xero_moved).then(pl.lit("both_changed_xero_later"))
            .when(by_stamps & auxo_moved & xero_moved).then(pl.lit("both_moved_auxo_master"))
            .otherwise(pl.lit("first_sync_auxo_master")))
    settled = pl.col("agree") | (base & ~auxo_moved & ~xero_moved)
    changes = grid.filter(~settled).with_columns(rule=rule)
    if not pull_from_xero:
        changes = changes.with_columns(
            rule=pl.when(pl.col("rule").is_in(list(TO_XERO_RULES))).then(pl.col("rule"))
            .otherwise(pl.lit("always_to_xero")))
    # without a baseline a blank never clears: the other side's value fills it
    auxo_blank = pl.col("auxo_key").is_null() & pl.col("xero_key").is_not_null()
    xero_blank = pl.col("xero_key").is_null() & pl.col("auxo_key").is_not_null()
    to_xero = pl.col("rule").is_in(list(TO_XERO_RULES))
    keeps = pl.col("keeps_xero") & auxo_blank & to_xero
    nobody_moved = pl.col("rule") == "first_sync_auxo_master"  # a blank here is no one's edit: fill it
    changes = changes.with_columns(rule=(
        pl.when(~base & auxo_blank & nobody_moved & (pl.col("fixed") == "both")).then(
            pl.lit("pull_from_xero_off" if not pull_from_xero else "first_sync_fill_from_xero"))
        .when(keeps).then(pl.lit("blank_in_auxo_keeps_xero"))
        .when(~base & auxo_blank & to_xero & (pl.col("fixed") == "both")).then(
            pl.lit("pull_from_xero_off" if not pull_from_xero else "first_sync_fill_from_xero"))
        .when(~base & xero_blank & ~to_xero & (pl.col("fixed") == "both")).then(pl.lit("first_sync_auxo_master"))
        .otherwise("rule")))
    changes = changes.with_columns(
        direction=pl.when(pl.col("rule").is_in(list(TO_XERO_RULES))).then(pl.lit("to_xero"))
        .when(pl.col("rule").is_in(["blank_in_auxo_keeps_xero", "pull_from_xero_off"])).then(pl.lit("none"))
        .otherwise(pl.lit("to_auxo")))
    # settled now: both sides agree, or a rule accepts their difference (nothing is written)
    now_settled = pl.concat([
        grid.filter(pl.col("agree")).select(*PAIR_KEYS, "field", auxo_value="auxo_key", xero_value="xero_key"),
        changes.filter(pl.col("direction") == "none").select(*PAIR_KEYS, "field", auxo_value="auxo_key",
                                                             xero_value="xero_key"),
    ])
    new_baseline = pl.concat([
        baseline.select(list(BASELINE_SCHEMA)).join(now_settled, on=[*PAIR_KEYS, "field"], how="anti"),
        now_settled,
    ]).sort(*PAIR_KEYS, "field")
    return ChangeSet(changes=changes.select(list(CHANGE_SCHEMA)).sort(*PAIR_KEYS, "field"), baseline=new_baseline)
