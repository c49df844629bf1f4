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

from pipelines import warehouse


def contact_ref(kind: str, auxo_id: str) -> str:
    """The plan ref of an Auxo contact: ``contact:customer:<id>`` or ``contact:supplier:<id>``."""
    if kind not in ("customer", "supplier"):
        raise ValueError(f"contact kind must be customer or supplier, not {kind!r}")
    return f"contact:{kind}:{auxo_id}"


LINK_SCHEMA = {"connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "ref": pl.String,
               "xero_contact_id": pl.String, "link_source": pl.String}


def contact_links(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    """One row per Auxo customer and supplier: ``xero_contact_id`` when known (else null), and its ref."""
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
    sources = [contacts.select("ref", xero_contact_id="xero_id", link_source=pl.lit("auxo"))
               .filter(pl.col("xero_contact_id").is_not_null())]
    if warehouse.table_exists(con, "sync", "known_targets"):
        sources.append(con.sql(
            "select ref, target_id as xero_contact_id, 'created' as link_source from sync.known_targets "
            "where connection_id = ? and target = 'xero' and entity = 'contact'", params=[connection_id]).pl())
    if warehouse.table_exists(con, "plans", "contact_matches"):
        sources.append(con.sql(
            "select ref, xero_contact_id, 'matched' as link_source from plans.contact_matches "
            "where connection_id = ? and decision = 'link'", params=[connection_id]).pl())
    known = (pl.concat([s.select("ref", pl.col("xero_contact_id").cast(pl.String), "link_source") for s in sources])
             .unique("ref", keep="first", maintain_order=True))
    return (contacts.drop("xero_id").join(known, on="ref", how="left")
            .select(list(LINK_SCHEMA)).cast(LINK_SCHEMA))  # type: ignore[arg-type]
