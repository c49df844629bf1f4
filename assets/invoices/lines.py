"""Auxo invoice and credit lines as Xero line items, so Xero's totals equal Auxo's to the cent.

Auxo stores every line GST-exclusive (``line_amount``) with its own GST (``gst``) and
``line_total = line_amount + gst``; Xero computes each line's tax itself from what it is sent,
rounds it to the cent per line and sums (``pipelines.money.line_tax``). So each line is sent as
the amount whose Xero tax is exactly Auxo's GST:

* Exclusive invoices: the line's ``line_amount``; Xero's tax ``round(A·r)`` is Auxo's GST.
* Inclusive invoices: the line's ``line_total`` (GST-inclusive). For labour, part and sundry lines
  that is what the workshop typed, and Auxo's GST ``round(T·r/(1+r))`` is Xero's formula. Freight
  and discount lines are GST-exclusive in Auxo even on inclusive invoices: their inclusive amount
  is ``A + round(A·r)``, and Xero's tax on it is again Auxo's GST (proof in docs/invoices.md;
  ``tests/assets/invoices/test_lines.py`` checks it with hypothesis).

Should a line's GST not be reproducible that way (an Auxo line whose GST was not computed by
Auxo's rules), the line is split: the part whose Xero tax is exactly the GST stays on the line,
and the remainder goes to one explicit rounding line (``accounts.rounding``, tax ``no_gst``). A
document whose rounding would exceed :data:`ROUNDING_LIMIT`, or whose GST no split can produce, is
not sent (``Conversion.problem`` says why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mappings import Mappings
from pipelines.money import CENT, ZERO, LineAmountType, document_totals, line_tax, round_cents

ROUNDING_LIMIT = Decimal("0.10")  # Xero's own RoundingAmount accepts at most ±0.10 on a document
ROUNDING_KIND = "rounding"
ALWAYS_EXCLUSIVE_KINDS = frozenset({"freight", "discount"})
NOT_SENT_KINDS = frozenset({"xero_adjustment"})  # Auxo's record of a change made in Xero: never sent back


@dataclass(frozen=True)
class AuxoLine:
    """One Auxo invoice or credit line (amounts as Auxo computed them)."""

    kind: str
    line_amount: Decimal
    gst: Decimal
    line_total: Decimal
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    price_includes_gst: bool = False
    tax_code: str | None = "GST"
    description: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuxoLine:
        return cls(kind=row["kind"], line_amount=row["line_amount"], gst=row["gst"], line_total=row["line_total"],
                   quantity=row.get("quantity") if row.get("quantity") is not None else Decimal(1),
                   unit_price=row.get("unit_price"), price_includes_gst=bool(row.get("price_includes_gst")),
                   tax_code=row.get("tax_code"), description=row.get("description"))


@dataclass(frozen=True)
class XeroLine:
    """One Xero line item as sent, with the tax Xero will compute for it."""

    kind: str
    description: str
    quantity: Decimal
    unit_amount: Decimal
    line_amount: Decimal
    account_code: str
    tax_type: str
    rate_percent: Decimal
    tax_amount: Decimal
    tracking: tuple[tuple[str, str], ...] = ()

    def payload(self) -> dict[str, Any]:
        item: dict[str, Any] = {"Description": self.description, "Quantity": self.quantity,
                                "UnitAmount": self.unit_amount, "LineAmount": self.line_amount,
                                "AccountCode": self.account_code, "TaxType": self.tax_type}
        if self.tracking:
            item["Tracking"] = [{"Name": name, "Option": option} for name, option in self.tracking]
        return item


@dataclass(frozen=True)
class Conversion:
    """A document's lines for Xero and the totals Xero will compute from them."""

    mode: LineAmountType
    lines: tuple[XeroLine, ...]
    auxo_subtotal: Decimal
    auxo_gst: Decimal
    auxo_total: Decimal
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal
    rounding: Decimal = ZERO
    problem: str | None = None

    @property
    def matches(self) -> bool:
        return self.problem is None and (self.subtotal, self.total_tax, self.total) == \
            (self.auxo_subtotal, self.auxo_gst, self.auxo_total)


# -- the arithmetic (no mappings) ----------------------------------------------------------------

def amount_to_send(line: AuxoLine, mode: LineAmountType | str) -> Decimal:
    """The line's amount in Xero's terms: GST-inclusive total on Inclusive documents, else exclusive."""
    return line.line_total if LineAmountType(mode) is LineAmountType.INCLUSIVE else line.line_amount


def taxed_part(target: Decimal, gst: Decimal, rate_percent: Decimal, mode: LineAmountType | str) -> Decimal | None:
    """The amount closest to ``target`` whose Xero tax (per line, rounded) is exactly ``gst``.

    ``target`` itself when it works (always, for lines Auxo priced); ``None`` when no amount does
    (a GST-free tax type asked to carry GST).
    """
    mode = LineAmountType(mode)
    if line_tax(target, rate_percent, mode) == gst:
        return target
    rate = rate_percent / 100
    if rate == 0 or mode is LineAmountType.NO_TAX:
        return None
    factor = (1 + rate) / rate if mode is LineAmountType.INCLUSIVE else 1 / rate
    centre = round_cents(gst * factor)
    reach = int(factor) + 2  # the amounts sharing one rounded tax span about `factor` cents
    found = [amount for amount in (centre + k * CENT for k in range(-reach, reach + 1))
             if line_tax(amount, rate_percent, mode) == gst]
    return min(found, key=lambda amount: (abs(target - amount), amount)) if found else None


