"""Sensors that keep the books in step between the nightly runs.

- ``retry_failed_writes`` (every 10 minutes): re-runs the days whose writes are waiting for another
  try — temporary API failures (429, 5xx, timeouts) under the attempt limit, writes left
  ``planned`` when Xero's daily call limit stopped a run (once the UTC day has turned), writes left
  ``sent`` by a run that died, and writes held by a lock date that has since moved before them.
  The days go into one run (a range, like a backfill). Which writes those are is the ledger's
  rule (``pipelines.sync.ledger.due_for_retry``), not this module's.
- ``xero_changes_between_runs`` (every 15 minutes): asks Xero whether anything changed since the
  last extraction — invoices (payments, credits, edits and voids touch them), credit notes,
  contacts, manual journals: four calls — and if so runs today's partition, which brings those
  changes into Auxo and reconciles.
- ``xero_webhook_events`` (every 30 seconds): turns the events Xero's webhooks delivered to
  ``auxo-xero webhooks`` into one run of today's partition, skipping other organisations' events
  and the echoes of the sync's own writes (documents the warehouse already holds at that version).
  With webhooks set up (``XERO_WEBHOOK_KEY``) it replaces ``xero_changes_between_runs``, which
  then skips.
- ``auxo_changes`` (every 30 seconds): asks Auxo what changed since it last looked — payments and
  job deposits (one resource, ``payments``), invoices and credits: three calls of one page each —
  and when a person's change waits there (``sync_status`` ``pending``), runs today's partition,
  which plans every changed document whatever its date. The sync's own write-backs (``synced``,
  ``error``) move ``updated_at`` too but never launch a run.

All four launch the ``sync_day`` job, never while another sync run is queued or running (runs would
only wait for the warehouse), and name each request with a run key, so the same failures or the
same Xero or Auxo change never launch two runs. They start stopped: ``auxo-xero automation on`` turns
them on with the nightly schedule (or the UI, under Automation); ``auxo-xero daemon`` runs them.
"""

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from assets.jobs import sync_day
from assets.partitions import TIMEZONE
from assets.resources import AuxoApiResource, ConnectionResource, WarehouseResource, XeroApiResource
from pipelines import warehouse
from pipelines.auxo.client import format_timestamp
from pipelines.http import RetryableApiError, RetryPolicy
from pipelines.sync import ledger
from pipelines.xero.dates import convert_dates

T = TypeVar("T")
RETRY_SENSOR = "retry_failed_writes"
XERO_CHANGES_SENSOR = "xero_changes_between_runs"
LAUNCHED_BY = "auxo-xero/launched-by"
MAX_ATTEMPTS = 5  # a temporary failure that keeps failing is left to a person (recon.unsynced_documents)
STUCK_AFTER = timedelta(minutes=10)  # a write 'sent' this long ago with no answer belongs to a dead run
WAREHOUSE_WAIT_SECONDS = 5.0
IN_PROGRESS = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
               dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
# Xero collections whose UpdatedDateUTC moves when a person acts in Xero
PROBED = (("Invoices", "Invoices"), ("CreditNotes", "CreditNotes"), ("Contacts", "Contacts"),
          ("ManualJournals", "ManualJournals"))
STAGED_XERO = ("xero_invoices", "xero_credit_notes", "xero_contacts", "xero_manual_journals", "xero_payments",
               "xero_prepayments")


def sync_runs_in_progress(instance: dg.DagsterInstance) -> int:
    return len(instance.get_run_records(dg.RunsFilter(job_name=sync_day.name, statuses=IN_PROGRESS), limit=5))


@dataclass(frozen=True)
class Retry:
    """The writes to try again: their days, and a fingerprint of their state (the run key)."""

    first: date | None
    last: date | None
    writes: int
    undated: int
    fingerprint: str
    reasons: dict[str, int]


