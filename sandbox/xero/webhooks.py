"""Xero's webhooks, sent by the sandbox: events, the intent-to-receive check, signed batches, retries.

As Xero does for an app with a webhook subscription (developer portal > the app > Webhooks):

- **Events.** A live write of a contact, invoice or credit note (the API, or a person acting through
  ``/admin/actions``) queues one event in the same transaction as the write: ``CREATE`` when the
  document is new, ``UPDATE`` otherwise (archiving, voiding and paying are updates), thin —
  ``resourceUrl``, ``resourceId``, ``eventDateUtc`` (the write's ``UpdatedDateUTC``), ``eventType``,
  ``eventCategory``, ``tenantId``, ``tenantType`` — plus ``data: {Type, Status}`` on credit notes,
  as in Xero's webhooks spec. Seeding (which supplies its own timestamps) queues nothing. Every
  organisation of the sandbox sends its own events to the app's one subscription.
- **Intent to receive.** Setting up a subscription, changing its URL or re-enabling it sends
  empty batches (``{"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": …}``),
  two signed with the key and two with another, in random order. The subscription is ``OK`` only
  if every right one is answered 200 with an empty body and no cookie, and every wrong one 401,
  each within 5 s; otherwise ``INTENT_FAILED``, with what went wrong, and nothing is sent.
- **Delivery.** :func:`deliver_due` sends every queued event, oldest first, in batches of up to
  ``BATCH_LIMIT`` (``events``, ``firstEventSequence``, ``lastEventSequence``, ``entropy``), signed
  ``x-xero-signature`` = base64(HMAC-SHA256(body, key)). Only a 200 within 5 s counts as
  delivered. A failed batch is sent again (with whatever queued meanwhile) after a back-off that
  doubles from ``FIRST_RETRY_SECONDS`` up to ``MAX_RETRY_SECONDS``; once deliveries have been
  failing for ``DISABLE_AFTER_SECONDS`` the subscription is ``DISABLED`` (Xero: "retrying the
  request, with decreasing frequency for up to 24 hours. After 24 hours the webhook will be
  disabled"). Events keep queuing while it is disabled and go out, in order, once it is re-enabled.
  Retry times are on the sandbox clock (``clock.py``): tests move time instead of waiting.

Something has to call :func:`deliver_due`: ``auxo-xero sandbox serve xero`` does every second
(:class:`DeliveryTicker`); tests call it directly or ``POST /admin/webhooks/deliver``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import string
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from sandbox.xero.store import Store, Tx

# kind -> (eventCategory, the API's collection in resourceUrl)
KINDS = {"Contact": ("CONTACT", "Contacts"), "Invoice": ("INVOICE", "Invoices"),
         "CreditNote": ("CREDITNOTE", "CreditNotes")}
CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")
FLAG = "webhook_categories"  # meta of every organisation's store: the categories to queue events for
SUBSCRIPTION = "webhook_subscription"  # meta of the main store: the app's subscription
RESOURCE_BASE = "https://api.xero.com/api.xro/2.0"  # what Xero puts in resourceUrl
BATCH_LIMIT = 100
TIMEOUT_SECONDS = 5.0  # Xero's limit on an answer
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
DISABLE_AFTER_SECONDS = 24 * 3600
INTENT_CHECKS = (True, True, False, False)  # signed right or wrong; sent shuffled

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_queue(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL, identity TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_deliveries(
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL, first_seq INTEGER,
    last_seq INTEGER, events INTEGER NOT NULL, status INTEGER, outcome TEXT NOT NULL);
"""

_deliver_lock = threading.Lock()


