"""Each kind of document Xero refuses, refused by the Xero sandbox, gets the error class and code a
person acts on (``pipelines/sync/errors.py``); the message kept is Xero's own text."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import sandbox.xero
from pipelines.sync.errors import NEEDS_PERSON, classify_xero_validation
from pipelines.xero.auth import XeroCredentials
from pipelines.xero.client import XeroClient, XeroEndpoints, validation_messages
from sandbox.embedded import forget_apps, transport

BASE = "http://xero.sandbox"


class Xero(XeroClient):
    """The project's Xero client on a fresh sandbox, and the sandbox's admin surface."""

    def __init__(self, state: Path) -> None:
        info = sandbox.xero.credentials(state)
        super().__init__(XeroCredentials(info["client_id"], info["client_secret"]), tenant_id=info["tenant_id"],
                         endpoints=XeroEndpoints(f"{BASE}/api.xro/2.0", f"{BASE}/connect/token", f"{BASE}/connections"),
                         transport=transport("xero", state))
        self.admin = httpx.Client(transport=transport("xero", state), base_url=f"{BASE}/admin")
        self.keys = itertools.count()


@pytest.fixture
def xero(tmp_path: Path) -> Iterator[Xero]:
    yield Xero(tmp_path / "xero")
    forget_apps()


def admin(xero: Xero, method: str, path: str, body: dict) -> None:
    response = xero.admin.request(method, f"/{path}", json=body)
    assert response.status_code == 200, response.text


def write(xero: Xero, endpoint: str, doc: dict[str, Any]) -> dict[str, Any]:
    return xero.write("PUT", endpoint, endpoint, [doc], idempotency_key=f"test-{next(xero.keys)}")[0]


def contact(xero: Xero, name: str = "Jane Citizen") -> str:
    return write(xero, "Contacts", {"Name": name})["ContactID"]


def invoice(contact_id: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Date": "2026-11-20", "DueDate": "2026-12-20",
            "Status": "AUTHORISED", "LineItems": [{"Description": "Service", "Quantity": 1, "UnitAmount": 100,
                                                   "AccountCode": "205", "TaxType": "OUTPUT"}], **fields}


def duplicate_number(xero: Xero) -> dict:
    write(xero, "Invoices", invoice(contact(xero), InvoiceNumber="INV-100418"))
    return write(xero, "Invoices", invoice(contact(xero, "Sam Other"), InvoiceNumber="INV-100418"))


def archived_contact(xero: Xero) -> dict:
    archived = contact(xero, "Brooke Cannon")
    admin(xero, "POST", "actions/archive-contact", {"ContactID": archived})
    return write(xero, "Invoices", invoice(archived))


def unknown_account(xero: Xero) -> dict:
    doc = invoice(contact(xero))
    doc["LineItems"][0]["AccountCode"] = "999"
    return write(xero, "Invoices", doc)


def wrong_tax_type(xero: Xero) -> dict:
    doc = invoice(contact(xero))
    doc["LineItems"][0].update(AccountCode="200", TaxType="INPUT")
    return write(xero, "Invoices", doc)


def locked_period(xero: Xero) -> dict:  # the lock date moved after the sink read it
    admin(xero, "PUT", "organisation", {"PeriodLockDate": "2026-11-30"})
    return write(xero, "Invoices", invoice(contact(xero)))


def payment_over_amount_due(xero: Xero) -> dict:
    invoice_id = write(xero, "Invoices", invoice(contact(xero)))["InvoiceID"]
    return write(xero, "Payments", {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "615"},
                                    "Date": "2026-11-21", "Amount": "110.01"})


def payment_on_a_draft(xero: Xero) -> dict:
    invoice_id = write(xero, "Invoices", invoice(contact(xero), Status="DRAFT"))["InvoiceID"]
    return write(xero, "Payments", {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "615"},
                                    "Date": "2026-11-21", "Amount": "1.00"})


def unbalanced_journal(xero: Xero) -> dict:
    return write(xero, "ManualJournals", {
        "Narration": "COGS for invoice INV-1", "Date": "2026-11-20", "Status": "POSTED",
        "JournalLines": [{"LineAmount": 100, "AccountCode": "310"}, {"LineAmount": -10, "AccountCode": "630"}]})


@pytest.mark.parametrize(("refused", "code", "message"), [
    (duplicate_number, "duplicate_number", "Invoice # must be unique."),
    (archived_contact, "contact_archived", "The contact with the specified contact details has been archived. The "
                                           "contact must be un-archived before creating new invoices or credit notes."),
    (unknown_account, "invalid_account", "Account code '999' is not a valid code for this document."),
    (wrong_tax_type, "invalid_tax_type", "The TaxType code 'INPUT' cannot be used with account code '200'."),
    (locked_period, "period_locked", "The document date cannot be before the period lock date of 30 November 2026"),
    (payment_over_amount_due, "amount_exceeds_due", "Payment amount exceeds the amount outstanding on this document"),
    (payment_on_a_draft, "document_not_authorised", "Payments can only be made against Authorised documents"),
    (unbalanced_journal, "journal_unbalanced", "The total debits (100.00) must equal total credits (-10.00)"),
], ids=lambda value: value.__name__ if callable(value) else None)
def test_a_refused_document_needs_a_person_with_xeros_text(xero: Xero, refused: Callable[[Xero], dict],
                                                            code: str, message: str) -> None:
    element = refused(xero)
    assert element["StatusAttributeString"] == "ERROR"
    classified = classify_xero_validation(validation_messages(element))
    assert (classified.error_class, classified.code, classified.message) == (NEEDS_PERSON, code, message)
    assert classified.hint  # the hint text is quoted in docs/write-path.md, "Bad input, counted"
