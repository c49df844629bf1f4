"""What invoices and credit notes share on their way to Xero: lines, totals and the push set rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from assets.invoices.lines import NOT_SENT_KINDS, ROUNDING_KIND, AuxoLine, Conversion, to_xero_lines
from assets.invoices.models import InvoicePushSet, PushLines
from assets.partitions import TIMEZONE
from mappings import Mappings
from pipelines.money import ZERO, round_cents


def lines_by_document(lines: pl.DataFrame, documents: pl.Series | list[str]) -> dict[str, list[AuxoLine]]:
    """Auxo lines of ``documents``, each in the document's order."""
    out: dict[str, list[AuxoLine]] = {}
    wanted = lines.filter(pl.col("document_id").is_in(pl.Series(documents, dtype=pl.String).implode()))
    for row in wanted.sort("document_id", "line_no").iter_rows(named=True):
        out.setdefault(row["document_id"], []).append(AuxoLine.from_row(row))
    return out


def local_date(column: str) -> pl.Expr:
    """The organisation's local date of a UTC timestamp column."""
    return pl.col(column).dt.convert_time_zone(TIMEZONE).dt.date()


def clamp(day: date | None, first: date, last: date) -> date:
    """A day inside ``[first, last]``: a change is planned on the day it happened, or the run's nearest day."""
    return min(max(day or last, first), last)


@dataclass
class PushSet:
    """The documents a plan sends, as the frames :mod:`assets.invoices.models` validates."""

    rows: list[dict[str, Any]]
    lines: list[dict[str, Any]]

    def __init__(self) -> None:
        self.rows, self.lines = [], []

    def add(self, connection_id: str, document: str, auxo_id: str, number: str, operation: str,
            conversion: Conversion, auxo_lines: list[AuxoLine], totals: tuple[Decimal, Decimal, Decimal]) -> None:
        """``totals``: the document's own (subtotal, gst, total), Auxo's adjustment line taken out."""
        sent = [line for line in auxo_lines if line.kind not in NOT_SENT_KINDS]
        self.rows.append({
            "connection_id": connection_id, "document": document, "auxo_id": auxo_id, "number": number,
            "operation": operation, "line_amount_types": conversion.mode.value,
            "auxo_subtotal": totals[0], "auxo_gst": totals[1], "auxo_total": totals[2],
            "lines_subtotal": conversion.auxo_subtotal, "lines_gst": conversion.auxo_gst,
            "lines_total": conversion.auxo_total, "xero_subtotal": conversion.subtotal,
            "xero_tax": conversion.total_tax, "xero_total": conversion.total, "rounding": conversion.rounding})
        for number_, xero in enumerate(conversion.lines):
            auxo = sent[number_] if xero.kind != ROUNDING_KIND else None
            self.lines.append({"connection_id": connection_id, "document": document, "auxo_id": auxo_id,
                               "line_no": number_, "kind": xero.kind, "line_amount": xero.line_amount,
                               "tax_amount": xero.tax_amount, "auxo_gst": auxo.gst if auxo else None,
                               "whole_cents": all(value == round_cents(value)
                                                  for value in (xero.line_amount, xero.tax_amount))})

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Both frames, validated: totals equal the sum of lines, tax per line in cents, nothing twice."""
        rows = pl.DataFrame(self.rows, schema=_schema(InvoicePushSet))
        lines = pl.DataFrame(self.lines, schema=_schema(PushLines))
        return InvoicePushSet.validate(rows, lazy=True), PushLines.validate(lines, lazy=True)


def _schema(model: type) -> dict[str, pl.DataType]:
    return {name: column.dtype.type for name, column in model.to_schema().columns.items()}  # type: ignore[attr-defined]


def document_totals_without_adjustment(row: dict[str, Any], lines: list[AuxoLine]) -> tuple[Decimal, Decimal, Decimal]:
    """The document's (subtotal, gst, total) less Auxo's adjustment line for changes made in Xero."""
    adjustment = [line for line in lines if line.kind in NOT_SENT_KINDS]
    return (row["subtotal"] - sum((line.line_amount for line in adjustment), ZERO),
            row["gst"] - sum((line.gst for line in adjustment), ZERO),
            row["total"] - sum((line.line_total for line in adjustment), ZERO))


def convert(lines: list[AuxoLine], gst_mode: str | None, mappings: Mappings) -> Conversion:
    return to_xero_lines(lines, gst_mode or "exclusive", mappings)
