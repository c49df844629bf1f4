"""A tour of every operation the sandbox serves, each response validated against Xero's OpenAPI
spec (the ``api`` fixture validates every response; this test proves each operation was among
them, success and validation-failure answers alike)."""

from __future__ import annotations

from collections import Counter

from tests.sandbox.xero.conftest import Admin, XeroApi
from tests.sandbox.xero.openapi_check import XeroContract

LINE = {"Description": "Service", "Quantity": 1, "UnitAmount": 100, "AccountCode": "205"}
EXPECTED = {
    "getOrganisations 200", "getAccounts 200", "getAccount 200", "createAccount 200", "updateAccount 200",
    "deleteAccount 200", "getTaxRates 200", "getTrackingCategories 200", "getTrackingCategory 200",
    "getCurrencies 200", "getContacts 200", "getContact 200", "createContacts 200", "createContacts 400",
    "updateOrCreateContacts 200", "updateContact 200", "getInvoices 200", "getInvoice 200", "createInvoices 200",
    "createInvoices 400", "updateOrCreateInvoices 200", "updateInvoice 200", "updateInvoice 400",
    "getCreditNotes 200", "getCreditNote 200", "createCreditNotes 200", "updateOrCreateCreditNotes 200",
    "updateCreditNote 200", "createCreditNoteAllocation 200", "createCreditNoteAllocation 400",
    "deleteCreditNoteAllocations 200", "getPayments 200", "getPayment 200", "createPayments 200",
    "createPayments 400", "createPayment 200", "deletePayment 200", "getManualJournals 200",
    "getManualJournal 200", "createManualJournals 200", "createManualJournals 400",
    "updateOrCreateManualJournals 200", "updateManualJournal 200", "getBankTransactions 200",
    "getBankTransaction 200", "createBankTransactions 200", "updateBankTransaction 200", "getPrepayments 200",
    "getPrepayment 200", "createPrepaymentAllocations 200", "deletePrepaymentAllocations 200", "getItems 200",
    "getItem 200", "createItems 200", "updateOrCreateItems 200", "updateItem 200",
}


