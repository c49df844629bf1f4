"""The document kinds the sandbox stores, and the indexed columns each one fills.

Every document is kept as its Xero JSON in one ``docs`` table; the columns listed here are copied
out of it on every write so filters (``where``, ``IDs``, ``Statuses``, lookups by number or
reference) and ``If-Modified-Since``/``order`` run on indexes instead of parsing JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Kind:
    name: str  # singular, e.g. "Invoice"
    plural: str  # the envelope key, e.g. "Invoices"
    id_field: str
    columns: dict[str, str] = field(default_factory=dict)  # column -> dotted JSON path
    paged: bool = False
    archived_status: tuple[str, str] | None = None  # (column, value) hidden unless includeArchived
    stamped: bool = True  # carries UpdatedDateUTC

    def field_column(self, path: str) -> str | None:
        """The indexed column holding ``path`` (a where/order field), if any."""
        if path == self.id_field:
            return "id"
        if path == "UpdatedDateUTC":
            return "updated_ms"
        for column, source in self.columns.items():
            if source == path:
                return column
        return None


_DOC = {"type": "Type", "contact_id": "Contact.ContactID", "status": "Status", "reference": "Reference",
        "date_ms": "Date"}

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind("Contact", "Contacts", "ContactID",
             {"number": "ContactNumber", "name": "Name", "status": "ContactStatus"}, paged=True,
             archived_status=("status", "ARCHIVED")),
        Kind("Invoice", "Invoices", "InvoiceID", {**_DOC, "number": "InvoiceNumber"}, paged=True),
        Kind("CreditNote", "CreditNotes", "CreditNoteID", {**_DOC, "number": "CreditNoteNumber"}, paged=True),
        Kind("Payment", "Payments", "PaymentID",
             {"type": "PaymentType", "status": "Status", "reference": "Reference", "date_ms": "Date",
              "contact_id": "Invoice.Contact.ContactID", "number": "Invoice.InvoiceNumber"}, paged=True),
        Kind("ManualJournal", "ManualJournals", "ManualJournalID",
             {"status": "Status", "reference": "Narration", "date_ms": "Date"}, paged=True),
        Kind("BankTransaction", "BankTransactions", "BankTransactionID", dict(_DOC), paged=True),
        Kind("Prepayment", "Prepayments", "PrepaymentID", dict(_DOC), paged=True),
        Kind("Item", "Items", "ItemID", {"number": "Code", "name": "Name"}),
        Kind("Account", "Accounts", "AccountID",
             {"number": "Code", "name": "Name", "type": "Type", "status": "Status"}),
        Kind("TaxRate", "TaxRates", "TaxType", {"name": "Name", "status": "Status"}, stamped=False),
        Kind("TrackingCategory", "TrackingCategories", "TrackingCategoryID",
             {"name": "Name", "status": "Status"}, archived_status=("status", "ARCHIVED"), stamped=False),
        Kind("Currency", "Currencies", "Code", {"name": "Description"}, stamped=False),
        Kind("Organisation", "Organisations", "OrganisationID", {"name": "Name"}, stamped=False),
        Kind("ContactGroup", "ContactGroups", "ContactGroupID", {"name": "Name", "status": "Status"},
             stamped=False),
    ]
}

BY_PLURAL = {kind.plural: kind for kind in KINDS.values()}


def get_path(doc: dict, path: str) -> object:
    value: object = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
