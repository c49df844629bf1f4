"""Xero's call limits, kept on the client side.

Xero allows, per organisation, 5 calls at once, 60 a minute and 5000 a day, and reports what is
left in ``X-MinLimit-Remaining`` / ``X-DayLimit-Remaining`` on every response. Sending at the
limit's pace instead of bouncing off 429s keeps a rate-bound run at the floor the limits allow;
the day budget is checked before each call so a run stops cleanly instead of burning retries.
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


@dataclass
class BudgetSnapshot:
    calls: int
    minute_remaining: int | None
    day_remaining: int | None


class RateBudget:
    """A sliding one-minute window, a day counter fed by Xero's headers, and a concurrency cap."""

    def __init__(self, per_minute: int = 60, per_day: int = 5000, concurrent: int = 5,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self._slots = threading.BoundedSemaphore(concurrent)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self.calls = 0
        self.minute_remaining: int | None = None
        self.day_remaining: int | None = None
        self.reserve = 0  # calls kept back from the day budget (set by the write path for money documents)

    def _wait_for_minute_slot(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._recent and now - self._recent[0] >= MINUTE:
                    self._recent.popleft()
                server_says_full = self.minute_remaining == 0 and bool(self._recent)
                if len(self._recent) < self.per_minute and not server_says_full:
                    self._recent.append(now)
                    self.calls += 1
                    if self.minute_remaining:
                        self.minute_remaining -= 1
                    return
                wait = MINUTE - (now - self._recent[0]) + 0.05 if self._recent else 1.0
                if server_says_full and len(self._recent) < self.per_minute:
                    self.minute_remaining = None  # wait out our oldest call once, then trust the window
            self._sleep(max(wait, 0.05))

    def check_day(self, needed: int = 1) -> None:
        if self.day_remaining is not None and self.day_remaining - self.reserve < needed:
            raise DailyLimitReached(
                f"Xero's daily API limit for this organisation is used up ({self.day_remaining} calls left); "
                "the rest will be sent by the next run"
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
            minute = response.headers.get("X-MinLimit-Remaining")
            day = response.headers.get("X-DayLimit-Remaining")
            if minute is not None and minute.isdigit():
                self.minute_remaining = int(minute)
            if day is not None and day.isdigit():
                self.day_remaining = int(day)

    def snapshot(self) -> BudgetSnapshot:
        with self._lock:
            return BudgetSnapshot(self.calls, self.minute_remaining, self.day_remaining)
