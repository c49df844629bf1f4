"""The contact plans' tables in the warehouse: what they read from staging, what they keep.

Read: ``staging.auxo_customers``/``auxo_suppliers`` and their addresses, ``staging.xero_contacts``
with phones and addresses, Xero contact persons (straight from ``raw_xero``: staging does not
carry them), and the links recorded so far (``links.recorded_links``).

Written (one connection's rows replaced each time):

- ``plans.contact_matches`` — every Auxo contact's decision (``models.ContactMatchModel``);
- ``plans.contact_review`` — the review queue, one row per candidate (``ContactReviewModel``);
- ``plans.contact_changes`` — the field changes of this plan (``ContactChangeModel``);
- ``sync.contact_baseline`` — each side's value when a field was last settled, per linked pair;
- ``sync.contact_decisions`` — every change decision ever taken (appended once, with its time).

Kept for people: ``sync.contact_overrides`` — a person's decision for a contact in review
(``action`` ``link`` with a ``xero_contact_id``, or ``create``), read by the matcher.
"""

from __future__ import annotations

import duckdb
import pandera.polars as pa
import polars as pl

from assets.contacts.changes import BASELINE_SCHEMA, CHANGE_SCHEMA
from assets.contacts.links import recorded_links
from assets.contacts.matching import (
    AUXO_INPUT_SCHEMA,
    MATCH_SCHEMA,
    OVERRIDE_SCHEMA,
    PHONE_INPUT_SCHEMA,
    REVIEW_SCHEMA,
    XERO_INPUT_SCHEMA,
)
from assets.contacts.sync_plan import SyncInputs
from assets.contacts.values import (
    AUXO_ADDRESS_SCHEMA,
    AUXO_CONTACT_SCHEMA,
    XERO_ADDRESS_SCHEMA,
    XERO_CONTACT_SCHEMA,
    XERO_PERSON_SCHEMA,
    XERO_PHONE_SCHEMA,
    typed,
)
from assets.staging.build import StagedTable, staging_select
from pipelines import warehouse

KINDS = {"customer": "customers", "supplier": "suppliers"}
_DUCKDB_TYPES = {pl.String: "VARCHAR", pl.Int32: "INTEGER", pl.Int64: "BIGINT", pl.Boolean: "BOOLEAN"}


class _XeroContactPersons(pa.DataFrameModel):
    connection_id: str
    contact_id: str
    position: pl.Int64
    first_name: str = pa.Field(nullable=True)
    last_name: str = pa.Field(nullable=True)
    email: str = pa.Field(nullable=True)
    include_in_emails: bool = pa.Field(nullable=True)


# Xero's ContactPersons, typed like a staging table (NULL columns until some contact has them)
XERO_PERSONS = StagedTable(
    "xero_contact_persons", {"p": "raw_xero.contacts__contact_persons", "c": "raw_xero.contacts"},
    {"connection_id": ("{c.connection_id}", "VARCHAR"), "contact_id": ("{c.contact_id}", "VARCHAR"),
     "position": ("{p._dlt_list_idx}", "BIGINT"), "first_name": ("{p.first_name}", "VARCHAR"),
     "last_name": ("{p.last_name}", "VARCHAR"), "email": ("{p.email_address}", "VARCHAR"),
     "include_in_emails": ("{p.include_in_emails}", "BOOLEAN")},
    _XeroContactPersons, joins="JOIN raw_xero.contacts AS c ON p._dlt_parent_id = c._dlt_id",
    description="Contact persons of Xero contacts, first one first.")


