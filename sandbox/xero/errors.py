"""Xero's validation messages and error shapes.

Texts marked *sourced* come from the team's reference (docs/../shared/reference/xero-api.md §2.2,
with its sources); the others are the sandbox's own wording for rules Xero enforces but whose exact
text is not documented. docs/sandboxes.md lists which is which.
"""

from __future__ import annotations

from typing import Any

# sourced ---------------------------------------------------------------------------------------
INVOICE_NUMBER_UNIQUE = "Invoice # must be unique."
CONTACT_IDENTIFY = ("The Contact must contain at least 1 of the following elements to identify the contact: "
                    "Name, ContactID, ContactNumber")
CONTACT_REQUIRED = "A Contact must be specified for this type of transaction"
CONTACT_ARCHIVED = ("The contact with the specified contact details has been archived. The contact must be "
                    "un-archived before creating new invoices or credit notes.")
CONTACT_NAME_UNIQUE = ("The contact name {name} is already assigned to another contact. The contact name must "
                       "be unique across all active contacts.")
CONTACT_NUMBER_UNIQUE = "Another contact has this contact number. Please enter a different contact number."
CONTACT_NAME_EMPTY = "Contact Name cannot be empty."
LINE_ITEMS_REQUIRED = "One or more line items must be specified"
INVALID_STATUS_CREATE = "Invoice not of valid status for creation"
INVALID_STATUS_MODIFY = "Invoice not of valid status for modification"
HAS_PAYMENT = "This document cannot be edited as it has a payment or credit note allocated to it."
VOID_WITH_PAYMENT = ("The status VOIDED cannot be applied to the invoice because it has payments or credit "
                     "notes allocated to it.")
ACCOUNT_INVALID = "Account code '{code}' is not a valid code for this document."
ACCOUNT_ARCHIVED = ("Account code '{code}' has been archived, or has been deleted. Each line item must "
                    "reference a valid account.")
ACCOUNT_REQUIRED = "The account code or ID must be specified"  # quoted by an integration's help page
TAX_NOT_ALLOWED = "The TaxType code '{tax}' cannot be used with account code '{code}'."
LOCK_DATE = "The document date cannot be before the period lock date of {date}"
PAYMENT_NOT_AUTHORISED = "Payments can only be made against Authorised documents"
PAYMENT_EXCEEDS = "Payment amount exceeds the amount outstanding on this document"
JOURNAL_UNBALANCED = "The total debits ({debits}) must equal total credits ({credits})"
JOURNAL_ACCOUNT_REMOVED = "Account code ''{code}'' has been removed as it does not match a recognised account."
ALLOCATION_PAID = "The invoice you are trying to allocate to has already been paid off"
ALLOCATION_EXCEEDS = "{what} cannot be allocated as amount is greater than amount outstanding"
ALLOCATION_WRONG_TYPE = "{what} cannot be allocated to an incorrect invoice type"
ACCOUNT_NAME_UNIQUE = "Please enter a unique Name."
IDEMPOTENCY_MISMATCH = "Idempotency Key: {key} is used with a different request."

# sandbox wording -------------------------------------------------------------------------------
EMAIL_INVALID = "Email address must be valid."
CONTACT_NOT_FOUND = "The contact with ContactID '{id}' could not be found."
CONTACT_NUMBER_NOT_FOUND = "The contact with ContactNumber '{number}' could not be found."
TYPE_REQUIRED = "The document Type must be specified."
TYPE_INVALID = "'{value}' is not a valid Type for this document."
STATUS_INVALID = "'{value}' is not a valid Status."
CREDIT_NOTE_NUMBER_UNIQUE = "Credit Note # must be unique."
CREDIT_NOTE_STATUS_CREATE = "Credit Note not of valid status for creation"
CREDIT_NOTE_STATUS_MODIFY = "Credit Note not of valid status for modification"
DATE_INVALID = "'{value}' is not a valid date for {field}."
NUMBER_INVALID = "'{value}' is not a valid number for {field}."
TAX_TYPE_INVALID = "The TaxType code '{tax}' does not exist or cannot be used with this type of transaction."
LINE_AMOUNT_TYPES_INVALID = "'{value}' is not a valid LineAmountTypes value."
ITEM_CODE_INVALID = "Item code '{code}' is not valid."
ITEM_CODE_UNIQUE = "Item code '{code}' is already in use. Please enter a unique item code."
ITEM_CODE_REQUIRED = "Item Code must be specified."
TRACKING_MAX = "A line item can have a maximum of 2 tracking categories."
TRACKING_CATEGORY_INVALID = "Tracking category '{name}' does not exist."
TRACKING_OPTION_INVALID = "Tracking option '{option}' does not exist in tracking category '{name}'."
CURRENCY_INVALID = "The currency code '{code}' is not enabled for this organisation."
DOCUMENT_NOT_FOUND = "{what} could not be found."
PAYMENT_ACCOUNT_REQUIRED = "An Account must be specified for the payment."
PAYMENT_ACCOUNT_INVALID = ("Account code '{code}' cannot receive payments: use a BANK account or one with "
                           "payments enabled.")
