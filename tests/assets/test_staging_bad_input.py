"""Xero answers whose records are not what the pipeline expects stop at extraction or staging with
the table, the field and the value named — never loaded half-typed into the plans.

The Xero sandbox answers through a proxy that spoils one field of its Contacts page; the real dlt
source loads it into the warehouse and the real staging step reads it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

import sandbox.xero
from assets.extract import load
from assets.staging.assets import stage_checked
from assets.staging.xero import XERO_STAGING
from pipelines import settings, warehouse
from pipelines.xero.auth import XeroCredentials
from pipelines.xero.client import XeroClient, XeroEndpoints
from pipelines.xero.source import xero_source
from sandbox.embedded import forget_apps, transport
from tests.pipelines.proxy import RewritingProxy

BASE = "http://xero.sandbox"
CONTACTS = next(spec for spec in XERO_STAGING if spec.name == "xero_contacts")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path / "data"))
    forget_apps()
    yield tmp_path / "data"
    forget_apps()


def extract_contacts(spoil: Callable[[list[dict]], None]) -> None:
    state = settings.sandbox_state_dir("xero")
    info = sandbox.xero.credentials(state)

    def client(proxy: bool) -> XeroClient:
        inner = transport("xero", state)
        return XeroClient(XeroCredentials(info["client_id"], info["client_secret"]), tenant_id=info["tenant_id"],
                          endpoints=XeroEndpoints(f"{BASE}/api.xro/2.0", f"{BASE}/connect/token", f"{BASE}/connections"),
                          transport=RewritingProxy(inner, "/Contacts", lambda body: spoil(body["Contacts"]) or body)
                          if proxy else inner)

    client(False).write("PUT", "Contacts", "Contacts", [{"Name": "Smith Motors"}, {"Name": "Jane Citizen"}],
                        idempotency_key="two-contacts")
    load("xero", xero_source(lambda: client(True)).with_resources("contacts"))


def test_a_value_of_the_wrong_type_names_the_table_and_the_value(home: Path) -> None:
    def spoil(contacts: list[dict]) -> None:
        for contact in contacts:
            contact["IsCustomer"] = "maybe"

    extract_contacts(spoil)
    with warehouse.connect() as con, pytest.raises(dg.Failure) as failure:
        stage_checked(con, CONTACTS)
    assert failure.value.description == (
        "staging.xero_contacts: a value from the API has the wrong type (Conversion Error: Could not convert string "
        "'maybe' to BOOL when casting from source column is_customer). The record is in raw_xero.contacts as the "
        "API sent it; fix the source record or the staging spec, then run again.")


def test_a_value_outside_the_contract_is_listed_with_its_row(home: Path) -> None:
    def spoil(contacts: list[dict]) -> None:
        contacts[0]["ContactStatus"] = "GONE"

    extract_contacts(spoil)
    with warehouse.connect() as con, pytest.raises(dg.Failure) as failure:
        stage_checked(con, CONTACTS)
    assert failure.value.description == (
        "staging.xero_contacts: 1 values break the staging contract; the raw data from the API is not what the "
        "pipeline expects. See the failure cases below; fix the source record or the staging spec.")
    assert "GONE" in failure.value.metadata["failure_cases"].value


def test_a_record_without_its_id_stops_the_extraction_naming_the_field(home: Path) -> None:
    def spoil(contacts: list[dict]) -> None:
        contacts[0].pop("ContactID")

    with pytest.raises(PipelineStepFailed) as failed:
        extract_contacts(spoil)
    assert ("In processing pipe `contacts`: Primary key column `ContactID` was not found in extracted data item"
            in str(failed.value))
