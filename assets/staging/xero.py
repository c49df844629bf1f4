"""Staging tables for Xero: typed, renamed, validated copies of ``raw_xero.*``.

Dates Xero sends as ``/Date()/`` arrived as midnight-UTC timestamps and become ``DATE`` here;
money becomes ``DECIMAL(18,2)``, quantities and unit amounts ``DECIMAL(18,4)``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from assets.staging.build import MONEY, QTY, TS, Money, Qty, StagedTable, Timestamp
from assets.staging.build import StagingModel as _Model

DOCUMENT_STATUSES = ["DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"]


class XeroContacts(_Model):
    connection_id: str
    contact_id: str = pa.Field(nullable=False)
    contact_number: str = pa.Field(nullable=True)
    name: str = pa.Field(nullable=True)
    first_name: str = pa.Field(nullable=True)
    last_name: str = pa.Field(nullable=True)
    email: str = pa.Field(nullable=True)
    tax_number: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=["ACTIVE", "ARCHIVED", "GDPRREQUEST"])
    is_customer: bool = pa.Field(nullable=True)
    is_supplier: bool = pa.Field(nullable=True)
    merged_to_contact_id: str = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)
    dlt_id: str

    class Config:
        unique = ["connection_id", "contact_id"]


class XeroContactPhones(_Model):
    connection_id: str
    contact_id: str
    phone_type: str = pa.Field(nullable=True)
    phone: str = pa.Field(nullable=True)


class XeroContactAddresses(_Model):
    connection_id: str
    contact_id: str
    address_type: str = pa.Field(nullable=True)
    line1: str = pa.Field(nullable=True)
    line2: str = pa.Field(nullable=True)
    city: str = pa.Field(nullable=True)
    region: str = pa.Field(nullable=True)
    postal_code: str = pa.Field(nullable=True)
    country: str = pa.Field(nullable=True)


class XeroInvoices(_Model):
    connection_id: str
    invoice_id: str
    type: str = pa.Field(isin=["ACCREC", "ACCPAY"])
    invoice_number: str = pa.Field(nullable=True)
    reference: str = pa.Field(nullable=True)
    contact_id: str = pa.Field(nullable=True)
    date: pl.Date = pa.Field(nullable=True)
    due_date: pl.Date = pa.Field(nullable=True)
    status: str = pa.Field(isin=DOCUMENT_STATUSES)
    line_amount_types: str = pa.Field(nullable=True)
    sub_total: Money = pa.Field(nullable=True)
    total_tax: Money = pa.Field(nullable=True)
    total: Money = pa.Field(nullable=True)
    amount_due: Money = pa.Field(nullable=True)
    amount_paid: Money = pa.Field(nullable=True)
    amount_credited: Money = pa.Field(nullable=True)
    currency_code: str = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)
    dlt_id: str

    class Config:
        unique = ["connection_id", "invoice_id"]


class XeroInvoiceLines(_Model):
    connection_id: str
    invoice_id: str
    line_item_id: str = pa.Field(nullable=True)
    line_no: pl.Int64
    description: str = pa.Field(nullable=True)
    quantity: Qty = pa.Field(nullable=True)
    unit_amount: Qty = pa.Field(nullable=True)
    account_code: str = pa.Field(nullable=True)
    tax_type: str = pa.Field(nullable=True)
    tax_amount: Money = pa.Field(nullable=True)
    line_amount: Money = pa.Field(nullable=True)
    item_code: str = pa.Field(nullable=True)


class XeroCreditNotes(_Model):
    connection_id: str
    credit_note_id: str
    type: str = pa.Field(isin=["ACCRECCREDIT", "ACCPAYCREDIT"])
    credit_note_number: str = pa.Field(nullable=True)
    reference: str = pa.Field(nullable=True)
    contact_id: str = pa.Field(nullable=True)
    date: pl.Date = pa.Field(nullable=True)
    status: str = pa.Field(isin=DOCUMENT_STATUSES)
    sub_total: Money = pa.Field(nullable=True)
    total_tax: Money = pa.Field(nullable=True)
    total: Money = pa.Field(nullable=True)
    remaining_credit: Money = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)
    dlt_id: str


class XeroAllocations(_Model):
    """Allocations of credit notes or prepayments to invoices."""

    connection_id: str
    source_id: str
    allocation_id: str = pa.Field(nullable=True)
    invoice_id: str = pa.Field(nullable=True)
    invoice_number: str = pa.Field(nullable=True)
    amount: Money = pa.Field(nullable=True)
    date: pl.Date = pa.Field(nullable=True)
    is_deleted: bool = pa.Field(nullable=True)


class XeroPayments(_Model):
    connection_id: str
    payment_id: str
    invoice_id: str = pa.Field(nullable=True)
    invoice_number: str = pa.Field(nullable=True)
    credit_note_id: str = pa.Field(nullable=True)
    date: pl.Date = pa.Field(nullable=True)
    amount: Money = pa.Field(nullable=True)
    reference: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=["AUTHORISED", "DELETED"])
    payment_type: str = pa.Field(nullable=True)
    account_id: str = pa.Field(nullable=True)
    account_code: str = pa.Field(nullable=True)
    is_reconciled: bool = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)

    class Config:
        unique = ["connection_id", "payment_id"]


class XeroPrepayments(_Model):
    connection_id: str
    prepayment_id: str
    type: str = pa.Field(nullable=True)
    contact_id: str = pa.Field(nullable=True)
    date: pl.Date = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)
    reference: str = pa.Field(nullable=True)
    sub_total: Money = pa.Field(nullable=True)
    total_tax: Money = pa.Field(nullable=True)
    total: Money = pa.Field(nullable=True)
    remaining_credit: Money = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)
    dlt_id: str


class XeroManualJournals(_Model):
    connection_id: str
    manual_journal_id: str
    date: pl.Date = pa.Field(nullable=True)
    status: str = pa.Field(isin=["DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED"])
    narration: str = pa.Field(nullable=True)
    line_amount_types: str = pa.Field(nullable=True)
    updated_at: Timestamp = pa.Field(nullable=True)
    dlt_id: str


class XeroManualJournalLines(_Model):
    connection_id: str
    manual_journal_id: str
    line_no: pl.Int64
    line_amount: Money = pa.Field(nullable=True)
    account_code: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    tax_type: str = pa.Field(nullable=True)
    tax_amount: Money = pa.Field(nullable=True)


class XeroAccounts(_Model):
    connection_id: str
    account_id: str
    code: str = pa.Field(nullable=True)
    name: str = pa.Field(nullable=True)
    type: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)
    tax_type: str = pa.Field(nullable=True)
    enable_payments: bool = pa.Field(nullable=True)
    system_account: str = pa.Field(nullable=True)


class XeroTaxRates(_Model):
    connection_id: str
    tax_type: str
    name: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)
    effective_rate: Qty = pa.Field(nullable=True)


class XeroOrganisation(_Model):
    connection_id: str
    organisation_id: str
    name: str = pa.Field(nullable=True)
    base_currency: str = pa.Field(nullable=True)
    timezone: str = pa.Field(nullable=True)
    period_lock_date: pl.Date = pa.Field(nullable=True)
    end_of_year_lock_date: pl.Date = pa.Field(nullable=True)


def _date(ref: str) -> tuple[str, str]:
    return (ref, "DATE")


XERO_STAGING: tuple[StagedTable, ...] = (
    StagedTable(
        "xero_contacts", {"c": "raw_xero.contacts"},
        {"connection_id": ("{c.connection_id}", "VARCHAR"), "contact_id": ("{c.contact_id}", "VARCHAR"),
         "contact_number": ("{c.contact_number}", "VARCHAR"), "name": ("{c.name}", "VARCHAR"),
         "first_name": ("{c.first_name}", "VARCHAR"), "last_name": ("{c.last_name}", "VARCHAR"),
         "email": ("{c.email_address}", "VARCHAR"), "tax_number": ("{c.tax_number}", "VARCHAR"),
         "status": ("coalesce({c.contact_status}, 'ACTIVE')", "VARCHAR"),
         "is_customer": ("{c.is_customer}", "BOOLEAN"), "is_supplier": ("{c.is_supplier}", "BOOLEAN"),
         "merged_to_contact_id": ("{c.merged_to_contact_id}", "VARCHAR"),
         "updated_at": ("{c.updated_date_utc}", TS), "dlt_id": ("{c._dlt_id}", "VARCHAR")},
        XeroContacts, description="Xero contacts, archived and merged ones included, one row per contact."),
    StagedTable(
        "xero_contact_phones", {"p": "raw_xero.contacts__phones", "c": "raw_xero.contacts"},
        {"connection_id": ("{c.connection_id}", "VARCHAR"), "contact_id": ("{c.contact_id}", "VARCHAR"),
         "phone_type": ("{p.phone_type}", "VARCHAR"),
         "phone": ("nullif(trim(concat_ws(' ', {p.phone_country_code}, {p.phone_area_code}, {p.phone_number})), '')",
                   "VARCHAR")},
        XeroContactPhones, joins="JOIN raw_xero.contacts AS c ON p._dlt_parent_id = c._dlt_id",
        description="Phone numbers of Xero contacts (DEFAULT, MOBILE, DDI, FAX)."),
    StagedTable(
        "xero_contact_addresses", {"a": "raw_xero.contacts__addresses", "c": "raw_xero.contacts"},
        {"connection_id": ("{c.connection_id}", "VARCHAR"), "contact_id": ("{c.contact_id}", "VARCHAR"),
         "address_type": ("{a.address_type}", "VARCHAR"), "line1": ("{a.address_line1}", "VARCHAR"),
         "line2": ("{a.address_line2}", "VARCHAR"), "city": ("{a.city}", "VARCHAR"),
         "region": ("{a.region}", "VARCHAR"), "postal_code": ("{a.postal_code}", "VARCHAR"),
         "country": ("{a.country}", "VARCHAR")},
        XeroContactAddresses, joins="JOIN raw_xero.contacts AS c ON a._dlt_parent_id = c._dlt_id",
        description="Addresses of Xero contacts (POBOX, STREET)."),
    StagedTable(
        "xero_invoices", {"i": "raw_xero.invoices"},
        {"connection_id": ("{i.connection_id}", "VARCHAR"), "invoice_id": ("{i.invoice_id}", "VARCHAR"),
         "type": ("{i.type}", "VARCHAR"), "invoice_number": ("{i.invoice_number}", "VARCHAR"),
         "reference": ("{i.reference}", "VARCHAR"), "contact_id": ("{i.contact__contact_id}", "VARCHAR"),
         "date": _date("{i.date}"), "due_date": _date("{i.due_date}"), "status": ("{i.status}", "VARCHAR"),
         "line_amount_types": ("{i.line_amount_types}", "VARCHAR"), "sub_total": ("{i.sub_total}", MONEY),
         "total_tax": ("{i.total_tax}", MONEY), "total": ("{i.total}", MONEY),
         "amount_due": ("{i.amount_due}", MONEY), "amount_paid": ("{i.amount_paid}", MONEY),
         "amount_credited": ("{i.amount_credited}", MONEY), "currency_code": ("{i.currency_code}", "VARCHAR"),
         "updated_at": ("{i.updated_date_utc}", TS), "dlt_id": ("{i._dlt_id}", "VARCHAR")},
        XeroInvoices, description="Xero sales invoices (ACCREC) and bills (ACCPAY), every status."),
    StagedTable(
        "xero_invoice_lines", {"l": "raw_xero.invoices__line_items", "i": "raw_xero.invoices"},
        {"connection_id": ("{i.connection_id}", "VARCHAR"), "invoice_id": ("{i.invoice_id}", "VARCHAR"),
         "line_item_id": ("{l.line_item_id}", "VARCHAR"), "line_no": ("{l._dlt_list_idx}", "BIGINT"),
         "description": ("{l.description}", "VARCHAR"), "quantity": ("{l.quantity}", QTY),
         "unit_amount": ("{l.unit_amount}", QTY), "account_code": ("{l.account_code}", "VARCHAR"),
         "tax_type": ("{l.tax_type}", "VARCHAR"), "tax_amount": ("{l.tax_amount}", MONEY),
         "line_amount": ("{l.line_amount}", MONEY), "item_code": ("{l.item_code}", "VARCHAR")},
        XeroInvoiceLines, joins="JOIN raw_xero.invoices AS i ON l._dlt_parent_id = i._dlt_id",
        description="Lines of Xero invoices and bills."),
    StagedTable(
        "xero_credit_notes", {"n": "raw_xero.credit_notes"},
        {"connection_id": ("{n.connection_id}", "VARCHAR"), "credit_note_id": ("{n.credit_note_id}", "VARCHAR"),
         "type": ("{n.type}", "VARCHAR"), "credit_note_number": ("{n.credit_note_number}", "VARCHAR"),
         "reference": ("{n.reference}", "VARCHAR"), "contact_id": ("{n.contact__contact_id}", "VARCHAR"),
         "date": _date("{n.date}"), "status": ("{n.status}", "VARCHAR"), "sub_total": ("{n.sub_total}", MONEY),
         "total_tax": ("{n.total_tax}", MONEY), "total": ("{n.total}", MONEY),
         "remaining_credit": ("{n.remaining_credit}", MONEY), "updated_at": ("{n.updated_date_utc}", TS),
         "dlt_id": ("{n._dlt_id}", "VARCHAR")},
        XeroCreditNotes, description="Xero credit notes, every status."),
    StagedTable(
        "xero_credit_note_allocations", {"a": "raw_xero.credit_notes__allocations", "n": "raw_xero.credit_notes"},
        {"connection_id": ("{n.connection_id}", "VARCHAR"), "source_id": ("{n.credit_note_id}", "VARCHAR"),
         "allocation_id": ("{a.allocation_id}", "VARCHAR"), "invoice_id": ("{a.invoice__invoice_id}", "VARCHAR"),
         "invoice_number": ("{a.invoice__invoice_number}", "VARCHAR"), "amount": ("{a.amount}", MONEY),
         "date": _date("{a.date}"), "is_deleted": ("coalesce({a.is_deleted}, false)", "BOOLEAN")},
        XeroAllocations, joins="JOIN raw_xero.credit_notes AS n ON a._dlt_parent_id = n._dlt_id",
        description="Allocations of Xero credit notes to invoices."),
    StagedTable(
        "xero_payments", {"p": "raw_xero.payments"},
        {"connection_id": ("{p.connection_id}", "VARCHAR"), "payment_id": ("{p.payment_id}", "VARCHAR"),
         "invoice_id": ("{p.invoice__invoice_id}", "VARCHAR"),
         "invoice_number": ("{p.invoice__invoice_number}", "VARCHAR"),
         "credit_note_id": ("{p.credit_note__credit_note_id}", "VARCHAR"), "date": _date("{p.date}"),
         "amount": ("{p.amount}", MONEY), "reference": ("{p.reference}", "VARCHAR"),
         "status": ("coalesce({p.status}, 'AUTHORISED')", "VARCHAR"), "payment_type": ("{p.payment_type}", "VARCHAR"),
         "account_id": ("{p.account__account_id}", "VARCHAR"), "account_code": ("{p.account__code}", "VARCHAR"),
         "is_reconciled": ("{p.is_reconciled}", "BOOLEAN"), "updated_at": ("{p.updated_date_utc}", TS)},
        XeroPayments, description="Xero payments, deleted ones included (status DELETED)."),
    StagedTable(
        "xero_prepayments", {"p": "raw_xero.prepayments"},
        {"connection_id": ("{p.connection_id}", "VARCHAR"), "prepayment_id": ("{p.prepayment_id}", "VARCHAR"),
         "type": ("{p.type}", "VARCHAR"), "contact_id": ("{p.contact__contact_id}", "VARCHAR"),
         "date": _date("{p.date}"), "status": ("{p.status}", "VARCHAR"), "reference": ("{p.reference}", "VARCHAR"),
         "sub_total": ("{p.sub_total}", MONEY), "total_tax": ("{p.total_tax}", MONEY), "total": ("{p.total}", MONEY),
         "remaining_credit": ("{p.remaining_credit}", MONEY), "updated_at": ("{p.updated_date_utc}", TS),
         "dlt_id": ("{p._dlt_id}", "VARCHAR")},
        XeroPrepayments, description="Xero prepayments (job deposits)."),
    StagedTable(
        "xero_prepayment_allocations", {"a": "raw_xero.prepayments__allocations", "p": "raw_xero.prepayments"},
        {"connection_id": ("{p.connection_id}", "VARCHAR"), "source_id": ("{p.prepayment_id}", "VARCHAR"),
         "allocation_id": ("{a.allocation_id}", "VARCHAR"), "invoice_id": ("{a.invoice__invoice_id}", "VARCHAR"),
         "invoice_number": ("{a.invoice__invoice_number}", "VARCHAR"), "amount": ("{a.amount}", MONEY),
         "date": _date("{a.date}"), "is_deleted": ("coalesce({a.is_deleted}, false)", "BOOLEAN")},
        XeroAllocations, joins="JOIN raw_xero.prepayments AS p ON a._dlt_parent_id = p._dlt_id",
        description="Allocations of Xero prepayments to invoices."),
    StagedTable(
        "xero_manual_journals", {"j": "raw_xero.manual_journals"},
        {"connection_id": ("{j.connection_id}", "VARCHAR"), "manual_journal_id": ("{j.manual_journal_id}", "VARCHAR"),
         "date": _date("{j.date}"), "status": ("{j.status}", "VARCHAR"), "narration": ("{j.narration}", "VARCHAR"),
         "line_amount_types": ("{j.line_amount_types}", "VARCHAR"), "updated_at": ("{j.updated_date_utc}", TS),
         "dlt_id": ("{j._dlt_id}", "VARCHAR")},
        XeroManualJournals, description="Xero manual journals (COGS and stock journals among them)."),
    StagedTable(
        "xero_manual_journal_lines", {"l": "raw_xero.manual_journals__journal_lines", "j": "raw_xero.manual_journals"},
        {"connection_id": ("{j.connection_id}", "VARCHAR"), "manual_journal_id": ("{j.manual_journal_id}", "VARCHAR"),
         "line_no": ("{l._dlt_list_idx}", "BIGINT"), "line_amount": ("{l.line_amount}", MONEY),
         "account_code": ("{l.account_code}", "VARCHAR"), "description": ("{l.description}", "VARCHAR"),
         "tax_type": ("{l.tax_type}", "VARCHAR"), "tax_amount": ("{l.tax_amount}", MONEY)},
        XeroManualJournalLines, joins="JOIN raw_xero.manual_journals AS j ON l._dlt_parent_id = j._dlt_id",
        description="Lines of Xero manual journals: positive = debit, negative = credit."),
    StagedTable(
        "xero_accounts", {"a": "raw_xero.accounts"},
        {"connection_id": ("{a.connection_id}", "VARCHAR"), "account_id": ("{a.account_id}", "VARCHAR"),
         "code": ("{a.code}", "VARCHAR"), "name": ("{a.name}", "VARCHAR"), "type": ("{a.type}", "VARCHAR"),
         "status": ("{a.status}", "VARCHAR"), "tax_type": ("{a.tax_type}", "VARCHAR"),
         "enable_payments": ("{a.enable_payments_to_account}", "BOOLEAN"),
         "system_account": ("{a.system_account}", "VARCHAR")},
        XeroAccounts, description="Xero's chart of accounts."),
    StagedTable(
        "xero_tax_rates", {"t": "raw_xero.tax_rates"},
        {"connection_id": ("{t.connection_id}", "VARCHAR"), "tax_type": ("{t.tax_type}", "VARCHAR"),
         "name": ("{t.name}", "VARCHAR"), "status": ("{t.status}", "VARCHAR"),
         "effective_rate": ("{t.effective_rate}", QTY)},
        XeroTaxRates, description="Xero tax rates."),
    StagedTable(
        "xero_organisation", {"o": "raw_xero.organisation"},
        {"connection_id": ("{o.connection_id}", "VARCHAR"), "organisation_id": ("{o.organisation_id}", "VARCHAR"),
         "name": ("{o.name}", "VARCHAR"), "base_currency": ("{o.base_currency}", "VARCHAR"),
         "timezone": ("{o.timezone}", "VARCHAR"), "period_lock_date": _date("{o.period_lock_date}"),
         "end_of_year_lock_date": _date("{o.end_of_year_lock_date}")},
        XeroOrganisation, description="The Xero organisation, with its period and end-of-year lock dates."),
)
