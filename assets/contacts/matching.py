"""Matching Auxo customers and suppliers to the Xero contacts they already are — set-based.

An Auxo contact that is not linked yet is matched to existing Xero contacts by **name plus phone
or email**, after normalising both sides (:func:`name_key`, :func:`phone_key`, :func:`email_key`).
The OR is two equi-joins (name+phone, name+email) and a dedupe, never a join-then-filter and never
a pairwise loop; blank keys are null before joining, because empty strings match each other.

What happens to each Auxo contact (``decision``):

- ``linked``: already linked (Auxo records the Xero id, or the sync created the contact);
- ``link``: exactly one active Xero contact matches by name and phone or email, and no other Auxo
  contact of the same kind is (or would be) linked to it — a contact merged into another in Xero
  counts as the one it was merged into;
- ``review``: a person decides — several Xero contacts match; only an archived one matches; the
  only match is by name; the Xero contact is already linked to another Auxo contact of the same
  kind; or a new contact would take the same Xero name as another new one;
- ``create``: nothing in Xero looks like it: it is created there;
- ``skip``: archived in Auxo and never linked: not created.

Nothing in review is ever linked or created automatically. A person settles a review case in
``sync.contact_overrides`` (``link`` to a named Xero contact, or ``create``): the override is
applied when it is safe — the contact exists and is active (a merged one counts as the one it was
merged into), no other Auxo contact of the kind is linked to it, and a create does not take the
name of an active Xero contact (Xero would refuse it) — and otherwise stays in review saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ACTIVE = "ACTIVE"
KINDS = ("customer", "supplier")
DECISIONS = ("linked", "link", "review", "create", "skip")
MAX_MERGE_HOPS = 5
MAX_REVIEW_CANDIDATES = 10

SCORE_NAME, SCORE_PHONE, SCORE_EMAIL = 50, 25, 25

# Company-form words that say nothing about who a contact is: "Smith Motors", "SMITH MOTORS PTY. LTD."
# and "Smith Motors Pty Limited" are one name. Matched as whole trailing words after punctuation is gone.
_SUFFIX = r"(\s+(pty|proprietary|ltd|limited|inc|incorporated|corp|corporation|llc|plc|p\s+l))+$"

AUXO_INPUT_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "name": pl.String,
    "email": pl.String, "phone": pl.String, "mobile": pl.String, "archived": pl.Boolean,
    "linked_xero_id": pl.String, "link_source": pl.String,
}
XERO_INPUT_SCHEMA = {
    "connection_id": pl.String, "contact_id": pl.String, "name": pl.String, "email": pl.String,
    "status": pl.String, "merged_to_contact_id": pl.String,
}
PHONE_INPUT_SCHEMA = {"connection_id": pl.String, "contact_id": pl.String, "phone": pl.String}
OVERRIDE_SCHEMA = {"connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "action": pl.String,
                   "xero_contact_id": pl.String, "note": pl.String}
OVERRIDE_ACTIONS = ("link", "create")

MATCH_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "ref": pl.String, "name": pl.String,
    "xero_contact_id": pl.String, "decision": pl.String, "score": pl.Int32, "candidates": pl.Int32,
    "matched_on": pl.String, "reason": pl.String,
}
REVIEW_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "ref": pl.String,
    "auxo_name": pl.String, "auxo_email": pl.String, "auxo_phone": pl.String,
    "xero_contact_id": pl.String, "xero_name": pl.String, "xero_email": pl.String, "xero_status": pl.String,
    "score": pl.Int32, "matched_on": pl.String, "reason": pl.String,
}


# -- normalisation ---------------------------------------------------------------------------------

def _null_if_blank(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def name_key(expr: pl.Expr) -> pl.Expr:
    """Case, accents, spacing, punctuation, ``&``/``and`` and company suffixes ignored; blank → null."""
    text = (expr.str.normalize("NFKD").str.replace_all(r"[^\x00-\x7F]", "").str.to_lowercase()
            .str.replace_all("&", " and ", literal=True).str.replace_all(r"['`.]", "")
            .str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
            .str.replace(r"^the\s+", "").str.replace(_SUFFIX, "").str.strip_chars())
    return _null_if_blank(text)


def phone_key(expr: pl.Expr) -> pl.Expr:
    """An Australian number in its national form, whatever the spelling: ``+61 2 9876 5432``,
    ``(02) 9876 5432``, ``02 98765432`` and area code ``02`` + ``9876 5432`` are all ``0298765432``.
    Fewer than 6 digits is not a phone number (null)."""
    digits = expr.str.replace_all(r"\D", "")
    digits = pl.when(digits.str.starts_with("0011")).then(digits.str.slice(4)).otherwise(digits)
    international = digits.str.starts_with("61") & digits.str.len_chars().is_between(11, 12)
    digits = pl.when(international).then(pl.lit("0") + digits.str.slice(2).str.strip_prefix("0")).otherwise(digits)
    return pl.when(digits.str.len_chars() >= 6).then(digits).otherwise(None)


def email_key(expr: pl.Expr) -> pl.Expr:
    """Trimmed, lower-case; anything that is not ``x@y`` is null."""
    text = expr.str.strip_chars().str.to_lowercase()
    return pl.when(text.str.contains(r"^[^@\s]+@[^@\s]+$")).then(text).otherwise(None)


def exact_name_key(expr: pl.Expr) -> pl.Expr:
    """How Xero compares names for uniqueness: trimmed, spaces collapsed, any case."""
    return _null_if_blank(expr.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase())


def contact_ref_expr(kind: pl.Expr, auxo_id: pl.Expr) -> pl.Expr:
    """``contact:<kind>:<auxo id>`` as an expression (see ``links.contact_ref``)."""
    return pl.concat_str(pl.lit("contact:"), kind, pl.lit(":"), auxo_id)


# -- merges ----------------------------------------------------------------------------------------

def resolve_merges(xero: pl.DataFrame) -> pl.DataFrame:
    """Per Xero contact: the contact it now is (``effective_id``, following ``MergedToContactID``
    through up to five merges) and that contact's status (null when it is not in the data)."""
    base = xero.select("connection_id", "contact_id", "status", "merged_to_contact_id")
    nxt = base.select("connection_id", pl.col("contact_id").alias("effective_id"),
                      pl.col("merged_to_contact_id").alias("next_id"))
    current = base.select("connection_id", "contact_id",
                          effective_id=pl.coalesce("merged_to_contact_id", "contact_id"))
    for _ in range(MAX_MERGE_HOPS):
        stepped = current.join(nxt, on=["connection_id", "effective_id"], how="left").with_columns(
            effective_id=pl.coalesce("next_id", "effective_id")).drop("next_id")
        if stepped.equals(current):
            break
        current = stepped
    statuses = base.select("connection_id", pl.col("contact_id").alias("effective_id"),
                           pl.col("status").alias("effective_status"))
    return (current.join(statuses, on=["connection_id", "effective_id"], how="left")
            .with_columns(merged=pl.col("effective_id") != pl.col("contact_id")))


