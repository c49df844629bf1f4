"""Auxo's business rules, exercised as a person using Auxo (the admin surface)."""

from __future__ import annotations

import pytest

from sandbox.auxo.money import div_round, format_quantity, parse_quantity
from sandbox.auxo.rules import line_amounts, weighted_average_cost


@pytest.fixture
def shop(admin) -> dict:
    return admin.workshop()


def test_an_invoice_is_editable_until_a_payment_is_matched(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    edited = admin.do("PATCH", f"/invoices/{invoice['id']}",
                      {"lines": [{"kind": "labour", "description": "Diagnosis", "unit_price": "88.00"}]})
    assert edited["total"] == "88.00" and edited["edited_at"] > invoice["edited_at"]
    admin.post(f"/invoices/{invoice['id']}/payments", {"amount": "8.00", "method": "cash"})
    refused = admin.do("PATCH", f"/invoices/{invoice['id']}", {"invoice_date": "2026-01-01"}, expect=409)
    assert refused["error"]["code"] == "invoice_locked"
    assert admin.post(f"/invoices/{invoice['id']}/void", expect=409)["error"]["code"] == "invoice_locked"


def test_an_invoice_is_locked_by_a_credit_too(admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    credit = admin.post(f"/invoices/{invoice['id']}/credits",
                        {"reason": "Goodwill", "lines": [{"kind": "sundry", "description": "Goodwill", "unit_price": "11.00"}]})
    assert credit["total"] == "11.00" and credit["gst"] == "1.00"  # inclusive invoice: 11.00 includes 1.00 GST
    assert admin.do("PATCH", f"/invoices/{invoice['id']}", {"lines": []}, expect=409)["error"]["code"] == "invoice_locked"


def test_invoice_numbers_are_unique(admin, shop) -> None:
    admin.invoiced_job(shop, number="INV-5000")
    clash = admin.do("POST", f"/jobs/{admin.post('/jobs', {'customer_id': shop['customer']['id']})['id']}/invoice",
                     {"number": "INV-5000", "lines": [{"kind": "labour", "unit_price": "10.00"}]}, expect=409)
    assert clash["error"]["code"] == "duplicate_number"
    other = admin.invoiced_job(shop)
    renamed = admin.do("PATCH", f"/invoices/{other['id']}", {"number": "INV-5000"}, expect=409)
    assert renamed["error"]["code"] == "duplicate_number"


def test_invoice_numbers_use_the_configurable_prefix(admin, shop) -> None:
    admin.do("PUT", "/account", {"invoice_prefix": "WS"})
    assert admin.invoiced_job(shop)["number"].startswith("WS")


def test_gst_inclusive_invoice_keeps_freight_and_discount_exclusive(admin, shop) -> None:
    invoice = admin.invoiced_job(shop, [
        {"kind": "labour", "description": "Labour", "quantity": "1", "unit_price": "110.00"},
        {"kind": "freight", "description": "Freight", "unit_price": "10.05"},
        {"kind": "discount", "description": "Loyalty", "unit_price": "-5.00"},
    ], gst_mode="inclusive")
    labour, freight, discount = invoice["lines"]
    assert (labour["price_includes_gst"], labour["line_amount"], labour["gst"]) == (True, "100.00", "10.00")
    assert (freight["price_includes_gst"], freight["line_amount"], freight["gst"], freight["line_total"]) == (
        False, "10.05", "1.01", "11.06")  # 1.005 rounds half-up
    assert (discount["line_amount"], discount["gst"], discount["line_total"]) == ("-5.00", "-0.50", "-5.50")
    assert (invoice["subtotal"], invoice["gst"], invoice["total"]) == ("105.05", "10.51", "115.56")


def test_line_gst_agrees_with_what_xero_computes_from_the_inclusive_total() -> None:
    """Auxo's exclusive freight line sent GST-inclusive to Xero gives Xero the same GST, to the cent."""
    for cents in range(-5000, 5000):
        _, gst, total = line_amounts(10_000, cents, False, "GST")
        assert div_round(total, 11) == gst, cents


def test_receiving_a_purchase_order_moves_the_average_cost(api, admin, shop) -> None:
    oil = shop["oil"]  # 10 on hand at 8.00
    order = admin.post("/purchase-orders", {"supplier_id": shop["supplier"]["id"], "kind": "stock",
                                            "lines": [{"part_id": oil["id"], "quantity": "30", "unit_cost": "10.00"}],
                                            "freight": "12.50", "rounding_adjustment": "-0.01"})
    assert (order["subtotal"], order["gst"], order["total"]) == ("312.50", "31.25", "343.74")
    received = admin.post(f"/purchase-orders/{order['id']}/receive", {"supplier_reference": "SI-991"})
    assert received["status"] == "received" and received["received_at"]
    part = api.get(f"/parts/{oil['id']}").json()
    assert part["average_cost"] == "9.50" and part["quantity_on_hand"] == "40"  # (10×8 + 30×10) / 40
    history = [h for h in api.get("/part-cost-history").json()["data"] if h["part_id"] == oil["id"]]
    assert [(h["reason"], h["average_cost"], h["previous_average_cost"]) for h in history] == [
        ("opening", "8.00", None), ("receipt", "9.50", "8.00")]
    assert history[1]["purchase_order_id"] == order["id"] and history[1]["effective_at"] == part["updated_at"]
    assert admin.post(f"/purchase-orders/{order['id']}/receive", expect=409)["error"]["code"] == "invalid_status"
    assert admin.post("/purchase-orders", {"supplier_id": shop["supplier"]["id"], "kind": "stock", "lines": [
        {"part_id": oil["id"], "quantity": "1"}], "rounding_adjustment": "0.05"}, expect=400)["error"]["code"] == "invalid"


def test_weighted_average_cost_counts_negative_stock_as_none() -> None:
    assert weighted_average_cost(parse_quantity("-3"), 900, parse_quantity("2"), 1000) == 1000
    assert weighted_average_cost(parse_quantity("1"), 1000, parse_quantity("2"), 1001) == 1001  # 1000.67 → 1001
    assert format_quantity(parse_quantity("0.3750")) == "0.375"


def test_invoicing_issues_stock_and_applies_the_jobs_deposit(api, admin, shop) -> None:
    job = admin.post("/jobs", {"customer_id": shop["customer"]["id"], "vehicle_id": shop["vehicle"]["id"]})
    deposit = admin.post(f"/jobs/{job['id']}/deposits", {"amount": "50.00", "method": "card"})
    assert deposit["kind"] == "deposit" and deposit["invoice_id"] is None
    invoice = admin.post(f"/jobs/{job['id']}/invoice", {"lines": [
        {"kind": "part", "part_id": shop["oil"]["id"], "supply": "stock", "quantity": "4"}]})
    assert invoice["vehicle_registration"] == "ABC123"
    assert (invoice["total"], invoice["amount_paid"], invoice["balance"]) == ("60.00", "50.00", "10.00")
    applied = api.get(f"/payments/{deposit['id']}").json()
    assert applied["invoice_id"] == invoice["id"] and applied["applied_at"]
    assert api.get(f"/parts/{shop['oil']['id']}").json()["quantity_on_hand"] == "6"
    assert api.get(f"/jobs/{job['id']}").json()["status"] == "invoiced"


def test_a_payment_never_exceeds_the_balance(admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    refused = admin.post(f"/invoices/{invoice['id']}/payments", {"amount": "100000.00"}, expect=409)
    assert refused["error"]["code"] == "amount_exceeds_balance"
    paid = admin.post(f"/invoices/{invoice['id']}/payments", {})  # default: the whole balance
    assert paid["amount"] == invoice["total"]


def test_a_stocktake_records_one_adjustment_per_counted_difference(api, admin, shop) -> None:
    oil = shop["oil"]
    adjustments = admin.post("/stocktakes", {"counts": [{"part_id": oil["id"], "counted_quantity": "7.5"},
                                                        {"part_id": shop["pump"]["id"], "counted_quantity": "0"}]})
    assert len(adjustments) == 1
    adjustment = adjustments[0]
    assert (adjustment["kind"], adjustment["quantity_change"], adjustment["unit_cost"], adjustment["value"]) == (
        "stocktake", "-2.5", "8.00", "-20.00")
    assert adjustment["stocktake_number"] == "ST-0001"
    manual = admin.post("/stock-adjustments", {"part_id": oil["id"], "quantity_change": "1", "reason": "Found"})
    assert manual["kind"] == "adjustment" and manual["value"] == "8.00"
    assert api.get(f"/parts/{oil['id']}").json()["quantity_on_hand"] == "8.5"


def test_editing_a_synced_customer_marks_it_for_syncing_again(api, admin, shop) -> None:
    customer = shop["customer"]
    api.post("/customers/sync-status", json={"items": [{"id": customer["id"], "sync_status": "synced", "xero_id": "xc"}]})
    edited = admin.do("PATCH", f"/customers/{customer['id']}", {"email": "new@example.com"})
    assert edited["sync_status"] == "pending" and edited["xero_contact_id"] == "xc"
    assert edited["edited_at"] > customer["edited_at"]


def test_switching_a_setting_is_kept_in_its_history(api, admin) -> None:
    admin.do("PUT", "/sync-settings", {"send_purchase_orders": False})
    settings = api.get("/sync-settings").json()
    assert settings["send_purchase_orders"] is False
    last = settings["history"][-1]
    assert (last["setting"], last["value"]) == ("send_purchase_orders", False)
    assert last["changed_at"] == settings["updated_at"]
