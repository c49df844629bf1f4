"""The one write path: plan → ledger → target, exactly once.

``Sink.run(plan)`` records the plan in ``sync.write_ledger`` and, unless it is a dry run, sends
what is still to send, in dependency order and in batches, then records the outcomes and tells
Auxo the Xero ids (or errors) of what it wrote. In order:

1. record the plan (new rows ``planned``; rows already in the ledger keep their state);
2. finish what a previous run left in doubt, per document: every row of unknown outcome for the
   documents in play, whatever its key (an older version of a document edited since), is looked
   up in the target and confirmed, or made ``planned`` again; a document whose lookup failed sends
   nothing in this run;
3. never create a document twice: a create whose document the ledger already created is skipped;
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
run killed at any point is completed by the next one without duplicates. Every change of a row's
state is an event of :class:`pipelines.sync.ledger.Ledger`, the one definition of those rules.
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
from pipelines.sync.ledger import SENDABLE, Ledger
from pipelines.sync.plan import PlannedWrite, plan_frame, resolve_refs
from pipelines.sync.targets import Adapter, Outcome, adapter_for
from pipelines.warehouse import fetch_one, table_exists

log = logging.getLogger(__name__)

# Xero entities that post on a date, and so are refused in a locked period
DATED_ENTITIES = frozenset({"invoice", "credit_note", "payment", "prepayment", "manual_journal", "bill"})
WRITEBACK_ENTITY = "auxo_sync_status"
PLACEHOLDER_SYSTEM = "xero"  # the only system whose ids a plan cannot know before writing
MAX_CONSECUTIVE_BATCH_FAILURES = 3
Item = tuple[dict[str, Any], dict[str, Any]]  # a ledger row and its resolved payload
Answered = list[tuple[Item, Outcome]]  # a stage's answered rows, whose write-backs are recorded at its end


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

    def __init__(self, con: duckdb.DuckDBPyConnection, *, connection_id: str, xero: Any = None, auxo: Any = None,
                 run_id: str | None = None, dry_run: bool = False,
                 lock_dates: Callable[[], LockDates] | None = None,
                 extracted_lock_dates: LockDates | None = None, resend_refused: bool = False,
                 progress: Callable[[str], None] | None = None) -> None:
        self.con = con
        self.ledger = Ledger(con, connection_id)
        self.clients = {"xero": xero, "auxo": auxo}
        self.run_id = run_id or f"manual-{uuid.uuid4().hex[:12]}"
        self.dry_run = dry_run
        self._lock_dates = lock_dates
        self._extracted_lock_dates = extracted_lock_dates
        self._resend_refused = resend_refused
        self._progress = progress or (lambda message: log.info(message))
        self._stopped: dict[str, str] = {}
        self._held_writebacks: list[str] = []
        self._unresolved: set[tuple[str, ...]] = set()  # documents whose unknown outcome could not be checked
        ledger.ensure_ledger(con)

    # -- entry point --------------------------------------------------------------------------

    def run(self, plan: pl.DataFrame, pending_keys: list[str] | None = None) -> SinkReport:
        """Record ``plan`` and send what is due; ``pending_keys`` adds ledger rows not in this plan
        (write-backs recorded by an earlier sink) to what is sent."""
        report = SinkReport(dry_run=self.dry_run)
        report.recorded = self.ledger.record(plan, self.run_id)
        keys = plan["idempotency_key"].to_list() if not plan.is_empty() else []
        keys = list(dict.fromkeys([*keys, *(pending_keys or [])]))
        if not self.dry_run:
            # write-backs are recorded once per stage: a run killed mid-stage left confirmed (or refused)
            # Xero writes whose write-back was never recorded; they are recorded now, before anything is sent
            self._held_writebacks.extend(self._recover_writebacks())
        if not self.dry_run and (keys or self._held_writebacks):
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
        return self.ledger.counts(keys)

    # -- step 2: rows of unknown outcome ---------------------------------------------------------

    def _reconcile(self, keys: list[str]) -> int:
        rows = self.ledger.unknown_for_documents(keys)
        found: list[tuple[dict[str, Any], Outcome]] = []
        known = self.ledger.known_targets(PLACEHOLDER_SYSTEM) if not rows.is_empty() else {}
        for row in rows.iter_rows(named=True):
            client = self.clients.get(row["target"])
            if client is None:
                self._unresolved.add(_document(row))
                continue
            adapter = adapter_for(row["target"], row["entity"], row["operation"])
            try:
                payload = resolve_refs(json.loads(row["payload"]), known)
            except KeyError:
                # a placeholder no write ever filled: the request could not have named its dependency
                self.ledger.apply("not_found", [row["idempotency_key"]], self.run_id)
                continue
            try:
                target_id = adapter.lookup(client, payload, row["source_id"])
            except KeyError:  # the payload lacks what its lookup searches by: it cannot be in the target so
                target_id = None
            except ApiError as exc:
                self._unresolved.add(_document(row))
                self._progress(f"could not check {row['description']} in {row['target']}: {exc}; nothing of it is "
                               "sent until a later run has checked it")
                continue
            if target_id:
                self.ledger.confirm([(row["idempotency_key"], target_id)], self.run_id, event="found")
                found.append((row, Outcome(True, target_id=target_id)))
                if row["operation"] == "create" and row["target"] == PLACEHOLDER_SYSTEM:
                    known[row["ref"]] = target_id  # a later row's placeholder may name it (rows go by sent_at)
            else:
                self.ledger.apply("not_found", [row["idempotency_key"]], self.run_id)
        # an older version known not written is replaced by the version in play
        self.ledger.settle_versions(keys, self.run_id)
        if found:
            self._held_writebacks.extend(self._writebacks([(row, {}) for row, _ in found], [o for _, o in found]))
            self._progress(f"{len(found)} writes of an earlier run had reached their target; recorded without resending")
        return len(found)

    # -- step 3: one create per document ----------------------------------------------------------

    def _skip_duplicate_creates(self, keys: list[str]) -> None:
        for key, target_id in self.ledger.already_created(keys).items():
            self.ledger.apply("duplicate", [key], self.run_id, error_code="already_created",
                              error_message=f"already created in Xero as {target_id}")

    # -- step 4: lock dates ---------------------------------------------------------------------

    def _hold_locked(self, keys: list[str]) -> None:
        if self._lock_dates is None or self.clients.get("xero") is None:
            return
        rows = self.ledger.rows(keys).filter(
            (pl.col("target") == "xero") & pl.col("entity").is_in(list(DATED_ENTITIES))
            & pl.col("state").is_in(["planned", "held"]))
        if rows.is_empty() or self._still_held(rows):
            return
        lock = self._lock_dates().effective
        if lock is None:
            self.ledger.apply("release", rows.filter(pl.col("state") == "held")["idempotency_key"], self.run_id)
            return
        locked = rows.filter(pl.col("business_date") <= lock)
        newly_held = []
        for row in locked.iter_rows(named=True):
            # the message is about the row, not a copy of its description (shown beside it everywhere)
            problem = errors.held(f"dated {row['business_date']}, on or before Xero's lock date {lock}")
            self.ledger.apply("hold", [row["idempotency_key"]], self.run_id, problem=problem)
            newly_held.append((row, Outcome(False, problem=problem)))
        # the workshop sees in Auxo why the document did not reach Xero
        self._held_writebacks += self._writebacks([(row, {}) for row, _ in newly_held], [o for _, o in newly_held])
        release = rows.filter((pl.col("business_date") > lock) & (pl.col("state") == "held"))
        self.ledger.apply("release", release["idempotency_key"], self.run_id)

    def _still_held(self, rows: pl.DataFrame) -> bool:
        """Nothing new to send, and the lock dates as extracted this run still cover every held row.

        Lock dates only ever matter before a send: they are read live whenever a row may be sent. A
        lock date moved back since the extraction releases its held rows one run later, never early.
        """
        lock = self._extracted_lock_dates.effective if self._extracted_lock_dates else None
        if lock is None or (rows["state"] == "planned").any():
            return False
        return bool((rows["business_date"] <= lock).all())

    # -- step 5/6: sending --------------------------------------------------------------------------

    def _send_target(self, target: str, keys: list[str], followups: list[str]) -> int:
        client = self.clients[target]
        sendable = SENDABLE | ledger.REFUSED if self._resend_refused else SENDABLE
        rows = self.ledger.rows(keys).filter((pl.col("target") == target) & pl.col("state").is_in(sorted(sendable)))
        if self._unresolved:  # a document whose earlier write may be in the target waits for its lookup
            waiting = pl.DataFrame(sorted(self._unresolved), schema=list(ledger.DOCUMENT), orient="row")
            rows = rows.join(waiting, on=list(ledger.DOCUMENT), how="anti")
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
        dependencies = {ref for deps in stage["depends_on"].to_list() for ref in (deps or [])}
        known = self.ledger.known_targets(PLACEHOLDER_SYSTEM)
        known.update({ref: id_ for ref, id_ in self.ledger.confirmed_refs(dependencies, PLACEHOLDER_SYSTEM).items()
                      if id_})
        met = set(known) | set(self.ledger.confirmed_refs(dependencies))
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
        # the stage's answers whose write-backs are recorded once, at the stage's end: each batch's outcome
        # is committed to the ledger first, so a kill before the end loses nothing (_recover_writebacks)
        answered: Answered = []
        try:
            batches = self._send_groups(target, client, ready, answered)
        except Exception:  # a failure the sink did not expect still records what Xero answered
            self._record_writebacks(target, answered, followups)
            raise
        self._record_writebacks(target, answered, followups)
        return batches

    def _record_writebacks(self, target: str, answered: Answered, followups: list[str]) -> None:
        if target == "xero" and answered:
            followups.extend(self._writebacks([item for item, _ in answered], [o for _, o in answered]))

    def _send_groups(self, target: str, client: Any, ready: dict[tuple[str, ...], list[Item]],
                     answered: Answered) -> int:
        batches = 0
        for items in ready.values():
            first = items[0][0]
            adapter = adapter_for(target, first["entity"], first["operation"])
            failures_in_a_row = 0
            for chunk in _chunks(items, adapter.batch_size):
                if target in self._stopped:
                    return batches
                ok = self._send_batch(target, adapter, client, chunk, answered)
                batches += 1
                failures_in_a_row = 0 if ok else failures_in_a_row + 1
                if failures_in_a_row >= MAX_CONSECUTIVE_BATCH_FAILURES:
                    self._stopped[target] = (f"{target} kept failing ({failures_in_a_row} batches in a row); "
                                             "the rest waits for the next run")
                    return batches
        return batches

    def _block(self, row: dict[str, Any], missing: list[str]) -> None:
        reasons = []
        for ref in missing:
            found = self.ledger.latest(ref)
            if found:
                what, status, message = found
                reasons.append(f"{what} ({status}{': ' + message if message else ''})")
            else:
                reasons.append(self._unplanned_reason(ref))
        problem = errors.blocked("It waits for " + "; ".join(reasons))
        self.ledger.apply("block", [row["idempotency_key"]], self.run_id, problem=problem)

    def _unplanned_reason(self, ref: str) -> str:
        """Why a dependency has no write planned: a contact waiting in the review queue says so."""
        if ref.startswith("contact:") and table_exists(self.con, "plans", "contact_matches"):
            found = fetch_one(self.con, "select decision, reason from plans.contact_matches where ref = ? "
                              "and connection_id = ? limit 1", [ref, self.ledger.connection_id])
            if found and found[0] == "review":
                return (f"{ref} (waiting in the contact review queue, plans.contact_review: {found[1]}; "
                        "a person links it to a Xero contact or asks for a new one)")
        return f"{ref} (not planned yet)"

    def _send_batch(self, target: str, adapter: Adapter, client: Any,
                    chunk: list[Item], answered: Answered) -> bool:
        keys = [row["idempotency_key"] for row, _ in chunk]
        # a refused write sent again must not replay Xero's cached refusal (an Idempotency-Key's answer
        # is kept for minutes): its attempt count makes the key new; anything else keeps its key, so a
        # retry of a request whose answer was lost replays that answer
        resent = [row["attempts"] for row, _ in chunk if row["state"] == "refused"]
        batch_key = _batch_key(keys, f"resend-{max(resent)}" if resent else "")
        self.ledger.apply("send", keys, self.run_id, batch_key=batch_key)  # committed before the request leaves
        try:
            outcomes = adapter.send(client, [payload for _, payload in chunk], batch_key)
        except DailyLimitReached as exc:
            # nothing was written by this call: back to planned, resume next run
            self.ledger.apply("stop_for_the_day", keys, self.run_id, problem=errors.daily_limit(str(exc)))
            self._stopped[target] = str(exc)
            return False
        except AuthError as exc:
            self.ledger.apply("refuse", keys, self.run_id, problem=errors.auth_failure(str(exc)))
            self._stopped[target] = str(exc)
            return False
        except (RetryableApiError, ApiError) as exc:
            # the outcome is unknown (the request may have been applied): next run looks it up first
            self.ledger.apply("fail_temporarily", keys, self.run_id, problem=errors.retryable(str(exc)))
            self._progress(f"{target}: a batch of {len(keys)} {chunk[0][0]['entity']} writes failed for now: {exc}")
            return False
        confirmed = []
        refused: dict[errors.Classified, list[str]] = {}  # one statement per distinct problem, not per row
        for (row, _), outcome in zip(chunk, outcomes, strict=True):
            if outcome.ok:
                confirmed.append((row["idempotency_key"], outcome.target_id))
            else:
                problem = outcome.problem or errors.classify_xero_validation([])
                refused.setdefault(problem, []).append(row["idempotency_key"])
        for problem, refused_keys in refused.items():
            self.ledger.apply("refuse", refused_keys, self.run_id, problem=problem)
        self.ledger.confirm(confirmed, self.run_id)
        answered.extend(zip(chunk, outcomes, strict=True))
        self._progress(f"{target}: {len(confirmed)}/{len(keys)} {chunk[0][0]['entity']} "
                       f"{chunk[0][0]['operation']} written")
        return True

    def _recover_writebacks(self) -> list[str]:
        """Write-backs of Xero answers already in the ledger but never recorded (the run died mid-stage)."""
        rows = self.ledger.unrecorded_writebacks()
        if rows.is_empty():
            return []
        outcomes = [Outcome(True, target_id=row["target_id"]) if row["state"] == "confirmed" else
                    Outcome(False, problem=errors.Classified(row["error_class"], row["error_code"] or "",
                                                             row["error_message"] or "", row["error_hint"] or ""))
                    for row in rows.iter_rows(named=True)]
        keys = self._writebacks([(row, {}) for row in rows.iter_rows(named=True)], outcomes)
        if keys:
            self._progress(f"{len(keys)} Auxo write-backs of an earlier run's Xero answers recorded")
        return keys

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
        self.ledger.record(frame, self.run_id)
        return frame["idempotency_key"].to_list()


def _document(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row[name] for name in ledger.DOCUMENT)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _batch_key(keys: list[str], salt: str = "") -> str:
    import hashlib

    return "batch-" + hashlib.sha256(("|".join(keys) + salt).encode()).hexdigest()[:48]
