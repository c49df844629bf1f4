"""Which Xero contact each Auxo customer and supplier is — for every plan that needs a contact.

Documents are written to the contact an Auxo record is linked to. The link comes from, in order:
Auxo's own ``xero_contact_id``; a contact the ledger created for it; a unique match found by the
contact matcher (``plans.contact_matches``). Otherwise the contact is still to be created (or is
waiting for a person in the review queue), and a document names it with a ``$ref`` placeholder and
depends on ``contact_ref(kind, id)``, so the sink writes the contact first.
"""

from __future__ import annotations

import duckdb
import polars as pl

from assets.contacts.matching import ACTIVE, resolve_merges
from pipelines import warehouse
from pipelines.sync.refs import contact_ref  # noqa: F401 - plans import it from here, beside contact_links

LINK_SCHEMA = {"connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "ref": pl.String,
               "xero_contact_id": pl.String, "link_source": pl.String}


def recorded_links(con: duckdb.DuckDBPyConnection, connection_id: str,
                   sources: tuple[str, ...] = ("auxo", "created", "matched")) -> pl.DataFrame:
    """One row per Auxo customer and supplier with the Xero id recorded for it, as recorded: from
    Auxo (``auxo``), the ledger's creates (``created``) or this run's unique matches (``matched``),
    in that order; merges in Xero not followed."""
    parts = []
    for kind, table in (("customer", "auxo_customers"), ("supplier", "auxo_suppliers")):
        if not warehouse.table_exists(con, "staging", table):
            continue
        parts.append(con.sql(
            f"select connection_id, '{kind}' as kind, id as auxo_id, xero_id from staging.{table} "
            "where connection_id = ?", params=[connection_id]).pl())
    if not parts:
        return pl.DataFrame(schema=LINK_SCHEMA)
    contacts = pl.concat(parts).with_columns(
        ref=pl.concat_str(pl.lit("contact:"), pl.col("kind"), pl.lit(":"), pl.col("auxo_id")))
    found = [contacts.select("ref", xero_contact_id="xero_id", link_source=pl.lit("auxo"))
             .filter(pl.col("xero_contact_id").is_not_null())]
    if "created" in sources and warehouse.table_exists(con, "sync", "known_targets"):
        found.append(con.sql(
            "select ref, target_id as xero_contact_id, 'created' as link_source from sync.known_targets "
            "where connection_id = ? and target = 'xero' and entity = 'contact'", params=[connection_id]).pl())
    if "matched" in sources and warehouse.table_exists(con, "plans", "contact_matches"):
        found.append(con.sql(
            "select ref, xero_contact_id, 'matched' as link_source from plans.contact_matches "
            "where connection_id = ? and decision = 'link'", params=[connection_id]).pl())
    known = (pl.concat([s.select("ref", pl.col("xero_contact_id").cast(pl.String), pl.col("link_source").cast(pl.String))
                        for s in found])
             .unique("ref", keep="first", maintain_order=True))
    return (contacts.drop("xero_id").join(known, on="ref", how="left")
            .select(list(LINK_SCHEMA)).cast(LINK_SCHEMA))  # type: ignore[arg-type]


def contact_links(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    """One row per Auxo customer and supplier: ``xero_contact_id`` when known (else null), and its ref.

    A link to a contact that was merged in Xero points at the contact it was merged into, when that
    one is active (Xero moved the documents there too). A link to an archived contact stays as it
    is: a document written to it fails with Xero's own message, for a person to act on.
    """
    links = recorded_links(con, connection_id)
    if links.is_empty() or not warehouse.table_exists(con, "staging", "xero_contacts"):
        return links
    xero = con.sql("select connection_id, contact_id, status, merged_to_contact_id from staging.xero_contacts "
                   "where connection_id = ? and (merged_to_contact_id is not null or status = 'ACTIVE')",
                   params=[connection_id]).pl()
    survivors = (resolve_merges(xero).filter(pl.col("merged") & (pl.col("effective_status") == ACTIVE))
                 .select("connection_id", xero_contact_id="contact_id", survivor="effective_id"))
    return (links.join(survivors, on=["connection_id", "xero_contact_id"], how="left")
            .with_columns(xero_contact_id=pl.coalesce("survivor", "xero_contact_id"))
            .select(list(LINK_SCHEMA)))
