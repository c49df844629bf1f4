"""The sandbox's state: one SQLite file (WAL) in the state folder, shared by every process.

Documents are stored as their Xero JSON with indexed columns copied out (see ``kinds.py``). Each
API request runs in one short transaction (``Store.write`` takes SQLite's write lock up front with
``BEGIN IMMEDIATE``, so two processes never deadlock upgrading a read lock). Timestamps come from
the sandbox clock (``clock.py``); every write transaction gets one ``UpdatedDateUTC`` strictly
greater than the previous write's, so clients' ``If-Modified-Since`` cursors never miss a change.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.xero import clock, dates, jsonio, webhooks
from sandbox.xero.kinds import KINDS, Kind, get_path

DB_NAME = "xero.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    kind TEXT NOT NULL, id TEXT NOT NULL, type TEXT, number TEXT, name TEXT, contact_id TEXT,
    status TEXT, reference TEXT, date_ms INTEGER, updated_ms INTEGER NOT NULL, body TEXT NOT NULL,
    UNIQUE(kind, id));
CREATE INDEX IF NOT EXISTS docs_updated ON docs(kind, updated_ms, id);
CREATE INDEX IF NOT EXISTS docs_number ON docs(kind, number COLLATE NOCASE) WHERE number IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_name ON docs(kind, name COLLATE NOCASE) WHERE name IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_contact ON docs(kind, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_reference ON docs(kind, reference COLLATE NOCASE) WHERE reference IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_status ON docs(kind, status);
CREATE INDEX IF NOT EXISTS docs_date ON docs(kind, date_ms) WHERE date_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency(
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_ms INTEGER NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS request_log(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, query TEXT NOT NULL, idempotency_key TEXT, status INTEGER, tenant TEXT,
    documents INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS request_log_ts ON request_log(ts_ms);
CREATE TABLE IF NOT EXISTS refresh_tokens(
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, auth_event_id TEXT NOT NULL, scope TEXT NOT NULL,
    issued_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, rotated_ms INTEGER);
CREATE TABLE IF NOT EXISTS token_rotations(parent TEXT NOT NULL, child TEXT NOT NULL, ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS auth_requests(id TEXT PRIMARY KEY, params TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS auth_codes(
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, scope TEXT NOT NULL,
    code_challenge TEXT, auth_event_id TEXT NOT NULL, created_ms INTEGER NOT NULL, used_ms INTEGER);
CREATE TABLE IF NOT EXISTS connections(
    id TEXT PRIMARY KEY, auth_event_id TEXT NOT NULL, tenant_id TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS connections_event ON connections(auth_event_id);
CREATE TABLE IF NOT EXISTS rate_calls(tenant TEXT NOT NULL, ts_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rate_calls_ts ON rate_calls(tenant, ts_ms);
"""

PLANNER_STATS = [
    ("sqlite_autoindex_docs_1", "100000 10000 1"), ("docs_updated", "100000 10000 2 1"),
    ("docs_number", "100000 10000 1"), ("docs_name", "100000 10000 1"), ("docs_contact", "100000 10000 10"),
    ("docs_reference", "100000 10000 2"), ("docs_status", "100000 10000 2500"), ("docs_date", "100000 10000 30"),
]
_COLUMNS = ("type", "number", "name", "contact_id", "status", "reference", "date_ms")
NOCASE_COLUMNS = frozenset({"number", "name", "reference"})  # compared case-insensitively, as Xero does
_UPSERT = (
    "INSERT INTO docs(kind, id, type, number, name, contact_id, status, reference, date_ms, updated_ms, body)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(kind, id) DO UPDATE SET type=excluded.type,"
    " number=excluded.number, name=excluded.name, contact_id=excluded.contact_id, status=excluded.status,"
    " reference=excluded.reference, date_ms=excluded.date_ms, updated_ms=excluded.updated_ms,"
    " body=excluded.body"
)


def _column_value(column: str, value: object) -> object:
    if value is None:
        return None
    if column == "date_ms":
        return dates.ms_of(value) if isinstance(value, str) else None
    if column == "contact_id":
        return str(value).lower()
    return str(value)


