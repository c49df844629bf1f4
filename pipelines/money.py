"""Money to the cent.

Amounts are ``Decimal`` end to end; binary floats never touch money. Xero rounds tax per line to
2 dp and sums the lines, so :func:`line_tax` is the one place that rule lives on the pipeline's
side. The rounding mode is half-up (away from zero), as the Xero sandbox and Auxo use.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class LineAmountType(StrEnum):
    """How a document's line amounts relate to tax (Xero's ``LineAmountTypes``)."""

    EXCLUSIVE = "Exclusive"
    INCLUSIVE = "Inclusive"
    NO_TAX = "NoTax"


def to_decimal(value: object) -> Decimal:
    """A Decimal from a JSON number, string or Decimal; never through a binary float's digits."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text: 0.1 -> "0.1", not 0.1000000000000000055
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def round_cents(value: Decimal | int | str) -> Decimal:
    """Round to 2 dp, half away from zero."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal | int | str) -> int:
    """Integer cents of an amount already rounded to the cent."""
    return int(round_cents(value) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def line_tax(line_amount: Decimal, rate_percent: Decimal, mode: LineAmountType | str) -> Decimal:
    """The tax of one line, rounded to the cent, as Xero computes it.

    ``line_amount`` is the line's amount as entered (tax-inclusive in Inclusive mode).
    """
    mode = LineAmountType(mode)
    rate = to_decimal(rate_percent) / 100
    amount = to_decimal(line_amount)
    if mode is LineAmountType.NO_TAX or rate == 0:
        return ZERO
    if mode is LineAmountType.EXCLUSIVE:
        return round_cents(amount * rate)
    return round_cents(amount * rate / (1 + rate))


def document_totals(
    lines: list[tuple[Decimal, Decimal]], mode: LineAmountType | str
) -> tuple[Decimal, Decimal, Decimal]:
    """``(subtotal, total_tax, total)`` of ``(line_amount, rate_percent)`` lines, tax per line."""
    mode = LineAmountType(mode)
    amounts = [round_cents(amount) for amount, _ in lines]
    taxes = [line_tax(amount, rate, mode) for amount, (_, rate) in zip(amounts, lines, strict=True)]
    total_tax = sum(taxes, ZERO)
    gross = sum(amounts, ZERO)
    if mode is LineAmountType.INCLUSIVE:
        return gross - total_tax, total_tax, gross
    return gross, total_tax, gross + total_tax
