"""Taking over a pair already in step: the first ``sync`` on a fresh data folder, against an Auxo
account and a Xero organisation that have been kept in step for some days (``--history-days``).

The tiny workshop is seeded with 6 days already synced; the run covers the unsynced window only,
as ``auxo-xero demo`` does. It must extract the history, link it, and write nothing already in step:
no Xero document dated in the history days is created or changed, bar the ones the generator
planted as changed since (an invoice edited in Auxo after its sync, deposits applied in the window),
every history document keeps its Xero id in Auxo and stands ``in_step`` in the reconciliation, and
the window is sent as the generator's expected outcome says.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
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
from sandbox.generator import generate, get_profile, seed_sandboxes, with_synced_days

END = date(2026, 3, 1)
HISTORY_DAYS = 6
XERO_KINDS = ("Invoices", "CreditNotes", "Payments", "BankTransactions", "ManualJournals", "Prepayments")
DATE_FIELD = {"Invoices": "Date", "CreditNotes": "Date", "Payments": "Date", "BankTransactions": "Date",
              "ManualJournals": "Date", "Prepayments": "Date"}
ID_FIELD = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "Payments": "PaymentID",
            "BankTransactions": "BankTransactionID", "ManualJournals": "ManualJournalID",
            "Prepayments": "PrepaymentID"}
AUXO_XERO_ID = {"invoices": "xero_invoice_id", "payments": "xero_payment_id", "invoice-credits": "xero_credit_note_id",
                "purchase-orders": "xero_bill_id", "stock-adjustments": "xero_journal_id"}


def cents(value: object) -> int:
    return int(Decimal(str(value)) * 100)


def xero_documents() -> dict[str, dict[str, dict[str, Any]]]:
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        return {kind: {d[ID_FIELD[kind]]: d for d in admin.get(f"/documents/{kind}").json()[kind]}
                for kind in XERO_KINDS}


def auxo_records(resource: str) -> list[dict[str, Any]]:
    state = settings.sandbox_state_dir("auxo")
    records, cursor = [], None
    with httpx.Client(transport=transport("auxo", state), base_url="http://auxo.sandbox/api/v1",
                      headers={"X-Api-Key": sandbox.auxo.credentials(state)["api_key"]}) as api:
        while True:
            page = api.get(f"/{resource}", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
            records += page["data"]
            cursor = page["next_cursor"]
            if not cursor:
                return records


@pytest.fixture(scope="module")
def takeover(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("takeover") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUXO_XERO_HOME", str(home))
        forget_apps()
        workshop = generate(with_synced_days(get_profile("tiny"), HISTORY_DAYS), 42, END)
        seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        expected_outcome.write_expected(workshop, home / "expected")
        meta = workshop.meta
        first, last = date.fromisoformat(meta["window_start_date"]), date.fromisoformat(meta["end_date"])
        history = {date.fromisoformat(meta["sync_start_date"]) + timedelta(days=k) for k in range(HISTORY_DAYS)}
        before = {"xero": xero_documents(), "auxo": {r: auxo_records(r) for r in AUXO_XERO_ID}}
        sandbox.xero.clear_request_log(settings.sandbox_state_dir("xero"))
        sandbox.auxo.clear_request_log(settings.sandbox_state_dir("auxo"))
        from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

        from assets.definitions import defs

        result = defs.resolve_job_def("sync_day").execute_in_process(
            run_config={"resources": {"sync_mode": {"config": {"dry_run": False}}}},
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
            tags={ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()})
        failures = [e.event_specific_data.error.message[:500] for e in result.all_events if e.is_step_failure]
        assert result.success, failures
        yield {"home": home, "history": history, "window": (first, last), "before": before,
               "after": {"xero": xero_documents(), "auxo": {r: auxo_records(r) for r in AUXO_XERO_ID}},
               "xero_log": sandbox.xero.request_log(settings.sandbox_state_dir("xero"), path_prefix="/api.xro"),
               "expected": {name: pl.read_parquet(home / "expected" / f"{name}.parquet")
                            for name in ("invoices", "payments", "credit_notes", "cogs_journals", "bills",
                                         "contact_links", "contact_updates")}}
        forget_apps()


def planted_changes(takeover: dict[str, Any]) -> set[str]:
    """The Xero ids of history documents the generator planted as changed since their sync: an invoice
    edited in Auxo after it was synced, and deposits (prepayments) applied to their invoice in the window."""
    invoices = takeover["expected"]["invoices"]
    edited = invoices.filter(pl.col("outcome") == "to_update")["xero_invoice_id"].drop_nulls().to_list()
    deposits = takeover["expected"]["payments"].filter((pl.col("kind") == "deposit") & (pl.col("state") == "to_allocate"))
    return set(edited) | set(deposits["xero_payment_id"].drop_nulls().to_list())


def test_the_history_is_long_enough_to_mean_something(takeover: dict[str, Any]) -> None:
    history_invoices = [d for d in takeover["before"]["xero"]["Invoices"].values()
                        if d["Type"] == "ACCREC" and ms_date_to_date(d["Date"]) in takeover["history"]]
    assert len(history_invoices) >= 5 * HISTORY_DAYS
    assert planted_changes(takeover)  # the exceptions below are real ones, not an empty excuse


def test_nothing_already_in_step_is_written_to_xero(takeover: dict[str, Any]) -> None:
    before, after, history = takeover["before"]["xero"], takeover["after"]["xero"], takeover["history"]
    allowed = planted_changes(takeover)
    changed, created = [], []
    for kind in XERO_KINDS:
        for xero_id, document in after[kind].items():
            dated = ms_date_to_date(document[DATE_FIELD[kind]])
            if xero_id not in before[kind]:
                if dated in history:
                    created.append((kind, document.get("InvoiceNumber") or document.get("Reference"), dated))
            elif document != before[kind][xero_id] and xero_id not in allowed and dated in history:
                changed.append((kind, xero_id, dated))
    assert (created, changed) == ([], [])
    # and no write call names a history document other than the planted ones (ids in the path)
    history_ids = {xero_id for kind in XERO_KINDS for xero_id, d in before[kind].items()
                   if ms_date_to_date(d[DATE_FIELD[kind]]) in history} - allowed
    writes = [r["path"] for r in takeover["xero_log"] if r["method"] in ("PUT", "POST")]
    assert writes and not [path for path in writes if any(xero_id in path for xero_id in history_ids)]


def test_every_history_document_keeps_its_xero_id_and_is_in_step(takeover: dict[str, Any]) -> None:
    history = takeover["history"]
    for resource, column in AUXO_XERO_ID.items():
        before = {r["id"]: r.get(column) for r in takeover["before"]["auxo"][resource] if r.get(column)}
        after = {r["id"]: r.get(column) for r in takeover["after"]["auxo"][resource]}
        assert {k: after[k] for k in before} == before, resource  # not one relinked or lost
        assert before or resource == "invoice-credits", resource  # tiny's history may hold no credit
    with duckdb.connect(str(takeover["home"] / "warehouse.duckdb"), read_only=True) as con:
        in_step = con.execute(
            "select count(*) from recon.documents where business_date between ? and ? and state = 'in_step'",
            [min(history), max(history)]).fetchall()[0][0]
        other = con.execute(
            "select document_kind, state, cause, auxo_number, xero_number from recon.documents "
            "where business_date between ? and ? and state not in ('in_step', 'not_required') order by all",
            [min(history), max(history)]).fetchall()
    assert in_step >= 5 * HISTORY_DAYS
    # not in step, as planted: the invoice entered in the window but dated in the locked period (not sent:
    # period_locked; with its part lines' COGS journals), and the invoice made in Xero whose number clashes
    invoices = takeover["expected"]["invoices"]
    locked = invoices.filter(pl.col("planted") == "locked_period").row(0, named=True)
    clash = invoices.filter(pl.col("planted") == "number_clash")["number"].item()
    assert (locked["outcome"], locked["error_code"], date.fromisoformat(str(locked["invoice_date"])) in history) == \
        ("error", "period_locked", True)
    assert {(kind, state, auxo_number, xero_number) for kind, state, _, auxo_number, xero_number in other} == {
        ("invoice", "not_in_xero", locked["number"], None), ("cogs_journal", "not_in_xero", locked["number"], None),
        ("invoice", "only_in_xero", None, clash)}, other
    assert {cause for _, state, cause, _, _ in other if state == "not_in_xero"} <= {"not_planned", "held"}, other


def test_the_window_is_sent_as_the_expected_outcome_says(takeover: dict[str, Any]) -> None:
    first, last = takeover["window"]
    in_xero: dict[str, list[dict[str, Any]]] = {}
    for document in takeover["after"]["xero"]["Invoices"].values():
        if document["Type"] == "ACCREC" and document["Status"] != "DELETED":
            in_xero.setdefault(document["InvoiceNumber"], []).append(document)
    invoices = takeover["expected"]["invoices"]
    to_create = invoices.filter(pl.col("outcome") == "to_create")
    assert to_create.height >= 10 and to_create["invoice_date"].is_between(first, last).all()
    for row in invoices.filter(pl.col("outcome").is_in(("to_create", "existing", "to_update"))).iter_rows(named=True):
        (xero,) = in_xero[row["number"]]  # once
        assert (cents(xero["Total"]), cents(xero["TotalTax"]), cents(xero["AmountDue"]), xero["Status"]) == \
            (row["xero_total"], row["xero_total_tax"], row["xero_amount_due"], row["xero_status"]), row["number"]
    for row in invoices.filter(pl.col("outcome") == "error").iter_rows(named=True):
        assert row["number"] not in in_xero or row["error_code"] == "duplicate_number", row["number"]
    auxo = {p["id"]: p for p in takeover["after"]["auxo"]["payments"]}
    references = [d.get("Reference", "") for kind in ("Payments", "Prepayments")
                  for d in takeover["after"]["xero"][kind].values() if d["Status"] != "DELETED"]
    for row in takeover["expected"]["payments"].filter(pl.col("state") == "to_create").iter_rows(named=True):
        prefix = "Auxo DEP" if row["kind"] == "deposit" else "Auxo PAY"
        assert references.count(f"{prefix} {row['payment_id']}") == 1, row["payment_id"]
        assert auxo[row["payment_id"]]["xero_payment_id"], row["payment_id"]


def test_no_contact_already_linked_is_written_to_xero(takeover: dict[str, Any]) -> None:
    # the generator's planted contact edits (a mobile or phone changed in Auxo) are the only contact writes
    edited = takeover["expected"]["contact_updates"].filter(pl.col("update_side") == "xero")["auxo_id"]
    linked = takeover["expected"]["contact_links"].filter(
        (pl.col("state") == "existing") & ~pl.col("auxo_id").is_in(edited.implode()))["auxo_id"].to_list()
    with duckdb.connect(str(takeover["home"] / "warehouse.duckdb"), read_only=True) as con:
        written = con.execute(
            "select source_id, payload from sync.write_ledger where target = 'xero' and entity = 'contact' "
            "and status = 'confirmed' and list_contains(?, source_id) order by 1", [linked]).fetchall()
    assert len(linked) >= 10 and written == []
