"""Auxo lines → Xero line items: Xero's per-line rounding must give exactly Auxo's totals and GST.

Auxo lines are priced here by the Auxo sandbox's own rules (``sandbox.auxo.rules``); Xero's
totals are computed with ``pipelines.money``, which is checked against the Xero sandbox's tax
function too.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.invoices.lines import (
    ROUNDING_KIND,
    ROUNDING_LIMIT,
    AuxoLine,
    quantity_and_unit,
    taxed_part,
    to_xero_lines,
)
from mappings import load_mappings
from pipelines.money import CENT, LineAmountType, line_tax, round_cents
from sandbox.auxo import rules
from sandbox.auxo.money import format_money, format_quantity
from sandbox.xero.lines import tax_for

MAPPINGS = load_mappings()
KINDS = ("labour", "part", "sundry", "freight", "discount")


def auxo_line(kind: str, qty4: int, unit_cents: int, gst_mode: str, tax_code: str = "GST") -> AuxoLine:
    """A line exactly as Auxo prices it."""
    includes = rules.price_includes_gst(kind, gst_mode)
    amount, gst, total = rules.line_amounts(qty4, unit_cents, includes, tax_code)
    cents = [Decimal(format_money(value)) for value in (amount, gst, total, unit_cents)]
    return AuxoLine(kind=kind, line_amount=cents[0], gst=cents[1], line_total=cents[2],
                    quantity=Decimal(format_quantity(qty4)), unit_price=cents[3], price_includes_gst=includes,
                    tax_code=tax_code, description=f"{kind} line")


@st.composite
def auxo_lines(draw: st.DrawFn, gst_mode: str) -> list[AuxoLine]:
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(KINDS))
        qty4 = 10_000 if kind == "discount" else draw(st.integers(1, 400_000))
        unit = draw(st.integers(1, 250_000))
        unit = -unit if kind == "discount" else unit
        tax_code = draw(st.sampled_from(["GST", "GST", "GST", "FRE"]))
        lines.append(auxo_line(kind, qty4, unit, gst_mode, tax_code))
    return lines


@settings(max_examples=400, deadline=None)
@given(gst_mode=st.sampled_from(["inclusive", "exclusive"]), data=st.data())
def test_xero_totals_equal_auxo_totals_without_any_rounding_line(gst_mode: str, data: st.DataObject) -> None:
    lines = data.draw(auxo_lines(gst_mode))
    conversion = to_xero_lines(lines, gst_mode, MAPPINGS)

    wire = [{"line_amount": format(line.line_amount, "f"), "gst": format(line.gst, "f"),
             "line_total": format(line.line_total, "f")} for line in lines]
    subtotal, gst, total = (Decimal(format_money(c)) for c in rules.document_totals(wire))
    assert conversion.matches, conversion.problem
    assert (conversion.subtotal, conversion.total_tax, conversion.total) == (subtotal, gst, total)
    assert conversion.rounding == 0
    assert all(line.kind != ROUNDING_KIND for line in conversion.lines)
    for auxo, xero in zip(lines, conversion.lines, strict=True):
        assert xero.tax_amount == auxo.gst  # per line, not only in total
        assert round_cents(xero.quantity * xero.unit_amount) == xero.line_amount  # as Xero derives it
        assert xero.unit_amount == round_cents(xero.unit_amount)  # Xero keeps 2 dp unit prices by default


@settings(max_examples=2000, deadline=None)
@given(cents=st.integers(-10_000_000, 10_000_000),
       rate=st.sampled_from(["10", "15", "5", "12.5", "20", "7.5", "1", "0.5", "25"]))
def test_an_exclusive_amount_converted_to_inclusive_keeps_its_tax_at_any_rate(cents: int, rate: str) -> None:
    """Freight and discounts: A ex GST, g = round(A·r); Xero's tax on A + g is g (docs/invoices.md)."""
    amount, rate_percent = Decimal(cents) / 100, Decimal(rate)
    gst = line_tax(amount, rate_percent, LineAmountType.EXCLUSIVE)
    inclusive = amount + gst
    assert line_tax(inclusive, rate_percent, LineAmountType.INCLUSIVE) == gst
    assert taxed_part(inclusive, gst, rate_percent, LineAmountType.INCLUSIVE) == inclusive


@settings(max_examples=1000, deadline=None)
@given(cents=st.integers(-10_000_000, 10_000_000), rate=st.sampled_from(["10", "15", "0", "12.5"]),
       mode=st.sampled_from(["Inclusive", "Exclusive"]))
def test_pipeline_tax_is_the_xero_sandbox_tax(cents: int, rate: str, mode: str) -> None:
    amount = Decimal(cents) / 100
    assert line_tax(amount, Decimal(rate), mode) == tax_for(amount, Decimal(rate), mode)