# -- candidates ------------------------------------------------------------------------------------

def _auxo_keys(auxo: pl.DataFrame) -> pl.DataFrame:
    return auxo.with_columns(name_n=name_key(pl.col("name")), email_n=email_key(pl.col("email")))


def _xero_keys(xero: pl.DataFrame) -> pl.DataFrame:
    return xero.with_columns(name_n=name_key(pl.col("name")), email_n=email_key(pl.col("email")))


def strong_candidates(auxo: pl.DataFrame, xero: pl.DataFrame, phones: pl.DataFrame) -> pl.DataFrame:
    """(Auxo contact, Xero contact) pairs with the same name key and a phone or email key in common.

    ``auxo`` and ``xero`` carry ``name_n``/``email_n`` keys. Two equi-joins, then one row per pair
    with ``by_phone``/``by_email`` flags.
    """
    auxo_phones = (auxo.filter(pl.col("name_n").is_not_null())
                   .select("connection_id", "kind", "auxo_id", "name_n",
                           phone_n=pl.concat_list(phone_key(pl.col("phone")), phone_key(pl.col("mobile"))))
                   .explode("phone_n").drop_nulls("phone_n").unique())
    xero_phones = (phones.select("connection_id", "contact_id", phone_n=phone_key(pl.col("phone")))
                   .drop_nulls("phone_n")
                   .join(xero.select("connection_id", "contact_id", "name_n").drop_nulls("name_n"),
                         on=["connection_id", "contact_id"])
                   .unique())
    by_phone = auxo_phones.join(xero_phones, on=["connection_id", "name_n", "phone_n"]).select(
        "connection_id", "kind", "auxo_id", "contact_id", by_phone=pl.lit(True), by_email=pl.lit(False))
    by_email = (auxo.drop_nulls(["name_n", "email_n"]).select("connection_id", "kind", "auxo_id", "name_n", "email_n")
                .join(xero.drop_nulls(["name_n", "email_n"]).select("connection_id", "contact_id", "name_n", "email_n"),
                      on=["connection_id", "name_n", "email_n"])
                .select("connection_id", "kind", "auxo_id", "contact_id", by_phone=pl.lit(False),
                        by_email=pl.lit(True)))
    return (pl.concat([by_phone, by_email])
            .group_by("connection_id", "kind", "auxo_id", "contact_id")
            .agg(pl.col("by_phone").any(), pl.col("by_email").any()))


