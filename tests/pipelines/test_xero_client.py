"""The Xero client and the dlt source against the Xero sandbox: auth, paging, incremental, limits, retries."""

from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

import sandbox.xero
from pipelines.http import AuthError, DailyLimitReached, RetryableApiError, RetryPolicy, UnreadableAnswer
from pipelines.xero.auth import TokenStore, XeroCredentials
from pipelines.xero.budget import RateBudget
from pipelines.xero.client import MissingScope, XeroClient, XeroEndpoints
from pipelines.xero.source import xero_source
from sandbox.embedded import transport
from sandbox.faults import FaultConfig, FaultStore
from sandbox.xero.app import connection_info
from tests.pipelines.proxy import LOGIN_PAGE, AnsweringProxy

BASE = "http://xero.sandbox"
ENDPOINTS = XeroEndpoints(f"{BASE}/api.xro/2.0", f"{BASE}/connect/token", f"{BASE}/connections")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "xero"


def make_client(state: Path, *, sleeps: Sleeps | None = None, tenant: bool = True, budget: RateBudget | None = None,
                proxy: AnsweringProxy | None = None, **creds) -> XeroClient:
    info = sandbox.xero.credentials(state)
    credentials = XeroCredentials(creds.get("client_id", info["client_id"]),
                                  creds.get("client_secret", info["client_secret"]), creds.get("refresh_token"))
    return XeroClient(credentials, tenant_id=info["tenant_id"] if tenant else None, endpoints=ENDPOINTS,
                      transport=proxy or transport("xero", state), secrets_dir=state.parent / "secrets", budget=budget,
                      retry=RetryPolicy(attempts=4, base_delay=0.01, sleep=sleeps if sleeps is not None else Sleeps()))


def admin(state: Path) -> httpx.Client:
    return httpx.Client(transport=transport("xero", state), base_url=BASE)


def contacts(n: int) -> list[dict]:
    return [{"Name": f"Customer {i:05d}", "EmailAddress": f"c{i}@example.com"} for i in range(n)]


def create_contacts(client: XeroClient, n: int) -> None:
    everyone = contacts(n)
    for start in range(0, n, 50):
        client.write("PUT", "Contacts", "Contacts", everyone[start:start + 50], idempotency_key=f"seed-{start}")


def test_client_credentials_and_tenant(state: Path):
    client = make_client(state)
    assert client.organisation()["CountryCode"] == "AU"
    assert client.resolve_tenant() == sandbox.xero.credentials(state)["tenant_id"]
    requests = sandbox.xero.request_log(state, path_prefix="/connect/token")
    assert len(requests) == 1


def test_a_wrong_secret_says_which_settings_to_check(state: Path):
    with pytest.raises(AuthError, match="XERO_CLIENT_ID and XERO_CLIENT_SECRET"):
        make_client(state, client_secret="not-the-secret").organisation()


def test_without_a_tenant_id_the_single_connection_is_used(state: Path):
    client = make_client(state, tenant=False)
    assert client.resolve_tenant() == sandbox.xero.credentials(state)["tenant_id"]


def test_with_a_refresh_token_and_no_tenant_id_the_single_connection_is_looked_up_first(state: Path):
    client = make_client(state, tenant=False, refresh_token=connection_info(state, BASE)["refresh_token"])
    assert client.organisation()["CountryCode"] == "AU"  # a user's token names no tenant: Xero needs the header
    assert client.tenant_id == sandbox.xero.credentials(state)["tenant_id"]
    assert [r["path"] for r in sandbox.xero.request_log(state)][-2:] == ["/connections", "/api.xro/2.0/Organisation"]