def _staged(con: duckdb.DuckDBPyConnection, table: str, sql: str, connection_id: str,
            schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if not warehouse.table_exists(con, "staging", table):
        return pl.DataFrame(schema=schema)
    return typed(con.sql(sql.format(table=f"staging.{table}"), params=[connection_id]).pl(), schema)


def read_auxo_contacts(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    """Customers and suppliers (``kind``), with the Xero id recorded for each (Auxo, or a create
    the ledger confirmed) as ``linked_xero_id``/``link_source``."""
    parts = [_staged(con, f"auxo_{resource}",
                     f"select * exclude (kind, id), '{kind}' as kind, id as auxo_id from {{table}} "
                     "where connection_id = ?",
                     connection_id, {**AUXO_CONTACT_SCHEMA})
             for kind, resource in KINDS.items()]
    contacts = pl.concat(parts).drop("linked_xero_id", "link_source")
    links = recorded_links(con, connection_id, sources=("auxo", "created")).select(
        "kind", "auxo_id", linked_xero_id="xero_contact_id", link_source="link_source")
    return typed(contacts.join(links, on=["kind", "auxo_id"], how="left"), AUXO_CONTACT_SCHEMA)


def read_auxo_addresses(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    return pl.concat([
        _staged(con, f"auxo_{kind}_addresses",
                f"select *, '{kind}' as kind, contact_id as auxo_id from {{table}} where connection_id = ?",
                connection_id, AUXO_ADDRESS_SCHEMA)
        for kind in KINDS])


def read_xero_contacts(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    return _staged(con, "xero_contacts", "select * from {table} where connection_id = ?", connection_id,
                   XERO_CONTACT_SCHEMA)


def read_xero_phones(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    return _staged(con, "xero_contact_phones", "select * from {table} where connection_id = ?", connection_id,
                   XERO_PHONE_SCHEMA)


def read_xero_addresses(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    return _staged(con, "xero_contact_addresses", "select * from {table} where connection_id = ?", connection_id,
                   XERO_ADDRESS_SCHEMA)


def read_xero_persons(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    frame = con.sql(f"select * from ({staging_select(con, XERO_PERSONS)}) where connection_id = ?",
                    params=[connection_id]).pl()
    return typed(frame, XERO_PERSON_SCHEMA)


OVERRIDES_DDL = """
CREATE TABLE IF NOT EXISTS sync.contact_overrides (
    connection_id   VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('customer', 'supplier')),
    auxo_id         VARCHAR NOT NULL,
    action          VARCHAR NOT NULL CHECK (action IN ('link', 'create')),
    xero_contact_id VARCHAR,            -- for link: the Xero ContactID
    note            VARCHAR,            -- why, for the next person
    decided_by      VARCHAR,
    decided_at      TIMESTAMPTZ DEFAULT now(),
    CHECK ((action = 'link') = (xero_contact_id IS NOT NULL))
)
"""


def read_overrides(con: duckdb.DuckDBPyConnection, connection_id: str) -> pl.DataFrame:
    """A person's decisions for contacts in review, latest per contact last."""
    con.execute("CREATE SCHEMA IF NOT EXISTS sync")
    con.execute(OVERRIDES_DDL)
    return typed(con.sql("select * from sync.contact_overrides where connection_id = ? order by decided_at",
                         params=[connection_id]).pl(), OVERRIDE_SCHEMA)


def read_match_inputs(con: duckdb.DuckDBPyConnection, connection_id: str) -> tuple[pl.DataFrame, ...]:
    """(Auxo contacts, Xero contacts, Xero phones, overrides) as ``matching.match_contacts`` takes them."""
    return (typed(read_auxo_contacts(con, connection_id), AUXO_INPUT_SCHEMA),
            typed(read_xero_contacts(con, connection_id), XERO_INPUT_SCHEMA),
            typed(read_xero_phones(con, connection_id), PHONE_INPUT_SCHEMA),
            read_overrides(con, connection_id))


def read_sync_inputs(con: duckdb.DuckDBPyConnection, connection_id: str) -> SyncInputs:
    return SyncInputs(
        auxo_contacts=read_auxo_contacts(con, connection_id), auxo_addresses=read_auxo_addresses(con, connection_id),
        xero_contacts=read_xero_contacts(con, connection_id), xero_phones=read_xero_phones(con, connection_id),
        xero_addresses=read_xero_addresses(con, connection_id), xero_persons=read_xero_persons(con, connection_id),
        matches=_read(con, "plans", "contact_matches", connection_id, MATCH_SCHEMA),
        baseline=_read(con, "sync", "contact_baseline", connection_id, BASELINE_SCHEMA))


# -- writing --------------------------------------------------------------------------------------

def _duckdb_type(dtype: pl.DataType) -> str:
    if dtype == pl.Datetime:
        return "TIMESTAMPTZ"
    return next(kind for known, kind in _DUCKDB_TYPES.items() if dtype == known)


def _ensure(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: dict[str, pl.DataType],
            extra: str = "") -> None:
    """Create ``schema.table`` with ``columns``; a plans table whose columns changed is rebuilt
    (plans are derived and replaced every run), a sync table is extended."""
    wanted = {name: _duckdb_type(dtype) for name, dtype in columns.items()}
    existing = {row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()}
    if existing and schema == "plans" and not set(wanted) <= existing:
        con.execute(f"DROP TABLE {schema}.{table}")
        existing = set()
    if not existing:
        body = ", ".join(f"{name} {kind}" for name, kind in wanted.items())
        con.execute(f"CREATE TABLE {schema}.{table} ({body}{extra})")
        return
    for name, kind in wanted.items():
        if name not in existing:
            con.execute(f"ALTER TABLE {schema}.{table} ADD COLUMN {name} {kind}")


def _read(con: duckdb.DuckDBPyConnection, schema: str, table: str, connection_id: str,
          columns: dict[str, pl.DataType]) -> pl.DataFrame:
    if not warehouse.table_exists(con, schema, table):
        return pl.DataFrame(schema=columns)
    return typed(con.sql(f"select * from {schema}.{table} where connection_id = ?", params=[connection_id]).pl(),
                 columns)


def _replace(con: duckdb.DuckDBPyConnection, schema: str, table: str, connection_id: str, frame: pl.DataFrame,
             columns: dict[str, pl.DataType]) -> None:
    _ensure(con, schema, table, columns)
    rows = typed(frame, columns)  # noqa: F841 — read by DuckDB below
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"delete from {schema}.{table} where connection_id = ?", [connection_id])
        con.execute(f"insert into {schema}.{table} by name select * from rows")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def write_matches(con: duckdb.DuckDBPyConnection, connection_id: str, matches: pl.DataFrame,
                  review: pl.DataFrame) -> None:
    _replace(con, "plans", "contact_matches", connection_id, matches, MATCH_SCHEMA)
    _replace(con, "plans", "contact_review", connection_id, review, REVIEW_SCHEMA)


DECISION_COLUMNS = {"decision_key": pl.String, **CHANGE_SCHEMA, "decided_at": pl.Datetime("us", "UTC"),
                    "run_id": pl.String}


def write_sync_state(con: duckdb.DuckDBPyConnection, connection_id: str, changes: pl.DataFrame,
                     baseline: pl.DataFrame, run_id: str) -> int:
    """Keep this plan's change set and baseline; append its decisions not recorded before
    (returns how many were new)."""
    _replace(con, "plans", "contact_changes", connection_id, changes, CHANGE_SCHEMA)
    _replace(con, "sync", "contact_baseline", connection_id, baseline, BASELINE_SCHEMA)
    _ensure(con, "sync", "contact_decisions", DECISION_COLUMNS)
    incoming = typed(changes, CHANGE_SCHEMA)  # noqa: F841 — read by DuckDB below
    identity = ", ".join(f"coalesce(cast({c} as varchar), '∅')" for c in (
        "connection_id", "kind", "auxo_id", "xero_contact_id", "field", "auxo_value", "xero_value",
        "auxo_baseline", "xero_baseline", "direction", "rule"))
    added = con.execute(
        f"""
        insert into sync.contact_decisions by name
        select md5(concat_ws('|', {identity})) as decision_key, i.*, now() as decided_at, ? as run_id
        from incoming i
        where md5(concat_ws('|', {identity})) not in (select decision_key from sync.contact_decisions)
        returning decision_key
        """, [run_id]).fetchall()
    return len(added)
