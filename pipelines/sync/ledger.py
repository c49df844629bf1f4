"""``sync.write_ledger``: every planned write, recorded before it is sent.

The ledger is what makes writes exactly-once. A row is inserted (``planned``) before anything is
sent, marked ``sent`` (with the batch's idempotency key) in its own committed statement *before*
the request goes out, and ``confirmed`` with the target's id when the answer arrives. A run that
dies anywhere leaves rows whose state says what to do next: ``planned`` rows were never sent;
``sent`` rows are looked up in the target before anything is resent.

Statuses: planned, sent, confirmed, failed, skipped, held, blocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.sync.plan import resolve_refs

STATUSES = ("planned", "sent", "confirmed", "failed", "skipped", "held", "blocked")
OPEN_STATUSES = ("planned", "sent", "held", "blocked")

LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS sync.write_ledger (
    idempotency_key VARCHAR PRIMARY KEY,
    connection_id   VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,   -- xero | auxo
    entity          VARCHAR NOT NULL,   -- contact, invoice, payment, manual_journal, auxo_sync_status, ...
    operation       VARCHAR NOT NULL,   -- create | update | void | delete | allocate
    ref             VARCHAR NOT NULL,   -- the document the write is about, e.g. invoice:inv_123
    source_id       VARCHAR NOT NULL,
    business_date   DATE,
    description     VARCHAR,
    payload         VARCHAR NOT NULL,   -- canonical JSON, $ref placeholders unresolved
    payload_hash    VARCHAR NOT NULL,
    depends_on      VARCHAR[],
    priority        INTEGER,
    writeback       VARCHAR,            -- where Auxo records the outcome (JSON), if anywhere
    plan_asset      VARCHAR,
    status          VARCHAR NOT NULL,
    target_id       VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error_class     VARCHAR,
    error_code      VARCHAR,
    error_message   VARCHAR,
    error_hint      VARCHAR,
    batch_key       VARCHAR,
    first_run_id    VARCHAR,
    run_id          VARCHAR,
    planned_at      TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    confirmed_at    TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ
)
"""

SYNC_ERRORS_VIEW = """
CREATE OR REPLACE VIEW sync.sync_errors AS
SELECT
    connection_id, business_date, target, entity, operation, description,
    status, error_class, error_code, error_message, error_hint,
    attempts, updated_at, run_id, ref, idempotency_key
FROM sync.write_ledger
WHERE status IN ('failed', 'held', 'blocked')
ORDER BY business_date, target, entity, description
"""

KNOWN_TARGETS_VIEW = """
CREATE OR REPLACE VIEW sync.known_targets AS
SELECT connection_id, target, entity, ref, arg_max(target_id, confirmed_at) AS target_id,
       max(confirmed_at) AS confirmed_at
FROM sync.write_ledger
WHERE status = 'confirmed' AND operation = 'create' AND target_id IS NOT NULL
GROUP BY ALL
"""


def now() -> datetime:
    return datetime.now(UTC)


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS sync")
    con.execute(LEDGER_DDL)
    con.execute(SYNC_ERRORS_VIEW)
    con.execute(KNOWN_TARGETS_VIEW)


def record_plan(con: duckdb.DuckDBPyConnection, plan: pl.DataFrame, run_id: str) -> dict[str, int]:
    """Insert the plan's new rows as ``planned``; existing keys keep their state.

    Older open, refused or failed rows for the same document and operation, replaced by a newer
    version of the plan (the source changed), are marked ``skipped`` — except rows sent without a
    known answer (``sent``, or ``failed`` for a temporary reason), whose outcome stays unknown until
    they are looked up. A new version that is the refused one with its placeholders filled in (the
    contact was created since) is the same write: it keeps the refusal (see :func:`carry_refusals`).
    """
    ensure_ledger(con)
    if plan.is_empty():
        return {"new": 0, "existing": 0, "superseded": 0}
    stamp = now()
    con.register("incoming_plan", plan)
    try:
        existing = con.execute(
            "select count(*) from sync.write_ledger l join incoming_plan p using (idempotency_key)").fetchall()[0][0]
        con.execute(
            """
            insert into sync.write_ledger (
                idempotency_key, connection_id, target, entity, operation, ref, source_id, business_date,
                description, payload, payload_hash, depends_on, priority, writeback, plan_asset,
                status, attempts, first_run_id, run_id, planned_at, updated_at)
            select p.idempotency_key, p.connection_id, p.target, p.entity, p.operation, p.ref, p.source_id,
                   p.business_date, p.description, p.payload, p.payload_hash, p.depends_on, p.priority,
                   p.writeback, p.plan_asset, 'planned', 0, ?, ?, ?, ?
            from incoming_plan p
            where not exists (select 1 from sync.write_ledger l where l.idempotency_key = p.idempotency_key)
            """,
            [run_id, run_id, stamp, stamp],
        )
        carry_refusals(con, stamp)
        superseded = con.execute(
            """
            update sync.write_ledger l set status = 'skipped', error_class = null, error_code = 'superseded',
                error_message = 'replaced by a newer version of the same document', run_id = ?, updated_at = ?
            from incoming_plan p
            where l.connection_id = p.connection_id and l.target = p.target and l.entity = p.entity
              and l.operation = p.operation and l.ref = p.ref and l.idempotency_key <> p.idempotency_key
              and l.status in ('planned', 'failed', 'held', 'blocked')
              and (l.sent_at is null or (l.status = 'failed' and l.error_class is distinct from 'retryable'))
            returning l.idempotency_key
            """,
            [run_id, stamp],
        ).fetchall()
    finally:
        con.unregister("incoming_plan")
    return {"new": plan.height - existing, "existing": existing, "superseded": len(superseded)}


