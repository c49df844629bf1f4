"""What the pipeline reads from Xero: endpoints, keys, cursors (see README.md beside this file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class XeroResource:
    """One Xero collection loaded into ``raw_xero.<name>``."""

    name: str
    endpoint: str
    collection: str
    primary_key: str
    incremental: bool = True  # If-Modified-Since on UpdatedDateUTC, merged on the key
    paged: bool = True
    ordered: bool = True  # order=UpdatedDateUTC ASC (Xero's ManualJournals misbehave with it)
    params: dict[str, str] = field(default_factory=dict)
    description: str = ""


RESOURCES: tuple[XeroResource, ...] = (
    XeroResource("contacts", "Contacts", "Contacts", "ContactID", params={"includeArchived": "true"},
                 description="Xero contacts, archived and merged ones included."),
    XeroResource("invoices", "Invoices", "Invoices", "InvoiceID",
                 description="Sales invoices (ACCREC) and bills (ACCPAY) with their lines, voided and deleted ones included."),
    XeroResource("credit_notes", "CreditNotes", "CreditNotes", "CreditNoteID",
                 description="Credit notes with their allocations."),
    XeroResource("payments", "Payments", "Payments", "PaymentID",
                 description="Payments against invoices and credit notes, deleted ones included (Status DELETED)."),
    XeroResource("prepayments", "Prepayments", "Prepayments", "PrepaymentID",
                 description="Prepayments (job deposits) with their allocations."),
    XeroResource("manual_journals", "ManualJournals", "ManualJournals", "ManualJournalID", ordered=False,
                 description="Manual journals: COGS and stock adjustment journals among them."),
    XeroResource("accounts", "Accounts", "Accounts", "AccountID", incremental=False, paged=False,
                 description="The chart of accounts (mappings are checked against it)."),
    XeroResource("tax_rates", "TaxRates", "TaxRates", "TaxType", incremental=False, paged=False,
                 description="Tax rates."),
    XeroResource("tracking_categories", "TrackingCategories", "TrackingCategories", "TrackingCategoryID",
                 incremental=False, paged=False, params={"includeArchived": "true"},
                 description="Tracking categories and their options."),
    XeroResource("organisation", "Organisation", "Organisations", "OrganisationID", incremental=False,
                 paged=False, description="The organisation: base currency, lock dates, timezone."),
)

INITIAL_MODIFIED_SINCE = datetime(2000, 1, 1, tzinfo=UTC)
OVERLAP_SECONDS = 1  # If-Modified-Since is second-accurate: overlap, and let the merge dedupe
