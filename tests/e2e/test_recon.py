"""Reconciliation end to end on the generator's ``tiny`` workshop, synced the way ``auxo-xero demo`` does
(every day since the Xero connection, one run).

After the run, every recon view returns rows a bookkeeper recognises; the planted problems (a number
clash, a locked period, an archived contact, a contact waiting for review) are in the error view
with a plain reason; the checks say so; and editing a journal in Xero by hand makes a check fail
with that journal in its metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg
import duckdb
import httpx
import polars as pl
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from assets.recon import checks
from assets.recon.assets import VIEWS
from pipelines import settings
from sandbox.embedded import forget_apps, transport
from sandbox.generator import expected as expected_outcome
from sandbox.generator import generate, seed_sandboxes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("recon_e2e")]

END = date(2026, 3, 1)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("recon") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUXO_XERO_HOME", str(folder))
        forget_apps()
        workshop = generate("tiny", 42, END)
        seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        expected_outcome.write_expected(workshop, folder / "expected")
        first, last = workshop.meta["sync_start_date"], workshop.meta["end_date"]
        instance = dg.DagsterInstance.ephemeral()
        result = run(instance, tags={ASSET_PARTITION_RANGE_START_TAG: str(first),
                                     ASSET_PARTITION_RANGE_END_TAG: str(last)})
        yield {"home": folder, "result": result, "instance": instance, "meta": workshop.meta}
        forget_apps()


def run(instance: dg.DagsterInstance, *, partition_key: str | None = None, tags: dict[str, str] | None = None,
        selection: list[dg.AssetKey] | None = None, resend_refused: bool = False) -> dg.ExecuteInProcessResult:
    from assets.definitions import defs

    result = defs.resolve_job_def("sync_day").execute_in_process(
        run_config={"resources": {"sync_mode": {"config": {"dry_run": False, "resend_refused": resend_refused}}}},
        instance=instance,
        partition_key=partition_key, tags=tags or {}, asset_selection=selection, raise_on_error=False)
    failures = [e.event_specific_data.error.message[:500] for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    return result


def query(sql: str) -> pl.DataFrame:
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.sql(sql).pl()


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    return {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}


def test_every_view_returns_rows_a_bookkeeper_recognises(synced: dict[str, Any]) -> None:
    for view in ("documents", "invoices", "credit_notes", "payments", "bills", "journals", "unsynced_documents",
                 "account_movements", "contact_links", "contact_review", "day_summary"):
        assert query(f"select count(*) as n from recon.{view}")["n"][0] > 0, view
    invoices = query("select auxo_number, state, total_difference from recon.invoices where auxo_id is not null")
    expected = pl.read_parquet(synced["home"] / "expected" / "invoices.parquet")
    sent = expected.filter(pl.col("outcome").is_in(["existing", "to_create", "to_update"]))["number"].to_list()
    in_step = invoices.filter(pl.col("state") == "in_step")["auxo_number"].to_list()
    assert sorted(sent) == sorted(in_step)  # every invoice that must be in Xero is, to the cent
    states = dict(query("select state, count(*) as n from recon.documents group by 1").iter_rows())
    assert states.get("duplicated", 0) == 0 and states.get("different", 0) == 0
    # receivables tie out, except by exactly the invoices that are not in Xero (or only in Xero) that day
    receivables = query("""
        select m.day, m.difference,
               coalesce((select sum(coalesce(d.xero_total, 0) - coalesce(d.auxo_total, 0)) from recon.invoices d
                         where d.business_date = m.day and d.state in ('not_in_xero', 'only_in_xero')), 0)
                   as explained
        from recon.account_movements m where m.account_role = 'accounts_receivable'""")
    assert receivables.filter(pl.col("difference") != pl.col("explained")).is_empty(), receivables
    assert receivables.filter(pl.col("difference") == 0).height >= 3
    verdicts = query("select day, verdict from recon.day_summary")
    assert set(verdicts["verdict"]) <= {"ties out", "needs attention"}


def test_planted_problems_are_in_the_error_view_with_a_plain_reason(synced: dict[str, Any]) -> None:
    errors = pl.read_parquet(synced["home"] / "expected" / "sync_errors.parquet")
    unsynced = query("select document, document_kind, state, cause, reason, what_to_do from recon.unsynced_documents "
                     "where document_kind = 'invoice' and state = 'not_in_xero'")
    by_number = {row["document"]: row for row in unsynced.iter_rows(named=True)}
    expected_reason = {
        "duplicate_number": "is already used by another Xero invoice",
        "period_locked": "on or before Xero's lock date",
        "contact_archived": "is archived in Xero",
        "contact_review": "must be matched to a Xero contact in the review queue",
    }
    for row in errors.iter_rows(named=True):
        found = by_number[row["number"]]
        assert expected_reason[row["code"]] in found["reason"], found
        assert found["what_to_do"], found
    clash = query("select reason from recon.unsynced_documents where state = 'only_in_xero'")["reason"].to_list()
    assert any("number clash" in reason for reason in clash)
    # a problem's description is never repeated inside its own message, and a COGS journal names its invoice once
    problems = query("select entity, description, error_message from sync.sync_errors")
    assert problems.height >= 5
    for entity, description, message in problems.iter_rows():
        assert description not in (message or ""), message
        if entity == "manual_journal" and description.startswith("COGS for invoice "):
            number = description.split()[3].rstrip(",:")
            assert description.count(number) == 1, description


def test_the_checks_tell_what_needs_a_person(synced: dict[str, Any]) -> None:
    results = evaluations(synced["result"])
    assert results[checks.MAPPED_ACCOUNTS_ACTIVE].passed
    for name in (checks.TOTALS_TO_THE_CENT, checks.JOURNALS_BALANCE, checks.NOTHING_STUCK_IN_SENT):
        assert results[name].passed, name
    once = results[checks.DOCUMENTS_ONCE]
    assert not once.passed and once.severity == dg.AssetCheckSeverity.WARN  # each one has a reason
    assert "INV-100072" in once.metadata["documents"].value  # the number clash, among the rows
    materialization = next(e for e in synced["result"].all_events
                           if e.event_type_value == "ASSET_MATERIALIZATION"
                           and e.event_specific_data.materialization.asset_key == VIEWS)
    metadata = materialization.event_specific_data.materialization.metadata
    assert metadata["documents_in_step"].value > 100 and metadata["api_calls_total"].value > 0
    assert "is already used by another Xero invoice" in metadata["problems"].value


def test_a_journal_edited_in_xero_fails_a_check_with_the_journal_in_its_metadata(synced: dict[str, Any]) -> None:
    journal = query("select d.xero_id, d.business_date, d.auxo_number, d.auxo_total from recon.journals d "
                    "where d.document_kind = 'cogs_journal' and d.state = 'in_step' "
                    f"and d.business_date > '{synced['meta']['period_lock_date']}' "  # Xero refuses edits before it
                    "order by d.business_date, d.ref limit 1").row(0, named=True)
    amount = journal["auxo_total"] + 10
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        stored = admin.get("/documents/ManualJournals").json()["ManualJournals"]
        lines = next(j for j in stored if j["ManualJournalID"] == journal["xero_id"])["JournalLines"]
        edited = [{**line, "LineAmount": str(amount if float(line["LineAmount"]) > 0 else -amount)}
                  for line in lines]
        answer = admin.post("/actions/edit-journal", json={"ManualJournalID": journal["xero_id"],
                                                           "JournalLines": edited})
        assert answer.status_code < 300, answer.text
    result = run(synced["instance"], partition_key=str(journal["business_date"]), selection=[VIEWS])
    totals = evaluations(result)[checks.TOTALS_TO_THE_CENT]
    assert not totals.passed and totals.severity == dg.AssetCheckSeverity.ERROR
    table = totals.metadata["documents"].value
    assert journal["auxo_number"] in table and "10.00" in table  # the journal, and by how much
    row = query(f"select state, reason, what_to_do from recon.documents where xero_id = '{journal['xero_id']}'")
    assert row["state"][0] == "different" and "restore it in Xero" in row["what_to_do"][0]


def test_a_contact_restored_in_xero_lets_a_re_run_that_resends_refused_writes_send_its_invoice(
        synced: dict[str, Any]) -> None:
    refused = query("select u.auxo_id, u.business_date, l.xero_contact_id from recon.unsynced_documents u "
                    "join recon.invoices i using (auxo_id) join recon.contact_links l "
                    "on l.kind = 'customer' and l.auxo_id = i.party_id "
                    "where u.error_code = 'contact_archived'").row(0, named=True)
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:  # the bookkeeper restores the contact
        answer = admin.post("/actions/edit-contact", json={"ContactID": refused["xero_contact_id"],
                                                           "ContactStatus": "ACTIVE"})
        assert answer.status_code < 300, answer.text
    day = str(refused["business_date"])
    invoice = f"select state, cause, xero_matches from recon.invoices where auxo_id = '{refused['auxo_id']}'"
    run(synced["instance"], partition_key=day)
    assert query(invoice).row(0) == ("not_in_xero", "refused", 0)  # a plain re-run leaves a refusal alone
    run(synced["instance"], partition_key=day, resend_refused=True)
    assert query(invoice).row(0) == ("in_step", "in_step", 1)
    run(synced["instance"], partition_key=day, resend_refused=True)  # nothing left to resend: still once
    assert query(invoice).row(0) == ("in_step", "in_step", 1)