@settings(max_examples=400, deadline=None)
@given(gst_mode=st.sampled_from(["inclusive", "exclusive"]), data=st.data())
def test_gst_off_by_a_few_cents_is_matched_with_an_explicit_rounding_line(gst_mode: str,
                                                                          data: st.DataObject) -> None:
    lines = data.draw(auxo_lines(gst_mode))
    taxable = [i for i, line in enumerate(lines) if line.tax_code == "GST" and line.line_amount]
    if not taxable:
        return
    index = data.draw(st.sampled_from(taxable))
    shift = Decimal(data.draw(st.sampled_from([-3, -2, -1, 1, 2, 3]))) * CENT
    bad = lines[index]
    lines[index] = AuxoLine(bad.kind, bad.line_amount, bad.gst + shift, bad.line_total + shift, bad.quantity,
                            bad.unit_price, bad.price_includes_gst, bad.tax_code, bad.description)
    conversion = to_xero_lines(lines, gst_mode, MAPPINGS)

    auxo = (sum(line.line_amount for line in lines), sum(line.gst for line in lines),
            sum(line.line_total for line in lines))
    if conversion.problem:  # only when the rounding would be more than Xero allows on a document
        assert abs(conversion.rounding) > ROUNDING_LIMIT
        return
    assert (conversion.subtotal, conversion.total_tax, conversion.total) == auxo
    rounding = [line for line in conversion.lines if line.kind == ROUNDING_KIND]
    assert len(rounding) == (1 if conversion.rounding else 0)
    for line in rounding:
        assert (line.account_code, line.tax_type, line.tax_amount) == (MAPPINGS.accounts.rounding,
                                                                      MAPPINGS.tax.no_gst, Decimal("0.00"))


def test_inclusive_freight_and_discount_are_sent_gst_inclusive() -> None:
    lines = [auxo_line("labour", 15_000, 13_200, "inclusive"),   # 1.5 h at 132.00 inc
             auxo_line("freight", 10_000, 2_495, "inclusive"),   # 24.95 ex + 2.50 GST
             auxo_line("discount", 10_000, -1_005, "inclusive")]  # -10.05 ex - 1.01 GST
    conversion = to_xero_lines(lines, "inclusive", MAPPINGS)

    assert [(x.quantity, x.unit_amount, x.line_amount, x.tax_amount, x.account_code) for x in conversion.lines] == [
        (Decimal("1.5"), Decimal("132.00"), Decimal("198.00"), Decimal("18.00"), "205"),
        (Decimal(1), Decimal("27.45"), Decimal("27.45"), Decimal("2.50"), "215"),
        (Decimal(1), Decimal("-11.06"), Decimal("-11.06"), Decimal("-1.01"), "220")]
    assert conversion.mode is LineAmountType.INCLUSIVE
    assert (conversion.total_tax, conversion.total) == (Decimal("19.49"), Decimal("214.39"))
    assert conversion.matches


def test_exclusive_invoices_send_the_workshops_own_quantities_and_prices() -> None:
    lines = [auxo_line("part", 30_000, 1_999, "exclusive"), auxo_line("sundry", 10_000, 550, "exclusive", "FRE")]
    conversion = to_xero_lines(lines, "exclusive", MAPPINGS)

    assert [x.payload() for x in conversion.lines] == [
        {"Description": "part line", "Quantity": Decimal("3"), "UnitAmount": Decimal("19.99"),
         "LineAmount": Decimal("59.97"), "AccountCode": "200", "TaxType": "OUTPUT",
         "Tracking": [{"Name": "Branch", "Option": "Main St"}, {"Name": "Department", "Option": "Mechanical"}]},
        {"Description": "sundry line", "Quantity": Decimal("1"), "UnitAmount": Decimal("5.50"),
         "LineAmount": Decimal("5.50"), "AccountCode": "210", "TaxType": "EXEMPTOUTPUT",
         "Tracking": [{"Name": "Branch", "Option": "Main St"}, {"Name": "Department", "Option": "Mechanical"}]}]
    assert (conversion.subtotal, conversion.total_tax, conversion.total) == \
        (Decimal("65.47"), Decimal("6.00"), Decimal("71.47"))


def test_a_quantity_that_no_two_dp_price_fits_is_sent_as_one_line_total() -> None:
    freight = auxo_line("freight", 30_000, 333, "inclusive")  # 3 × 3.33 = 9.99 ex, 1.00 GST, 10.99 inc
    assert quantity_and_unit(freight, Decimal("10.99"), LineAmountType.INCLUSIVE) == (Decimal(1), Decimal("10.99"))
    (line,) = to_xero_lines([freight], "inclusive", MAPPINGS).lines
    assert line.description == "freight line (3 × 3.33 ex GST)"


def test_xero_adjustment_lines_stay_in_auxo() -> None:
    lines = [auxo_line("labour", 10_000, 11_000, "inclusive"),
             AuxoLine("xero_adjustment", Decimal("9.09"), Decimal("0.91"), Decimal("10.00"))]
    conversion = to_xero_lines(lines, "inclusive", MAPPINGS)
    assert [line.kind for line in conversion.lines] == ["labour"]
    assert conversion.auxo_total == Decimal("110.00") and conversion.matches


@pytest.mark.parametrize("gst_mode", ["inclusive", "exclusive"])
def test_gst_on_a_gst_free_line_cannot_be_matched_and_is_not_sent(gst_mode: str) -> None:
    line = AuxoLine("sundry", Decimal("10.00"), Decimal("1.00"), Decimal("11.00"), tax_code="FRE")
    conversion = to_xero_lines([line], gst_mode, MAPPINGS)
    assert not conversion.matches
    assert "EXEMPTOUTPUT cannot produce" in (conversion.problem or "")
