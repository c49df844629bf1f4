"""What the inventory plans must satisfy before a single journal or bill is planned (pandera).

The planners build these frames beside their writes and validate them; the payloads are built
from the validated frames, so what is checked is what is sent. A failure is a bug in the plan
(the inputs were checked by staging): it stops the asset loudly instead of posting books that do
not tie out. Money columns are ``Decimal(18, 2)`` by type, so every amount has exactly 2 dp.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from assets.inventory.supply import costed

Money = pl.Decimal(18, 2)
Quantity = pl.Decimal(18, 4)
JOURNAL_KINDS = ["cogs", "cogs_reversal", "stock_adjustment"]


class InventoryJournals(pa.DataFrameModel):
    """One row per manual journal to post: who it is for, the amount, the two accounts."""

    connection_id: str
    ref: str = pa.Field(unique=True)
    kind: str = pa.Field(isin=JOURNAL_KINDS)
    source_id: str  # the invoice line, credit line or stock adjustment the journal stands for
    document_id: str
    document_number: str
    business_date: pl.Date
    narration: str = pa.Field(str_length={"min_value": 1, "max_value": 4000})
    supply: str = pa.Field(nullable=True)
    amount: Money = pa.Field(ne=0)
    debit_account: str
    credit_account: str
    description: str = pa.Field(str_length={"min_value": 1, "max_value": 4000})

    class Config:
        # one journal per invoice line (COGS), per credit line (reversal), per adjustment (stock)
        unique = ["connection_id", "kind", "source_id"]

    @pa.dataframe_check(error="a COGS journal for a part that is neither from stock nor job-ordered (a non-stocked "
                              "part added directly never gets one)")
    def costed_parts_only(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("kind") == "stock_adjustment")
                                     | costed("supply").fill_null(False))

    @pa.dataframe_check(error="the debit and credit account are the same")
    def two_accounts(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("debit_account") != pl.col("credit_account"))

    @pa.dataframe_check(error="a journal line does not name its source record (lost writes are found by it)")
    def description_names_source(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("description").str.contains(pl.col("source_id"), literal=True))


class JournalLines(pa.DataFrameModel):
    """The journal lines as sent: debits positive, credits negative, each journal balancing."""

    ref: str
    line_no: pl.Int32 = pa.Field(ge=0)
    account_code: str = pa.Field(str_length={"min_value": 1, "max_value": 10})
    line_amount: Money = pa.Field(ne=0)
    description: str

    class Config:
        strict = True
        unique = ["ref", "line_no"]

    @pa.dataframe_check(error="a journal does not balance: its debits and credits differ")
    def balances(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("line_amount").sum().over("ref") == 0)
                                     & (pl.len().over("ref") >= 2))


class PurchaseOrderBills(pa.DataFrameModel):
    """One row per purchase order sent as a bill: the bill's total must be the PO's to the cent."""

    connection_id: str
    ref: str = pa.Field(unique=True)
    purchase_order_id: str = pa.Field(unique=True)
    number: str
    kind: str = pa.Field(isin=["stock", "job"])
    business_date: pl.Date
    bill_subtotal: Money  # Σ line amounts sent (parts, freight, rounding)
    bill_tax: Money  # Σ tax Xero computes per line
    bill_total: Money
    po_total: Money
    lines: pl.Int64 = pa.Field(ge=1)

    @pa.dataframe_check(error="the bill's total is not subtotal plus tax")
    def total_is_subtotal_plus_tax(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("bill_total") == pl.col("bill_subtotal") + pl.col("bill_tax"))

    @pa.dataframe_check(error="the bill's total differs from the purchase order's total")
    def total_equals_po_total(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("bill_total") == pl.col("po_total"))


class BillLines(pa.DataFrameModel):
    """Every line of every bill as sent: parts to Stock on Hand or WIP, freight, the 1c rounding."""

    purchase_order_id: str
    line_no: pl.Int32 = pa.Field(ge=0)
    kind: str = pa.Field(isin=["part", "freight", "rounding"])
    account_code: str = pa.Field(str_length={"min_value": 1, "max_value": 10})
    tax_type: str
    quantity: Quantity
    unit_amount: Money
    line_amount: Money
    tax_amount: Money

    class Config:
        unique = ["purchase_order_id", "line_no"]

    @pa.dataframe_check(error="a rounding line is not a single cent without tax")
    def rounding_is_one_cent(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("kind") != "rounding")
                                     | ((pl.col("line_amount").abs() == pl.lit("0.01").cast(Money))
                                        & (pl.col("tax_amount") == 0)))
