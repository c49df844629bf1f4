"""``sync.write_ledger``: every planned write, and the one definition of what happens to it.

The ledger is what makes writes exactly-once. A row is inserted (``planned``) before anything is
sent, marked ``sent`` (with the batch's idempotency key) in its own committed statement *before*
the request goes out, and ``confirmed`` with the target's id when the answer arrives. A run that
dies anywhere leaves rows whose state says what to do next.

Everything a write can go through is in two tables below: :data:`STATES` (what a row's state
means) and :data:`EVENTS` (which event moves which states where). :class:`Ledger` applies an event
only to rows in one of its allowed states and refuses anything else, and every query it makes is
scoped to its connection. The predicates (``unknown_outcome``, ``refused``, ``open``,
``supersedable``) are columns of the ``sync.writes`` view, generated from the same tables, so the
sink, the retry sensor and the reconciliation SQL read one definition.

A write whose outcome is unknown (``sent``: no answer; ``retrying``: a temporary failure, which
may or may not have been applied) is never sent again, under any key, until it has been looked up
in the target: found, it is ``confirmed``; not found, it is ``planned`` again (and no longer counts
as sent). Xero keeps an ``Idempotency-Key`` only for minutes, so the lookup, not the key, is what
prevents a second document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.sync import errors
from pipelines.sync.plan import resolve_refs
from pipelines.warehouse import registered

# -- the state machine ------------------------------------------------------------------------------

# state -> what it means. A state is derived from the stored ``status`` and ``error_class`` (STATE_SQL).
STATES: dict[str, str] = {
    "planned": "to be sent: never sent, or looked up and known not to be in the target",
    "sent": "sent, no answer recorded (the run died, or the answer was lost): outcome unknown",
    "retrying": "sent, answered with a temporary failure (429, 5xx, timeout): outcome unknown",
    "confirmed": "in the target, with its id",
    "refused": "the target refused it (or the credentials): nothing was written; a person acts",
    "held": "dated on or before the target's lock date: not sent",
    "blocked": "waits for a document it depends on",
    "skipped": "never to be sent: replaced by a newer version, or its document already exists",
}
TERMINAL = frozenset({"confirmed", "skipped"})
UNKNOWN_OUTCOME = frozenset({"sent", "retrying"})
REFUSED = frozenset({"refused"})
OPEN = frozenset(STATES) - TERMINAL
SUPERSEDABLE = frozenset({"planned", "held", "blocked", "refused"})  # not written, not perhaps-written
SENDABLE = frozenset({"planned", "blocked"})  # plus ``refused`` when a person asks (resend_refused)


@dataclass(frozen=True)
class Event:
    sources: frozenset[str]
    result: str  # a state
    meaning: str


EVENTS: dict[str, Event] = {
    "send": Event(SENDABLE | REFUSED, "sent", "marked sent, committed, before the request leaves"),
    "answer": Event(frozenset({"sent"}), "confirmed", "the target answered with the document's id"),
    "refuse": Event(frozenset({"sent"}), "refused", "the target refused the document (validation, credentials)"),
    "fail_temporarily": Event(frozenset({"sent"}), "retrying",
                              "429, 5xx, timeout or lost connection after retries: it may have been applied"),
    "stop_for_the_day": Event(frozenset({"sent"}), "planned",
                              "Xero's day limit was reached before the request left: nothing was written"),
    "found": Event(UNKNOWN_OUTCOME, "confirmed", "looked up in the target and found"),
    "not_found": Event(UNKNOWN_OUTCOME, "planned", "looked up in the target and not found: never written"),
    "hold": Event(frozenset({"planned", "held", "blocked"}), "held", "dated on or before the lock date"),
    "release": Event(frozenset({"held"}), "planned", "the lock date moved before it"),
    "block": Event(SENDABLE | REFUSED, "blocked", "a dependency is not in the target"),
    "supersede": Event(SUPERSEDABLE, "skipped", "a newer version of the same document was planned"),
    "duplicate": Event(SENDABLE, "skipped", "its document was already created by an earlier version"),
}
# Events that change nothing (tests/pipelines/sync/test_write_states.py walks them all the same): an
# answer lost keeps ``sent``; a lookup that fails keeps the unknown state, and nothing of that document
# is sent in the run; a process killed before a commit leaves the state before it, after it the state after.


def transition_table_markdown() -> str:
    """The state machine as a markdown table, state × event → state (docs/write-path.md shows it)."""
    events = list(EVENTS)
    lines = ["| state | " + " | ".join(f"`{e}`" for e in events) + " |",
             "|---|" + "---|" * len(events)]
    for state in STATES:
        cells = [f"`{EVENTS[e].result}`" if state in EVENTS[e].sources else "—" for e in events]
        lines.append(f"| `{state}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# the stored columns each resulting state sets
_STATUS_OF = {"planned": "planned", "sent": "sent", "retrying": "failed", "confirmed": "confirmed",
              "refused": "failed", "held": "held", "blocked": "blocked", "skipped": "skipped"}

STATE_SQL = ("CASE WHEN status = 'failed' THEN CASE WHEN error_class = 'retryable' THEN 'retrying' "
             "ELSE 'refused' END ELSE status END")


def _keys(keys: Iterable[str]) -> pl.DataFrame:
    return pl.DataFrame({"idempotency_key": list(dict.fromkeys(keys))}, schema={"idempotency_key": pl.String})


def _in(states: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in sorted(states)) + ")"


class IllegalTransition(RuntimeError):
    """An event applied to a row whose state does not allow it (a bug in the caller, never data)."""


# -- storage ----------------------------------------------------------------------------------------

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

# every ledger row with its state and the predicates, from the tables above
WRITES_VIEW = f"""
CREATE OR REPLACE VIEW sync.writes AS
SELECT *,
       {STATE_SQL} IN {_in(UNKNOWN_OUTCOME)} AS unknown_outcome,
       {STATE_SQL} IN {_in(REFUSED)} AS refused,
       {STATE_SQL} IN {_in(OPEN)} AS open,
       {STATE_SQL} IN {_in(SUPERSEDABLE)} AS supersedable
