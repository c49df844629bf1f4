"""Invoices, credits, payments and deposits end to end on the generator's ``tiny`` workshop.

Both sandboxes are seeded from one generated workshop; the sync job runs over the unsynced window
(one run, as ``auxo-xero demo`` does); the books are then compared with the generator's expected
outcome: every Auxo invoice once in Xero with Auxo's total, GST and amount due to the cent, every
Xero-side action the generator planted reflected in Auxo, and a second run that writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import httpx
import polars as pl
import pytest

import sandbox.auxo
import sandbox.xero
from pipelines import settings
from pipelines.xero.dates import ms_date_to_date
from sandbox.embedded import forget_apps, transport
from sandbox.generator import expected as expected_outcome
from sandbox.generator import generate, seed_sandboxes

END = date(2026, 3, 1)
SEED = 42
SENT_OUTCOMES = ("to_create", "existing", "to_update")
MONEY_ENDPOINTS = ("Invoices", "CreditNotes", "Payments", "BankTransactions", "Prepayments")


def cents(value: object) -> int:
    return int(Decimal(str(value)) * 100)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("money") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUXO_XERO_HOME", str(folder))
        forget_apps()
        workshop = generate("tiny", SEED, END)
        seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        expected_outcome.write_expected(workshop, folder / "expected")
        os.environ["MONEY_TEST_WINDOW"] = f"{workshop.meta['window_start_date']}..{workshop.meta['end_date']}"
        yield folder
        forget_apps()


def run_window() -> dg.ExecuteInProcessResult:
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from assets.definitions import defs

    first, last = os.environ["MONEY_TEST_WINDOW"].split("..")
    result = defs.resolve_job_def("sync_day").execute_in_process(
        run_config={"resources": {"sync_mode": {"config": {"dry_run": False}}}},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
        tags={ASSET_PARTITION_RANGE_START_TAG: str(first), ASSET_PARTITION_RANGE_END_TAG: str(last)})
    failures = [e.event_specific_data.error.message[:500] for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    return result


@pytest.fixture(scope="module")
def synced(home: Path) -> Path:
    run_window()
    return home


def xero_documents(kind: str) -> list[dict[str, Any]]:
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        return admin.get(f"/documents/{kind}").json()[kind]


def auxo_api() -> httpx.Client:
    state = settings.sandbox_state_dir("auxo")
    return httpx.Client(transport=transport("auxo", state), base_url="http://auxo.sandbox",
                        headers={"X-Api-Key": sandbox.auxo.credentials(state)["api_key"]})


def auxo_records(resource: str) -> list[dict[str, Any]]:
    records, cursor = [], None
    with auxo_api() as api:
        while True:
            page = api.get(f"/api/v1/{resource}", params={"limit": 1000, **({"cursor": cursor} if cursor else {})})
            records += page.json()["data"]
            cursor = page.json()["next_cursor"]
            if not cursor:
                return records


def expected(home: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(home / "expected" / f"{name}.parquet")


def test_every_auxo_invoice_is_in_xero_once_with_auxos_total_gst_and_amount_due(synced: Path) -> None:
    in_xero: dict[str, list[dict]] = {}
    for document in xero_documents("Invoices"):
        if document["Type"] == "ACCREC" and document["Status"] != "DELETED":
            in_xero.setdefault(document["InvoiceNumber"], []).append(document)
    auxo = {invoice["number"]: invoice for invoice in auxo_records("invoices")}
    invoices = expected(synced, "invoices")
    sent = invoices.filter(pl.col("outcome").is_in(SENT_OUTCOMES))
    assert sent.height >= 40 and set(sent["planted"].drop_nulls()) >= {"inclusive_freight_discount",
                                                                         "auxo_edited_after_sync"}
    assert sent.filter(pl.col("reference") != "").height >= 10  # registrations, not all blank
    for row in sent.iter_rows(named=True):
        (xero,) = in_xero[row["number"]]
        invoice = auxo[row["number"]]
        adjustment = [line for line in invoice["lines"] if line["kind"] == "xero_adjustment"]
        assert (cents(xero["Total"]), cents(xero["TotalTax"]), cents(xero["AmountDue"]), xero["Status"]) == \
            (row["xero_total"], row["xero_total_tax"], row["xero_amount_due"], row["xero_status"]), row["number"]
        assert (ms_date_to_date(xero["Date"]), xero.get("Reference", "")) == (row["invoice_date"], row["reference"]), \
            row["number"]  # Xero's date is Auxo's invoice date; the vehicle registration is the Reference
        assert (invoice["status"], cents(invoice["balance"]), invoice["sync_status"]) == \
            (row["auxo_status"], row["auxo_balance"], "synced"), row["number"]
        assert (sum(cents(line["line_total"]) for line in adjustment), sum(cents(line["gst"]) for line in adjustment)) \
            == (row["auxo_adjustment_total"], row["auxo_adjustment_gst"]), row["number"]
    clash = invoices.filter(pl.col("planted") == "number_clash").row(0, named=True)
    assert auxo[clash["number"]]["sync_error"]["code"] == "duplicate_number"
    for waiting in invoices.filter(pl.col("outcome") == "waiting")["number"]:
        assert waiting not in in_xero


def test_each_planted_xero_side_action_arrives_in_auxo(synced: Path) -> None:
    actions = {row["action"]: row for row in expected(synced, "xero_actions").iter_rows(named=True)}
    invoices = {invoice["number"]: invoice for invoice in auxo_records("invoices")}
    payments = auxo_records("payments")

    paid = actions["xero_payment"]
    assert [cents(p["amount"]) for p in payments if p["source"] == "xero" and
            p["invoice_id"] == invoices[paid["invoice_number"]]["id"]] == [paid["amount"]]
    allocated = invoices[actions["xero_credit_allocation"]["invoice_number"]]
    assert [cents(a["amount"]) for a in allocated["xero_allocations"]] == [actions["xero_credit_allocation"]["amount"]]
    edited = invoices[actions["xero_edited_total"]["invoice_number"]]
    (line,) = [line for line in edited["lines"] if line["kind"] == "xero_adjustment"]
    assert (cents(line["line_total"]), cents(line["gst"])) == (actions["xero_edited_total"]["amount"],
                                                                actions["xero_edited_total"]["gst"])
    assert invoices[actions["xero_voided_invoice"]["invoice_number"]]["status"] == "void"
    deleted = next(p for p in payments if p["id"] == actions["xero_deleted_payment"]["payment_id"])
    assert (deleted["status"], deleted["deleted_source"]) == ("deleted", "xero")


def test_payments_deposits_and_credits_reach_xero_once(synced: Path) -> None:
    xero_payments = [p for p in xero_documents("Payments") if p["Status"] != "DELETED"]
    prepayments = xero_documents("Prepayments")
    by_reference: dict[str, int] = {}
    for document in xero_payments + prepayments:
        by_reference[document.get("Reference", "")] = by_reference.get(document.get("Reference", ""), 0) + 1
    auxo = {payment["id"]: payment for payment in auxo_records("payments")}
    to_create = expected(synced, "payments").filter(pl.col("state") == "to_create")
    assert to_create.height >= 5 and "deposit" in to_create["kind"].to_list()
    deposits = {t["Reference"]: t for t in xero_documents("BankTransactions") if t["Type"] == "RECEIVE-PREPAYMENT"}
    payments = {p["Reference"]: p for p in xero_payments}
    for row in to_create.iter_rows(named=True):
        prefix = "Auxo DEP" if row["kind"] == "deposit" else "Auxo PAY"
        assert by_reference.get(f"{prefix} {row['payment_id']}") == 1, row["payment_id"]
        if row["kind"] == "deposit":  # into the deposit bank account, as a prepayment on the day it was taken
            deposit = deposits[f"Auxo DEP {row['payment_id']}"]
            assert (deposit["BankAccount"]["Code"], ms_date_to_date(deposit["Date"]).isoformat(), cents(deposit["Total"])) \
                == (row["deposit_bank_account"], row["payment_date"], row["amount"]), row["payment_id"]
        else:  # to the clearing account of its method, on the day it was taken
            payment = payments[f"Auxo PAY {row['payment_id']}"]
            assert (payment["Account"]["Code"], ms_date_to_date(payment["Date"]).isoformat(), cents(payment["Amount"])) \
                == (row["account"], row["payment_date"], row["amount"]), row["payment_id"]
        assert auxo[row["payment_id"]]["sync_status"] == "synced" and auxo[row["payment_id"]]["xero_payment_id"]
    for row in expected(synced, "credit_notes").filter(pl.col("state") == "to_create").iter_rows(named=True):
        (note,) = [n for n in xero_documents("CreditNotes") if n["CreditNoteNumber"] == row["number"]]
        assert cents(note["Total"]) == row["total"] and cents(note["RemainingCredit"]) == 0  # allocated in full


def test_a_second_run_changes_nothing(synced: Path) -> None:
    xero_state, auxo_state = settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo")
    sandbox.xero.clear_request_log(xero_state)
    sandbox.auxo.clear_request_log(auxo_state)
    run_window()
    # the money documents' writes (other domains' writes are their tests' business)
    xero_writes = [(r["method"], r["path"]) for r in sandbox.xero.request_log(xero_state, path_prefix="/api.xro")
                   if r["method"] in ("PUT", "POST") and r["path"].split("/")[3] in MONEY_ENDPOINTS]
    auxo_writes = [r["path"] for r in sandbox.auxo.request_log(auxo_state)
                   if r["method"] == "POST" and r["path"].split("/")[3] in ("invoices", "invoice-credits", "payments")]
    assert (xero_writes, auxo_writes) == ([], [])


def test_a_payment_entered_in_both_systems_is_reported_and_not_doubled(synced: Path) -> None:
    invoices = expected(synced, "invoices")
    row = invoices.filter((pl.col("outcome") == "existing") & (pl.col("xero_amount_due") > 5000)
                          & pl.col("planted").is_null()).row(0, named=True)
    day = date.today().isoformat()
    with auxo_api() as api:
        taken = api.post(f"/admin/invoices/{row['invoice_id']}/payments",
                         json={"amount": "50.00", "payment_date": day, "method": "eftpos"})
        assert taken.status_code < 300, taken.text
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        entered = admin.post("/actions/payment", json={"Invoice": {"InvoiceID": row["xero_invoice_id"]},
                                                       "Account": {"Code": "090"}, "Date": day, "Amount": "50.00"})
        assert entered.status_code < 300, entered.text
    os.environ["MONEY_TEST_WINDOW"] = f"{day}..{day}"
    run_window()

    on_invoice = [p for p in xero_documents("Payments")
                  if (p.get("Invoice") or {}).get("InvoiceID") == row["xero_invoice_id"] and p["Status"] != "DELETED"]
    assert [cents(p["Amount"]) for p in on_invoice] == [5000]  # only the one entered in Xero
    auxo = [p for p in auxo_records("payments") if p["invoice_id"] == row["invoice_id"] and p["status"] == "active"]
    assert [(p["source"], cents(p["amount"])) for p in auxo] == [("auxo", 5000)]  # only the one taken in Auxo
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        reported = con.execute("select auxo_id, xero_id, detail from plans.invoice_exceptions "
                               "where reason = 'payment_in_both_systems'").fetchall()
    assert [(auxo_id, xero_id) for auxo_id, xero_id, _ in reported] == [(auxo[0]["id"], on_invoice[0]["PaymentID"])]
