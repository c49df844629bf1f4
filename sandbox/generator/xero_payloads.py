"""The Xero organisation as the integration left it: Xero-shaped documents for
``sandbox.xero.seed`` (contacts, the synced invoices, bills, credit notes, deposits as
prepayments, payments, COGS and stock journals) plus the Xero-side actions planted in the window.

Every synced Auxo document appears here with the Xero id the Auxo record carries, so the two
sandboxes agree. Account codes are the defaults of ``mappings/accounts.yaml`` (the chart of
accounts in docs/architecture.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from sandbox.auxo.money import format_money
from sandbox.generator.cents import money, quantity
from sandbox.generator.documents import describe_lines
from sandbox.generator.timeline import local_date, timestamp, us_to_text
from sandbox.generator.workshop import Workshop

SALES_ACCOUNT = {"labour": "205", "part": "200", "sundry": "210", "freight": "215", "discount": "220"}
COGS, STOCK_ON_HAND, WORK_IN_PROGRESS, STOCK_ADJUSTMENT = "310", "630", "635", "330"
FREIGHT_INWARDS, ROUNDING, CLEARING, BANK = "320", "861", "615", "090"
METHOD_ACCOUNT = {"bank_transfer": BANK}  # every other method lands on the clearing account
XERO_ADDED_LINE = "Additional labour (entered in Xero)"


def _date(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y-%m-%d")


def contacts(w: Workshop) -> list[dict[str, Any]]:
    rows = w.xero_contacts.with_columns(UpdatedDateUTC=timestamp("updated_us")).to_dicts()
    out = []
    for row in rows:
        phones = [{"PhoneType": "DEFAULT", "PhoneNumber": row["PhoneNumber"] or "",
                   "PhoneAreaCode": row["PhoneAreaCode"] or ""}]
        if row["MobileNumber"]:
            phones.append({"PhoneType": "MOBILE", "PhoneNumber": row["MobileNumber"]})
        contact = {"ContactID": row["ContactID"], "Name": row["Name"], "ContactStatus": row["ContactStatus"],
                   "Phones": phones, "UpdatedDateUTC": row["UpdatedDateUTC"]}
        for key in ("FirstName", "LastName", "EmailAddress", "TaxNumber"):
            if row[key]:
                contact[key] = row[key]
        if row.get("ContactPerson"):  # "Mary Jane Smith" → Mary / Jane Smith, as the sync splits it
            first, _, last = row["ContactPerson"].strip().partition(" ")
            contact["ContactPersons"] = [{"FirstName": first, "LastName": last.strip()}]
        if row["AddressLine1"]:
            contact["Addresses"] = [{"AddressType": "STREET", "AddressLine1": row["AddressLine1"], "City": row["City"],
                                     "Region": row["Region"], "PostalCode": row["PostalCode"], "Country": "Australia"}]
        out.append(contact)
    return out


def _contact_ids(w: Workshop) -> pl.DataFrame:
    return w.customers.select(customer_idx="idx", contact_id="xero_contact_id")


def _xero_lines(lines: pl.DataFrame) -> pl.Expr:
    """Line items as Xero takes them: the GST-inclusive amount on Inclusive invoices (freight and
    discount lines too — Auxo shows those exclusive), the exclusive amount otherwise."""
    inclusive = pl.col("inclusive")
    amount = pl.when(inclusive).then(pl.col("line_total")).otherwise(pl.col("line_amount"))
    unit = pl.when(inclusive & ~pl.col("includes_gst")).then(pl.col("line_total")).otherwise(pl.col("unit_price"))
    qty = pl.when(inclusive & ~pl.col("includes_gst")).then(pl.lit(10_000, pl.Int64)).otherwise(pl.col("quantity"))
    return pl.struct(Description=pl.col("description"), Quantity=quantity(qty), UnitAmount=money(unit),
                     LineAmount=money(amount), AccountCode=pl.col("kind").replace_strict(SALES_ACCOUNT),
                     TaxType=pl.lit("OUTPUT"))


def invoices(w: Workshop) -> list[dict[str, Any]]:
    """Synced invoices as they are in Xero (edited, voided or paid there during the window where
    planted), and the invoice made in Xero whose number clashes with an Auxo one."""
    synced = w.invoices.filter(pl.col("synced"))
    lines = describe_lines(w.lines.filter(~pl.col("added_after_sync")).join(
        synced.select(invoice_idx="idx", inclusive="inclusive"), on="invoice_idx"), w.parts).group_by(
        "invoice_idx", maintain_order=True).agg(LineItems=_xero_lines(w.lines))
    actions = {row["action"]: row for row in w.xero_actions.iter_rows(named=True)}
    frame = synced.join(lines, left_on="idx", right_on="invoice_idx", how="left", maintain_order="left").join(
        _contact_ids(w), on="customer_idx", how="left", maintain_order="left").join(
        w.vehicles.select(vehicle_idx="idx", registration="registration"), on="vehicle_idx", how="left",
        maintain_order="left")
    rows = frame.select(
        "idx", "planted", InvoiceID="xero_invoice_id", InvoiceNumber="number", Reference="registration",
        ContactID="contact_id", Date=_date(pl.col("invoice_date")),
        DueDate=_date(pl.col("invoice_date") + pl.duration(days=pl.when(pl.col("inclusive")).then(0).otherwise(30))),
        LineAmountTypes=pl.when(pl.col("inclusive")).then(pl.lit("Inclusive")).otherwise(pl.lit("Exclusive")),
        LineItems="LineItems", UpdatedDateUTC=timestamp("synced_us"),
    ).to_dicts()
    out = []
    for row in rows:
        doc = {"Type": "ACCREC", "InvoiceID": row["InvoiceID"], "InvoiceNumber": row["InvoiceNumber"],
               "Reference": row["Reference"] or "", "Contact": {"ContactID": row["ContactID"]}, "Date": row["Date"],
               "DueDate": row["DueDate"], "LineAmountTypes": row["LineAmountTypes"], "Status": "AUTHORISED",
               "CurrencyCode": "AUD", "LineItems": row["LineItems"], "UpdatedDateUTC": row["UpdatedDateUTC"]}
        if row["planted"] == "xero_edited_total":
            edit = actions["xero_edited_total"]
            doc["LineItems"] = [*doc["LineItems"], {
                "Description": XERO_ADDED_LINE, "Quantity": "1", "UnitAmount": format_money(edit["line_amount"]),
                "LineAmount": format_money(edit["line_amount"]), "AccountCode": SALES_ACCOUNT["labour"], "TaxType": "OUTPUT"}]
            doc["UpdatedDateUTC"] = us_to_text(edit["moment_us"])
        elif row["planted"] == "xero_voided_invoice":
            doc["Status"] = "VOIDED"
            doc["UpdatedDateUTC"] = us_to_text(actions["xero_voided_invoice"]["moment_us"])
        out.append(doc)
    clash = actions["xero_invoice_number_clash"]
    noise = w.xero_contacts.filter((pl.col("role") == "noise") & (pl.col("ContactStatus") == "ACTIVE")).row(0, named=True)
    out.append({"Type": "ACCREC", "InvoiceID": clash["xero_id"], "InvoiceNumber": clash["xero_number"],
                "Reference": "Counter sale entered in Xero", "Contact": {"ContactID": noise["ContactID"]},
                "Date": str(clash["date"] - timedelta(days=3)), "DueDate": str(clash["date"] - timedelta(days=3)),
                "LineAmountTypes": "Inclusive", "Status": "AUTHORISED", "CurrencyCode": "AUD",
                "LineItems": [{"Description": "Workshop sale", "Quantity": "1", "UnitAmount": format_money(clash["line_amount"]),
                               "LineAmount": format_money(clash["line_amount"]), "AccountCode": SALES_ACCOUNT["sundry"],
                               "TaxType": "OUTPUT"}],
                "UpdatedDateUTC": us_to_text(clash["moment_us"])})
    return out


def bills(w: Workshop) -> list[dict[str, Any]]:
    """Synced received purchase orders as ACCPAY bills: parts to Stock on Hand (stock POs) or Work
    in Progress (job POs), freight on its own line, Auxo's ±1c rounding as a rounding line."""
    synced = w.orders.filter(pl.col("synced"))
    lines = w.order_lines.join(synced.select(order_idx="idx", kind="kind"), on="order_idx").join(
        w.parts.select(part_idx="idx", description="description"), on="part_idx", how="left").group_by(
        "order_idx", maintain_order=True).agg(LineItems=pl.struct(
            Description=pl.col("description"), Quantity=quantity("quantity"), UnitAmount=money("unit_cost"),
            LineAmount=money("line_amount"),
            AccountCode=pl.when(pl.col("kind") == "stock").then(pl.lit(STOCK_ON_HAND)).otherwise(pl.lit(WORK_IN_PROGRESS)),
            TaxType=pl.lit("INPUT")))
    frame = synced.join(lines, left_on="idx", right_on="order_idx", how="left", maintain_order="left").join(
        w.suppliers.select(supplier_idx="idx", contact_id="xero_contact_id"), on="supplier_idx", how="left",
        maintain_order="left")
    rows = frame.select(
        "freight", "rounding", InvoiceID="xero_bill_id", InvoiceNumber=pl.lit("SI-") + pl.col("number").str.slice(3),
        Reference="number", ContactID="contact_id", Date=_date(local_date("received_us")),
        DueDate=_date(local_date("received_us") + pl.duration(days=30)), LineItems="LineItems",
        UpdatedDateUTC=timestamp("synced_us")).to_dicts()
    out = []
    for row in rows:
        items = list(row["LineItems"])
        if row["freight"]:
            items.append({"Description": "Freight", "Quantity": "1", "UnitAmount": format_money(row["freight"]),
                          "LineAmount": format_money(row["freight"]), "AccountCode": FREIGHT_INWARDS, "TaxType": "INPUT"})
        if row["rounding"]:
            items.append({"Description": "Rounding", "Quantity": "1", "UnitAmount": format_money(row["rounding"]),
                          "LineAmount": format_money(row["rounding"]), "AccountCode": ROUNDING, "TaxType": "BASEXCLUDED"})
        out.append({"Type": "ACCPAY", "InvoiceID": row["InvoiceID"], "InvoiceNumber": row["InvoiceNumber"],
                    "Reference": row["Reference"], "Contact": {"ContactID": row["ContactID"]}, "Date": row["Date"],
                    "DueDate": row["DueDate"], "LineAmountTypes": "Exclusive", "Status": "AUTHORISED",
                    "CurrencyCode": "AUD", "LineItems": items, "UpdatedDateUTC": row["UpdatedDateUTC"]})
    return out


