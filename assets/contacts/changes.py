"""Field-level changes between linked Auxo and Xero contacts, and who wins.

For every linked pair and mapped field, the two sides' comparison keys (``values.py``) are set
against the **baseline**: the value both sides last agreed on. The baseline moves only when both
sides show the same value — which is what happens once a sync write has landed — so the sync's
own writes never look like a person's edit (they bump Xero's ``UpdatedDateUTC`` and Auxo's
``updated_at``, but they make the two sides agree), and a write still on its way is planned again
with the same payload (and so the same idempotency key) instead of being taken for a new edit.

Rules, in order (``models.RULES``):

1. the mapping fixes a direction (``to_xero`` / ``to_auxo``): that side wins;
2. no baseline yet (newly linked or created): Auxo is the master — its value goes to Xero — unless
   it is blank, then Xero's value fills it (with ``pull_edits_from_xero`` off, Xero's value is
   left alone instead);
3. only one side moved off the baseline: that edit goes to the other side;
4. both moved: the later edit wins — Auxo's ``edited_at`` (business edits only) against Xero's
   ``UpdatedDateUTC``; at the same moment Auxo, the master, wins;
5. with ``pull_edits_from_xero`` off, Auxo wins wherever Xero would have;
6. finally, a value blank in Auxo never removes Xero's value on a field marked
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
}
BASELINE_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "xero_contact_id": pl.String,
    "field": pl.String, "value": pl.String,
}
CHANGE_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "xero_contact_id": pl.String,
    "field": pl.String, "auxo_value": pl.String, "xero_value": pl.String, "baseline_value": pl.String,
    "has_baseline": pl.Boolean, "auxo_edited_at": pl.Datetime("us", "UTC"),
    "xero_updated_at": pl.Datetime("us", "UTC"), "direction": pl.String, "rule": pl.String,
}
PAIR_KEYS = ["connection_id", "kind", "auxo_id", "xero_contact_id"]
TO_XERO_RULES = ("always_to_xero", "first_sync_auxo_master", "auxo_changed", "both_changed_auxo_later")


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
    known = baseline.select(*PAIR_KEYS, "field", baseline_value="value", has_baseline=pl.lit(True))
    grid = (pairs.select(list(PAIR_SCHEMA)).join(auxo_side, on=["connection_id", "kind", "auxo_id"])
            .join(xero_side, on=["connection_id", "xero_contact_id", "field"], how="left")
            .join(known, on=[*PAIR_KEYS, "field"], how="left")
            .join(_field_rules(fields), on="field")
            .with_columns(has_baseline=pl.col("has_baseline").fill_null(False),
                          agree=pl.col("auxo_key").eq_missing(pl.col("xero_key"))))

    agreed = grid.filter(pl.col("agree")).select(*PAIR_KEYS, "field", value="auxo_key")
    new_baseline = pl.concat([
        baseline.select(list(BASELINE_SCHEMA)).join(agreed, on=[*PAIR_KEYS, "field"], how="anti"),
        agreed,
    ]).sort(*PAIR_KEYS, "field")

    auxo_moved = pl.col("auxo_key").ne_missing(pl.col("baseline_value"))
    xero_moved = pl.col("xero_key").ne_missing(pl.col("baseline_value"))
    auxo_later = pl.col("auxo_edited_at") >= pl.col("xero_updated_at")
    auxo_later = pl.when(pl.col("xero_updated_at").is_null()).then(True).otherwise(auxo_later.fill_null(False))
    rule = (pl.when(pl.col("fixed") == "to_xero").then(pl.lit("always_to_xero"))
            .when(pl.col("fixed") == "to_auxo").then(pl.lit("always_to_auxo"))
            .when(~pl.col("has_baseline") & pl.col("auxo_key").is_not_null()).then(pl.lit("first_sync_auxo_master"))
            .when(~pl.col("has_baseline")).then(pl.lit("first_sync_fill_from_xero"))
            .when(auxo_moved & ~xero_moved).then(pl.lit("auxo_changed"))
            .when(xero_moved & ~auxo_moved).then(pl.lit("xero_changed"))
            .when(auxo_later).then(pl.lit("both_changed_auxo_later"))
            .otherwise(pl.lit("both_changed_xero_later")))
    changes = grid.filter(~pl.col("agree")).with_columns(rule=rule)
    if not pull_from_xero:
        changes = changes.with_columns(
            rule=pl.when(pl.col("rule") == "first_sync_fill_from_xero").then(pl.lit("pull_from_xero_off"))
            .when(pl.col("rule").is_in(list(TO_XERO_RULES))).then(pl.col("rule"))
            .otherwise(pl.lit("always_to_xero")))
    keeps = (pl.col("keeps_xero") & pl.col("auxo_key").is_null() & pl.col("xero_key").is_not_null()
             & pl.col("rule").is_in(list(TO_XERO_RULES)))
    changes = changes.with_columns(rule=pl.when(keeps).then(pl.lit("blank_in_auxo_keeps_xero")).otherwise("rule"))
    changes = changes.with_columns(
        direction=pl.when(pl.col("rule").is_in(list(TO_XERO_RULES))).then(pl.lit("to_xero"))
        .when(pl.col("rule").is_in(["blank_in_auxo_keeps_xero", "pull_from_xero_off"])).then(pl.lit("none"))
        .otherwise(pl.lit("to_auxo")))
    return ChangeSet(changes=changes.select(list(CHANGE_SCHEMA)).sort(*PAIR_KEYS, "field"), baseline=new_baseline)
