"""Received purchase orders as ACCPAY bills, only while "Send Purchase Orders to Xero" was on.

* **Which orders** — ``received`` purchase orders the sync covers, received while the setting was
  on (``received_at``; a backfill widens it, :mod:`assets.inventory.toggles`), not in Xero yet (no
  bill id in Auxo, none created by the ledger). Dated the received date.
* **The bill** — AUTHORISED ACCPAY to the supplier's Xero contact (:mod:`assets.contacts.links`; a
  supplier still to be created is written first), ``InvoiceNumber`` the supplier's invoice number
  (else the PO number), ``Reference`` the PO number, GST-exclusive lines: each PO line coded to Stock
  on Hand (stock PO) or Work in Progress (job PO) with the purchase tax type of its Auxo tax code,
  freight as its own line (Freight Inwards), and Auxo's ±1c rounding adjustment as its own line
  (Rounding, no GST) — so Xero's total, tax per line, equals the PO total to the cent. An order
  whose total no such bill reaches is not sent; it is reported.
* **Never twice** — bill numbers may repeat in Xero, so Xero does not stop a duplicate: the ledger
  does (ref ``bill:<purchase order id>``, one create ever), and a bill of unknown outcome is found
  again by its ``Reference``. Auxo records the bill's id on the order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from assets.contacts.links import contact_ref
from assets.findings import findings_from
from assets.inventory.amounts import cents, extend_cents, money, tax_cents
from assets.inventory.inputs import BillInputs, Window
from assets.inventory.journals import FINDING_SCHEMA, InventoryPlan
from assets.inventory.models import BillLines, PurchaseOrderBills
from assets.inventory.toggles import SEND_PURCHASE_ORDERS, covered, in_scope
from mappings import Mappings
from pipelines.sync.plan import PlannedWrite, ref_placeholder
from pipelines.sync.refs import bill_ref

PLAN_ASSET = "purchase_order_bills"
PRIORITY_BILLS = 20
BILL_DUE_DAYS = 30  # Auxo keeps no supplier terms; Xero needs a due date on an AUTHORISED bill
EXTRA_LINE = 1_000_000  # freight and rounding come after the PO's own lines

LINE_SCHEMA: dict[str, pl.DataType] = {
    "purchase_order_id": pl.String(), "line_no": pl.Int32(), "kind": pl.String(), "description": pl.String(),
    "account_code": pl.String(), "tax_type": pl.String(), "quantity": pl.Decimal(18, 4),
    "unit_amount": pl.Decimal(18, 2), "amount_cents": pl.Int64(), "tax_cents": pl.Int64(),
}


def _tax(mappings: Mappings) -> tuple[dict[str, str], dict[str, int], str, int]:
    """Auxo tax code → (Xero purchase tax type, rate in basis points); unknown codes are taxable."""
    rate = int(mappings.tax.gst_rate_percent * 100)
    types, rates = {}, {}
    for code, role in mappings.tax.auxo_tax_codes.items():
        types[code] = mappings.tax.purchase_tax_type(code)
        rates[code] = rate if role == "taxable" else 0
    return types, rates, mappings.tax.purchases, rate


def _orders(inputs: BillInputs, window: Window, backfill: bool) -> pl.DataFrame:
    orders = inputs.purchase_orders.filter(
        (pl.col("status") == "received") & pl.col("received_at").is_not_null() & pl.col("received_date").is_not_null()
        & window.expr("received_date") & in_scope("received_date", "sync_status", inputs.settings))
    orders = covered(orders, inputs.settings, SEND_PURCHASE_ORDERS, "received_at", backfill=backfill, name="send_on")
    return orders.with_columns(ref=pl.lit(bill_ref("")) + pl.col("id")).filter(
        pl.col("send_on") & pl.col("xero_id").is_null() & ~pl.col("ref").is_in(sorted(inputs.known)))


def bill_lines(orders: pl.DataFrame, inputs: BillInputs, mappings: Mappings) -> pl.DataFrame:
    """Every line each bill will carry, with the amount and the tax Xero computes for it (cents)."""
    types, rates, taxable_type, rate = _tax(mappings)
    accounts = mappings.accounts
    parts = inputs.parts.select(part_id="id", part_number="part_number", part_description="description")
    heads = orders.select(purchase_order_id="id", po_kind="kind")
    part_lines = (inputs.lines.join(heads, on="purchase_order_id", how="inner").join(parts, on="part_id", how="left")
                  .with_columns(amount_cents=extend_cents("quantity", "unit_cost"),
                                rate_bp=pl.col("tax_code").replace_strict(rates, default=rate, return_dtype=pl.Int64))
                  .select("purchase_order_id", line_no=pl.col("line_no"), kind=pl.lit("part"),
                          description=pl.coalesce(
                              "description", pl.concat_str(["part_number", "part_description"], separator=" ",
                                                           ignore_nulls=True), pl.lit("Part")),
                          account_code=pl.when(pl.col("po_kind") == "stock")
                          .then(pl.lit(accounts.inventory.stock_on_hand))
                          .otherwise(pl.lit(accounts.inventory.work_in_progress)),
                          tax_type=pl.col("tax_code").replace_strict(types, default=taxable_type,
                                                                     return_dtype=pl.String),
                          quantity="quantity", unit_amount="unit_cost", amount_cents="amount_cents",
                          tax_cents=tax_cents(pl.col("amount_cents"), pl.col("rate_bp"))))
    freight_taxed = cents("freight_gst") != 0
    freight = orders.filter(cents("freight") != 0).select(
        purchase_order_id="id", line_no=pl.lit(EXTRA_LINE), kind=pl.lit("freight"), description=pl.lit("Freight"),
        account_code=pl.lit(accounts.purchases.freight),
        tax_type=pl.when(freight_taxed).then(pl.lit(mappings.tax.purchases))
        .otherwise(pl.lit(mappings.tax.purchases_gst_free)),
        quantity=pl.lit(1), unit_amount="freight", amount_cents=cents("freight"),
        tax_cents=tax_cents(cents("freight"), pl.when(freight_taxed).then(pl.lit(rate)).otherwise(pl.lit(0))))
    rounding = orders.filter(cents("rounding_adjustment") != 0).select(
        purchase_order_id="id", line_no=pl.lit(EXTRA_LINE + 1), kind=pl.lit("rounding"),
        description=pl.lit("Rounding adjustment"), account_code=pl.lit(accounts.purchases.rounding),
        tax_type=pl.lit(mappings.tax.no_gst), quantity=pl.lit(1), unit_amount="rounding_adjustment",
        amount_cents=cents("rounding_adjustment"), tax_cents=pl.lit(0, pl.Int64))
    lines = pl.concat([frame.select([pl.col(c).cast(t) for c, t in LINE_SCHEMA.items()])
                       for frame in (part_lines, freight, rounding)])
    # numbered 0.. in each bill: the PO's lines in order, then freight, then rounding
    return lines.sort("purchase_order_id", "line_no").with_columns(
        line_no=pl.int_range(pl.len()).over("purchase_order_id").cast(pl.Int32))


def _bill_totals(orders: pl.DataFrame, lines: pl.DataFrame, connection_id: str) -> pl.DataFrame:
    sums = lines.group_by("purchase_order_id").agg(subtotal_cents=pl.col("amount_cents").sum(),
                                                   tax_total_cents=pl.col("tax_cents").sum(), lines=pl.len())
    return orders.join(sums, left_on="id", right_on="purchase_order_id", how="left").with_columns(
        pl.col("subtotal_cents", "tax_total_cents").fill_null(0), pl.col("lines").fill_null(0).cast(pl.Int64),
    ).with_columns(
        connection_id=pl.lit(connection_id), bill_total_cents=pl.col("subtotal_cents") + pl.col("tax_total_cents"),
        po_total_cents=cents("total"))


def _contact(supplier_id: str, links: dict[str, str | None]) -> tuple[dict[str, Any], tuple[str, ...]]:
    xero_contact_id = links.get(supplier_id)
    if xero_contact_id:
        return {"ContactID": xero_contact_id}, ()
    ref = contact_ref("supplier", supplier_id)
    return {"ContactID": ref_placeholder(ref)}, (ref,)


def plan_purchase_order_bills(inputs: BillInputs, mappings: Mappings, window: Window, *,
                              backfill: bool = False) -> InventoryPlan:
    """The bills of the purchase orders received in ``window`` (see the module docstring)."""
    orders = _orders(inputs, window, backfill)
    lines = bill_lines(orders, inputs, mappings)
    totals = _bill_totals(orders, lines, inputs.connection_id)
    wrong = totals.filter((pl.col("bill_total_cents") != pl.col("po_total_cents")) | (pl.col("lines") == 0))
    findings = wrong.select(
        connection_id="connection_id", business_date="received_date", reason=pl.lit("bill_total_differs"),
        document=pl.lit("purchase order ") + pl.col("number"), auxo_id="id",
        detail=pl.lit("no bill of its lines, freight and rounding gives the order's total ")
        + pl.col("total").cast(pl.String) + pl.lit(" (the lines make ") + money(pl.col("bill_total_cents")).cast(pl.String)
        + pl.lit("): not sent; check the order's lines and GST in Auxo"))
    good = totals.filter(~pl.col("id").is_in(wrong["id"].implode()))
    lines = lines.filter(pl.col("purchase_order_id").is_in(good["id"].implode()))
    bills = PurchaseOrderBills.validate(good.select(
        "connection_id", "ref", purchase_order_id="id", number="number", kind="kind", business_date="received_date",
        bill_subtotal=money(pl.col("subtotal_cents")), bill_tax=money(pl.col("tax_total_cents")),
        bill_total=money(pl.col("bill_total_cents")), po_total=pl.col("total"), lines="lines"), lazy=True)
    sent_lines = BillLines.validate(lines.with_columns(
        line_amount=money(pl.col("amount_cents")), tax_amount=money(pl.col("tax_cents"))), lazy=True)
    writes = _writes(good, sent_lines, inputs, mappings)
    return InventoryPlan(writes=writes, documents=bills, lines=sent_lines,
                         findings=findings_from(findings.select([pl.col(c).cast(t)
                                                                 for c, t in FINDING_SCHEMA.items()])))


def _writes(orders: pl.DataFrame, lines: pl.DataFrame, inputs: BillInputs, mappings: Mappings) -> list[PlannedWrite]:
    links = dict(zip(inputs.suppliers["id"].to_list(), inputs.suppliers["xero_contact_id"].to_list(), strict=True))
    tracking = {kind: mappings.tracking.for_line(kind) for kind in ("purchase", "freight", "rounding")}
    items: dict[str, list[dict[str, Any]]] = {}
    for row in lines.sort("purchase_order_id", "line_no").iter_rows(named=True):
        item = {"Description": row["description"], "Quantity": row["quantity"], "UnitAmount": row["unit_amount"],
                "LineAmount": row["line_amount"], "AccountCode": row["account_code"], "TaxType": row["tax_type"]}
        chosen = tracking["purchase" if row["kind"] == "part" else row["kind"]]
        if chosen:
            item["Tracking"] = chosen
        items.setdefault(row["purchase_order_id"], []).append(item)
    writes = []
    for row in orders.sort("received_date", "number").iter_rows(named=True):
        contact, depends = _contact(row["supplier_id"], links)
        payload = {"Type": "ACCPAY", "InvoiceNumber": row["supplier_reference"] or row["number"],
                   "Reference": row["number"], "Contact": contact, "Date": row["received_date"],
                   "DueDate": row["received_date"] + timedelta(days=BILL_DUE_DAYS), "Status": "AUTHORISED",
                   "CurrencyCode": "AUD", "LineAmountTypes": "Exclusive", "LineItems": items[row["id"]]}
        writes.append(PlannedWrite(
            connection_id=inputs.connection_id, target="xero", entity="bill", operation="create", ref=row["ref"],
            source_id=row["id"], business_date=row["received_date"], payload=payload,
            description=f"bill for {row['kind']} purchase order {row['number']} ({row['received_date']}, "
                        f"total {row['total']})",
            depends_on=depends, priority=PRIORITY_BILLS,
            writeback={"resource": "purchase-orders", "id": row["id"]}, plan_asset=PLAN_ASSET))
    return writes