def carry_refusals(con: duckdb.DuckDBPyConnection, planned_at: datetime) -> int:
    """Rows of ``incoming_plan`` just planned (at ``planned_at``) that repeat a refused write of the
    same document — the same payload once placeholders are filled with the ids known now — take
    over its refusal instead of being sent to be refused again; the rows taken over.

    A refused write is sent again when its document changes, not when a run first knows the id
    that a placeholder stood for; ``resend_refused`` still sends it, under its new key.
    """
    pairs = con.execute(
        """
        select p.idempotency_key, p.connection_id, p.payload, l.payload,
               l.error_class, l.error_code, l.error_message, l.error_hint
        from incoming_plan p
        join sync.write_ledger n on n.idempotency_key = p.idempotency_key and n.status = 'planned'
         and n.planned_at = ?
        join sync.write_ledger l
          on l.connection_id = p.connection_id and l.target = p.target and l.entity = p.entity
         and l.operation = p.operation and l.ref = p.ref and l.idempotency_key <> p.idempotency_key
        where l.status = 'failed' and l.error_class = 'needs_person' and l.sent_at is not null
        """, [planned_at]).fetchall()
    known: dict[str, dict[str, str]] = {}
    carried = 0
    for key, connection_id, payload, refused_payload, error_class, code, message, hint in pairs:
        ids = known.setdefault(connection_id, known_targets(con, connection_id))
        try:
            same = resolve_refs(json.loads(payload), ids) == resolve_refs(json.loads(refused_payload), ids)
        except KeyError:  # a placeholder still unknown: not comparable, so a new write
            same = False
        if same:
            con.execute("update sync.write_ledger set status = 'failed', error_class = ?, error_code = ?, "
                        "error_message = ?, error_hint = ? where idempotency_key = ?",
                        [error_class, code, message, hint, key])
            carried += 1
    return carried


def load(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> pl.DataFrame:
    """Ledger rows for ``keys`` (all columns)."""
    if not keys:
        return con.sql("select * from sync.write_ledger where false").pl()
    frame = pl.DataFrame({"idempotency_key": list(keys)})
    con.register("wanted_keys", frame)
    try:
        return con.sql("select l.* from sync.write_ledger l join wanted_keys using (idempotency_key)").pl()
    finally:
        con.unregister("wanted_keys")


def update(con: duckdb.DuckDBPyConnection, keys: Iterable[str], *, run_id: str, **fields: Any) -> None:
    """Set ``fields`` on the rows with ``keys`` (committed when this returns)."""
    keys = list(keys)
    if not keys:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    params = [*fields.values(), run_id, now(), keys]
    con.execute(
        f"update sync.write_ledger set {assignments}, run_id = ?, updated_at = ? "
        "where idempotency_key = any(?)", params)


def mark_sent(con: duckdb.DuckDBPyConnection, keys: Sequence[str], batch_key: str, run_id: str) -> None:
    stamp = now()
    con.execute(
        "update sync.write_ledger set status = 'sent', batch_key = ?, attempts = attempts + 1, sent_at = ?, "
        "run_id = ?, updated_at = ? where idempotency_key = any(?)",
        [batch_key, stamp, run_id, stamp, list(keys)],
    )


def mark_confirmed(con: duckdb.DuckDBPyConnection, outcomes: Sequence[tuple[str, str | None]], run_id: str) -> None:
    """``outcomes``: (idempotency_key, target_id) pairs."""
    if not outcomes:
        return
    stamp = now()
    frame = pl.DataFrame({"idempotency_key": [k for k, _ in outcomes], "target_id": [t for _, t in outcomes]},
                         schema={"idempotency_key": pl.String, "target_id": pl.String})
    con.register("confirmed_rows", frame)
    try:
        con.execute(
            "update sync.write_ledger l set status = 'confirmed', target_id = c.target_id, confirmed_at = ?, "
            "error_class = null, error_code = null, error_message = null, error_hint = null, run_id = ?, "
            "updated_at = ? from confirmed_rows c where l.idempotency_key = c.idempotency_key",
            [stamp, run_id, stamp],
        )
    finally:
        con.unregister("confirmed_rows")


def mark_problem(con: duckdb.DuckDBPyConnection, keys: Sequence[str], status: str, error_class: str, code: str,
                 message: str, hint: str, run_id: str) -> None:
    update(con, keys, run_id=run_id, status=status, error_class=error_class, error_code=code,
           error_message=message, error_hint=hint)


def pending_writebacks(con: duckdb.DuckDBPyConnection, connection_id: str) -> list[str]:
    """Keys of Auxo write-backs (Xero ids, errors) recorded by a sink but not yet confirmed."""
    ensure_ledger(con)
    rows = con.execute(
        "select idempotency_key from sync.write_ledger where connection_id = ? and target = 'auxo' "
        "and plan_asset = 'sink' and status in ('planned', 'sent', 'failed', 'blocked') "
        "and coalesce(error_class, '') <> 'needs_person'", [connection_id]).fetchall()
    return [row[0] for row in rows]


def known_targets(con: duckdb.DuckDBPyConnection, connection_id: str, target: str = "xero") -> dict[str, str]:
    """``ref -> id in target`` of every document the ledger has confirmed creating in ``target``."""
    ensure_ledger(con)
    rows = con.execute("select ref, target_id from sync.known_targets where connection_id = ? and target = ?",
                       [connection_id, target]).fetchall()
    return dict(rows)