def credit_notes(w: Workshop) -> list[dict[str, Any]]:
    """Synced Auxo credits, allocated to their invoices, and the credit note made in Xero."""
    synced = w.credits.filter(pl.col("synced")).join(
        w.invoices.select(invoice_idx="idx", xero_invoice_id="xero_invoice_id", inclusive="inclusive"),
        on="invoice_idx").join(_contact_ids(w), on="customer_idx", how="left")
    out = []
    for row in synced.with_columns(day=_date(local_date("created_us")), stamp=timestamp("synced_us")).to_dicts():
        amount = row["total"] if row["inclusive"] else row["line_amount"]
        out.append({"Type": "ACCRECCREDIT", "CreditNoteID": row["xero_credit_note_id"], "CreditNoteNumber": row["number"],
                    "Contact": {"ContactID": row["contact_id"]}, "Date": row["day"],
                    "LineAmountTypes": "Inclusive" if row["inclusive"] else "Exclusive", "Status": "AUTHORISED",
                    "LineItems": [{"Description": "Goodwill credit", "Quantity": "1", "UnitAmount": format_money(amount),
                                   "LineAmount": format_money(amount), "AccountCode": SALES_ACCOUNT["sundry"],
                                   "TaxType": "OUTPUT"}],
                    "Allocations": [{"Invoice": {"InvoiceID": row["xero_invoice_id"]}, "Amount": format_money(row["total"]),
                                     "Date": row["day"]}],
                    "UpdatedDateUTC": row["stamp"]})
    action = w.xero_actions.filter(pl.col("action") == "xero_credit_allocation").row(0, named=True)
    invoice = w.invoices.filter(pl.col("idx") == action["invoice_idx"]).row(0, named=True)
    contact = w.customers.filter(pl.col("idx") == invoice["customer_idx"]).row(0, named=True)
    out.append({"Type": "ACCRECCREDIT", "CreditNoteID": action["xero_id"], "CreditNoteNumber": action["xero_number"],
                "Contact": {"ContactID": contact["xero_contact_id"]}, "Date": str(action["date"]),
                "LineAmountTypes": "Exclusive", "Status": "AUTHORISED",
                "LineItems": [{"Description": "Credit for a returned part (entered in Xero)", "Quantity": "1",
                               "UnitAmount": format_money(action["line_amount"]), "LineAmount": format_money(action["line_amount"]),
                               "AccountCode": SALES_ACCOUNT["part"], "TaxType": "OUTPUT"}],
                "Allocations": [{"Invoice": {"InvoiceID": action["xero_invoice_id"]}, "Amount": format_money(action["amount"]),
                                 "Date": str(action["date"])}],
                "UpdatedDateUTC": us_to_text(action["moment_us"])})
    return out


