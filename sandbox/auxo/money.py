"""Money and quantities in integers, as Auxo keeps them.

Money is integer cents; quantities are integer ten-thousandths (4 dp). On the wire both are
decimal strings (``"123.45"``, ``"2.5"``). Keeping them as integers means the sandbox, the
generator (which does the same arithmetic on whole numpy/polars columns) and the tests agree to the
cent, and no binary float ever touches an amount. Rounding is half-up, away from zero, as Xero and
Auxo round.
"""

from __future__ import annotations

import re

QTY_SCALE = 10_000  # quantities carry 4 dp
GST_RATE_PERCENT = 10

_MONEY = re.compile(r"^-?\d{1,12}\.\d{2}$")
_QTY = re.compile(r"^-?\d{1,9}(\.\d{1,4})?$")


def div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, in integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def parse_money(text: object) -> int:
    """Cents of a 2-dp money string; anything else (floats, 3 dp) is refused."""
    if not isinstance(text, str) or not _MONEY.match(text):
        raise ValueError(f"not a money amount with exactly 2 dp: {text!r}")
    negative = text.startswith("-")
    whole, frac = text.lstrip("-").split(".")
    cents = int(whole) * 100 + int(frac)
    return -cents if negative else cents


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{frac:02d}"


def parse_quantity(text: object) -> int:
    """Ten-thousandths of a quantity string with up to 4 dp."""
    if not isinstance(text, str) or not _QTY.match(text):
        raise ValueError(f"not a quantity with up to 4 dp: {text!r}")
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    value = int(whole) * QTY_SCALE + int((frac + "0000")[:4])
    return -value if negative else value


def format_quantity(qty4: int) -> str:
    """``"2"``, ``"2.5"``, ``"0.375"``: up to 4 dp, trailing zeros dropped."""
    sign = "-" if qty4 < 0 else ""
    whole, frac = divmod(abs(int(qty4)), QTY_SCALE)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{f'{frac:04d}'.rstrip('0')}"


def extend(qty4: int, unit_cents: int) -> int:
    """``quantity × unit price`` in cents, rounded half-up."""
    return div_round(qty4 * unit_cents, QTY_SCALE)


def gst_on_exclusive(amount_cents: int, rate_percent: int = GST_RATE_PERCENT) -> int:
    return div_round(amount_cents * rate_percent, 100)


def gst_in_inclusive(total_cents: int, rate_percent: int = GST_RATE_PERCENT) -> int:
    """The GST inside a GST-inclusive amount: ``total × r / (1 + r)`` (``total / 11`` at 10 %)."""
    return div_round(total_cents * rate_percent, 100 + rate_percent)
