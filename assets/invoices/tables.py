"""The money plans' side of the warehouse: what they read (:func:`load_books`) and the table they keep.

``plans.invoice_exceptions`` holds what the money plans deliberately did not do, or did and must tell.

A person reads this table (and the plan assets' metadata, and the asset checks that warn on it):
an Auxo edit not sent because Xero already has money matched to the invoice, a payment entered
in both systems, a number already used in Xero, a document voided or a payment deleted in Xero
and mirrored into Auxo. Each plan asset replaces its own rows for the days it planned, exactly as
``plans.write_plan`` is replaced (undated rows wholesale): :class:`assets.findings.FindingsTable`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from assets.contacts.links import contact_links
from assets.findings import FindingsTable
from assets.invoices.books import STAGED, Books, Frame, schema_of
from pipelines import warehouse
from pipelines.sync.ledger import Ledger
from pipelines.sync.ledger import exists as ledger_exists

TABLE = "plans.invoice_exceptions"

# reason -> what happened (for the docs and the UI)
REASONS = {
    "edit_blocked": "edited in Auxo after a payment or credit was matched in Xero: not sent to Xero",
    "number_clash": "its number is already used by another Xero invoice: Xero refuses it (sync error)",
    "totals_cannot_match": "no set of Xero lines gives Auxo's total and GST to the cent: not sent",
    "payment_in_both_systems": "the same payment was entered in Auxo and in Xero: neither copied, one must go",
    "payment_exceeds_amount_due": "more than the invoice's amount due in Xero: not sent",
    "missing_invoice": "its invoice is not in Auxo's data: not sent",
    "deposit_deleted": "a deposit deleted in Auxo after it reached Xero that Xero refused to take out (reconciled, "
                       "locked period): the detail says what to do in Xero",
    "credit_voided": "a credit voided in Auxo after it reached Xero: void the credit note in Xero",
    "xero_invoice_voided": "voided or deleted in Xero: the Auxo invoice is voided too",
    "xero_payment_deleted": "a payment deleted (or a deposit's prepayment voided) in Xero: deleted in Auxo too",
    "xero_credit_note_voided": "a credit note of an Auxo credit was voided in Xero: Auxo cannot follow, check it",
    "xero_allocation_removed": "a Xero credit allocation Auxo recorded was removed in Xero: Auxo cannot follow",
}

EXCEPTIONS = FindingsTable(TABLE, reasons=REASONS)


_SYNCED_INVOICES = ("select id from staging.auxo_invoices where connection_id = ? "
                    "and sync_status is distinct from 'not_required'")
# Auxo history from before the Xero connection (sync_status not_required) never syncs: not read at all
_ONLY_SYNCED = {
    "invoices": "sync_status is distinct from 'not_required'",
    "invoice_lines": f"document_id in ({_SYNCED_INVOICES})",
    "credits": "sync_status is distinct from 'not_required'",
    "credit_lines": "document_id in (select id from staging.auxo_invoice_credits where connection_id = ? "
                    "and sync_status is distinct from 'not_required')",
    "payments": "sync_status is distinct from 'not_required'",
    "auxo_xero_allocations": f"invoice_id in ({_SYNCED_INVOICES})",
}


def _read(con: duckdb.DuckDBPyConnection, name: str, connection_id: str) -> Frame:
    table, model = STAGED[name]
    schema = schema_of(model)
    if not warehouse.table_exists(con, "staging", table):
        return pl.DataFrame(schema=schema)
    where = "connection_id = ?" + (f" and {_ONLY_SYNCED[name]}" if name in _ONLY_SYNCED else "")
    frame = con.sql(f"select * from staging.{table} where {where}",  # table names and conditions are constants
                    params=[connection_id] * where.count("?")).pl()
    return frame.select([pl.col(column).cast(dtype) for column, dtype in schema.items()])


REMOVALS = ("prepayment", "prepayment_allocation")  # Xero deletions a person may have to finish in Xero


def refused_removals(con: duckdb.DuckDBPyConnection, writes: Ledger) -> dict[str, dict[str, str]]:
    """ref -> the refusal (``code``, ``message``, ``hint``) of each deletion Xero refused and nothing since did."""
    if not ledger_exists(con):
        return {}
    rows = con.execute(
        f"""
        select ref, arg_max(error_code, updated_at), arg_max(error_message, updated_at),
               arg_max(error_hint, updated_at)
        from sync.writes where connection_id = ? and target = 'xero' and operation = 'delete'
          and entity in {REMOVALS} and state = 'refused'
          and ref not in (select ref from sync.writes where connection_id = ? and operation = 'delete'
                          and state = 'confirmed')
        group by ref
        """, [writes.connection_id, writes.connection_id]).fetchall()
    return {ref: {"code": code or "", "message": message or "", "hint": hint or ""}
            for ref, code, message, hint in rows}


def load_books(con: duckdb.DuckDBPyConnection, connection_id: str) -> Books:
    """Everything the money plans need, for one connection."""
    frames = {name: _read(con, name, connection_id) for name in STAGED}
    writes = Ledger(con, connection_id)
    known = {ref: target_id for ref, target_id in writes.known_targets().items()
             if ref.split(":", 1)[0] in ("invoice", "credit_note", "payment", "prepayment")}
    allocated = writes.confirmed(operation="allocate")["ref"]
    return Books(connection_id=connection_id, contacts=contact_links(con, connection_id), known=known,
                 allocated=frozenset(allocated.to_list()), refused=refused_removals(con, writes), **frames)
