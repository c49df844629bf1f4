"""Decimal money helpers: Xero rounds per line to 2 dp, half away from zero."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_Q4 = Decimal("0.0001")
# Inputs are below 10^12 (request_schema.py), but a batch of lines can sum past the default 28 digits
# that quantize() may produce; rounding in a wider context keeps such a total a number, not a crash.
_WIDE = Context(prec=60)


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_WIDE)


def q4(value: Decimal) -> Decimal:
    return value.quantize(_Q4, rounding=ROUND_HALF_UP, context=_WIDE)


def qdp(value: Decimal, dp: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP, context=_WIDE)


def to_decimal(value: object) -> Decimal:
    """A number from a request body (int, Decimal, numeric string). Raises ``ValueError``."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return result
