"""The Auxo sandbox's state: one SQLite file (WAL) in the state folder.

Every resource is kept as the JSON document the API serves, beside the few columns the sandbox
queries on: ``updated_at`` for the modified-since feed, ``ref`` (a record's parent: a payment's
invoice, a cost entry's part, …) and ``natural_key`` (invoice number, Xero payment id, … — unique
per resource, which is how "invoice numbers are unique" and "a Xero payment is never entered twice"
hold even between processes). Serving a page is then a single indexed query whose rows are already
JSON.

Several processes (Dagster run workers, a served copy, tests) share the file: every write runs in
``BEGIN IMMEDIATE``, and the last timestamp handed out is kept in the file, so ``updated_at`` is
strictly increasing across all writers.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.auxo.rules import RuleError

Record = dict[str, Any]

DB_NAME = "auxo.sqlite3"
LOCAL_TZ = ZoneInfo("Australia/Sydney")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

RESOURCES = (
    "customers", "suppliers", "vehicles", "parts", "part-cost-history", "jobs", "invoices",
    "invoice-credits", "payments", "purchase-orders", "stock-adjustments",
)
SINGLETONS = ("account", "sync-settings")
ID_PREFIX = {
    "customers": "cus", "suppliers": "sup", "vehicles": "veh", "parts": "prt", "part-cost-history": "pch",
    "jobs": "job", "invoices": "inv", "invoice-credits": "crd", "payments": "pay", "purchase-orders": "po",
    "stock-adjustments": "adj", "lines": "lin", "stocktakes": "stk",
}
# A record's parent (first non-null field), queried to recompute balances, apply deposits, …
REF_FIELDS: dict[str, tuple[str, ...]] = {
    "payments": ("invoice_id", "job_id"),
    "invoice-credits": ("invoice_id",),
    "part-cost-history": ("part_id",),
    "stock-adjustments": ("part_id",),
    "invoices": ("job_id",),
    "purchase-orders": ("job_id",),
    "vehicles": ("customer_id",),
    "jobs": ("customer_id",),
}
# Unique per resource when not null.
KEY_FIELDS: dict[str, str] = {
    "invoices": "number", "invoice-credits": "number", "purchase-orders": "number", "jobs": "number",
    "stock-adjustments": "number", "parts": "part_number", "vehicles": "registration",
    "payments": "xero_payment_id", "customers": "xero_contact_id", "suppliers": "xero_contact_id",
}
DUPLICATE_CODES = {"number": "duplicate_number"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    resource TEXT NOT NULL, id TEXT NOT NULL, updated_at TEXT NOT NULL,
    ref TEXT, natural_key TEXT, body TEXT NOT NULL,
    PRIMARY KEY (resource, id)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, request_hash TEXT NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (key, method, path)
);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    query TEXT NOT NULL, idempotency_key TEXT, status INTEGER NOT NULL, documents INTEGER NOT NULL
);
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS records_feed ON records (resource, updated_at, id);
CREATE INDEX IF NOT EXISTS records_ref ON records (resource, ref) WHERE ref IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records (resource, natural_key) WHERE natural_key IS NOT NULL;
"""


# An upsert on the primary key only: a clash on the unique natural key must raise, never delete the
# other record (which is what INSERT OR REPLACE would do).
UPSERT = ("INSERT INTO records (resource, id, updated_at, ref, natural_key, body) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (resource, id) DO UPDATE SET updated_at = excluded.updated_at, ref = excluded.ref, "
          "natural_key = excluded.natural_key, body = excluded.body")


# ---------------------------------------------------------------- timestamps


