from decimal import Decimal

import pytest

from pipelines.money import LineAmountType, document_totals, line_tax, round_cents, to_decimal


def test_tax_is_rounded_per_line_then_summed_as_xero_does():
    # Xero's own worked example (15 %): one rounding on the total would give 11.45
    lines = [(Decimal("25.06"), Decimal("15")), (Decimal("25.61"), Decimal("15")), (Decimal("25.63"), Decimal("15"))]
    assert document_totals(lines, "Exclusive") == (Decimal("76.30"), Decimal("11.44"), Decimal("87.74"))


def test_inclusive_tax_is_backed_out_of_the_line_amount():
    assert line_tax(Decimal("20.00"), Decimal("10"), LineAmountType.INCLUSIVE) == Decimal("1.82")
    subtotal, tax, total = document_totals([(Decimal("20.00"), Decimal("10"))], "Inclusive")
    assert (subtotal, tax, total) == (Decimal("18.18"), Decimal("1.82"), Decimal("20.00"))


def test_half_cents_round_away_from_zero():
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
    assert round_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert line_tax(Decimal("0.05"), Decimal("10"), "Exclusive") == Decimal("0.01")  # 0.005 -> 0.01


def test_floats_never_leak_binary_digits():
    assert to_decimal(0.1) == Decimal("0.1")
    with pytest.raises(ValueError):
        to_decimal(True)


def test_no_tax_lines_carry_no_tax():
    assert line_tax(Decimal("99.99"), Decimal("10"), "NoTax") == Decimal("0.00")