def test_refresh_tokens_rotate_and_the_new_one_is_persisted_before_use(state: Path):
    first = connection_info(state, BASE)["refresh_token"]
    client = make_client(state, refresh_token=first)
    client.organisation()
    store = TokenStore(state.parent / "secrets", sandbox.xero.credentials(state)["client_id"])
    rotated = store.current(first)
    assert rotated != first
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"
    assert first not in store.path.read_text()
    # a new process starts from the persisted token, not the (now spent) configured one
    again = make_client(state, refresh_token=first)
    again.organisation()
    assert store.current(first) not in (first, rotated)
    # a person configures a brand-new token: it wins over the stored descendant of the old one
    fresh = connection_info(state, BASE)["refresh_token"]
    assert store.current(fresh) == fresh


def test_pages_of_a_thousand(state: Path):
    client = make_client(state)
    create_contacts(client, 2500)
    sandbox.xero.clear_request_log(state)
    pages = list(client.pages("Contacts"))
    assert [len(p) for p in pages] == [1000, 1000, 500]
    requests = sandbox.xero.request_log(state, path_prefix="/api.xro")
    assert len(requests) == 3 and all("pageSize=1000" in r["query"] for r in requests)


def test_a_minute_429_is_waited_out_as_xero_says_then_left_to_the_next_run(state: Path):
    admin(state).put("/admin/config", json={"rate_limits": {"enabled": True, "per_minute": 2}})
    other_process = make_client(state)
    other_process.get("Organisation")
    other_process.get("Organisation")
    sleeps = Sleeps()  # no real time passes, so the sandbox keeps refusing
    client = make_client(state, sleeps=sleeps, budget=RateBudget(sleep=sleeps))
    with pytest.raises(RetryableApiError, match="minute rate limit"):
        client.get("Organisation")
    refused = [r for r in sandbox.xero.request_log(state, path_prefix="/api.xro") if r["status"] == 429]
    assert len(refused) == 4  # the first try and three retries
    assert sleeps and all(s >= 1 for s in sleeps)  # each wait as long as Retry-After or the window says


def test_the_day_limit_stops_at_once(state: Path):
    admin(state).put("/admin/config", json={"rate_limits": {"enabled": True, "per_day": 2}})
    sleeps = Sleeps()
    client = make_client(state, sleeps=sleeps)
    client.get("Organisation")
    client.get("Organisation")
    with pytest.raises(DailyLimitReached):
        client.get("Organisation")
    assert sleeps == []
    with pytest.raises(DailyLimitReached):  # known now: no call is even made
        client.get("Accounts")
    assert len(sandbox.xero.request_log(state, path_prefix="/api.xro/2.0/Accounts")) == 0


def test_5xx_and_lost_responses_are_retried_without_writing_twice(state: Path):
    client = make_client(state)
    FaultStore(state).set(FaultConfig(script=["500", "503", "drop"]))
    results = client.write("PUT", "Contacts", "Contacts", contacts(3), idempotency_key="contacts-batch-1")
    assert [r["StatusAttributeString"] for r in results] == ["OK"] * 3
    listed = client.get_all("Contacts", params={"where": 'Name.StartsWith("Customer")'})
    assert len(listed) == 3


def test_the_budget_keeps_to_sixty_a_minute():
    now = [0.0]
    sleeps = Sleeps()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    budget = RateBudget(per_minute=60, clock=lambda: now[0], sleep=sleep)
    for _ in range(60):
        with budget.slot():
            now[0] += 0.1
    assert sleeps == []
    with budget.slot():
        pass
    assert len(sleeps) == 1 and 53 < sleeps[0] < 61  # waits for the oldest call to leave the window


def _pipeline(tmp_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(pipeline_name="xero_test", pipelines_dir=str(tmp_path / "dlt"),
                        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), dataset_name="raw_xero")


