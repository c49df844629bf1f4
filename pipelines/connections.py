"""Where the pipeline connects, from the environment or dlt's ``secrets.toml``.

With nothing configured, both systems are the embedded sandboxes under the data folder. Pointing
at a real Xero organisation or Auxo account is configuration only:

* Xero: ``XERO_API_URL`` (``https://api.xero.com/api.xro/2.0``), ``XERO_CLIENT_ID``,
  ``XERO_CLIENT_SECRET``, and either nothing more (a Custom Connection: client credentials) or a
  refresh token (a standard app: stored under the data folder by ``auxo-xero connect xero``, or
  ``XERO_REFRESH_TOKEN``), plus ``XERO_TENANT_ID`` when the app is connected to several
  organisations. ``XERO_SCOPES`` overrides the granular scopes the sync asks for.
  ``XERO_TIER`` is the app's pricing tier for that organisation: ``starter`` allows 1,000 calls a
  day, the other tiers 5,000; unset means ``standard``. ``XERO_WEBHOOK_KEY`` is the app's webhook
  key (developer portal, Webhooks): with it set, ``auxo-xero webhooks`` receives Xero's changes and
  the 15-minute Xero probe stands down.
* Auxo: ``AUXO_API_URL`` and ``AUXO_API_KEY``.

Each value may also come from ``.dlt/secrets.toml`` (``[xero] client_secret = "..."``). Secrets
are ``SecretStr``: they print as ``**********`` in logs, reprs and errors.
"""

from __future__ import annotations

import os

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.xero.budget import TierLimits, tier_limits
from pipelines.xero.client import XERO_CONNECTIONS_URL, XERO_TOKEN_URL
from pipelines.xero.connect import XERO_AUTHORIZE_URL
from pipelines.xero.scopes import DEFAULT_SCOPES


def _from_dlt_secrets(section: str, key: str) -> str | None:
    """A value from dlt's config providers (``.dlt/secrets.toml`` in the project or ``DLT_PROJECT_DIR``)."""
    import dlt

    try:
        value = dlt.secrets.get(f"{section}.{key}")
    except Exception:
        return None
    return str(value) if value not in (None, "") else None


class SettingsError(Exception):
    """A connection setting that cannot work, naming the setting and the fix.

    Not a ``ValueError`` on purpose: pydantic would wrap that in a ``ValidationError`` whose text
    repeats every input value, secrets included.
    """


class _WithDltFallback(BaseSettings):
    _section: str = ""
    _url_example: str = "https://…"

    def model_post_init(self, __context: object) -> None:
        for name, info in type(self).model_fields.items():
            current = getattr(self, name)
            raw = current.get_secret_value() if isinstance(current, SecretStr) else current
            if raw in (None, ""):
                found = _from_dlt_secrets(self._section, name)
                if found is not None:
                    object.__setattr__(self, name, SecretStr(found) if info.annotation is SecretStr
                                       or info.annotation == SecretStr | None else found)
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name.endswith("_url") and value and not _is_web_address(value):
                setting = f"{self._section.upper()}_{name.upper()}"
                example = self._url_example if name == "api_url" else "https://…"
                raise SettingsError(f"{setting} {value!r} is not a web address: it must start with https:// "
                                 f"(e.g. {example}) — fix it in the environment or .dlt/secrets.toml "
                                 f"[{self._section}] {name}")


def _is_web_address(value: str) -> bool:
    scheme, _, rest = value.partition("://")
    return scheme in ("https", "http") and bool(rest.split("/")[0])


class XeroSettings(_WithDltFallback):
    """``XERO_*``: unset ``api_url`` means the embedded Xero sandbox."""

    model_config = SettingsConfigDict(env_prefix="XERO_", extra="ignore")
    _section = "xero"
    _url_example = "https://api.xero.com/api.xro/2.0"

    api_url: str = ""
    token_url: str = XERO_TOKEN_URL
    authorize_url: str = XERO_AUTHORIZE_URL  # only `auxo-xero connect xero` (the browser) uses it
    connections_url: str = XERO_CONNECTIONS_URL
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    refresh_token: SecretStr = SecretStr("")
    tenant_id: str = ""
    scopes: str = DEFAULT_SCOPES  # granular (pipelines/xero/scopes.py); offline_access added by `connect`
    tier: str = ""  # XERO_TIER; empty: DEFAULT_TIER
    webhook_key: SecretStr = SecretStr("")  # XERO_WEBHOOK_KEY: signs Xero's webhooks (auxo-xero webhooks)

    @property
    def embedded(self) -> bool:
        return not self.api_url

    def limits(self) -> TierLimits:
        """The call limits of ``XERO_TIER``; :class:`TierError` names the setting and its values."""
        return tier_limits(self.tier)


class AuxoSettings(_WithDltFallback):
    """``AUXO_*``: unset ``api_url`` means the embedded Auxo sandbox."""

    model_config = SettingsConfigDict(env_prefix="AUXO_", extra="ignore")
    _section = "auxo"
    _url_example = "https://<your account>/api/v1"

    api_url: str = ""
    api_key: SecretStr = SecretStr("")

    @property
    def embedded(self) -> bool:
        return not self.api_url


def connection_id() -> str:
    """The name of this Auxo ↔ Xero pairing, stamped on every row (``AUXO_XERO_CONNECTION_ID``)."""
    return os.environ.get("AUXO_XERO_CONNECTION_ID", "").strip() or "default"