def prepayments(w: Workshop) -> list[dict[str, Any]]:
    """Synced job deposits: RECEIVE-PREPAYMENT bank transactions (a prepayment needs a BANK
    account), allocated to the invoice when it was applied before the window."""
    window = w.timeline.at(w.timeline.window_start_date, 0.0)
    deposits = w.payments.filter((pl.col("kind") == "deposit") & pl.col("synced")).join(
        w.invoices.select(invoice_idx="idx", xero_invoice_id="xero_invoice_id", inclusive="inclusive"),
        on="invoice_idx", how="left").join(_contact_ids(w), on="customer_idx", how="left")
    out = []
    for row in deposits.with_columns(day=_date(local_date("created_us")), applied_day=_date(local_date("applied_us")),
                                     stamp=timestamp("synced_us")).to_dicts():
        doc = {"Type": "RECEIVE-PREPAYMENT", "BankTransactionID": row["xero_payment_id"],
               "PrepaymentID": row["xero_payment_id"], "Contact": {"ContactID": row["contact_id"]},
               "BankAccount": {"Code": BANK}, "Date": row["day"], "Reference": f"Deposit {row['job_id']}",
               "LineAmountTypes": "Inclusive",
               "LineItems": [{"Description": "Job deposit", "Quantity": "1", "UnitAmount": format_money(row["amount"]),
                              "LineAmount": format_money(row["amount"]), "AccountCode": SALES_ACCOUNT["labour"],
                              "TaxType": "OUTPUT"}],
               "UpdatedDateUTC": row["stamp"]}
        if row["applied_us"] is not None and row["applied_us"] < window and row["xero_invoice_id"]:
            doc["Allocations"] = [{"Invoice": {"InvoiceID": row["xero_invoice_id"]}, "Amount": format_money(row["amount"]),
                                   "Date": row["applied_day"]}]
        out.append(doc)
    return out