def test_every_operation_answers_in_the_spec_shape(api: XeroApi, admin: Admin, contract: XeroContract) -> None:
    before = Counter(contract.checked)
    tenant_contact = api.contact("Tour Customer", ContactNumber="TOUR-1")
    cid = tenant_contact["ContactID"]
    api.get("Organisation")
    accounts = api.ok(api.get("Accounts"), "Accounts")
    api.get(f"Accounts/{accounts[0]['AccountID']}")
    account = api.one("PUT", "Accounts", "Accounts", {"Code": "455", "Name": "Tour Account", "Type": "OVERHEADS"})
    api.one("POST", f"Accounts/{account['AccountID']}", "Accounts", {"Name": "Tour Account Renamed"})
    assert api.request("DELETE", f"Accounts/{account['AccountID']}").status_code == 200
    api.get("TaxRates")
    tracking = api.ok(api.get("TrackingCategories"), "TrackingCategories")
    api.get(f"TrackingCategories/{tracking[0]['TrackingCategoryID']}")
    api.get("Currencies")

    api.get("Contacts", params={"page": 1})
    api.get(f"Contacts/{cid}")
    api.put("Contacts", {"Contacts": [{"Name": "Tour Customer"}]})  # 400: name taken
    api.one("POST", "Contacts", "Contacts", {"ContactID": cid, "FirstName": "Tour"})
    api.one("POST", f"Contacts/{cid}", "Contacts", {"LastName": "Customer"})

    invoice = api.invoice(tenant_contact, [LINE])
    api.get("Invoices", params={"page": 1, "pageSize": 10})
    api.get(f"Invoices/{invoice['InvoiceID']}")
    api.put("Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": cid}}]})  # 400: no lines
    api.one("POST", "Invoices", "Invoices", {"InvoiceID": invoice["InvoiceID"], "Reference": "Tour"})
    api.one("POST", f"Invoices/{invoice['InvoiceID']}", "Invoices", {"Reference": "Tour 2"})
    api.post(f"Invoices/{invoice['InvoiceID']}", {"Invoices": [{"Status": "DRAFT"}]})  # 400

    note = api.one("PUT", "CreditNotes", "CreditNotes", {"Type": "ACCRECCREDIT", "Contact": {"ContactID": cid},
                                                         "Status": "AUTHORISED", "LineItems": [LINE]})
    api.get("CreditNotes", params={"page": 1})
    api.get(f"CreditNotes/{note['CreditNoteID']}")
    api.one("POST", "CreditNotes", "CreditNotes", {"CreditNoteID": note["CreditNoteID"], "Reference": "Tour"})
    api.one("POST", f"CreditNotes/{note['CreditNoteID']}", "CreditNotes", {"Reference": "Tour 2"})
    allocations = f"CreditNotes/{note['CreditNoteID']}/Allocations"
    api.put(allocations, {"Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 500}]})  # 400
    allocation = api.one("PUT", allocations, "Allocations",
                         {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 10, "Date": "2026-11-21"})
    assert api.request("DELETE", f"{allocations}/{allocation['AllocationID']}").status_code == 200

    payment = api.ok(api.payment(invoice, 10), "Payments")[0]
    api.payment(invoice, 1000)  # 400
    api.one("POST", "Payments", "Payments", {"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                             "Account": {"Code": "090"}, "Amount": 5})
    api.get("Payments", params={"page": 1})
    api.get(f"Payments/{payment['PaymentID']}")
    api.one("POST", f"Payments/{payment['PaymentID']}", "Payments", {"Status": "DELETED"})

    lines = [{"LineAmount": 10, "AccountCode": "310"}, {"LineAmount": -10, "AccountCode": "630"}]
    journal = api.one("PUT", "ManualJournals", "ManualJournals", {"Narration": "Tour", "JournalLines": lines})
    api.put("ManualJournals", {"ManualJournals": [{"Narration": "Unbalanced", "JournalLines": lines[:1] * 2}]})
    api.get("ManualJournals", params={"page": 1})
    api.get(f"ManualJournals/{journal['ManualJournalID']}")
    api.one("POST", "ManualJournals", "ManualJournals", {"ManualJournalID": journal["ManualJournalID"],
                                                         "Narration": "Tour 2"})
    api.one("POST", f"ManualJournals/{journal['ManualJournalID']}", "ManualJournals", {"Status": "POSTED"})

    deposit = api.one("PUT", "BankTransactions", "BankTransactions", {
        "Type": "RECEIVE-PREPAYMENT", "Contact": {"ContactID": cid}, "BankAccount": {"Code": "090"},
        "LineItems": [{"Description": "Deposit", "LineAmount": 20, "AccountCode": "200"}]})
    api.get("BankTransactions", params={"page": 1})
    api.get(f"BankTransactions/{deposit['BankTransactionID']}")
    api.one("POST", f"BankTransactions/{deposit['BankTransactionID']}", "BankTransactions", {"Reference": "Dep"})
    api.get("Prepayments", params={"page": 1})
    api.get(f"Prepayments/{deposit['PrepaymentID']}")
    prepaid = f"Prepayments/{deposit['PrepaymentID']}/Allocations"
    allocation = api.one("PUT", prepaid, "Allocations",
                         {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 5, "Date": "2026-11-21"})
    assert api.request("DELETE", f"{prepaid}/{allocation['AllocationID']}").status_code == 200

    item = api.one("PUT", "Items", "Items", {"Code": "TOUR", "Name": "Tour item"})
    api.get("Items")
    api.get(f"Items/{item['ItemID']}")
    api.one("POST", "Items", "Items", {"Code": "TOUR", "Description": "Described"})
    api.one("POST", f"Items/{item['ItemID']}", "Items", {"Name": "Tour item 2"})

    seen = {key for key, count in contract.checked.items() if count > before.get(key, 0)}
    assert EXPECTED - seen == set()