def us_to_timestamp(us: int) -> str:
    """Microseconds since the epoch as an Auxo timestamp (fixed width, so text order is time order)."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp_to_us(text: str) -> int:
    """Microseconds of any RFC 3339 timestamp with a zone (``Z`` or an offset)."""
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    try:
        delta = moment.astimezone(UTC) - EPOCH
    except OverflowError:  # 9999-12-31T23:59:59-23:59 has no UTC instant
        raise ValueError(f"timestamp out of range: {text!r}") from None
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def canonical_timestamp(text: str) -> str:
    return us_to_timestamp(timestamp_to_us(text))


def local_date(timestamp: str) -> date:
    """The workshop's local date (Australia/Sydney) of a UTC timestamp."""
    return datetime.fromisoformat(timestamp).astimezone(LOCAL_TZ).date()


def new_id(resource: str) -> str:
    return f"{ID_PREFIX[resource]}_{secrets.token_hex(8)}"


def row_columns(resource: str, record: Record) -> tuple[str | None, str | None]:
    """The ``ref`` and ``natural_key`` columns of a record."""
    ref = next((record[f] for f in REF_FIELDS.get(resource, ()) if record.get(f)), None)
    key_field = KEY_FIELDS.get(resource)
    return ref, (record.get(key_field) if key_field else None)


def dumps(record: Any) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------- cursors


