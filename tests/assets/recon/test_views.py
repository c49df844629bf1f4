"""The recon views' rules, on hand-made books: counterparts, states, reasons, accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assets.recon.tables import OPTIONAL_TABLES, VIEWS, ViewError, view_sql
from tests.assets.recon.conftest import START, Books

DAY = date(2026, 3, 2)


def invoice(books: Books, auxo_id: str, number: str, *, total: str = "110.00", gst: str = "10.00",
            day: date = DAY, status: str = "issued", balance: str | None = None, xero_id: str | None = None) -> None:
    books.add("staging.auxo_customers", id=f"cus_{auxo_id}", name=f"Customer {auxo_id}")
    books.add("staging.auxo_invoices", id=auxo_id, number=number, invoice_date=day, customer_id=f"cus_{auxo_id}",
              gst_mode="exclusive", status=status, subtotal=Decimal(total) - Decimal(gst), gst=Decimal(gst),
              total=Decimal(total), balance=Decimal(balance or total), sync_status="pending", xero_id=xero_id,
              created_at="2026-03-02T01:00:00Z")


def xero_invoice(books: Books, xero_id: str, number: str, *, total: str = "110.00", tax: str = "10.00",
                 due: str | None = None, status: str = "AUTHORISED", day: date = DAY) -> None:
    books.add("staging.xero_invoices", invoice_id=xero_id, type="ACCREC", invoice_number=number, date=day,
              status=status, total=Decimal(total), total_tax=Decimal(tax), amount_due=Decimal(due or total),
              dlt_id=xero_id)


def test_every_view_is_created_on_a_warehouse_without_the_other_packages_tables(books: Books) -> None:
    books.views()  # no plans.contact_matches, plans.invoice_exceptions, recon.inventory_movements_by_day
    for name in VIEWS:
        if name != "sync_starts":  # the fixture's sync settings are its one row
            assert books.rows(f"select * from recon.{name}").is_empty(), name
    assert books.one("select * from recon.sync_starts") == {"connection_id": "default", "sync_start_date": START}
    assert set(OPTIONAL_TABLES) >= {"plans.contact_matches", "recon.inventory_movements_by_day"}
    assert "WHERE false" in view_sql(books.con, "contact_review")


def test_an_invoice_written_by_the_sync_is_in_step_and_an_edit_in_xero_is_a_difference(books: Books) -> None:
    invoice(books, "inv_1", "INV-1")
    books.write("invoice:inv_1", "confirmed", target_id="x1", business_date=DAY)
    xero_invoice(books, "x1", "INV-1")
    books.views()
    row = books.one("select * from recon.invoices where auxo_id = 'inv_1'")
    assert (row["state"], row["xero_matches"], row["reason"]) == ("in_step", 1, "Auxo and Xero agree")

    books.con.execute("update staging.xero_invoices set total = 120.00, amount_due = 120.00")
    row = books.one("select * from recon.invoices where auxo_id = 'inv_1'")
    assert (row["state"], row["cause"], row["total_difference"]) == ("different", "differs", Decimal("10.00"))
    assert "total: Auxo 110.00, Xero 120.00" in row["reason"] and "adjustment line" in row["what_to_do"]


def test_a_payment_in_xero_twice_is_duplicated(books: Books) -> None:
    books.add("staging.auxo_payments", id="pay_1", kind="payment", source="auxo", status="active",
              payment_date=DAY, amount=Decimal("50.00"), method="eftpos", sync_status="synced", xero_id="p1")
    # the second carries the same Reference (and text a person added after it): sent twice
    for xero_id, reference in (("p1", "Auxo PAY pay_1"), ("p2", "Auxo PAY pay_1 EFT 42")):
        books.add("staging.xero_payments", payment_id=xero_id, date=DAY, amount=Decimal("50.00"),
                  reference=reference, status="AUTHORISED", payment_type="ACCRECPAYMENT")
    books.add("staging.xero_payments", payment_id="p3", date=DAY, amount=Decimal("50.00"),  # another payment's
              reference="Auxo PAY pay_10", status="AUTHORISED", payment_type="ACCRECPAYMENT")
    books.views()
    row = books.one("select * from recon.payments where auxo_id = 'pay_1'")
    assert (row["state"], row["xero_matches"]) == ("duplicated", 2)
    assert "p1" in row["reason"] and "p2" in row["reason"] and "Void or delete the extra" in row["what_to_do"]


def test_documents_not_in_xero_say_why_in_plain_words(books: Books) -> None:
    for n in range(1, 6):
        invoice(books, f"inv_{n}", f"INV-{n}")
    books.write("invoice:inv_1", "failed", error_class="needs_person", error_code="duplicate_number",
                error_message="Invoice # must be unique.", error_hint="Renumber one of them.")
    books.write("invoice:inv_2", "held", error_class="held", error_code="period_locked",
                error_message="invoice INV-2 is dated 2026-03-02, on or before Xero's lock date 2026-03-31",
                error_hint="Move the lock date.")
    books.write("invoice:inv_3", "blocked", error_class="blocked", error_code="waiting_for_dependency",
                error_message="invoice INV-3 waits for contact:customer:cus_inv_3 (not planned yet)")
    books.con.execute("create table plans.contact_matches (connection_id varchar, kind varchar, auxo_id varchar, "
                      "ref varchar, name varchar, xero_contact_id varchar, decision varchar, score integer, "
                      "candidates integer, matched_on varchar, reason varchar)")
    books.add("plans.contact_matches", kind="customer", auxo_id="cus_inv_3", decision="review",
              reason="same name as an existing Xero contact, but no phone or email in common")
    books.write("invoice:inv_4", "planned", error_class="daily_limit")
    books.views()
    rows = {r["auxo_number"]: r for r in books.rows("select * from recon.unsynced_documents "
                                                     "where document_kind = 'invoice'").rename(
        {"document": "auxo_number"}).iter_rows(named=True)}
    assert rows["INV-1"]["reason"] == "Xero refused it: its number INV-1 is already used by another Xero invoice"
    assert rows["INV-1"]["what_to_do"] == "Renumber one of them."
    assert rows["INV-2"]["reason"].startswith("Held, not sent:") and rows["INV-2"]["cause"] == "held"
    assert rows["INV-3"]["cause"] == "contact_review" and "review queue" in rows["INV-3"]["reason"]
    assert rows["INV-4"]["cause"] == "daily_limit" and "calls for the day ran out" in rows["INV-4"]["reason"]
    assert rows["INV-5"]["cause"] == "not_planned" and "sync --date 2026-03-02" in rows["INV-5"]["what_to_do"]


def test_an_invoice_made_in_xero_with_an_auxo_number_is_a_number_clash(books: Books) -> None:
    invoice(books, "inv_1", "INV-1")
    xero_invoice(books, "x9", "inv-1")  # numbers compare ignoring case, as Xero does
    books.views()
    auxo = books.one("select * from recon.invoices where auxo_id = 'inv_1'")
    assert auxo["state"] == "not_in_xero" and auxo["xero_id"] is None  # never matched by number
    clash = books.one("select * from recon.invoices where xero_id = 'x9'")
    assert (clash["state"], clash["cause"]) == ("only_in_xero", "number_clash")
    assert "Renumber one of the two invoices INV-1" in clash["what_to_do"]


def test_out_of_scope_and_switched_off_documents_are_not_required(books: Books) -> None:
    invoice(books, "inv_old", "INV-0", day=date(2026, 2, 1))
    invoice(books, "inv_void", "INV-V", status="void")
    books.con.execute("insert into staging.auxo_sync_setting_history values "
                      "('default', 'send_purchase_orders', false, '2026-03-01T00:00:00Z')")
    books.add("staging.auxo_purchase_orders", id="po_1", number="PO-1", kind="stock", supplier_id="sup_1",
              status="received", received_at="2026-03-02T03:00:00Z", received_date=DAY, freight=0, freight_gst=0,
              rounding_adjustment=0, subtotal=Decimal("100"), gst=Decimal("10"), total=Decimal("110"),
              sync_status="pending")
    books.views()
    reasons = dict(books.rows("select coalesce(auxo_number, '') as n, reason from recon.documents "
                              "where state = 'not_required'").iter_rows())
    assert reasons == {"INV-0": "Not sent to Xero: dated before the sync start date",
                       "INV-V": "Not sent to Xero: void in Auxo before it was sent",
                       "PO-1": 'Not sent to Xero: "Send Purchase Orders to Xero" was off when it was received'}


def test_a_switch_turned_off_and_on_again_covers_only_the_time_it_was_off(books: Books) -> None:
    books.con.execute("insert into staging.auxo_sync_setting_history values "
                      "('default', 'create_inventory_journals', false, '2026-03-02T02:00:00Z'), "
                      "('default', 'create_inventory_journals', true, '2026-03-02T04:00:00Z')")
    for adjustment, made_at in (("adj_before", "01:00"), ("adj_off", "03:00"), ("adj_after", "05:00")):
        books.add("staging.auxo_stock_adjustments", id=adjustment, number=adjustment, part_id="prt_1",
                  kind="adjustment", adjustment_date=DAY, value=Decimal("12.50"), sync_status="pending",
                  created_at=f"2026-03-02T{made_at}:00Z")
    books.views()
    states = dict(books.rows("select auxo_id, state from recon.journals").iter_rows())
    assert states == {"adj_before": "not_in_xero", "adj_off": "not_required", "adj_after": "not_in_xero"}


def test_a_cogs_journal_at_the_cost_in_force_and_its_accounts(books: Books) -> None:
    invoice(books, "inv_1", "INV-1")
    books.add("staging.auxo_parts", id="prt_1", part_number="P1", stocked=True)
    books.add("staging.auxo_invoice_lines", document_id="inv_1", line_id="lin_1", line_no=0, kind="part",
              part_id="prt_1", supply="stock", quantity=Decimal("2"), line_amount=Decimal("100"), gst=Decimal("10"),
              line_total=Decimal("110"), xero_cogs_journal_id="j1")
    # two entries at one instant (two lines of one receipt): the later id is the cost in force
    for entry, cost in (("pch_1", "9.07"), ("pch_2", "8.99")):
        books.add("staging.auxo_part_cost_history", id=entry, part_id="prt_1", effective_at="2026-03-01T00:00:00Z",
                  average_cost=Decimal(cost))
    books.add("staging.xero_manual_journals", manual_journal_id="j1", date=DAY, status="POSTED",
              narration="COGS for invoice INV-1", dlt_id="j1")
    for line_no, (amount, account) in enumerate((("17.98", "310"), ("-17.98", "635"))):
        books.add("staging.xero_manual_journal_lines", manual_journal_id="j1", line_no=line_no,
                  line_amount=Decimal(amount), account_code=account)
    books.views()
    row = books.one("select * from recon.journals where auxo_id = 'lin_1'")
    assert (row["auxo_total"], row["xero_total"]) == (Decimal("17.98"), Decimal("17.98"))
    assert row["state"] == "different"  # Cr Work in Progress, but the part came from stock
    assert "accounts: Xero Dr 310 Cr 635, expected Dr 310 Cr 630" in row["reason"]


def test_receivables_and_clearing_tie_out_and_a_missing_payment_shows_on_its_day(books: Books) -> None:
    invoice(books, "inv_1", "INV-1", xero_id="x1")
    xero_invoice(books, "x1", "INV-1", due="60.00")
    books.add("staging.auxo_payments", id="pay_1", kind="payment", source="auxo", status="active", payment_date=DAY,
              amount=Decimal("50.00"), method="eftpos", invoice_id="inv_1", sync_status="synced", xero_id="p1")
    books.add("staging.xero_payments", payment_id="p1", invoice_id="x1", date=DAY, amount=Decimal("50.00"),
              status="AUTHORISED", account_code="615", payment_type="ACCRECPAYMENT")
    books.add("staging.auxo_payments", id="pay_2", kind="payment", source="auxo", status="active",
              payment_date=date(2026, 3, 3), amount=Decimal("20.00"), method="cash", invoice_id="inv_1",
              sync_status="pending")
    books.views()
    rows = {(r["day"], r["account_role"]): r for r in books.rows("select * from recon.account_movements")
            .iter_rows(named=True)}
    receivable = rows[(DAY, "accounts_receivable")]
    assert (receivable["account_code"], receivable["auxo_movement"], receivable["difference"]) == \
        ("610", Decimal("60.00"), Decimal("0.00"))
    assert rows[(DAY, "payment_clearing")]["difference"] == Decimal("0.00")
    missing = rows[(date(2026, 3, 3), "payment_clearing")]  # cash maps to 615, not in Xero yet
    assert (missing["auxo_movement"], missing["xero_movement"], missing["difference"]) == \
        (Decimal("20.00"), Decimal("0.00"), Decimal("-20.00"))
    summary = books.one("select * from recon.day_summary where day = '2026-03-03'")
    assert summary["verdict"] == "needs attention" and summary["not_in_xero"] == 1


def test_a_view_whose_tables_changed_shape_names_its_sql_file(books: Books) -> None:
    books.con.execute("alter table staging.auxo_invoices drop column balance")
    with pytest.raises(ViewError, match=r"recon.documents could not be created from assets/recon/sql/documents.sql"):
        books.views()
