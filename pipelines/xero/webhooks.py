"""Xero's webhooks, received: the signature, the durable event store and the HTTP receiver.

Xero POSTs ``{"events": [...], "firstEventSequence", "lastEventSequence", "entropy"}`` to the URL
registered with the app, signed in the ``x-xero-signature`` header: base64(HMAC-SHA256(raw body,
webhook key)). The receiver answers 200 with an empty body when the signature is right (after the
events are on disk) and 401 when it is wrong or missing; that is also all Xero's intent-to-receive
check (empty batches, some signed right, some wrong) asks for. Xero retries a delivery it did not
see answered 200, so the same event can arrive twice: the store keeps each event once, by its
identity (tenant, category, type, resource, event time).

The store is a SQLite file under the data folder (not the DuckDB warehouse, which has one writer):
WAL with ``synchronous=FULL``, so a committed event has been fsync'd before the answer goes out.
Events are thin — "this contact changed" — and a sensor (``assets/automation.py``) turns new ones
into a sync run, which reads what changed from Xero's API as every run does.

Nothing here knows Dagster; nothing opens a file at import time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SIGNATURE_HEADER = "x-xero-signature"
KEY_SETTING = "XERO_WEBHOOK_KEY"
# what the sync acts on: the documents Xero sends events for that the sync reads back
CATEGORIES = frozenset({"CONTACT", "INVOICE", "CREDITNOTE"})
TYPES = frozenset({"CREATE", "UPDATE"})
REQUIRED = ("resourceUrl", "resourceId", "eventDateUtc", "eventType", "eventCategory", "tenantId", "tenantType")
BUSY_TIMEOUT_SECONDS = 3.0  # Xero wants an answer within 5 s: give up on a locked file before that (500, retried)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL, event_category TEXT NOT NULL, event_type TEXT NOT NULL,
    resource_id TEXT NOT NULL, event_date_utc TEXT NOT NULL, resource_url TEXT, tenant_type TEXT,
    data TEXT, received_at TEXT NOT NULL, delivery_sequence INTEGER,
    UNIQUE(tenant_id, event_category, event_type, resource_id, event_date_utc));
CREATE TABLE IF NOT EXISTS unreadable(
    id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT NOT NULL, reason TEXT NOT NULL, body BLOB NOT NULL);
"""


def signature(body: bytes, key: str) -> str:
    """Xero's ``x-xero-signature`` of ``body``: base64(HMAC-SHA256(body, key))."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def signed_by(body: bytes, header: str | None, key: str) -> bool:
    """Whether ``header`` is the signature of ``body`` with ``key`` (constant-time comparison)."""
    if not header or not key:
        return False
    return hmac.compare_digest(signature(body, key).encode(), header.strip().encode())


@dataclass(frozen=True)
class Event:
    """One webhook event: a resource of ``category`` was created or updated in ``tenant_id``."""

    tenant_id: str
    category: str
    type: str
    resource_id: str
    event_date_utc: str
    resource_url: str | None = None
    tenant_type: str | None = None
    data: dict | None = None
    seq: int | None = None  # the store's sequence number, once stored

    @property
    def relevant(self) -> bool:
        """An event the sync acts on (a contact, invoice or credit note created or updated)."""
        return self.category in CATEGORIES and self.type in TYPES


class PayloadError(ValueError):
    """A correctly signed body that is not a webhook payload; the text names the field."""


def parse_payload(body: bytes) -> tuple[list[Event], int | None]:
    """The events of a webhook body and its ``lastEventSequence``. Raises :class:`PayloadError`."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"the body is not JSON ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise PayloadError("the body has no 'events' list")
    events = []
    for number, raw in enumerate(payload["events"]):
        if not isinstance(raw, dict):
            raise PayloadError(f"events[{number}] is not an object")
        missing = [name for name in REQUIRED if not raw.get(name)]
        if missing:
            raise PayloadError(f"events[{number}] has no {', '.join(missing)}")
        events.append(Event(tenant_id=str(raw["tenantId"]).lower(), category=str(raw["eventCategory"]).upper(),
                            type=str(raw["eventType"]).upper(), resource_id=str(raw["resourceId"]).lower(),
                            event_date_utc=str(raw["eventDateUtc"]), resource_url=str(raw["resourceUrl"]),
                            tenant_type=str(raw["tenantType"]),
                            data=raw.get("data") if isinstance(raw.get("data"), dict) else None))
    last = payload.get("lastEventSequence")
    return events, last if isinstance(last, int) else None


