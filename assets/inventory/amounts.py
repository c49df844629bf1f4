"""Money on whole columns, exactly: integer cents and ten-thousandths, half-up rounding.

Polars rounds decimals half-to-even and keeps only the larger scale of a product (4 dp × 2 dp
gives 4 dp), so a quantity times a cost is computed here in integers — quantity in
ten-thousandths × cost in cents, divided back and rounded half away from zero, as Auxo and Xero
round — and turned back into a ``Decimal(18, 2)`` column through its exact text.
"""

from __future__ import annotations

import polars as pl

QTY_SCALE = 10_000
Money = pl.Decimal(18, 2)


def cents(column: str | pl.Expr) -> pl.Expr:
    """A money column (``Decimal(18, 2)``) as integer cents (``Int64``)."""
    col = pl.col(column) if isinstance(column, str) else column
    return col.cast(Money).to_physical().cast(pl.Int64)


def ten_thousandths(column: str | pl.Expr) -> pl.Expr:
    """A quantity column (up to 4 dp) as integer ten-thousandths (``Int64``)."""
    col = pl.col(column) if isinstance(column, str) else column
    return col.cast(pl.Decimal(18, 4)).to_physical().cast(pl.Int64)


def div_half_up(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """``numerator / denominator`` rounded half away from zero (integers, ``denominator > 0``)."""
    magnitude = (numerator.abs() * 2 + denominator) // (2 * denominator)
    return pl.when(numerator < 0).then(-magnitude).otherwise(magnitude)


def extend_cents(quantity: str | pl.Expr, unit_cost: str | pl.Expr) -> pl.Expr:
    """``round_half_up(quantity × unit_cost, 2)`` in cents."""
    return div_half_up(ten_thousandths(quantity) * cents(unit_cost), QTY_SCALE)


def tax_cents(amount_cents: pl.Expr, rate_percent: pl.Expr) -> pl.Expr:
    """Xero's tax on an exclusive line: ``round_half_up(amount × rate / 100)``, rate in whole hundredths
    of a percent (``rate_percent`` as ``Int64`` basis points: 10 % is 1000)."""
    return div_half_up(amount_cents * rate_percent, 10_000)


def money(cents_expr: pl.Expr) -> pl.Expr:
    """Integer cents as an exact ``Decimal(18, 2)`` (``12345`` → ``123.45``, ``-5`` → ``-0.05``)."""
    whole = (cents_expr.abs() // 100).cast(pl.String)
    frac = (cents_expr.abs() % 100).cast(pl.String).str.zfill(2)
    sign = pl.when(cents_expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (sign + whole + pl.lit(".") + frac).cast(Money)