class SubscriptionError(ValueError):
    """A subscription that cannot be set up as asked (the text says which field)."""


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def event_date(ms: int) -> str:
    """``eventDateUtc`` as Xero writes it: ``2024-06-21T01:15:39.902`` (UTC, milliseconds, no zone)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


# events ----------------------------------------------------------------------------------------------
def subscribed(tx: Tx, kind_name: str) -> bool:
    """Whether a live write of ``kind_name`` in this organisation queues an event (``Tx.put`` asks)."""
    kind = KINDS.get(kind_name)
    return kind is not None and kind[0] in (tx.meta(FLAG) or "").split(",")


def queue_event(tx: Tx, kind_name: str, doc: dict, event_type: str) -> None:
    """Queue the event of a write of ``doc``, in the write's own transaction."""
    from sandbox.xero.kinds import KINDS as DOC_KINDS

    category, plural = KINDS[kind_name]
    ms = tx.stamp()
    resource_id = str(doc[DOC_KINDS[kind_name].id_field]).lower()
    event: dict[str, Any] = {"resourceUrl": f"{RESOURCE_BASE}/{plural}/{resource_id}", "resourceId": resource_id,
                             "eventDateUtc": event_date(ms), "eventType": event_type, "eventCategory": category,
                             "tenantId": str(tx.meta("tenant_id")), "tenantType": "ORGANISATION"}
    if kind_name == "CreditNote":
        event["data"] = {"Type": doc.get("Type"), "Status": doc.get("Status")}
    tx.conn.execute("INSERT OR IGNORE INTO webhook_queue(created_ms, identity, event) VALUES(?,?,?)",
                    (ms, f"{category}|{event_type}|{resource_id}|{ms}", json.dumps(event)))


def _organisation_stores(store: Store) -> list[Store]:
    from sandbox.xero import organisations

    return [organisations.store_for(store, org["tenant_id"]) for org in organisations.listing(store)]


def _set_flags(store: Store, categories: str) -> None:
    for org in _organisation_stores(store):
        with org.read() as tx:
            current = tx.meta(FLAG) or ""
            ready = bool(tx.conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'webhook_deliveries'").fetchall())
        if not ready:
            org.connect().executescript(SCHEMA)
        if current != categories:
            with org.write(documents=False) as tx:
                tx.set_meta(FLAG, categories)


def _gather(store: Store) -> None:
    """Move the other organisations' queued events into the main queue (the subscription's sequence)."""
    for org in _organisation_stores(store):
        if org is store:
            continue
        with org.read() as tx:
            rows = tx.conn.execute("SELECT seq, created_ms, identity, event FROM webhook_queue ORDER BY seq"
                                   ).fetchall()
        if not rows:
            continue
        with store.write(documents=False) as tx:
            tx.conn.executemany("INSERT OR IGNORE INTO webhook_queue(created_ms, identity, event) VALUES(?,?,?)",
                                [row[1:] for row in rows])
        with org.write(documents=False) as tx:
            tx.conn.execute("DELETE FROM webhook_queue WHERE seq <= ?", (rows[-1][0],))


def on_reset(tx: Tx) -> None:
    """A reset organisation starts with nothing queued (its subscription, the app's, survives)."""
    if tx.conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'webhook_queue'").fetchall():
        tx.conn.execute("DELETE FROM webhook_queue")


# the subscription ------------------------------------------------------------------------------------
def subscription(store: Store) -> dict | None:
    with store.read() as tx:
        return tx.meta_json(SUBSCRIPTION)


def _save(store: Store, sub: dict | None) -> None:
    with store.write(documents=False) as tx:
        tx.set_meta_json(SUBSCRIPTION, sub)  # None is stored as null: no subscription


def subscribe(store: Store, url: str, key: str | None = None, categories: list[str] | None = None, *,
              http: httpx.Client | None = None) -> dict:
    """Set up (or change) the app's subscription and run the intent-to-receive check; returns the
    subscription. ``key``: the signing key (default: a new one, as the portal generates)."""
    url = str(url or "").strip()
    if not url.startswith(("http://", "https://")):
        raise SubscriptionError(f"url {url!r} is not a web address: give the receiver's address, "
                                "e.g. https://sync.example.com/xero-webhooks")
    chosen = [str(c).upper() for c in (categories or CATEGORIES)]
    unknown = sorted(set(chosen) - set(CATEGORIES))
    if unknown:
        raise SubscriptionError(f"categories {unknown} are not sent by the sandbox: choose from {list(CATEGORIES)}")
    sub = {"url": url, "key": key or _new_key(), "categories": chosen, "status": "PENDING",
           "failures": 0, "failing_since_ms": None, "next_attempt_ms": None, "disabled_reason": None}
    _save(store, sub)
    _set_flags(store, ",".join(chosen))
    return intent_to_receive(store, http=http)


def unsubscribe(store: Store) -> None:
    _save(store, None)
    _set_flags(store, "")


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(48)).decode()


def _entropy() -> str:
    return "".join(random.choices(string.ascii_uppercase, k=20))


def _client(http: httpx.Client | None) -> httpx.Client:
    import httpx

    return http or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)