def payments(w: Workshop) -> list[dict[str, Any]]:
    """Synced Auxo payments, and the payment entered in Xero during the window."""
    synced = w.payments.filter((pl.col("kind") == "payment") & pl.col("synced")).join(
        w.invoices.select(invoice_idx="idx", xero_invoice_id="xero_invoice_id"), on="invoice_idx", how="left")
    out = [{"PaymentID": row["xero_payment_id"], "Invoice": {"InvoiceID": row["xero_invoice_id"]},
            "Account": {"Code": METHOD_ACCOUNT.get(row["method"], CLEARING)}, "Date": row["day"],
            "Amount": format_money(row["amount"]), "Reference": row["id"], "UpdatedDateUTC": row["stamp"]}
           for row in synced.with_columns(day=_date(local_date("created_us")), stamp=timestamp("synced_us")).to_dicts()]
    paid = w.xero_actions.filter(pl.col("action") == "xero_payment").row(0, named=True)
    out.append({"PaymentID": paid["xero_id"], "Invoice": {"InvoiceID": paid["xero_invoice_id"]},
                "Account": {"Code": BANK}, "Date": str(paid["date"]), "Amount": format_money(paid["amount"]),
                "Reference": "Paid by bank transfer (entered in Xero)", "UpdatedDateUTC": us_to_text(paid["moment_us"])})
    return out


