"""The command line's sync options reach the run, and bad input stops with the option named."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from assets import cli, runner


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run_sync(first: date, last: date, **options: Any) -> bool:
        calls.append({"first": first, "last": last, **{k: v for k, v in options.items() if k != "console"}})
        return True

    monkeypatch.setattr(runner, "run_sync", fake_run_sync)
    monkeypatch.setattr(cli, "prepare_environment", lambda: None)
    return calls


def test_sync_passes_dry_run_and_resend_refused_to_the_run(runs: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(cli.app, ["sync", "--date", "2026-11-24", "--to", "2026-11-25", "--resend-refused"])
    assert result.exit_code == 0, result.output
    assert runs == [{"first": date(2026, 11, 24), "last": date(2026, 11, 25), "dry_run": False,
                     "resend_refused": True, "restage": False}]
    CliRunner().invoke(cli.app, ["sync", "--date", "2026-11-24", "--dry-run"])
    assert runs[-1] == {"first": date(2026, 11, 24), "last": date(2026, 11, 24), "dry_run": True,
                        "resend_refused": False, "restage": False}


def test_sync_restage_asks_the_run_to_rebuild_staging(runs: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(cli.app, ["sync", "--date", "2026-11-24", "--restage"])
    assert result.exit_code == 0, result.output
    assert runs == [{"first": date(2026, 11, 24), "last": date(2026, 11, 24), "dry_run": False,
                     "resend_refused": False, "restage": True}]


@pytest.mark.parametrize(("args", "named"), [(["--date", "24/11/2026"], "--date"),
                                             (["--date", "2026-11-24", "--to", "2026-11-01"], "--to")])
def test_a_bad_date_names_the_option(runs: list[dict[str, Any]], args: list[str], named: str) -> None:
    result = CliRunner().invoke(cli.app, ["sync", *args])
    assert result.exit_code == 2 and named in result.output and not runs


def test_an_unknown_xero_tier_stops_before_any_run_naming_the_setting_and_its_values(
        runs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XERO_TIER", "gold")
    result = CliRunner().invoke(cli.app, ["sync", "--date", "2026-11-24"])
    assert result.exit_code == 2 and not runs
    assert "XERO_TIER='gold'" in result.output and "starter" in result.output
    monkeypatch.setenv("XERO_TIER", "starter")
    assert CliRunner().invoke(cli.app, ["sync", "--date", "2026-11-24"]).exit_code == 0 and runs


def error_box(output: str) -> str:
    """The text of the error panel typer prints, its wrapped lines joined."""
    lines = [line.strip("│ ") for line in output.splitlines() if line.startswith("│")]
    return " ".join(lines)


@pytest.mark.parametrize("command", [["demo"], ["sandbox", "seed", "--force"]])
def test_an_unknown_profile_is_refused_before_the_sandboxes_are_touched(monkeypatch: pytest.MonkeyPatch,
                                                                        command: list[str]) -> None:
    touched: list[str] = []
    monkeypatch.setattr(runner, "run_demo", lambda **_: touched.append("demo"))
    monkeypatch.setattr(runner, "seed_sandboxes", lambda *_, **__: touched.append("seed"))
    monkeypatch.setattr(cli, "prepare_environment", lambda: None)
    result = CliRunner().invoke(cli.app, [*command, "--profile", "huge"])
    assert result.exit_code == 2 and not touched
    assert error_box(result.output) == "Invalid value for --profile: 'huge': choose tiny, demo, medium, large"


@pytest.mark.parametrize(("args", "says"), [
    (["sandbox", "serve", "zero"], "Invalid value for SYSTEM: 'zero': choose xero or auxo"),
    (["sandbox", "reset", "zero"], "Invalid value for SYSTEM: 'zero': choose xero, auxo or all"),
    (["sandbox", "serve", "auxo", "--rate-limits"], "Invalid value for --rate-limits: --rate-limits applies to the "
                                                    "Xero sandbox"),
    (["sandbox", "seed", "--end-date", "yesterday"], "Invalid value for --end-date: 'yesterday' is not a date; use "
                                                     "YYYY-MM-DD, e.g. 2026-11-24"),
    (["sandbox", "seed", "--history-days", "2"], "Invalid value for --history-days: 2: give 4 to 730 days (the "
                                                 "generator plants a period-locked invoice that needs 4 synced days)"),
    (["sandbox", "seed", "--history-days", "-1"], "Invalid value for --history-days: -1: give 4 to 730 days (the "
                                                  "generator plants a period-locked invoice that needs 4 synced days)"),
    (["sandbox", "seed", "--history-days", "5000"], "Invalid value for --history-days: 5000: give 4 to 730 days (the "
                                                    "generator plants a period-locked invoice that needs 4 synced days)"),
])
def test_a_bad_sandbox_argument_names_it_and_does_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path,
                                                          args: list[str], says: str) -> None:
    from pipelines import settings

    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path))
    for system in ("xero", "auxo"):
        settings.sandbox_state_dir(system).mkdir(parents=True)
    monkeypatch.setattr(runner, "seed_sandboxes", lambda *_, **__: pytest.fail("seeded"))
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 2 and error_box(result.output) == says
    assert all(settings.sandbox_state_dir(system).exists() for system in ("xero", "auxo"))


def _synced(instance: Any, *days: str) -> None:
    import dagster as dg

    from assets.sinks import XERO_WRITES

    for day in days:
        instance.report_runless_asset_event(dg.AssetMaterialization(XERO_WRITES, partition=day))


def test_catching_up_runs_from_the_day_after_the_last_synced_through_today() -> None:
    import dagster as dg

    with dg.DagsterInstance.ephemeral() as instance:
        assert runner.catch_up_days(instance, date(2026, 11, 25)) is None  # nothing synced: nothing to start from
        _synced(instance, "2026-11-20", "2026-11-22", "2026-11-21")
        assert runner.catch_up_days(instance, date(2026, 11, 25)) == (date(2026, 11, 23), date(2026, 11, 25))
        _synced(instance, "2026-11-25")
        assert runner.catch_up_days(instance, date(2026, 11, 25)) == (date(2026, 11, 25), date(2026, 11, 25))


def test_sync_with_no_date_catches_up_and_says_what_to_do_when_nothing_was_synced(
        runs: list[dict[str, Any]], tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    from assets.automation import today_in_organisation

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("")
    first_time = CliRunner().invoke(cli.app, ["sync"])
    assert first_time.exit_code != 0 and "--date" in first_time.output and not runs
    with dg.DagsterInstance.get() as instance:
        _synced(instance, "2026-11-20")
    assert CliRunner().invoke(cli.app, ["sync", "--dry-run"]).exit_code == 0
    today = today_in_organisation(datetime.now(UTC))
    assert runs == [{"first": min(date(2026, 11, 21), today), "last": today, "dry_run": True,
                     "resend_refused": False, "restage": False}]
    assert CliRunner().invoke(cli.app, ["sync", "--to", "2026-11-25"]).exit_code != 0  # --to alone is refused
