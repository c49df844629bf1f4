"""Xero's rate limits per tenant: concurrent calls, calls per minute, calls per day.

Minute and day windows slide over real time (they measure how fast a client really calls), with
the calls recorded in the shared SQLite state so every process serving the same state counts
together. The concurrency limit is per process. Off by default (``PUT /admin/config``); the
``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and ``X-AppMinLimit-Remaining`` headers are on
every response either way. A breach is a 429 with ``Retry-After`` and ``X-Rate-Limit-Problem``
(``minute``, ``day``, ``appminute`` or ``concurrent``).

The organisation's tier sets its day limit as Xero does since March 2026 (``tier`` in the
configuration: ``starter`` 1,000 calls a day, any other tier 5,000; see :func:`tier_day_limit`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from sandbox.xero.clock import real_ms
from sandbox.xero.store import Store

MINUTE_MS = 60_000
DAY_MS = 86_400_000
# calls a day per organisation by tier; every tier has 60 a minute, 5 at once, 10,000 a minute app-wide
TIER_DAY_LIMITS = {"starter": 1000, "standard": 5000, "core": 5000, "plus": 5000, "advanced": 5000,
                   "premium": 5000, "enterprise": 5000}


def tier_day_limit(tier: str) -> int:
    """The day limit of ``tier``; a ValueError names the tiers there are."""
    name = tier.strip().lower()
    if name not in TIER_DAY_LIMITS:
        raise ValueError(f"unknown Xero tier {tier!r}: use one of {', '.join(TIER_DAY_LIMITS)}")
    return TIER_DAY_LIMITS[name]


@dataclass
class Verdict:
    headers: dict[str, str]
    problem: str | None = None
    retry_after: int = 0


class Concurrency:
    """Calls in flight per tenant, in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}

    def acquire(self, tenant: str, limit: int) -> bool:
        with self._lock:
            if self._in_flight.get(tenant, 0) >= limit:
                return False
            self._in_flight[tenant] = self._in_flight.get(tenant, 0) + 1
            return True

    def release(self, tenant: str) -> None:
        with self._lock:
            self._in_flight[tenant] = max(self._in_flight.get(tenant, 1) - 1, 0)


def _headers(day: int, minute: int, app_minute: int) -> dict[str, str]:
    return {"X-DayLimit-Remaining": str(max(day, 0)), "X-MinLimit-Remaining": str(max(minute, 0)),
            "X-AppMinLimit-Remaining": str(max(app_minute, 0))}


def unlimited(limits: dict) -> Verdict:
    return Verdict(_headers(limits["per_day"], limits["per_minute"], limits["app_per_minute"]))


def count_call(store: Store, tenant: str, limits: dict) -> Verdict:
    """Record one call for ``tenant`` unless a window is full; say what remains."""
    now = real_ms()
    with store.write(documents=False) as tx:
        tx.conn.execute("DELETE FROM rate_calls WHERE ts_ms <= ?", (now - DAY_MS,))
        day_count, day_oldest = tx.conn.execute(
            "SELECT COUNT(*), MIN(ts_ms) FROM rate_calls WHERE tenant=? AND ts_ms > ?", (tenant, now - DAY_MS)
        ).fetchone()
        minute_count, minute_oldest = tx.conn.execute(
            "SELECT COUNT(*), MIN(ts_ms) FROM rate_calls WHERE tenant=? AND ts_ms > ?", (tenant, now - MINUTE_MS)
        ).fetchone()
        app_count, app_oldest = tx.conn.execute(
            "SELECT COUNT(*), MIN(ts_ms) FROM rate_calls WHERE ts_ms > ?", (now - MINUTE_MS,)).fetchone()
        problem, oldest, window = None, 0, 0
        if minute_count >= limits["per_minute"]:
            problem, oldest, window = "minute", minute_oldest, MINUTE_MS
        elif day_count >= limits["per_day"]:
            problem, oldest, window = "day", day_oldest, DAY_MS
        elif app_count >= limits["app_per_minute"]:
            problem, oldest, window = "appminute", app_oldest, MINUTE_MS
        if problem is None:
            tx.conn.execute("INSERT INTO rate_calls(tenant, ts_ms) VALUES(?, ?)", (tenant, now))
            day_count, minute_count, app_count = day_count + 1, minute_count + 1, app_count + 1
    headers = _headers(limits["per_day"] - day_count, limits["per_minute"] - minute_count,
                       limits["app_per_minute"] - app_count)
    if problem is None:
        return Verdict(headers)
    retry = max(1, math.ceil((oldest + window - now) / 1000))
    return Verdict(headers, problem, retry)


def reset(store: Store) -> None:
    with store.write(documents=False) as tx:
        tx.conn.execute("DELETE FROM rate_calls")
