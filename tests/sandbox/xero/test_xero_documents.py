"""Documents: tax and totals, money applied (payments, credit notes, prepayments), statuses, journals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.xero.dates import ms_of
from tests.sandbox.xero.conftest import Admin, XeroApi


def line(amount: Any, account: str = "200", **fields: Any) -> dict:
    return {"Description": "Line", "Quantity": 1, "UnitAmount": amount, "AccountCode": account, **fields}


def money(doc: dict, *keys: str) -> list[Decimal]:
    return [Decimal(str(doc[key])) for key in keys]


def test_exclusive_tax_is_rounded_per_line(api: XeroApi) -> None:
    invoice = api.invoice(api.contact(), [line("10.05"), line("10.05"), line("10.05")])
    assert [Decimal(str(li["TaxAmount"])) for li in invoice["LineItems"]] == [Decimal("1.01")] * 3
    assert money(invoice, "SubTotal", "TotalTax", "Total") == [Decimal("30.15"), Decimal("3.03"), Decimal("33.18")]


def test_inclusive_and_no_tax(api: XeroApi) -> None:
    contact = api.contact()
    inclusive = api.invoice(contact, [line("20.00"), line("9.99", TaxType="OUTPUT")], LineAmountTypes="Inclusive")
    assert [Decimal(str(li["TaxAmount"])) for li in inclusive["LineItems"]] == [Decimal("1.82"), Decimal("0.91")]
    assert money(inclusive, "SubTotal", "TotalTax", "Total") == [Decimal("27.26"), Decimal("2.73"), Decimal("29.99")]
    no_tax = api.invoice(contact, [line("20.00")], LineAmountTypes="NoTax")
    assert money(no_tax, "SubTotal", "TotalTax", "Total") == [Decimal("20.00"), Decimal("0.00"), Decimal("20.00")]


def test_line_amount_derivations_discounts_and_supplied_tax(api: XeroApi) -> None:
    invoice = api.invoice(api.contact(), [
        {"Description": "Tyres", "Quantity": 4, "UnitAmount": "50", "DiscountRate": 10, "AccountCode": "200"},
        {"Description": "Fitting", "LineAmount": "45.50", "AccountCode": "205"},
        {"Description": "Rounding", "Quantity": 1, "UnitAmount": "-0.01", "AccountCode": "861", "TaxType": "BASEXCLUDED"},
        {"Description": "Override", "Quantity": 1, "UnitAmount": 10, "AccountCode": "210", "TaxAmount": "0.99"},
        {"Description": "Just a note"},
    ])
    tyres, fitting, rounding, override, note = invoice["LineItems"]
    assert Decimal(str(tyres["LineAmount"])) == Decimal("180.00") and invoice["TotalDiscount"] == 20
    assert invoice["IsDiscounted"] is True
    assert (Decimal(str(fitting["Quantity"])), Decimal(str(fitting["UnitAmount"]))) == (1, Decimal("45.50"))
    assert Decimal(str(rounding["TaxAmount"])) == 0 and rounding["TaxType"] == "BASEXCLUDED"
    assert Decimal(str(override["TaxAmount"])) == Decimal("0.99")
    assert note["LineAmount"] == 0 and "AccountCode" not in note
    assert Decimal(str(invoice["Total"])) == Decimal("180.00") + Decimal("18.00") + Decimal("45.50") + Decimal(
        "4.55") - Decimal("0.01") + Decimal("10.00") + Decimal("0.99")


def test_unit_amount_precision_follows_unitdp(api: XeroApi) -> None:
    contact = api.contact()
    doc = {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-20",
           "LineItems": [line("1.2345", Quantity=3)]}
    four = api.one("PUT", "Invoices", "Invoices", doc, params={"unitdp": 4})
    assert '"UnitAmount":1.2345' in api.get(f"Invoices/{four['InvoiceID']}", params={"unitdp": "4"}).text
    assert '"UnitAmount":1.23,' in api.get(f"Invoices/{four['InvoiceID']}").text
    assert Decimal(str(four["LineItems"][0]["LineAmount"])) == Decimal("3.70")
    two = api.one("PUT", "Invoices", "Invoices", doc)  # without unitdp=4 the unit price is kept at 2 dp
    assert Decimal(str(two["LineItems"][0]["LineAmount"])) == Decimal("3.69")


def test_money_is_written_with_its_scale(api: XeroApi) -> None:
    invoice = api.invoice(api.contact(), [line(100)])
    text = api.get(f"Invoices/{invoice['InvoiceID']}").text
    assert '"Total":110.00' in text and '"Quantity":1.0000' in text and '"AmountPaid":0.00' in text


def test_payments_settle_and_unsettle_an_invoice(api: XeroApi) -> None:
    invoice = api.invoice(api.contact())  # 110.00
    first = api.ok(api.payment(invoice, "60.00", Reference="EFT 1"), "Payments")[0]
    assert first["PaymentType"] == "ACCRECPAYMENT" and first["Status"] == "AUTHORISED"
    part = api.fetch("Invoices", invoice["InvoiceID"])
    assert money(part, "AmountDue", "AmountPaid") == [Decimal("50.00"), Decimal("60.00")]
    assert part["Status"] == "AUTHORISED" and len(part["Payments"]) == 1
    second = api.ok(api.payment(invoice, "50.00", Date="2026-11-25"), "Payments")[0]
    paid = api.fetch("Invoices", invoice["InvoiceID"])
    assert paid["Status"] == "PAID" and paid["AmountDue"] == 0
    assert paid["FullyPaidOnDate"] == "/Date(1795564800000+0000)/"  # 2026-11-25
    deleted = api.one("POST", f"Payments/{second['PaymentID']}", "Payments", {"Status": "DELETED"})
    assert deleted["Status"] == "DELETED"
    back = api.fetch("Invoices", invoice["InvoiceID"])
    assert back["Status"] == "AUTHORISED" and Decimal(str(back["AmountDue"])) == Decimal("50.00")
    assert "FullyPaidOnDate" not in back
    statuses = {p["PaymentID"]: p["Status"] for p in api.ok(api.get("Payments"), "Payments")}
    assert statuses == {first["PaymentID"]: "AUTHORISED", second["PaymentID"]: "DELETED"}


def test_payment_by_invoice_number_and_bill_payment(api: XeroApi) -> None:
    contact = api.contact()
    api.invoice(contact, InvoiceNumber="AX-9")
    payment = api.one("PUT", "Payments", "Payments", {"Invoice": {"InvoiceNumber": "AX-9"}, "Account": {"Code": "090"},
                                                      "Date": "2026-11-21", "Amount": 110})
    assert payment["Invoice"]["InvoiceNumber"] == "AX-9"
    bill = api.one("PUT", "Invoices", "Invoices", {
        "Type": "ACCPAY", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-20", "Status": "AUTHORISED",
        "InvoiceNumber": "PO-1", "LineItems": [line(50, "630", TaxType="INPUT"), line(10, "320", TaxType="INPUT")]})
    paid = api.ok(api.payment(bill, "66.00"), "Payments")[0]
    assert paid["PaymentType"] == "ACCPAYPAYMENT"
    assert api.fetch("Invoices", bill["InvoiceID"])["Status"] == "PAID"
    assert api.fetch("Contacts", contact["ContactID"])["IsSupplier"] is True


def test_credit_note_allocation_and_removal(api: XeroApi) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)  # 110.00
    note = api.one("PUT", "CreditNotes", "CreditNotes", {
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-11-21",
        "Status": "AUTHORISED", "LineItems": [line(50)]})  # 55.00
    assert note["CreditNoteNumber"] == "CN-0001" and Decimal(str(note["RemainingCredit"])) == Decimal("55.00")
    allocation = api.one("PUT", f"CreditNotes/{note['CreditNoteID']}/Allocations", "Allocations",
                         {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": "55.00", "Date": "2026-11-22"})
    assert allocation["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    after = api.fetch("Invoices", invoice["InvoiceID"])
    assert money(after, "AmountDue", "AmountCredited", "AmountPaid") == [Decimal("55.00"), Decimal("55.00"), 0]
    assert after["CreditNotes"][0]["CreditNoteID"] == note["CreditNoteID"]
    spent = api.fetch("CreditNotes", note["CreditNoteID"])
    assert spent["Status"] == "PAID" and spent["RemainingCredit"] == 0 and len(spent["Allocations"]) == 1
    removed = api.request("DELETE", f"CreditNotes/{note['CreditNoteID']}/Allocations/{allocation['AllocationID']}")
    assert removed.status_code == 200 and removed.json()["IsDeleted"] is True
    assert api.fetch("Invoices", invoice["InvoiceID"])["AmountDue"] == 110
    assert api.fetch("CreditNotes", note["CreditNoteID"])["Status"] == "AUTHORISED"


def test_credit_note_fully_covering_an_invoice_marks_it_paid(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)
    admin.act("credit-note", {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]},
                              "Date": "2026-11-21", "LineItems": [line(100)],
                              "Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 110}]})
    paid = api.fetch("Invoices", invoice["InvoiceID"])
    assert paid["Status"] == "PAID" and paid["AmountCredited"] == 110 and paid["AmountPaid"] == 0


def test_prepayment_from_bank_transaction_and_allocation(api: XeroApi) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)  # 110.00
    deposit = api.one("PUT", "BankTransactions", "BankTransactions", {
        "Type": "RECEIVE-PREPAYMENT", "Contact": {"ContactID": contact["ContactID"]}, "BankAccount": {"Code": "090"},
        "Date": "2026-11-19", "Reference": "Job 42 deposit", "LineAmountTypes": "Inclusive",
        "LineItems": [{"Description": "Deposit", "LineAmount": "66.00", "AccountCode": "200"}]})
    prepayments = api.ok(api.get("Prepayments"), "Prepayments")
    assert [p["PrepaymentID"] for p in prepayments] == [deposit["PrepaymentID"]]
    assert Decimal(str(prepayments[0]["RemainingCredit"])) == Decimal("66.00")
    path = f"Prepayments/{deposit['PrepaymentID']}/Allocations"
    api.one("PUT", path, "Allocations", {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 66,
                                        "Date": "2026-11-20"})
    after = api.fetch("Invoices", invoice["InvoiceID"])
    assert money(after, "AmountDue", "AmountPaid") == [Decimal("44.00"), Decimal("66.00")]
    assert after["Prepayments"][0]["PrepaymentID"] == deposit["PrepaymentID"]
    assert api.fetch("Prepayments", deposit["PrepaymentID"])["Status"] == "PAID"
    api.ok(api.payment(invoice, "44.00"), "Payments")
    assert api.fetch("Invoices", invoice["InvoiceID"])["Status"] == "PAID"


def test_a_prepayment_is_deleted_only_once_unallocated_and_unreconciled(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)  # 110.00
    deposit = api.one("PUT", "BankTransactions", "BankTransactions", {
        "Type": "RECEIVE-PREPAYMENT", "Contact": {"ContactID": contact["ContactID"]}, "BankAccount": {"Code": "090"},
        "Date": "2026-11-19", "Reference": "Job 42 deposit", "LineAmountTypes": "Inclusive",
        "LineItems": [{"Description": "Deposit", "LineAmount": "66.00", "AccountCode": "200"}]})
    path = f"Prepayments/{deposit['PrepaymentID']}/Allocations"
    allocation = api.one("PUT", path, "Allocations", {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 66,
                                                      "Date": "2026-11-20"})
    delete = {"BankTransactions": [{"Status": "DELETED"}]}

    def refused(message: str) -> None:
        response = api.post(f"BankTransactions/{deposit['BankTransactionID']}", delete)
        assert response.status_code == 400
        assert response.json()["Elements"][0]["ValidationErrors"][0]["Message"] == message

    refused("This bank transaction cannot be edited as its prepayment has been allocated.")
    removed = api.request("DELETE", f"{path}/{allocation['AllocationID']}")
    assert removed.status_code == 200 and removed.json()["IsDeleted"] is True
    assert money(api.fetch("Invoices", invoice["InvoiceID"]), "AmountDue") == [Decimal("110.00")]
    # a bookkeeper reconciles the deposit against the bank statement: it cannot be deleted until unreconciled
    admin.act("reconcile-bank-transaction", {"PrepaymentID": deposit["PrepaymentID"]})
    refused("This bank transaction cannot be deleted as it has been reconciled.")
    api.one("POST", f"BankTransactions/{deposit['BankTransactionID']}", "BankTransactions", {"IsReconciled": False})
    deleted = api.one("POST", f"BankTransactions/{deposit['BankTransactionID']}", "BankTransactions",
                      {"Status": "DELETED"})
    assert deleted["Status"] == "DELETED"
    assert api.fetch("Prepayments", deposit["PrepaymentID"])["Status"] == "VOIDED"


def test_status_transitions(api: XeroApi) -> None:
    contact = api.contact()
    draft = api.one("PUT", "Invoices", "Invoices", {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
                                                    "LineItems": [line(10)]})
    assert draft["Status"] == "DRAFT" and draft["LineAmountTypes"] == "Exclusive"
    approved = api.one("POST", f"Invoices/{draft['InvoiceID']}", "Invoices", {"Status": "AUTHORISED"})
    assert approved["Status"] == "AUTHORISED"
    back = api.post(f"Invoices/{draft['InvoiceID']}", {"Invoices": [{"Status": "DRAFT"}]})
    assert back.status_code == 400
    assert back.json()["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice not of valid status for modification"
    voided = api.one("POST", f"Invoices/{draft['InvoiceID']}", "Invoices", {"Status": "VOIDED"})
    assert voided["Status"] == "VOIDED" and voided["AmountDue"] == 0
    other = api.one("PUT", "Invoices", "Invoices", {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
                                                    "LineItems": [line(10)]})
    assert api.one("POST", "Invoices", "Invoices", {"InvoiceID": other["InvoiceID"], "Status": "DELETED"})[
        "Status"] == "DELETED"
    zero = api.invoice(contact, [line(0)])
    assert zero["Status"] == "PAID"


def test_editing_an_authorised_invoice_changes_its_total(api: XeroApi) -> None:
    invoice = api.invoice(api.contact())
    line_id = invoice["LineItems"][0]["LineItemID"]
    edited = api.one("POST", "Invoices", "Invoices", {
        "InvoiceNumber": invoice["InvoiceNumber"], "Reference": "REG ABC123",
        "LineItems": [{"LineItemID": line_id, "Description": "Service", "Quantity": 1, "UnitAmount": 150,
                       "AccountCode": "205"}]})
    assert edited["InvoiceID"] == invoice["InvoiceID"] and edited["Total"] == 165
    assert edited["LineItems"][0]["LineItemID"] == line_id and edited["Reference"] == "REG ABC123"
    assert ms_of(edited["UpdatedDateUTC"]) > ms_of(invoice["UpdatedDateUTC"])


def test_manual_journals_on_current_accounts(api: XeroApi) -> None:
    journal = api.one("PUT", "ManualJournals", "ManualJournals", {
        "Narration": "COGS for invoice INV-0001", "Date": "2026-11-20", "Status": "POSTED",
        "JournalLines": [{"LineAmount": "8.00", "AccountCode": "310", "Description": "Oil"},
                         {"LineAmount": "-5.00", "AccountCode": "630"}, {"LineAmount": "-3.00", "AccountCode": "635"}]})
    assert journal["Status"] == "POSTED" and journal["LineAmountTypes"] == "NoTax"
    assert [li["AccountCode"] for li in journal["JournalLines"]] == ["310", "630", "635"]
    assert api.fetch("ManualJournals", journal["ManualJournalID"])["Narration"] == "COGS for invoice INV-0001"
    voided = api.one("POST", f"ManualJournals/{journal['ManualJournalID']}", "ManualJournals", {"Status": "VOIDED"})
    assert voided["Status"] == "VOIDED"
    draft = api.one("PUT", "ManualJournals", "ManualJournals", {
        "Narration": "Stocktake", "JournalLines": [{"LineAmount": 1, "AccountCode": "630"},
                                                   {"LineAmount": -1, "AccountCode": "330"}]})
    assert draft["Status"] == "DRAFT"


def test_contact_named_only_by_name_is_created(api: XeroApi) -> None:
    invoice = api.one("PUT", "Invoices", "Invoices", {"Type": "ACCREC", "Contact": {"Name": "Walk-in Customer"},
                                                      "LineItems": [line(10)]})
    contacts = api.ok(api.get("Contacts", params={"where": 'Name=="Walk-in Customer"'}), "Contacts")
    assert [c["ContactID"] for c in contacts] == [invoice["Contact"]["ContactID"]]
    assert contacts[0]["IsCustomer"] is True and contacts[0]["ContactGroups"] == []
    again = api.one("PUT", "Invoices", "Invoices", {"Type": "ACCREC", "Contact": {"Name": "walk-in customer"},
                                                    "LineItems": [line(10)]})
    assert again["Contact"]["ContactID"] == invoice["Contact"]["ContactID"]


def test_read_only_fields_in_requests_are_ignored(api: XeroApi) -> None:
    contact = api.contact(IsSupplier=True, HasValidationErrors=False, UpdatedDateUTC="/Date(0+0000)/")
    assert contact["IsSupplier"] is False and contact["UpdatedDateUTC"] != "/Date(0+0000)/"
    invoice = api.invoice(contact, SubTotal=1, Total=2, AmountDue=3, AmountPaid=4, HasErrors=False,
                          HasAttachments=False, Payments=[{"Amount": 5}], StatusAttributeString="OK")
    assert money(invoice, "Total", "AmountDue", "AmountPaid") == [Decimal("110.00"), Decimal("110.00"), 0]


def test_request_dates_in_three_formats(api: XeroApi) -> None:
    contact = api.contact()
    for value in ("2026-11-20", "2026-11-20T00:00:00", "/Date(1795132800000)/", "/Date(1795132800000+0000)/"):
        invoice = api.invoice(contact, Date=value, DueDate=value)
        assert invoice["Date"] == "/Date(1795132800000+0000)/" and invoice["DateString"] == "2026-11-20T00:00:00"


def test_updated_date_changes_on_every_modification(api: XeroApi, admin: Admin) -> None:
    contact = api.contact()
    invoice = api.invoice(contact)
    stamps = [ms_of(invoice["UpdatedDateUTC"])]

    def latest() -> int:
        stamp = ms_of(api.fetch("Invoices", invoice["InvoiceID"])["UpdatedDateUTC"])
        assert stamp is not None and stamp > stamps[-1]
        stamps.append(stamp)
        return stamp

    payment = api.ok(api.payment(invoice, 10), "Payments")[0]
    latest()
    admin.act("delete-payment", {"PaymentID": payment["PaymentID"]})
    latest()
    admin.act("edit-invoice", {"InvoiceID": invoice["InvoiceID"], "SetLine": {"Index": 0, "UnitAmount": 120}})
    latest()
    admin.act("credit-note", {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]},
                              "LineItems": [line(10)], "Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                                                        "Amount": 11}]})
    latest()
    before = ms_of(api.fetch("Contacts", contact["ContactID"])["UpdatedDateUTC"])
    admin.act("archive-contact", {"ContactID": contact["ContactID"]})
    assert ms_of(api.fetch("Contacts", contact["ContactID"])["UpdatedDateUTC"]) > before


def test_contact_updates_merge_and_archive(api: XeroApi, admin: Admin) -> None:
    kept = api.contact("Jane Citizen", Phones=[{"PhoneType": "MOBILE", "PhoneNumber": "0400 000 000"}])
    assert {p["PhoneType"] for p in kept["Phones"]} == {"DEFAULT", "DDI", "FAX", "MOBILE"}
    dup = api.contact("J Citizen")
    invoice = api.invoice(dup)
    updated = api.one("POST", f"Contacts/{kept['ContactID']}", "Contacts", {"EmailAddress": "jane@example.com"})
    assert updated["EmailAddress"] == "jane@example.com" and updated["Name"] == "Jane Citizen"
    merged = admin.act("merge-contacts", {"ContactID": dup["ContactID"], "IntoContactID": kept["ContactID"]})
    assert merged["Contacts"][0]["MergedToContactID"] == kept["ContactID"]
    assert merged["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert api.fetch("Invoices", invoice["InvoiceID"])["Contact"]["ContactID"] == kept["ContactID"]
    assert [c["Name"] for c in api.ok(api.get("Contacts"), "Contacts")] == ["Jane Citizen"]
    with_archived = api.ok(api.get("Contacts", params={"includeArchived": "true"}), "Contacts")
    assert {c["Name"] for c in with_archived} == {"Jane Citizen", "J Citizen"}
    restored = api.one("POST", "Contacts", "Contacts", {"ContactID": dup["ContactID"], "ContactStatus": "ACTIVE"})
    assert restored["ContactStatus"] == "ACTIVE"


def test_items_feed_invoice_lines(api: XeroApi) -> None:
    item = api.one("PUT", "Items", "Items", {"Code": "OIL-5W30", "Name": "Engine oil 5W-30", "Description": "Oil (L)",
                                             "SalesDetails": {"UnitPrice": "15.00", "AccountCode": "200",
                                                              "TaxType": "OUTPUT"}})
    invoice = api.invoice(api.contact(), [{"ItemCode": "OIL-5W30", "Quantity": 4}])
    assert invoice["LineItems"][0]["Description"] == "Oil (L)" and invoice["Total"] == 66
    assert api.fetch("Items", item["ItemID"])["Code"] == "OIL-5W30"
    assert api.fetch("Items", "OIL-5W30")["ItemID"] == item["ItemID"]
