"""The sandbox clock: real time plus an offset, or frozen at an instant.

Every timestamp the sandbox writes (``UpdatedDateUTC``, token expiry, idempotency expiry, default
document dates) comes from here, so tests and the demo can move time without waiting for it. The
setting lives in the state's ``meta`` table, so every process sharing the state sees the same time.
Rate-limit windows use real time instead (they measure a client's real request rate).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sandbox.xero import jsonio

if TYPE_CHECKING:
    from sandbox.xero.store import Tx

ORG_TIMEZONE = ZoneInfo("Australia/Sydney")


def real_ms() -> int:
    return time.time_ns() // 1_000_000


def settings(tx: Tx) -> dict:
    raw = tx.meta("clock")
    return jsonio.loads(raw) if raw else {"offset_ms": 0, "frozen_ms": None}


def now_ms(tx: Tx) -> int:
    setting = settings(tx)
    if setting.get("frozen_ms") is not None:
        return int(setting["frozen_ms"])
    return real_ms() + int(setting.get("offset_ms") or 0)


def org_today(ms: int) -> date:
    """The organisation's local date (Australia/Sydney) at ``ms``."""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ORG_TIMEZONE).date()


def describe(tx: Tx) -> dict:
    setting = settings(tx)
    current = now_ms(tx)
    return {
        "now": datetime.fromtimestamp(current / 1000, UTC).isoformat().replace("+00:00", "Z"),
        "now_ms": current,
        "offset_ms": int(setting.get("offset_ms") or 0),
        "frozen": setting.get("frozen_ms") is not None,
        "org_today": org_today(current).isoformat(),
    }


def update(tx: Tx, body: dict) -> dict:
    """Apply an admin clock change. ``body`` holds one or more of:

    ``{"reset": true}`` back to real time; ``{"set": "<ISO instant>"}`` jump to an instant (keeps
    ticking unless frozen); ``{"advance_seconds": n}`` move forward (or back, negative);
    ``{"offset_seconds": n}`` set the offset from real time; ``{"freeze": true|false}`` stop or
    restart the clock at its current reading.
    """
    from sandbox.xero.dates import parse_timestamp_ms

    setting = {"offset_ms": 0, "frozen_ms": None} if body.get("reset") else settings(tx)
    current = now_ms(tx) if not body.get("reset") else real_ms()
    if "offset_seconds" in body:
        setting["offset_ms"] = int(float(body["offset_seconds"]) * 1000)
        current = real_ms() + setting["offset_ms"]
        if setting.get("frozen_ms") is not None:
            setting["frozen_ms"] = current
    if "set" in body:
        target = parse_timestamp_ms(str(body["set"]))
        setting["offset_ms"] = target - real_ms()
        if setting.get("frozen_ms") is not None:
            setting["frozen_ms"] = target
        current = target
    if "advance_seconds" in body:
        delta = int(float(body["advance_seconds"]) * 1000)
        setting["offset_ms"] = int(setting.get("offset_ms") or 0) + delta
        if setting.get("frozen_ms") is not None:
            setting["frozen_ms"] = int(setting["frozen_ms"]) + delta
        current += delta
    if "freeze" in body:
        if body["freeze"]:
            setting["frozen_ms"] = current
        else:
            setting["offset_ms"] = current - real_ms()
            setting["frozen_ms"] = None
    tx.set_meta("clock", jsonio.dumps(setting))
    tx.now_ms = now_ms(tx)
    return describe(tx)