def manual_journals(w: Workshop) -> list[dict[str, Any]]:
    """Posted COGS journals (one per part line) and stock adjustment journals."""
    cogs = describe_lines(w.lines.filter(pl.col("xero_cogs_journal_id").is_not_null()), w.parts).join(
        w.invoices.select(invoice_idx="idx", number="number", invoice_date="invoice_date", synced_us="synced_us"),
        on="invoice_idx")
    out = []
    for row in cogs.with_columns(day=_date(pl.col("invoice_date")), stamp=timestamp("synced_us"),
                                 amount=money("cogs_amount")).to_dicts():
        credit = WORK_IN_PROGRESS if row["supply"] == "job_po" else STOCK_ON_HAND
        out.append(_journal(row["xero_cogs_journal_id"], f"COGS for invoice {row['number']}", row["day"], COGS, credit,
                            row["amount"], row["description"], row["stamp"]))
    adjustments = w.adjustments.filter(pl.col("synced"))
    for row in adjustments.with_columns(day=_date(pl.col("adjustment_date")), stamp=timestamp("synced_us"),
                                        amount=money(pl.col("value").abs())).to_dicts():
        debit, credit = (STOCK_ON_HAND, STOCK_ADJUSTMENT) if row["value"] > 0 else (STOCK_ADJUSTMENT, STOCK_ON_HAND)
        out.append(_journal(row["xero_journal_id"], adjustment_narration(row["kind"], row["number"],
                                                                         row["stocktake_number"]),
                            row["day"], debit, credit, row["amount"], row["reason"], row["stamp"]))
    return out


def adjustment_narration(kind: str, number: str, stocktake_number: str | None) -> str:
    return f"Stocktake {stocktake_number} ({number})" if kind == "stocktake" else f"Stock adjustment {number}"


def _journal(journal_id: str, narration: str, day: str, debit: str, credit: str, amount: str, description: str,
             stamp: str) -> dict[str, Any]:
    return {"ManualJournalID": journal_id, "Narration": narration, "Date": day, "Status": "POSTED",
            "LineAmountTypes": "NoTax",
            "JournalLines": [{"LineAmount": amount, "AccountCode": debit, "Description": description, "TaxType": "BASEXCLUDED"},
                             {"LineAmount": f"-{amount}", "AccountCode": credit, "Description": description,
                              "TaxType": "BASEXCLUDED"}],
            "UpdatedDateUTC": stamp}


def xero_payload(w: Workshop) -> dict[str, list[dict[str, Any]]]:
    """Everything for ``sandbox.xero.seed``, in the keys it takes."""
    return {"Contacts": contacts(w), "Invoices": invoices(w) + bills(w), "CreditNotes": credit_notes(w),
            "BankTransactions": prepayments(w), "ManualJournals": manual_journals(w), "Payments": payments(w)}


def organisation_settings(w: Workshop) -> dict[str, str]:
    return {"PeriodLockDate": w.meta["period_lock_date"]}


def later_actions(w: Workshop) -> list[tuple[str, str, dict[str, Any]]]:
    """Xero-side actions a seed cannot express (a payment deleted later), as ``(moment, action, body)``
    for the Xero sandbox's ``/admin/actions``."""
    deleted = w.xero_actions.filter(pl.col("action") == "xero_deleted_payment").row(0, named=True)
    return [(us_to_text(deleted["moment_us"]), "delete-payment", {"PaymentID": deleted["xero_payment_id"]})]

