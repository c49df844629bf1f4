"""``auxo-xero connect xero`` end to end against a served Xero sandbox: a browser-like httpx client
follows the authorize address, presses a button on the consent page and follows Xero's redirect to
the command's callback server; then the sync's own client reads the organisation with the stored
token."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pytest
from typer.testing import CliRunner

import sandbox.xero
from assets import cli
from assets.resources import build_xero_client
from pipelines import settings
from pipelines.connections import XeroSettings
from pipelines.xero.auth import TokenStore
from pipelines.xero.client import MissingScope
from sandbox.embedded import forget_apps
from sandbox.xero import state
from sandbox.xero.app import add_organisation, configure_app, create_app
from tests.sandbox.conftest import serving


class Browser:
    """Stands in for ``webbrowser.open``: visits the address in a thread, as a person would."""

    def __init__(self, *, decision: str = "allow", tenants: list[str] | None = None,
                 tamper: Callable[[str], str] | None = None, act: bool = True) -> None:
        self.decision, self.tenants, self.tamper, self.act = decision, tenants, tamper, act
        self.visited: list[str] = []
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def __call__(self, url: str, *args: object, **kwargs: object) -> bool:
        self.visited.append(url)
        if self.act:
            thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return True

    def _visit(self, url: str) -> None:
        try:
            with httpx.Client(timeout=10) as http:
                page = http.get(url)
                if page.status_code == 302:
                    location = page.headers["location"]
                else:
                    assert page.status_code == 200, page.text
                    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
                    boxes = re.findall(r'name="tenant" value="([^"]+)"( checked)?', page.text)
                    chosen = self.tenants if self.tenants is not None else [v for v, c in boxes if c]
                    form = [("request_id", request_id), ("decision", self.decision), *(("tenant", t) for t in chosen)]
                    parts = urlsplit(url)
                    answer = http.post(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                                       content=urlencode(form),
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
                    assert answer.status_code == 302, answer.text
                    location = answer.headers["location"]
                if self.tamper:
                    location = self.tamper(location)
                assert http.get(location).status_code == 200
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.errors.append(exc)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=10)
        assert not self.errors, self.errors


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    state_dir = tmp_path / "xero"
    with serving(create_app(state_dir)) as base:
        creds = sandbox.xero.credentials(state_dir)
        env = {"XERO_API_URL": f"{base}/api.xro/2.0", "XERO_TOKEN_URL": f"{base}/connect/token",
               "XERO_CONNECTIONS_URL": f"{base}/connections",
               "XERO_AUTHORIZE_URL": f"{base}/identity/connect/authorize",
               "XERO_CLIENT_ID": creds["client_id"], "XERO_CLIENT_SECRET": creds["client_secret"],
               "AUXO_XERO_HOME": str(tmp_path / "home")}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for key in ("XERO_REFRESH_TOKEN", "XERO_TENANT_ID", "XERO_SCOPES"):
            monkeypatch.delenv(key, raising=False)
        yield {**creds, "base": base, "state_dir": state_dir}
    forget_apps()
    state.forget()


def connect(browser: Browser, monkeypatch: pytest.MonkeyPatch, *args: str, input: str | None = None):
    monkeypatch.setattr("webbrowser.open", browser)
    result = CliRunner().invoke(cli.app, ["connect", "xero", "--port", "0", "--timeout", "10", *args], input=input)
    browser.join()
    return result


def store(served: dict) -> TokenStore:
    return TokenStore(settings.secrets_dir(), served["client_id"])


def test_the_whole_flow_then_the_sync_reads_with_the_stored_token(served: dict,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    browser = Browser()
    result = connect(browser, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Connected to Auxo Demo Workshop Pty Ltd" in " ".join(result.output.split())
    assert f"XERO_TENANT_ID={served['tenant_id']}" in result.output
    [url] = browser.visited
    query = dict(p.split("=", 1) for p in urlsplit(url).query.split("&"))
    assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
    assert "offline_access" in query["scope"] and "accounting.transactions" not in query["scope"]
    assert query["redirect_uri"].startswith("http%3A%2F%2Flocalhost%3A")
    saved = store(served)
    assert saved.has_token() and saved.details()["tenant_id"] == served["tenant_id"]
    assert saved.current(None) not in result.output and served["client_secret"] not in result.output
    assert oct(saved.path.stat().st_mode & 0o777) == "0o600"
    # the runs pick the stored token up: no XERO_REFRESH_TOKEN needed
    monkeypatch.setenv("XERO_TENANT_ID", served["tenant_id"])
    with build_xero_client(XeroSettings()) as client:
        assert not client.custom_connection
        assert client.organisation()["Name"] == "Auxo Demo Workshop Pty Ltd"
        assert client.get_all("Invoices") is not None and client.get_all("ManualJournals") is not None


def test_a_forged_state_is_refused_and_nothing_stored(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    result = connect(Browser(tamper=lambda loc: re.sub(r"state=[^&]+", "state=forged", loc)), monkeypatch)
    assert result.exit_code == 1 and "state does not match" in result.output
    assert not store(served).has_token()


def test_cancel_on_the_consent_page(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    result = connect(Browser(decision="cancel"), monkeypatch)
    assert result.exit_code == 1 and "not allowed on Xero's consent page" in " ".join(result.output.split())
    assert not store(served).has_token()


def test_no_answer_times_out(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("webbrowser.open", Browser(act=False))
    result = CliRunner().invoke(cli.app, ["connect", "xero", "--port", "0", "--timeout", "0.3"])
    assert result.exit_code == 1 and "no answer from Xero within" in " ".join(result.output.split())


def test_no_browser_prints_the_address(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("webbrowser.open", lambda *a, **k: pytest.fail("--no-browser opened a browser"))
    result = CliRunner().invoke(cli.app, ["connect", "xero", "--port", "0", "--timeout", "0.3", "--no-browser"])
    assert "Open this address" in result.output and "/identity/connect/authorize?" in result.output


def test_a_retired_scope_is_refused_for_a_new_app(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XERO_SCOPES", "accounting.transactions accounting.contacts accounting.settings")
    result = connect(Browser(), monkeypatch)
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and "invalid_scope" in output and "granular" in output
    configure_app(served["state_dir"], created="2025-11-01")  # an older app may still use it, to migrate
    assert connect(Browser(), monkeypatch).exit_code == 0


def test_a_missing_scope_names_the_scope_and_the_fix(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XERO_SCOPES", "accounting.contacts accounting.invoices accounting.settings.read")
    assert connect(Browser(), monkeypatch).exit_code == 0
    with build_xero_client(XeroSettings()) as client:
        client.get("Contacts")
        with pytest.raises(MissingScope) as refused:
            client.get("ManualJournals")
    message = str(refused.value)
    assert refused.value.scope == "accounting.manualjournals.read" and "accounting.manualjournals" in message
    assert "developer portal" in message and "auxo-xero connect xero" in message


def test_two_organisations_by_tenant_or_by_prompt(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    second = add_organisation(served["state_dir"], "Northside Tyres Pty Ltd")
    both = [served["tenant_id"], second["tenant_id"]]
    result = connect(Browser(tenants=both), monkeypatch, "--tenant", "northside tyres pty ltd")
    assert result.exit_code == 0, result.output
    assert "Connected to Northside Tyres Pty Ltd" in " ".join(result.output.split())
    assert store(served).details()["tenant_id"] == second["tenant_id"]

    result = connect(Browser(tenants=both), monkeypatch, input="1\n")
    assert result.exit_code == 0, result.output
    assert "Which organisation" in result.output and "1. Auxo Demo Workshop Pty Ltd" in result.output
    assert store(served).details()["tenant_id"] == served["tenant_id"]

    result = connect(Browser(tenants=[served["tenant_id"]]), monkeypatch, "--tenant", second["tenant_id"])
    assert result.exit_code == 1 and "is not among the connected organisations" in " ".join(result.output.split())


def test_a_custom_connection(served: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect(Browser(), monkeypatch).exit_code == 0
    monkeypatch.setattr("webbrowser.open", lambda *a, **k: pytest.fail("a Custom Connection opened a browser"))
    result = CliRunner().invoke(cli.app, ["connect", "xero", "--custom-connection"])
    assert result.exit_code == 0, result.output
    assert "Custom Connection (client credentials)" in " ".join(result.output.split())
    assert not store(served).has_token()  # the runs use client credentials from now on
    with build_xero_client(XeroSettings()) as client:
        assert client.custom_connection and client.organisation()["Name"] == "Auxo Demo Workshop Pty Ltd"


def test_connect_needs_a_real_xero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XERO_API_URL", raising=False)
    result = CliRunner().invoke(cli.app, ["connect", "xero"])
    assert result.exit_code == 2 and "XERO_API_URL" in result.output


def test_connect_auxo_shows_the_account() -> None:
    result = CliRunner().invoke(cli.app, ["connect", "auxo"])
    assert result.exit_code == 0, result.output
    assert "Connected to Auxo account" in result.output and "Australia/Sydney" in result.output
