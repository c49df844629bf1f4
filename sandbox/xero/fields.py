"""Reading fields out of request elements, collecting Xero-style messages instead of raising.

Request bodies come from many clients (this project's httpx client, xero-python, people's scripts):
PascalCase keys, numbers as JSON numbers or strings, dates in three formats, read-only fields
echoed back. These helpers accept all of that and ignore what a create or update may not set.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sandbox.xero import dates, errors
from sandbox.xero.money import to_decimal


def text(raw: dict, key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def date_field(raw: dict, key: str, messages: list[str]) -> date | None:
    value = raw.get(key)
    if value in (None, ""):
        return None
    try:
        return dates.parse_date(value)
    except (ValueError, TypeError):
        messages.append(errors.DATE_INVALID.format(value=value, field=key))
        return None


def decimal_field(raw: dict, key: str, messages: list[str]) -> Decimal | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    try:
        return to_decimal(value)
    except ValueError:
        messages.append(errors.NUMBER_INVALID.format(value=value, field=key))
        return None


def bool_field(raw: dict, key: str) -> bool | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def set_date(doc: dict, key: str, value: date | None, *, with_string: bool = False) -> None:
    """Write a date field (and its ``<key>String`` copy) in Xero's response format."""
    if value is None:
        doc.pop(key, None)
        if with_string:
            doc.pop(f"{key}String", None)
        return
    if with_string:
        doc[f"{key}String"] = dates.date_string(value)
    doc[key] = dates.ms_date(value)


def ref_of(raw: object) -> dict:
    """A nested reference object (``{"InvoiceID": ...}``), tolerating ``None``."""
    return raw if isinstance(raw, dict) else {}


def seed_updated_ms(raw: dict) -> int | None:
    """The ``UpdatedDateUTC`` a seeded document brings (MS-JSON or ISO), if any."""
    value = raw.get("UpdatedDateUTC")
    if not value:
        return None
    ms = dates.ms_of(value)
    return ms if ms is not None else dates.parse_timestamp_ms(str(value))