def quantity_and_unit(line: AuxoLine, amount: Decimal, mode: LineAmountType) -> tuple[Decimal, Decimal]:
    """``(Quantity, UnitAmount)`` with ``round(Quantity × UnitAmount) == amount`` at Xero's 2 dp unit price.

    The workshop's own quantity and price when they give the amount (Xero computes the line total
    as Auxo does); otherwise the quantity with a unit price derived from the amount; otherwise 1 ×
    the amount.
    """
    quantity = line.quantity
    price_in_mode = line.price_includes_gst == (mode is LineAmountType.INCLUSIVE)
    if line.unit_price is not None and price_in_mode and round_cents(quantity * line.unit_price) == amount \
            and line.unit_price == round_cents(line.unit_price):
        return quantity, line.unit_price
    if quantity != 0:
        unit = round_cents(amount / quantity)
        if round_cents(quantity * unit) == amount:
            return quantity, unit
    return Decimal(1), amount


def xero_totals(lines: Iterable[XeroLine], mode: LineAmountType | str) -> tuple[Decimal, Decimal, Decimal]:
    """``(SubTotal, TotalTax, Total)`` exactly as Xero computes them (``pipelines.money``)."""
    return document_totals([(line.line_amount, line.rate_percent) for line in lines], mode)


# -- with the mappings -----------------------------------------------------------------------------

def tax_type_and_rate(mappings: Mappings, tax_code: str | None) -> tuple[str, Decimal]:
    tax_type = mappings.tax.sales_tax_type(tax_code)
    rate = mappings.tax.gst_rate_percent if tax_type == mappings.tax.sales else Decimal(0)
    return tax_type, rate


def _account(mappings: Mappings, kind: str) -> str:
    if kind == ROUNDING_KIND:
        return mappings.accounts.rounding
    return getattr(mappings.accounts.sales, kind, mappings.accounts.sales.adjustment)


def _tracking(mappings: Mappings, kind: str) -> tuple[tuple[str, str], ...]:
    return tuple((item["Name"], item["Option"]) for item in mappings.tracking.for_line(kind))


def _description(line: AuxoLine, quantity: Decimal) -> str:
    text = (line.description or "").strip() or line.kind.replace("_", " ").capitalize()
    if quantity != line.quantity and line.unit_price is not None:
        text += f" ({line.quantity.normalize():f} × {line.unit_price} ex GST)"
    return text


def to_xero_lines(auxo_lines: Iterable[AuxoLine], gst_mode: str, mappings: Mappings) -> Conversion:
    """Auxo lines (kind order kept) as Xero line items for a document of ``gst_mode`` (inclusive|exclusive)."""
    mode = LineAmountType.INCLUSIVE if gst_mode == "inclusive" else LineAmountType.EXCLUSIVE
    sent = [line for line in auxo_lines if line.kind not in NOT_SENT_KINDS]
    auxo_subtotal = sum((line.line_amount for line in sent), ZERO)
    auxo_gst = sum((line.gst for line in sent), ZERO)
    auxo_total = sum((line.line_total for line in sent), ZERO)
    out: list[XeroLine] = []
    problem = None
    for line in sent:
        tax_type, rate = tax_type_and_rate(mappings, line.tax_code)
        target = amount_to_send(line, mode)
        taxed = taxed_part(target, line.gst, rate, mode)
        if taxed is None:
            problem = (f"a {line.kind} line of {target} carries GST {line.gst}, which tax type {tax_type} cannot "
                       "produce in Xero")
            taxed = target
        quantity, unit = quantity_and_unit(line, taxed, mode) if taxed == target else (Decimal(1), taxed)
        out.append(XeroLine(line.kind, _description(line, quantity), quantity, unit, taxed, _account(mappings, line.kind),
                            tax_type, rate, line_tax(taxed, rate, mode), _tracking(mappings, line.kind)))
    subtotal, tax, total = xero_totals(out, mode)
    rounding = auxo_total - total  # the parts split off lines (none for lines Auxo priced itself)
    if rounding:
        out.append(XeroLine(ROUNDING_KIND, "Rounding to match Auxo", Decimal(1), rounding, rounding,
                            mappings.accounts.rounding, mappings.tax.no_gst, Decimal(0), ZERO,
                            _tracking(mappings, ROUNDING_KIND)))
        subtotal, tax, total = xero_totals(out, mode)
    if problem is None and abs(rounding) > ROUNDING_LIMIT:
        problem = (f"matching Auxo's total would need a rounding line of {rounding}, more than the "
                   f"{ROUNDING_LIMIT} allowed; the lines' GST does not follow Auxo's own arithmetic")
    if problem is None and tax != auxo_gst:
        problem = f"Xero would compute GST {tax}, Auxo has {auxo_gst}"
    return Conversion(mode, tuple(out), auxo_subtotal, auxo_gst, auxo_total, subtotal, tax, total, rounding, problem)
