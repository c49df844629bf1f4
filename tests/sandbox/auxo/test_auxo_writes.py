"""The sync's writes (docs/auxo-api.md §3): bulk, per-item results, idempotent twice over."""

from __future__ import annotations

import httpx
import pytest


def _write(api: httpx.Client, path: str, items: list[dict], key: str | None = None) -> list[dict]:
    response = api.post(path, json={"items": items}, headers={"Idempotency-Key": key} if key else {})
    assert response.status_code == 200, response.text
    return response.json()["results"]


@pytest.fixture
def shop(admin) -> dict:
    return admin.workshop()


def test_same_key_same_body_replays_and_a_different_body_is_refused(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    item = {"xero_payment_id": "xp-1", "invoice_id": invoice["id"], "payment_date": "2026-03-02", "amount": "10.00"}
    first = api.post("/payments/from-xero", json={"items": [item]}, headers={"Idempotency-Key": "k-1"})
    again = api.post("/payments/from-xero", json={"items": [item]}, headers={"Idempotency-Key": "k-1"})
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    other = api.post("/payments/from-xero", json={"items": [{**item, "amount": "11.00"}]},
                     headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert len(api.get("/payments").json()["data"]) == 1


def test_bulk_bodies_hold_1_to_100_items_and_items_fail_alone(api, admin, shop) -> None:
    assert api.post("/payments/from-xero", json={"items": []}).status_code == 400
    too_many = api.post("/payments/from-xero", json={"items": [{}] * 101})
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "invalid_request"
    assert api.post("/payments/from-xero", content=b"{not json").status_code == 400
    invoice = admin.invoiced_job(shop)
    results = _write(api, "/payments/from-xero", [
        {"xero_payment_id": "xp-a", "invoice_id": invoice["id"], "payment_date": "2026-03-02", "amount": "5.00"},
        {"xero_payment_id": "xp-b", "invoice_id": "inv_nope", "payment_date": "2026-03-02", "amount": "5.00"},
        {"xero_payment_id": "xp-c", "invoice_id": invoice["id"], "payment_date": "2026-03-02", "amount": 5.0},
    ])
    assert [r["ok"] for r in results] == [True, False, False]
    assert results[1]["error"]["code"] == "not_found"
    assert results[2]["error"] == {"code": "invalid", "message": results[2]["error"]["message"],
                                   "details": {"field": "items[2].amount"}}


def test_a_payment_from_xero_is_never_entered_twice(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    item = {"xero_payment_id": "xp-9", "invoice_id": invoice["id"], "payment_date": "2026-03-02", "amount": "20.00"}
    created, = _write(api, "/payments/from-xero", [item])
    repeated, = _write(api, "/payments/from-xero", [item])  # no key: still not doubled
    assert created["outcome"] == "created" and repeated["outcome"] == "unchanged"
    assert created["data"]["source"] == "xero" and created["data"]["sync_status"] == "synced"
    after = api.get(f"/invoices/{invoice['id']}").json()
    assert after["amount_paid"] == "20.00" and after["locked"] is True
    too_much, = _write(api, "/payments/from-xero", [{**item, "xero_payment_id": "xp-10", "amount": "99999.00"}])
    assert too_much["error"]["code"] == "amount_exceeds_balance"


def test_a_payment_deleted_in_xero_gives_the_balance_back(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    _write(api, "/payments/from-xero", [{"xero_payment_id": "xp-d", "invoice_id": invoice["id"],
                                         "payment_date": "2026-03-02", "amount": invoice["total"]}])
    assert api.get(f"/invoices/{invoice['id']}").json()["status"] == "paid"
    deleted, = _write(api, "/payments/xero-deletions", [{"xero_payment_id": "xp-d"}])
    assert deleted["data"]["status"] == "deleted" and deleted["data"]["deleted_source"] == "xero"
    after = api.get(f"/invoices/{invoice['id']}").json()
    assert after["balance"] == invoice["total"] and after["status"] == "issued" and after["locked"] is False
    assert _write(api, "/payments/xero-deletions", [{"xero_payment_id": "xp-d"}])[0]["outcome"] == "unchanged"


def test_a_xero_credit_note_allocation_lowers_the_balance_once(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    item = {"invoice_id": invoice["id"], "xero_allocation_id": "al-1", "xero_credit_note_id": "cn-1",
            "xero_credit_note_number": "CN-0001", "amount": "12.34", "date": "2026-03-03"}
    assert _write(api, "/invoices/credit-allocations", [item])[0]["outcome"] == "updated"
    assert _write(api, "/invoices/credit-allocations", [item])[0]["outcome"] == "unchanged"
    after = api.get(f"/invoices/{invoice['id']}").json()
    assert after["amount_credited"] == "12.34"
    assert float(after["balance"]) == pytest.approx(float(invoice["total"]) - 12.34)
    assert [a["xero_allocation_id"] for a in after["xero_allocations"]] == ["al-1"]


def test_the_xero_adjustment_line_is_upserted_even_on_a_locked_invoice(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    admin.post(f"/invoices/{invoice['id']}/payments", {"amount": "10.00"})  # now locked
    first, = _write(api, "/invoices/xero-adjustments",
                    [{"invoice_id": invoice["id"], "total_difference": "22.00", "gst_difference": "2.00"}])
    line = next(line for line in first["data"]["lines"] if line["kind"] == "xero_adjustment")
    assert (line["line_amount"], line["gst"], line["line_total"]) == ("20.00", "2.00", "22.00")
    assert first["data"]["edited_at"] == invoice["edited_at"]  # a sync write, not a workshop edit
    changed, = _write(api, "/invoices/xero-adjustments",
                      [{"invoice_id": invoice["id"], "total_difference": "11.00", "gst_difference": "1.00"}])
    lines = [line for line in changed["data"]["lines"] if line["kind"] == "xero_adjustment"]
    assert len(lines) == 1 and lines[0]["id"] == line["id"] and lines[0]["line_total"] == "11.00"
    cents = lambda money: round(float(money) * 100)  # noqa: E731
    assert cents(changed["data"]["total"]) == cents(invoice["total"]) + 1100
    same, = _write(api, "/invoices/xero-adjustments",
                   [{"invoice_id": invoice["id"], "total_difference": "11.00", "gst_difference": "1.00"}])
    assert same["outcome"] == "unchanged"
    removed, = _write(api, "/invoices/xero-adjustments",
                      [{"invoice_id": invoice["id"], "total_difference": "0.00", "gst_difference": "0.00"}])
    assert not [line for line in removed["data"]["lines"] if line["kind"] == "xero_adjustment"]
    assert removed["data"]["total"] == invoice["total"]


def test_a_xero_void_needs_the_payments_removed_first(api, admin, shop) -> None:
    paid = admin.invoiced_job(shop)
    admin.post(f"/invoices/{paid['id']}/payments", {"amount": "1.00"})
    refused, = _write(api, "/invoices/xero-voids", [{"invoice_id": paid["id"]}])
    assert refused["error"]["code"] == "invoice_locked"
    open_invoice = admin.invoiced_job(shop)
    voided, = _write(api, "/invoices/xero-voids", [{"invoice_id": open_invoice["id"]}])
    assert voided["data"]["status"] == "void" and voided["data"]["balance"] == "0.00"
    assert _write(api, "/invoices/xero-voids", [{"invoice_id": open_invoice["id"]}])[0]["outcome"] == "unchanged"


def test_sync_status_records_xero_ids_and_never_relinks_silently(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    part_line = next(line for line in invoice["lines"] if line["kind"] == "part")
    ok, = _write(api, "/invoices/sync-status", [{
        "id": invoice["id"], "sync_status": "synced", "xero_id": "xi-1",
        "cogs_journals": [{"line_id": part_line["id"], "xero_journal_id": "mj-1"}]}])
    assert ok["data"]["xero_invoice_id"] == "xi-1" and ok["data"]["sync_status"] == "synced"
    assert next(line for line in ok["data"]["lines"] if line["id"] == part_line["id"])["xero_cogs_journal_id"] == "mj-1"
    assert ok["data"]["edited_at"] == invoice["edited_at"]
    same, = _write(api, "/invoices/sync-status", [{"id": invoice["id"], "sync_status": "synced", "xero_id": "xi-1"}])
    assert same["outcome"] == "unchanged" and same["data"]["updated_at"] == ok["data"]["updated_at"]
    other, = _write(api, "/invoices/sync-status", [{"id": invoice["id"], "sync_status": "synced", "xero_id": "xi-2"}])
    assert other["error"]["code"] == "xero_id_mismatch" and other["error"]["details"]["current"] == "xi-1"
    error_needs_detail, = _write(api, "/invoices/sync-status", [{"id": invoice["id"], "sync_status": "error"}])
    assert error_needs_detail["error"]["code"] == "invalid"
    failed, = _write(api, "/invoices/sync-status", [{
        "id": invoice["id"], "sync_status": "error",
        "sync_error": {"code": "duplicate_number", "message": "Invoice # must be unique."}}])
    assert failed["data"]["sync_error"]["code"] == "duplicate_number"
    bad_line, = _write(api, "/invoices/sync-status", [{"id": invoice["id"], "sync_status": "synced",
                                                       "cogs_journals": [{"line_id": "nope", "xero_journal_id": "x"}]}])
    assert bad_line["error"]["code"] == "not_found"


def test_sync_status_for_every_document_kind(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    payment = admin.post(f"/invoices/{invoice['id']}/payments", {"amount": "5.00"})
    credit = admin.post(f"/invoices/{invoice['id']}/credits",
                        {"lines": [{"kind": "sundry", "description": "Goodwill", "unit_price": "5.00"}]})
    order = admin.post("/purchase-orders", {"supplier_id": shop["supplier"]["id"], "kind": "stock",
                                            "lines": [{"part_id": shop["oil"]["id"], "quantity": "1"}]})
    adjustment = admin.post("/stock-adjustments", {"part_id": shop["oil"]["id"], "quantity_change": "-1"})
    for resource, record, field in [("payments", payment, "xero_payment_id"),
                                    ("invoice-credits", credit, "xero_credit_note_id"),
                                    ("purchase-orders", order, "xero_bill_id"),
                                    ("stock-adjustments", adjustment, "xero_journal_id"),
                                    ("customers", shop["customer"], "xero_contact_id"),
                                    ("suppliers", shop["supplier"], "xero_contact_id")]:
        result, = _write(api, f"/{resource}/sync-status",
                         [{"id": record["id"], "sync_status": "synced", "xero_id": f"x-{resource}"}])
        assert result["data"][field] == f"x-{resource}", resource


def test_a_xero_payment_id_belongs_to_one_payment(api, admin, shop) -> None:
    invoice = admin.invoiced_job(shop)
    first = admin.post(f"/invoices/{invoice['id']}/payments", {"amount": "1.00"})
    second = admin.post(f"/invoices/{invoice['id']}/payments", {"amount": "1.00"})
    ok, clash = _write(api, "/payments/sync-status", [
        {"id": first["id"], "sync_status": "synced", "xero_id": "xp-same"},
        {"id": second["id"], "sync_status": "synced", "xero_id": "xp-same"}])
    assert ok["ok"] and clash["error"]["code"] == "duplicate"


def test_customers_updated_from_xero(api, admin, shop) -> None:
    customer = shop["customer"]
    updated, = _write(api, "/customers/xero-updates", [{
        "id": customer["id"], "xero_contact_id": "xc-1",
        "changes": {"email": "jane.c@example.com", "addresses": [
            {"type": "postal", "line1": "PO Box 1", "line2": None, "suburb": "Newtown", "state": "NSW",
             "postcode": "2042", "country": "Australia"}]}}])
    data = updated["data"]
    assert data["email"] == "jane.c@example.com" and data["xero_contact_id"] == "xc-1"
    assert data["phone"] == customer["phone"] and data["sync_status"] == "synced"
    assert data["edited_at"] == customer["edited_at"]
    link_only, = _write(api, "/customers/xero-updates", [{"id": customer["id"], "xero_contact_id": "xc-1"}])
    assert link_only["outcome"] == "unchanged"
    relink, = _write(api, "/customers/xero-updates", [{"id": customer["id"], "xero_contact_id": "xc-2"}])
    assert relink["error"]["code"] == "xero_id_mismatch"
    admin.do("PATCH", f"/customers/{customer['id']}", {"mobile": "0411 111 111"})
    stale, = _write(api, "/customers/xero-updates", [{"id": customer["id"], "xero_contact_id": "xc-1",
                                                      "if_edited_at": data["updated_at"], "changes": {"name": "J C"}}])
    assert stale["error"]["code"] == "stale"
    unknown, = _write(api, "/customers/xero-updates", [{"id": customer["id"], "xero_contact_id": "xc-1",
                                                        "changes": {"balance": "1.00"}}])
    assert unknown["error"]["code"] == "invalid"
    other = admin.post("/customers", {"name": "Someone Else"})
    taken, = _write(api, "/customers/xero-updates", [{"id": other["id"], "xero_contact_id": "xc-1"}])
    assert taken["error"]["code"] == "duplicate"  # one Xero contact, one Auxo customer
    supplier, = _write(api, "/suppliers/xero-updates", [{"id": shop["supplier"]["id"], "xero_contact_id": "xs-1",
                                                         "changes": {"phone": "1300 555 001"}}])
    assert supplier["data"]["phone"] == "1300 555 001"
