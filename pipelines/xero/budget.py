"""Xero's call limits, kept on the client side.

Xero allows, per organisation, 5 calls at once, 60 a minute and a number of calls a day that
follows the app's pricing tier (since March 2026: 1,000 on the Starter tier, 5,000 on the others),
and 10,000 a minute for the whole app across organisations. Every response reports what is left in
``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and ``X-AppMinLimit-Remaining``. Sending at
the limits' pace instead of bouncing off 429s keeps a rate-bound run at the floor the limits allow;
the day budget is checked before each call so a run stops cleanly instead of burning retries.
The tier is the ``XERO_TIER`` setting (:func:`tier_limits`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from pipelines.http import DailyLimitReached

MINUTE = 60.0
DAY = 86_400.0
TIER_SETTING = "XERO_TIER"
DEFAULT_TIER = "standard"
# calls a day per organisation, by tier (Xero's app pricing since March 2026); the rest are the same
# for every tier: 60 a minute, 5 at once, 10,000 a minute app-wide
DAY_LIMITS = {"starter": 1000, "standard": 5000, "core": 5000, "plus": 5000, "advanced": 5000, "premium": 5000,
              "enterprise": 5000}


class TierError(ValueError):
    """``XERO_TIER`` names no tier Xero has."""


@dataclass(frozen=True)
class TierLimits:
    tier: str
    per_day: int
    per_minute: int = 60
    concurrent: int = 5
    app_per_minute: int = 10_000


def tier_limits(tier: str | None) -> TierLimits:
    """The limits of ``tier`` (case and spaces ignored; empty means the default, not Starter)."""
    name = (tier or "").strip().lower() or DEFAULT_TIER
    if name not in DAY_LIMITS:
        raise TierError(f"{TIER_SETTING}={tier!r} is not a Xero tier: set {TIER_SETTING} to one of "
                        f"{', '.join(DAY_LIMITS)} (starter allows 1,000 calls a day, the others 5,000), "
                        f"or leave it unset for {DEFAULT_TIER}")
    return TierLimits(name, DAY_LIMITS[name])


@dataclass
class BudgetSnapshot:
    calls: int
    minute_remaining: int | None
    day_remaining: int | None
    app_minute_remaining: int | None = None
    tier: str = DEFAULT_TIER


class RateBudget:
    """A sliding one-minute window, a day counter fed by Xero's headers and the tier's day limit, a
    wait when the app's minute is used up, and a concurrency cap."""

    def __init__(self, per_minute: int | None = None, per_day: int | None = None, concurrent: int | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep, *,
                 tier: str | None = None) -> None:
        limits = tier_limits(tier)
        self.tier = limits.tier
        self.per_minute = per_minute or limits.per_minute
        self.per_day = per_day or limits.per_day
        self._slots = threading.BoundedSemaphore(concurrent or limits.concurrent)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._day_calls: deque[float] = deque()  # this budget's calls in the last 24 hours
        self.calls = 0
        self.minute_remaining: int | None = None
        self.day_remaining: int | None = None
        self.app_minute_remaining: int | None = None
        self._app_full_since: float | None = None
        self.reserve = 0  # calls kept back from the day budget (set by the write path for money documents)

    def _wait_for_minute_slot(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._recent and now - self._recent[0] >= MINUTE:
                    self._recent.popleft()
                app_wait = self._app_wait(now)
                server_says_full = self.minute_remaining == 0 and bool(self._recent)
                if len(self._recent) < self.per_minute and not server_says_full and app_wait is None:
                    self._recent.append(now)
                    self._day_calls.append(now)
                    self.calls += 1
                    if self.minute_remaining:
                        self.minute_remaining -= 1
                    if self.app_minute_remaining:
                        self.app_minute_remaining -= 1
                    return
                if app_wait is not None:
                    wait = app_wait
                else:
                    wait = MINUTE - (now - self._recent[0]) + 0.05 if self._recent else 1.0
                if server_says_full and len(self._recent) < self.per_minute:
                    self.minute_remaining = None  # wait out our oldest call once, then trust the window
            self._sleep(max(wait, 0.05))

    def _app_wait(self, now: float) -> float | None:
        """Seconds to wait for the app's minute (other organisations' calls count too, so the whole
        minute since Xero said none was left), or None when calls may go."""
        if self._app_full_since is None:
            return None
        left = MINUTE - (now - self._app_full_since)
        if left <= 0:
            self._app_full_since = None
            self.app_minute_remaining = None  # the window has moved on: trust the next answer
            return None
        return left + 0.05

    def _day_left(self) -> int:
        """Calls left today: Xero's own count when known, and never more than the tier allows."""
        now = self._clock()
        while self._day_calls and now - self._day_calls[0] >= DAY:
            self._day_calls.popleft()
        left = self.per_day - len(self._day_calls)
        return min(left, self.day_remaining) if self.day_remaining is not None else left

    def check_day(self, needed: int = 1) -> None:
        with self._lock:
            left = self._day_left()
        if left - self.reserve < needed:
            raise DailyLimitReached(
                f"Xero's daily API limit for this organisation is used up ({max(left, 0)} calls left of the "
                f"{self.tier} tier's {self.per_day:,} a day); the rest will be sent by the next run"
            )

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the concurrent slots and one call of the minute and day budgets."""
        self.check_day()
        with self._slots:
            self._wait_for_minute_slot()
            yield

    def observe(self, response: httpx.Response) -> None:
        with self._lock:
            minute = _count(response, "X-MinLimit-Remaining")
            day = _count(response, "X-DayLimit-Remaining")
            app_minute = _count(response, "X-AppMinLimit-Remaining")
            if minute is not None:
                self.minute_remaining = minute
            if day is not None:
                self.day_remaining = day
            if app_minute is not None:
                self.app_minute_remaining = app_minute
                if app_minute == 0 and self._app_full_since is None:
                    self._app_full_since = self._clock()

    def snapshot(self) -> BudgetSnapshot:
        with self._lock:
            return BudgetSnapshot(self.calls, self.minute_remaining, self.day_remaining, self.app_minute_remaining,
                                  self.tier)


def _count(response: httpx.Response, header: str) -> int | None:
    value = response.headers.get(header)
    return int(value) if value is not None and value.strip().isdigit() else None
