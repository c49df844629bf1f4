"""The sandbox machinery: faults on the API only, the request log, the clock, reset, several
processes on one state, and serving on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

import sandbox.auxo
from sandbox.auxo.store import Store
from sandbox.embedded import transport


def test_faults_apply_to_the_api_in_its_error_shape_never_to_admin(api, admin) -> None:
    admin.do("PUT", "/faults", {"script": ["429", "503", "500"], "retry_after_seconds": 3})
    limited = api.get("/customers")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert limited.json()["error"]["code"] == "rate_limited"
    assert admin.do("GET", "/clock")  # admin answers while faults are armed
    assert api.get("/customers").json()["error"]["code"] == "unavailable"
    assert api.get("/customers").json()["error"]["code"] == "internal_error"
    assert api.get("/customers").status_code == 200
    admin.do("PUT", "/faults", {"shares": {"503": 1.0}})
    assert api.get("/customers").status_code == 503
    assert admin.do("DELETE", "/faults")["shares"] == {}
    assert api.get("/customers").status_code == 200


def test_a_dropped_response_still_commits_and_a_keyed_retry_replays(api, admin) -> None:
    shop = admin.workshop()
    admin.do("PUT", "/faults", {"script": ["drop"]})
    item = {"id": shop["customer"]["id"], "sync_status": "synced", "xero_id": "xc-drop"}
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/customers/sync-status", json={"items": [item]}, headers={"Idempotency-Key": "d-1"})
    retry = api.post("/customers/sync-status", json={"items": [item]}, headers={"Idempotency-Key": "d-1"})
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["results"][0]["outcome"] == "updated"  # the first (lost) answer, replayed


def test_the_request_log_counts_api_calls_only(api, admin, state_dir: Path) -> None:
    sandbox.auxo.clear_request_log(state_dir)
    admin.workshop()
    api.get("/customers", params={"limit": 5})
    api.post("/customers/sync-status", json={"items": [{"id": "a", "sync_status": "pending"},
                                                       {"id": "b", "sync_status": "pending"}]},
             headers={"Idempotency-Key": "log-1"})
    log = sandbox.auxo.request_log(state_dir)
    assert [(r["method"], r["path"], r["documents"]) for r in log] == [
        ("GET", "/api/v1/customers", 0), ("POST", "/api/v1/customers/sync-status", 2)]
    assert log[0]["query"] == "limit=5" and log[1]["idempotency_key"] == "log-1" and log[1]["status"] == 200
    assert admin.do("GET", "/requests") == log
    admin.do("DELETE", "/requests")
    assert sandbox.auxo.request_log(state_dir) == []


def test_the_clock_moves_every_timestamp_it_writes(api, admin) -> None:
    clock = admin.do("PUT", "/clock", {"frozen_at": "2031-01-02T03:04:05Z"})
    assert clock["now"] == "2031-01-02T03:04:05.000000Z" and clock["frozen_at"] == clock["now"]
    customer = admin.post("/customers", {"name": "Clocked"})
    assert customer["created_at"] == "2031-01-02T03:04:05.000000Z"
    admin.do("PUT", "/clock", {"advance_seconds": 3600})
    assert admin.post("/customers", {"name": "Later"})["created_at"] == "2031-01-02T04:04:05.000000Z"
    assert admin.do("PUT", "/clock", {"real": True})["frozen_at"] is None
    assert admin.do("PUT", "/clock", {"bogus": 1}, expect=400)["error"]["code"] == "invalid_request"


def test_reset_empties_the_workshop_and_keeps_the_key(api, admin, state_dir: Path) -> None:
    key = sandbox.auxo.credentials(state_dir)["api_key"]
    admin.workshop()
    admin.post("/reset")
    assert api.get("/customers").json()["data"] == []
    assert sandbox.auxo.credentials(state_dir)["api_key"] == key


def test_seed_takes_records_as_given(api, admin) -> None:
    record = {"id": "cus_seeded", "kind": "individual", "name": "Seeded", "first_name": "Seed", "last_name": "Ed",
              "contact_person": None, "email": None, "phone": None, "mobile": None, "addresses": [], "abn": None,
              "archived": False, "xero_contact_id": None, "sync_status": "pending", "sync_error": None,
              "synced_at": None, "edited_at": "2026-01-05T00:00:00.000000Z", "updated_at": "2026-01-05T00:00:00Z"}
    assert admin.post("/seed", {"customers": [record]}) == {"seeded": {"customers": 1}}
    served = api.get("/customers/cus_seeded").json()
    assert served["updated_at"] == "2026-01-05T00:00:00.000000Z" and served["created_at"] == served["updated_at"]
    assert admin.post("/seed", {"nonsense": []}, expect=400)["error"]["code"] == "invalid_request"


def test_writers_sharing_a_state_folder_never_share_a_timestamp(state_dir: Path) -> None:
    """Two stores on one file stand for two processes (Dagster workers and a served copy)."""
    stores = [Store(state_dir), Store(state_dir)]
    from sandbox.auxo import actions
    from sandbox.auxo.fields import Fields

    def create(store: Store, n: int) -> None:
        for i in range(n):
            with store.transaction() as tx:
                actions.create_contact(tx, "customers", Fields({"name": f"{id(store)}-{i}"}))

    threads = [threading.Thread(target=create, args=(store, 40)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [c["updated_at"] for c in stores[0].all("customers")]
    assert len(stamps) == 80 and len(set(stamps)) == 80


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_prints_how_to_connect_and_serves_the_same_state(state_dir: Path, admin) -> None:
    admin.workshop()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", f"from sandbox.serve import serve; serve('auxo', {port}, {str(state_dir)!r})"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[3])
    try:
        info = json.loads(process.stdout.readline())
        assert info["base_url"] == f"http://127.0.0.1:{port}/api/v1"
        assert info["openapi_url"].endswith("/api/v1/openapi.yaml") and info["admin_url"].endswith("/admin")
        with httpx.Client(base_url=info["base_url"], headers={"X-Api-Key": info["api_key"]}) as client:
            for _ in range(50):
                try:
                    names = [c["name"] for c in client.get("/customers").json()["data"]]
                    break
                except httpx.ConnectError:
                    threading.Event().wait(0.1)
            assert names == ["Jane Citizen"]
            assert client.get(info["openapi_url"]).text.startswith("# The Auxo API contract")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_embedded_transports_share_the_app_per_state(state_dir: Path) -> None:
    assert transport("auxo", state_dir).app is transport("auxo", state_dir).app
