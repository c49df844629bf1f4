"""The workshop's calendar: days, the three periods, business hours, and UTC timestamps.

Document dates are Australia/Sydney dates; timestamps are UTC microseconds (Int64) until they
are formatted. Business hours never touch a daylight-saving change (2–3 am), so a local time of
day maps to UTC with the offset at noon of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from sandbox.auxo.store import us_to_timestamp as us_to_text  # one formatter for both sides

LOCAL_TZ = ZoneInfo("Australia/Sydney")
US_PER_SECOND = 1_000_000
US_PER_HOUR = 3_600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR
EPOCH_DAY = date(1970, 1, 1)


def default_end_date() -> date:
    """Yesterday in Sydney: every generated moment is then in the past for the sandboxes' clocks."""
    return datetime.now(LOCAL_TZ).date() - timedelta(days=1)


@dataclass(frozen=True)
class Timeline:
    start_date: date  # first day of history
    sync_start_date: date  # first day synced to Xero
    window_start_date: date  # first day not synced yet
    end_date: date  # last day (inclusive)

    @classmethod
    def for_profile(cls, pre_sync_days: int, synced_days: int, window_days: int, end_date: date) -> Timeline:
        window_start = end_date - timedelta(days=window_days - 1)
        sync_start = window_start - timedelta(days=synced_days)
        return cls(sync_start - timedelta(days=pre_sync_days), sync_start, window_start, end_date)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def day_dates(self) -> list[date]:
        return [self.start_date + timedelta(days=i) for i in range(self.days)]

    def day_index(self, day: date) -> int:
        return (day - self.start_date).days

    def local_midnight_us(self) -> np.ndarray:
        """UTC microseconds of each day's local midnight (offset taken at noon, see module doc)."""
        out = np.empty(self.days, dtype=np.int64)
        for i, day in enumerate(self.day_dates()):
            noon = datetime.combine(day, time(12), LOCAL_TZ)
            offset = noon.utcoffset() or timedelta(0)
            out[i] = ((day - EPOCH_DAY).days * 86_400 - int(offset.total_seconds())) * US_PER_SECOND
        return out

    def moment_us(self, day_index: np.ndarray, local_us_of_day: np.ndarray) -> np.ndarray:
        """UTC microseconds of a local time of day (may run past midnight: the next day's offset is the same)."""
        return self.local_midnight_us()[day_index] + local_us_of_day

    def at(self, day: date, hour: float) -> int:
        """UTC microseconds of a local wall-clock time (a single value, for planted moments)."""
        moment = datetime.combine(day, time(0), LOCAL_TZ) + timedelta(hours=hour)
        return round(moment.astimezone(UTC).timestamp() * 1_000_000)

    def end_us(self) -> int:
        """The end of the last day (local midnight after it): nothing generated happens later."""
        return self.at(self.end_date + timedelta(days=1), 0)


def timestamp(column: str | pl.Expr) -> pl.Expr:
    """UTC microseconds (Int64) as an API timestamp: ``2026-03-02T04:05:06.123456Z``."""
    us = pl.col(column) if isinstance(column, str) else column
    return pl.from_epoch(us, "us").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")


def local_date(column: str | pl.Expr) -> pl.Expr:
    """The Sydney date of UTC microseconds."""
    us = pl.col(column) if isinstance(column, str) else column
    return pl.from_epoch(us, "us").dt.replace_time_zone("UTC").dt.convert_time_zone("Australia/Sydney").dt.date()


__all__ = ["LOCAL_TZ", "Timeline", "default_end_date", "local_date", "timestamp", "us_to_text"]