def row_for(kind: Kind, doc: dict, updated_ms: int) -> tuple:
    """The ``docs`` row of ``doc``: its id, indexed columns and JSON body."""
    values = {column: _column_value(column, get_path(doc, path)) for column, path in kind.columns.items()}
    doc_id = str(doc[kind.id_field])
    if kind.name != "Currency" and kind.name != "TaxRate":
        doc_id = doc_id.lower()
    if values.get("reference") == "":
        values["reference"] = None  # most documents have none: keep them out of the index
    return (kind.name, doc_id, *(values.get(column) for column in _COLUMNS), updated_ms,
            jsonio.dumps_fast(doc) if kind.name == "Contact" else jsonio.dumps(doc))


class Tx:
    """One transaction on the state: documents, meta values and the write timestamp."""

    def __init__(self, store: Store, conn: sqlite3.Connection, *, writable: bool) -> None:
        self.store = store
        self.conn = conn
        self.writable = writable
        self._meta: dict[str, str] | None = None
        self._stamp: int | None = None
        self.now_ms = clock.now_ms(self)
        self.cache: dict[str, Any] = {}  # per-transaction lookups (accounts, tax rates, organisation)

    # meta -------------------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        if self._meta is None:
            self._meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        return self._meta.get(key, default)

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))
        self._meta = None  # a savepoint may roll this back: re-read rather than trust a cache

    def meta_json(self, key: str, default: Any = None) -> Any:
        raw = self.meta(key)
        return default if raw is None else jsonio.loads(raw)

    def set_meta_json(self, key: str, value: Any) -> None:
        self.set_meta(key, jsonio.dumps(value))

    # time -------------------------------------------------------------------------------------
    def stamp(self) -> int:
        """This transaction's write timestamp (ms): the clock, but always after the last write's."""
        if self._stamp is None:
            last = int(self.meta("last_write_ms", "0") or 0)
            self._stamp = max(self.now_ms, last + 1)
            self.set_meta("last_write_ms", str(self._stamp))
        return self._stamp

    def note_timestamp(self, ms: int) -> None:
        """Seeding wrote ``ms`` as an UpdatedDateUTC: later writes must still come after it."""
        last = int(self.meta("last_write_ms", "0") or 0)
        if ms > last:
            self.set_meta("last_write_ms", str(ms))

    # documents --------------------------------------------------------------------------------
    def get(self, kind: str, doc_id: str) -> dict | None:
        row = self.conn.execute(
            "SELECT body FROM docs WHERE kind=? AND id=?", (kind, _norm_id(kind, doc_id))
        ).fetchone()
        return jsonio.loads(row[0]) if row else None

    def find(self, kind: str, column: str, value: str) -> list[dict]:
        """Documents whose indexed ``column`` equals ``value`` (number/name/reference ignore case)."""
        assert column in _COLUMNS
        collate = " COLLATE NOCASE" if column in NOCASE_COLUMNS else ""
        rows = self.conn.execute(
            f"SELECT body FROM docs WHERE kind=? AND {column}=?{collate} ORDER BY updated_ms, id",
            (kind, value),
        ).fetchall()
        return [jsonio.loads(row[0]) for row in rows]

    def all(self, kind: str) -> list[dict]:
        """Every document of ``kind``, in the order they were first stored.

        Sorted here rather than with ``ORDER BY rowid``: that clause makes SQLite walk the whole
        table in rowid order (every kind's documents, 190k on a large organisation, ~0.2 s) where
        the ``kind`` index reaches a small kind's rows (accounts, tax rates) directly."""
        rows = self.conn.execute("SELECT rowid, body FROM docs WHERE kind=?", (kind,)).fetchall()
        return [jsonio.loads(body) for _, body in sorted(rows)]

    def exists(self, kind: str, column: str, value: str, *, where: str = "",
               params: Iterable[object] = ()) -> bool:
        assert column in _COLUMNS
        collate = " COLLATE NOCASE" if column in NOCASE_COLUMNS else ""
        row = self.conn.execute(
            f"SELECT 1 FROM docs WHERE kind=? AND {column}=?{collate}{where} LIMIT 1", (kind, value, *params)
        ).fetchone()
        return row is not None

    def put(self, kind_name: str, doc: dict, *, updated_ms: int | None = None) -> dict:
        """Insert or replace ``doc``, stamping ``UpdatedDateUTC`` with this write's timestamp
        (or with ``updated_ms``, which seeding may supply)."""
        kind = KINDS[kind_name]
        ms = self.stamp() if updated_ms is None else updated_ms
        if updated_ms is not None:
            self.note_timestamp(updated_ms)
        if kind.stamped:
            doc["UpdatedDateUTC"] = dates.ms_timestamp(ms)
        row = row_for(kind, doc, ms)
        # a live write of a subscribed kind is a webhook event (seeding, with its own timestamps, is not)
        event = updated_ms is None and webhooks.subscribed(self, kind_name)
        existed = event and self.conn.execute("SELECT 1 FROM docs WHERE kind=? AND id=?", row[:2]).fetchall()
        self.conn.execute(_UPSERT, row)
        if event:
            webhooks.queue_event(self, kind_name, doc, "UPDATE" if existed else "CREATE")
        return doc

    def put_rows(self, rows: list[tuple]) -> None:
        """Bulk insert prepared rows (seeding)."""
        self.conn.executemany(_UPSERT, rows)


