"""Xero's date formats.

Responses carry MS-JSON dates (``/Date(1539993600000+0000)/``: milliseconds at midnight UTC for
plain dates, the instant for timestamps) and ``DateString``-style ISO copies. Requests may send
``YYYY-MM-DD``, ISO datetimes or ``/Date(ms)/`` (what xero-python writes), so parsing accepts all
three.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

EPOCH = date(1970, 1, 1)
_MS_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
_DAY_MS = 86_400_000


def date_to_ms(value: date) -> int:
    return (value - EPOCH).days * _DAY_MS


def ms_to_date(ms: int) -> date:
    return EPOCH + timedelta(days=ms // _DAY_MS)


def ms_date(value: date) -> str:
    """A plain date as Xero writes it: midnight UTC with a ``+0000`` suffix."""
    return f"/Date({date_to_ms(value)}+0000)/"


def ms_timestamp(ms: int) -> str:
    """A timestamp field such as ``UpdatedDateUTC``."""
    return f"/Date({ms}+0000)/"


def envelope_timestamp(ms: int) -> str:
    """The envelope's ``DateTimeUTC`` has no offset."""
    return f"/Date({ms})/"


def date_string(value: date) -> str:
    return f"{value.isoformat()}T00:00:00"


def utc_string(ms: int) -> str:
    """``UpdatedDateUTCString``: second precision, ``Z``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ms_of(value: str | None) -> int | None:
    """Milliseconds of an MS-JSON string, ``None`` when it is not one."""
    if not isinstance(value, str):
        return None
    match = _MS_RE.match(value)
    return int(match.group(1)) if match else None


def date_of(value: str | None) -> date | None:
    """The date of a stored MS-JSON date field."""
    ms = ms_of(value)
    return None if ms is None else ms_to_date(ms)


_MS_RANGE = (date_to_ms(date.min), date_to_ms(date.max))


def _in_range(ms: int) -> int:
    """``ms`` if it is a day Python (and SQLite's integers) can hold; ``ValueError`` otherwise."""
    if not _MS_RANGE[0] <= ms <= _MS_RANGE[1]:
        raise ValueError(f"date out of range: /Date({ms})/")
    return ms


def parse_date(value: object) -> date:
    """A request date: ``YYYY-MM-DD``, an ISO datetime (its date part) or ``/Date(ms[±hhmm])/``.

    Raises ``ValueError`` for anything else.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    ms = ms_of(text)
    if ms is not None:
        return ms_to_date(_in_range(ms))
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def parse_timestamp_ms(value: str) -> int:
    """An instant in milliseconds from ISO-8601 (``Z``, offset or none = UTC, fractions allowed),
    RFC 1123 (``If-Modified-Since``'s HTTP form) or MS-JSON. Raises ``ValueError``."""
    text = value.strip()
    ms = ms_of(text)
    if ms is not None:
        return _in_range(ms)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def long_date(value: date) -> str:
    """``30 June 2026``, as lock-date messages print dates."""
    return f"{value.day} {value.strftime('%B %Y')}"