def encode_cursor(updated_at: str, record_id: str) -> str:
    return base64.urlsafe_b64encode(f"{updated_at}|{record_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The ``(updated_at, id)`` a cursor points after; ``ValueError`` for one this server never issued."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        updated_at, record_id = raw.split("|", 1)
        if canonical_timestamp(updated_at) != updated_at or not record_id:
            raise ValueError
    except Exception as exc:
        raise ValueError(f"not a cursor: {cursor!r}") from exc
    return updated_at, record_id


# ---------------------------------------------------------------- the store


class Store:
    """The sandbox state of one state folder. Cheap to create; connections are per thread."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self._local = threading.local()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._initialise()

    # -- connections

    def connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA busy_timeout=60000")
            self._local.con = con
        return con

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One write transaction (``BEGIN IMMEDIATE``: writers queue up, readers carry on)."""
        con = self.connection()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(con)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _initialise(self) -> None:
        con = self.connection()
        con.executescript(SCHEMA + INDEXES)
        with self.transaction() as tx:
            if tx.meta("api_key") is None:
                tx.set_meta("api_key", "auxo_sk_" + secrets.token_urlsafe(24))
                tx.set_meta("clock", dumps({"frozen_at_us": None, "offset_us": 0}))
                tx.set_meta("last_us", "0")
                install_empty_workshop(tx)

    # -- reads

    def meta(self, key: str) -> str | None:
        row = self.connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def api_key(self) -> str:
        return self.meta("api_key") or ""

    def now_us(self) -> int:
        return clock_now_us(json.loads(self.meta("clock") or "{}"))

    def get_body(self, resource: str, record_id: str) -> str | None:
        row = self.connection().execute(
            "SELECT body FROM records WHERE resource = ? AND id = ?", (resource, record_id)).fetchone()
        return row[0] if row else None

    def get(self, resource: str, record_id: str) -> Record | None:
        body = self.get_body(resource, record_id)
        return json.loads(body) if body else None

    def page(self, resource: str, *, updated_since: str | None, updated_before: str | None, limit: int,
             after: tuple[str, str] | None) -> tuple[list[str], str | None]:
        """One page of the ``(updated_at, id)``-ordered feed: the JSON bodies and the next cursor."""
        sql = ["SELECT updated_at, id, body FROM records WHERE resource = ?"]
        params: list[Any] = [resource]
        if updated_since:
            sql.append("AND updated_at >= ?")
            params.append(updated_since)
        if updated_before:
            sql.append("AND updated_at < ?")
            params.append(updated_before)
        if after:
            sql.append("AND (updated_at, id) > (?, ?)")
            params.extend(after)
        sql.append("ORDER BY updated_at, id LIMIT ?")
        params.append(limit + 1)
        rows = self.connection().execute(" ".join(sql), params).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = encode_cursor(rows[-1][0], rows[-1][1]) if more else None
        return [row[2] for row in rows], cursor

    def all(self, resource: str) -> list[Record]:
        rows = self.connection().execute(
            "SELECT body FROM records WHERE resource = ? ORDER BY updated_at, id", (resource,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def counts(self) -> dict[str, int]:
        rows = self.connection().execute("SELECT resource, count(*) FROM records GROUP BY resource").fetchall()
        return {resource: n for resource, n in rows}

    # -- request log

    def log_request(self, entry: dict[str, Any]) -> None:
        con = self.connection()
        con.execute(
            "INSERT INTO requests (at, method, path, query, idempotency_key, status, documents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry["at"], entry["method"], entry["path"], entry["query"], entry["idempotency_key"],
             entry["status"], entry["documents"]))

    def requests(self) -> list[dict[str, Any]]:
        rows = self.connection().execute(
            "SELECT seq, at, method, path, query, idempotency_key, status, documents FROM requests ORDER BY seq"
        ).fetchall()
        names = ("seq", "at", "method", "path", "query", "idempotency_key", "status", "documents")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def clear_requests(self) -> None:
        self.connection().execute("DELETE FROM requests")

    # -- bulk seeding

    def seed_rows(self, resource: str, rows: Iterable[Sequence[Any]]) -> int:
        """Insert or replace ``(id, updated_at, ref, natural_key, body)`` rows in one transaction.

        The generator's fast path: bodies arrive already serialised. ``last_us`` moves past the
        newest seeded timestamp so later writes stay strictly increasing.
        """
        if resource not in RESOURCES + SINGLETONS:
            raise ValueError(f"unknown Auxo resource {resource!r}")
        rows = list(rows)
        if not rows:
            return 0
        with self.transaction() as tx:
            tx.con.executemany(UPSERT, ((resource, *row) for row in rows))
            tx.advance_last_us(timestamp_to_us(max(row[1] for row in rows)))
        return len(rows)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Loading a whole workshop: the indexes are built once at the end, and transactions are not
        synced to disk one by one (a crash mid-seed means seeding again anyway)."""
        con = self.connection()
        con.execute("PRAGMA synchronous=OFF")
        for name in ("records_feed", "records_ref", "records_key"):
            con.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            yield
        finally:
            con.executescript(INDEXES)
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def clock_now_us(clock: dict[str, Any]) -> int:
    if clock.get("frozen_at_us") is not None:
        return int(clock["frozen_at_us"])
    return time.time_ns() // 1000 + int(clock.get("offset_us") or 0)


class Transaction:
    """What a write can do inside one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self._now_us: int | None = None

    # -- meta

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def advance_last_us(self, us: int) -> None:
        last = int(self.meta("last_us") or 0)
        if us > last:
            self.set_meta("last_us", str(us))

    def now_us(self) -> int:
        """The clock's time for this transaction (the same for every read of it)."""
        if self._now_us is None:
            self._now_us = clock_now_us(json.loads(self.meta("clock") or "{}"))
        return self._now_us

    def now(self) -> str:
        return us_to_timestamp(self.now_us())

    def today(self) -> date:
        return local_date(self.now())

    def tick(self) -> str:
        """A fresh ``updated_at``: the clock's time, or 1 µs after the last one handed out."""
        us = max(self.now_us(), int(self.meta("last_us") or 0) + 1)
        self.set_meta("last_us", str(us))
        return us_to_timestamp(us)

    def next_sequence(self, name: str) -> int:
        value = int(self.meta(f"seq:{name}") or 0) + 1
        self.set_meta(f"seq:{name}", str(value))
        return value

    # -- records

    def get(self, resource: str, record_id: str | None) -> Record | None:
        if not record_id:
            return None
        row = self.con.execute("SELECT body FROM records WHERE resource = ? AND id = ?",
                               (resource, record_id)).fetchone()
        return json.loads(row[0]) if row else None

    def require(self, resource: str, record_id: str | None, what: str | None = None) -> Record:
        record = self.get(resource, record_id)
        if record is None:
            raise RuleError("not_found", f"No {what or resource.rstrip('s')} {record_id!r}.",
                            {"resource": resource, "id": record_id}, status=404)
        return record

    def find(self, resource: str, natural_key: str) -> Record | None:
        row = self.con.execute("SELECT body FROM records WHERE resource = ? AND natural_key = ?",
                               (resource, natural_key)).fetchone()
        return json.loads(row[0]) if row else None

    def children(self, resource: str, ref: str) -> list[Record]:
        rows = self.con.execute("SELECT body FROM records WHERE resource = ? AND ref = ? ORDER BY id",
                                (resource, ref)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def put(self, resource: str, record: Record) -> Record:
        """Store a record with a fresh ``updated_at`` (and ``created_at`` when new)."""
        stamp = self.tick()
        record = {**record, "updated_at": stamp}
        if not record.get("created_at"):
            record["created_at"] = stamp
        ref, key = row_columns(resource, record)
        try:
            row_id = resource if resource in SINGLETONS else record["id"]
            self.con.execute(UPSERT, (resource, row_id, stamp, ref, key, dumps(record)))
        except sqlite3.IntegrityError as exc:
            field = KEY_FIELDS[resource]
            raise RuleError(DUPLICATE_CODES.get(field, "duplicate"),
                            f"{field.replace('_', ' ').capitalize()} {key!r} is already used by another "
                            f"{resource.rstrip('s').replace('-', ' ')}.", {"field": field, "value": key}) from exc
        return record

    # -- idempotency

    def idempotent_response(self, key: str, method: str, path: str) -> tuple[str, int, bytes] | None:
        row = self.con.execute("SELECT request_hash, status, body FROM idempotency WHERE key = ? AND method = ? "
                               "AND path = ?", (key, method, path)).fetchone()
        return (row[0], row[1], bytes(row[2])) if row else None

    def remember_response(self, key: str, method: str, path: str, request_hash: str, status: int,
                          body: bytes) -> None:
        self.con.execute("INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (key, method, path, request_hash, status, body, self.now()))


def request_hash(method: str, path: str, body: bytes) -> str:
    """Same key + same request = a replay; the body is compared as parsed JSON, not as bytes."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


# ---------------------------------------------------------------- the empty workshop


def install_empty_workshop(tx: Transaction, *, name: str = "Demo Workshop",
                           sync_start_date: date | None = None) -> None:
    """An account with its settings and no records: what a new Auxo account looks like."""
    stamp = tx.tick()
    account = {
        "id": "acc_" + secrets.token_hex(6), "name": name, "abn": "53004085616", "timezone": "Australia/Sydney",
        "currency": "AUD", "invoice_prefix": "INV-", "credit_prefix": "CR-", "purchase_order_prefix": "PO-",
        "default_gst_mode": "inclusive", "created_at": stamp, "updated_at": stamp,
    }
    settings = {
        "send_purchase_orders": True, "create_inventory_journals": True,
        "sync_start_date": (sync_start_date or local_date(stamp)).isoformat(),
        "history": [{"setting": s, "value": True, "changed_at": stamp}
                    for s in ("send_purchase_orders", "create_inventory_journals")],
        "created_at": stamp, "updated_at": stamp,
    }
    for resource, record in (("account", account), ("sync-settings", settings)):
        tx.con.execute("INSERT OR REPLACE INTO records (resource, id, updated_at, ref, natural_key, body) "
                       "VALUES (?, ?, ?, NULL, NULL, ?)", (resource, resource, stamp, dumps(record)))


def reset(store: Store) -> None:
    """Back to an empty workshop, keeping the API key (clients stay configured) and the clock."""
    with store.transaction() as tx:
        tx.con.execute("DELETE FROM records")
        tx.con.execute("DELETE FROM idempotency")
        tx.con.execute("DELETE FROM requests")
        tx.con.execute("DELETE FROM meta WHERE key LIKE 'seq:%'")
        install_empty_workshop(tx)
