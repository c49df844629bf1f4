"""``Idempotency-Key``: the same key and request replays the first response; the same key with a
different request is a 400; an empty key is ignored.

The key, a fingerprint of the request (method, path, sorted query, body) and the response are
stored in the same transaction as the write itself, so a write whose response was lost (a dropped
connection) replays exactly when the client retries. Keys expire after
``idempotency_ttl_seconds`` (default 360 — Xero is reported to keep them 6 minutes) on the sandbox
clock; 0 keeps them forever.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from sandbox.xero import errors
from sandbox.xero.store import Tx
from sandbox.xero.wire import ApiRequest, Reply

MAX_KEY_LENGTH = 128
REPLAY_HEADER = "X-Sandbox-Idempotent-Replay"


def key_of(request: ApiRequest) -> str | None:
    key = (request.headers.get("idempotency-key") or "").strip()
    return key or None


def fingerprint(request: ApiRequest) -> str:
    digest = hashlib.sha256()
    query = sorted((k.lower(), v) for k, v in parse_qsl(request.query_string, keep_blank_values=True))
    for part in (request.method.upper(), request.path.lower(), repr(query)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def too_long(key: str) -> Reply | None:
    if len(key) > MAX_KEY_LENGTH:
        return Reply(400, {"ErrorNumber": 10, "Type": "ValidationException",
                           "Message": f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters."})
    return None


def lookup(tx: Tx, key: str, print_: str, ttl_seconds: int) -> Reply | None:
    row = tx.conn.execute("SELECT fingerprint, created_ms, status, body FROM idempotency WHERE key=?",
                          (key,)).fetchone()
    if row is None:
        return None
    stored_print, created_ms, status, body = row
    if ttl_seconds and tx.now_ms - created_ms > ttl_seconds * 1000:
        tx.conn.execute("DELETE FROM idempotency WHERE key=?", (key,))
        return None
    if stored_print != print_:
        return Reply(400, {"ErrorNumber": 10, "Type": "ValidationException",
                           "Message": errors.IDEMPOTENCY_MISMATCH.format(key=key)})
    return Reply(status, bytes(body), {REPLAY_HEADER: "true"})


def save(tx: Tx, key: str, print_: str, reply: Reply) -> None:
    tx.conn.execute("INSERT OR REPLACE INTO idempotency(key, fingerprint, created_ms, status, body)"
                    " VALUES(?,?,?,?,?)", (key, print_, tx.now_ms, reply.status, reply.content()))