def test_a_rerun_reads_only_what_changed(tmp_path: Path, state: Path):
    client = make_client(state)
    create_contacts(client, 40)
    pipeline = _pipeline(tmp_path)
    pipeline.run(xero_source(lambda: client, "c1"))
    sandbox.xero.clear_request_log(state)
    pipeline.run(xero_source(lambda: client, "c1"))
    api = sandbox.xero.request_log(state, path_prefix="/api.xro")
    assert len(api) == 10  # one call per collection
    edited = client.get_all("Contacts", params={"where": 'Name=="Customer 00007"'})[0]
    response = admin(state).post("/admin/actions/edit-contact",
                                 json={"ContactID": edited["ContactID"], "EmailAddress": "new@example.com"})
    assert response.status_code == 200, response.text
    pipeline.run(xero_source(lambda: client, "c1"))
    assert pipeline.last_trace.last_normalize_info.row_counts.get("contacts") == 1
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert con.execute("select count(*), count(distinct contact_id) from raw_xero.contacts").fetchone() == (40, 40)
        assert con.execute("select email_address from raw_xero.contacts where name = 'Customer 00007'").fetchone() \
            == ("new@example.com",)


def test_the_default_scopes_cover_exactly_what_the_sync_calls():
    """Every endpoint the extraction reads and every write the sync makes is covered by the default
    scopes — with nothing to spare: each default scope is needed by some call."""
    from pipelines.sync.targets import XERO_ADAPTERS
    from pipelines.xero.scopes import DEFAULT_SCOPES, covers, needed_scope
    from pipelines.xero.settings import RESOURCES

    granted = frozenset(DEFAULT_SCOPES.split())
    calls = [("GET", r.endpoint) for r in RESOURCES] + [(a.method, getattr(a, "url", None) or a.endpoint)
                                                         for a in XERO_ADAPTERS.values()]
    calls += [("GET", "BankTransactions")]  # a deposit whose answer was lost is looked up before resending
    assert all(covers(granted, method, endpoint) for method, endpoint in calls), calls
    needed = {needed_scope(method, endpoint) for method, endpoint in calls}
    written = {s for s in needed if not s.endswith(".read")}
    # the smallest grant: the full scope where the sync writes, the .read variant where it only reads
    assert granted == written | {s for s in needed if s.endswith(".read") and s.removesuffix(".read") not in written}
    assert "offline_access" not in granted and not granted & {"accounting.transactions"}


def test_a_custom_connection_without_a_scope_is_told_which_to_add(state: Path):
    info = sandbox.xero.credentials(state)
    client = XeroClient(XeroCredentials(info["client_id"], info["client_secret"],
                                        scopes="accounting.contacts accounting.settings.read"),
                        tenant_id=info["tenant_id"], endpoints=ENDPOINTS, transport=transport("xero", state))
    assert client.organisation()["Name"]
    with pytest.raises(MissingScope, match=r"lacks the scope accounting\.manualjournals;.*Custom Connection") as exc:
        client.write("PUT", "ManualJournals", "ManualJournals", [{"Narration": "x"}], idempotency_key="mj-1")
    assert exc.value.scope == "accounting.manualjournals" and exc.value.status == 401
    assert len(sandbox.xero.request_log(state, path_prefix="/api.xro/2.0/ManualJournals")) == 1  # no retry


def test_a_wrong_tenant_id_says_which_setting_to_check(state: Path):
    info = sandbox.xero.credentials(state)
    client = XeroClient(XeroCredentials(info["client_id"], info["client_secret"]), endpoints=ENDPOINTS,
                        tenant_id="00000000-0000-0000-0000-000000000000", transport=transport("xero", state))
    with pytest.raises(AuthError) as refused:
        client.organisation()
    assert str(refused.value) == ("Xero GET Organisation: Xero refused access to this organisation (403) — check "
                                  "XERO_TENANT_ID and that the app is still connected")


def test_a_spent_refresh_token_says_to_issue_a_new_one(state: Path):
    with pytest.raises(AuthError) as refused:
        make_client(state, refresh_token="a-token-xero-never-issued").organisation()
    assert str(refused.value) == ("Xero refused the credentials (400 invalid_grant) — the refresh token expired or "
                                  "was already used; reconnect with `auxo-xero connect xero` (or set a new "
                                  "XERO_REFRESH_TOKEN)")


