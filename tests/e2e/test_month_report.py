"""The month-end report on the generator's ``tiny`` workshop, synced the way ``auxo-xero demo`` does.

The report's numbers are the recon views' for the same month, read here with SQL of the test's own;
the planted locked-period invoice is the Accounts Receivable difference of its day, red in the
calendar, and listed under its cause with what to do; the API calls are those the sync run recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from assets.jobs import MONTH_REPORT, MONTH_REPORT_JOB_NAME, SYNC_JOB_NAME
from assets.recon.month_asset import report_path
from assets.recon.month_report import Month
from pipelines import settings
from sandbox.embedded import forget_apps
from sandbox.generator import expected as expected_outcome
from sandbox.generator import generate, seed_sandboxes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("month_report_e2e")]

END = date(2026, 3, 1)


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("month_report") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUXO_XERO_HOME", str(folder))
        forget_apps()
        workshop = generate("tiny", 42, END)
        seed_sandboxes(workshop, settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo"))
        expected_outcome.write_expected(workshop, folder / "expected")
        first, last = workshop.meta["sync_start_date"], workshop.meta["end_date"]
        locked = _planted_invoice(folder, "locked_period")
        month = Month.containing(locked["invoice_date"])

        from assets.definitions import defs

        instance = dg.DagsterInstance.ephemeral()
        sync = defs.resolve_job_def(SYNC_JOB_NAME).execute_in_process(
            run_config={"resources": {"sync_mode": {"config": {"dry_run": False}}}}, instance=instance,
            tags={ASSET_PARTITION_RANGE_START_TAG: str(first), ASSET_PARTITION_RANGE_END_TAG: str(last)},
            raise_on_error=False)
        assert sync.success
        result = defs.resolve_job_def(MONTH_REPORT_JOB_NAME).execute_in_process(
            instance=instance, partition_key=month.partition_key)
        materialization = result.asset_materializations_for_node("recon__month_report")[0]
        yield {"home": folder, "sync": sync, "result": result, "month": month, "locked": locked,
               "metadata": materialization.metadata, "html": report_path("default", month).read_text()}
        forget_apps()


def _planted_invoice(folder: Any, planted: str) -> dict[str, Any]:
    invoices = pl.read_parquet(folder / "expected" / "invoices.parquet").filter(pl.col("planted") == planted)
    assert invoices.height == 1, f"the tiny workshop plants one {planted} invoice"
    return invoices.row(0, named=True)


def query(sql: str, params: list[Any]) -> pl.DataFrame:
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        return con.sql(sql, params=params).pl()


def test_the_calendar_is_the_views_day_by_day_with_the_planted_difference(reported: dict[str, Any]) -> None:
    month = reported["month"]
    metadata = reported["metadata"]
    days = query("select day, verdict from recon.day_summary where connection_id = 'default' "
                 "and day between ? and ? order by day", [month.first, month.last])
    moves = query("select day, sum(abs(difference)) as difference from recon.account_movements "
                  "where connection_id = 'default' and day between ? and ? group by day", [month.first, month.last])
    assert metadata["days_tying_out"].value == days.filter(pl.col("verdict") == "ties out").height
    assert metadata["days_needing_attention"].value == days.filter(pl.col("verdict") == "needs attention").height
    assert metadata["days_needing_attention"].value >= 1
    total = sum((Decimal(str(v)) for v in moves["difference"].to_list()), Decimal("0.00"))
    assert metadata["difference_total"].value == str(total.quantize(Decimal("0.01")))
    # unexplained: the differences of days with no document out of step (the money-accounts check's rule)
    explained = set(query("select distinct business_date from recon.unsynced_documents where connection_id = "
                          "'default' and state in ('not_in_xero', 'different', 'duplicated', 'only_in_xero') "
                          "and business_date between ? and ?", [month.first, month.last])["business_date"].to_list())
    unexplained = sum((Decimal(str(v)) for d, v in moves.iter_rows() if d not in explained), Decimal("0.00"))
    assert metadata["difference_unexplained"].value == str(unexplained.quantize(Decimal("0.01")))

    # the locked-period invoice is held, not sent: Accounts Receivable differs by its total on its day
    locked = reported["locked"]
    day = locked["invoice_date"]
    auxo_total = (Decimal(locked["auxo_total"]) / 100).quantize(Decimal("0.01"))
    receivable = query("select difference from recon.account_movements where connection_id = 'default' "
                       "and account_role = 'accounts_receivable' and day = ?", [day])["difference"].to_list()
    assert receivable == [-auxo_total], "the views themselves carry the planted difference"
    html = reported["html"]
    section = html[html.index('data-account="accounts_receivable"'):html.index('data-account="payment_clearing"')]
    assert f"<td>{day}</td>" in section and f"-{auxo_total:,.2f}" in section
    red = query("select day from recon.day_summary where connection_id = 'default' and verdict = 'needs attention' "
                "and day between ? and ?", [month.first, month.last])["day"].to_list()
    assert day in red


def test_the_accounts_are_the_account_movements_view(reported: dict[str, Any]) -> None:
    month = reported["month"]
    html = reported["html"]
    view = query("select account_role, day, difference from recon.account_movements where connection_id = 'default' "
                 "and day between ? and ? and difference <> 0 order by account_role, day", [month.first, month.last])
    for role in ("accounts_receivable", "payment_clearing", "cogs", "stock_on_hand", "work_in_progress",
                 "stock_adjustment"):
        assert f'data-account="{role}"' in html, role
    differing = {role for role in view["account_role"].to_list()}
    assert reported["metadata"]["accounts_differing"].value == len(differing)
    for role, day, difference in view.iter_rows():
        start = html.index(f'data-account="{role}"')
        section = html[start:html.index("<h3", start + 1)]
        assert f"<td>{day}</td>" in section and f"{difference:,.2f}" in section, (role, day, difference)


def test_documents_not_in_step_are_the_unsynced_view_grouped_by_cause(reported: dict[str, Any]) -> None:
    month = reported["month"]
    html = reported["html"]
    unsynced = query("select cause, document, what_to_do from recon.unsynced_documents where connection_id = 'default' "
                     "and business_date between ? and ?", [month.first, month.last])
    assert reported["metadata"]["documents_not_in_step"].value == unsynced.height > 0
    for cause, rows in unsynced.group_by("cause"):
        start = html.index(f'data-cause="{cause[0]}"')
        end = html.find("<h3", start + 1)
        section = html[start:end if end > 0 else None]
        heading = re.search(r"— (\d+) documents?</h3>", section)
        assert heading and int(heading.group(1)) == rows.height, cause
        for document, todo in rows.select("document", "what_to_do").iter_rows():
            assert f"<td>{escape(document)}</td>" in section
            assert escape(todo) in section
        assert section.count("What to do:") == len(set(rows["what_to_do"].to_list()))
    held = html[html.index('data-cause="held"'):]
    assert f"<td>{reported['locked']['number']}</td>" in held[:held.find("<h3", 1)]


def test_ledger_figures_and_api_calls_are_what_the_run_recorded(reported: dict[str, Any]) -> None:
    month = reported["month"]
    metadata = reported["metadata"]
    writes = query("select state, attempts from sync.writes where connection_id = 'default' "
                   "and business_date between ? and ? and state <> 'skipped'", [month.first, month.last])
    assert metadata["writes_confirmed"].value == writes.filter(pl.col("state") == "confirmed").height
    assert metadata["writes_refused"].value == writes.filter(pl.col("state") == "refused").height
    assert metadata["writes_sent"].value == writes.filter(pl.col("attempts") > 0).height
    assert metadata["writes_retried"].value == writes.filter(
        (pl.col("attempts") > 1) | (pl.col("state") == "retrying")).height

    # Xero's calls: the extraction's (the same figures on every raw table), each sink's and the re-read's
    # (the same figures on every day of the range), counted once each
    sync = reported["sync"]
    recorded: dict[str, dict[str, int]] = {}
    for event in sync.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        key = materialization.asset_key
        family = "extract_xero" if key.path[:2] == ["raw", "xero"] else key.to_user_string()
        calls = materialization.metadata.get("api_calls")
        if calls is not None and family not in recorded:
            recorded[family] = calls.value
    xero = sum(recorded.pop("extract_xero").values())
    xero += sum(n for family in ("sync/xero_writes", "sync/auxo_writes", "recon/views")
                for name, n in recorded.get(family, {}).items() if name.startswith("xero "))
    assert metadata["xero_api_calls"].value == xero > 0


def test_the_file_is_self_contained_and_the_metadata_shows_the_heat_map(reported: dict[str, Any]) -> None:
    html = reported["html"]
    metadata = reported["metadata"]
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', html)
    assert len(images) == int(re.search(r'data-charts="(\d+)"', html).group(1)) == 1 + 6 + 1
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert metadata["heat_map"].value.startswith("![") and "(data:image/png;base64," in metadata["heat_map"].value
    assert metadata["report"].value == str(report_path("default", reported["month"]))


def test_the_report_is_not_part_of_the_sync_job(reported: dict[str, Any]) -> None:
    keys = {event.asset_key for event in reported["sync"].get_asset_materialization_events()}
    assert MONTH_REPORT not in keys and dg.AssetKey(["recon", "views"]) in keys
