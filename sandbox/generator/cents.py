"""The sandbox's money rules (``sandbox.auxo.money``/``rules``) on whole columns at once.

Integer cents and ten-thousandths of a unit, half-up rounding, GST per line — the same
arithmetic as the Auxo sandbox, vectorised with numpy and polars so a year of a large workshop is
priced in seconds. The tests check these against the scalar versions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

QTY_SCALE = 10_000


def div_round(numerator: np.ndarray, denominator: int | np.ndarray) -> np.ndarray:
    """``numerator / denominator`` rounded half away from zero (integer arrays, denominator > 0)."""
    numerator = np.asarray(numerator, dtype=np.int64)
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * np.asarray(denominator, dtype=np.int64))
    return np.where(numerator < 0, -magnitude, magnitude)


def extend(qty4: np.ndarray, unit_cents: np.ndarray) -> np.ndarray:
    """``quantity × unit price`` in cents, half-up; whole quantities (most lines) need no rounding."""
    qty4 = np.asarray(qty4, np.int64)
    unit_cents = np.asarray(unit_cents, np.int64)
    whole = qty4 % QTY_SCALE == 0
    out = (qty4 // QTY_SCALE) * unit_cents
    if not whole.all():
        part = ~whole
        out[part] = div_round(qty4[part] * unit_cents[part], QTY_SCALE)
    return out


def line_amounts(qty4: np.ndarray, unit_cents: np.ndarray,
                 includes_gst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(line_amount, gst, line_total)`` of GST lines, as ``sandbox.auxo.rules.line_amounts``."""
    extended = extend(qty4, unit_cents)
    includes = np.asarray(includes_gst, bool)
    gst = np.empty_like(extended)
    gst[includes] = div_round(extended[includes], 11)
    gst[~includes] = div_round(extended[~includes], 10)
    amount = np.where(includes, extended - gst, extended)
    return amount, gst, amount + gst


def money(column: str | pl.Expr) -> pl.Expr:
    """Cents (Int64) as an API money string: ``12345`` → ``"123.45"``, ``-5`` → ``"-0.05"``."""
    cents = pl.col(column) if isinstance(column, str) else column
    whole = (cents.abs() // 100).cast(pl.String)
    frac = (cents.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")) + whole + pl.lit(".") + frac


def quantity(column: str | pl.Expr) -> pl.Expr:
    """Ten-thousandths (Int64) as an API quantity string: ``25000`` → ``"2.5"``."""
    qty = pl.col(column) if isinstance(column, str) else column
    whole = (qty.abs() // QTY_SCALE).cast(pl.String)
    frac = (qty.abs() % QTY_SCALE).cast(pl.String).str.zfill(4).str.strip_chars_end("0")
    sign = pl.when(qty < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return sign + whole + pl.when(frac == "").then(pl.lit("")).otherwise(pl.lit(".") + frac)

