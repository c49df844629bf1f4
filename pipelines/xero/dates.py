"""Xero's date formats.

Responses carry Microsoft JSON dates, ``/Date(1539993600000+0000)/`` (milliseconds since the epoch
in UTC, an optional offset saying which local time it was) and ISO copies in ``*String`` fields.
Requests take ``YYYY-MM-DD``. These functions convert both ways; everything else in the pipeline
sees ``datetime`` (UTC) and ``date``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")


def is_ms_date(value: object) -> bool:
    return isinstance(value, str) and _MS_DATE.match(value) is not None


def parse_ms_date(value: str) -> datetime:
    """``/Date(ms±hhmm)/`` → an aware UTC datetime (the offset only says which local time it was)."""
    match = _MS_DATE.match(value)
    if not match:
        raise ValueError(f"not a Xero /Date()/ value: {value!r}")
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match["ms"]))


def ms_date_to_date(value: str) -> date:
    """The calendar date of a Xero document date (stored as midnight UTC of that date)."""
    match = _MS_DATE.match(value)
    if not match:
        raise ValueError(f"not a Xero /Date()/ value: {value!r}")
    moment = parse_ms_date(value)
    offset = match["offset"]
    if offset:  # local dates like PeriodLockDate carry their zone: shift back to the local date
        sign = 1 if offset[0] == "+" else -1
        moment += sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return moment.date()


def format_date(value: date) -> str:
    """A request date, ``YYYY-MM-DD``."""
    return value.isoformat()


def format_if_modified_since(value: datetime) -> str:
    """An ``If-Modified-Since`` header value: ISO 8601 in UTC with milliseconds."""
    if value.tzinfo is None:
        raise ValueError("If-Modified-Since needs an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def convert_dates(record: object) -> object:
    """A copy of a Xero record with every ``/Date()/`` string turned into a UTC datetime.

    Business dates (``Date``, ``DueDate``…) become midnight-UTC datetimes; staging turns them into
    dates. Copies, never mutates, so a record reused by a caller stays as Xero sent it.
    """
    if isinstance(record, dict):
        return {key: convert_dates(value) for key, value in record.items()}
    if isinstance(record, list):
        return [convert_dates(item) for item in record]
    if isinstance(record, str) and record.startswith("/Date("):
        return _convert_one(record)
    return record


def _convert_one(value: str) -> datetime | date:
    """A local calendar date sent with its zone (``/Date(1419937200000+1300)/``, lock dates) stays that
    date; anything else becomes a UTC datetime (dates sent at midnight ``+0000`` cast back exactly)."""
    match = _MS_DATE.match(value)
    if not match:
        return value  # type: ignore[return-value]
    offset = match["offset"]
    if offset and offset not in ("+0000", "-0000"):
        local = ms_date_to_date(value)
        moment = parse_ms_date(value)
        sign = 1 if offset[0] == "+" else -1
        shifted = moment + sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        if shifted.time() == datetime.min.time():
            return local
    return parse_ms_date(value)