def _matched_on(by_phone: pl.Expr, by_email: pl.Expr) -> pl.Expr:
    return (pl.when(by_phone & by_email).then(pl.lit("name+phone+email"))
            .when(by_phone).then(pl.lit("name+phone")).when(by_email).then(pl.lit("name+email"))
            .otherwise(pl.lit("name")))


def _score(by_phone: pl.Expr, by_email: pl.Expr) -> pl.Expr:
    return (pl.lit(SCORE_NAME) + pl.when(by_phone).then(SCORE_PHONE).otherwise(0)
            + pl.when(by_email).then(SCORE_EMAIL).otherwise(0)).cast(pl.Int32)


# -- the decision ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MatchResult:
    """``matches``: one row per Auxo contact (MATCH_SCHEMA); ``review``: one row per Auxo contact
    in review and candidate Xero contact (REVIEW_SCHEMA)."""

    matches: pl.DataFrame
    review: pl.DataFrame


def _typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.items() if name not in frame.columns]
    return frame.with_columns(missing).select([pl.col(n).cast(t) for n, t in schema.items()])


def match_contacts(auxo: pl.DataFrame, xero: pl.DataFrame, phones: pl.DataFrame,
                   overrides: pl.DataFrame | None = None) -> MatchResult:
    """Decide, for every Auxo contact, link / review / create (see the module docstring).

    ``auxo``: AUXO_INPUT_SCHEMA (customers and suppliers; ``linked_xero_id`` set when already
    linked); ``xero``: XERO_INPUT_SCHEMA (every contact, archived and merged ones included);
    ``phones``: PHONE_INPUT_SCHEMA (every phone of every Xero contact); ``overrides``:
    OVERRIDE_SCHEMA, a person's decisions for contacts not linked yet.
    """
    auxo = _auxo_keys(_typed(auxo, AUXO_INPUT_SCHEMA))
    xero = _typed(xero, XERO_INPUT_SCHEMA)
    merges = resolve_merges(xero)
    xero = _xero_keys(xero).join(merges.drop("merged"), on=["connection_id", "contact_id"], how="left")
    phones = _typed(phones, PHONE_INPUT_SCHEMA)
    keys = ["connection_id", "kind", "auxo_id"]

    linked = auxo.filter(pl.col("linked_xero_id").is_not_null())
    unlinked = auxo.filter(pl.col("linked_xero_id").is_null())

    # Xero contacts already taken by an Auxo contact of the same kind (as linked, and as merged into)
    taken = (linked.select("connection_id", "kind", pl.col("auxo_id").alias("taken_by"),
                           pl.col("linked_xero_id").alias("contact_id"))
             .join(merges.select("connection_id", "contact_id", "effective_id"), on=["connection_id", "contact_id"],
                   how="left"))
    taken = pl.concat([taken.select("connection_id", "kind", "taken_by", target="contact_id"),
                       taken.drop_nulls("effective_id").select("connection_id", "kind", "taken_by",
                                                               target="effective_id")]).unique(
        ["connection_id", "kind", "target"], keep="first", maintain_order=True)

    # a person's decisions first: they take their Xero contact before any automatic match does
    chosen = unlinked.join(_typed(overrides if overrides is not None else pl.DataFrame(), OVERRIDE_SCHEMA)
                           .filter(pl.col("action").is_in(list(OVERRIDE_ACTIONS)))
                           .unique(keys, keep="last", maintain_order=True)
                           .select(*keys, "action", "note", chosen_id="xero_contact_id"), on=keys)
    unlinked = unlinked.join(chosen.select(*keys), on=keys, how="anti")
    forced = (chosen.filter(pl.col("action") == "link")
              .join(xero.select("connection_id", chosen_id="contact_id", target="effective_id",
                                target_status="effective_status"), on=["connection_id", "chosen_id"], how="left")
              .join(taken, on=["connection_id", "kind", "target"], how="left")
              .with_columns(contested=pl.len().over("connection_id", "kind", "target") > 1))
    forced_ok = forced.filter((pl.col("target_status") == ACTIVE) & pl.col("taken_by").is_null()
                              & ~pl.col("contested"))
    person = pl.lit(" (decided by a person") + pl.when(pl.col("note").is_not_null()).then(
        pl.lit(": ") + pl.col("note")).otherwise(pl.lit("")) + pl.lit(")")
    forced_links = forced_ok.select(*keys, "target", reason=pl.lit("linked to Xero contact ") + pl.col("chosen_id")
                                    + person)
    forced_review = forced.join(forced_ok.select(*keys), on=keys, how="anti").select(
        *keys, reason=pl.lit("the override links Xero contact ") + pl.col("chosen_id")
        + pl.when(pl.col("target_status").is_null()).then(pl.lit(", which is not in Xero's data"))
        .when(pl.col("target_status") != ACTIVE).then(pl.lit(", which is ") + pl.col("target_status"))
        .when(pl.col("taken_by").is_not_null()).then(pl.lit(", already linked to ") + pl.col("kind") + pl.lit(" ")
                                                     + pl.col("taken_by"))
        .otherwise(pl.lit(", which another override links too")) + pl.lit("; fix sync.contact_overrides"))
    taken = pl.concat([taken, forced_ok.select("connection_id", "kind", taken_by="auxo_id", target="target")])
    active_names = xero.filter(pl.col("status") == ACTIVE).select(
        "connection_id", exact=exact_name_key(pl.col("name"))).drop_nulls().unique()
    forced_new = chosen.filter(pl.col("action") == "create").with_columns(exact=exact_name_key(pl.col("name")))
    name_taken = forced_new.join(active_names, on=["connection_id", "exact"], how="semi")
    forced_creates = forced_new.join(name_taken.select(*keys), on=keys, how="anti")
    forced_review = pl.concat([forced_review, name_taken.select(
        *keys, reason=pl.lit("the override creates it, but an active Xero contact already has this name and Xero "
                             "refuses a second one; rename it in Auxo or link it instead"))])

    strong = strong_candidates(unlinked, xero, phones).join(
        xero.select("connection_id", "contact_id", "effective_id", "effective_status"),
        on=["connection_id", "contact_id"], how="left",
    ).with_columns(active=pl.col("effective_status") == ACTIVE, score=_score(pl.col("by_phone"), pl.col("by_email")),
                   matched_on=_matched_on(pl.col("by_phone"), pl.col("by_email")))

    per_contact = strong.group_by(*keys).agg(
        targets=pl.col("effective_id").filter(pl.col("active")).unique(),
        inactive=pl.col("contact_id").filter(~pl.col("active")).unique(),
        score=pl.col("score").filter(pl.col("active")).max(),
        matched_on=pl.col("matched_on").sort_by(pl.col("active"), pl.col("score")).last(),
        candidates=pl.len(),
    ).with_columns(n_targets=pl.col("targets").list.len(), n_inactive=pl.col("inactive").list.len())

    proposed = (per_contact.filter(pl.col("n_targets") == 1)
                .with_columns(target=pl.col("targets").list.first())
                .join(taken, on=["connection_id", "kind", "target"], how="left")
                .with_columns(contested=pl.len().over("connection_id", "kind", "target") > 1))
    links = proposed.filter(pl.col("taken_by").is_null() & ~pl.col("contested"))
    links = links.with_columns(
        reason=pl.lit("one active Xero contact matches by ") + pl.col("matched_on")
        + pl.when(pl.col("n_inactive") > 0).then(pl.lit("; archived look-alikes ignored: ")
                                                 + pl.col("inactive").list.join(", ")).otherwise(pl.lit("")))
    merged_links = links.join(
        strong.filter(pl.col("active") & (pl.col("contact_id") != pl.col("effective_id")))
        .group_by(*keys).agg(merged_from=pl.col("contact_id").unique().sort()),
        on=keys, how="left")
    links = merged_links.with_columns(
        reason=pl.col("reason") + pl.when(pl.col("merged_from").is_not_null()).then(
            pl.lit("; matched ") + pl.col("merged_from").list.join(", ") + pl.lit(", merged in Xero into it"))
        .otherwise(pl.lit("")))

    review_reason = (
        pl.when(pl.col("n_targets") > 1).then(pl.lit("several active Xero contacts match by name and phone or email"))
        .when(pl.col("n_targets") == 0).then(pl.lit("only archived Xero contacts match; restore one in Xero or "
                                                     "tell the sync which to use"))
        .otherwise(pl.lit("")))
    strong_review = pl.concat([
        per_contact.filter(pl.col("n_targets") != 1).select(*keys, reason=review_reason),
        proposed.filter(pl.col("taken_by").is_not_null()).select(
            *keys, reason=pl.lit("the matching Xero contact is already linked to ") + pl.col("kind")
            + pl.lit(" ") + pl.col("taken_by")),
        proposed.filter(pl.col("taken_by").is_null() & pl.col("contested")).select(
            *keys, reason=pl.lit("the matching Xero contact also matches another Auxo ") + pl.col("kind")),
    ])

    # no strong match: a name-only look-alike goes to review, nothing at all is created
    rest = unlinked.join(per_contact.select(*keys), on=keys, how="anti")
    name_only = (rest.drop_nulls("name_n").select(*keys, "name_n")
                 .join(xero.drop_nulls("name_n").select("connection_id", "contact_id", "name_n"),
                       on=["connection_id", "name_n"])
                 .select(*keys, "contact_id", by_phone=pl.lit(False), by_email=pl.lit(False)))
    name_only_review = name_only.select(*keys).unique().with_columns(
        reason=pl.lit("same name as an existing Xero contact, but no phone or email in common"))

    fresh = rest.join(name_only.select(*keys).unique(), on=keys, how="anti")
    skipped = fresh.filter(pl.col("archived").fill_null(False))
    creates = pl.concat([
        fresh.filter(~pl.col("archived").fill_null(False)).with_columns(exact=exact_name_key(pl.col("name"))),
        forced_creates.select(*fresh.columns, "exact"),
    ]).sort("connection_id", "kind", "auxo_id")
    clash = creates.with_columns(
        first=pl.col("auxo_id").first().over("connection_id", "exact"),
        first_kind=pl.col("kind").first().over("connection_id", "exact"))
    clash = clash.filter(pl.col("exact").is_not_null()
                         & ((pl.col("first") != pl.col("auxo_id")) | (pl.col("first_kind") != pl.col("kind"))))
    clash_review = clash.select(*keys, reason=pl.lit("a new Xero contact of the same name is created for ")
                                + pl.col("first_kind") + pl.lit(" ") + pl.col("first")
                                + pl.lit(" (Xero names are unique); rename one in Auxo or link them by hand"))
    creates = creates.join(clash.select(*keys), on=keys, how="anti")

    reviews = pl.concat([strong_review, name_only_review, clash_review, forced_review])
    matches = pl.concat([
        _typed(linked.select(*keys, "name", xero_contact_id="linked_xero_id", decision=pl.lit("linked"),
                             reason=pl.when(pl.col("link_source") == "created").then(pl.lit("created in Xero by the sync"))
                             .otherwise(pl.lit("linked in Auxo"))), MATCH_SCHEMA),
        _typed(links.join(auxo.select(*keys, "name"), on=keys).select(
            *keys, "name", "score", "candidates", "matched_on", "reason", xero_contact_id="target",
            decision=pl.lit("link")), MATCH_SCHEMA),
        _typed(forced_links.join(auxo.select(*keys, "name"), on=keys).select(
            *keys, "name", "reason", xero_contact_id="target", decision=pl.lit("link"),
            matched_on=pl.lit("person")), MATCH_SCHEMA),
        _typed(reviews.join(auxo.select(*keys, "name"), on=keys).select(*keys, "name", "reason", decision=pl.lit("review")),
               MATCH_SCHEMA),
        _typed(creates.join(forced_creates.select(*keys, "note", forced=pl.lit(True)), on=keys, how="left").select(
            *keys, "name", decision=pl.lit("create"),
            reason=pl.when(pl.col("forced")).then(pl.lit("created") + person)
            .otherwise(pl.lit("no Xero contact has this name"))), MATCH_SCHEMA),
        _typed(skipped.select(*keys, "name", decision=pl.lit("skip"),
                              reason=pl.lit("archived in Auxo and never linked: not created in Xero")), MATCH_SCHEMA),
    ]).with_columns(ref=contact_ref_expr(pl.col("kind"), pl.col("auxo_id")))

    review_candidates = pl.concat([
        strong.join(reviews.select(*keys), on=keys, how="semi").select(*keys, "contact_id", "by_phone", "by_email"),
        name_only.join(reviews.select(*keys), on=keys, how="semi"),
    ])
    counts = review_candidates.group_by(*keys).len("n")
    matches = (matches.join(counts, on=keys, how="left")
               .with_columns(candidates=pl.coalesce("candidates", "n", pl.lit(0)).cast(pl.Int32))
               .pipe(_typed, MATCH_SCHEMA).sort("connection_id", "kind", "auxo_id"))
    review = _review_rows(reviews, review_candidates, auxo, xero)
    return MatchResult(matches=matches, review=review)


