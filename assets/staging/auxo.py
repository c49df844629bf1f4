"""Staging tables for Auxo: typed, renamed, validated copies of ``raw_auxo.*``.

Auxo sends money and quantities as decimal strings and dates as ``YYYY-MM-DD``: here they become
``DECIMAL(18,2)``, ``DECIMAL(18,4)`` and ``DATE``, exactly (no float on the way).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from assets.staging.build import MONEY, QTY, TS, Money, Qty, StagedTable, Timestamp
from assets.staging.build import StagingModel as _Model

SYNC_STATUSES = ["pending", "synced", "error", "not_required"]


class _Synced(_Model):
    xero_id: str = pa.Field(nullable=True)
    sync_status: str = pa.Field(isin=SYNC_STATUSES, nullable=True)
    sync_error_code: str = pa.Field(nullable=True)
    sync_error_message: str = pa.Field(nullable=True)


class AuxoContacts(_Synced):
    connection_id: str
    id: str
    kind: str = pa.Field(isin=["individual", "business"], nullable=True)
    name: str
    first_name: str = pa.Field(nullable=True)
    last_name: str = pa.Field(nullable=True)
    contact_person: str = pa.Field(nullable=True)
    email: str = pa.Field(nullable=True)
    phone: str = pa.Field(nullable=True)
    mobile: str = pa.Field(nullable=True)
    abn: str = pa.Field(nullable=True)
    archived: bool = pa.Field(nullable=True)
    edited_at: Timestamp = pa.Field(nullable=True)
    synced_at: Timestamp = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)

    class Config:
        unique = ["connection_id", "id"]


class AuxoContactAddresses(_Model):
    connection_id: str
    contact_id: str
    type: str = pa.Field(nullable=True)
    line1: str = pa.Field(nullable=True)
    line2: str = pa.Field(nullable=True)
    suburb: str = pa.Field(nullable=True)
    state: str = pa.Field(nullable=True)
    postcode: str = pa.Field(nullable=True)
    country: str = pa.Field(nullable=True)


class AuxoVehicles(_Model):
    connection_id: str
    id: str
    registration: str = pa.Field(nullable=True)
    make: str = pa.Field(nullable=True)
    model: str = pa.Field(nullable=True)
    customer_id: str = pa.Field(nullable=True)


class AuxoParts(_Model):
    connection_id: str
    id: str
    part_number: str
    description: str = pa.Field(nullable=True)
    stocked: bool
    sell_price: Money = pa.Field(nullable=True)
    average_cost: Money = pa.Field(nullable=True)
    quantity_on_hand: Qty = pa.Field(nullable=True)
    archived: bool = pa.Field(nullable=True)


class AuxoPartCostHistory(_Model):
    connection_id: str
    id: str
    part_id: str
    effective_at: Timestamp
    average_cost: Money
    reason: str = pa.Field(nullable=True)
    purchase_order_id: str = pa.Field(nullable=True)


class AuxoJobs(_Model):
    connection_id: str
    id: str
    number: str = pa.Field(nullable=True)
    customer_id: str = pa.Field(nullable=True)
    vehicle_id: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)


class AuxoInvoices(_Synced):
    connection_id: str
    id: str
    number: str
    invoice_date: pl.Date
    due_date: pl.Date = pa.Field(nullable=True)
    customer_id: str
    job_id: str = pa.Field(nullable=True)
    vehicle_registration: str = pa.Field(nullable=True)
    gst_mode: str = pa.Field(isin=["inclusive", "exclusive"])
    status: str = pa.Field(isin=["draft", "issued", "paid", "void"])
    subtotal: Money
    gst: Money
    total: Money
    amount_paid: Money = pa.Field(nullable=True)
    amount_credited: Money = pa.Field(nullable=True)
    balance: Money = pa.Field(nullable=True)
    locked: bool = pa.Field(nullable=True)
    created_at: Timestamp = pa.Field(nullable=True)
    edited_at: Timestamp = pa.Field(nullable=True)
    voided_at: Timestamp = pa.Field(nullable=True)
    synced_at: Timestamp = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)

    class Config:
        unique = ["connection_id", "id"]


class AuxoDocumentLines(_Model):
    """Lines of invoices and of invoice credits."""

    connection_id: str
    document_id: str
    line_id: str
    line_no: pl.Int64
    kind: str = pa.Field(isin=["labour", "part", "sundry", "freight", "discount", "xero_adjustment"])
    description: str = pa.Field(nullable=True)
    part_id: str = pa.Field(nullable=True)
    supply: str = pa.Field(isin=["stock", "job_po", "direct"], nullable=True)
    purchase_order_id: str = pa.Field(nullable=True)
    quantity: Qty
    unit_price: Money = pa.Field(nullable=True)
    price_includes_gst: bool = pa.Field(nullable=True)
    line_amount: Money
    gst: Money
    line_total: Money
    tax_code: str = pa.Field(nullable=True)
    xero_cogs_journal_id: str = pa.Field(nullable=True)

    @pa.dataframe_check
    def line_total_is_amount_plus_gst(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("line_total") == pl.col("line_amount") + pl.col("gst"))


class AuxoXeroAllocations(_Model):
    connection_id: str
    invoice_id: str
    xero_allocation_id: str
    xero_credit_note_id: str = pa.Field(nullable=True)
    amount: Money
    date: pl.Date = pa.Field(nullable=True)


class AuxoInvoiceCredits(_Synced):
    connection_id: str
    id: str
    number: str
    invoice_id: str
    customer_id: str = pa.Field(nullable=True)
    credit_date: pl.Date
    gst_mode: str = pa.Field(nullable=True)
    reason: str = pa.Field(nullable=True)
    subtotal: Money
    gst: Money
    total: Money
    status: str = pa.Field(isin=["issued", "void"])
    updated_at: Timestamp = pa.Field(nullable=True)


class AuxoPayments(_Synced):
    connection_id: str
    id: str
    kind: str = pa.Field(isin=["payment", "deposit"])
    source: str = pa.Field(isin=["auxo", "xero"])
    status: str = pa.Field(isin=["active", "deleted"])
    payment_date: pl.Date
    amount: Money
    method: str = pa.Field(nullable=True)
    reference: str = pa.Field(nullable=True)
    customer_id: str = pa.Field(nullable=True)
    invoice_id: str = pa.Field(nullable=True)
    job_id: str = pa.Field(nullable=True)
    applied_at: Timestamp = pa.Field(nullable=True)
    deleted_at: Timestamp = pa.Field(nullable=True)
    deleted_source: str = pa.Field(nullable=True)
    created_at: Timestamp = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)


class AuxoPurchaseOrders(_Synced):
    connection_id: str
    id: str
    number: str
    kind: str = pa.Field(isin=["stock", "job"])
    job_id: str = pa.Field(nullable=True)
    supplier_id: str
    supplier_reference: str = pa.Field(nullable=True)
    order_date: pl.Date = pa.Field(nullable=True)
    status: str = pa.Field(isin=["draft", "ordered", "received", "cancelled"])
    received_at: Timestamp = pa.Field(nullable=True)
    received_date: pl.Date = pa.Field(nullable=True)
    freight: Money
    freight_gst: Money
    rounding_adjustment: Money
    subtotal: Money
    gst: Money
    total: Money
    updated_at: Timestamp = pa.Field(nullable=True)


class AuxoPurchaseOrderLines(_Model):
    connection_id: str
    purchase_order_id: str
    line_id: str
    line_no: pl.Int64
    part_id: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    quantity: Qty
    unit_cost: Money
    line_amount: Money
    gst: Money
    tax_code: str = pa.Field(nullable=True)


class AuxoStockAdjustments(_Synced):
    connection_id: str
    id: str
    number: str
    kind: str = pa.Field(isin=["adjustment", "stocktake"])
    stocktake_id: str = pa.Field(nullable=True)
    stocktake_number: str = pa.Field(nullable=True)
    part_id: str
    adjustment_date: pl.Date
    quantity_change: Qty
    unit_cost: Money
    value: Money
    reason: str = pa.Field(nullable=True)
    created_at: Timestamp = pa.Field(nullable=True)


class AuxoSyncSettings(_Model):
    connection_id: str
    send_purchase_orders: bool = pa.Field(nullable=True)
    create_inventory_journals: bool = pa.Field(nullable=True)
    sync_start_date: pl.Date = pa.Field(nullable=True)


class AuxoSettingHistory(_Model):
    connection_id: str
    setting: str
    value: bool
    changed_at: Timestamp


class AuxoAccount(_Model):
    connection_id: str
    id: str
    name: str = pa.Field(nullable=True)
    timezone: str = pa.Field(nullable=True)
    invoice_prefix: str = pa.Field(nullable=True)


def _sync(alias: str, xero_field: str) -> dict[str, tuple[str, str]]:
    return {"xero_id": (f"{{{alias}.{xero_field}}}", "VARCHAR"),
            "sync_status": (f"{{{alias}.sync_status}}", "VARCHAR"),
            "sync_error_code": (f"{{{alias}.sync_error__code}}", "VARCHAR"),
            "sync_error_message": (f"{{{alias}.sync_error__message}}", "VARCHAR")}


def _contacts(resource: str) -> StagedTable:
    return StagedTable(
        f"auxo_{resource}", {"c": f"raw_auxo.{resource}"},
        {"connection_id": ("{c.connection_id}", "VARCHAR"), "id": ("{c.id}", "VARCHAR"),
         "kind": ("{c.kind}", "VARCHAR"), "name": ("{c.name}", "VARCHAR"),
         "first_name": ("{c.first_name}", "VARCHAR"), "last_name": ("{c.last_name}", "VARCHAR"),
         "contact_person": ("{c.contact_person}", "VARCHAR"), "email": ("{c.email}", "VARCHAR"),
         "phone": ("{c.phone}", "VARCHAR"), "mobile": ("{c.mobile}", "VARCHAR"), "abn": ("{c.abn}", "VARCHAR"),
         "archived": ("{c.archived}", "BOOLEAN"), "edited_at": ("{c.edited_at}", TS),
         "synced_at": ("{c.synced_at}", TS), "updated_at": ("{c.updated_at}", TS),
         **_sync("c", "xero_contact_id")},
        AuxoContacts, description=f"Auxo {resource} with their Xero link and sync status.")


def _addresses(resource: str) -> StagedTable:
    return StagedTable(
        f"auxo_{resource[:-1]}_addresses", {"a": f"raw_auxo.{resource}__addresses", "c": f"raw_auxo.{resource}"},
        {"connection_id": ("{c.connection_id}", "VARCHAR"), "contact_id": ("{c.id}", "VARCHAR"),
         "type": ("{a.type}", "VARCHAR"), "line1": ("{a.line1}", "VARCHAR"), "line2": ("{a.line2}", "VARCHAR"),
         "suburb": ("{a.suburb}", "VARCHAR"), "state": ("{a.state}", "VARCHAR"),
         "postcode": ("{a.postcode}", "VARCHAR"), "country": ("{a.country}", "VARCHAR")},
        AuxoContactAddresses, joins=f"JOIN raw_auxo.{resource} AS c ON a._dlt_parent_id = c._dlt_id",
        description=f"Street and postal addresses of Auxo {resource}.")


def _lines(parent: str, name: str) -> StagedTable:
    return StagedTable(
        name, {"l": f"raw_auxo.{parent}__lines", "d": f"raw_auxo.{parent}"},
        {"connection_id": ("{d.connection_id}", "VARCHAR"), "document_id": ("{d.id}", "VARCHAR"),
         "line_id": ("{l.id}", "VARCHAR"), "line_no": ("{l._dlt_list_idx}", "BIGINT"),
         "kind": ("{l.kind}", "VARCHAR"), "description": ("{l.description}", "VARCHAR"),
         "part_id": ("{l.part_id}", "VARCHAR"), "supply": ("{l.supply}", "VARCHAR"),
         "purchase_order_id": ("{l.purchase_order_id}", "VARCHAR"), "quantity": ("{l.quantity}", QTY),
         "unit_price": ("{l.unit_price}", MONEY), "price_includes_gst": ("{l.price_includes_gst}", "BOOLEAN"),
         "line_amount": ("{l.line_amount}", MONEY), "gst": ("{l.gst}", MONEY),
         "line_total": ("{l.line_total}", MONEY), "tax_code": ("{l.tax_code}", "VARCHAR"),
         "xero_cogs_journal_id": ("{l.xero_cogs_journal_id}", "VARCHAR")},
        AuxoDocumentLines, joins=f"JOIN raw_auxo.{parent} AS d ON l._dlt_parent_id = d._dlt_id",
        description=f"Lines of Auxo {parent.replace('_', ' ')}: kind, part supply, GST-exclusive amount and GST.")


AUXO_STAGING: tuple[StagedTable, ...] = (
    _contacts("customers"), _contacts("suppliers"), _addresses("customers"), _addresses("suppliers"),
    StagedTable(
        "auxo_vehicles", {"v": "raw_auxo.vehicles"},
        {"connection_id": ("{v.connection_id}", "VARCHAR"), "id": ("{v.id}", "VARCHAR"),
         "registration": ("{v.registration}", "VARCHAR"), "make": ("{v.make}", "VARCHAR"),
         "model": ("{v.model}", "VARCHAR"), "customer_id": ("{v.customer_id}", "VARCHAR")},
        AuxoVehicles, description="Vehicles and their owners."),
    StagedTable(
        "auxo_parts", {"p": "raw_auxo.parts"},
        {"connection_id": ("{p.connection_id}", "VARCHAR"), "id": ("{p.id}", "VARCHAR"),
         "part_number": ("{p.part_number}", "VARCHAR"), "description": ("{p.description}", "VARCHAR"),
         "stocked": ("{p.stocked}", "BOOLEAN"), "sell_price": ("{p.sell_price}", MONEY),
         "average_cost": ("{p.average_cost}", MONEY), "quantity_on_hand": ("{p.quantity_on_hand}", QTY),
         "archived": ("{p.archived}", "BOOLEAN")},
        AuxoParts, description="Parts: stocked or not, and the current average cost."),
    StagedTable(
        "auxo_part_cost_history", {"h": "raw_auxo.part_cost_history"},
        {"connection_id": ("{h.connection_id}", "VARCHAR"), "id": ("{h.id}", "VARCHAR"),
         "part_id": ("{h.part_id}", "VARCHAR"), "effective_at": ("{h.effective_at}", TS),
         "average_cost": ("{h.average_cost}", MONEY), "reason": ("{h.reason}", "VARCHAR"),
         "purchase_order_id": ("{h.purchase_order_id}", "VARCHAR")},
        AuxoPartCostHistory, description="Every change of a part's average cost: the cost at any moment."),
    StagedTable(
        "auxo_jobs", {"j": "raw_auxo.jobs"},
        {"connection_id": ("{j.connection_id}", "VARCHAR"), "id": ("{j.id}", "VARCHAR"),
         "number": ("{j.number}", "VARCHAR"), "customer_id": ("{j.customer_id}", "VARCHAR"),
         "vehicle_id": ("{j.vehicle_id}", "VARCHAR"), "status": ("{j.status}", "VARCHAR")},
        AuxoJobs, description="Workshop jobs."),
    StagedTable(
        "auxo_invoices", {"i": "raw_auxo.invoices"},
        {"connection_id": ("{i.connection_id}", "VARCHAR"), "id": ("{i.id}", "VARCHAR"),
         "number": ("{i.number}", "VARCHAR"), "invoice_date": ("{i.invoice_date}", "DATE"),
         "due_date": ("{i.due_date}", "DATE"), "customer_id": ("{i.customer_id}", "VARCHAR"),
         "job_id": ("{i.job_id}", "VARCHAR"), "vehicle_registration": ("{i.vehicle_registration}", "VARCHAR"),
         "gst_mode": ("{i.gst_mode}", "VARCHAR"), "status": ("{i.status}", "VARCHAR"),
         "subtotal": ("{i.subtotal}", MONEY), "gst": ("{i.gst}", MONEY), "total": ("{i.total}", MONEY),
         "amount_paid": ("{i.amount_paid}", MONEY), "amount_credited": ("{i.amount_credited}", MONEY),
         "balance": ("{i.balance}", MONEY), "locked": ("{i.locked}", "BOOLEAN"),
         "created_at": ("{i.created_at}", TS), "edited_at": ("{i.edited_at}", TS),
         "voided_at": ("{i.voided_at}", TS),
         "synced_at": ("{i.synced_at}", TS), "updated_at": ("{i.updated_at}", TS),
         **_sync("i", "xero_invoice_id")},
        AuxoInvoices, description="Auxo invoices: totals, balance, lock, Xero link and sync status."),
    _lines("invoices", "auxo_invoice_lines"),
    StagedTable(
        "auxo_invoice_xero_allocations", {"a": "raw_auxo.invoices__xero_allocations", "i": "raw_auxo.invoices"},
        {"connection_id": ("{i.connection_id}", "VARCHAR"), "invoice_id": ("{i.id}", "VARCHAR"),
         "xero_allocation_id": ("{a.xero_allocation_id}", "VARCHAR"),
         "xero_credit_note_id": ("{a.xero_credit_note_id}", "VARCHAR"), "amount": ("{a.amount}", MONEY),
         "date": ("{a.date}", "DATE")},
        AuxoXeroAllocations, joins="JOIN raw_auxo.invoices AS i ON a._dlt_parent_id = i._dlt_id",
        description="Xero credit-note allocations Auxo has recorded against its invoices."),
    StagedTable(
        "auxo_invoice_credits", {"c": "raw_auxo.invoice_credits"},
        {"connection_id": ("{c.connection_id}", "VARCHAR"), "id": ("{c.id}", "VARCHAR"),
         "number": ("{c.number}", "VARCHAR"), "invoice_id": ("{c.invoice_id}", "VARCHAR"),
         "customer_id": ("{c.customer_id}", "VARCHAR"), "credit_date": ("{c.credit_date}", "DATE"),
         "gst_mode": ("{c.gst_mode}", "VARCHAR"), "reason": ("{c.reason}", "VARCHAR"),
         "subtotal": ("{c.subtotal}", MONEY), "gst": ("{c.gst}", MONEY), "total": ("{c.total}", MONEY),
         "status": ("{c.status}", "VARCHAR"), "updated_at": ("{c.updated_at}", TS),
         **_sync("c", "xero_credit_note_id")},
        AuxoInvoiceCredits, description="Credits raised in Auxo against invoices."),
    _lines("invoice_credits", "auxo_invoice_credit_lines"),
    StagedTable(
        "auxo_payments", {"p": "raw_auxo.payments"},
        {"connection_id": ("{p.connection_id}", "VARCHAR"), "id": ("{p.id}", "VARCHAR"),
         "kind": ("{p.kind}", "VARCHAR"), "source": ("{p.source}", "VARCHAR"), "status": ("{p.status}", "VARCHAR"),
         "payment_date": ("{p.payment_date}", "DATE"), "amount": ("{p.amount}", MONEY),
         "method": ("{p.method}", "VARCHAR"), "reference": ("{p.reference}", "VARCHAR"),
         "customer_id": ("{p.customer_id}", "VARCHAR"), "invoice_id": ("{p.invoice_id}", "VARCHAR"),
         "job_id": ("{p.job_id}", "VARCHAR"), "applied_at": ("{p.applied_at}", TS),
         "deleted_at": ("{p.deleted_at}", TS), "deleted_source": ("{p.deleted_source}", "VARCHAR"),
         "created_at": ("{p.created_at}", TS), "updated_at": ("{p.updated_at}", TS),
         **_sync("p", "xero_payment_id")},
        AuxoPayments, description="Payments and job deposits, with where each came from."),
    StagedTable(
        "auxo_purchase_orders", {"o": "raw_auxo.purchase_orders"},
        {"connection_id": ("{o.connection_id}", "VARCHAR"), "id": ("{o.id}", "VARCHAR"),
         "number": ("{o.number}", "VARCHAR"), "kind": ("{o.kind}", "VARCHAR"), "job_id": ("{o.job_id}", "VARCHAR"),
         "supplier_id": ("{o.supplier_id}", "VARCHAR"), "supplier_reference": ("{o.supplier_reference}", "VARCHAR"),
         "order_date": ("{o.order_date}", "DATE"), "status": ("{o.status}", "VARCHAR"),
         "received_at": ("{o.received_at}", TS), "received_date": ("{o.received_date}", "DATE"),
         "freight": ("{o.freight}", MONEY), "freight_gst": ("{o.freight_gst}", MONEY),
         "rounding_adjustment": ("{o.rounding_adjustment}", MONEY), "subtotal": ("{o.subtotal}", MONEY),
         "gst": ("{o.gst}", MONEY), "total": ("{o.total}", MONEY), "updated_at": ("{o.updated_at}", TS),
         **_sync("o", "xero_bill_id")},
        AuxoPurchaseOrders, description="Purchase orders: stock or job, freight, 1c rounding, Xero bill link."),
    StagedTable(
        "auxo_purchase_order_lines", {"l": "raw_auxo.purchase_orders__lines", "o": "raw_auxo.purchase_orders"},
        {"connection_id": ("{o.connection_id}", "VARCHAR"), "purchase_order_id": ("{o.id}", "VARCHAR"),
         "line_id": ("{l.id}", "VARCHAR"), "line_no": ("{l._dlt_list_idx}", "BIGINT"),
         "part_id": ("{l.part_id}", "VARCHAR"), "description": ("{l.description}", "VARCHAR"),
         "quantity": ("{l.quantity}", QTY), "unit_cost": ("{l.unit_cost}", MONEY),
         "line_amount": ("{l.line_amount}", MONEY), "gst": ("{l.gst}", MONEY), "tax_code": ("{l.tax_code}", "VARCHAR")},
        AuxoPurchaseOrderLines, joins="JOIN raw_auxo.purchase_orders AS o ON l._dlt_parent_id = o._dlt_id",
        description="Lines of purchase orders (GST-exclusive unit costs)."),
    StagedTable(
        "auxo_stock_adjustments", {"s": "raw_auxo.stock_adjustments"},
        {"connection_id": ("{s.connection_id}", "VARCHAR"), "id": ("{s.id}", "VARCHAR"),
         "number": ("{s.number}", "VARCHAR"), "kind": ("{s.kind}", "VARCHAR"),
         "stocktake_id": ("{s.stocktake_id}", "VARCHAR"), "stocktake_number": ("{s.stocktake_number}", "VARCHAR"),
         "part_id": ("{s.part_id}", "VARCHAR"), "adjustment_date": ("{s.adjustment_date}", "DATE"),
         "quantity_change": ("{s.quantity_change}", QTY), "unit_cost": ("{s.unit_cost}", MONEY),
         "value": ("{s.value}", MONEY), "reason": ("{s.reason}", "VARCHAR"), "created_at": ("{s.created_at}", TS),
         **_sync("s", "xero_journal_id")},
        AuxoStockAdjustments, description="Stock adjustments and stocktake lines, valued at average cost."),
    StagedTable(
        "auxo_sync_settings", {"s": "raw_auxo.sync_settings"},
        {"connection_id": ("{s.connection_id}", "VARCHAR"),
         "send_purchase_orders": ("{s.send_purchase_orders}", "BOOLEAN"),
         "create_inventory_journals": ("{s.create_inventory_journals}", "BOOLEAN"),
         "sync_start_date": ("{s.sync_start_date}", "DATE")},
        AuxoSyncSettings, description="Auxo's sync settings as they are now."),
    StagedTable(
        "auxo_sync_setting_history", {"h": "raw_auxo.sync_settings__history", "s": "raw_auxo.sync_settings"},
        {"connection_id": ("{s.connection_id}", "VARCHAR"), "setting": ("{h.setting}", "VARCHAR"),
         "value": ("{h.value}", "BOOLEAN"), "changed_at": ("{h.changed_at}", TS)},
        AuxoSettingHistory, joins="JOIN raw_auxo.sync_settings AS s ON h._dlt_parent_id = s._dlt_id",
        description="Every switch of Auxo's sync settings: which value held at any moment."),
    StagedTable(
        "auxo_account", {"a": "raw_auxo.account"},
        {"connection_id": ("{a.connection_id}", "VARCHAR"), "id": ("{a.id}", "VARCHAR"),
         "name": ("{a.name}", "VARCHAR"), "timezone": ("{a.timezone}", "VARCHAR"),
         "invoice_prefix": ("{a.invoice_prefix}", "VARCHAR")},
        AuxoAccount, description="The Auxo account (workshop)."),
)
