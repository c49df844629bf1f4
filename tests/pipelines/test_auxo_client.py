"""The Auxo client and the dlt source against the Auxo sandbox: auth, paging, incremental, retries."""

from datetime import UTC, datetime
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

import sandbox.auxo
from pipelines.auxo.client import AuxoClient
from pipelines.auxo.source import auxo_source
from pipelines.http import AuthError, RetryPolicy, UnreadableAnswer
from sandbox.embedded import transport
from sandbox.faults import FaultConfig, FaultStore
from tests.pipelines.proxy import LOGIN_PAGE, AnsweringProxy

NO_WAIT = RetryPolicy(attempts=4, base_delay=0, sleep=lambda _: None)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "auxo"


@pytest.fixture
def client(state: Path) -> AuxoClient:
    return AuxoClient("http://auxo.sandbox/api/v1", sandbox.auxo.credentials(state)["api_key"],
                      transport=transport("auxo", state), retry=NO_WAIT)


def customers(n: int, start: int = 0, stamp: str = "2026-11-01T00:00:00.000000Z") -> list[dict]:
    return [{"id": f"cus_{i:05d}", "kind": "individual", "name": f"Customer {i}", "first_name": None,
             "last_name": None, "contact_person": None, "email": None, "phone": None, "mobile": None,
             "addresses": [], "abn": None, "archived": False, "xero_contact_id": None, "sync_status": "pending",
             "sync_error": None, "synced_at": None, "edited_at": stamp, "updated_at": stamp}
            for i in range(start, start + n)]


def admin(state: Path) -> httpx.Client:
    return httpx.Client(transport=transport("auxo", state), base_url="http://auxo.sandbox")


def test_a_wrong_key_is_an_auth_error_that_says_what_to_fix(state: Path):
    bad = AuxoClient("http://auxo.sandbox/api/v1", "wrong", transport=transport("auxo", state), retry=NO_WAIT)
    with pytest.raises(AuthError, match="AUXO_API_KEY"):
        bad.get("customers")


def test_pages_cover_every_record_once(state: Path, client: AuxoClient):
    sandbox.auxo.seed(state, {"customers": customers(250)})
    pages = list(client.pages("customers", limit=100))
    assert [len(p) for p in pages] == [100, 100, 50]
    assert len({r["id"] for p in pages for r in p}) == 250


def test_retryable_failures_are_retried_and_writes_are_not_doubled(state: Path, client: AuxoClient):
    sandbox.auxo.seed(state, {"customers": customers(1)})
    FaultStore(state).set(FaultConfig(script=["500", "503", "429"]))
    assert len(next(client.pages("customers"))) == 1
    assert sum(1 for r in sandbox.auxo.request_log(state) if r["path"].endswith("/customers")) == 4
    # the response of a write is lost after it committed: the retry replays it, nothing is written twice
    FaultStore(state).set(FaultConfig(script=["drop"]))
    item = {"id": "cus_00000", "sync_status": "synced", "xero_id": "7d1c7f0e-1111-4a4a-9b9b-000000000001"}
    results = client.write("POST", "customers/sync-status", [item], idempotency_key="k-1")
    assert results[0]["ok"] is True
    writes = [r for r in sandbox.auxo.request_log(state) if r["method"] == "POST"]
    assert len(writes) == 2
    record = client.get("customers/cus_00000")
    assert record["xero_contact_id"] == item["xero_id"]


def _pipeline(tmp_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(pipeline_name="auxo_test", pipelines_dir=str(tmp_path / "dlt"),
                        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), dataset_name="raw_auxo")


def test_a_rerun_reads_only_what_changed(tmp_path: Path, state: Path, client: AuxoClient):
    sandbox.auxo.seed(state, {"customers": customers(30)})
    pipeline = _pipeline(tmp_path)
    pipeline.run(auxo_source(lambda: client, "c1"))
    sandbox.auxo.clear_request_log(state)
    pipeline.run(auxo_source(lambda: client, "c1"))
    log = sandbox.auxo.request_log(state)
    assert len(log) == 13  # one call per resource, each carrying the cursor
    since = next(r for r in log if r["path"].endswith("/customers"))["query"]
    assert "updated_since" in since
    response = admin(state).patch("/admin/customers/cus_00007", json={"email": "new@example.com"})
    assert response.status_code == 200, response.text
    info = pipeline.run(auxo_source(lambda: client, "c1"))
    assert info.has_failed_jobs is False
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        rows = con.execute("select count(*), count(distinct id) from raw_auxo.customers").fetchone()
        email = con.execute("select email from raw_auxo.customers where id = 'cus_00007'").fetchone()[0]
    assert rows == (30, 30) and email == "new@example.com"
    assert pipeline.last_trace.last_normalize_info.row_counts.get("customers") == 1


def test_timestamps_are_sent_as_rfc3339_utc():
    from pipelines.auxo.client import format_timestamp

    assert format_timestamp(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006Z"


def proxied(state: Path, proxy: AnsweringProxy) -> AuxoClient:
    return AuxoClient("http://auxo.sandbox/api/v1", sandbox.auxo.credentials(state)["api_key"], transport=proxy,
                      retry=NO_WAIT)


def test_a_login_page_instead_of_json_names_the_setting(state: Path):
    proxy = AnsweringProxy(transport("auxo", state), "/customers", 200, LOGIN_PAGE)
    with pytest.raises(UnreadableAnswer) as unreadable:
        list(proxied(state, proxy).pages("customers"))
    assert str(unreadable.value) == (
        "Auxo GET customers: the answer (200, text/html) is not JSON but '<html><head><title>Sign in</title></head>"
        "<body><form>Sign in'… — check that AUXO_API_URL is the API's address and nothing (a proxy, a login page) "
        "stands in between")
    assert proxy.answered == 1


def test_a_page_that_is_not_auxos_envelope_is_refused_with_what_came(state: Path):
    proxy = AnsweringProxy(transport("auxo", state), "/customers", 200, b'[{"id": "cus_1"}]', "application/json")
    with pytest.raises(UnreadableAnswer) as wrong:
        list(proxied(state, proxy).pages("customers"))
    assert str(wrong.value) == ("Auxo GET customers: the answer should be an object but is list \"[{'id': 'cus_1'}]\" "
                                "— the API's answer is not in the shape the sync reads")
