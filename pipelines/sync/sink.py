"""The one write path: plan → ledger → target, exactly once.

``Sink.run(plan)`` records the plan in ``sync.write_ledger`` and, unless it is a dry run, sends
what is still to send, in dependency order and in batches, then records the outcomes and tells
Auxo the Xero ids (or errors) of what it wrote. In order:

1. record the plan (new rows ``planned``; rows already in the ledger keep their state);
2. finish what a previous run left in doubt: rows that were sent without a recorded answer are
   looked up in the target and confirmed, or made ``planned`` again;
3. never create a document twice: a create whose document the ledger already created, or may
   have (under an older version of the plan, sent with no answer), is skipped;
4. hold documents dated on or before Xero's lock dates (read from Xero before writing; a run with
   nothing new to send and only held documents that the lock dates of its own extraction still
   cover makes no call for them);
5. send stage by stage (``priority``): contacts, then documents, then payments and allocations,
   then journals; ``$ref`` placeholders are filled from what is confirmed; a row whose dependency
   failed is ``blocked`` with the reason. A row the target refused (``needs_person``) is sent
   again as its new version once its document changes, or as it is when asked (``resend_refused``:
   a person fixed the cause in the target, e.g. renumbered the clashing Xero invoice). A refused
   document was never written, so sending it again cannot duplicate it;
6. Auxo writes last, including the write-backs of this run's Xero outcomes.

Rows are marked ``sent`` (committed) before each request and ``confirmed``/``failed`` after, so a
run killed at any point is completed by the next one without duplicates.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.http import ApiError, AuthError, DailyLimitReached, RetryableApiError
from pipelines.sync import errors, ledger
from pipelines.sync.plan import PlannedWrite, plan_frame, resolve_refs
from pipelines.sync.targets import Adapter, Outcome, adapter_for
from pipelines.warehouse import fetch_one, table_exists

log = logging.getLogger(__name__)

# Xero entities that post on a date, and so are refused in a locked period
DATED_ENTITIES = frozenset({"invoice", "credit_note", "payment", "prepayment", "manual_journal", "bill"})
WRITEBACK_ENTITY = "auxo_sync_status"
PLACEHOLDER_SYSTEM = "xero"  # the only system whose ids a plan cannot know before writing
MAX_CONSECUTIVE_BATCH_FAILURES = 3


@dataclass
class SinkReport:
    """What a sink run did, for logs, asset metadata and the CLI summary."""

    dry_run: bool
    recorded: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # final status -> rows of this plan
    reconciled: int = 0
    sent_batches: int = 0
    stopped_reason: str | None = None
    calls: dict[str, int] = field(default_factory=dict)


@dataclass
class LockDates:
    period: date | None = None
    end_of_year: date | None = None

    @property
    def effective(self) -> date | None:
        dates = [d for d in (self.period, self.end_of_year) if d]
        return max(dates) if dates else None


class Sink:
    """Sends a plan through the ledger to Xero and Auxo."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, xero: Any = None, auxo: Any = None,
                 run_id: str | None = None, dry_run: bool = False,
                 lock_dates: Callable[[], LockDates] | None = None,
                 extracted_lock_dates: LockDates | None = None, resend_refused: bool = False,
                 progress: Callable[[str], None] | None = None) -> None:
        self.con = con
        self.clients = {"xero": xero, "auxo": auxo}
        self.run_id = run_id or f"manual-{uuid.uuid4().hex[:12]}"
        self.dry_run = dry_run
        self._lock_dates = lock_dates
        self._extracted_lock_dates = extracted_lock_dates
        self._resend_classes = [errors.RETRYABLE, errors.NEEDS_PERSON] if resend_refused else [errors.RETRYABLE]
        self._progress = progress or (lambda message: log.info(message))
        self._stopped: dict[str, str] = {}
        self._held_writebacks: list[str] = []
        ledger.ensure_ledger(con)

    # -- entry point --------------------------------------------------------------------------

    def run(self, plan: pl.DataFrame, pending_keys: list[str] | None = None) -> SinkReport:
        """Record ``plan`` and send what is due; ``pending_keys`` adds ledger rows not in this plan
        (write-backs recorded by an earlier sink) to what is sent."""
        report = SinkReport(dry_run=self.dry_run)
        report.recorded = ledger.record_plan(self.con, plan, self.run_id)
        keys = plan["idempotency_key"].to_list() if not plan.is_empty() else []
        keys = list(dict.fromkeys([*keys, *(pending_keys or [])]))
        if not self.dry_run and keys:
            report.reconciled = self._reconcile(keys)
            self._skip_duplicate_creates(keys)
            self._hold_locked(keys)
            followups: list[str] = list(self._held_writebacks)
            for target in ("xero", "auxo"):
                if self.clients.get(target) is None:
                    continue
                batch_keys = keys + followups if target == "auxo" else keys
                report.sent_batches += self._send_target(target, batch_keys, followups)
            keys = keys + followups
        report.counts = self._counts(keys)
        report.stopped_reason = "; ".join(self._stopped.values()) or None
        for target, client in self.clients.items():
            if client is not None:
                for (method, endpoint), n in client.calls.items():
                    report.calls[f"{target} {method} {endpoint}"] = n
        return report

    def _counts(self, keys: list[str]) -> dict[str, int]:
        rows = ledger.load(self.con, keys)
        return dict(rows.group_by("status").len().iter_rows()) if not rows.is_empty() else {}

    # -- step 2: rows of unknown outcome ---------------------------------------------------------

    def _reconcile(self, keys: list[str]) -> int:
        rows = ledger.load(self.con, keys).filter(
            (pl.col("status") == "sent") | ((pl.col("status") == "failed") & (pl.col("error_class") == errors.RETRYABLE)
                                            & pl.col("sent_at").is_not_null()))
        found = 0
        for row in rows.iter_rows(named=True):
            client = self.clients.get(row["target"])
            if client is None:
                continue
            adapter = adapter_for(row["target"], row["entity"], row["operation"])
            known = ledger.known_targets(self.con, row["connection_id"], PLACEHOLDER_SYSTEM)
            try:
                payload = resolve_refs(json.loads(row["payload"]), known)
                target_id = adapter.lookup(client, payload, row["source_id"])
            except KeyError:
                target_id = None
            except ApiError as exc:
                self._progress(f"could not check {row['description']} in {row['target']}: {exc}; left for next run")
                continue
            if target_id:
                ledger.mark_confirmed(self.con, [(row["idempotency_key"], target_id)], self.run_id)
                found += 1
            else:
                ledger.update(self.con, [row["idempotency_key"]], run_id=self.run_id, status="planned")
        if found:
            self._progress(f"{found} writes of an earlier run had reached their target; recorded without resending")
        return found

    # -- step 3: one create per document ----------------------------------------------------------

    def _skip_duplicate_creates(self, keys: list[str]) -> None:
        rows = ledger.load(self.con, keys).filter((pl.col("operation") == "create") & (pl.col("status") == "planned"))
        if rows.is_empty():
            return
        frame = rows.select("idempotency_key", "connection_id", "target", "entity", "ref")
        self.con.register("create_rows", frame)
        try:
            dupes = self.con.execute(
                """
                select c.idempotency_key, any_value(l.target_id), any_value(l.status)
                from create_rows c join sync.write_ledger l
                  on l.connection_id = c.connection_id and l.target = c.target and l.entity = c.entity
                 and l.ref = c.ref and l.operation = 'create' and l.idempotency_key <> c.idempotency_key
                 and (l.status = 'confirmed' or l.sent_at is not null
                      and (l.status = 'sent' or l.status = 'failed' and l.error_class = ?))
                group by c.idempotency_key
                """, [errors.RETRYABLE]).fetchall()
        finally:
            self.con.unregister("create_rows")
        for key, target_id, status in dupes:
            message = (f"already created in Xero as {target_id}" if status == "confirmed"
                       else "an earlier create of this document may have reached Xero; it is checked first")
            ledger.update(self.con, [key], run_id=self.run_id, status="skipped", error_code="already_created",
                          error_message=message)

    # -- step 4: lock dates ---------------------------------------------------------------------

    def _hold_locked(self, keys: list[str]) -> None:
        if self._lock_dates is None or self.clients.get("xero") is None:
            return
        rows = ledger.load(self.con, keys).filter(
            (pl.col("target") == "xero") & pl.col("entity").is_in(list(DATED_ENTITIES))
            & pl.col("status").is_in(["planned", "held"]))
        if rows.is_empty() or self._still_held(rows):
            return
        lock = self._lock_dates().effective
        if lock is None:
            release = rows.filter(pl.col("status") == "held")["idempotency_key"].to_list()
            ledger.update(self.con, release, run_id=self.run_id, status="planned")
            return
        locked = rows.filter(pl.col("business_date") <= lock)
        newly_held = []
        for row in locked.iter_rows(named=True):
            # the message is about the row, not a copy of its description (shown beside it everywhere)
            problem = errors.held(f"dated {row['business_date']}, on or before Xero's lock date {lock}")
            ledger.mark_problem(self.con, [row["idempotency_key"]], "held", problem.error_class, problem.code,
                                problem.message, problem.hint, self.run_id)
            newly_held.append((row, Outcome(False, problem=problem)))
        # the workshop sees in Auxo why the document did not reach Xero
        self._held_writebacks = self._writebacks([(row, {}) for row, _ in newly_held], [o for _, o in newly_held])
        release = rows.filter((pl.col("business_date") > lock) & (pl.col("status") == "held"))
        ledger.update(self.con, release["idempotency_key"].to_list(), run_id=self.run_id, status="planned")

    def _still_held(self, rows: pl.DataFrame) -> bool:
        """Nothing new to send, and the lock dates as extracted this run still cover every held row.

        Lock dates only ever matter before a send: they are read live whenever a row may be sent. A
        lock date moved back since the extraction releases its held rows one run later, never early.
        """
        lock = self._extracted_lock_dates.effective if self._extracted_lock_dates else None
        if lock is None or (rows["status"] == "planned").any():
            return False
        return bool((rows["business_date"] <= lock).all())

    # -- step 5/6: sending --------------------------------------------------------------------------

    def _send_target(self, target: str, keys: list[str], followups: list[str]) -> int:
        client = self.clients[target]
        rows = ledger.load(self.con, keys).filter(
            (pl.col("target") == target)
            & (pl.col("status").is_in(["planned", "blocked"])
               | ((pl.col("status") == "failed") & pl.col("error_class").is_in(self._resend_classes))))
        batches = 0
        for priority in sorted(rows["priority"].unique().to_list()):
            if target in self._stopped:
                break
            stage = rows.filter(pl.col("priority") == priority).sort("business_date", "ref", nulls_last=True)
            batches += self._send_stage(target, client, stage, followups)
        return batches

    def _send_stage(self, target: str, client: Any, stage: pl.DataFrame, followups: list[str]) -> int:
        # placeholders take Xero ids only (an Auxo write's result is an Auxo id, which plans know already);
        # a dependency is met once its write is confirmed in whichever system it went to
        known = ledger.known_targets(self.con, stage["connection_id"][0], PLACEHOLDER_SYSTEM)
        known.update({ref: id_ for ref, id_ in self._confirmed_refs(stage, PLACEHOLDER_SYSTEM).items() if id_})
        met = set(known) | set(self._confirmed_refs(stage, None))
        ready: dict[tuple[str, ...], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for row in stage.iter_rows(named=True):
            missing = [ref for ref in row["depends_on"] or [] if ref not in met]
            if missing:
                self._block(row, missing)
                continue
            try:
                payload = resolve_refs(json.loads(row["payload"]), known)
            except KeyError as exc:
                self._block(row, [str(exc.args[0])])
                continue
            # writes to the same endpoint share calls (invoices and bills both go to PUT Invoices)
            group = adapter_for(target, row["entity"], row["operation"]).group(payload)
            ready.setdefault(group, []).append((row, payload))
        batches = 0
        for items in ready.values():
            first = items[0][0]
            adapter = adapter_for(target, first["entity"], first["operation"])
            failures_in_a_row = 0
            for chunk in _chunks(items, adapter.batch_size):
                if target in self._stopped:
                    return batches
                ok = self._send_batch(target, adapter, client, chunk, followups)
                batches += 1
                failures_in_a_row = 0 if ok else failures_in_a_row + 1
                if failures_in_a_row >= MAX_CONSECUTIVE_BATCH_FAILURES:
                    self._stopped[target] = (f"{target} kept failing ({failures_in_a_row} batches in a row); "
                                             "the rest waits for the next run")
                    return batches
        return batches

    def _confirmed_refs(self, stage: pl.DataFrame, target: str | None) -> dict[str, str]:
        """The stage's dependencies confirmed so far (any operation, not only creates), in ``target``
        (every system when None)."""
        refs = {ref for deps in stage["depends_on"].to_list() for ref in (deps or [])}
        if not refs:
            return {}
        rows = self.con.execute(
            "select ref, arg_max(coalesce(target_id, ''), confirmed_at) from sync.write_ledger "
            "where status = 'confirmed' and (? is null or target = ?) and ref = any(?) group by ref",
            [target, target, sorted(refs)]).fetchall()
        return dict(rows)

    def _block(self, row: dict[str, Any], missing: list[str]) -> None:
        reasons = []
        for ref in missing:
            found = fetch_one(
                self.con, "select description, status, error_message from sync.write_ledger where ref = ? "
                "order by updated_at desc limit 1", [ref])
            if found:
                what, status, message = found
                reasons.append(f"{what} ({status}{': ' + message if message else ''})")
            else:
                reasons.append(self._unplanned_reason(ref))
        problem = errors.blocked("It waits for " + "; ".join(reasons))
        ledger.mark_problem(self.con, [row["idempotency_key"]], "blocked", problem.error_class, problem.code,
                            problem.message, problem.hint, self.run_id)

    def _unplanned_reason(self, ref: str) -> str:
        """Why a dependency has no write planned: a contact waiting in the review queue says so."""
        if ref.startswith("contact:") and table_exists(self.con, "plans", "contact_matches"):
            found = fetch_one(self.con, "select decision, reason from plans.contact_matches where ref = ? limit 1", [ref])
            if found and found[0] == "review":
                return (f"{ref} (waiting in the contact review queue, plans.contact_review: {found[1]}; "
                        "a person links it to a Xero contact or asks for a new one)")
        return f"{ref} (not planned yet)"

    def _send_batch(self, target: str, adapter: Adapter, client: Any,
                    chunk: list[tuple[dict[str, Any], dict[str, Any]]], followups: list[str]) -> bool:
        keys = [row["idempotency_key"] for row, _ in chunk]
        # a refused write sent again must not replay Xero's cached refusal (an Idempotency-Key's answer
        # is kept for minutes): its attempt count makes the key new; anything else keeps its key, so a
        # retry of a request whose answer was lost replays that answer
        resent = [row["attempts"] for row, _ in chunk
                  if row["status"] == "failed" and row["error_class"] == errors.NEEDS_PERSON]
        batch_key = _batch_key(keys, f"resend-{max(resent)}" if resent else "")
        ledger.mark_sent(self.con, keys, batch_key, self.run_id)  # committed before the request leaves
        try:
            outcomes = adapter.send(client, [payload for _, payload in chunk], batch_key)
        except DailyLimitReached as exc:
            # nothing was written by this call: back to planned, resume next run
            ledger.update(self.con, keys, run_id=self.run_id, status="planned", sent_at=None,
                          error_class=errors.DAILY_LIMIT, error_code="daily_limit", error_message=str(exc),
                          error_hint=errors.daily_limit(str(exc)).hint)
            self._stopped[target] = str(exc)
            return False
        except AuthError as exc:
            problem = errors.auth_failure(str(exc))
            ledger.mark_problem(self.con, keys, "failed", problem.error_class, problem.code, problem.message,
                                problem.hint, self.run_id)
            self._stopped[target] = str(exc)
            return False
        except (RetryableApiError, ApiError) as exc:
            # the outcome is unknown (the request may have been applied): next run looks it up first
            problem = errors.retryable(str(exc))
            ledger.mark_problem(self.con, keys, "failed", problem.error_class, problem.code, problem.message,
                                problem.hint, self.run_id)
            self._progress(f"{target}: a batch of {len(keys)} {chunk[0][0]['entity']} writes failed for now: {exc}")
            return False
        confirmed = []
        for (row, _), outcome in zip(chunk, outcomes, strict=True):
            if outcome.ok:
                confirmed.append((row["idempotency_key"], outcome.target_id))
            else:
                problem = outcome.problem or errors.classify_xero_validation([])
                ledger.mark_problem(self.con, [row["idempotency_key"]], "failed", problem.error_class, problem.code,
                                    problem.message, problem.hint, self.run_id)
        ledger.mark_confirmed(self.con, confirmed, self.run_id)
        if target == "xero":
            followups.extend(self._writebacks(chunk, outcomes))
        self._progress(f"{target}: {len(confirmed)}/{len(keys)} {chunk[0][0]['entity']} "
                       f"{chunk[0][0]['operation']} written")
        return True

    def _writebacks(self, chunk: list[tuple[dict[str, Any], dict[str, Any]]], outcomes: list[Outcome]) -> list[str]:
        """Auxo writes recording this batch's outcomes (Xero ids, or errors a person must see)."""
        writes = []
        for (row, _), outcome in zip(chunk, outcomes, strict=True):
            if not row["writeback"]:
                continue
            spec = json.loads(row["writeback"])
            item: dict[str, Any] = {"id": spec["id"]}
            if spec.get("line_id"):
                # a COGS journal is recorded on its invoice line; the invoice's own status is not the
                # journal's to change, and a journal's failure is in sync.sync_errors, not on the invoice
                if not outcome.ok:
                    continue
                item["cogs_journals"] = [{"line_id": spec["line_id"], "xero_journal_id": outcome.target_id}]
            elif outcome.ok:
                item["sync_status"] = "synced"
                item["xero_id"] = outcome.target_id
            elif outcome.problem and outcome.problem.error_class in (errors.NEEDS_PERSON, errors.HELD):
                item["sync_status"] = "error"
                item["sync_error"] = {"code": outcome.problem.code, "message": outcome.problem.message[:500]}
            else:
                continue
            writes.append(PlannedWrite(
                connection_id=row["connection_id"], target="auxo", entity=WRITEBACK_ENTITY, operation="update",
                ref=f"writeback:{row['idempotency_key']}", source_id=spec["id"], business_date=row["business_date"],
                payload={"path": f"{spec['resource']}/sync-status", "item": item},
                description=f"record in Auxo: {row['description']} → {item.get('sync_status', 'journal id')}",
                priority=190, plan_asset="sink"))
        if not writes:
            return []
        frame = plan_frame(writes)
        ledger.record_plan(self.con, frame, self.run_id)
        return frame["idempotency_key"].to_list()


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _batch_key(keys: list[str], salt: str = "") -> str:
    import hashlib

    return "batch-" + hashlib.sha256(("|".join(keys) + salt).encode()).hexdigest()[:48]