def writes_to_retry(con, connection_id: str, now: datetime) -> Retry | None:
    """What the retry sensor would re-run now, from the ledger (None: nothing)."""
    lock = None
    if warehouse.table_exists(con, "staging", "xero_organisation"):
        found = warehouse.fetch_one(
            con, "select max(greatest(coalesce(period_lock_date, date '0001-01-01'), "
                 "coalesce(end_of_year_lock_date, date '0001-01-01'))) from staging.xero_organisation "
                 "where connection_id = ?", [connection_id])
        lock = found[0] if found else None
    rows = ledger.due_for_retry(con, connection_id, max_attempts=MAX_ATTEMPTS, today_utc=now.astimezone(UTC).date(),
                                stuck_before=now - STUCK_AFTER, lock_date=lock)
    if not rows:
        return None
    days = sorted(d for d, *_ in rows if d is not None)
    reasons: dict[str, int] = {}
    for *_, reason in rows:
        reasons[reason] = reasons.get(reason, 0) + 1
    state = "|".join(sorted(f"{key}:{status}:{attempts}" for _, key, status, attempts, _ in rows))
    return Retry(first=days[0] if days else None, last=days[-1] if days else None, writes=len(rows),
                 undated=len(rows) - len(days), fingerprint=hashlib.sha256(state.encode()).hexdigest()[:16],
                 reasons=reasons)


def today_in_organisation(now: datetime) -> date:
    return now.astimezone(ZoneInfo(TIMEZONE)).date()


def retry_request(retry: Retry, now: datetime) -> dg.RunRequest:
    """One run for every day with writes to retry (a range, as a backfill); today when none is dated."""
    first = retry.first or today_in_organisation(now)
    last = retry.last or first
    tags = {LAUNCHED_BY: RETRY_SENSOR}
    if first == last:
        return dg.RunRequest(run_key=f"retry:{first}:{retry.fingerprint}", partition_key=first.isoformat(),
                             tags=tags)
    tags |= {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}
    return dg.RunRequest(run_key=f"retry:{first}..{last}:{retry.fingerprint}", tags=tags)


@dg.sensor(name=RETRY_SENSOR, job=sync_day, minimum_interval_seconds=600,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Every 10 minutes: re-runs the days whose writes wait for another try — temporary API "
                       "failures (up to 5 attempts), writes stopped by Xero's daily limit (after midnight UTC), "
                       "writes left 'sent' by a run that died, and writes held by a lock date that has moved. One "
                       "run covers all those days; never while another sync run is queued or running.")
def retry_failed_writes(context: dg.SensorEvaluationContext, warehouse: WarehouseResource,
                        connection: ConnectionResource) -> dg.RunRequest | dg.SkipReason:
    if sync_runs_in_progress(context.instance):
        return dg.SkipReason("a sync run is queued or running; its own sinks retry what is due")
    now = datetime.now(UTC)
    retry = _peek(warehouse, lambda con: writes_to_retry(con, connection.id(), now),
                  missing="no warehouse yet: no day has been synced")
    if isinstance(retry, dg.SkipReason):
        return retry
    if retry is None:
        return dg.SkipReason("no write waits for another try")
    request = retry_request(retry, now)
    context.log.info(f"re-running {request.run_key}: {retry.writes} writes ({retry.reasons})")
    return request


