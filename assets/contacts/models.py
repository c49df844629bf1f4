"""What the match set, the review queue and the change set must satisfy before anything is stored."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from assets.contacts.matching import DECISIONS, KINDS

DIRECTIONS = ("to_xero", "to_auxo", "none")
RULES = (
    "auxo_changed",             # only Auxo changed since the last sync
    "xero_changed",             # only Xero changed since the last sync
    "both_changed_auxo_later",  # both changed: Auxo's edit is the later one (or the same moment: Auxo is master)
    "both_changed_xero_later",  # both changed: Xero's edit is the later one
    "both_moved_auxo_master",   # no baseline, both records moved since the last sync: Auxo, the master, wins
    "first_sync_auxo_master",   # newly linked, values differ: Auxo is the master
    "first_sync_fill_from_xero",  # newly linked, blank in Auxo: filled from Xero
    "blank_in_auxo_keeps_xero",  # Auxo's value is blank and this field never removes Xero's
    "always_to_xero",           # the mapping says Auxo always wins for this field
    "always_to_auxo",           # the mapping says Xero always wins for this field
    "pull_from_xero_off",       # newly linked, blank in Auxo, and edits from Xero are switched off: left alone
    "name_taken_in_xero",       # Auxo's name is another active Xero contact's: held back (Xero would refuse it)
)
NO_WRITE_RULES = ("blank_in_auxo_keeps_xero", "pull_from_xero_off", "name_taken_in_xero")


class _Strict(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = False


class ContactMatchModel(_Strict):
    """``plans.contact_matches``: one row per Auxo customer and supplier."""

    connection_id: str = pa.Field(str_length={"min_value": 1})
    kind: str = pa.Field(isin=list(KINDS))
    auxo_id: str = pa.Field(str_length={"min_value": 1})
    ref: str
    name: str = pa.Field(nullable=True)
    xero_contact_id: str = pa.Field(nullable=True)
    decision: str = pa.Field(isin=list(DECISIONS))
    score: pl.Int32 = pa.Field(nullable=True, ge=0, le=100)
    candidates: pl.Int32 = pa.Field(ge=0)
    matched_on: str = pa.Field(nullable=True)
    reason: str = pa.Field(str_length={"min_value": 1})

    class Config:
        unique = ["connection_id", "kind", "auxo_id"]

    @pa.dataframe_check(error="ref is not contact:<kind>:<auxo id>")
    def ref_names_the_contact(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("ref") == pl.concat_str(pl.lit("contact:"), "kind", pl.lit(":"), "auxo_id"))

    @pa.dataframe_check(error="link and linked rows name their Xero contact; review, create and skip rows do not")
    def link_rows_name_a_contact(cls, data) -> pl.LazyFrame:
        linking = pl.col("decision").is_in(["link", "linked"])
        return data.lazyframe.select(linking == pl.col("xero_contact_id").is_not_null())

    @pa.dataframe_check(error="a Xero contact is linked to two Auxo contacts of the same kind by this match")
    def one_auxo_contact_per_xero_contact_and_kind(cls, data) -> pl.LazyFrame:
        linking = pl.col("decision").is_in(["link", "linked"])
        shared = pl.col("xero_contact_id").filter(linking).count().over("connection_id", "kind", "xero_contact_id")
        return data.lazyframe.select((pl.col("decision") != "link") | (shared == 1))


class ContactReviewModel(_Strict):
    """``plans.contact_review``: what a person decides — each Auxo contact in review, with each
    candidate Xero contact (none when the problem is a name clash between new contacts)."""

    connection_id: str
    kind: str = pa.Field(isin=list(KINDS))
    auxo_id: str
    ref: str
    auxo_name: str = pa.Field(nullable=True)
    auxo_email: str = pa.Field(nullable=True)
    auxo_phone: str = pa.Field(nullable=True)
    xero_contact_id: str = pa.Field(nullable=True)
    xero_name: str = pa.Field(nullable=True)
    xero_email: str = pa.Field(nullable=True)
    xero_status: str = pa.Field(nullable=True)
    score: pl.Int32 = pa.Field(nullable=True, ge=0, le=100)
    matched_on: str = pa.Field(nullable=True)
    reason: str = pa.Field(str_length={"min_value": 1})

    class Config:
        unique = ["connection_id", "kind", "auxo_id", "xero_contact_id"]


class ContactChangeModel(_Strict):
    """``plans.contact_changes``: every field on which a linked pair differs and that is not
    settled, with both values, each side's value when it was last settled, which way it goes and
    the rule that decided it."""

    connection_id: str
    kind: str = pa.Field(isin=list(KINDS))
    auxo_id: str
    xero_contact_id: str
    field: str = pa.Field(str_length={"min_value": 1})
    auxo_value: str = pa.Field(nullable=True)
    xero_value: str = pa.Field(nullable=True)
    auxo_baseline: str = pa.Field(nullable=True)
    xero_baseline: str = pa.Field(nullable=True)
    has_baseline: bool
    auxo_edited_at: pl.Datetime("us", "UTC") = pa.Field(nullable=True)
    xero_updated_at: pl.Datetime("us", "UTC") = pa.Field(nullable=True)
    direction: str = pa.Field(isin=list(DIRECTIONS))
    rule: str = pa.Field(isin=list(RULES))

    class Config:
        unique = ["connection_id", "kind", "auxo_id", "field"]

    @pa.dataframe_check(error="a change row must differ: at least one side has a value")
    def names_a_value(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("auxo_value").is_not_null() | pl.col("xero_value").is_not_null())

    @pa.dataframe_check(error="a change goes nowhere exactly when a rule says so (blank_in_auxo_keeps_xero, "
                              "pull_from_xero_off, name_taken_in_xero)")
    def none_only_by_rule(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("direction") == "none") == pl.col("rule").is_in(list(NO_WRITE_RULES)))
