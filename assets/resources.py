"""Dagster resources: the warehouse, the two API clients, the mappings.

Connection details are resolved when a run starts (``pipelines.connections``), never at import
time, and never enter Dagster's run config or the UI: with nothing configured, both systems are
the embedded sandboxes under the data folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from mappings import Mappings, load_mappings
from pipelines import settings, warehouse
from pipelines.auxo.client import AuxoClient
from pipelines.connections import AuxoSettings, XeroSettings, connection_id
from pipelines.xero.auth import XeroCredentials
from pipelines.xero.budget import RateBudget
from pipelines.xero.client import XeroClient, XeroEndpoints

EMBEDDED_XERO_URL = "http://xero.sandbox"
EMBEDDED_AUXO_URL = "http://auxo.sandbox"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse (``AUXO_XERO_WAREHOUSE`` or ``<data folder>/warehouse.duckdb``)."""

    path: str = ""

    def database_path(self) -> Path:
        return Path(self.path) if self.path else settings.warehouse_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.database_path(), read_only=read_only) as con:
            yield con


def build_xero_client(config: XeroSettings | None = None) -> XeroClient:
    """A Xero client for the configured organisation, or for the embedded sandbox."""
    config = config or XeroSettings()
    budget = RateBudget(tier=config.limits().tier)  # a bad XERO_TIER stops here, named
    if config.embedded:
        import sandbox.xero
        from sandbox.embedded import transport

        state = settings.sandbox_state_dir("xero")
        creds = sandbox.xero.credentials(state)
        return XeroClient(
            XeroCredentials(creds["client_id"], creds["client_secret"]),
            tenant_id=creds["tenant_id"],
            endpoints=XeroEndpoints(f"{EMBEDDED_XERO_URL}/api.xro/2.0", f"{EMBEDDED_XERO_URL}/connect/token",
                                    f"{EMBEDDED_XERO_URL}/connections"),
            transport=transport("xero", state),
            budget=budget,
        )
    return XeroClient(
        XeroCredentials(config.client_id, config.client_secret.get_secret_value(),
                        config.refresh_token.get_secret_value() or None, config.scopes),
        tenant_id=config.tenant_id or None,
        endpoints=XeroEndpoints(config.api_url.rstrip("/"), config.token_url, config.connections_url),
        secrets_dir=settings.secrets_dir(),
        budget=budget,
    )


def build_auxo_client(config: AuxoSettings | None = None) -> AuxoClient:
    """An Auxo client for the configured account, or for the embedded sandbox."""
    config = config or AuxoSettings()
    if config.embedded:
        import sandbox.auxo
        from sandbox.embedded import transport

        state = settings.sandbox_state_dir("auxo")
        return AuxoClient(f"{EMBEDDED_AUXO_URL}/api/v1", sandbox.auxo.credentials(state)["api_key"],
                          transport=transport("auxo", state))
    return AuxoClient(config.api_url, config.api_key.get_secret_value())


class XeroApiResource(dg.ConfigurableResource):
    """Xero's Accounting API (``XERO_*`` environment variables, ``XERO_TIER`` for the day's call limit;
    the embedded sandbox when unset)."""

    def client(self) -> XeroClient:
        return build_xero_client()


class AuxoApiResource(dg.ConfigurableResource):
    """The Auxo Workshop API (``AUXO_*`` environment variables; the embedded sandbox when unset)."""

    def client(self) -> AuxoClient:
        return build_auxo_client()


class MappingsResource(dg.ConfigurableResource):
    """The YAML files in ``mappings/`` (or ``AUXO_XERO_MAPPINGS``), validated on load."""

    folder: str = ""

    def load(self) -> Mappings:
        return load_mappings(Path(self.folder) if self.folder else None)


class ConnectionResource(dg.ConfigurableResource):
    """Which Auxo ↔ Xero pairing this deployment syncs (``AUXO_XERO_CONNECTION_ID``)."""

    def id(self) -> str:
        return connection_id()