def _review_rows(reviews: pl.DataFrame, candidates: pl.DataFrame, auxo: pl.DataFrame,
                 xero: pl.DataFrame) -> pl.DataFrame:
    keys = ["connection_id", "kind", "auxo_id"]
    ranked = (candidates.with_columns(score=_score(pl.col("by_phone"), pl.col("by_email")),
                                      matched_on=_matched_on(pl.col("by_phone"), pl.col("by_email")))
              .sort("score", "contact_id", descending=[True, False])
              .with_columns(rank=pl.int_range(pl.len()).over(keys))
              .filter(pl.col("rank") < MAX_REVIEW_CANDIDATES))
    rows = (reviews.join(ranked, on=keys, how="left")
            .join(auxo.select(*keys, auxo_name="name", auxo_email="email",
                              auxo_phone=pl.coalesce("phone", "mobile")), on=keys, how="left")
            .join(xero.select("connection_id", "contact_id", xero_name="name", xero_email="email",
                              xero_status=pl.when(pl.col("merged_to_contact_id").is_not_null())
                              .then(pl.lit("MERGED into ") + pl.col("merged_to_contact_id"))
                              .otherwise(pl.col("status"))),
                  on=["connection_id", "contact_id"], how="left")
            .with_columns(ref=contact_ref_expr(pl.col("kind"), pl.col("auxo_id")),
                          xero_contact_id=pl.col("contact_id")))
    return _typed(rows, REVIEW_SCHEMA).sort("connection_id", "kind", "auxo_id", "score", descending=[False] * 3 + [True])
