"""Reading fields out of request bodies, with errors in the API's shape.

Every write item and admin body goes through :class:`Fields`, so a missing or malformed field is
always ``invalid`` with ``details.field`` naming it, never a traceback.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.auxo.money import format_money, format_quantity, parse_money, parse_quantity
from sandbox.auxo.rules import RuleError
from sandbox.auxo.store import canonical_timestamp

_MISSING = object()


def invalid(field: str, message: str) -> RuleError:
    return RuleError("invalid", message, {"field": field}, status=400)


class Fields:
    """Typed access to one JSON object of a request."""

    def __init__(self, raw: Any, where: str = "") -> None:
        if not isinstance(raw, dict):
            raise invalid(where or "item", f"{where or 'each item'} must be a JSON object")
        self.raw = raw
        self.where = where

    def _name(self, field: str) -> str:
        return f"{self.where}.{field}" if self.where else field

    def has(self, field: str) -> bool:
        return field in self.raw

    def _get(self, field: str, required: bool) -> Any:
        value = self.raw.get(field, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise invalid(self._name(field), f"{self._name(field)} is required")
            return None
        return value

    def text(self, field: str, *, required: bool = True, max_length: int = 1000) -> str | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
            raise invalid(self._name(field), f"{self._name(field)} must be a non-empty string")
        return value

    def choice(self, field: str, options: tuple[str, ...], *, required: bool = True,
               default: str | None = None) -> str | None:
        value = self._get(field, required and default is None)
        if value is None:
            return default
        if value not in options:
            raise invalid(self._name(field), f"{self._name(field)} must be one of {', '.join(options)}")
        return value

    def boolean(self, field: str, *, required: bool = True, default: bool | None = None) -> bool | None:
        value = self._get(field, required and default is None)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise invalid(self._name(field), f"{self._name(field)} must be true or false")
        return value

    def money(self, field: str, *, required: bool = True, default: int | None = None) -> int | None:
        """Cents of a money string (exactly 2 dp)."""
        value = self._get(field, required and default is None)
        if value is None:
            return default
        try:
            return parse_money(value)
        except ValueError:
            raise invalid(self._name(field), f"{self._name(field)} must be money: a string with 2 dp like \"12.50\"") from None

    def money_text(self, field: str, **kwargs: Any) -> str | None:
        cents = self.money(field, **kwargs)
        return None if cents is None else format_money(cents)

    def quantity(self, field: str, *, required: bool = True, default: int | None = None) -> int | None:
        value = self._get(field, required and default is None)
        if value is None:
            return default
        try:
            return parse_quantity(value)
        except ValueError:
            raise invalid(self._name(field), f"{self._name(field)} must be a quantity string with up to 4 dp") from None

    def quantity_text(self, field: str, **kwargs: Any) -> str | None:
        qty = self.quantity(field, **kwargs)
        return None if qty is None else format_quantity(qty)

    def date(self, field: str, *, required: bool = True, default: date | None = None) -> str | None:
        value = self._get(field, required and default is None)
        if value is None:
            return default.isoformat() if default else None
        problem = invalid(self._name(field), f"{self._name(field)} must be a date YYYY-MM-DD")
        if not isinstance(value, str) or len(value) != 10:
            raise problem
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise problem from None

    def timestamp(self, field: str, *, required: bool = True) -> str | None:
        value = self._get(field, required)
        if value is None:
            return None
        try:
            return canonical_timestamp(value)
        except (ValueError, AttributeError):
            raise invalid(self._name(field), f"{self._name(field)} must be an RFC 3339 timestamp") from None

    def objects(self, field: str, *, required: bool = True) -> list[Fields] | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise invalid(self._name(field), f"{self._name(field)} must be a list")
        return [Fields(entry, f"{self._name(field)}[{i}]") for i, entry in enumerate(value)]

    def object(self, field: str, *, required: bool = True) -> Fields | None:
        value = self._get(field, required)
        return None if value is None else Fields(value, self._name(field))
