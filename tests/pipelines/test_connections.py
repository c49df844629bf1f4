"""Connection settings: a setting that cannot work stops the run with the setting named and the fix."""

from pathlib import Path

import pytest

from assets.resources import build_auxo_client, build_xero_client
from pipelines.connections import AuxoSettings, SettingsError, XeroSettings


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("XERO_", "AUXO_API")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DLT_PROJECT_DIR", str(tmp_path))  # no .dlt/secrets.toml but the test's own


@pytest.mark.parametrize(("setting", "value", "settings", "fix"), [
    ("XERO_API_URL", "api.xero.com/api.xro/2.0", XeroSettings, "(e.g. https://api.xero.com/api.xro/2.0) — fix it in "
                                                              "the environment or .dlt/secrets.toml [xero] api_url"),
    ("XERO_TOKEN_URL", "identity.xero.com/connect/token", XeroSettings, "(e.g. https://…) — fix it in the environment "
                                                                        "or .dlt/secrets.toml [xero] token_url"),
    ("AUXO_API_URL", "https:/workshop.example/api/v1", AuxoSettings, "(e.g. https://<your account>/api/v1) — fix it in "
                                                                     "the environment or .dlt/secrets.toml [auxo] "
                                                                     "api_url"),
])
def test_a_malformed_url_names_the_setting_and_the_fix(monkeypatch: pytest.MonkeyPatch, setting: str, value: str,
                                                      settings: type, fix: str) -> None:
    monkeypatch.setenv(setting, value)
    monkeypatch.setenv("XERO_CLIENT_SECRET", "the-secret-itself")
    with pytest.raises(SettingsError) as bad:
        settings()
    assert str(bad.value) == f"{setting} {value!r} is not a web address: it must start with https:// {fix}"
    assert "the-secret-itself" not in str(bad.value)  # pydantic's ValidationError would repeat every input


def test_a_missing_client_secret_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XERO_API_URL", "https://api.xero.com/api.xro/2.0")
    monkeypatch.setenv("XERO_CLIENT_ID", "an-app")
    with pytest.raises(ValueError) as incomplete:
        build_xero_client()
    assert str(incomplete.value) == ("Xero credentials are incomplete: set XERO_CLIENT_ID and XERO_CLIENT_SECRET "
                                     "(environment or .dlt/secrets.toml [xero])")


def test_a_missing_auxo_key_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUXO_API_URL", "https://workshop.example/api/v1")
    with pytest.raises(ValueError) as missing:
        build_auxo_client()
    assert str(missing.value) == "Auxo API key missing: set AUXO_API_KEY (environment or .dlt/secrets.toml [auxo])"