PAYMENT_TARGET_REQUIRED = "A payment must reference an Invoice, a CreditNote or their number."
PAYMENT_AMOUNT_POSITIVE = "The payment Amount must be greater than zero."
PAYMENT_ALREADY_DELETED = "This payment has already been deleted."
PAYMENT_ONLY_DELETE = "A payment can only be changed by setting its Status to DELETED."
ALLOCATION_SOURCE_NOT_AUTHORISED = "{what} must be AUTHORISED before it can be allocated."
ALLOCATION_INVOICE_NOT_AUTHORISED = "Allocations can only be made against Authorised invoices."
ALLOCATION_AMOUNT_POSITIVE = "The allocation Amount must be greater than zero."
JOURNAL_NARRATION_REQUIRED = "Narration must be specified."
JOURNAL_TWO_LINES = "A manual journal must have at least two journal lines."
JOURNAL_STATUS_CREATE = "Manual journal not of valid status for creation"
JOURNAL_STATUS_MODIFY = "Manual journal not of valid status for modification"
JOURNAL_ACCOUNT_FORBIDDEN = "Account code '{code}' is a {what} and cannot be used in a manual journal."
BANK_ACCOUNT_INVALID = "The BankAccount must be an active account of type BANK."
BANK_TYPE_UNSUPPORTED = "BankTransaction Type '{value}' is not supported by this sandbox."
BANK_TRANSACTION_LOCKED = "This bank transaction cannot be edited as its prepayment has been allocated."
BANK_TRANSACTION_RECONCILED = "This bank transaction cannot be deleted as it has been reconciled."
ACCOUNT_CODE_UNIQUE = "Please enter a unique Code."
ACCOUNT_TYPE_INVALID = "'{value}' is not a valid account Type."
ONE_ACCOUNT_PER_CALL = "Only one account can be created per request."
# what breaks the spec's schema (sandbox/xero/request_schema.py); dates and numbers use the texts above
TOO_LONG = "{field} must not be more than {limit} characters long."
GUID_INVALID = "'{value}' is not a valid GUID for {field}."
VALUE_INVALID = "'{value}' is not a valid value for {field}."
TYPE_WRONG = "{field} must be {what}."
JSON_TYPE_NAMES = {"string": "text", "boolean": "true or false", "object": "an object", "array": "a list"}

# element flags: which field marks a failed element, per kind (as Xero's examples show)
ERROR_FLAG = {"Invoice": "HasErrors", "CreditNote": "HasErrors", "Contact": "HasValidationErrors",
              "Payment": "HasValidationErrors"}
EMPTY_ID = "00000000-0000-0000-0000-000000000000"


class Invalid(Exception):
    """One element failed Xero's validation. ``element`` is what to echo back (as far as it was
    understood); ``messages`` are the ValidationErrors."""

    def __init__(self, messages: list[str] | str, element: dict | None = None) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.element = element
        super().__init__("; ".join(self.messages))


class BadRequest(Exception):
    """A request Xero rejects before looking at elements (bad JSON, wrong envelope)."""

    def __init__(self, message: str, *, error_type: str = "PostDataInvalidException", number: int = 14) -> None:
        self.message = message
        self.error_type = error_type
        self.number = number
        super().__init__(message)


class NotFound(Exception):
    """An id in the path that does not exist: HTTP 404."""


def failed_element(kind: str, id_field: str | None, element: dict, messages: list[str]) -> dict:
    """The echo of a failed element with its ValidationErrors, as Xero returns it."""
    echo = dict(element)
    if id_field and not echo.get(id_field):
        echo[id_field] = EMPTY_ID
    flag = ERROR_FLAG.get(kind)
    if flag:
        echo[flag] = True
    echo["StatusAttributeString"] = "ERROR"
    echo["ValidationErrors"] = [{"Message": message} for message in messages]
    return echo


def validation_exception(elements: list[dict]) -> dict[str, Any]:
    return {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": elements}


def problem(status: int, title: str, detail: str, instance: str | None = None) -> dict[str, Any]:
    """The problem-details body Xero uses for 401/403/404/429/5xx."""
    body: dict[str, Any] = {"Type": None, "Title": title, "Status": status, "Detail": detail}
    if instance:
        body["Instance"] = instance
        body["Extensions"] = {}
    return body
