"""What every money push set must satisfy before a single write is planned (pandera).

The planners build these frames beside their writes and validate them; a failure is a bug in the
plan (the inputs were already checked by staging), so it stops the asset loudly instead of sending
money to Xero that does not add up.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

Money = pl.Decimal(18, 2)  # two decimals by type: amounts and tax per line are whole cents


class InvoicePushSet(pa.DataFrameModel):
    """One row per invoice or credit note sent to Xero (create or update)."""

    connection_id: str
    document: str = pa.Field(isin=["invoice", "credit_note"])
    auxo_id: str
    number: str
    operation: str = pa.Field(isin=["create", "update"])
    line_amount_types: str = pa.Field(isin=["Inclusive", "Exclusive"])
    auxo_subtotal: Money  # the document's own totals (Auxo's adjustment line for Xero's edits excluded)
    auxo_gst: Money
    auxo_total: Money
    lines_subtotal: Money  # the sums of the Auxo lines sent
    lines_gst: Money
    lines_total: Money
    xero_subtotal: Money  # what Xero will compute from the line items sent, tax per line
    xero_tax: Money
    xero_total: Money
    rounding: Money

    class Config:
        strict = True
        # no document twice in a push set, by id or by number
        unique = ["connection_id", "document", "auxo_id"]

    @pa.dataframe_check(error="a number appears twice in the push set")
    def number_once(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("connection_id", "document", "number").is_duplicated())

    @pa.dataframe_check(error="Auxo's totals are not the sum of its lines")
    def totals_are_the_sum_of_lines(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("auxo_subtotal") == pl.col("lines_subtotal"))
                                     & (pl.col("auxo_gst") == pl.col("lines_gst"))
                                     & (pl.col("auxo_total") == pl.col("lines_total")))

    @pa.dataframe_check(error="Xero would not compute Auxo's total and GST to the cent")
    def xero_equals_auxo(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("xero_subtotal") == pl.col("auxo_subtotal"))
                                     & (pl.col("xero_tax") == pl.col("auxo_gst"))
                                     & (pl.col("xero_total") == pl.col("auxo_total")))


class PushLines(pa.DataFrameModel):
    """Every line item sent: Xero's tax per line, in whole cents, equal to Auxo's line GST."""

    connection_id: str
    document: str
    auxo_id: str
    line_no: pl.Int64
    kind: str
    line_amount: Money
    tax_amount: Money
    auxo_gst: Money = pa.Field(nullable=True)  # null on the explicit rounding line
    # amount and tax were whole cents before they were typed (a Decimal(18, 2) column would truncate)
    whole_cents: bool = pa.Field(isin=[True])

    class Config:
        strict = True
        unique = ["connection_id", "document", "auxo_id", "line_no"]

    @pa.dataframe_check(error="a line's Xero tax differs from its Auxo GST")
    def tax_per_line_is_auxos(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("auxo_gst").is_null() | (pl.col("tax_amount") == pl.col("auxo_gst")))


class PaymentPushSet(pa.DataFrameModel):
    """Money applied to invoices in Xero by one plan: payments and deposit allocations."""

    connection_id: str
    auxo_id: str  # the Auxo payment or deposit
    kind: str = pa.Field(isin=["payment", "prepayment_allocation"])
    invoice_id: str
    amount: Money = pa.Field(gt=0)
    amount_due: Money  # what Xero (or, for an invoice not in Xero yet, Auxo's total) says is owing before

    class Config:
        strict = True
        unique = ["connection_id", "kind", "auxo_id"]

    @pa.dataframe_check(error="payments would be more than the invoice's amount due")
    def never_above_amount_due(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("amount").sum().over("connection_id", "invoice_id") <= pl.col("amount_due"))