def test_a_login_page_instead_of_json_names_the_setting_and_is_not_retried(state: Path):
    sleeps = Sleeps()
    proxy = AnsweringProxy(transport("xero", state), "/Contacts", 200, LOGIN_PAGE)
    with pytest.raises(UnreadableAnswer) as unreadable:
        make_client(state, proxy=proxy, sleeps=sleeps).get_all("Contacts")
    assert str(unreadable.value) == (
        "Xero GET Contacts: the answer (200, text/html) is not JSON but '<html><head><title>Sign in</title></head>"
        "<body><form>Sign in'… — check that XERO_API_URL is the API's address and nothing (a proxy, a login page) "
        "stands in between")
    assert (proxy.answered, sleeps) == (1, [])


def test_a_proxys_html_error_page_is_retried_then_reported_as_temporary(state: Path):
    sleeps = Sleeps()
    proxy = AnsweringProxy(transport("xero", state), "/Contacts", 502, b"<html><h1>502 Bad Gateway</h1></html>")
    with pytest.raises(RetryableApiError) as temporary:
        make_client(state, proxy=proxy, sleeps=sleeps).get_all("Contacts")
    assert str(temporary.value) == "Xero GET Contacts: Xero answered 502"
    assert proxy.answered == 4 and len(sleeps) == 3


def test_a_collection_that_is_not_a_list_is_refused_with_what_came(state: Path):
    proxy = AnsweringProxy(transport("xero", state), "/Contacts", 200, b'{"Contacts": {"ContactID": "c-1"}}',
                           "application/json")
    with pytest.raises(UnreadableAnswer) as wrong:
        make_client(state, proxy=proxy).get_all("Contacts")
    assert str(wrong.value) == ("Xero GET Contacts: Contacts should be a list but is dict \"{'ContactID': 'c-1'}\" — "
                                "the API's answer is not in the shape the sync reads")


class Unreachable(httpx.BaseTransport):
    """The network is down for the API (the token endpoint still answers)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/api.xro/" in request.url.path:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return self.inner.handle_request(request)


def everything_a_failure_shows(exc: BaseException) -> str:
    """What Dagster, dlt or a console could keep of a failure: messages, reprs, bodies, tracebacks."""
    import sys
    import traceback

    from dagster._utils.error import serializable_error_info_from_exc_info

    try:
        raise exc
    except BaseException:
        dagster_view = serializable_error_info_from_exc_info(sys.exc_info()).to_string()
    chain, cause = [], exc
    while cause is not None:
        chain += [str(cause), repr(cause), repr(cause.args), repr(getattr(cause, "body", None))]
        cause = cause.__cause__ or cause.__context__
    return "\n".join([*chain, *traceback.format_exception(exc), dagster_view])


def test_no_failure_carries_a_secret_or_a_token(state: Path):
    info = sandbox.xero.credentials(state)
    refresh = connection_info(state, BASE)["refresh_token"]
    failures = []
    for secret, token in (("a-wrong-secret-typed-in", refresh), (info["client_secret"], "a-token-never-issued")):
        with pytest.raises(AuthError) as refused:
            make_client(state, client_secret=secret, refresh_token=token).organisation()
        failures.append((refused.value, [secret, token]))
    store = TokenStore(state.parent / "secrets", info["client_id"])
    for proxy, error in ((AnsweringProxy(transport("xero", state), "/Contacts", 401, b'{"Title": "Unauthorized"}',
                                         "application/json"), AuthError),
                         (Unreachable(transport("xero", state)), RetryableApiError)):
        client, issued = make_client(state, refresh_token=refresh, proxy=proxy), []
        fetch = client._tokens.token
        client._tokens.token = lambda fetch=fetch, issued=issued: issued.append(fetch()) or issued[-1]
        with pytest.raises(error) as failed:
            client.get_all("Contacts")
        assert issued  # the calls carried access tokens
        failures.append((failed.value, [info["client_secret"], refresh, store.current(refresh), *issued]))
    for exc, secrets in failures:
        shown = everything_a_failure_shows(exc)
        assert not [s for s in secrets if s in shown], shown
