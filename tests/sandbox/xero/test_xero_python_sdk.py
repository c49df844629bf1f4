"""Xero's official Python SDK against a served sandbox, retargeted by base URL alone.

xero-python has no host setting: every API class takes ``base_url`` and the token URLs are
class attributes of ``TokenApi`` (team reference §8). With those pointed at 127.0.0.1 the SDK
authenticates, lists and pages, writes contacts, invoices, credit notes with allocations, payments
and manual journals, and reads back what it wrote. Its deserialiser is strict (MS-JSON dates,
enum values), so merely reading the responses back checks their shape too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from xero_python.accounting import Account as XeroAccount
from xero_python.accounting import (
    AccountingApi,
    Allocation,
    Allocations,
    BankTransaction,
    BankTransactions,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    Item,
    Items,
    LineAmountTypes,
    LineItem,
    ManualJournal,
    ManualJournalLine,
    ManualJournals,
    Payment,
    PaymentDelete,
    Purchase,
)
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException, NotFoundException
from xero_python.identity import IdentityApi

from sandbox.embedded import forget_apps
from sandbox.xero import request_log, state
from sandbox.xero.app import connection_info, create_app


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, serve_app: Any) -> Iterator[dict]:
    state_dir = tmp_path_factory.mktemp("xero-sdk") / "state"
    with serve_app(create_app(state_dir)) as base:
        yield {**connection_info(state_dir, base), "state_dir": state_dir, "base": base}
    forget_apps()
    state.forget()


@pytest.fixture
def sdk(served: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[AccountingApi, IdentityApi, dict]:
    monkeypatch.setattr(TokenApi, "client_credentials_token_url", served["token_url"])
    monkeypatch.setattr(TokenApi, "refresh_token_url", served["token_url"])
    store: dict[str, Any] = {}
    client = ApiClient(Configuration(oauth2_token=OAuth2Token(client_id=served["client_id"],
                                                              client_secret=served["client_secret"])),
                       pool_threads=1, oauth2_token_getter=lambda: store.get("token"),
                       oauth2_token_saver=lambda token: store.update(token=token))
    client.get_client_credentials_token()
    assert store["token"]["access_token"]
    accounting = AccountingApi(client, base_url=served["base_url"])
    identity = IdentityApi(client, base_url=served["base"])
    return accounting, identity, served


def test_authenticate_and_connections(sdk: tuple) -> None:
    accounting, identity, served = sdk
    [connection] = identity.get_connections()
    assert str(connection.tenant_id) == served["tenant_id"] and connection.tenant_type == "ORGANISATION"
    [org] = accounting.get_organisations(served["tenant_id"]).organisations
    assert org.name and org.base_currency.value == "AUD" and org.country_code.value == "AU"
    accounts = accounting.get_accounts(served["tenant_id"], where='Type=="BANK"').accounts
    assert {a.code for a in accounts} == {"090", "091"}
    rates = {r.tax_type for r in accounting.get_tax_rates(served["tenant_id"]).tax_rates}
    assert {"OUTPUT", "INPUT", "BASEXCLUDED"} <= rates
    assert len(accounting.get_tracking_categories(served["tenant_id"]).tracking_categories) == 2
    assert [c.code.value for c in accounting.get_currencies(served["tenant_id"]).currencies] == ["AUD"]


def test_refresh_token_flow_rotates(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TokenApi, "refresh_token_url", served["token_url"])
    info = connection_info(served["state_dir"], served["base"])
    saved: dict[str, Any] = {"token": {"access_token": "expired", "refresh_token": info["refresh_token"],
                                       "scope": ["offline_access", "accounting.transactions"], "expires_in": 1800,
                                       "token_type": "Bearer", "expires_at": 0}}
    client = ApiClient(Configuration(oauth2_token=OAuth2Token(client_id=info["client_id"],
                                                              client_secret=info["client_secret"])),
                       pool_threads=1, oauth2_token_getter=lambda: saved["token"],
                       oauth2_token_saver=lambda token: saved.update(token=token))
    accounting = AccountingApi(client, base_url=info["base_url"])
    assert accounting.get_organisations(info["tenant_id"]).organisations  # refreshed on the way
    assert saved["token"]["refresh_token"] != info["refresh_token"]


def test_writes_and_reads_back(sdk: tuple) -> None:
    accounting, _identity, served = sdk
    tenant = served["tenant_id"]
    contacts = accounting.create_contacts(tenant, Contacts(contacts=[
        Contact(name="SDK Motors", email_address="sdk@example.com", contact_number="SDK-1")]),
        summarize_errors=False, idempotency_key="sdk-contacts-1").contacts
    contact = contacts[0]
    assert contact.contact_id and contact.status_attribute_string == "OK"
    assert accounting.get_contact(tenant, contact.contact_id).contacts[0].email_address == "sdk@example.com"

    lines = [LineItem(description="Brake pads", quantity=Decimal("2"), unit_amount=Decimal("45.50"),
                      account_code="200", tax_type="OUTPUT"),
             LineItem(description="Labour", quantity=Decimal("1.5"), unit_amount=Decimal("110"), account_code="205")]
    invoice = Invoice(type="ACCREC", contact=Contact(contact_id=contact.contact_id), date=date(2026, 11, 20),
                      due_date=date(2026, 12, 20), line_items=lines, reference="REG SDK123", invoice_number="SDK-INV-1",
                      status="AUTHORISED", line_amount_types=LineAmountTypes.EXCLUSIVE)
    created = accounting.create_invoices(tenant, Invoices(invoices=[invoice]), summarize_errors=False, unitdp=4,
                                         idempotency_key="sdk-invoices-1").invoices[0]
    assert created.total == Decimal("281.60") and created.total_tax == Decimal("25.60")
    read = accounting.get_invoice(tenant, created.invoice_id).invoices[0]
    assert (read.invoice_number, read.reference, read.date, read.due_date) == (
        "SDK-INV-1", "REG SDK123", date(2026, 11, 20), date(2026, 12, 20))
    assert [(li.description, li.quantity, li.unit_amount, li.line_amount, li.tax_amount) for li in read.line_items] == [
        ("Brake pads", Decimal("2.0000"), Decimal("45.50"), Decimal("91.00"), Decimal("9.10")),
        ("Labour", Decimal("1.5000"), Decimal("110.00"), Decimal("165.00"), Decimal("16.50"))]
    assert read.status == "AUTHORISED" and read.amount_due == Decimal("281.60")

    note = accounting.create_credit_notes(tenant, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(contact_id=contact.contact_id), date=date(2026, 11, 21),
        status="AUTHORISED", line_items=[LineItem(description="Goodwill", quantity=Decimal("1"),
                                                  unit_amount=Decimal("20"), account_code="200")])]),
        summarize_errors=False).credit_notes[0]
    allocation = accounting.create_credit_note_allocation(tenant, note.credit_note_id, Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=created.invoice_id), amount=Decimal("22.00"),
                   date=date(2026, 11, 21))])).allocations[0]
    assert allocation.amount == Decimal("22.00")

    payment = accounting.create_payment(tenant, Payment(
        invoice=Invoice(invoice_id=created.invoice_id), account=XeroAccount(code="615"), date=date(2026, 11, 22),
        amount=Decimal("259.60"), reference="EFTPOS")).payments[0]
    settled = accounting.get_invoice(tenant, created.invoice_id).invoices[0]
    assert settled.status == "PAID" and settled.amount_due == 0
    assert (settled.amount_paid, settled.amount_credited) == (Decimal("259.60"), Decimal("22.00"))
    assert settled.fully_paid_on_date == date(2026, 11, 22)
    accounting.delete_payment(tenant, payment.payment_id, PaymentDelete(status="DELETED"))
    assert accounting.get_invoice(tenant, created.invoice_id).invoices[0].status == "AUTHORISED"
    deleted = accounting.get_payment(tenant, payment.payment_id).payments[0]
    assert deleted.status == "DELETED"

    journal = accounting.create_manual_journals(tenant, ManualJournals(manual_journals=[ManualJournal(
        narration="COGS for invoice SDK-INV-1", date=date(2026, 11, 20), status="POSTED",
        journal_lines=[ManualJournalLine(line_amount=Decimal("60.00"), account_code="310"),
                       ManualJournalLine(line_amount=Decimal("-60.00"), account_code="630")])])).manual_journals[0]
    read_journal = accounting.get_manual_journal(tenant, journal.manual_journal_id).manual_journals[0]
    assert read_journal.narration == "COGS for invoice SDK-INV-1"
    assert [(li.account_code, li.line_amount) for li in read_journal.journal_lines] == [
        ("310", Decimal("60.00")), ("630", Decimal("-60.00"))]
    keys = {e["idempotency_key"] for e in request_log(served["state_dir"], method="PUT")}
    assert {"sdk-contacts-1", "sdk-invoices-1"} <= keys


def test_list_page_and_filter(sdk: tuple) -> None:
    accounting, _identity, served = sdk
    tenant = served["tenant_id"]
    batch = [Contact(name=f"Paged Customer {n:03d}") for n in range(120)]
    accounting.create_contacts(tenant, Contacts(contacts=batch))
    first = accounting.get_contacts(tenant, page=1, include_archived=True)
    assert len(first.contacts) == 100 and first.pagination.page_count >= 2
    second = accounting.get_contacts(tenant, page=2, page_size=100)
    names = {c.name for c in first.contacts} | {c.name for c in second.contacts}
    assert {f"Paged Customer {n:03d}" for n in range(120)} <= names
    since = first.contacts[-1].updated_date_utc
    changed = accounting.get_contacts(tenant, if_modified_since=since, where='Name.StartsWith("Paged")',
                                      order="UpdatedDateUTC ASC")
    assert changed.contacts and all(c.updated_date_utc >= since for c in changed.contacts)
    invoices = accounting.get_invoices(tenant, statuses=["AUTHORISED", "PAID"], page=1, page_size=1000,
                                       summary_only=False, unitdp=4)
    assert invoices.pagination.page_size == 1000


def test_errors_surface_as_sdk_exceptions(sdk: tuple) -> None:
    accounting, _identity, served = sdk
    tenant = served["tenant_id"]
    contact = accounting.create_contacts(tenant, Contacts(contacts=[Contact(name="SDK Errors")])).contacts[0]
    duplicate = Invoice(type="ACCREC", contact=Contact(contact_id=contact.contact_id), invoice_number="SDK-DUP",
                        line_items=[LineItem(description="x", quantity=Decimal(1), unit_amount=Decimal(1),
                                             account_code="200")])
    accounting.create_invoices(tenant, Invoices(invoices=[duplicate]))
    with pytest.raises(AccountingBadRequestException) as error:
        accounting.create_invoices(tenant, Invoices(invoices=[duplicate]))
    assert error.value.error_data["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    assert error.value.reason == "Invoice # must be unique."
    per_element = accounting.create_invoices(tenant, Invoices(invoices=[duplicate]), summarize_errors=False)
    assert per_element.invoices[0].has_errors is True
    assert per_element.invoices[0].validation_errors[0].message == "Invoice # must be unique."
    with pytest.raises(NotFoundException):
        accounting.get_invoice(tenant, "3f0c6a4e-0000-4000-8000-000000000000")


def test_state_written_by_the_sdk_is_visible_embedded(sdk: tuple, served: dict) -> None:
    accounting, _identity, _served = sdk
    created = accounting.create_contacts(served["tenant_id"], Contacts(contacts=[Contact(name="Seen Everywhere")]))
    from sandbox.xero.state import open_state

    with open_state(Path(served["state_dir"])).read() as tx:
        assert tx.get("Contact", str(created.contacts[0].contact_id))["Name"] == "Seen Everywhere"


def test_reads_of_every_document_kind_deserialise(sdk: tuple) -> None:
    """The SDK's strict deserialiser (enums, MS dates) accepts every kind the sandbox returns."""
    accounting, _identity, served = sdk
    tenant = served["tenant_id"]
    contact = accounting.create_contacts(tenant, Contacts(contacts=[Contact(name="SDK Deposits")])).contacts[0]
    invoice = accounting.create_invoices(tenant, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(contact_id=contact.contact_id), status="AUTHORISED", date=date(2026, 11, 20),
        line_items=[LineItem(description="Job", quantity=Decimal(1), unit_amount=Decimal(100),
                             account_code="205")])])).invoices[0]
    deposit = accounting.create_bank_transactions(tenant, BankTransactions(bank_transactions=[BankTransaction(
        type="RECEIVE-PREPAYMENT", contact=Contact(contact_id=contact.contact_id),
        bank_account=XeroAccount(code="090"), date=date(2026, 11, 19),
        line_items=[LineItem(description="Deposit", line_amount=Decimal(50), account_code="200")])])).bank_transactions[0]
    accounting.create_prepayment_allocations(tenant, deposit.prepayment_id, Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=invoice.invoice_id), amount=Decimal(55), date=date(2026, 11, 20))]))
    accounting.create_items(tenant, Items(items=[Item(code="SDK-ITEM", name="SDK item",
                                                      sales_details=Purchase(unit_price=Decimal("9.95")))]))
    prepayments = accounting.get_prepayments(tenant, page=1).prepayments
    assert [(p.status, p.remaining_credit) for p in prepayments if p.prepayment_id == deposit.prepayment_id] == [
        ("PAID", Decimal("0.00"))]
    assert accounting.get_bank_transactions(tenant, page=1).bank_transactions
    assert accounting.get_invoice(tenant, invoice.invoice_id).invoices[0].amount_paid == Decimal("55.00")
    assert accounting.get_items(tenant).items[0].sales_details.unit_price == Decimal("9.95")
    assert accounting.get_credit_notes(tenant, page=1).credit_notes is not None
    assert accounting.get_payments(tenant, page=1).payments is not None
    assert accounting.get_manual_journals(tenant, page=1).manual_journals is not None