def _norm_id(kind: str, doc_id: str) -> str:
    return doc_id if kind in ("Currency", "TaxRate") else doc_id.lower()


class Store:
    """The SQLite state of one state folder. Connections are per thread; transactions are short.

    If the folder's database is deleted and made again (a test, or another process, starting
    over), connections notice the new file and reopen, and ``on_new_file`` initialises it."""

    def __init__(self, state_dir: Path, on_new_file: Callable[[Store], None] | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.state_dir / DB_NAME
        self.on_new_file = on_new_file
        self._local = threading.local()
        self._credentials: dict[str, str] | None = None
        self._file_id: tuple[int, int] | None = None

    def _current_file(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.db_path)
        except FileNotFoundError:
            return None
        return stat.st_dev, stat.st_ino

    def connect(self) -> sqlite3.Connection:
        current = self._current_file()
        if current is None and self.on_new_file is not None and not self.is_initialising():
            self.on_new_file(self)
            current = self._current_file()
        conn = getattr(self._local, "conn", None)
        if conn is not None and (current is None or getattr(self._local, "file_id", None) != current):
            conn.close()
            conn = None
        if conn is None:
            conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=30.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.create_function("msdate", 1, dates.ms_of, deterministic=True)
            self._local.conn = conn
            self._local.file_id = self._current_file()
        if self._local.file_id != self._file_id:
            self._file_id = self._local.file_id
            self._credentials = None  # a new file has new credentials
        return conn

    @contextmanager
    def initialising(self) -> Iterator[None]:
        """Mark this thread as creating the file, so ``connect`` does not start that again."""
        self._local.initialising = True
        try:
            yield
        finally:
            self._local.initialising = False

    def is_initialising(self) -> bool:
        return bool(getattr(self._local, "initialising", False))

    def credentials(self) -> dict[str, str]:
        """Client id and secret, tenant id and token signing key (fixed for the folder's life)."""
        self.connect()  # notices a replaced file, which has other credentials
        if self._credentials is None:
            with self.read() as tx:
                self._credentials = {key: str(tx.meta(key)) for key in
                                     ("client_id", "client_secret", "tenant_id", "signing_key")}
        return self._credentials

    def create_schema(self) -> None:
        conn = self.connect()
        conn.executescript(SCHEMA)
        if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name='sqlite_stat1'").fetchone():
            # Fixed planner statistics: equality on an indexed column (number, reference, contact)
            # is selective, so SQLite uses that index instead of walking every document of a kind
            # in UpdatedDateUTC order. Real ANALYZE output would depend on whatever was loaded.
            conn.execute("ANALYZE")
            conn.execute("DELETE FROM sqlite_stat1")
            conn.executemany("INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES('docs', ?, ?)", PLANNER_STATS)
            conn.execute("ANALYZE sqlite_schema")

    @contextmanager
    def write(self, *, documents: bool = True) -> Iterator[Tx]:
        """A write transaction. ``documents=False`` for bookkeeping writes (request log, rate
        counters) that must not consume an ``UpdatedDateUTC``."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            tx = Tx(self, conn, writable=True)
            if documents:
                tx.stamp()  # taken outside any savepoint, so a rolled-back element cannot undo it
            yield tx
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self.connect()
        conn.execute("BEGIN")
        try:
            yield Tx(self, conn, writable=False)
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def savepoint(self, tx: Tx, name: str = "element") -> Iterator[None]:
        """A nested unit of work: rolled back on error, kept otherwise."""
        tx.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            tx.conn.execute(f"ROLLBACK TO {name}")
            tx.conn.execute(f"RELEASE {name}")
            raise
        tx.conn.execute(f"RELEASE {name}")