def intent_to_receive(store: Store, *, http: httpx.Client | None = None) -> dict:
    """Xero's check of a new, changed or re-enabled subscription; ``OK`` only if the receiver tells the
    right signatures from the wrong ones as Xero requires."""
    sub = subscription(store)
    if sub is None:
        raise SubscriptionError("no webhook subscription: PUT /admin/webhooks with a url first")
    client = _client(http)
    problems: list[str] = []
    try:
        checks = list(INTENT_CHECKS)
        random.shuffle(checks)
        for right in checks:
            body = json.dumps({"events": [], "lastEventSequence": 0, "firstEventSequence": 0,
                               "entropy": _entropy()}).encode()
            key = sub["key"] if right else _new_key()
            status, content, cookie, error = _post(client, sub["url"], body, sign(body, key))
            what = "a correctly signed" if right else "an incorrectly signed"
            if error:
                problems.append(f"{what} payload got no answer ({error})")
            elif status != (200 if right else 401):
                problems.append(f"{what} payload was answered {status}, not {200 if right else 401}")
            elif right and content:
                problems.append(f"{what} payload was answered with a body; Xero wants none")
            elif cookie:
                problems.append(f"{what} payload was answered with a cookie; Xero wants none")
    finally:
        if http is None:
            client.close()
    with store.write(documents=False) as tx:
        _record(tx, "intent", None, None, 0, None, "; ".join(problems) or "passed")
    sub = {**sub, "status": "INTENT_FAILED" if problems else "OK", "intent_problems": problems,
           "failures": 0, "failing_since_ms": None, "next_attempt_ms": None,
           "disabled_reason": None if not problems else sub.get("disabled_reason")}
    _save(store, sub)
    return sub


def _post(client: httpx.Client, url: str, body: bytes, signature: str) -> tuple[int | None, bytes, bool, str | None]:
    import httpx

    try:
        response = client.post(url, content=body, timeout=TIMEOUT_SECONDS,
                               headers={"Content-Type": "application/json", "x-xero-signature": signature})
    except httpx.HTTPError as exc:
        return None, b"", False, f"{type(exc).__name__}: {exc}"
    return response.status_code, response.content, "set-cookie" in response.headers, None


def _record(tx: Tx, kind: str, first: int | None, last: int | None, events: int, status: int | None,
            outcome: str) -> None:
    tx.conn.execute("INSERT INTO webhook_deliveries(ts_ms, kind, first_seq, last_seq, events, status, outcome) "
                    "VALUES(?,?,?,?,?,?,?)", (tx.now_ms, kind, first, last, events, status, outcome))


