"""Reads: auth, the (updated_at, id) feed with keyset cursors, windows, and the error shape."""

from __future__ import annotations

import httpx

from sandbox.embedded import transport


def test_every_api_call_needs_the_key(api: httpx.Client, state_dir) -> None:
    response = api.get("/customers", headers={"X-Api-Key": "wrong"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    anonymous = httpx.Client(transport=transport("auxo", state_dir), base_url=str(api.base_url))
    assert anonymous.get("/account").status_code == 401
    assert anonymous.get("/openapi.yaml").status_code == 200  # the contract itself is public


def test_a_new_state_is_an_empty_workshop_with_settings(api: httpx.Client) -> None:
    account = api.get("/account").json()
    assert account["timezone"] == "Australia/Sydney"
    assert account["invoice_prefix"] == "INV-"
    settings = api.get("/sync-settings").json()
    assert settings["send_purchase_orders"] is True and settings["create_inventory_journals"] is True
    assert {h["setting"] for h in settings["history"]} == {"send_purchase_orders", "create_inventory_journals"}
    assert api.get("/invoices").json() == {"data": [], "next_cursor": None}


def _read_all(api: httpx.Client, resource: str, **params) -> list[dict]:
    records, cursor = [], None
    while True:
        page = api.get(f"/{resource}", params={**params, **({"cursor": cursor} if cursor else {})}).json()
        records += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return records


def test_pages_follow_updated_at_then_id_and_never_skip_a_record_changed_mid_read(api, admin) -> None:
    ids = [admin.post("/customers", {"name": f"Customer {i}"})["id"] for i in range(7)]
    first = api.get("/customers", params={"limit": 3}).json()
    assert [c["id"] for c in first["data"]] == ids[:3]
    # a record already read changes while the client is paging: it shows up again, later
    admin.do("PATCH", f"/customers/{ids[0]}", {"phone": "0400 000 000"})
    rest, cursor = [], first["next_cursor"]
    while cursor:
        page = api.get("/customers", params={"limit": 3, "cursor": cursor}).json()
        rest += page["data"]
        cursor = page["next_cursor"]
    assert [c["id"] for c in rest] == [*ids[3:], ids[0]]
    assert {c["id"] for c in first["data"] + rest} == set(ids)
    stamps = [c["updated_at"] for c in first["data"] + rest]
    assert stamps == sorted(stamps)


def test_updated_at_is_strictly_increasing_across_writes(api, admin) -> None:
    admin.do("PUT", "/clock", {"frozen_at": "2030-03-02T01:00:00Z"})  # even with a frozen clock
    for i in range(5):
        admin.post("/customers", {"name": f"Frozen {i}"})
    stamps = [c["updated_at"] for c in _read_all(api, "customers")]
    assert len(set(stamps)) == len(stamps) and stamps == sorted(stamps)
    assert stamps[0] == "2030-03-02T01:00:00.000000Z" and stamps[1] == "2030-03-02T01:00:00.000001Z"


def test_updated_since_is_inclusive_and_updated_before_exclusive(api, admin) -> None:
    for i in range(4):
        admin.post("/customers", {"name": f"Windowed {i}"})
    stamps = [c["updated_at"] for c in _read_all(api, "customers")]
    window = _read_all(api, "customers", updated_since=stamps[1], updated_before=stamps[3])
    assert [c["updated_at"] for c in window] == stamps[1:3]
    # any RFC 3339 offset is accepted and compared in UTC
    assert len(_read_all(api, "customers", updated_since="2000-01-01T10:00:00+10:00")) == 4


def test_bad_list_requests_get_the_error_shape(api) -> None:
    for params, code in [({"limit": 0}, "invalid_request"), ({"limit": 1001}, "invalid_request"),
                         ({"cursor": "not-a-cursor"}, "invalid_cursor"),
                         ({"updated_since": "yesterday"}, "invalid_request")]:
        response = api.get("/invoices", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == code
    missing = api.get("/invoices/inv_missing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api.get("/no-such-resource").status_code == 404
    assert api.delete("/invoices").json()["error"]["code"] == "method_not_allowed"


def test_one_record_by_id(api, admin) -> None:
    customer = admin.post("/customers", {"name": "By Id"})
    assert api.get(f"/customers/{customer['id']}").json() == customer