FROM (SELECT *, {STATE_SQL} AS state FROM sync.write_ledger)
"""

# one row per document (connection, target, entity, operation, ref): the state that describes it and
# its latest version's key. A version of unknown outcome decides the document's state (it may be in the
# target) until it is looked up; else the newest version that is not skipped; else the newest.
WRITE_STATE_VIEW = """
CREATE OR REPLACE VIEW sync.write_state AS
SELECT *,
       first_value(idempotency_key) OVER (PARTITION BY connection_id, target, entity, operation, ref
                                          ORDER BY planned_at DESC, updated_at DESC) AS latest_key,
       count(*) OVER (PARTITION BY connection_id, target, entity, operation, ref) AS versions
FROM sync.writes
QUALIFY row_number() OVER (PARTITION BY connection_id, target, entity, operation, ref
                           ORDER BY unknown_outcome DESC, state <> 'skipped' DESC, planned_at DESC,
                                    updated_at DESC) = 1
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

DOCUMENT = ("connection_id", "target", "entity", "operation", "ref")


def now() -> datetime:
    return datetime.now(UTC)


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger and its views (write paths only; reads use :func:`exists`)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS sync")
    con.execute(LEDGER_DDL)
    for view in (WRITES_VIEW, WRITE_STATE_VIEW, SYNC_ERRORS_VIEW, KNOWN_TARGETS_VIEW):
        con.execute(view)


def exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the ledger and its views are there (a warehouse no run has written to has none)."""
    return bool(con.execute(
        "select count(*) from duckdb_views() where schema_name = 'sync' and view_name = 'writes'").fetchall()[0][0])


class Ledger:
    """The writes of one connection: the only place that reads or changes a write's state."""

    def __init__(self, con: duckdb.DuckDBPyConnection, connection_id: str) -> None:
        if not connection_id:
            raise ValueError("a Ledger needs the connection it belongs to")
        self.con = con
        self.connection_id = connection_id
        self._exists = False

    # -- reads --------------------------------------------------------------------------------------

    def rows(self, keys: Sequence[str]) -> pl.DataFrame:
        """This connection's rows for ``keys``, with ``state`` and the predicate columns."""
        with registered(self.con, "wanted_keys", _keys(keys)):
            return self.con.sql("select w.* from sync.writes w join wanted_keys using (idempotency_key) "
                                "where w.connection_id = ?", params=[self.connection_id]).pl()

    def unknown_for_documents(self, keys: Sequence[str]) -> pl.DataFrame:
        """Every row of unknown outcome for the documents of ``keys``, whatever its own key."""
        frame = self.rows(keys).select(*DOCUMENT).unique()
        with registered(self.con, "wanted_documents", frame):
            return self.con.sql(
                "select w.* from sync.writes w join wanted_documents d using (connection_id, target, entity, "
                "operation, ref) where w.connection_id = ? and w.unknown_outcome order by w.sent_at",
                params=[self.connection_id]).pl()

    def in_state(self, *states: str) -> pl.DataFrame:
        for state in states:
            _check_state(state)
        return self.con.sql(f"select * from sync.writes where connection_id = ? and state in {_in(states)} "
                            "order by business_date, sent_at", params=[self.connection_id]).pl()

    def _readable(self) -> bool:
        """Whether there is a ledger to read (a warehouse no run has written to has none; reads never create it)."""
        if not self._exists:
            self._exists = exists(self.con)
        return self._exists

    def known_targets(self, target: str = "xero") -> dict[str, str]:
        """``ref -> id in target`` of every document this connection's ledger has confirmed creating."""
        if not self._readable():
            return {}
        rows = self.con.execute("select ref, target_id from sync.known_targets where connection_id = ? and target = ?",
                                [self.connection_id, target]).fetchall()
        return dict(rows)

    def confirmed_refs(self, refs: Iterable[str], target: str | None = None) -> dict[str, str]:
        """Of ``refs``, those with a confirmed write (any operation) in ``target`` (any when None) -> its
        newest target id ('' when the write has none)."""
        refs = sorted(set(refs))
        if not refs or not self._readable():
            return {}
        rows = self.con.execute(
            "select ref, arg_max(coalesce(target_id, ''), confirmed_at) from sync.write_ledger "
            "where connection_id = ? and status = 'confirmed' and (? is null or target = ?) and ref = any(?) "
            "group by ref", [self.connection_id, target, target, refs]).fetchall()
        return dict(rows)

    def already_created(self, keys: Sequence[str]) -> dict[str, str]:
        """Of the sendable creates among ``keys``, those whose document another version already created
        -> the id it was created with."""
        with registered(self.con, "wanted_keys", _keys(keys)):
            rows = self.con.execute(
                f"""
                select c.idempotency_key, arg_max(o.target_id, o.confirmed_at)
                from sync.writes c join wanted_keys using (idempotency_key)
                join sync.writes o using (connection_id, target, entity, operation, ref)
                where c.connection_id = ? and c.operation = 'create' and c.state in {_in(SENDABLE)}
                  and o.idempotency_key <> c.idempotency_key and o.state = 'confirmed'
                group by c.idempotency_key
                """, [self.connection_id]).fetchall()
        return dict(rows)

    def confirmed(self, *, operation: str | None = None, plan_assets: Sequence[str] = (),
                  confirmed_after: datetime | None = None) -> pl.DataFrame:
        """Confirmed writes (ref, business_date, target_id, confirmed_at), optionally of one operation, of
        some plan assets, or confirmed after a moment."""
        if not self._readable():
            return pl.DataFrame(schema={"ref": pl.String, "business_date": pl.Date, "target_id": pl.String,
                                        "confirmed_at": pl.Datetime("us", "UTC")})
        return self.con.sql(
            "select ref, business_date, target_id, confirmed_at from sync.writes where connection_id = $c "
            "and state = 'confirmed' and ($op is null or operation = $op) "
            "and (len($assets) = 0 or list_contains($assets, plan_asset)) "
            "and ($after is null or confirmed_at > $after)",
            params={"c": self.connection_id, "op": operation, "assets": list(plan_assets),
                    "after": confirmed_after}).pl()

    def latest(self, ref: str) -> tuple[str, str, str | None] | None:
        """(description, status, message) of the newest write about ``ref``."""
        rows = self.con.execute(
            "select description, status, error_message from sync.writes where connection_id = ? and ref = ? "
            "order by updated_at desc limit 1", [self.connection_id, ref]).fetchall()
        return rows[0] if rows else None

    def pending_writebacks(self) -> list[str]:
        """Keys of Auxo write-backs (Xero ids, errors) recorded by a sink and still to send."""
        rows = self.con.execute(
            "select idempotency_key from sync.writes where connection_id = ? and target = 'auxo' "
            f"and plan_asset = 'sink' and state in {_in(SENDABLE | UNKNOWN_OUTCOME)}",
            [self.connection_id]).fetchall()
        return [row[0] for row in rows]

    def unrecorded_writebacks(self) -> pl.DataFrame:
        """Xero writes answered (confirmed, or refused for a person to see) whose Auxo write-back was
        never recorded after the answer: the sink records write-backs once per stage, so a run killed
        between a batch and its stage's end leaves these. Only writes that were sent: a refusal carried
        over to a new version of the same write (``_carry_refusals``) was never answered, and its
        document's refusal reached Auxo with the version Xero refused. One set-based read; empty when none."""
        if not exists(self.con):
            return pl.DataFrame()
        return self.con.sql(
            f"""
            select x.* from sync.writes x
            where x.connection_id = $connection and x.target = 'xero' and x.writeback is not null
              and x.sent_at is not null
              and (x.state = 'confirmed'
                   or (x.state = 'refused' and x.error_class in ('{errors.NEEDS_PERSON}', '{errors.HELD}')
                       and json_extract_string(x.writeback, '$.line_id') is null))
              and not exists (select 1 from sync.write_ledger w
                              where w.connection_id = x.connection_id and w.target = 'auxo'
                                and w.ref = 'writeback:' || x.idempotency_key and w.planned_at >= x.updated_at)
            order by x.priority, x.updated_at
            """, params={"connection": self.connection_id}).pl()

    def days_written(self, run_id: str) -> list[date]:
        """The business days of the writes ``run_id`` recorded or answered (what its reconciliation covers)."""
        if not self._readable():
            return []
        rows = self.con.execute("select distinct business_date from sync.write_ledger where connection_id = ? "
                                "and run_id = ? and business_date is not null order by 1",
                                [self.connection_id, run_id]).fetchall()
        return [row[0] for row in rows]

    def counts(self, keys: Sequence[str]) -> dict[str, int]:
        """Stored status -> rows among ``keys``."""
        rows = self.rows(keys)
        return dict(rows.group_by("status").len().iter_rows()) if not rows.is_empty() else {}

    # -- the plan -------------------------------------------------------------------------------------

    def record(self, plan: pl.DataFrame, run_id: str) -> dict[str, int]:
        """Insert the plan's new rows as ``planned``; existing keys keep their state.

        Older versions of the same documents that can be replaced (:data:`SUPERSEDABLE`) are
        superseded; versions of unknown outcome wait to be looked up (:meth:`settle_versions` runs
        again once they are). A new version that is a refused one with its placeholders filled in
        (the contact was created since) is the same write: it keeps the refusal.
        """
        ensure_ledger(self.con)
        if plan.is_empty():
            return {"new": 0, "existing": 0, "superseded": 0}
        strangers = set(plan["connection_id"].unique().to_list()) - {self.connection_id}
        if strangers:
            raise ValueError(f"a plan for connection {self.connection_id!r} holds rows of {sorted(strangers)}")
        stamp = now()
        with registered(self.con, "incoming_plan", plan):
            existing = self.con.execute(
                "select count(*) from sync.write_ledger l join incoming_plan p using (idempotency_key)").fetchall()[0][0]
            self.con.execute(
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
            self._carry_refusals(stamp)
        superseded = self.settle_versions(plan["idempotency_key"].to_list(), run_id)
        return {"new": plan.height - existing, "existing": existing, "superseded": superseded}

    def settle_versions(self, current_keys: Sequence[str], run_id: str) -> int:
        """Supersede the replaceable older versions of the documents of ``current_keys``; how many."""
        with registered(self.con, "current_versions", _keys(current_keys)):
            older = self.con.execute(
                """
                select distinct o.idempotency_key
                from sync.writes c join current_versions using (idempotency_key)
                join sync.writes o using (connection_id, target, entity, operation, ref)
                where c.connection_id = ? and o.idempotency_key <> c.idempotency_key and o.supersedable
                  and o.idempotency_key not in (select idempotency_key from current_versions)
                """, [self.connection_id]).fetchall()
        keys = [row[0] for row in older]
        self.apply("supersede", keys, run_id, error_code="superseded",
                   error_message="replaced by a newer version of the same document")
        return len(keys)

    def _carry_refusals(self, planned_at: datetime) -> int:
        """Rows of ``incoming_plan`` just planned that repeat a refused write of the same document — the
        same payload once placeholders are filled with the ids known now — take over its refusal
        instead of being sent to be refused again.

        A refused write is sent again when its document changes, not when a run first knows the id
        that a placeholder stood for; ``resend_refused`` still sends it, under its new key.
        """
        pairs = self.con.execute(
            """
            select p.idempotency_key, p.payload, l.payload, l.error_class, l.error_code, l.error_message,
                   l.error_hint
            from incoming_plan p
            join sync.write_ledger n on n.idempotency_key = p.idempotency_key and n.status = 'planned'
             and n.planned_at = ?
            join sync.writes l on l.connection_id = p.connection_id and l.target = p.target
             and l.entity = p.entity and l.operation = p.operation and l.ref = p.ref
            where l.connection_id = ? and l.idempotency_key <> p.idempotency_key and l.refused
              and l.sent_at is not null
            """, [planned_at, self.connection_id]).fetchall()
        ids = self.known_targets() if pairs else {}
        carried = 0
        for key, payload, refused_payload, error_class, code, message, hint in pairs:
            try:
                same = resolve_refs(json.loads(payload), ids) == resolve_refs(json.loads(refused_payload), ids)
            except KeyError:  # a placeholder still unknown: not comparable, so a new write
                same = False
            if same:
                self.con.execute("update sync.write_ledger set status = 'failed', error_class = ?, error_code = ?, "
                                 "error_message = ?, error_hint = ? where idempotency_key = ? and connection_id = ?",
                                 [error_class, code, message, hint, key, self.connection_id])
                carried += 1
        return carried

    # -- events ----------------------------------------------------------------------------------------

    def apply(self, event: str, keys: Iterable[str], run_id: str, *, problem: errors.Classified | None = None,
              target_ids: dict[str, str | None] | None = None, **fields: Any) -> int:
        """Move the rows with ``keys`` through ``event`` in one committed statement; how many.

        ``problem`` sets the error columns; ``target_ids`` (key -> id) the target's id of each row.
        Raises :class:`IllegalTransition`, changing nothing, when a row is not in a state the event allows.
        """
        keys = list(dict.fromkeys(keys))
        if not keys:
            return 0
        spec = EVENTS[event]
        result = spec.result
        stamp = now()
        values: dict[str, Any] = {"status": _STATUS_OF[result]}
        if problem is not None:
            values |= {"error_class": problem.error_class, "error_code": problem.code,
                       "error_message": problem.message, "error_hint": problem.hint}
        elif result in ("confirmed", "planned", "skipped"):
            values |= {"error_class": None, "error_code": None, "error_message": None, "error_hint": None}
        if result == "confirmed":
            values["confirmed_at"] = stamp
        if event == "send":
            values["sent_at"] = stamp
        if result == "planned":
            values["sent_at"] = None  # known not written: it no longer counts as sent
        values |= fields
        if result == "retrying" and values.get("error_class") != errors.RETRYABLE:
            raise ValueError(f"{event} needs a retryable problem")
        if result == "refused" and values.get("error_class") in (None, errors.RETRYABLE):
            raise ValueError(f"{event} needs a problem that is not retryable")
        assignments = ", ".join(f"{name} = ?" for name in values)
        if event == "send":
            assignments += ", attempts = attempts + 1"
        frame = pl.DataFrame({"idempotency_key": keys,
                              "new_target_id": [(target_ids or {}).get(k) for k in keys]},
                             schema={"idempotency_key": pl.String, "new_target_id": pl.String})
        if target_ids is not None:
            assignments += ", target_id = e.new_target_id"
        with registered(self.con, "wanted_keys", _keys(keys)):
            current = self.con.sql(f"select idempotency_key, {STATE_SQL} as state from sync.write_ledger "
                                   "join wanted_keys using (idempotency_key) where connection_id = ?",
                                   params=[self.connection_id]).pl()
        wrong = current.filter(~pl.col("state").is_in(sorted(spec.sources))).rows()
        if wrong or current.height != len(keys):
            missing = sorted(set(keys) - set(current["idempotency_key"].to_list()))
            raise IllegalTransition(f"{event} applies to {sorted(spec.sources)}, not to "
                                    f"{wrong + [(k, 'not in this connection') for k in missing]}")
        with registered(self.con, "event_rows", frame):
            self.con.execute(
                f"update sync.write_ledger l set {assignments}, run_id = ?, updated_at = ? from event_rows e "
                "where l.idempotency_key = e.idempotency_key and l.connection_id = ?",
                [*values.values(), run_id, stamp, self.connection_id])
        return len(keys)

    def confirm(self, outcomes: Sequence[tuple[str, str | None]], run_id: str, event: str = "answer") -> None:
        """``outcomes``: (idempotency_key, target_id) pairs answered (``answer``) or ``found`` in the target."""
        self.apply(event, [k for k, _ in outcomes], run_id, target_ids=dict(outcomes))


def _check_state(state: str) -> None:
    if state not in STATES:
        raise ValueError(f"unknown write state {state!r}; one of {sorted(STATES)}")


# -- what the retry sensor re-runs ----------------------------------------------------------------------

RETRY_SQL = """
select business_date, idempotency_key, status, attempts,
       case when state = 'retrying' then 'temporary failure'
            when state = 'planned' then 'stopped by the daily limit'
            when state = 'sent' then 'sent, answer lost'
            else 'lock date moved' end as reason
from sync.writes
where connection_id = $connection and (
    (state = 'retrying' and attempts < $max_attempts)
 or (state = 'planned' and error_class = 'daily_limit' and cast(updated_at as date) < $today_utc)
 or (state = 'sent' and updated_at < $stuck_before)
 or (state = 'held' and business_date > coalesce($lock_date, date '0001-01-01')))
"""


def due_for_retry(con: duckdb.DuckDBPyConnection, connection_id: str, *, max_attempts: int, today_utc: date,
                  stuck_before: datetime, lock_date: date | None) -> list[tuple[Any, ...]]:
    """(business_date, key, status, attempts, reason) of the writes another run would move on:
    temporary failures under ``max_attempts`` (looked up first), writes stopped by the daily limit once
    the UTC day has turned, writes left ``sent`` by a run that died, and writes held by a lock date
    that has since moved before them."""
    if not exists(con):
        return []
    return con.execute(RETRY_SQL, {"connection": connection_id, "max_attempts": max_attempts,
                                   "today_utc": today_utc, "stuck_before": stuck_before,
                                   "lock_date": lock_date}).fetchall()