def retry_delay_seconds(failures: int) -> int:
    """Seconds before the next try after ``failures`` failed deliveries in a row: 30 s, 1, 2, 4 … 60 min."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(failures - 1, 0), MAX_RETRY_SECONDS)


# delivery --------------------------------------------------------------------------------------------
def deliver_due(store: Store, *, http: httpx.Client | None = None) -> dict:
    """Send what is due now on the sandbox clock; returns ``{"delivered", "queued", "status", ...}``."""
    with _deliver_lock:
        sub = subscription(store)
        if sub is None:
            return {"delivered": 0, "status": None}
        _set_flags(store, ",".join(sub["categories"]))  # organisations added since the subscription
        _gather(store)
        with store.read() as tx:
            now = tx.now_ms
        if sub["status"] != "OK":
            return {"delivered": 0, "status": sub["status"], "queued": _queued(store)}
        if sub.get("next_attempt_ms") and now < sub["next_attempt_ms"]:
            return {"delivered": 0, "status": "OK", "queued": _queued(store), "next_attempt_ms": sub["next_attempt_ms"]}
        client = _client(http)
        delivered = 0
        try:
            while True:
                with store.read() as tx:
                    rows = tx.conn.execute("SELECT seq, event FROM webhook_queue ORDER BY seq LIMIT ?",
                                           (BATCH_LIMIT,)).fetchall()
                if not rows:
                    break
                first, last = rows[0][0], rows[-1][0]
                body = json.dumps({"events": [json.loads(row[1]) for row in rows], "firstEventSequence": first,
                                   "lastEventSequence": last, "entropy": _entropy()}).encode()
                status, _, _, error = _post(client, sub["url"], body, sign(body, sub["key"]))
                if status == 200:
                    with store.write(documents=False) as tx:
                        tx.conn.execute("DELETE FROM webhook_queue WHERE seq <= ?", (last,))
                        _record(tx, "events", first, last, len(rows), status, "delivered")
                    delivered += len(rows)
                    sub = {**sub, "failures": 0, "failing_since_ms": None, "next_attempt_ms": None}
                    continue
                sub = _failed(sub, now, error or f"answered {status}, not 200")
                with store.write(documents=False) as tx:
                    _record(tx, "events", first, last, len(rows), status, sub["last_error"])
                break
        finally:
            if http is None:
                client.close()
            _save(store, sub)
        return {"delivered": delivered, "status": sub["status"], "queued": _queued(store),
                "next_attempt_ms": sub.get("next_attempt_ms")}


def _failed(sub: dict, now: int, error: str) -> dict:
    failures = int(sub.get("failures") or 0) + 1
    since = sub.get("failing_since_ms") or now
    sub = {**sub, "failures": failures, "failing_since_ms": since, "last_error": error}
    if now - since >= DISABLE_AFTER_SECONDS * 1000:
        return {**sub, "status": "DISABLED", "next_attempt_ms": None,
                "disabled_reason": f"deliveries failed for 24 hours ({failures} tries; last: {error}); "
                                   "re-enable it with POST /admin/webhooks/intent"}
    return {**sub, "next_attempt_ms": now + retry_delay_seconds(failures) * 1000}


def _queued(store: Store) -> int:
    with store.read() as tx:
        return int(tx.conn.execute("SELECT count(*) FROM webhook_queue").fetchall()[0][0])


def describe(store: Store) -> dict:
    """The subscription, what is queued and the latest deliveries (``GET /admin/webhooks``)."""
    sub = subscription(store)
    if sub is None:
        return {"subscription": None}
    with store.read() as tx:
        rows = tx.conn.execute("SELECT ts_ms, kind, first_seq, last_seq, events, status, outcome "
                               "FROM webhook_deliveries ORDER BY id DESC LIMIT 20").fetchall()
    names = ("ts_ms", "kind", "first_sequence", "last_sequence", "events", "status", "outcome")
    return {"subscription": sub, "queued": _queued(store), "deliveries": [dict(zip(names, r, strict=True)) for r in rows]}


class DeliveryTicker:
    """Calls :func:`deliver_due` every ``interval`` seconds in a background thread (the served sandbox)."""

    def __init__(self, state_dir: Path, interval: float = 1.0) -> None:
        self.state_dir = Path(state_dir)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xero-sandbox-webhooks", daemon=True)

    def _run(self) -> None:
        from sandbox.xero.state import open_state

        while not self._stop.wait(self.interval):
            try:
                deliver_due(open_state(self.state_dir))
            except Exception as exc:  # a bad tick must not stop the next one
                print(f"webhook delivery failed: {type(exc).__name__}: {exc}", flush=True)
                time.sleep(self.interval)

    def start(self) -> DeliveryTicker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def admin_routes(store: Store) -> list:
    """``/admin/webhooks``: GET, PUT (set up + intent to receive), DELETE; ``/intent``, ``/deliver``."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    def answer(body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body), status_code=status, media_type="application/json; charset=utf-8")

    async def webhooks(request: Request) -> Response:
        if request.method == "PUT":
            try:
                body = json.loads(await request.body() or b"{}")
                if not isinstance(body, dict):
                    raise SubscriptionError("expected a JSON object with url (and optionally key, categories)")
                return answer(await run_in_threadpool(lambda: subscribe(
                    store, body.get("url"), body.get("key"), body.get("categories"))))
            except (SubscriptionError, json.JSONDecodeError) as exc:
                return answer({"error": str(exc)}, 400)
        if request.method == "DELETE":
            await run_in_threadpool(unsubscribe, store)
            return answer({"subscription": None})
        return answer(await run_in_threadpool(describe, store))

    async def intent(_request: Request) -> Response:
        try:
            return answer(await run_in_threadpool(intent_to_receive, store))
        except SubscriptionError as exc:
            return answer({"error": str(exc)}, 400)

    async def deliver(_request: Request) -> Response:
        return answer(await run_in_threadpool(deliver_due, store))

    return [Route("/admin/webhooks", webhooks, methods=["GET", "PUT", "DELETE"]),
            Route("/admin/webhooks/intent", intent, methods=["POST"]),
            Route("/admin/webhooks/deliver", deliver, methods=["POST"])]
