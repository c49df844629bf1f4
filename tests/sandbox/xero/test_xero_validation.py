"""Each validation rule answers with Xero's message text, in both error modes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.xero.conftest import Admin, XeroApi

NO_SUMMARY = {"summarizeErrors": "false"}


def messages(element: dict) -> list[str]:
    return [error["Message"] for error in element["ValidationErrors"]]


def rejected(api: XeroApi, method: str, path: str, key: str, doc: dict, **kw: Any) -> list[str]:
    """Send ``doc`` both ways: a summarized 400 ValidationException, and a per-element 200 under
    summarizeErrors=false. Both must carry the same messages; returns them."""
    summary = api.request(method, path, {key: [doc]}, **kw)
    assert summary.status_code == 400, summary.text
    body = summary.json()
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
        10, "ValidationException", "A validation exception occurred")
    summarized = messages(body["Elements"][0])
    per_element = api.request(method, path, {key: [doc]}, params={**kw.pop("params", {}), **NO_SUMMARY}, **kw)
    assert per_element.status_code == 200, per_element.text
    element = per_element.json()[key][0]
    assert element["StatusAttributeString"] == "ERROR"
    assert messages(element) == summarized
    return summarized


def invoice_doc(contact: dict, **fields: Any) -> dict:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-20",
            "DueDate": "2026-12-20", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Brake pads", "Quantity": 1, "UnitAmount": 80, "AccountCode": "200"}],
            **fields}


def test_duplicate_accrec_invoice_number(api: XeroApi) -> None:
    contact = api.contact()
    api.invoice(contact, InvoiceNumber="AX-1001")
    assert rejected(api, "PUT", "Invoices", "Invoices", invoice_doc(contact, InvoiceNumber="ax-1001")) == [
        "Invoice # must be unique."]
    bill = {**invoice_doc(contact, InvoiceNumber="SUP-77"), "Type": "ACCPAY"}
    api.one("PUT", "Invoices", "Invoices", bill)
    api.one("PUT", "Invoices", "Invoices", bill)  # supplier bill numbers may repeat


def test_duplicate_number_inside_one_batch(api: XeroApi) -> None:
    contact = api.contact()
    docs = [invoice_doc(contact, InvoiceNumber="AX-2000"), invoice_doc(contact, InvoiceNumber="AX-2000")]
    response = api.put("Invoices", {"Invoices": docs}, params=NO_SUMMARY)
    first, second = api.ok(response, "Invoices")
    assert first["StatusAttributeString"] == "OK"
    assert messages(second) == ["Invoice # must be unique."]


def test_unknown_and_unidentified_contact(api: XeroApi) -> None:
    missing = "3f0c6a4e-0000-4000-8000-000000000000"
    doc = invoice_doc({"ContactID": missing})
    assert rejected(api, "PUT", "Invoices", "Invoices", doc) == [
        f"The contact with ContactID '{missing}' could not be found."]
    no_contact = {k: v for k, v in invoice_doc({"ContactID": missing}).items() if k != "Contact"}
    assert rejected(api, "PUT", "Invoices", "Invoices", no_contact) == [
        "A Contact must be specified for this type of transaction"]
    unidentified = {**no_contact, "Contact": {"EmailAddress": "who@example.com"}}
    assert rejected(api, "PUT", "Invoices", "Invoices", unidentified) == [
        "The Contact must contain at least 1 of the following elements to identify the contact: "
        "Name, ContactID, ContactNumber"]


def test_archived_contact(api: XeroApi, admin: Admin) -> None:
    contact = api.contact("Old Customer")
    admin.act("archive-contact", {"ContactID": contact["ContactID"]})
    assert rejected(api, "PUT", "Invoices", "Invoices", invoice_doc(contact)) == [
        "The contact with the specified contact details has been archived. The contact must be un-archived "
        "before creating new invoices or credit notes."]


@pytest.mark.parametrize(("code", "expected"), [
    ("999", "Account code '999' is not a valid code for this document."),
    ("299", "Account code '299' has been archived, or has been deleted. Each line item must reference a "
            "valid account."),
])
def test_unknown_or_archived_account(api: XeroApi, code: str, expected: str) -> None:
    doc = invoice_doc(api.contact())
    doc["LineItems"][0]["AccountCode"] = code
    assert rejected(api, "PUT", "Invoices", "Invoices", doc) == [expected]


def test_tax_type_not_allowed_on_account(api: XeroApi) -> None:
    doc = invoice_doc(api.contact())
    doc["LineItems"][0]["TaxType"] = "INPUT"  # GST on Expenses on a revenue account
    assert rejected(api, "PUT", "Invoices", "Invoices", doc) == [
        "The TaxType code 'INPUT' cannot be used with account code '200'."]


def test_period_lock_date(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    admin.call("PUT", "organisation", {"PeriodLockDate": "2026-06-30"})
    lock = "The document date cannot be before the period lock date of 30 June 2026"
    assert rejected(api, "PUT", "Invoices", "Invoices", invoice_doc(contact, Date="2026-06-30")) == [lock]
    api.one("PUT", "Invoices", "Invoices", invoice_doc(contact, Date="2026-06-30", Status="DRAFT"))
    api.one("PUT", "Invoices", "Invoices", invoice_doc(contact, Date="2026-07-01"))
    invoice = api.invoice(contact, Date="2026-07-01")
    doc = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-06-15",
           "Amount": 10}
    assert rejected(api, "PUT", "Payments", "Payments", doc) == [lock]
    journal = {"Narration": "COGS", "Date": "2026-05-01", "Status": "POSTED",
               "JournalLines": [{"LineAmount": 5, "AccountCode": "310"}, {"LineAmount": -5, "AccountCode": "630"}]}
    assert rejected(api, "PUT", "ManualJournals", "ManualJournals", journal) == [lock]
    admin.call("PUT", "organisation", {"PeriodLockDate": None, "EndOfYearLockDate": "2026-06-30"})
    assert rejected(api, "PUT", "Invoices", "Invoices", invoice_doc(contact, Date="2026-01-01")) == [lock]


def test_payment_over_amount_due_and_on_draft(api: XeroApi) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)  # 100 + 10 GST
    over = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "615"}, "Date": "2026-11-21",
            "Amount": "110.01"}
    assert rejected(api, "PUT", "Payments", "Payments", over) == [
        "Payment amount exceeds the amount outstanding on this document"]
    draft = api.one("PUT", "Invoices", "Invoices", invoice_doc(contact, Status="DRAFT"))
    on_draft = {**over, "Invoice": {"InvoiceID": draft["InvoiceID"]}, "Amount": 1}
    assert rejected(api, "PUT", "Payments", "Payments", on_draft) == [
        "Payments can only be made against Authorised documents"]


def test_payment_account_must_take_payments(api: XeroApi) -> None:
    invoice = api.invoice(api.contact())
    doc = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "200"}, "Date": "2026-11-21",
           "Amount": 1}
    assert rejected(api, "PUT", "Payments", "Payments", doc) == [
        "Account code '200' cannot receive payments: use a BANK account or one with payments enabled."]


def test_unbalanced_journal(api: XeroApi) -> None:
    journal = {"Narration": "Stock adjustment", "Date": "2026-11-20", "Status": "POSTED",
               "JournalLines": [{"LineAmount": 100, "AccountCode": "630"}, {"LineAmount": -10, "AccountCode": "330"}]}
    assert rejected(api, "PUT", "ManualJournals", "ManualJournals", journal) == [
        "The total debits (100.00) must equal total credits (-10.00)"]


@pytest.mark.parametrize(("code", "what"), [("090", "bank account"), ("610", "system account"),
                                            ("800", "system account"), ("820", "system account")])
def test_journal_forbidden_accounts(api: XeroApi, code: str, what: str) -> None:
    journal = {"Narration": "Not allowed", "Date": "2026-11-20",
               "JournalLines": [{"LineAmount": 10, "AccountCode": code}, {"LineAmount": -10, "AccountCode": "330"}]}
    assert rejected(api, "PUT", "ManualJournals", "ManualJournals", journal) == [
        f"Account code '{code}' is a {what} and cannot be used in a manual journal."]


def test_journal_unknown_account_is_a_warning_that_unbalances(api: XeroApi) -> None:
    journal = {"Narration": "Typo", "Date": "2026-11-20",
               "JournalLines": [{"LineAmount": 10, "AccountCode": "476"}, {"LineAmount": -10, "AccountCode": "330"}]}
    response = api.put("ManualJournals", {"ManualJournals": [journal]}, params=NO_SUMMARY)
    element = api.ok(response, "ManualJournals")[0]
    assert [w["Message"] for w in element["Warnings"]] == [
        "Account code ''476'' has been removed as it does not match a recognised account."]
    assert "The total debits (0.00) must equal total credits (-10.00)" in messages(element)


def test_allocation_over_outstanding_and_to_paid_invoice(api: XeroApi) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)  # 110.00
    note = api.one("PUT", "CreditNotes", "CreditNotes", {
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-21",
        "Status": "AUTHORISED", "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 200,
                                               "AccountCode": "200"}]})
    path = f"CreditNotes/{note['CreditNoteID']}/Allocations"
    over = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": "110.01", "Date": "2026-11-21"}
    assert rejected(api, "PUT", path, "Allocations", over) == [
        "Credit Note cannot be allocated as amount is greater than amount outstanding"]
    api.one("PUT", path, "Allocations", {**over, "Amount": "110.00"})
    assert rejected(api, "PUT", path, "Allocations", {**over, "Amount": 1}) == [
        "The invoice you are trying to allocate to has already been paid off"]
    bill = api.one("PUT", "Invoices", "Invoices", {**invoice_doc(contact), "Type": "ACCPAY"})
    assert rejected(api, "PUT", path, "Allocations", {**over, "Invoice": {"InvoiceID": bill["InvoiceID"]},
                                                      "Amount": 1}) == [
        "Credit Note cannot be allocated to an incorrect invoice type"]


def test_editing_paid_or_credited_documents(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    paid = api.invoice(contact)
    api.ok(api.payment(paid, "110.00"), "Payments")
    edit = {"LineItems": [{"Description": "More", "Quantity": 2, "UnitAmount": 100, "AccountCode": "205"}]}
    assert rejected(api, "POST", f"Invoices/{paid['InvoiceID']}", "Invoices", edit) == [
        "Invoice not of valid status for modification",
        "This document cannot be edited as it has a payment or credit note allocated to it."]
    credited = api.invoice(contact)
    admin.act("credit-note", {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]},
                              "Date": "2026-11-21", "LineItems": [{"Description": "Goodwill", "Quantity": 1,
                                                                   "UnitAmount": 10, "AccountCode": "200"}],
                              "Allocations": [{"Invoice": {"InvoiceID": credited["InvoiceID"]}, "Amount": 11}]})
    assert rejected(api, "POST", f"Invoices/{credited['InvoiceID']}", "Invoices", edit) == [
        "This document cannot be edited as it has a payment or credit note allocated to it."]
    assert rejected(api, "POST", f"Invoices/{credited['InvoiceID']}", "Invoices", {"Status": "VOIDED"}) == [
        "The status VOIDED cannot be applied to the invoice because it has payments or credit notes allocated to it."]


@pytest.mark.parametrize("status", ["PAID", "VOIDED", "DELETED"])
def test_invalid_status_on_create(api: XeroApi, status: str) -> None:
    assert rejected(api, "PUT", "Invoices", "Invoices", invoice_doc(api.contact(), Status=status)) == [
        "Invoice not of valid status for creation"]


def test_missing_line_items(api: XeroApi) -> None:
    doc = {k: v for k, v in invoice_doc(api.contact()).items() if k != "LineItems"}
    assert rejected(api, "PUT", "Invoices", "Invoices", doc) == ["One or more line items must be specified"]
    assert rejected(api, "PUT", "Invoices", "Invoices", {**doc, "LineItems": []}) == [
        "One or more line items must be specified"]


def test_contact_rules(api: XeroApi) -> None:
    api.contact("Buzz Lightyear", ContactNumber="C-1")
    assert rejected(api, "PUT", "Contacts", "Contacts", {"Name": "buzz lightyear"}) == [
        "The contact name buzz lightyear is already assigned to another contact. The contact name must be unique "
        "across all active contacts."]
    assert rejected(api, "PUT", "Contacts", "Contacts", {"Name": "Woody", "ContactNumber": "C-1"}) == [
        "Another contact has this contact number. Please enter a different contact number."]
    assert rejected(api, "PUT", "Contacts", "Contacts", {"EmailAddress": "x@example.com"}) == [
        "Contact Name cannot be empty."]


def test_summarized_batch_is_all_or_nothing(api: XeroApi) -> None:
    contact = api.contact()
    good, bad = invoice_doc(contact, InvoiceNumber="OK-1"), invoice_doc(contact, InvoiceNumber="BAD-1")
    bad["LineItems"][0]["AccountCode"] = "999"
    response = api.put("Invoices", {"Invoices": [good, bad]})
    assert response.status_code == 400
    elements = response.json()["Elements"]
    assert len(elements) == 1 and elements[0]["InvoiceNumber"] == "BAD-1" and elements[0]["HasErrors"] is True
    assert elements[0]["InvoiceID"] == "00000000-0000-0000-0000-000000000000"
    assert api.ok(api.get("Invoices", params={"InvoiceNumbers": "OK-1"}), "Invoices") == []
    response = api.put("Invoices", {"Invoices": [good, bad]}, params={"summarizeErrors": "False"})
    saved, failed = api.ok(response, "Invoices")
    assert saved["StatusAttributeString"] == "OK" and saved["HasErrors"] is False
    assert failed["StatusAttributeString"] == "ERROR" and failed["HasErrors"] is True
    assert [d["InvoiceNumber"] for d in api.ok(api.get("Invoices"), "Invoices")] == ["OK-1"]


def test_contact_validation_flag(api: XeroApi) -> None:
    response = api.put("Contacts", {"Contacts": [{"Name": ""}]}, params=NO_SUMMARY)
    element = api.ok(response, "Contacts")[0]
    assert element["HasValidationErrors"] is True and element["ContactID"] == "00000000-0000-0000-0000-000000000000"
