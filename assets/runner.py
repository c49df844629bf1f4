"""Running the sync from the command line: one day or a range, the demo, seeding the sandboxes.

Runs go through the persistent Dagster instance under the data folder, so they show in the UI
exactly like runs launched there.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from rich.console import Console
from rich.table import Table

from assets.progress import log_path, progress_logger, run_output
from assets.recon.month_report import Month
from assets.summary import Problem, group_problems, render_groups
from pipelines import settings, warehouse


def catch_up_days(instance: dg.DagsterInstance, today: date) -> tuple[date, date] | None:
    """The days a sync with no date runs: from the day after the last one whose Xero writes were
    materialised through ``today`` (today again when it was synced already, for what came in since);
    None when no day was ever synced in this data folder."""
    from assets.sinks import XERO_WRITES

    synced = instance.get_materialized_partitions(XERO_WRITES)
    if not synced:
        return None
    last = max(date.fromisoformat(key) for key in synced)
    return min(last + timedelta(days=1), today), today


def run_sync(first: date, last: date, *, dry_run: bool, console: Console, resend_refused: bool = False,
             restage: bool = False) -> bool:
    """Materialise the sync job for ``[first, last]`` (one run); print a summary; True when it succeeded."""
    from assets.definitions import defs
    from assets.jobs import SYNC_JOB_NAME
    from assets.staging.assets import RESTAGE_TAG

    tags: dict[str, str] = {"auxo-xero/launched-by": "cli"}
    if restage:
        tags[RESTAGE_TAG] = "true"
    partition_key = None
    if first == last:
        partition_key = first.isoformat()
    else:
        tags[ASSET_PARTITION_RANGE_START_TAG] = first.isoformat()
        tags[ASSET_PARTITION_RANGE_END_TAG] = last.isoformat()
    what = f"{first}" if first == last else f"{first} to {last}"
    console.print(f"[bold]Syncing {what}[/bold]{' (dry run: nothing is sent)' if dry_run else ''}"
                  f"{' (sending refused writes again)' if resend_refused and not dry_run else ''}"
                  f"  [dim]full log: {log_path()}[/dim]")
    with run_output(console) as (to_file, status):
        job = defs.resolve_job_def(SYNC_JOB_NAME).with_logger_defs(
            {"progress": progress_logger(console, to_file, status)})
        with dg.DagsterInstance.get() as instance:
            result = job.execute_in_process(
                run_config={"resources": {"sync_mode": {"config": {"dry_run": dry_run,
                                                                   "resend_refused": resend_refused}}},
                            "loggers": {"progress": {}}},
                instance=instance, partition_key=partition_key, tags=tags, raise_on_error=False)
    print_summary(result.run_id, console)
    print_reconciliation(first, last, console)
    if not result.success:
        console.print("[red]The run failed.[/red] The step above says why; fix it and run the same command again — "
                      "nothing already written is written twice.")
    return result.success


def print_summary(run_id: str, console: Console) -> None:
    """What the run wrote, what it could not and why, and where to look next."""
    with warehouse.connect() as con:
        if not warehouse.table_exists(con, "sync", "write_ledger"):
            console.print("No writes were planned.")
            return
        counts = con.execute(
            "select target, entity, status, count(*) from sync.write_ledger where run_id = ? "
            "group by all order by 1, 2, 3", [run_id]).fetchall()
        problems = [Problem(*row) for row in con.execute(
            "select business_date, target, description, status, error_code, error_message, error_hint "
            "from sync.sync_errors where run_id = ? order by business_date, description", [run_id]).fetchall()]
        needs_you = ("select * from recon.unsynced_documents order by business_date;"
                     if warehouse.table_exists(con, "recon", "unsynced_documents") else "select * from sync.sync_errors;")
    table = Table(title="Writes in this run", show_lines=False)
    for column in ("system", "document", "status", "count"):
        table.add_column(column)
    for target, entity, status, count in counts:
        table.add_row(target, entity, status, str(count))
    console.print(table if counts else "Nothing to write: both systems already agree for these days.")
    if problems:
        console.print(f"\n[bold]{len(problems)} writes need attention[/bold], by cause:")
        for line in render_groups(group_problems(problems)):
            console.print(line, highlight=False)
    console.print(f"\nWarehouse: {settings.warehouse_path()}\n"
                  "  every write:      select * from sync.write_ledger order by updated_at desc;\n"
                  f"  what needs you:   {needs_you}\n"
                  "Dagster UI:        auxo-xero ui")


def print_reconciliation(first: date, last: date, console: Console) -> None:
    """Whether the books tie out for the days synced (recon.day_summary), when recon/views has run."""
    if not settings.warehouse_path().exists():
        return
    with warehouse.connect(read_only=True) as con:
        if not warehouse.table_exists(con, "recon", "day_summary"):
            return
        days = con.execute(
            "select day, verdict, not_in_xero + different + duplicated + only_in_xero, account_differences "
            "from recon.day_summary where day between ? and ? order by day", [first, last]).fetchall()
    attention = [row for row in days if row[1] != "ties out"]
    if not days:
        return
    console.print(f"\nReconciliation: {len(days) - len(attention)} of {len(days)} days tie out.")
    for day, _, documents, accounts in attention:
        console.print(f"  [yellow]{day}[/yellow] needs attention: {documents} documents not in step"
                      + (f"; accounts differ ({accounts})" if accounts else ""))
    if attention:
        console.print("  why, and what to do: select * from recon.unsynced_documents order by business_date;")


def seed_sandboxes(profile: str, seed: int, end_date: date | None, *, force: bool,
                   console: Console, history_days: int | None = None) -> dict[str, Any]:
    """Generate a workshop and load it into both sandboxes (unless they already hold data);
    ``history_days`` already synced (default: the profile's own)."""
    from sandbox import generator

    xero_state = settings.sandbox_state_dir("xero")
    auxo_state = settings.sandbox_state_dir("auxo")
    if force:
        import shutil

        from sandbox.embedded import forget_apps

        for folder in (xero_state, auxo_state):
            shutil.rmtree(folder, ignore_errors=True)
        forget_apps()
    history = "" if history_days is None else f", {history_days} days already synced"
    console.print(f"Generating the '{profile}' workshop (seed {seed}, activity up to "
                  f"{end_date or 'yesterday'}{history})…")
    with console.status("Generating the workshop and loading both sandboxes…"):
        return generator.seed(profile, seed, end_date, xero_state, auxo_state, settings.data_home() / "expected",
                              synced_days=history_days)


def _demo_summary_path() -> Path:
    return settings.data_home() / "expected" / "summary.json"


def run_demo(*, profile: str, seed: int, console: Console) -> bool:
    """Seed the sandboxes on first use, sync every day since the Xero connection, and summarise.

    Running it again re-syncs the same days: nothing already written is written again.
    """
    import json

    summary_path = _demo_summary_path()
    if not summary_path.exists():
        summary = seed_sandboxes(profile, seed, None, force=True, console=console)
        console.print(f"Seeded a '{profile}' workshop: Auxo history from {summary['start_date']}, connected to Xero "
                      f"on {summary['sync_start_date']}, unsynced since {summary['window_start_date']}.")
    meta = json.loads(summary_path.read_text())
    first, last = date.fromisoformat(meta["sync_start_date"]), date.fromisoformat(meta["end_date"])
    ok = run_sync(first, last, dry_run=False, console=console)
    run_month_report(demo_month(first, last), console)
    console.print("\nNext: open the UI with [bold].venv/bin/auxo-xero ui[/bold]; query the warehouse with DuckDB "
                  "(README, 'Reconciliation'); sync another day with [bold].venv/bin/auxo-xero sync --date D[/bold].")
    return ok


def demo_month(first: date, last: date) -> Month:
    """The month the demo's report is for: the one holding most of its days (the later one on a tie)."""
    from collections import Counter

    days = Counter((first + timedelta(days=n)).strftime("%Y-%m") for n in range((last - first).days + 1))
    label = max(days, key=lambda month: (days[month], month))
    return Month.of(int(label[:4]), int(label[5:]))


def run_month_report(month: Month, console: Console) -> Path | None:
    """Materialise ``recon/month_report`` for ``month`` through the Dagster instance, so it shows in the UI;
    print the file's path. None when it could not be written."""
    from assets.definitions import defs
    from assets.jobs import MONTH_REPORT_JOB_NAME
    from assets.recon.month_asset import report_path
    from pipelines.connections import connection_id

    with run_output(console) as (to_file, status):
        job = defs.resolve_job_def(MONTH_REPORT_JOB_NAME).with_logger_defs(
            {"progress": progress_logger(console, to_file, status)})
        with dg.DagsterInstance.get() as instance:
            result = job.execute_in_process(run_config={"loggers": {"progress": {}}}, instance=instance,
                                            partition_key=month.partition_key,
                                            tags={"auxo-xero/launched-by": "cli"}, raise_on_error=False)
    if not result.success:
        console.print(f"[red]The report for {month.title} was not written.[/red] Fix what the step above says, "
                      "then run the same command again (it only reads: nothing was sent anywhere).", highlight=False)
        return None
    path = report_path(connection_id(), month)
    console.print(f"\nThe books check for {month.title}: {path}", highlight=False)
    return path