class EventStore:
    """The received events, one SQLite file (``settings.webhook_events_path()``), safe across processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # the commit is fsync'd before we answer Xero
            conn.executescript(SCHEMA)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def add(self, events: list[Event], *, delivery_sequence: int | None = None) -> int:
        """Store ``events`` (durably, in one transaction); returns how many were new (replays are kept once)."""
        now = _now()
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO events(tenant_id, event_category, event_type, resource_id, event_date_utc, "
                "resource_url, tenant_type, data, received_at, delivery_sequence) VALUES(?,?,?,?,?,?,?,?,?,?)",
                [(e.tenant_id, e.category, e.type, e.resource_id, e.event_date_utc, e.resource_url, e.tenant_type,
                  json.dumps(e.data) if e.data is not None else None, now, delivery_sequence) for e in events])
            return conn.total_changes - before

    def add_unreadable(self, body: bytes, reason: str) -> None:
        """Keep a signed body that could not be read, with why, rather than lose it."""
        with self._write() as conn:
            conn.execute("INSERT INTO unreadable(received_at, reason, body) VALUES(?,?,?)", (_now(), reason, body))

    def after(self, seq: int, limit: int = 10_000) -> list[Event]:
        """Events stored after sequence number ``seq``, oldest first."""
        if not self.path.exists():
            return []
        rows = self._connect().execute(
            "SELECT seq, tenant_id, event_category, event_type, resource_id, event_date_utc, resource_url, "
            "tenant_type, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)).fetchall()
        return [Event(tenant_id=r[1], category=r[2], type=r[3], resource_id=r[4], event_date_utc=r[5],
                      resource_url=r[6], tenant_type=r[7], data=json.loads(r[8]) if r[8] else None, seq=r[0])
                for r in rows]

    def count(self) -> int:
        if not self.path.exists():
            return 0
        return int(self._connect().execute("SELECT count(*) FROM events").fetchall()[0][0])


def _now() -> str:
    return datetime.now(UTC).isoformat()


def receiver_app(key: str, store: EventStore):
    """The receiver as a Starlette app: ``POST`` on any path (the TLS proxy decides the public one)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    if not key:
        raise ValueError(f"{KEY_SETTING} is empty")

    def handle(body: bytes) -> int:
        try:
            events, sequence = parse_payload(body)
        except PayloadError as exc:  # signed by Xero, yet unreadable: kept for a person, not retried forever
            store.add_unreadable(body, str(exc))
            return 200
        if events:
            store.add(events, delivery_sequence=sequence)
        return 200

    async def receive(request: Request) -> Response:
        body = await request.body()  # the raw bytes: the signature is over them, not over parsed JSON
        if not signed_by(body, request.headers.get(SIGNATURE_HEADER), key):
            return Response(status_code=401)
        try:
            status = await run_in_threadpool(handle, body)
        except sqlite3.Error:  # not stored: say so, and Xero sends it again
            return Response(status_code=500)
        return Response(status_code=status)

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])


class Receiver:
    """The receiver served by uvicorn in a background thread (tests, benchmarks): ``start()``, ``stop()``."""

    def __init__(self, key: str, store_path: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.host = host
        self.port = port or _free_port(host)
        self.store = EventStore(store_path)
        config = uvicorn.Config(receiver_app(key, self.store), host=host, port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="xero-webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self, timeout: float = 10.0) -> Receiver:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the webhook receiver did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve(key: str, store_path: Path, *, host: str = "127.0.0.1", port: int) -> None:
    """Serve the receiver in the foreground until interrupted (``auxo-xero webhooks``)."""
    import uvicorn

    uvicorn.run(receiver_app(key, EventStore(store_path)), host=host, port=port, log_level="info",
                proxy_headers=True, server_header=False, date_header=False)


@dataclass(frozen=True)
class NewEvents:
    """What the events past a cursor say for one tenant: how many the sync acts on, and the new cursor."""

    last_seq: int
    for_tenant: int
    ignored: int
    categories: dict[str, int]


def new_events(events: list[Event], tenant_id: str) -> NewEvents | None:
    """Sort ``events`` (past a cursor) into this tenant's contact/invoice/credit-note changes and the rest
    (other tenants, other categories); None when there is none at all."""
    if not events:
        return None
    tenant = tenant_id.lower()
    mine = [e for e in events if e.tenant_id == tenant and e.relevant]
    categories: dict[str, int] = {}
    for event in mine:
        categories[event.category] = categories.get(event.category, 0) + 1
    return NewEvents(last_seq=max(e.seq or 0 for e in events), for_tenant=len(mine),
                     ignored=len(events) - len(mine), categories=categories)


MISSING_KEY = (f"{KEY_SETTING} is not set: copy the webhook key from your app's Webhooks page in Xero's developer "
               "portal (developer.xero.com > My Apps > the app > Webhooks) into the environment as "
               f"{KEY_SETTING}, or into .dlt/secrets.toml as [xero] webhook_key (docs/runbook.md, Webhooks)")


def configured_key() -> str:
    """The webhook key (``XERO_WEBHOOK_KEY`` or ``[xero] webhook_key``); empty when webhooks are not set up."""
    from pipelines.connections import XeroSettings

    return XeroSettings().webhook_key.get_secret_value().strip()
