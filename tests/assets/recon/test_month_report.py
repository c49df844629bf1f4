"""The month report's pure parts: frames in, a report model out, one self-contained HTML file; and the
command line's ``report --month``. (tests/e2e/test_month_report.py checks it against the real views.)"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from assets import cli, runner
from assets.recon.month_data import empty_calls, run_calls
from assets.recon.month_html import render_html
from assets.recon.month_report import (
    BEFORE_SYNC,
    NEEDS_ATTENTION,
    NO_DOCUMENTS,
    NOT_YET,
    TIES_OUT,
    Month,
    MonthFrames,
    build_report,
    ledger_figures,
    parse_month,
    problem_groups,
)

NOVEMBER = Month.of(2026, 11)
D = Decimal


def frames(**overrides: Any) -> MonthFrames:
    days = pl.DataFrame({
        "day": [date(2026, 11, 10), date(2026, 11, 11)], "verdict": ["ties out", "needs attention"],
        "not_in_xero": [0, 2], "different": [0, 1], "duplicated": [0, 0], "only_in_xero": [0, 0]})
    accounts = pl.DataFrame({
        "day": [date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 11)],
        "account_role": ["accounts_receivable", "accounts_receivable", "cogs"],
        "account_code": ["610", "610", "310"], "account_name": ["Accounts Receivable", "Accounts Receivable",
                                                                "Cost of Goods Sold"],
        "auxo_movement": [D("100.00"), D("250.50"), D("40.00")], "xero_movement": [D("100.00"), D("0.00"),
                                                                                    D("52.25")],
        "difference": [D("0.00"), D("-250.50"), D("12.25")]},
        schema_overrides={"auxo_movement": pl.Decimal(18, 2), "xero_movement": pl.Decimal(18, 2),
                          "difference": pl.Decimal(18, 2)})
    unsynced = pl.DataFrame({
        "business_date": [date(2026, 11, 11)] * 3, "document_kind": ["invoice", "cogs_journal", "cogs_journal"],
        "document": ["INV-1", "INV-1", "INV-1"], "party": ["Ann", None, None],
        "state": ["not_in_xero"] * 3, "cause": ["held", "held", "refused"],
        "reason": ["Held, not sent: dated 2026-11-11, on or before Xero's lock date"] * 2 + ["Xero refused it"],
        "what_to_do": ["Move the lock date", "Move the lock date", "Fix it in Xero"], "message": [None] * 3})
    writes = pl.DataFrame({"target": ["xero"] * 5, "state": ["confirmed", "refused", "retrying", "held", "skipped"],
                           "attempts": [1, 1, 2, 0, 1], "writes": [40, 2, 1, 3, 9]})
    values: dict[str, Any] = {"days": days, "accounts": accounts, "unsynced": unsynced, "writes": writes,
                              "calls": empty_calls(), "sync_start": date(2026, 11, 5), "day_limit": 5000}
    values.update(overrides)
    return MonthFrames(**values)


def test_parse_month_accepts_yyyy_mm_and_names_the_format_otherwise() -> None:
    assert parse_month("2026-11") == Month(date(2026, 11, 1), date(2026, 11, 30))
    assert parse_month("2028-02").last == date(2028, 2, 29)
    for bad in ("2026-13", "2026-1", "Nov 2026", "2026-11-01", ""):
        with pytest.raises(ValueError, match="use YYYY-MM"):
            parse_month(bad)


def test_the_calendar_colours_each_day_and_sums_the_accounts_differences() -> None:
    report = build_report(NOVEMBER, "default", frames(), today=date(2026, 11, 20))
    status = dict(report.calendar.select("day", "status").iter_rows())
    assert status[date(2026, 11, 4)] == BEFORE_SYNC
    assert status[date(2026, 11, 6)] == NO_DOCUMENTS
    assert status[date(2026, 11, 10)] == TIES_OUT
    assert status[date(2026, 11, 11)] == NEEDS_ATTENTION
    assert status[date(2026, 11, 21)] == NOT_YET
    eleventh = report.calendar.filter(pl.col("day") == date(2026, 11, 11)).row(0, named=True)
    assert eleventh["difference"] == D("262.75")  # |-250.50| + |12.25|: differences never cancel out
    assert eleventh["documents_not_in_step"] == 3
    assert report.calendar.height == 30
    assert report.headline["difference_total"] == "262.75"
    assert report.headline["difference_unexplained"] == "0.00"  # the day's documents not in step account for it
    assert (report.days_tying_out, report.days_needing_attention) == (1, 1)


def test_a_difference_on_a_day_with_every_document_in_step_is_unexplained() -> None:
    base = frames()
    days = pl.concat([base.days, pl.DataFrame({"day": [date(2026, 11, 12)], "verdict": ["needs attention"],
                                               "not_in_xero": [0], "different": [0], "duplicated": [0],
                                               "only_in_xero": [0]})])
    accounts = pl.concat([base.accounts, pl.DataFrame(
        {"day": [date(2026, 11, 12)], "account_role": ["payment_clearing"], "account_code": ["615"],
         "account_name": ["Payment Clearing"], "auxo_movement": [D("10.00")], "xero_movement": [D("30.00")],
         "difference": [D("20.00")]}, schema=base.accounts.schema)])
    report = build_report(NOVEMBER, "default", frames(days=days, accounts=accounts), today=date(2026, 11, 30))
    twelfth = report.calendar.filter(pl.col("day") == date(2026, 11, 12)).row(0, named=True)
    assert (twelfth["status"], twelfth["difference"], twelfth["unexplained"]) == (NEEDS_ATTENTION, D("20.00"),
                                                                                D("20.00"))
    assert report.headline["difference_unexplained"] == "20.00"
    assert report.headline["difference_total"] == "282.75"


def test_each_account_has_every_day_of_the_month() -> None:
    report = build_report(NOVEMBER, "default", frames(), today=date(2026, 11, 30))
    assert [a.role for a in report.accounts] == ["accounts_receivable", "cogs"]
    receivable = report.accounts[0]
    assert receivable.label == "Accounts Receivable — 610 Accounts Receivable"
    assert receivable.days.height == 30 and receivable.days_differing == 1
    quiet = receivable.days.filter(pl.col("day") == date(2026, 11, 1)).row(0, named=True)
    assert (quiet["auxo_movement"], quiet["xero_movement"]) == (D("0"), D("0"))
    assert report.headline["accounts_differing"] == 2


def test_documents_are_grouped_by_cause_with_what_to_do_once() -> None:
    groups = problem_groups(frames().unsynced)
    assert [(g.cause, g.documents.height) for g in groups] == [("held", 2), ("refused", 1)]
    assert groups[0].what_to_do == ["Move the lock date"]
    assert groups[0].title.startswith("Held")


def test_ledger_figures_leave_skipped_versions_out() -> None:
    figures = ledger_figures(frames().writes)
    assert (figures.sent, figures.confirmed, figures.refused, figures.retried, figures.waiting, figures.total) == \
        (43, 40, 2, 1, 3, 46)


def _event(key: list[str], stamp: datetime, partition: str | None, **metadata: Any) -> SimpleNamespace:
    values = {name: SimpleNamespace(value=value) for name, value in metadata.items()}
    return SimpleNamespace(timestamp=stamp.timestamp(), asset_materialization=SimpleNamespace(
        asset_key=dg.AssetKey(key), partition=partition, metadata=values))


def test_a_runs_calls_are_counted_once_per_stage_whatever_its_partitions_and_tables() -> None:
    at = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 1 December in Sydney
    extract = {"GET Invoices": 2, "GET Contacts": 1}
    events = [
        _event(["raw", "xero", "invoices"], at, None, api_calls=extract),
        _event(["raw", "xero", "contacts"], at, None, api_calls=extract),
        _event(["raw", "auxo", "invoices"], at, None, api_calls={"GET invoices": 4}),
        *[_event(["sync", "xero_writes"], at, day, api_calls={"xero PUT Invoices": 3}, xero_day_calls_left=4990)
          for day in ("2026-11-29", "2026-11-30")],
        *[_event(["recon", "views"], at, day, api_calls={"xero GET Invoices": 1, "auxo GET invoices": 1})
          for day in ("2026-11-29", "2026-11-30")],
        _event(["staging", "xero_invoices"], at, None),
    ]
    rows = pl.DataFrame(run_calls(events, "Australia/Sydney"))
    assert set(rows["ran_on"].to_list()) == {date(2026, 12, 1)}
    assert set(rows["first_day"].to_list()) == {"2026-11-29"} and set(rows["last_day"].to_list()) == {"2026-11-30"}
    by = rows.group_by("stage", "system").agg(pl.col("calls").sum())
    assert dict(((s, y), n) for s, y, n in by.iter_rows()) == {
        ("extract", "xero"): 3, ("extract", "auxo"): 4, ("writes", "xero"): 3, ("re_read", "xero"): 1,
        ("re_read", "auxo"): 1}
    assert rows.filter(pl.col("stage") == "writes")["calls_left"].to_list() == [4990]


def test_the_html_is_one_self_contained_file_with_every_chart() -> None:
    report = build_report(NOVEMBER, "acme", frames(), today=date(2026, 11, 30))
    html = render_html(report, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    charts = re.findall(r'<figure class="chart" data-chart="([^"]+)"><img alt="[^"]+" src="data:image/png;base64,',
                        html)
    assert charts == ["heat-map", "account-accounts_receivable", "account-cogs", "api-budget"]
    assert f'data-charts="{len(charts)}"' in html
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "-250.50" in html and "INV-1" in html and "Move the lock date" in html
    assert "&#x27;" in html  # the reasons are escaped ("Xero's lock date"), never raw markup


def test_an_empty_month_still_renders_every_section() -> None:
    empty = frames(days=frames().days.clear(), accounts=frames().accounts.clear(),
                   unsynced=frames().unsynced.clear(), writes=frames().writes.clear(), sync_start=None)
    report = build_report(NOVEMBER, "default", empty, today=date(2026, 12, 1))
    html = render_html(report, datetime(2026, 12, 1, tzinfo=UTC))
    assert report.days_needing_attention == 0 and report.documents_not_in_step == 0
    assert 'data-charts="2"' in html and "Every document of the month is in step" in html


def test_the_demos_month_is_the_one_with_most_of_its_days() -> None:
    assert runner.demo_month(date(2026, 11, 6), date(2026, 12, 3)) == NOVEMBER
    assert runner.demo_month(date(2026, 11, 29), date(2026, 12, 2)) == Month.of(2026, 12)  # a tie: the later


def test_report_writes_the_month_named_and_stops_on_a_bad_month(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    asked: list[Month] = []

    def fake_report(month: Month, console: Any) -> Path:
        asked.append(month)
        return tmp_path / f"{month.label}.html"

    monkeypatch.setattr(runner, "run_month_report", fake_report)
    monkeypatch.setattr(cli, "prepare_environment", lambda: None)
    result = CliRunner().invoke(cli.app, ["report", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    assert asked == [NOVEMBER] and str(tmp_path / "2026-11.html") in result.output
    for bad, says in (("2026-13", "use YYYY-MM"), ("11/2026", "use YYYY-MM"), ("2019-01", "2025-07")):
        result = CliRunner().invoke(cli.app, ["report", "--month", bad])
        assert result.exit_code == 2 and "--month" in result.output and says in result.output, result.output
    assert asked == [NOVEMBER]


def _failure(tmp_path: Path, warehouse_file: Path) -> str:
    from assets.recon.month_asset import month_report
    from assets.resources import ConnectionResource, WarehouseResource

    result = dg.materialize([month_report], partition_key="2026-11-01", instance=dg.DagsterInstance.ephemeral(),
                            resources={"warehouse": WarehouseResource(path=str(warehouse_file)),
                                       "connection": ConnectionResource()}, raise_on_error=False)
    assert not result.success
    return next(e.event_specific_data.user_failure_data.description for e in result.all_events if e.is_step_failure)


def test_the_asset_says_what_to_run_when_there_is_nothing_to_report(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path / "data"))
    missing = _failure(tmp_path, tmp_path / "none.duckdb")
    assert "there is no warehouse" in missing and "auxo-xero sync --date" in missing
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    no_views = _failure(tmp_path, empty)
    assert "has no recon.day_summary" in no_views and "Sync a day first" in no_views
    assert not (tmp_path / "data" / "reports").exists()