def _read_only(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A short read-only look at the warehouse, never held across ticks."""
    return warehouse.connect(path, read_only=True, wait_seconds=WAREHOUSE_WAIT_SECONDS)


def _peek(resource: WarehouseResource, read: Callable[[duckdb.DuckDBPyConnection], T],
          missing: str | None) -> T | dg.SkipReason | None:
    """``read`` in a short read-only look at the warehouse (every sensor's way in): a SkipReason when a run
    holds it, and when there is none yet (``missing``; None: ``None`` is returned instead)."""
    path = resource.database_path()
    if not path.exists():
        return dg.SkipReason(missing) if missing else None
    try:
        with _read_only(path) as con:
            return read(con)
    except RuntimeError as exc:  # another process holds the warehouse for writing
        return dg.SkipReason(f"the warehouse is busy ({exc}); trying again at the next tick")


def last_extracted_change(con, connection_id: str) -> datetime | None:
    """The newest ``UpdatedDateUTC`` of Xero's documents in staging: what the last extraction saw."""
    parts = [f"select max(updated_at) as m from staging.{table} where connection_id = $connection"
             for table in STAGED_XERO if warehouse.table_exists(con, "staging", table)]
    if not parts:
        return None
    rows = con.execute(f"select max(m) from ({' union all '.join(parts)})", {"connection": connection_id}).fetchall()
    return rows[0][0] if rows else None


def newest_xero_change(client, since: datetime) -> datetime | None:
    """The newest ``UpdatedDateUTC`` Xero reports after ``since`` (one page per probed collection)."""
    newest: datetime | None = None
    for endpoint, collection in PROBED:
        body = client.get(endpoint, params={"page": 1, "pageSize": 100}, modified_since=since)
        for record in convert_dates((body or {}).get(collection, [])):  # type: ignore[union-attr]
            stamp = record.get("UpdatedDateUTC")
            if isinstance(stamp, datetime) and stamp > since and (newest is None or stamp > newest):
                newest = stamp
    return newest


@dg.sensor(name=XERO_CHANGES_SENSOR, job=sync_day, minimum_interval_seconds=900,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Every 15 minutes: asks Xero (4 calls) whether invoices, credit notes, contacts or manual "
                       "journals changed since the last extraction; if so runs today's partition, which brings "
                       "payments, credits, edits and voids made in Xero into Auxo and reconciles. Never while "
                       "another sync run is queued or running.")
def xero_changes_between_runs(context: dg.SensorEvaluationContext, warehouse: WarehouseResource,
                              xero: XeroApiResource, connection: ConnectionResource) -> dg.RunRequest | dg.SkipReason:
    if webhooks_configured():
        return dg.SkipReason("Xero's webhooks are set up (XERO_WEBHOOK_KEY): the xero_webhook_events sensor "
                             "replaces this probe")
    if sync_runs_in_progress(context.instance):
        return dg.SkipReason("a sync run is queued or running; it reads Xero's changes itself")
    since = _peek(warehouse, lambda con: last_extracted_change(con, connection.id()),
                  missing="no warehouse yet: sync a day first")
    if isinstance(since, dg.SkipReason):
        return since
    if since is None:
        return dg.SkipReason("Xero has not been extracted yet: sync a day first")
    if context.cursor and datetime.fromisoformat(context.cursor) > since:
        since = datetime.fromisoformat(context.cursor)  # that change already launched a run
    client = xero.client()
    try:
        newest = newest_xero_change(client, since)
    finally:
        client.close()
    if newest is None:
        return dg.SkipReason(f"nothing changed in Xero since {since.isoformat()}")
    context.update_cursor(newest.isoformat())
    today = today_in_organisation(datetime.now(UTC)).isoformat()
    return dg.RunRequest(run_key=f"xero-changes:{newest.isoformat()}", partition_key=today,
                         tags={LAUNCHED_BY: XERO_CHANGES_SENSOR})


# --- Xero's webhooks ------------------------------------------------------------------------------------
WEBHOOK_SENSOR = "xero_webhook_events"


def webhooks_configured() -> bool:
    """Whether Xero's webhooks are set up here (``XERO_WEBHOOK_KEY``): then they replace the 15-minute probe."""
    from pipelines.xero.webhooks import configured_key

    return bool(configured_key())


# where the warehouse keeps the document an event is about: (staging table, id column)
STAGED_BY_CATEGORY = {"CONTACT": ("xero_contacts", "contact_id"), "INVOICE": ("xero_invoices", "invoice_id"),
                      "CREDITNOTE": ("xero_credit_notes", "credit_note_id")}


def _event_time(event) -> datetime | None:
    try:
        moment = datetime.fromisoformat(event.event_date_utc.rstrip("Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def events_already_extracted(con, connection_id: str, events: list) -> set[int]:
    """The events (by seq) whose document the warehouse already holds at that version or a later one —
    above all the echoes of the sync's own writes, which a run's reconciliation re-reads. Held means a
    staged ``UpdatedDateUTC`` at or after the event's time, with no tolerance: when in doubt, run. Only a
    trigger is dropped: a change the warehouse does not hold yet always launches a run."""
    seen: set[int] = set()
    for category, (table, column) in STAGED_BY_CATEGORY.items():
        mine = [e for e in events if e.category == category]
        if not mine or not warehouse.table_exists(con, "staging", table):
            continue
        rows = con.execute(f"select lower({column}), max(updated_at) from staging.{table} "
                           f"where connection_id = ? and lower({column}) in (select unnest(?::varchar[])) "
                           "group by 1", [connection_id, sorted({e.resource_id for e in mine})]).fetchall()
        held = dict(rows)
        for event in mine:
            stamp, moment = held.get(event.resource_id), _event_time(event)
            if stamp is not None and moment is not None and stamp >= moment:
                seen.add(event.seq)
    return seen


@dg.sensor(name=WEBHOOK_SENSOR, job=sync_day, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Every 30 seconds: reads the events Xero's webhooks delivered to `auxo-xero webhooks` "
                       "(contacts, invoices, credit notes created or updated in this organisation) since the last "
                       "tick, and runs today's partition once for all of them, which brings those changes into "
                       "Auxo. Skipped: events for other organisations, and changes the warehouse already holds "
                       "(the sync's own writes, re-read by their run). Never while another sync run is queued "
                       "or running: the events wait for the next tick.")
def xero_webhook_events(context: dg.SensorEvaluationContext, warehouse: WarehouseResource, xero: XeroApiResource,
                        connection: ConnectionResource) -> dg.RunRequest | dg.SkipReason:
    from pipelines import settings
    from pipelines.xero.webhooks import EventStore, new_events

    if sync_runs_in_progress(context.instance):
        return dg.SkipReason("a sync run is queued or running; the events wait for the next tick")
    path = settings.webhook_events_path()
    if not path.exists():
        return dg.SkipReason("no webhook received yet (is `auxo-xero webhooks` running and registered in Xero?)")
    store = EventStore(path)
    try:
        events = store.after(int(context.cursor or 0))
    finally:
        store.close()
    if not events:
        return dg.SkipReason("no new webhook event")
    client = xero.client()
    try:
        tenant = client.tenant_id or client.resolve_tenant()
    finally:
        client.close()
    last_seq = max(e.seq or 0 for e in events)
    mine = [e for e in events if e.tenant_id == tenant.lower() and e.relevant]
    extracted: set[int] = set()
    if mine:  # no warehouse yet: nothing is extracted
        looked = _peek(warehouse, lambda con: events_already_extracted(con, connection.id(), mine), missing=None)
        if isinstance(looked, dg.SkipReason):
            return looked
        extracted = looked or set()
    seen = new_events([e for e in events if e.seq not in extracted], tenant)
    context.update_cursor(str(last_seq))
    if seen is None or not seen.for_tenant:
        ignored = seen.ignored if seen else 0
        return dg.SkipReason(f"{len(extracted)} new events about changes the warehouse already holds (the "
                             f"sync's own writes) and {ignored} about other organisations or documents: skipped")
    today = today_in_organisation(datetime.now(UTC)).isoformat()
    context.log.info(f"running {today} for {seen.for_tenant} webhook events {seen.categories} "
                     f"(up to event {last_seq}; {seen.ignored + len(extracted)} skipped)")
    return dg.RunRequest(run_key=f"xero-webhook:{last_seq}", partition_key=today,
                         tags={LAUNCHED_BY: WEBHOOK_SENSOR})


# ---------------------------------------------------------------- Auxo changes, every 30 seconds

AUXO_CHANGES_SENSOR = "auxo_changes"
# Auxo endpoints watched, and the staging table holding what the last extraction read from each
AUXO_WATCHED = (("payments", "auxo_payments"), ("invoices", "auxo_invoices"),
                ("invoice-credits", "auxo_invoice_credits"))
AUXO_PAGE = 100  # records read per endpoint and tick: one call each however many changed
SENSOR_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0)


@dataclass(frozen=True)
class AuxoChanges:
    """What one look at Auxo found: the records a person changed (``pending``) and where to look next."""

    pending: dict[str, int]  # endpoint -> records waiting to be synced
    newest: datetime | None  # the newest ``updated_at`` of those
    seen: dict[str, datetime]  # endpoint -> the newest ``updated_at`` read (the next look starts after it)
    more: tuple[str, ...]  # endpoints with more changes than one page (read on the next tick)


def last_extracted_auxo_changes(con, connection_id: str) -> dict[str, datetime]:
    """Per watched endpoint, the newest ``updated_at`` the last extraction staged (empty: never extracted).
    An endpoint whose table is missing or empty gets the newest stamp of the others."""
    found: dict[str, datetime] = {}
    for endpoint, table in AUXO_WATCHED:
        if warehouse.table_exists(con, "staging", table):
            rows = con.execute(f"select max(updated_at) from staging.{table} where connection_id = ?",
                               [connection_id]).fetchall()
            if rows and rows[0][0] is not None:
                found[endpoint] = rows[0][0]
    if not found:
        return {}
    newest = max(found.values())
    return {endpoint: found.get(endpoint, newest) for endpoint, _ in AUXO_WATCHED}


def _stamp(value: object) -> datetime | None:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if isinstance(value, datetime) else None


def auxo_changes_since(client, since: dict[str, datetime], limit: int = AUXO_PAGE) -> AuxoChanges:
    """One page per watched endpoint of what changed after ``since`` (``updated_since`` is inclusive, so
    a record at exactly that stamp was read before). A record a person changed is ``pending``; one the
    sync wrote back (``synced``, ``error``, ``not_required``) is read past without counting."""
    pending: dict[str, int] = {}
    seen: dict[str, datetime] = {}
    more: list[str] = []
    newest: datetime | None = None
    for endpoint, _ in AUXO_WATCHED:
        start = since[endpoint]
        body = client.get(endpoint, {"updated_since": format_timestamp(start), "limit": limit}) or {}
        seen[endpoint] = start
        for record in body.get("data") or []:
            stamp = _stamp(record.get("updated_at"))
            if stamp is None or stamp <= start:
                continue
            seen[endpoint] = max(seen[endpoint], stamp)
            if record.get("sync_status") == "pending":
                pending[endpoint] = pending.get(endpoint, 0) + 1
                newest = stamp if newest is None or stamp > newest else newest
        if body.get("next_cursor"):
            more.append(endpoint)
    return AuxoChanges(pending=pending, newest=newest, seen=seen, more=tuple(more))


def auxo_cursor(seen: dict[str, datetime]) -> str:
    return json.dumps({endpoint: stamp.isoformat() for endpoint, stamp in sorted(seen.items())})


def read_auxo_cursor(cursor: str | None) -> dict[str, datetime]:
    """The sensor's cursor (endpoint -> last ``updated_at`` read); empty when there is none or it is not one
    of ours (it is then rebuilt from staging)."""
    if not cursor:
        return {}
    try:
        stamps = {endpoint: datetime.fromisoformat(value) for endpoint, value in json.loads(cursor).items()}
    except (ValueError, AttributeError, TypeError):
        return {}
    return stamps if set(stamps) == {endpoint for endpoint, _ in AUXO_WATCHED} else {}


def auxo_changes_request(changes: AuxoChanges, now: datetime) -> dg.RunRequest:
    """One run of today's partition, named by the newest pending change (the same change never runs twice)."""
    assert changes.newest is not None
    today = today_in_organisation(now).isoformat()
    return dg.RunRequest(run_key=f"auxo-changes:{changes.newest.isoformat()}", partition_key=today,
                         tags={LAUNCHED_BY: AUXO_CHANGES_SENSOR})


@dg.sensor(name=AUXO_CHANGES_SENSOR, job=sync_day, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Every 30 seconds: asks Auxo (3 calls: payments and deposits, invoices, credits) what "
                       "changed since it last looked; when a person changed any (sync status 'pending'), runs "
                       "today's partition, which sends every changed document whatever its date. The sync's own "
                       "write-backs never launch a run. Never while another sync run is queued or running.")
def auxo_changes(context: dg.SensorEvaluationContext, warehouse: WarehouseResource, auxo: AuxoApiResource,
                 connection: ConnectionResource) -> dg.RunRequest | dg.SkipReason:
    if sync_runs_in_progress(context.instance):
        return dg.SkipReason("a sync run is queued or running; Auxo's changes are looked at when it is done")
    since = read_auxo_cursor(context.cursor)
    if not since:  # first look: from what the last extraction saw (the warehouse is opened only then)
        since = _peek(warehouse, lambda con: last_extracted_auxo_changes(con, connection.id()),
                      missing="no warehouse yet: sync a day first")
        if isinstance(since, dg.SkipReason):
            return since
        if not since:
            return dg.SkipReason("Auxo has not been extracted yet: sync a day first")
    try:
        with auxo.client() as client:
            client.retry = SENSOR_RETRY  # the next tick is 30 s away: no long back-off inside this one
            changes = auxo_changes_since(client, since)
    except RetryableApiError as exc:  # 429, 5xx, a timeout: Auxo is asked again at the next tick
        return dg.SkipReason(f"Auxo did not answer ({exc}); asking again at the next tick")
    context.update_cursor(auxo_cursor(changes.seen))
    if changes.newest is None:
        later = f"; more to read from {', '.join(changes.more)} at the next tick" if changes.more else ""
        newest = max(changes.seen.values()).isoformat()
        return dg.SkipReason(f"nothing to sync changed in Auxo (read up to {newest}){later}")
    request = auxo_changes_request(changes, datetime.now(UTC))
    context.log.info(f"running today for Auxo's changes {changes.pending} (newest {changes.newest.isoformat()})")
    return request


SENSORS: list[dg.SensorDefinition] = [retry_failed_writes, xero_changes_between_runs, xero_webhook_events,
                                      auxo_changes]
